"""Evidence links: events, current state, history, quote validation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evidence_tracker.domain.claims import ClaimsError, LinkState, validate_quotes
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.findings import Direction
from evidence_tracker.domain.models import Stance, Study
from evidence_tracker.services import evidence
from evidence_tracker.store import Project

QUOTE = "Ketamine reduced pain intensity compared with placebo at 12 weeks."


def test_link_is_an_event_and_the_current_state(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    study_id = add_study(crps_rct(pmid="40000001"))
    view = evidence.link_study(seeded, "40000001", "C011", stance="supports", quotes=[QUOTE],
                               reviewer="ana", outcome="pain intensity", timepoint="12 weeks",
                               note="primary outcome")
    assert view.study.id == study_id and view.study.design is StudyDesign.RCT
    # The link records one finding from its arguments (issue 11: links hold findings).
    (finding,) = view.state.findings
    assert (finding.outcome, finding.timepoint, finding.direction, finding.quotes) == (
        "pain intensity", "12 weeks", Direction.FAVOURS, (QUOTE,))
    assert view.state == LinkState(Stance.SUPPORTS, (QUOTE,), "pain intensity", "12 weeks",
                                   "primary outcome", findings=(finding,))
    links = evidence.current_links(seeded, claim="C011")
    assert [(v.reviewer, v.stance) for v in links] == [("ana", Stance.SUPPORTS)]
    assert evidence.current_links(seeded, study=f"#{study_id}")[0].claim_id == links[0].claim_id


def test_change_and_withdraw_keep_the_history(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    add_study(crps_rct(pmid="40000002"))
    evidence.link_study(seeded, "40000002", "C011", stance="supports", quotes=[QUOTE],
                        reviewer="ana")
    evidence.link_study(seeded, "40000002", "C011", stance="partly supports", quotes=[QUOTE],
                        reviewer="ana", note="only at 12 weeks")
    assert evidence.current_links(seeded, claim="C011")[0].stance is Stance.PARTLY_SUPPORTS
    evidence.withdraw_link(seeded, "40000002", "C011", reviewer="ana", note="wrong claim")
    assert evidence.current_links(seeded, claim="C011") == []
    events = evidence.link_history(seeded, "40000002", "C011")
    assert [(e.before or {}).get("stance") for e in events] == [
        None, "supports", "partly_supports"]
    assert [(e.after or {}).get("stance") for e in events] == [
        "supports", "partly_supports", None]
    assert events[-1].note == "wrong claim"
    with pytest.raises(ClaimsError, match="no link"):
        evidence.withdraw_link(seeded, "40000002", "C011", reviewer="ana")


def test_reviewers_have_their_own_links_and_the_latest_counts(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    add_study(crps_rct(pmid="40000003"))
    evidence.link_study(seeded, "40000003", "C011", stance="supports", quotes=[QUOTE],
                        reviewer="ana")
    evidence.link_study(seeded, "40000003", "C011", stance="contradicts", quotes=[QUOTE],
                        reviewer="bo")
    links = evidence.current_links(seeded, claim="C011")
    assert sorted((v.reviewer, v.stance.value) for v in links) == [
        ("ana", "supports"), ("bo", "contradicts")]
    assert evidence.stance_counts(links) == {
        "supports": 0, "partly_supports": 0, "contradicts": 1, "not_relevant": 0}


def test_quotes_must_occur_in_the_abstract_or_title(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    add_study(crps_rct(pmid="40000004"))
    spaced = "Ketamine reduced  pain\nintensity compared with placebo at 12 weeks."
    view = evidence.link_study(seeded, "40000004", "C011", stance="supports",
                               quotes=[spaced, "a randomised trial"], reviewer="ana")
    assert view.state.quotes == (spaced, "a randomised trial")
    with pytest.raises(ClaimsError, match="does not occur"):
        evidence.link_study(seeded, "40000004", "C011", stance="supports",
                            quotes=[QUOTE, "Ketamine cured everyone."], reviewer="ana")
    with pytest.raises(ClaimsError, match="Quote the sentence"):
        evidence.link_study(seeded, "40000004", "C011", stance="supports", quotes=[],
                            reviewer="ana")
    # "Not relevant" needs no quote.
    assert evidence.link_study(seeded, "40000004", "C012", stance="not_relevant", quotes=[],
                               reviewer="ana").stance is Stance.NOT_RELEVANT


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"study": "99999999"}, "No study"),
        ({"claim": "C999"}, "No claim"),
        ({"stance": "agrees"}, "Unknown stance"),
        ({"reviewer": ""}, "reviewer"),
    ],
)
def test_bad_link_requests_are_explained(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int],
    kwargs: dict[str, str], message: str,
) -> None:
    add_study(crps_rct(pmid="40000005"))
    args = {"study": "40000005", "claim": "C011", "stance": "supports", "reviewer": "ana"}
    args.update(kwargs)
    with pytest.raises(ClaimsError, match=message):
        evidence.link_study(seeded, args["study"], args["claim"], stance=args["stance"],
                            quotes=[QUOTE], reviewer=args["reviewer"])
    assert evidence.current_links(seeded, claim="C011") == []


def test_validate_quotes_normalises_whitespace_and_typography_not_case() -> None:
    abstract = "Patients' \"pain\" fell – a lot."
    assert validate_quotes(["  Patients’ “pain”  fell - a lot "], title="",
                           abstract=abstract) == ("Patients’ “pain”  fell - a lot",)
    assert validate_quotes(["a title"], title="A title, a title", abstract="") == ("a title",)
    with pytest.raises(ClaimsError):
        validate_quotes(["PATIENTS' \"PAIN\""], title="", abstract=abstract)
