"""Verdict rules, confirmed verdicts, and when a verdict needs re-review."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evidence_tracker.domain.claims import ClaimKind, ClaimsError
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.findings import Direction, Finding
from evidence_tracker.domain.grade import BodyStudy, ClaimScope
from evidence_tracker.domain.models import Certainty, EventKind, Study, Verdict
from evidence_tracker.domain.verdicts import DECISION_TABLE, ScopeMatch, assess
from evidence_tracker.services import evidence
from evidence_tracker.services.claims import resolve_claim
from evidence_tracker.store import Project
from evidence_tracker.store.events import append_event, ensure_reviewer
from evidence_tracker.store.studies import upsert_studies

QUOTE = "Ketamine reduced pain intensity compared with placebo at 12 weeks."
CRPS = ClaimScope(frozenset({"crps"}), "Ketamine IV infusion", "",
                  claimed={"crps": frozenset({"crps"})}, population="CRPS")


def _rct(i: int, direction: Direction) -> BodyStudy:
    return BodyStudy(i, f"PMID {i}", StudyDesign.RCT, "supports", 0, "low", 250, ("crps",),
                     "iv_infusion", findings=(Finding(f"f{i}", "pain", "12 weeks", direction,
                                                      analysed=250),))


# Every row of the decision table, reached through the whole method: two appraised RCTs
# (500 participants, low risk of bias) whose direction is the row's; the reviewer states
# the row's certainty (GRADE's "state the certainty directly").
@pytest.mark.parametrize(("band", "direction"), sorted(DECISION_TABLE))
def test_every_row_of_the_decision_table(band: str, direction: str) -> None:
    certainty = {"high_moderate": Certainty.MODERATE, "low": Certainty.LOW,
                 "very_low": Certainty.VERY_LOW}[band]
    if direction == "mixed":
        studies = [_rct(1, Direction.FAVOURS), _rct(2, Direction.AGAINST)]
    else:
        studies = [_rct(1, Direction(direction)), _rct(2, Direction(direction))]
    result = assess(ClaimKind.EFFECT, CRPS, studies, stated=certainty)
    assert result.verdict is DECISION_TABLE[(band, direction)], result.steps
    assert result.scope_match is ScopeMatch.FULL
    assert result.direction == (None if direction == "mixed" else Direction(direction))
    assert result.steps[-1].label == "Verdict"
    if band == "high_moderate" and direction == "favours":
        # High as well as moderate: the same row.
        high = assess(ClaimKind.EFFECT, CRPS, studies, stated=Certainty.HIGH)
        assert high.verdict is Verdict.SUPPORTED
        assert high.statement == ("IV ketamine reduces pain in CRPS for up to 12 weeks "
                                  "(high certainty).")


def _link(project: Project, pmid: str, stance: str = "supports", claim: str = "C011",
          reviewer: str = "ana") -> None:
    evidence.link_study(project, pmid, claim, stance=stance, quotes=[QUOTE], reviewer=reviewer)


def test_suggested_then_confirmed_verdict(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    add_study(crps_rct(pmid="43000001"))
    assert evidence.verdict_status(seeded, "C011").verdict is Verdict.INSUFFICIENT
    _link(seeded, "43000001")
    status = evidence.verdict_status(seeded, "C011")
    # One RCT linked with a stance only, never appraised: the certainty is an upper bound
    # (risk of bias and imprecision not assessed), read as low: partly supported.
    assert status.verdict is Verdict.PARTLY_SUPPORTED and status.confirmed is None
    assert status.suggested.provisional
    status = evidence.record_verdict(seeded, "C011", "insufficient_evidence", reviewer="bo",
                                     rationale="One small trial only")
    assert status.confirmed is Verdict.INSUFFICIENT
    assert status.verdict is Verdict.INSUFFICIENT
    assert status.suggested.verdict is Verdict.PARTLY_SUPPORTED
    assert status.statement == status.suggested.statement  # recorded with the verdict
    assert (status.reviewer, status.rationale) == ("bo", "One small trial only")
    assert not status.needs_rereview
    with pytest.raises(ClaimsError, match="rationale"):
        evidence.record_verdict(seeded, "C011", "supported", reviewer="bo", rationale=" ")
    with pytest.raises(ClaimsError, match="Unknown verdict"):
        evidence.record_verdict(seeded, "C011", "true", reviewer="bo", rationale="x")


def test_certainty_from_a_grade_event_caps_the_suggestion(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    add_study(crps_rct(pmid="43000002"))
    _link(seeded, "43000002")
    claim_id = resolve_claim(seeded, "C011").id
    append_event(seeded, EventKind.GRADE.value, reviewer_id=ensure_reviewer(seeded, "ana"),
                 claim_id=claim_id, after={"certainty": "very_low"})
    assert evidence.verdict_status(seeded, "C011").verdict is Verdict.INSUFFICIENT


def _confirmed(project: Project) -> None:
    evidence.record_verdict(project, "C011", "supported", reviewer="bo", rationale="RCT")
    assert not evidence.verdict_status(project, "C011").needs_rereview


def test_new_link_after_the_verdict_needs_rereview(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    add_study(crps_rct(pmid="43000003"))
    add_study(crps_rct(pmid="43000004"))
    _link(seeded, "43000003")
    _confirmed(seeded)
    _link(seeded, "43000004", stance="contradicts")
    status = evidence.verdict_status(seeded, "C011")
    assert status.rereview_reasons == ("a link changed after the verdict",)
    # Confirming again clears the flag; a link on another claim does not raise it.
    _confirmed(seeded)
    _link(seeded, "43000004", claim="C012")
    assert not evidence.verdict_status(seeded, "C011").needs_rereview


def test_retraction_of_a_linked_study_needs_rereview(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    study = crps_rct(pmid="43000005")
    add_study(study)
    _link(seeded, "43000005")
    _confirmed(seeded)
    study.publication_types = [*study.publication_types, "Retracted Publication"]
    upsert_studies(seeded, [study])  # the study's own condition rows are unchanged
    status = evidence.verdict_status(seeded, "C011")
    assert status.needs_rereview
    assert any("retracted" in r for r in status.rereview_reasons)
    assert status.suggested.verdict is Verdict.INSUFFICIENT


def test_rereview_event_on_a_linked_study_needs_rereview(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    study_id = add_study(crps_rct(pmid="43000006"))
    other = add_study(crps_rct(pmid="43000007"))
    _link(seeded, "43000006")
    _confirmed(seeded)
    append_event(seeded, EventKind.REREVIEW.value, reviewer_id=None, study_id=other,
                 after={"reason": "revised"})
    assert not evidence.verdict_status(seeded, "C011").needs_rereview  # not linked
    append_event(seeded, EventKind.REREVIEW.value, reviewer_id=None, study_id=study_id,
                 after={"reason": "erratum"})
    assert evidence.verdict_status(seeded, "C011").rereview_reasons == (
        "a linked study was flagged for re-review",)


def test_new_study_in_the_claims_conditions_needs_rereview(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    add_study(crps_rct(pmid="43000008"))
    _link(seeded, "43000008")
    _confirmed(seeded)
    add_study(crps_rct(pmid="43000009"), condition="fibromyalgia")
    assert not evidence.verdict_status(seeded, "C011").needs_rereview
    add_study(crps_rct(pmid="43000010"), condition="crps")
    assert evidence.verdict_status(seeded, "C011").rereview_reasons == (
        "new studies in the claim's conditions",)
