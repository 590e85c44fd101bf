"""What the claims register and review read about studies: display and weighing facts,
title and abstract, and how many studies a set of conditions holds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from evidence_tracker.domain.raw import decompress_raw
from evidence_tracker.store.database import Project
from evidence_tracker.store.events import ordinal
from evidence_tracker.store.studies import select_in


def study_facts(project: Project, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Display and weighing facts for studies: pmid, doi, title, year, first author,
    journal, publication types, retracted, deleted."""
    out: dict[int, dict[str, Any]] = {}
    columns = ("id", "pmid", "doi", "title", "year", "first_author", "journal",
               "publication_types", "retracted", "deleted")
    sql = f"SELECT {', '.join(columns)} FROM studies WHERE id IN ({{marks}})"
    for values in select_in(project.conn, sql, ids):
        r = dict(zip(columns, values, strict=True))
        r["publication_types"] = json.loads(r["publication_types"])
        r["retracted"] = bool(r["retracted"])
        r["deleted"] = bool(r["deleted"])
        out[r["id"]] = r
    return out


def study_text(project: Project, study_id: int) -> tuple[str, str] | None:
    """(title, abstract) of a study, or None."""
    row = project.conn.execute(
        "SELECT title, abstract FROM studies WHERE id = ?", (study_id,)
    ).fetchone()
    return (row[0], row[1]) if row else None


def study_raw(project: Project, study_id: int) -> tuple[bytes, str] | None:
    """(raw record, raw format) of a study as fetched or imported, or None."""
    row = project.conn.execute(
        "SELECT raw_record, raw_format FROM studies WHERE id = ?", (study_id,)
    ).fetchone()
    return (decompress_raw(row[0]), str(row[1] or "")) if row else None


def study_ids_by_pmid(project: Project, pmids: Sequence[str]) -> dict[str, int]:
    """PMID -> id of the studies of the project (not deleted) with those PMIDs."""
    sql = "SELECT pmid, id FROM studies WHERE deleted = 0 AND pmid IN ({marks})"
    return {str(p): int(i) for p, i in select_in(project.conn, sql, list(pmids))}


def condition_study_stats(project: Project, ids: Sequence[int]) -> tuple[int, str]:
    """(number of study-condition rows of live studies, latest ``added_at``) over
    conditions ``ids``: a row each of the maintained ``condition_stats`` (db/0005)."""
    if not ids:
        return 0, ""
    marks = ", ".join("?" for _ in ids)
    row = project.conn.execute(
        "SELECT coalesce(sum(live), 0), coalesce(max(last_added), '') FROM condition_stats "
        f"WHERE condition_id IN ({marks})", list(ids),
    ).fetchone()
    return int(row[0]), str(row[1])



def studies_current_judgements(
    project: Project, kind: str, study_ids: Sequence[int]
) -> list[dict[str, Any]]:
    """:func:`~evidence_tracker.store.judgements.current_judgements` of ``kind`` for these
    studies (arbiters' copies left out), oldest first, ``before``/``after`` decoded: one
    statement per 500 studies from the events_study index (a query per study made the
    claim page N+1 in its links)."""
    columns = ("id", "ordinal", "occurred_at", "kind", "study_id", "claim_id", "reviewer_id",
               "reviewer", "before", "after", "note")
    wanted = sorted({int(i) for i in study_ids})
    rows: list[dict[str, Any]] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows.extend(dict(zip(columns, values, strict=True)) for values in project.conn.execute(
            "SELECT x.id, x.ordinal, x.occurred_at, x.kind, x.study_id, x.claim_id, "
            "x.reviewer_id, coalesce(r.name, '') AS reviewer, x.before, x.after, x.note FROM ("
            " SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.study_id, o.claim_id,"
            " o.reviewer_id ORDER BY o.ordinal DESC) AS rn FROM ("
            f"  SELECT e.*, {ordinal()} AS ordinal FROM events e"
            f"  WHERE e.kind = ? AND e.study_id IN ({', '.join('?' for _ in chunk)})"
            " ) o) x LEFT JOIN reviewers r ON r.id = x.reviewer_id WHERE x.rn = 1"
            " AND x.after IS NOT NULL AND json_extract(x.after, '$.arbitrated') IS NULL",
            [kind, *chunk]))
    for r in rows:
        for key in ("before", "after"):
            r[key] = json.loads(r[key]) if r[key] is not None else None
    return sorted(rows, key=lambda r: int(r["ordinal"]))
