"""Queries over the events table for screening, appraisal, GRADE, links and resolutions.

Rows are plain dicts with ``after``/``before`` decoded from JSON and the event's
``ordinal`` (its place in the order every machine of a team agrees on,
:func:`evidence_tracker.store.events.ordinal`). A reviewer's current judgement of a subject
is their latest event of that kind about it in that order (``after`` NULL means
withdrawn). Events an arbiter appends to carry a resolution into the judgements that
other modules read (``after.arbitrated``) are left out unless asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from evidence_tracker.store.claims import live_claim
from evidence_tracker.store.database import Project
from evidence_tracker.store.events import UNSYNCED_AFTER, append_event, event_filter, ordinal
from evidence_tracker.store.studies import (
    TALLY_ALL_STUDIES,
    StudyFilter,
    count_studies,
    live_clause,
    select_in,
)


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("after", "before"):
        if key in row:
            row[key] = json.loads(row[key]) if row[key] is not None else None
    return row


#: Each reviewer's current screening decision with its event: the maintained
#: ``screening_current`` (db/0008), the one shape of "a reviewer's current screening
#: decision" (latest event per reviewer and study; withdrawals and arbiters' copies left out).
_CURRENT_SCREENING = (
    f"SELECT e.id, {ordinal()} AS ordinal, e.occurred_at, e.kind, e.study_id, e.claim_id, "
    "e.reviewer_id, coalesce(r.name, '') AS reviewer, e.before, e.after, e.note "
    "FROM screening_current j "
    "JOIN events e ON e.id = j.event_id LEFT JOIN reviewers r ON r.id = j.reviewer_id")


def current_judgements(
    project: Project, kind: str, *, study_id: int | None = None, claim_id: int | None = None,
    reviewer_id: int | None = None, include_arbitrated: bool = False,
    include_deleted_claims: bool = False,
) -> list[dict[str, Any]]:
    """The live judgements of ``kind`` (latest per study, claim and reviewer), oldest first.

    ``study_id``/``claim_id`` narrow the subjects; give neither for every subject.
    Judgements about a deleted claim (its links, GRADE) are left out, as the claim is,
    unless ``include_deleted_claims`` (blind mode still counts who judged them).
    Screening decisions come from the maintained ``screening_current``.
    """
    if kind == "screening" and claim_id is None and not include_arbitrated:
        narrow = [f"j.{column} = ?" for column, value in (("study_id", study_id),
                                                           ("reviewer_id", reviewer_id))
                  if value is not None]
        rows = project.db.query(
            _CURRENT_SCREENING + (f" WHERE {' AND '.join(narrow)}" if narrow else "")
            + " ORDER BY ordinal", [v for v in (study_id, reviewer_id) if v is not None])
        return [_decode(r) for r in rows]
    clauses: list[str] = ["e.kind = ?"]
    params: list[Any] = [kind]
    for column, value in (("study_id", study_id), ("claim_id", claim_id),
                          ("reviewer_id", reviewer_id)):
        if value is not None:
            clauses.append(f"e.{column} = ?")
            params.append(value)
    where = "" if include_arbitrated else " AND json_extract(x.after, '$.arbitrated') IS NULL"
    if not include_deleted_claims:
        where += f" AND (x.claim_id IS NULL OR {live_claim('x.claim_id')})"
    rows = project.db.query(
        "SELECT x.id, x.ordinal, x.occurred_at, x.kind, x.study_id, x.claim_id, x.reviewer_id, "
        "coalesce(r.name, '') AS reviewer, x.before, x.after, x.note FROM ("
        " SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.study_id, o.claim_id, o.reviewer_id"
        " ORDER BY o.ordinal DESC) AS rn FROM ("
        f"  SELECT e.*, {ordinal()} AS ordinal FROM events e WHERE {' AND '.join(clauses)}"
        " ) o) x LEFT JOIN reviewers r ON r.id = x.reviewer_id "
        f"WHERE x.rn = 1 AND x.after IS NOT NULL{where} ORDER BY x.ordinal",
        params,
    )
    return [_decode(r) for r in rows]


def current_screening(project: Project, study_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Every reviewer's current screening decision about these studies, shaped as
    :func:`current_judgements` rows, oldest first (one statement per 500 studies)."""
    columns = ("id", "ordinal", "occurred_at", "kind", "study_id", "claim_id", "reviewer_id",
               "reviewer", "before", "after", "note")
    rows = [_decode(dict(zip(columns, values, strict=True))) for values in select_in(
        project.conn, _CURRENT_SCREENING + " WHERE j.study_id IN ({marks})", study_ids)]
    return sorted(rows, key=lambda r: int(r["ordinal"]))


def change_stamp(project: Project) -> tuple[int, int] | None:
    """A value that changes whenever the database does: writes by other connections
    (``data_version``) and by this one (``total_changes``), for caches of derived reads;
    None inside a transaction (what it reads may still be rolled back: do not cache)."""
    if project.conn.in_transaction:
        return None
    row = project.conn.execute("PRAGMA data_version").fetchone()
    return int(row[0]), project.conn.total_changes


def events_of_kind(
    project: Project, kind: str, *, study_id: int | None = None, claim_id: int | None = None,
) -> list[dict[str, Any]]:
    """Every event of ``kind`` (optionally about one study/claim), oldest first in the
    shared order."""
    clauses, params = event_filter(kind, study_id=study_id, claim_id=claim_id)
    rows = project.db.query(
        f"SELECT e.id, {ordinal()} AS ordinal, e.occurred_at, e.kind, e.study_id, e.claim_id, "
        "e.reviewer_id, coalesce(r.name, '') AS reviewer, e.before, e.after, e.note, e.reverts "
        "FROM events e LEFT JOIN reviewers r ON r.id = e.reviewer_id "
        f"WHERE {' AND '.join(clauses)} ORDER BY ordinal",
        params,
    )
    return [_decode(r) for r in rows]


def reviewer_events(
    project: Project, reviewer_id: int, kinds: Sequence[str], *, last: int | None = None,
) -> list[dict[str, Any]]:
    """A reviewer's events of the given kinds, oldest first in the shared order (for undo
    and redo); ``last``: only the newest ``last`` of them."""
    if not kinds:
        return []
    marks = ", ".join("?" for _ in kinds)
    columns = ("e.id, {} AS ordinal, e.occurred_at, e.kind, e.study_id, e.claim_id, "
               "e.reviewer_id, e.before, e.after, e.note, e.reverts")
    mine = f"e.reviewer_id = ? AND e.kind IN ({marks})"
    if last is None:
        rows = project.db.query(f"SELECT {columns.format(ordinal())} FROM events e "
                                f"WHERE {mine} ORDER BY ordinal DESC", [reviewer_id, *kinds])
        return [_decode(r) for r in reversed(list(rows))]
    # The newest ``last`` in the shared order, read through indexes: those not sequenced
    # yet (newest first by id: they come after all others) and the sequenced ones (by seq,
    # newest first), each part at most ``last`` rows.
    n = int(last)
    rows = project.db.query(
        f"SELECT * FROM (SELECT {columns.format(f'{UNSYNCED_AFTER} + e.id')} "
        f"FROM events e INDEXED BY events_reviewer WHERE {mine} AND NOT EXISTS (SELECT 1 "
        "FROM team_event_ids t WHERE t.event_id = e.id AND t.seq IS NOT NULL) "
        f"ORDER BY e.id DESC LIMIT {n}) "
        f"UNION ALL SELECT * FROM (SELECT {columns.format('t.seq')} "
        "FROM team_event_ids t INDEXED BY team_event_ids_seq CROSS JOIN events e "
        f"ON e.id = t.event_id WHERE t.seq IS NOT NULL AND {mine} "
        f"ORDER BY t.seq DESC LIMIT {n}) ORDER BY ordinal DESC LIMIT {n}",
        [reviewer_id, *kinds, reviewer_id, *kinds],
    )
    return [_decode(r) for r in reversed(list(rows))]


def get_event(project: Project, event_id: int) -> dict[str, Any] | None:
    rows = list(project.db.query(
        f"SELECT e.id, {ordinal()} AS ordinal, e.occurred_at, e.kind, e.study_id, e.claim_id, "
        "e.reviewer_id, coalesce(r.name, '') AS reviewer, e.before, e.after, e.note, e.reverts "
        "FROM events e LEFT JOIN reviewers r ON r.id = e.reviewer_id WHERE e.id = ?",
        [event_id],
    ))
    return _decode(rows[0]) if rows else None


def insert_event(
    project: Project, kind: str, *, reviewer_id: int | None, before: Any, after: Any,
    study_id: int | None = None, claim_id: int | None = None, note: str = "",
    reverts: int | None = None,
) -> int:
    """Append an event whose ``before`` the caller worked out (resolutions: their
    previous state is per resolved subject, not per reviewer)."""
    return append_event(project, kind, reviewer_id=reviewer_id, before=before, after=after,
                        study_id=study_id, claim_id=claim_id, note=note, reverts=reverts)


def resolved_event_ids(project: Project, resolutions: Sequence[dict[str, Any]]
                       ) -> dict[int, tuple[int, ...]]:
    """Resolution event id -> the local ids of the judgement events it resolves, for rows of
    :func:`events_of_kind` ("resolution").

    ``after.resolves`` names the events by UUID, which means the same on every machine.
    Resolutions recorded before that name them by local id: an id of this project when the
    resolution was recorded here; in one pulled from another machine the ids are that
    machine's, so each reviewer the resolution lists counts with their judgement of the
    subject in force just before it (shared order) if it still has the value the arbiter saw.
    """
    uids = {str(x) for r in resolutions for x in (r["after"] or {}).get("resolves") or ()
            if isinstance(x, str)}
    by_uid: dict[str, int] = {}
    for uid, event_id in select_in(
            project.conn, "SELECT uid, event_id FROM team_event_ids WHERE uid IN ({marks})",
            sorted(uids)):
        by_uid[str(uid)] = int(event_id)
    pulled = {int(r[0]) for r in select_in(
        project.conn, "SELECT event_id FROM team_event_ids WHERE origin = 'server' "
        "AND event_id IN ({marks})", [r["id"] for r in resolutions])}
    out: dict[int, tuple[int, ...]] = {}
    for r in resolutions:
        after = r["after"] or {}
        named = list(after.get("resolves") or ())
        local = [x for x in named if isinstance(x, int)]
        ids = [by_uid[x] for x in named if isinstance(x, str) and x in by_uid]
        if local and r["id"] in pulled:
            ids += _in_force_before(project, r, after)
        elif local:
            ids += local
        out[int(r["id"])] = tuple(ids)
    return out


def _in_force_before(project: Project, resolution: dict[str, Any], after: dict[str, Any]
                     ) -> list[int]:
    """An old pulled resolution's targets: each listed reviewer's judgement of the subject
    in force just before it, when its value is the one the resolution records for them."""
    seen = after.get("reviewers") or {}
    rows = project.conn.execute(
        f"SELECT e.id, coalesce(r.name, ''), e.after FROM events e "
        "LEFT JOIN reviewers r ON r.id = e.reviewer_id WHERE e.kind = ? AND e.study_id IS ? "
        f"AND e.claim_id IS ? AND {ordinal()} < ? ORDER BY {ordinal()}",
        (after.get("of"), resolution["study_id"], resolution["claim_id"],
         resolution["ordinal"])).fetchall()
    in_force: dict[str, tuple[int, Any]] = {}
    for event_id, name, value in rows:
        in_force[name] = (int(event_id), json.loads(value) if value is not None else None)
    return [event_id for name, (event_id, value) in in_force.items()
            if name in seen and value == seen[name]]


def reviewers(project: Project) -> list[tuple[int, str]]:
    """(id, name) of every reviewer, by name."""
    return [(int(r[0]), str(r[1])) for r in
            project.conn.execute("SELECT id, name FROM reviewers ORDER BY name COLLATE NOCASE")]


def reviewer_id(project: Project, name: str) -> int | None:
    row = project.conn.execute("SELECT id FROM reviewers WHERE name = ?", (name.strip(),)
                               ).fetchone()
    return int(row[0]) if row else None


def claim_conditions(project: Project, claim_ids: Iterable[int]) -> dict[int, list[str]]:
    """Condition slugs of each claim, in catalogue order."""
    out: dict[int, list[str]] = {}
    for claim_id, slug in select_in(
        project.conn,
        "SELECT cc.claim_id, c.slug FROM claim_conditions cc JOIN conditions c "
        "ON c.id = cc.condition_id WHERE cc.claim_id IN ({marks}) ORDER BY c.position, c.slug",
        claim_ids,
    ):
        out.setdefault(int(claim_id), []).append(str(slug))
    return out


def design_facts(project: Project, study_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """What a design suggestion reads: title, publication types and MeSH descriptors."""
    out: dict[int, dict[str, Any]] = {}
    columns = ("id", "pmid", "doi", "title", "publication_types", "mesh")
    sql = f"SELECT {', '.join(columns)} FROM studies WHERE id IN ({{marks}})"
    for values in select_in(project.conn, sql, study_ids):
        r = dict(zip(columns, values, strict=True))
        r["publication_types"] = json.loads(r["publication_types"])
        r["mesh"] = [m.get("descriptor", "") for m in json.loads(r["mesh"])]
        out[int(r["id"])] = r
    return out


def screening_counts(
    project: Project, reviewer_id: int | None, condition_id: int | None = None
) -> dict[str, int]:
    """Studies (not deleted) of a condition (or all) and the reviewer's current screening
    decisions about them: {"total": n, "include": i, "exclude": e, "maybe": m}.

    From the maintained study_stats, condition_stats and screening_tally (db/0008): a few
    rows, whatever the size of the project."""
    out = {"total": queue_size(project, condition_id), "include": 0, "exclude": 0, "maybe": 0}
    scope = TALLY_ALL_STUDIES if condition_id is None else condition_id
    for decision, count in project.conn.execute(
        "SELECT decision, studies FROM screening_tally WHERE reviewer_id = ? "
        "AND condition_id = ?", [reviewer_id, scope],
    ):
        if decision in ("include", "exclude", "maybe"):
            out[decision] = int(count)
    return out


def screening_counts_by_condition(
    project: Project, reviewer_id: int | None
) -> dict[int, dict[str, int]]:
    """:func:`screening_counts` of every condition with live studies (condition id ->
    counts), from the maintained condition_stats and screening_tally: a few rows per
    condition, whatever the size of the project."""
    out: dict[int, dict[str, int]] = {}
    for condition_id, total in project.conn.execute(
        "SELECT condition_id, live FROM condition_stats WHERE live > 0"
    ):
        out[int(condition_id)] = {"total": int(total), "include": 0, "exclude": 0, "maybe": 0}
    for condition_id, decision, count in project.conn.execute(
        "SELECT condition_id, decision, studies FROM screening_tally "
        "WHERE reviewer_id = ? AND condition_id > ?", [reviewer_id, TALLY_ALL_STUDIES],
    ):
        counts = out.get(int(condition_id))
        if counts is not None and decision in ("include", "exclude", "maybe"):
            counts[decision] = int(count)
    return out


def queue_size(project: Project, condition_id: int | None = None) -> int:
    """How many live studies the screening queue of a condition (or all studies) holds
    (a maintained count)."""
    return count_studies(project, StudyFilter(condition_id=condition_id))


def _queue(condition_id: int | None) -> tuple[str, str, list[str], list[Any]]:
    """(FROM clause, study id column, conditions, parameters) of the screening queue of a
    condition (its study_conditions index, in id order) or of all studies."""
    if condition_id is None:
        return "studies s INDEXED BY studies_deleted", "s.id", ["s.deleted = 0"], []
    return ("study_conditions sc", "sc.study_id",
            ["sc.condition_id = ?", live_clause("sc.study_id")], [condition_id])


def queue_step(
    project: Project, condition_id: int | None, after: int | None, *, forward: bool = True,
    unscreened_by: int | None = None,
) -> int | None:
    """The study after (``forward``) or before ``after`` (None: from the start or end) in
    the screening queue of a condition (or all studies), in id order; None past the end.
    ``unscreened_by``: the next one that reviewer has no current decision about.

    One index seek, plus one per study the reviewer already decided on the way."""
    source, column, clauses, params = _queue(condition_id)
    if after is not None:
        clauses.append(f"{column} {'>' if forward else '<'} ?")
        params.append(after)
    if unscreened_by is not None:
        clauses.append("NOT EXISTS (SELECT 1 FROM screening_current j WHERE "
                       f"j.reviewer_id = ? AND j.study_id = {column})")
        params.append(unscreened_by)
    row = project.conn.execute(
        f"SELECT {column} FROM {source} WHERE {' AND '.join(clauses)} "
        f"ORDER BY {column} {'ASC' if forward else 'DESC'} LIMIT 1", params,
    ).fetchone()
    return int(row[0]) if row else None


def queue_position(project: Project, condition_id: int | None, study_id: int) -> int:
    """How many studies of the queue come before ``study_id`` (its 0-based position)."""
    source, column, clauses, params = _queue(condition_id)
    row = project.conn.execute(
        f"SELECT count(*) FROM {source} WHERE {' AND '.join([*clauses, f'{column} < ?'])}",
        [*params, study_id]).fetchone()
    return int(row[0])


def screening_decisions(project: Project, reviewer_id: int) -> list[dict[str, Any]]:
    """The reviewer's current screening events (``after`` decoded), oldest first."""
    return current_judgements(project, "screening", reviewer_id=reviewer_id)


def condition_rows(project: Project) -> list[tuple[int, str, str, str]]:
    """(id, slug, name, query) of every condition, in catalogue order."""
    return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in project.conn.execute(
        "SELECT id, slug, name, query FROM conditions ORDER BY position, name")]
