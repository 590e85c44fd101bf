"""The search-run log: one row per fetch of a condition, with its resumable cursor.

The cursor is written in the same transaction as the batch it follows, so a run killed at
any moment resumes exactly after the last stored batch. The log feeds the PRISMA diagram.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from evidence_tracker.store.database import Project, StoreError, utcnow

RESUMABLE = ("running", "interrupted", "cancelled", "failed")


@dataclass
class SearchRun:
    id: int
    condition_id: int | None
    query: str
    kind: str
    mindate: str | None
    maxdate: str | None
    started_at: str
    finished_at: str | None
    status: str
    total_count: int | None
    fetched_count: int
    new_count: int
    updated_count: int
    cursor: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _run(row: dict[str, Any]) -> SearchRun:
    row = dict(row)
    row["cursor"] = json.loads(row["cursor"] or "{}")
    return SearchRun(**row)


def get_run(project: Project, run_id: int) -> SearchRun:
    rows = list(project.db.query("SELECT * FROM search_runs WHERE id = ?", [run_id]))
    if not rows:
        raise StoreError(f"No search run {run_id}.")
    return _run(rows[0])


def start_run(
    project: Project, *, condition_id: int | None, query: str, kind: str,
    mindate: str | None, maxdate: str | None, cursor: dict[str, Any],
) -> SearchRun:
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO search_runs(condition_id, query, kind, mindate, maxdate, started_at, "
            "status, cursor) VALUES (?, ?, ?, ?, ?, ?, 'running', ?)",
            (condition_id, query, kind, mindate, maxdate, utcnow(), json.dumps(cursor)),
        )
        return get_run(project, int(cur.lastrowid or 0))


def resumable_run(project: Project, condition_id: int, query: str) -> SearchRun | None:
    """The newest unfinished run of this condition with this exact query, if any."""
    rows = list(project.db.query(
        "SELECT * FROM search_runs WHERE condition_id = ? ORDER BY id DESC LIMIT 1",
        [condition_id],
    ))
    if rows and rows[0]["status"] in RESUMABLE and rows[0]["query"] == query:
        return _run(rows[0])
    return None


def last_completed_run(project: Project, condition_id: int) -> SearchRun | None:
    rows = list(project.db.query(
        "SELECT * FROM search_runs WHERE condition_id = ? AND status = 'done' "
        "ORDER BY id DESC LIMIT 1", [condition_id],
    ))
    return _run(rows[0]) if rows else None


def record_progress(
    project: Project, run_id: int, *, cursor: dict[str, Any], fetched: int, new: int,
    updated: int, total: int | None = None,
) -> None:
    """Advance a run's cursor and counts; call inside the batch's transaction."""
    with project.transaction():
        project.conn.execute(
            "UPDATE search_runs SET cursor = ?, fetched_count = fetched_count + ?, "
            "new_count = new_count + ?, updated_count = updated_count + ?, "
            "total_count = coalesce(?, total_count), status = 'running' WHERE id = ?",
            (json.dumps(cursor), fetched, new, updated, total, run_id),
        )


def set_run_cursor(project: Project, run_id: int, cursor: dict[str, Any]) -> None:
    with project.transaction():
        project.conn.execute(
            "UPDATE search_runs SET cursor = ? WHERE id = ?", (json.dumps(cursor), run_id)
        )


def finish_run(project: Project, run_id: int, status: str, error: str | None = None) -> None:
    with project.transaction():
        project.conn.execute(
            "UPDATE search_runs SET status = ?, error = ?, finished_at = ? WHERE id = ?",
            (status, error, utcnow(), run_id),
        )


def list_runs(project: Project, condition_id: int | None = None) -> list[SearchRun]:
    if condition_id is None:
        rows = project.db.query("SELECT * FROM search_runs ORDER BY id")
    else:
        rows = project.db.query(
            "SELECT * FROM search_runs WHERE condition_id = ? ORDER BY id", [condition_id]
        )
    return [_run(r) for r in rows]
