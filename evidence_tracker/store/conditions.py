"""Conditions (CRPS, fibromyalgia, ...) and their PubMed queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from evidence_tracker.domain.models import Condition
from evidence_tracker.store.database import Project, StoreError, utcnow
from evidence_tracker.store.studies import live_clause


def upsert_conditions(project: Project, catalogue: Iterable[Mapping[str, Any]]) -> int:
    """Add catalogue conditions the project lacks; never overwrite a user's edited query.

    Returns how many were added.
    """
    added = 0
    now = utcnow()
    with project.transaction():
        entries = list(catalogue)
        for position, entry in enumerate(entries):
            cur = project.conn.execute(
                "INSERT INTO conditions(slug, name, description, query, position, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(slug) DO NOTHING",
                (entry["slug"], entry["name"], entry.get("description", ""),
                 entry.get("query", ""), position, now),
            )
            added += cur.rowcount
        for entry in entries:
            if entry.get("parent"):
                project.conn.execute(
                    "UPDATE conditions SET parent_id = (SELECT id FROM conditions WHERE slug = ?) "
                    "WHERE slug = ? AND parent_id IS NULL",
                    (entry["parent"], entry["slug"]),
                )
    return added


def add_condition(
    project: Project, slug: str, name: str, query: str, description: str = "",
    parent_slug: str | None = None,
) -> int:
    with project.transaction():
        if project.conn.execute("SELECT 1 FROM conditions WHERE slug = ?", (slug,)).fetchone():
            raise StoreError(f"A condition called {slug!r} already exists.")
        parent_id = None
        if parent_slug:
            row = project.conn.execute(
                "SELECT id FROM conditions WHERE slug = ?", (parent_slug,)
            ).fetchone()
            if row is None:
                raise StoreError(f"No condition called {parent_slug!r}.")
            parent_id = row[0]
        pos = project.conn.execute("SELECT coalesce(max(position), -1) + 1 FROM conditions")
        cur = project.conn.execute(
            "INSERT INTO conditions(slug, name, description, query, position, parent_id, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (slug, name, description, query, pos.fetchone()[0], parent_id, utcnow()),
        )
        return int(cur.lastrowid or 0)


def update_condition_query(project: Project, slug: str, query: str) -> None:
    """Replace a query; the next fetch of the condition is then a full one."""
    with project.transaction():
        cur = project.conn.execute("UPDATE conditions SET query = ? WHERE slug = ?", (query, slug))
        if cur.rowcount == 0:
            raise StoreError(f"No condition called {slug!r}.")


def mark_condition_viewed(project: Project, condition_id: int) -> None:
    with project.transaction():
        project.conn.execute(
            "UPDATE conditions SET last_viewed_at = ? WHERE id = ?", (utcnow(), condition_id)
        )


#: Every condition with its counts, without counting its studies: the total from the
#: maintained condition_stats, what arrived since the condition was last viewed from its
#: range of the arrival index, and the unscreened ones as the total less those someone
#: has a current screening decision about (screening_current, db/0005). No study row is read.
LIST_SQL = f"""
WITH screened AS (
    SELECT sc.condition_id, count(*) AS screened
      FROM (SELECT DISTINCT study_id FROM screening_current) d
           CROSS JOIN study_conditions sc ON sc.study_id = d.study_id
     WHERE {live_clause('d.study_id')}
     GROUP BY sc.condition_id
)
SELECT c.id, c.slug, c.name, c.query, c.description, coalesce(p.slug, '') AS parent_slug,
       coalesce(n.live, 0) AS total,
       CASE WHEN c.last_viewed_at IS NULL THEN coalesce(n.live, 0)
            ELSE (SELECT count(*) FROM study_conditions sc INDEXED BY study_conditions_arrival
                   WHERE sc.condition_id = c.id AND sc.added_at > c.last_viewed_at
                     AND {live_clause('sc.study_id')}) END AS new_since_viewed,
       coalesce(n.live, 0) - coalesce(k.screened, 0) AS unscreened
FROM conditions c LEFT JOIN conditions p ON p.id = c.parent_id
LEFT JOIN condition_stats n ON n.condition_id = c.id
LEFT JOIN screened k ON k.condition_id = c.id
ORDER BY c.position, c.name
"""


def list_conditions(project: Project) -> list[Condition]:
    """Every condition with its counts: total, new since last viewed, unscreened."""
    return [Condition(**row) for row in project.db.query(LIST_SQL)]


def get_condition(project: Project, slug: str) -> Condition:
    for condition in list_conditions(project):
        if condition.slug == slug:
            return condition
    raise StoreError(f"No condition called {slug!r}.")
