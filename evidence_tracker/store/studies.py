"""Studies: upsert parsed records, keep revisions, maintain the FTS index, query them."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson

from evidence_tracker.domain.models import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    StoredStudy,
    Study,
)
from evidence_tracker.store.database import Project, StoreError, utcnow

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

# Fields compared to decide whether a re-fetched record changed.
_COMPARED = (
    "doi", "pmcid", "title", "title_html", "abstract", "abstract_sections", "journal",
    "journal_abbrev", "volume", "issue", "pages", "year", "pub_date", "authors",
    "publication_types", "mesh", "keywords", "language", "comments_corrections",
    "retracted", "deleted", "status", "revised_date",
)


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


def _dumps(value: Any) -> str:
    # orjson: same compact UTF-8 JSON as json.dumps(..., ensure_ascii=False), ~10x faster.
    return orjson.dumps(value).decode()


def compress_raw(raw: bytes) -> bytes | None:
    """Level 1: raw XML still shrinks about 4x, at a fraction of level 6's cost."""
    return zlib.compress(raw, 1) if raw else None


def study_to_row(study: Study, raw: bytes | None = None) -> dict[str, Any]:
    """Flatten a Study into the ``studies`` columns (JSON for lists).

    ``raw`` is the already compressed raw record, if the caller compressed it.

    Built by hand rather than with ``dataclasses.asdict``, which deep-copies every field
    and was half the cost of storing a record.
    """
    return {
        "pmid": study.pmid or None,
        "doi": study.doi or None,
        "pmcid": study.pmcid or None,
        "title": study.title,
        "title_html": study.title_html,
        "abstract": study.abstract,
        "abstract_sections": _dumps(
            [{"text": a.text, "label": a.label, "nlm_category": a.nlm_category, "html": a.html}
             for a in study.abstract_sections]
        ),
        "journal": study.journal,
        "journal_abbrev": study.journal_abbrev,
        "volume": study.volume,
        "issue": study.issue,
        "pages": study.pages,
        "year": study.year,
        "pub_date": study.pub_date,
        "authors": _dumps(
            [{"last_name": a.last_name, "fore_name": a.fore_name, "initials": a.initials,
              "collective_name": a.collective_name, "affiliation": a.affiliation}
             for a in study.authors]
        ),
        "first_author": study.authors[0].display_name if study.authors else "",
        "publication_types": _dumps(study.publication_types),
        "mesh": _dumps(
            [{"descriptor": m.descriptor, "major": m.major, "ui": m.ui,
              "qualifiers": [list(q) for q in m.qualifiers]}
             for m in study.mesh]
        ),
        "keywords": _dumps(study.keywords),
        "language": study.language,
        "comments_corrections": _dumps(
            [{"ref_type": c.ref_type, "ref_source": c.ref_source, "pmid": c.pmid}
             for c in study.comments_corrections]
        ),
        "retracted": int(study.retracted),
        "has_notice": int(bool(study.notices)),
        "deleted": int(study.deleted),
        "status": study.status,
        "entrez_date": study.entrez_date,
        "revised_date": study.revised_date,
        "raw_record": raw if raw is not None else compress_raw(study.raw_record),
        "raw_format": study.raw_format,
        "source": study.source,
    }


def row_to_study(row: dict[str, Any]) -> Study:
    """Rebuild a Study from a ``studies`` row."""
    return Study(
        pmid=row["pmid"] or "",
        doi=row["doi"] or "",
        pmcid=row["pmcid"] or "",
        title=row["title"],
        title_html=row["title_html"],
        abstract=row["abstract"],
        abstract_sections=[AbstractSection(**s) for s in json.loads(row["abstract_sections"])],
        journal=row["journal"],
        journal_abbrev=row["journal_abbrev"],
        volume=row["volume"],
        issue=row["issue"],
        pages=row["pages"],
        year=row["year"],
        pub_date=row["pub_date"],
        authors=[Author(**a) for a in json.loads(row["authors"])],
        publication_types=json.loads(row["publication_types"]),
        mesh=[
            MeshHeading(
                descriptor=m["descriptor"], major=m["major"], ui=m.get("ui", ""),
                qualifiers=tuple((q[0], bool(q[1])) for q in m.get("qualifiers", [])),
            )
            for m in json.loads(row["mesh"])
        ],
        keywords=json.loads(row["keywords"]),
        language=row["language"],
        comments_corrections=[
            CommentCorrection(**c) for c in json.loads(row["comments_corrections"])
        ],
        entrez_date=row["entrez_date"],
        revised_date=row["revised_date"],
        status=row["status"],
        raw_record=zlib.decompress(row["raw_record"]) if row.get("raw_record") else b"",
        raw_format=row["raw_format"],
        source=row["source"],
        deleted=bool(row["deleted"]),
    )


def _fts_row(study: Study) -> tuple[str, str, str, str, str, str]:
    mesh = "; ".join(
        " ".join([m.descriptor, *(q for q, _ in m.qualifiers)]) for m in study.mesh
    )
    authors = "; ".join(
        " ".join(p for p in (a.fore_name, a.last_name, a.collective_name) if p)
        for a in study.authors
    )
    return (study.title, study.abstract, authors, study.journal, mesh, "; ".join(study.keywords))


def _find_existing(conn: sqlite3.Connection, study: Study) -> sqlite3.Row | None:
    if study.pmid:
        return conn.execute("SELECT * FROM studies WHERE pmid = ?", (study.pmid,)).fetchone()
    if study.doi:
        return conn.execute(
            "SELECT * FROM studies WHERE pmid IS NULL AND lower(doi) = lower(?)", (study.doi,)
        ).fetchone()
    return None


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
    result = UpsertResult()
    now = utcnow()
    with project.transaction():
        conn = project.conn
        conn.row_factory = sqlite3.Row
        batch = list(studies)
        # zlib releases the GIL: compress the raw records on other threads meanwhile.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="compress") as pool:
            raws = pool.map(compress_raw, [s.raw_record for s in batch])
            try:
                _upsert_batch(conn, batch, raws, result, now, condition_id, search_run_id)
            finally:
                conn.row_factory = None
    return result


def _upsert_batch(
    conn: sqlite3.Connection, batch: list[Study], raws: Iterator[bytes | None],
    result: UpsertResult, now: str, condition_id: int | None, search_run_id: int | None,
) -> None:
    """Upsert one batch inside the caller's transaction (see :func:`upsert_studies`)."""
    for study, raw in zip(batch, raws, strict=True):
        existing = _find_existing(conn, study)
        if study.deleted:
            if existing is not None and not existing["deleted"]:
                conn.execute(
                    "UPDATE studies SET deleted = 1, revised_at = ? WHERE id = ?",
                    (now, existing["id"]),
                )
                result.updated_ids.append(existing["id"])
            continue
        row = study_to_row(study, raw)
        if existing is None:
            row["fetched_at"] = now
            cols = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            cur = conn.execute(
                f"INSERT INTO studies ({cols}) VALUES ({marks})", tuple(row.values())
            )
            study_id = int(cur.lastrowid or 0)
            conn.execute(
                "INSERT INTO studies_fts(rowid, title, abstract, authors, journal, mesh, "
                "keywords) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (study_id, *_fts_row(study)),
            )
            result.new_ids.append(study_id)
            if study.retracted:
                result.newly_retracted_ids.append(study_id)
        else:
            study_id = existing["id"]
            changed = [k for k in _COMPARED if existing[k] != row[k]]
            if not changed:
                result.unchanged_ids.append(study_id)
            else:
                conn.execute(
                    "INSERT INTO study_revisions(study_id, replaced_at, revised_date, "
                    "changed_fields, raw_record, raw_format) VALUES (?, ?, ?, ?, ?, ?)",
                    (study_id, now, existing["revised_date"], _dumps(changed),
                     existing["raw_record"], existing["raw_format"]),
                )
                row["revised_at"] = now
                row["fetched_at"] = now
                sets = ", ".join(f"{k} = ?" for k in row)
                conn.execute(
                    f"UPDATE studies SET {sets} WHERE id = ?", (*row.values(), study_id)
                )
                conn.execute("DELETE FROM studies_fts WHERE rowid = ?", (study_id,))
                conn.execute(
                    "INSERT INTO studies_fts(rowid, title, abstract, authors, journal, "
                    "mesh, keywords) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (study_id, *_fts_row(study)),
                )
                result.updated_ids.append(study_id)
                if row["retracted"] and not existing["retracted"]:
                    result.newly_retracted_ids.append(study_id)
                elif row["has_notice"] and existing["comments_corrections"] != row[
                    "comments_corrections"
                ]:
                    result.newly_noticed_ids.append(study_id)
        if condition_id is not None:
            conn.execute(
                "INSERT INTO study_conditions(study_id, condition_id, search_run_id, "
                "added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (study_id, condition_id, search_run_id, now),
            )


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


def _where(flt: StudyFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if not flt.include_deleted:
        clauses.append("s.deleted = 0")
    if flt.condition_id is not None:
        clauses.append(
            "s.id IN (SELECT study_id FROM study_conditions WHERE condition_id = ?)"
        )
        params.append(flt.condition_id)
    if flt.search.strip():
        expr = fts_match_expression(flt.search, syntax=flt.search_syntax)
        if expr:
            clauses.append("s.id IN (SELECT rowid FROM studies_fts WHERE studies_fts MATCH ?)")
            params.append(expr)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def query_study_ids(project: Project, flt: StudyFilter = StudyFilter()) -> list[int]:
    """Ids of the studies matching ``flt``, in display order (sorting happens in SQL)."""
    order = SORTABLE.get(flt.sort)
    if order is None:
        raise StoreError(f"Cannot sort studies by {flt.sort!r}")
    direction = "DESC" if flt.descending else "ASC"
    where, params = _where(flt)
    sql = f"SELECT s.id FROM studies s{where} ORDER BY {order} {direction}, s.id {direction}"
    try:
        return [r[0] for r in project.conn.execute(sql, params)]
    except sqlite3.OperationalError as exc:
        if flt.search and ("fts5" in str(exc) or "syntax" in str(exc)):
            raise StoreError(f"Cannot search for {flt.search!r}: {exc}") from exc
        raise


#: The light columns the studies table needs for a row.
ROW_COLUMNS = (
    "id", "pmid", "doi", "title", "first_author", "journal", "journal_abbrev", "year",
    "publication_types", "retracted", "has_notice", "deleted", "authors",
)


def fetch_rows(project: Project, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The light display columns for ``ids`` (one query per 500 ids)."""
    out: dict[int, dict[str, Any]] = {}
    cols = ", ".join(ROW_COLUMNS)
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ", ".join("?" for _ in chunk)
        for row in project.db.query(f"SELECT {cols} FROM studies WHERE id IN ({marks})", chunk):
            row["publication_types"] = json.loads(row["publication_types"])
            row["authors"] = json.loads(row["authors"])
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
    else:
        sql, arg = "SELECT id FROM studies WHERE lower(doi) = lower(?)", key
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


def _conditions_by_study(project: Project, ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in ids}
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ", ".join("?" for _ in chunk)
        for study_id, slug in project.conn.execute(
            "SELECT sc.study_id, c.slug FROM study_conditions sc JOIN conditions c "
            f"ON c.id = sc.condition_id WHERE sc.study_id IN ({marks}) ORDER BY c.position, c.slug",
            chunk,
        ):
            out[study_id].append(slug)
    return out


def _stored(
    project: Project, row: dict[str, Any], conditions: list[str] | None = None
) -> StoredStudy:
    if conditions is None:
        conditions = _conditions_by_study(project, [row["id"]])[row["id"]]
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
        conds = _conditions_by_study(project, part)
        for study_id in part:
            if study_id in rows:
                yield _stored(project, rows[study_id], conds[study_id])


def count_studies(project: Project, flt: StudyFilter = StudyFilter()) -> int:
    where, params = _where(flt)
    return int(project.conn.execute(f"SELECT count(*) FROM studies s{where}", params).fetchone()[0])
