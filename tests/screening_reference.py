"""Reviewers' current screening decisions worked out from every event, the slow way: what
the maintained screening_current (db/0008) must always equal."""

from __future__ import annotations

from typing import Any

from evidence_tracker.domain.review import is_arbitration
from evidence_tracker.store import Project
from evidence_tracker.store import judgements as store


def expected_decisions(project: Project) -> dict[tuple[int, int], str]:
    """(reviewer id, study id) -> decision: each reviewer's latest screening event about a
    study, unless it withdraws their decision or is an arbiter's copy of a resolution."""
    latest: dict[tuple[int, int], Any] = {}
    for e in store.events_of_kind(project, "screening"):
        if e["claim_id"] is None and e["reviewer_id"] is not None:
            latest[(e["reviewer_id"], e["study_id"])] = e["after"]
    return {key: str(after.get("decision", "")) for key, after in latest.items()
            if after is not None and not is_arbitration(after)}
