"""Findings on links, a link's appraisal (reported certainty, attribution) and which
studies a systematic review includes: events, validation, blind mode, undo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.domain.findings import (
    AttributionMatch,
    Direction,
    EffectEstimate,
    EffectMeasure,
    Finding,
)
from evidence_tracker.domain.models import Certainty, Study
from evidence_tracker.pubmed.parser import iter_pubmed_xml
from evidence_tracker.pubmed.references import reference_pmids
from evidence_tracker.services import evidence, review
from evidence_tracker.store import Project
from evidence_tracker.store.studies import upsert_studies

QUOTE = "Ketamine reduced pain intensity compared with placebo at 12 weeks."
OTHER = "Intravenous ketamine relieved pain in complex regional pain syndrome."
PUBMED7 = Path(__file__).resolve().parent.parent / "data" / "ncbi" / "pubmed7.xml"


@pytest.fixture
def linked(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> int:
    """A trial linked to C011 by ana (one finding, made from the link's arguments)."""
    study_id = add_study(crps_rct(pmid="41000001"))
    evidence.link_study(seeded, "41000001", "C011", stance="supports", quotes=[QUOTE],
                        reviewer="ana", outcome="pain", timepoint="12 weeks")
    return study_id


def test_findings_are_added_edited_and_withdrawn_as_link_events(
    seeded: Project, linked: int
) -> None:
    first = evidence.current_links(seeded, claim="C011")[0].state.findings[0]
    view = evidence.add_finding(
        seeded, "41000001", "C011",
        Finding("", outcome="pain", timepoint="4 weeks", direction=Direction.FAVOURS,
                effect=EffectEstimate(EffectMeasure.MD, -1.2, -2.0, -0.4), analysed=60,
                quotes=(OTHER,), comparator="placebo"),
        reviewer="ana")
    assert [f.timepoint for f in view.state.findings] == ["12 weeks", "4 weeks"]
    added = view.state.findings[1]
    assert added.id and added.id != first.id and added.analysed == 60
    view = evidence.edit_finding(seeded, "41000001", "C011", first.id, reviewer="ana",
                                 direction="no difference", analysed=58)
    edited = view.state.findings[0]
    assert (edited.id, edited.direction, edited.analysed, edited.quotes) == (
        first.id, Direction.NO_DIFFERENCE, 58, (QUOTE,))
    view = evidence.withdraw_finding(seeded, "41000001", "C011", added.id, reviewer="ana")
    assert [f.id for f in view.state.findings] == [first.id]
    # Append-only: every step is a link event whose before is the previous state.
    events = evidence.link_history(seeded, "41000001", "C011")
    assert [len((e.after or {})["findings"]) for e in events] == [1, 2, 2, 1]
    assert [e.before for e in events[1:]] == [e.after for e in events[:-1]]
    assert [e.note for e in events[1:]] == ["finding added", "finding edited",
                                            "finding withdrawn"]


@pytest.mark.parametrize(("finding", "message"), [
    (Finding("", quotes=("Pain vanished forever.",)), "does not occur"),
    (Finding("", effect=EffectEstimate(EffectMeasure.MD, -3.0, -2.0, -0.4)), "contain"),
    (Finding("", effect=EffectEstimate(EffectMeasure.RR, 0.0, -0.1, 0.5)), "above 0"),
    (Finding("", effect=EffectEstimate(EffectMeasure.OR, 1.0, 2.0, 0.5)), "lower limit"),
    (Finding("", analysed=0), "at least 1"),
])
def test_findings_are_validated(
    seeded: Project, linked: int, finding: Finding, message: str
) -> None:
    with pytest.raises(ClaimsError, match=message):
        evidence.add_finding(seeded, "41000001", "C011", finding, reviewer="ana")
    assert len(evidence.current_links(seeded, claim="C011")[0].state.findings) == 1


def test_findings_need_the_reviewers_own_link(seeded: Project, linked: int) -> None:
    with pytest.raises(ClaimsError, match="bo has no link"):
        evidence.add_finding(seeded, "41000001", "C011", Finding(""), reviewer="bo")
    with pytest.raises(ClaimsError, match="No finding 'nope'"):
        evidence.withdraw_finding(seeded, "41000001", "C011", "nope", reviewer="ana")


def test_relinking_keeps_recorded_findings_and_a_legacy_link_converts(
    seeded: Project, linked: int
) -> None:
    evidence.add_finding(seeded, "41000001", "C011",
                         Finding("", timepoint="4 weeks", quotes=(OTHER,)), reviewer="ana")
    view = evidence.link_study(seeded, "41000001", "C011", stance="partly supports",
                               quotes=[QUOTE], reviewer="ana", note="only early")
    assert [f.timepoint for f in view.state.findings] == ["12 weeks", "4 weeks"]
    given = evidence.link_study(seeded, "41000001", "C011", stance="contradicts",
                                quotes=[QUOTE], reviewer="ana",
                                findings=[Finding("", direction=Direction.AGAINST)])
    assert [f.direction for f in given.state.findings] == [Direction.AGAINST]
    assert given.state.findings[0].id


def test_undo_restores_the_findings_before(seeded: Project, linked: int) -> None:
    evidence.add_finding(seeded, "41000001", "C011", Finding("", timepoint="4 weeks"),
                         reviewer="ana")
    step = review.undo(seeded, "ana")
    assert step is not None and step.kind == "link"
    assert [f.timepoint for f in evidence.current_links(seeded, claim="C011")[0]
            .state.findings] == ["12 weeks"]


def test_link_appraisal_records_reported_certainty_and_attribution(
    seeded: Project, linked: int
) -> None:
    with pytest.raises(ClaimsError, match="no link"):
        evidence.set_link_appraisal(seeded, "41000001", "C050", reviewer="ana",
                                    attribution="overstated")
    view = evidence.set_link_appraisal(seeded, "41000001", "C011", reviewer="ana",
                                       reported_certainty="very low")
    assert view.state.reported_certainty is Certainty.VERY_LOW
    view = evidence.set_link_appraisal(seeded, "41000001", "C011", reviewer="ana",
                                       attribution="overstated")
    assert (view.state.reported_certainty, view.state.attribution) == (
        Certainty.VERY_LOW, AttributionMatch.OVERSTATED)
    # Re-linking keeps them; "" clears one.
    view = evidence.link_study(seeded, "41000001", "C011", stance="supports", quotes=[QUOTE],
                               reviewer="ana", reported_certainty="")
    assert (view.state.reported_certainty, view.state.attribution) == (
        None, AttributionMatch.OVERSTATED)
    with pytest.raises(ClaimsError, match="Unknown attribution"):
        evidence.set_link_appraisal(seeded, "41000001", "C011", reviewer="ana",
                                    attribution="wrong")
    with pytest.raises(ClaimsError, match="Unknown certainty"):
        evidence.set_link_appraisal(seeded, "41000001", "C011", reviewer="ana",
                                    reported_certainty="certain")


def test_inclusions_are_events_and_blind_mode_hides_other_reviewers_lists(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    rev = add_study(crps_rct(pmid="41000010", publication_types=["Meta-Analysis"]))
    a = add_study(crps_rct(pmid="41000011"))
    b = add_study(crps_rct(pmid="41000012"))
    assert evidence.review_inclusions(seeded, [rev]) == {}
    assert evidence.record_inclusions(seeded, "41000010", ["41000011"], reviewer="ana") \
        == frozenset({a})
    # Blind mode follows the review rule: before bo has judged this review, bo does not
    # see ana's list (nor does anyone else who has not judged it); ana sees her own.
    review.set_blind_mode(seeded, True, reviewer="cat")
    assert evidence.review_inclusions(seeded, [rev], viewer="bo") == {}
    assert evidence.review_inclusions(seeded, [rev], viewer="dee") == {}
    assert evidence.review_inclusions(seeded, [rev], viewer="ana") == {rev: frozenset({a})}
    evidence.record_inclusions(seeded, rev, [f"#{a}", "41000012"], reviewer="bo")
    # Two reviewers have judged it, so it is complete: visible to all, the latest counts.
    assert evidence.review_inclusions(seeded, [rev], viewer="ana") == {rev: frozenset({a, b})}
    assert evidence.review_inclusions(seeded, [rev], viewer="dee") == {rev: frozenset({a, b})}
    review.set_blind_mode(seeded, False, reviewer="cat")
    assert evidence.review_inclusions(seeded, [rev]) == {rev: frozenset({a, b})}
    assert evidence.review_inclusions(seeded, [rev], viewer="ana") == {rev: frozenset({a, b})}
    # Undo gives bo's earlier (empty) state back: no list recorded by bo any more.
    assert review.undo(seeded, "bo") is not None
    assert evidence.review_inclusions(seeded, [rev]) == {rev: frozenset({a})}
    with pytest.raises(ClaimsError, match="itself"):
        evidence.record_inclusions(seeded, rev, [rev], reviewer="ana")
    with pytest.raises(ClaimsError, match="No study"):
        evidence.record_inclusions(seeded, rev, ["99999999"], reviewer="ana")


def test_reference_pmids_of_a_real_record() -> None:
    pmids = reference_pmids(PUBMED7.read_bytes())
    assert pmids[:3] == ["25144646", "8028666", "19585597"]
    assert "29963580" not in pmids  # the record's own PMID is not a reference
    assert len(pmids) == len(set(pmids)) == 49
    assert reference_pmids(b"<PubmedArticle/>") == []
    assert reference_pmids(b"") == []


def test_propose_inclusions_from_the_reviews_reference_list(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    (record,) = list(iter_pubmed_xml(PUBMED7))
    review_id = upsert_studies(seeded, [record]).study_ids[0]
    cited_later = add_study(crps_rct(pmid="19585597"))
    cited_first = add_study(crps_rct(pmid="25144646"))
    add_study(crps_rct(pmid="41000099"))  # not cited
    assert evidence.propose_inclusions(seeded, review_id) == [cited_first, cited_later]
    assert evidence.propose_inclusions(seeded, cited_first) == []  # no reference list
