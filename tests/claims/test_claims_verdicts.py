"""Verdict rules, confirmed verdicts, and when a verdict needs re-review."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evidence_tracker.domain.claims import (
    ClaimsError,
    Design,
    WeighedLink,
    study_design,
    suggest_verdict,
)
from evidence_tracker.domain.models import Certainty, EventKind, Stance, Study, Verdict
from evidence_tracker.services import evidence
from evidence_tracker.services.claims import resolve_claim
from evidence_tracker.store import Project
from evidence_tracker.store.events import append_event, ensure_reviewer
from evidence_tracker.store.studies import upsert_studies

S, P, C, N = (Stance.SUPPORTS, Stance.PARTLY_SUPPORTS, Stance.CONTRADICTS,
              Stance.NOT_RELEVANT)
SR, RCT, TRIAL, OBS, OTHER, CASE = (Design.SYSTEMATIC_REVIEW, Design.RCT, Design.TRIAL,
                                    Design.OBSERVATIONAL, Design.OTHER, Design.CASE_REPORT)
QUOTE = "Ketamine reduced pain intensity compared with placebo at 12 weeks."


@pytest.mark.parametrize(
    ("links", "certainty", "expected"),
    [
        ([], None, Verdict.INSUFFICIENT),
        ([(S, CASE)], None, Verdict.INSUFFICIENT),
        ([(S, OBS)], None, Verdict.INSUFFICIENT),
        ([(S, RCT)], None, Verdict.SUPPORTED),
        ([(S, SR), (S, RCT)], None, Verdict.SUPPORTED),
        ([(S, OBS), (S, OBS)], None, Verdict.PARTLY_SUPPORTED),  # no RCT behind it
        ([(P, RCT)], None, Verdict.PARTLY_SUPPORTED),
        ([(S, RCT), (P, RCT)], None, Verdict.PARTLY_SUPPORTED),  # 3 of 6 fully supports
        ([(S, RCT), (S, RCT), (P, OTHER)], None, Verdict.SUPPORTED),  # 6 of 7
        ([(S, RCT), (C, RCT)], None, Verdict.NOT_SUPPORTED),  # mixed
        ([(C, RCT)], None, Verdict.CONTRADICTED),
        ([(C, SR), (S, OBS)], None, Verdict.CONTRADICTED),  # 4 of 5.5
        ([(C, RCT), (S, OBS), (P, CASE)], None, Verdict.NOT_SUPPORTED),  # 3 of 5
        ([(S, RCT), (N, SR), (N, SR)], None, Verdict.SUPPORTED),  # not relevant: ignored
        ([(S, RCT)], Certainty.HIGH, Verdict.SUPPORTED),
        ([(S, RCT)], Certainty.LOW, Verdict.PARTLY_SUPPORTED),
        ([(C, RCT)], Certainty.LOW, Verdict.NOT_SUPPORTED),
        ([(S, RCT)], Certainty.VERY_LOW, Verdict.INSUFFICIENT),
        ([(S, RCT)], "moderate", Verdict.SUPPORTED),
    ],
)
def test_verdict_rule(
    links: list[tuple[Stance, Design]], certainty: Certainty | str | None, expected: Verdict
) -> None:
    result = suggest_verdict([WeighedLink(s, d) for s, d in links], certainty)
    assert result.verdict is expected, result.reasons


def test_retracted_studies_do_not_count() -> None:
    result = suggest_verdict([WeighedLink(S, RCT, retracted=True), WeighedLink(C, RCT)])
    assert result.verdict is Verdict.CONTRADICTED
    assert result.supports == 0 and result.contradicts == 3
    assert "1 retracted study not counted" in result.reasons


@pytest.mark.parametrize(
    ("types", "design"),
    [
        (["Journal Article", "Meta-Analysis"], SR),
        (["Systematic Review"], SR),
        (["Randomized Controlled Trial", "Multicenter Study"], RCT),
        (["Clinical Trial, Phase II"], TRIAL),
        (["Observational Study"], OBS),
        (["Case Reports"], CASE),
        (["Review"], Design.NARRATIVE),
        (["Letter"], Design.NARRATIVE),
        (["Journal Article"], OTHER),
        ([], OTHER),
    ],
)
def test_study_design_from_publication_types(types: list[str], design: Design) -> None:
    assert study_design(types) is design


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
    assert status.verdict is Verdict.SUPPORTED and status.confirmed is None
    status = evidence.record_verdict(seeded, "C011", "partly_supported", reviewer="bo",
                                     rationale="One small trial only")
    assert status.confirmed is Verdict.PARTLY_SUPPORTED
    assert status.verdict is Verdict.PARTLY_SUPPORTED
    assert status.suggested.verdict is Verdict.SUPPORTED
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
