"""Studies: upsert parsed records, keep revisions, maintain the FTS index, query them.

The columns a record fills, and the row a Study becomes, are declared once in
:mod:`evidence_tracker.store.study_columns`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from evidence_tracker.domain.dedupe import doi_key
from evidence_tracker.domain.models import StoredStudy, Study
from evidence_tracker.domain.raw import compress_raw
from evidence_tracker.store.database import Project, StoreError, utcnow
from evidence_tracker.store.study_columns import (
    COMPARED,
    FTS_COLUMNS,
    FTS_STORED,
    ROW_FIELDS,
    StudyRow,
    fts_stored,
    read_json,
    row_to_study,
    to_json,
)

#: Columns a caller may sort the studies table by (user-facing name -> SQL expression).
SORTABLE = {
    "id": "s.id",
    "year": "s.year",
    "title": "s.title COLLATE NOCASE",
    "first_author": "s.first_author COLLATE NOCASE",
    "journal": "s.journal COLLATE NOCASE",
    "pmid": "CAST(s.pmid AS INTEGER)",
    "retracted": "s.retracted",
}


@dataclass
class UpsertResult:
    """What one batch did to the project."""

    new_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    unchanged_ids: list[int] = field(default_factory=list)
    newly_retracted_ids: list[int] = field(default_factory=list)
    newly_noticed_ids: list[int] = field(default_factory=list)  # errata, concerns, ...

    @property
    def study_ids(self) -> list[int]:
        return self.new_ids + self.updated_ids + self.unchanged_ids


# -- writing -----------------------------------------------------------------------------

_INSERT = (
    f"INSERT INTO studies ({', '.join(ROW_FIELDS)}, fetched_at) "
    f"VALUES ({', '.join('?' * (len(ROW_FIELDS) + 1))})"
)
_INSERT_FTS = (
    f"INSERT INTO studies_fts(rowid, {', '.join(name for name, _ in FTS_COLUMNS)}) "
    f"VALUES (?{', ?' * len(FTS_COLUMNS)})"
)
_WRITE_FTS_TEXT = (
    f"INSERT OR REPLACE INTO study_fts_text(study_id, {', '.join(FTS_STORED)}) "
    f"VALUES (?{', ?' * len(FTS_STORED)})"
)


def _index_text(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Index (study id, *full-text row) rows: the text made from lists is stored once in
    ``study_fts_text``, where the index reads it back (it keeps no copy of its own)."""
    conn.executemany(_WRITE_FTS_TEXT, [(row[0], *fts_stored(row[1:])) for row in rows])
    conn.executemany(_INSERT_FTS, rows)


def _find_existing(conn: sqlite3.Connection, row: StudyRow) -> sqlite3.Row | None:
    if row.pmid:
        return conn.execute("SELECT * FROM studies WHERE pmid = ?", (row.pmid,)).fetchone()
    if row.doi:
        return conn.execute(  # the studies_doi_key index
            "SELECT * FROM studies WHERE pmid IS NULL AND lower(doi) = ?", (doi_key(row.doi),)
        ).fetchone()
    return None


def select_in(
    conn: sqlite3.Connection, sql: str, values: Iterable[Any], mark: str = "?"
) -> Iterator[Any]:
    """The rows of ``sql``, whose ``{marks}`` is an IN list, for the distinct ``values``:
    one query per 500 of them (SQLite caps the parameters of one statement)."""
    wanted = list(dict.fromkeys(values))
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        yield from conn.execute(sql.format(marks=", ".join(mark for _ in chunk)), chunk)


def _doi_only_copies(conn: sqlite3.Connection, dois: list[str]) -> dict[str, sqlite3.Row]:
    """Stored studies without a PMID that have one of these DOIs, by ``doi_key``."""
    found: dict[str, sqlite3.Row] = {}
    rows = select_in(  # the studies_doi_key index
        conn, "SELECT * FROM studies WHERE lower(doi) IN ({marks}) AND pmid IS NULL "
        "ORDER BY id", [doi_key(doi) for doi in dois],
    )
    for row in rows:
        found.setdefault(doi_key(row["doi"]), row)
    return found


def _existing_by_pmid(conn: sqlite3.Connection, pmids: list[str]) -> dict[str, sqlite3.Row]:
    """The stored rows of these PMIDs (one query per 500, not one per record)."""
    return {row["pmid"]: row
            for row in select_in(conn, "SELECT * FROM studies WHERE pmid IN ({marks})", pmids)}


def upsert_studies(
    project: Project,
    studies: Iterable[Study],
    *,
    condition_id: int | None = None,
    search_run_id: int | None = None,
) -> UpsertResult:
    """Insert new studies and refresh changed ones, keyed by PMID (else DOI).

    A changed record keeps its previous raw record in ``study_revisions``. A DeleteCitation
    (``study.deleted``) only flags an existing study. Runs as one transaction (or joins
    the caller's, so a batch commits together with the caller's job cursor).
    """
    batch = list(studies)
    # zstd releases the GIL: compress the raw records on other threads meanwhile.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="compress") as pool:
        raws = pool.map(compress_raw, [s.raw_record for s in batch])
        rows = (StudyRow(study, raw) for study, raw in zip(batch, raws, strict=True))
        return _upsert(project, rows, [(s.pmid, s.doi) for s in batch], condition_id,
                       search_run_id)


def upsert_rows(
    project: Project,
    rows: Iterable[StudyRow],
    *,
    condition_id: int | None = None,
    search_run_id: int | None = None,
) -> UpsertResult:
    """:func:`upsert_studies` for records already on their way in (:class:`StudyRow`)."""
    batch = list(rows)
    return _upsert(project, batch, [(r.pmid, r.doi) for r in batch], condition_id,
                   search_run_id)


def _upsert(
    project: Project, rows: Iterable[StudyRow], keys: list[tuple[str, str]],
    condition_id: int | None, search_run_id: int | None,
) -> UpsertResult:
    result = UpsertResult()
    now = utcnow()
    with project.transaction():
        conn = project.conn
        conn.row_factory = sqlite3.Row
        try:
            _upsert_batch(conn, rows, keys, result, now, condition_id, search_run_id)
        finally:
            conn.row_factory = None
    return result


def _upsert_batch(
    conn: sqlite3.Connection, rows: Iterable[StudyRow], keys: list[tuple[str, str]],
    result: UpsertResult, now: str, condition_id: int | None, search_run_id: int | None,
) -> None:
    """Upsert one batch inside the caller's transaction (see :func:`upsert_studies`);
    ``keys`` are the (PMID, DOI) of its records."""
    # The stored records of the batch's PMIDs, in one query; a PMID the batch itself
    # writes is looked up again if it comes back later in the batch.
    stored = _existing_by_pmid(conn, [pmid for pmid, _ in keys if pmid])
    # Copies imported without a PMID that a new PubMed record of the same DOI adopts.
    copies = _doi_only_copies(conn, [doi for pmid, doi in keys
                                     if pmid and doi and pmid not in stored])
    written: set[str] = set()
    fts_rows: list[tuple[Any, ...]] = []  # inserted in one go (before any FTS delete)
    new_live = 0
    for record in rows:
        pmid = record.pmid
        if pmid and pmid not in written:
            existing = stored.get(pmid)
            if existing is None and record.doi and not record.deleted:
                existing = copies.pop(doi_key(record.doi), None)  # adopted once
        else:
            existing = _find_existing(conn, record)
        if pmid:
            written.add(pmid)
        if record.deleted:
            if existing is not None and not existing["deleted"]:
                conn.execute(
                    "UPDATE studies SET deleted = 1, revised_at = ? WHERE id = ?",
                    (now, existing["id"]),
                )
                result.updated_ids.append(existing["id"])
            continue
        values = record.values
        if existing is None:
            cur = conn.execute(_INSERT, (*values, now))
            study_id = int(cur.lastrowid or 0)
            new_live += 1
            fts_rows.append((study_id, *record.fts))
            result.new_ids.append(study_id)
            if record.retracted:
                result.newly_retracted_ids.append(study_id)
        else:
            study_id = existing["id"]
            if fts_rows:  # before the FTS row of this study is deleted and written again
                _index_text(conn, fts_rows)
                fts_rows.clear()
            changed, retracted, noticed = overwrite_study(
                conn, existing, dict(zip(ROW_FIELDS, values, strict=True)), record.fts, now
            )
            (result.updated_ids if changed else result.unchanged_ids).append(study_id)
            if retracted:
                result.newly_retracted_ids.append(study_id)
            if noticed:
                result.newly_noticed_ids.append(study_id)
        if condition_id is not None:
            conn.execute(
                "INSERT INTO study_conditions(study_id, condition_id, search_run_id, "
                "added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (study_id, condition_id, search_run_id, now),
            )
    if fts_rows:
        _index_text(conn, fts_rows)
    if new_live:
        # The live count (db/0008 study_stats) is kept here, the one place that inserts
        # studies: a trigger on every insert would copy each wide new row once more.
        conn.execute("UPDATE study_stats SET live = live + ?", (new_live,))


def overwrite_study(
    conn: sqlite3.Connection, existing: sqlite3.Row, row: dict[str, Any],
    fts: tuple[str, ...], now: str, compared: Sequence[str] = (*COMPARED, "pmid"),
) -> tuple[bool, bool, bool]:
    """Write ``row`` (:meth:`StudyRow.columns`) over the stored study ``existing`` if any
    of the ``compared`` columns differ, keeping the old record as a revision (never a
    silent overwrite). Returns (changed, newly retracted, new notice)."""
    study_id = existing["id"]
    changed = [k for k in compared if existing[k] != row[k]]
    if not changed:
        return False, False, False
    conn.execute(
        "INSERT INTO study_revisions(study_id, replaced_at, revised_date, "
        "changed_fields, raw_record, raw_format) VALUES (?, ?, ?, ?, ?, ?)",
        (study_id, now, existing["revised_date"], to_json(changed),
         existing["raw_record"], existing["raw_format"]),
    )
    row = {**row, "revised_at": now, "fetched_at": now}
    sets = ", ".join(f"{k} = ?" for k in row)
    # The full-text index keeps no copy of the text: it unindexes the row's words as the
    # row holds them now, so before the row changes.
    conn.execute("DELETE FROM studies_fts WHERE rowid = ?", (study_id,))
    conn.execute(f"UPDATE studies SET {sets} WHERE id = ?", (*row.values(), study_id))
    _index_text(conn, [(study_id, *fts)])
    retracted = bool(row["retracted"]) and not existing["retracted"]
    noticed = (not retracted and bool(row["has_notice"])
               and existing["comments_corrections"] != row["comments_corrections"])
    return True, retracted, noticed


# -- queries -----------------------------------------------------------------------------


def fts_match_expression(text: str, *, syntax: bool = False) -> str:
    """Turn user input into an FTS5 MATCH expression.

    Plain input is quoted term by term (so ``ketamine-induced`` or ``AND`` are literal);
    ``syntax=True`` passes FTS5 query syntax through for users who ask for it.

    >>> fts_match_expression('CRPS "long term" relief')
    '"CRPS" "long" "term" "relief"'
    """
    if syntax:
        return text
    tokens = [t for t in text.replace('"', " ").split() if t]
    return " ".join('"' + t.replace('"', '""') + '"' for t in tokens)


@dataclass(frozen=True)
class StudyFilter:
    """What the studies table shows: an FTS query and/or a condition, plus a sort."""

    search: str = ""
    search_syntax: bool = False
    condition_id: int | None = None
    sort: str = "year"
    descending: bool = True
    include_deleted: bool = False
    #: Only the studies ``reviewer_id``'s current screening decision puts in this group:
    #: "include", "exclude", "maybe" or "unscreened" ("" for every study).
    decision: str = ""
    reviewer_id: int | None = None


# "Not deleted" is answered from the index of the deleted flag (the flag in the wide study
# row would cost a read of that row, overflow pages and all, per study).
def live_clause(column: str = "s.id") -> str:
    """SQL true when the study ``column`` names is not deleted."""
    return f"{column} NOT IN (SELECT id FROM studies INDEXED BY studies_deleted WHERE deleted = 1)"


#: From this many full-text hits (or studies in a screening group) on, a sorted list of
#: them is read in the sort index's order, each study tested against the hits, rather than
#: reading every hit's wide row for its sort key and sorting them.
MANY_HITS = 2000


def _where(flt: StudyFilter, *, many_hits: bool = False, big_group: bool = False
           ) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if not flt.include_deleted:
        clauses.append(live_clause())
    if flt.condition_id is not None:
        # A test per study as the sort index is read in order (the study_conditions key),
        # rather than reading each of the condition's wide rows for its sort key.
        clauses.append("EXISTS (SELECT 1 FROM study_conditions q WHERE q.study_id = s.id "
                       "AND q.condition_id = ?)")
        params.append(flt.condition_id)
    if flt.search.strip():
        expr = fts_match_expression(flt.search, syntax=flt.search_syntax)
        if expr:
            # "+" keeps the planner from driving the query from the hits (see MANY_HITS).
            clauses.append(f"{'+' if many_hits else ''}s.id IN "
                           "(SELECT rowid FROM studies_fts WHERE studies_fts MATCH ?)")
            params.append(expr)
    if flt.decision:
        clause, values = _decision_clause(flt.decision, flt.reviewer_id, big=big_group)
        clauses.append(clause)
        params.extend(values)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


SCREENING_GROUPS = ("include", "exclude", "maybe", "unscreened")
#: The condition id under which screening_tally (db/0008) counts every study's decisions.
TALLY_ALL_STUDIES = 0


def _decision_clause(decision: str, reviewer_id: int | None, *, big: bool = False
                     ) -> tuple[str, list[Any]]:
    """SQL keeping the studies in the reviewer's screening group ``decision``: from their
    current decisions in the maintained ``screening_current`` (db/0008), one probe of its
    key per study tested ("unscreened") or the reviewer's decisions of that kind (``big``:
    at least :data:`MANY_HITS` of them)."""
    if decision not in SCREENING_GROUPS:
        raise StoreError(f"No screening group called {decision!r}")
    if decision == "unscreened":
        return ("NOT EXISTS (SELECT 1 FROM screening_current j WHERE j.reviewer_id IS ? "
                "AND j.study_id = s.id)", [reviewer_id])
    # "+" for a big group: the sort index drives a page (each study tested against the
    # group), rather than the group's studies being read and sorted whole.
    return (f"{'+' if big else ''}s.id IN (SELECT j.study_id FROM screening_current j "
            "WHERE j.reviewer_id IS ? AND j.decision = ?)", [reviewer_id, decision])


def study_ids_sql(
    flt: StudyFilter = StudyFilter(), *, offset: int = 0, limit: int | None = None,
    many_hits: bool = False, big_group: bool = False,
) -> tuple[str, list[Any]]:
    """The query behind :func:`query_study_ids` (``many_hits``: the search matches at
    least :data:`MANY_HITS` studies; ``big_group``: so does the screening group).

    Every sort key has an index in its ORDER BY's collation (db/0005), so a page of ids
    reads only that index."""
    order = SORTABLE.get(flt.sort)
    if order is None:
        raise StoreError(f"Cannot sort studies by {flt.sort!r}")
    direction = "DESC" if flt.descending else "ASC"
    # In id order the group drives best: its studies come out of their list in id order.
    where, params = _where(flt, many_hits=many_hits, big_group=big_group and flt.sort != "id")
    source = "studies s"
    if flt.sort == "id" and where == f" WHERE {live_clause()}":
        # The live studies in id order straight from the deleted-flag index.
        source, where = "studies s INDEXED BY studies_deleted", " WHERE s.deleted = 0"
    sql = f"SELECT s.id FROM {source}{where} ORDER BY {order} {direction}"
    if flt.sort != "id":
        sql += f", s.id {direction}"
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
    return sql, params


def query_study_ids(
    project: Project, flt: StudyFilter = StudyFilter(), *, offset: int = 0,
    limit: int | None = None,
) -> list[int]:
    """Ids of the studies matching ``flt``, in display order (sorting happens in SQL);
    ``offset`` and ``limit`` give one window of them."""
    try:
        sql, params = study_ids_sql(flt, offset=offset, limit=limit,
                                    many_hits=_many_hits(project, flt),
                                    big_group=_big_group(project, flt))
        return [r[0] for r in project.conn.execute(sql, params)]
    except sqlite3.OperationalError as exc:
        if flt.search and ("fts5" in str(exc) or "syntax" in str(exc)):
            raise StoreError(f"Cannot search for {flt.search!r}: {exc}") from exc
        raise


#: The light columns the studies table needs for a row.
ROW_COLUMNS = (
    "id", "pmid", "doi", "title", "first_author", "journal", "journal_abbrev", "year",
    "publication_types", "retracted", "has_notice", "deleted",
)


def fetch_rows(project: Project, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The light display columns for ``ids`` (one query per 500 ids)."""
    out: dict[int, dict[str, Any]] = {}
    sql = f"SELECT {', '.join(ROW_COLUMNS)} FROM studies WHERE id IN ({{marks}})"
    for values in select_in(project.conn, sql, ids):
        row = dict(zip(ROW_COLUMNS, values, strict=True))
        row["publication_types"] = read_json(row["publication_types"])
        out[row["id"]] = row
    return out


def get_study(project: Project, study_id: int) -> StoredStudy | None:
    rows = list(project.db.query("SELECT * FROM studies WHERE id = ?", [study_id]))
    if not rows:
        return None
    return _stored(project, rows[0])


def find_study_id(project: Project, key: str) -> int | None:
    """Resolve a PMID, DOI or internal id (``#12``) to a study id."""
    key = key.strip()
    if key.startswith("#") and key[1:].isdigit():
        sql, arg = "SELECT id FROM studies WHERE id = ?", key[1:]
    elif key.isdigit():
        sql, arg = "SELECT id FROM studies WHERE pmid = ?", key
    else:  # the studies_doi_key index
        sql, arg = "SELECT id FROM studies WHERE lower(doi) = ? ORDER BY id", doi_key(key)
    row = project.conn.execute(sql, (arg,)).fetchone()
    return int(row[0]) if row else None


def pmids_of(project: Project, ids: Sequence[int]) -> list[str]:
    """The PMIDs of the given study ids (those that have one), in id order."""
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    rows = project.conn.execute(
        f"SELECT pmid FROM studies WHERE id IN ({marks}) AND pmid IS NOT NULL ORDER BY id",
        list(ids),
    )
    return [r[0] for r in rows]


def study_conditions(project: Project, study_ids: Iterable[int]) -> dict[int, list[str]]:
    """Condition slugs of each study, in catalogue order ([] for a study without)."""
    ids = list(study_ids)
    out: dict[int, list[str]] = {i: [] for i in ids}
    for study_id, slug in select_in(
        project.conn,
        "SELECT sc.study_id, c.slug FROM study_conditions sc JOIN conditions c "
        "ON c.id = sc.condition_id WHERE sc.study_id IN ({marks}) ORDER BY c.position, c.slug",
        ids,
    ):
        out[study_id].append(slug)
    return out


def _stored(
    project: Project, row: dict[str, Any], conditions: list[str] | None = None
) -> StoredStudy:
    if conditions is None:
        conditions = study_conditions(project, [row["id"]])[row["id"]]
    return StoredStudy(
        id=row["id"],
        study=row_to_study(row),
        conditions=conditions,
        fetched_at=row["fetched_at"],
        revised_at=row["revised_at"] or "",
    )


def iter_studies(
    project: Project, flt: StudyFilter = StudyFilter(), *, chunk: int = 500
) -> Iterator[StoredStudy]:
    """Every study matching ``flt`` in display order, read in chunks (flat memory)."""
    ids = query_study_ids(project, flt)
    for i in range(0, len(ids), chunk):
        part = ids[i : i + chunk]
        marks = ", ".join("?" for _ in part)
        rows = {
            r["id"]: r
            for r in project.db.query(f"SELECT * FROM studies WHERE id IN ({marks})", part)
        }
        conds = study_conditions(project, part)
        for study_id in part:
            if study_id in rows:
                yield _stored(project, rows[study_id], conds[study_id])


def _many_hits(project: Project, flt: StudyFilter) -> bool:
    """Whether the filter's search matches at least :data:`MANY_HITS` studies (counted no
    further than that)."""
    expr = fts_match_expression(flt.search, syntax=flt.search_syntax) if flt.search.strip() \
        else ""
    if not expr:
        return False
    row = project.conn.execute(
        "SELECT count(*) FROM (SELECT rowid FROM studies_fts WHERE studies_fts MATCH ? "
        "LIMIT ?)", (expr, MANY_HITS)).fetchone()
    return int(row[0]) >= MANY_HITS


def _big_group(project: Project, flt: StudyFilter) -> bool:
    """Whether the filter's screening group (include, exclude, maybe) holds at least
    :data:`MANY_HITS` studies (from the maintained tally)."""
    if flt.decision not in ("include", "exclude", "maybe"):
        return False
    group = StudyFilter(condition_id=flt.condition_id, decision=flt.decision,
                        reviewer_id=flt.reviewer_id)
    return count_studies(project, group) >= MANY_HITS


def count_studies_sql(flt: StudyFilter = StudyFilter()) -> tuple[str, list[Any]]:
    """The query behind :func:`count_studies`: without a search, a maintained count
    (db/0005 condition_stats, db/0008 study_stats and screening_tally)."""
    plain = not flt.search.strip() and not flt.include_deleted
    if not plain:
        where, params = _where(flt)
        return f"SELECT count(*) FROM studies s{where}", params
    if flt.condition_id is None:
        live, params = "SELECT live FROM study_stats", []
    else:
        live = ("SELECT coalesce((SELECT live FROM condition_stats WHERE condition_id = ?), "
                "0)")
        params = [flt.condition_id]
    if not flt.decision:
        return live, params
    if flt.decision not in SCREENING_GROUPS:
        raise StoreError(f"No screening group called {flt.decision!r}")
    scope = [flt.reviewer_id,
             TALLY_ALL_STUDIES if flt.condition_id is None else flt.condition_id]
    if flt.decision == "unscreened":
        return (f"SELECT ({live}) - coalesce((SELECT sum(studies) FROM screening_tally "
                "WHERE reviewer_id IS ? AND condition_id = ?), 0)", [*params, *scope])
    return ("SELECT coalesce((SELECT studies FROM screening_tally WHERE reviewer_id IS ? "
            "AND condition_id = ? AND decision = ?), 0)", [*scope, flt.decision])


def count_studies(project: Project, flt: StudyFilter = StudyFilter()) -> int:
    """How many studies match ``flt`` (from maintained counts or indexes: no study row is
    read)."""
    sql, params = count_studies_sql(flt)
    try:
        return int(project.conn.execute(sql, params).fetchone()[0])
    except sqlite3.OperationalError as exc:
        if flt.search and ("fts5" in str(exc) or "syntax" in str(exc)):
            raise StoreError(f"Cannot search for {flt.search!r}: {exc}") from exc
        raise
