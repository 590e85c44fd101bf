"""Read-only queries for exports and the audit report: screening decisions, studies by id,
every live stance link. Event payloads are read defensively: a malformed or unknown one is
skipped, never an error (other parts of the application write these events)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evidence_tracker.domain.models import StoredStudy
from evidence_tracker.store.database import Project
from evidence_tracker.store.events import ordinal
from evidence_tracker.store.studies import _stored, study_conditions


@dataclass(frozen=True)
class ScreeningVote:
    study_id: int
    reviewer_id: int | None
    decision: str
    reason: str
    event_id: int


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def screening_votes(project: Project) -> list[ScreeningVote]:
    """Each reviewer's current screening decision per study (the maintained
    screening_current: withdrawals and copies an arbiter appended left out), in the shared
    order."""
    out = []
    for study_id, reviewer_id, decision, after, event_id in project.conn.execute(
        "SELECT j.study_id, j.reviewer_id, j.decision, e.after, j.event_id "
        "FROM screening_current j JOIN events e ON e.id = j.event_id "
        f"WHERE j.decision <> '' ORDER BY {ordinal()}"
    ):
        value = _json(after)
        reason = str(value.get("reason") or "") if isinstance(value, dict) else ""
        out.append(ScreeningVote(int(study_id), reviewer_id, str(decision), reason,
                                 int(event_id)))
    return out


def screening_resolutions(project: Project) -> dict[int, tuple[str, str]]:
    """Study id -> (decision, reason) of the latest arbiter's screening resolution."""
    out: dict[int, tuple[str, str]] = {}
    for study_id, after in project.conn.execute(
        "SELECT e.study_id, e.after FROM events e WHERE e.kind = 'resolution' "
        f"AND e.study_id IS NOT NULL ORDER BY {ordinal()}"
    ):
        value = _json(after)
        if not isinstance(value, dict) or value.get("of") != "screening":
            continue
        final = value.get("final")
        if isinstance(final, dict) and isinstance(final.get("decision"), str):
            out[int(study_id)] = (final["decision"], str(final.get("reason") or ""))
    return out


def studies_by_ids(project: Project, ids: Sequence[int]) -> list[StoredStudy]:
    """The stored studies of ``ids``, in the given order (missing ids skipped)."""
    out: list[StoredStudy] = []
    for i in range(0, len(ids), 500):
        part = list(dict.fromkeys(ids[i : i + 500]))
        marks = ", ".join("?" for _ in part)
        rows = {r["id"]: r for r in project.db.query(
            f"SELECT * FROM studies WHERE id IN ({marks})", part)}
        conds = study_conditions(project, part)
        out += [_stored(project, rows[s], conds[s]) for s in part if s in rows]
    return out


def live_study_count(project: Project) -> int:
    """Studies in the project that PubMed has not withdrawn."""
    return int(project.conn.execute(
        "SELECT count(*) FROM studies WHERE deleted = 0").fetchone()[0])


def clinic_pages(project: Project) -> dict[int, dict[str, Any]]:
    """Page id -> page (title, url, clinic name, slug and url)."""
    return {r["id"]: r for r in project.db.query(
        "SELECT p.id, p.slug, p.title, p.url, c.slug AS clinic_slug, c.name AS clinic_name, "
        "c.url AS clinic_url FROM clinic_pages p JOIN clinics c ON c.id = p.clinic_id")}
