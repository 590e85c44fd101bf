"""Project-wide counts for `evidence-tracker info` and the status bar."""

from __future__ import annotations

from evidence_tracker.store.claims import live_claim
from evidence_tracker.store.database import Project

_COUNTED = {
    "studies": "SELECT count(*) FROM studies WHERE deleted = 0",
    "retracted": "SELECT count(*) FROM studies WHERE retracted = 1 AND deleted = 0",
    "conditions": "SELECT count(*) FROM conditions",
    "search_runs": "SELECT count(*) FROM search_runs",
    "clinics": "SELECT count(*) FROM clinics",
    "claims": f"SELECT count(*) FROM claims x WHERE {live_claim('x.id')}",  # not deleted
    "reviewers": "SELECT count(*) FROM reviewers",
    "events": "SELECT count(*) FROM events",
}


def counts(project: Project) -> dict[str, int]:
    return {name: int(project.conn.execute(sql).fetchone()[0]) for name, sql in _COUNTED.items()}


def integrity_check(project: Project) -> str:
    return str(project.conn.execute("PRAGMA integrity_check").fetchone()[0])
