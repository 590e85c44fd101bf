"""Reviewers and the append-only events table that every judgement is derived from.

Every event is chained (:mod:`evidence_tracker.store.event_chain`): it stores the hash of
the event before it and a hash over its own content and that one, computed here in the
step that appends it, under the write lock, so the chain has no gaps and no forks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from evidence_tracker.store import event_chain
from evidence_tracker.store.database import Project, StoreError, utcnow

_UNSET: Any = object()

#: Events that have not travelled to a team server count after all that have.
UNSYNCED_AFTER = 1 << 62


def ordinal(alias: str = "e") -> str:
    """SQL for where the event ``alias`` stands in the order every machine of a team agrees
    on: the team server's sequence number once the event was pushed or pulled, else after
    all of those, in local order (local ids alone are arrival order, which differs between
    machines). THE rule for "latest" and "current" judgements; db/0009 spells the same
    expression in its screening_current triggers.

    >>> "t.event_id = x.id), 4611686018427387904 + x.id)" in ordinal("x")
    True
    """
    return (f"coalesce((SELECT t.seq FROM team_event_ids t WHERE t.event_id = {alias}.id), "
            f"{UNSYNCED_AFTER} + {alias}.id)")


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
    """The latest ``after`` value for one subject and reviewer (in the shared order), or
    None."""
    row = project.conn.execute(
        "SELECT e.after FROM events e WHERE e.kind = ? AND e.study_id IS ? AND e.claim_id IS ? "
        f"AND e.reviewer_id IS ? ORDER BY {ordinal()} DESC LIMIT 1",
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
    before: Any = _UNSET,
    occurred_at: str | None = None,
) -> int:
    """Record a judgement; ``before`` is read from the current state in the same step
    (unless the caller worked it out). Returns the new event's id. ``occurred_at``: when
    another machine recorded it (an event pulled from the team server), else now."""
    with project.transaction():
        if before is _UNSET:
            before = current_state(
                project, kind, reviewer_id=reviewer_id, study_id=study_id, claim_id=claim_id
            )
        return _insert_chained(
            project, kind, reviewer_id=_int(reviewer_id), study_id=_int(study_id),
            claim_id=_int(claim_id), reverts=_int(reverts), note=str(note),
            before=None if before is None else json.dumps(before, ensure_ascii=False),
            after=None if after is None else json.dumps(after, ensure_ascii=False),
            occurred_at=occurred_at,
        )


def _int(value: int | None) -> int | None:
    """Ids as SQLite stores them (the hash is over the stored values)."""
    return None if value is None else int(value)


def _insert_chained(
    project: Project, kind: str, *, reviewer_id: int | None, study_id: int | None,
    claim_id: int | None, before: str | None, after: str | None, note: str,
    reverts: int | None, occurred_at: str | None = None,
) -> int:
    """Insert one event after the last one, with its link; inside the caller's step."""
    conn = project.conn
    last = conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    event_id = int(last[0]) + 1 if last else 1
    prev_hash = str(last[1] or "") if last else event_chain.GENESIS
    reviewer = None
    if reviewer_id is not None:
        row = conn.execute("SELECT name FROM reviewers WHERE id = ?", (reviewer_id,)).fetchone()
        reviewer = row[0] if row else None
    occurred_at = occurred_at or utcnow()
    digest = event_chain.event_hash(prev_hash, event_id, occurred_at, reviewer, kind,
                                    study_id, claim_id, before, after, note, reverts)
    conn.execute(
        "INSERT INTO events(id, occurred_at, reviewer_id, kind, study_id, claim_id, before, "
        "after, note, reverts, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (event_id, occurred_at, reviewer_id, kind, study_id, claim_id, before, after, note,
         reverts, prev_hash, digest),
    )
    return event_id


def chain_head(project: Project) -> event_chain.ChainHead:
    """The last event's id and hash (what a published report prints)."""
    row = project.conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    return event_chain.ChainHead(int(row[0]), str(row[1] or "")) if row else \
        event_chain.ChainHead(0, event_chain.GENESIS)


def verify_chain(project: Project, *, head: str | None = None) -> event_chain.ChainCheck:
    """Walk the whole chain, oldest first; report the first link that does not hold, and
    (``head``) whether a report's chain head is part of it."""
    rows = project.conn.execute(event_chain.CHAIN_SELECT + " ORDER BY e.id")
    return event_chain.walk(rows, head)


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
    """Every event about a study and/or claim, oldest first (in the shared order)."""
    clauses, params = event_filter(study_id=study_id, claim_id=claim_id)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    rows = project.db.query(
        "SELECT e.*, coalesce(r.name, '') AS reviewer FROM events e "
        f"LEFT JOIN reviewers r ON r.id = e.reviewer_id{where} ORDER BY {ordinal()}",
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
