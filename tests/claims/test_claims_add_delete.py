"""Adding and deleting claims (the services the GUI and any other caller use)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.services import claims as claims_service
from evidence_tracker.services import evidence
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
    assert [d["code"] for d in store.deleted_claims(seeded)] == ["C011"]


def test_project_counts_leave_deleted_claims_out(seeded: Project) -> None:
    before = stats.counts(seeded)["claims"]
    claims_service.delete_claim(seeded, "C001", reviewer="Bo")
    assert stats.counts(seeded)["claims"] == before - 1
