"""Windowed reads for the studies table and the GUI's incremental refresh.

The table shows a window of a filtered, sorted list that can hold 100,000 studies: it asks
for the count, then for the ids of the pages it draws (``LIMIT``/``OFFSET`` in the same
order as :func:`evidence_tracker.store.studies.query_study_ids`), never for every id.
After a write the GUI asks what the events since the last one it saw touched, so it can
redraw those rows and nothing else.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from evidence_tracker.domain.models import Condition
from evidence_tracker.store.database import Project, StoreError
from evidence_tracker.store.events import ordinal
from evidence_tracker.store.studies import (
    SORTABLE,
    StudyFilter,
    _where,
    count_studies,
    query_study_ids,
    select_in,
)


def _order(flt: StudyFilter) -> tuple[str, str]:
    order = SORTABLE.get(flt.sort)
    if order is None:
        raise StoreError(f"Cannot sort studies by {flt.sort!r}")
    return order, "DESC" if flt.descending else "ASC"


def _run(project: Project, flt: StudyFilter, sql: str, params: list[Any]) -> list[Any]:
    try:
        return project.conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        if flt.search and ("fts5" in str(exc) or "syntax" in str(exc)):
            raise StoreError(f"Cannot search for {flt.search!r}: {exc}") from exc
        raise


def id_page(project: Project, flt: StudyFilter, offset: int, limit: int) -> list[int]:
    """The ids of rows ``offset`` .. ``offset + limit`` of ``flt``, in display order."""
    return query_study_ids(project, flt, offset=max(0, offset), limit=limit)


def count_shown(project: Project, flt: StudyFilter) -> int:
    """How many studies the table shows for ``flt`` (screening groups included)."""
    return count_studies(project, flt)


def position_of(project: Project, flt: StudyFilter, study_id: int) -> int | None:
    """The row of ``study_id`` in the display order of ``flt`` (None if it is not shown):
    the matching studies that sort before it, counted as ranges of the sort key's index."""
    order, direction = _order(flt)
    where, params = _where(flt)
    also = f"{where} AND" if where else " WHERE"
    row = _run(project, flt, f"SELECT {order} FROM studies s{also} s.id = ?",
               [*params, study_id])
    if not row:
        return None
    key = row[0][0]

    def count(condition: str, values: list[Any]) -> int:
        sql = f"SELECT count(*) FROM studies s{also} {condition}"
        return int(_run(project, flt, sql, [*params, *values])[0][0])

    # SQLite sorts NULL first: ascending, a NULL key comes before every other key.
    before = "<" if direction == "ASC" else ">"
    if key is None:
        ties = count(f"{order} IS NULL AND s.id {before} ?", [study_id])
        return ties + (count(f"{order} IS NOT NULL", []) if direction == "DESC" else 0)
    nulls = count(f"{order} IS NULL", []) if direction == "ASC" else 0
    return (nulls + count(f"{order} {before} ?", [key])
            + count(f"{order} = ? AND s.id {before} ?", [key, study_id]))


def count_between(project: Project, flt: StudyFilter, low: int, high: int) -> int:
    """How many studies ``flt`` matches with ``low < id <= high`` (a primary-key range)."""
    where, params = _where(flt)
    sql = (f"SELECT count(*) FROM studies s{where}{' AND' if where else ' WHERE'} "
           "s.id > ? AND s.id <= ?")
    return int(_run(project, flt, sql, [*params, low, high])[0][0])


@dataclass(frozen=True)
class Touched:
    """What the events after ``since`` were about; ``last`` is the newest event id."""

    last: int
    studies: frozenset[int]
    claims: frozenset[int]


def last_event_id(project: Project) -> int:
    """The newest event's id (0 in a project without events)."""
    return int(project.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])


def touched_since(project: Project, since: int) -> Touched:
    """The studies and claims the events after event ``since`` are about (a range of the
    primary key: proportional to the new events, not to the project)."""
    studies: set[int] = set()
    claims: set[int] = set()
    last = since
    for event_id, study_id, claim_id in project.conn.execute(
            "SELECT id, study_id, claim_id FROM events WHERE id > ? ORDER BY id", (since,)):
        last = int(event_id)
        if study_id is not None:
            studies.add(int(study_id))
        if claim_id is not None:
            claims.add(int(claim_id))
    return Touched(last, frozenset(studies), frozenset(claims))


def current_screening(project: Project, study_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Every reviewer's live screening decision about these studies (the latest event per
    study and reviewer in the shared order, withdrawn ones and arbiters' copies left out),
    shaped as
    :func:`evidence_tracker.store.judgements.current_judgements` rows, oldest first."""
    rows: list[dict[str, Any]] = []
    columns = ("id", "ordinal", "occurred_at", "kind", "study_id", "claim_id", "reviewer_id",
               "reviewer", "before", "after", "note")
    sql = (f"SELECT e.id, {ordinal()}, e.occurred_at, e.kind, e.study_id, e.claim_id, "
           "e.reviewer_id, coalesce(r.name, ''), e.before, e.after, e.note FROM events e "
           "LEFT JOIN reviewers r ON r.id = e.reviewer_id "
           "WHERE e.kind = 'screening' AND e.study_id IN ({marks}) AND e.claim_id IS NULL "
           "AND e.id = (SELECT x.id FROM events x WHERE x.kind = 'screening' "
           "AND x.study_id = e.study_id AND x.claim_id IS NULL "
           f"AND x.reviewer_id IS e.reviewer_id ORDER BY {ordinal('x')} DESC LIMIT 1)")
    for values in select_in(project.conn, sql, study_ids):
        row = dict(zip(columns, values, strict=True))
        if row["after"] is None:
            continue
        for key in ("after", "before"):
            row[key] = json.loads(row[key]) if row[key] is not None else None
        if isinstance(row["after"], dict) and row["after"].get("arbitrated") is not None:
            continue
        rows.append(row)
    rows.sort(key=lambda r: int(r["ordinal"]))
    return rows


def condition_tree(project: Project) -> list[Condition]:
    """Every condition, in catalogue order, without its counts (a few rows: what the
    sidebar draws first; :func:`evidence_tracker.store.conditions.list_conditions` counts)."""
    rows = project.conn.execute(
        "SELECT c.id, c.slug, c.name, c.query, c.description, coalesce(p.slug, '') "
        "FROM conditions c LEFT JOIN conditions p ON p.id = c.parent_id "
        "ORDER BY c.position, c.name")
    return [Condition(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]))
            for r in rows]


def neighbour(project: Project, flt: StudyFilter, study_id: int | None, *,
              forward: bool = True) -> int | None:
    """The study after (or before) ``study_id`` in id order among those ``flt`` matches
    (``study_id`` None: the first, or the last): one step through the primary key, however
    many studies there are."""
    where, params = _where(flt)
    if study_id is not None:
        where += f"{' AND' if where else ' WHERE'} s.id {'>' if forward else '<'} ?"
        params = [*params, study_id]
    sql = f"SELECT s.id FROM studies s{where} ORDER BY s.id {'ASC' if forward else 'DESC'} LIMIT 1"
    rows = _run(project, flt, sql, params)
    return int(rows[0][0]) if rows else None
