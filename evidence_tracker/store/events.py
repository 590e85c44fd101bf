"""Reviewers and the append-only events table that every judgement is derived from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from evidence_tracker.store.database import Project, StoreError, utcnow


@dataclass(frozen=True)
class Event:
    id: int
    occurred_at: str
    reviewer: str
    kind: str
    study_id: int | None
    claim_id: int | None
    before: Any
    after: Any
    note: str
    reverts: int | None


def ensure_reviewer(project: Project, name: str) -> int:
    """The id of reviewer ``name``, created on first use."""
    name = name.strip()
    if not name:
        raise StoreError("A reviewer needs a name.")
    with project.transaction():
        project.conn.execute(
            "INSERT INTO reviewers(name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
            (name, utcnow()),
        )
        row = project.conn.execute("SELECT id FROM reviewers WHERE name = ?", (name,)).fetchone()
    return int(row[0])


def current_state(
    project: Project, kind: str, *, reviewer_id: int | None,
    study_id: int | None = None, claim_id: int | None = None,
) -> Any:
    """The latest ``after`` value for one subject and reviewer, or None."""
    row = project.conn.execute(
        "SELECT after FROM events WHERE kind = ? AND study_id IS ? AND claim_id IS ? "
        "AND reviewer_id IS ? ORDER BY id DESC LIMIT 1",
        (kind, study_id, claim_id, reviewer_id),
    ).fetchone()
    return json.loads(row[0]) if row and row[0] is not None else None


def append_event(
    project: Project,
    kind: str,
    *,
    reviewer_id: int | None,
    after: Any,
    study_id: int | None = None,
    claim_id: int | None = None,
    note: str = "",
    reverts: int | None = None,
) -> int:
    """Record a judgement; ``before`` is read from the current state in the same step."""
    with project.transaction():
        before = current_state(
            project, kind, reviewer_id=reviewer_id, study_id=study_id, claim_id=claim_id
        )
        cur = project.conn.execute(
            "INSERT INTO events(occurred_at, reviewer_id, kind, study_id, claim_id, before, "
            "after, note, reverts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (utcnow(), reviewer_id, kind, study_id, claim_id,
             None if before is None else json.dumps(before, ensure_ascii=False),
             None if after is None else json.dumps(after, ensure_ascii=False),
             note, reverts),
        )
        return int(cur.lastrowid or 0)


def event_filter(
    kind: str | None = None, *, study_id: int | None = None, claim_id: int | None = None
) -> tuple[list[str], list[Any]]:
    """SQL conditions (on ``events e``) and parameters selecting events by kind and subject."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("kind", kind), ("study_id", study_id), ("claim_id", claim_id)):
        if value is not None:
            clauses.append(f"e.{column} = ?")
            params.append(value)
    return clauses, params


def history(
    project: Project, *, study_id: int | None = None, claim_id: int | None = None
) -> list[Event]:
    """Every event about a study and/or claim, oldest first."""
    clauses, params = event_filter(study_id=study_id, claim_id=claim_id)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    rows = project.db.query(
        "SELECT e.*, coalesce(r.name, '') AS reviewer FROM events e "
        f"LEFT JOIN reviewers r ON r.id = e.reviewer_id{where} ORDER BY e.id",
        params,
    )
    return [
        Event(
            id=r["id"], occurred_at=r["occurred_at"], reviewer=r["reviewer"], kind=r["kind"],
            study_id=r["study_id"], claim_id=r["claim_id"],
            before=json.loads(r["before"]) if r["before"] else None,
            after=json.loads(r["after"]) if r["after"] else None,
            note=r["note"], reverts=r["reverts"],
        )
        for r in rows
    ]
