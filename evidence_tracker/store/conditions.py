"""Conditions (CRPS, fibromyalgia, ...) and their PubMed queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from evidence_tracker.domain.models import Condition
from evidence_tracker.store.database import Project, StoreError, utcnow


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


#: Every condition with its counts, from indexes only: its study_conditions rows (by
#: condition, arrival, study), the small index of deleted studies, and the maintained
#: screening decisions (db/0005). No study row is read.
LIST_SQL = """
WITH live AS (
    SELECT sc.condition_id, sc.study_id, sc.added_at FROM study_conditions sc
     WHERE sc.study_id NOT IN (SELECT id FROM studies INDEXED BY studies_deleted
                                WHERE deleted = 1)
), counts AS (
    SELECT l.condition_id, count(*) AS total,
           sum(c.last_viewed_at IS NULL OR l.added_at > c.last_viewed_at) AS new_since_viewed,
           sum(NOT EXISTS (SELECT 1 FROM screening_current j WHERE j.study_id = l.study_id))
               AS unscreened
      FROM live l JOIN conditions c ON c.id = l.condition_id
     GROUP BY l.condition_id
)
SELECT c.id, c.slug, c.name, c.query, c.description, coalesce(p.slug, '') AS parent_slug,
       coalesce(n.total, 0) AS total, coalesce(n.new_since_viewed, 0) AS new_since_viewed,
       coalesce(n.unscreened, 0) AS unscreened
FROM conditions c LEFT JOIN conditions p ON p.id = c.parent_id
LEFT JOIN counts n ON n.condition_id = c.id
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
