"""Adding and deleting claims (the services the GUI and any other caller use)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.domain.grade import GradeAssessment
from evidence_tracker.domain.models import Certainty
from evidence_tracker.services import claims as claims_service
from evidence_tracker.services import evidence, grading
from evidence_tracker.store import Project, stats
from evidence_tracker.store import claims as store
from evidence_tracker.store.events import history, verify_chain


def test_add_claim_proposes_what_is_not_given(seeded: Project) -> None:
    claim = claims_service.add_claim(
        seeded, "  Ketamine relieves fibromyalgia pain within 40 minutes ", reviewer="Ada")
    assert claim.code == f"C{len(store.list_claims(seeded)):03d}"
    assert claim.text == "Ketamine relieves fibromyalgia pain within 40 minutes"
    assert claim.conditions == ["fibromyalgia"] and claim.sources == []
    assert claim.pico.timepoint == "within 40 minutes"
    (event,) = [e for e in history(seeded, claim_id=claim.id) if e.kind == "claim"]
    assert (event.note, event.reviewer, event.after["text"]) == ("added", "Ada", claim.text)


def test_add_claim_refuses_what_cannot_be_stored(seeded: Project) -> None:
    count = len(store.list_claims(seeded))
    with pytest.raises(ClaimsError, match="needs a text"):
        claims_service.add_claim(seeded, "   ", reviewer="Ada")
    with pytest.raises(ClaimsError, match="reviewer name"):
        claims_service.add_claim(seeded, "Ketamine helps", reviewer="")
    with pytest.raises(ClaimsError, match="Unknown category"):
        claims_service.add_claim(seeded, "Ketamine helps", reviewer="Ada", category="nope")
    assert len(store.list_claims(seeded)) == count


def test_a_deleted_claim_and_its_links_are_gone_but_its_history_stays(
    seeded: Project, crps_rct: Callable, add_study: Callable[..., int]
) -> None:
    trial = crps_rct()
    study = add_study(trial)
    target = claims_service.resolve_claim(seeded, "C011")
    evidence.link_study(seeded, study, target, stance="supports", reviewer="Ada",
                        quotes=[trial.title])
    assert len(evidence.current_links(seeded, study=study)) == 1
    count = len(store.list_claims(seeded))

    gone = claims_service.delete_claim(seeded, "C011", reviewer="Bo", reason="duplicate")
    assert gone.code == "C011"
    assert len(store.list_claims(seeded)) == count - 1
    assert store.get_claim(seeded, target.id) is None
    assert evidence.current_links(seeded, study=study) == []
    with pytest.raises(ClaimsError, match="No claim 'C011'"):
        claims_service.resolve_claim(seeded, "C011")
    events = history(seeded, claim_id=target.id)
    assert [e.kind for e in events] == ["link", "claim"]
    assert events[-1].note == "deleted: duplicate" and events[-1].after["deleted"] is True
    assert events[-1].after["text"] == target.text  # the claim as it was
    assert verify_chain(seeded).ok
    # Its code is never given again.
    assert claims_service.add_claim(seeded, "Another claim", reviewer="Bo").code != "C011"
    assert [d.claim.code for d in store.deleted_claims(seeded)] == ["C011"]


def test_project_counts_leave_deleted_claims_out(seeded: Project) -> None:
    before = stats.counts(seeded)["claims"]
    claims_service.delete_claim(seeded, "C001", reviewer="Bo")
    assert stats.counts(seeded)["claims"] == before - 1


def test_a_restored_claim_comes_back_with_its_links_grade_and_verdict(
    seeded: Project, crps_rct: Callable, add_study: Callable[..., int]
) -> None:
    trial = crps_rct()
    study = add_study(trial)
    evidence.link_study(seeded, study, "C011", stance="supports", reviewer="Ada",
                        quotes=[trial.title])
    grading.record_grade(seeded, "C011", GradeAssessment(
        Certainty.HIGH, {"imprecision": -1}, footnotes={"imprecision": "few patients"}),
        reviewer="Ada")
    evidence.record_verdict(seeded, "C011", "partly_supported", rationale="one small RCT",
                            reviewer="Ada")
    before = evidence.claim_detail(seeded, "C011", viewer="Ada")
    claims_service.delete_claim(seeded, "C011", reviewer="Bo", reason="duplicate of C012")
    (gone,) = claims_service.deleted_claims(seeded)
    assert (gone.claim.code, gone.deleted_by, gone.reason) == ("C011", "Bo", "duplicate of C012")
    assert (gone.links, gone.studies) == (1, 1)  # kept, to come back with it
    assert gone.claim.sources == before.claim.sources  # the claim as it is stored
    with pytest.raises(ClaimsError, match="No claim 'C011': it was deleted"):
        grading.record_grade(seeded, "C011", GradeAssessment(Certainty.LOW), reviewer="Ada")

    restored = claims_service.restore_claim(seeded, "c011", reviewer="Cy", reason="not a dup")
    assert restored == before.claim
    assert claims_service.deleted_claims(seeded) == []
    after = evidence.claim_detail(seeded, "C011", viewer="Ada")
    assert [(v.event_id, v.stance) for v in after.links] == \
        [(v.event_id, v.stance) for v in before.links]
    assert after.verdict == before.verdict  # confirmed verdict, statement, no re-review
    assert after.verdict.confirmed and not after.verdict.needs_rereview
    assert [(r, g.certainty) for r, g in grading.grades(seeded, "C011", "Ada")[0]] == \
        [("Ada", Certainty.MODERATE)]
    events = history(seeded, claim_id=restored.id)
    assert [e.kind for e in events][-2:] == ["claim", "claim"]
    assert events[-1].note == "restored: not a dup" and events[-1].after["deleted"] is False
    assert events[-1].reviewer == "Cy" and events[-1].after["text"] == restored.text
    assert verify_chain(seeded).ok
    assert len(store.list_claims(seeded)) == 54


def test_restore_refuses_what_is_not_deleted(seeded: Project) -> None:
    with pytest.raises(ClaimsError, match="C001 is not deleted"):
        claims_service.restore_claim(seeded, "C001", reviewer="Ada")
    with pytest.raises(ClaimsError, match="No claim 'C999'"):
        claims_service.restore_claim(seeded, "C999", reviewer="Ada")
    claims_service.delete_claim(seeded, "C001", reviewer="Ada")
    with pytest.raises(ClaimsError, match="reviewer name"):
        claims_service.restore_claim(seeded, "C001", reviewer=" ")
    assert [d.claim.code for d in claims_service.deleted_claims(seeded)] == ["C001"]
    # Deleted again after a restore: the latest claim event decides.
    claims_service.restore_claim(seeded, "C001", reviewer="Ada")
    claims_service.delete_claim(seeded, "C001", reviewer="Ada")
    assert store.get_claim(seeded, 1) is None
