"""Full-text search for studies that may bear on a claim (the link suggestions), best
bm25 match first, with the matches marked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from evidence_tracker.store.database import Project
from evidence_tracker.store.studies import live_clause

HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE = "\x02", "\x03"
#: bm25 weights for studies_fts columns: title, abstract, authors, journal, mesh, keywords.
_BM25 = "bm25(studies_fts, 3.0, 1.0, 0.0, 0.0, 2.0, 0.0)"


def fts_or_expression(terms: Sequence[str]) -> str:
    """An FTS5 expression matching any of ``terms`` in title, abstract or MeSH; every term
    is quoted, so operators and punctuation in claims are literal.

    >>> fts_or_expression(['pain', 'OR', 'x"y'])
    '{title abstract mesh} : ("pain" OR "OR" OR "x""y")'
    """
    quoted = ['"' + t.replace('"', '""') + '"' for t in terms if t.strip()]
    return "{title abstract mesh} : (" + " OR ".join(quoted) + ")"


def search_candidates(
    project: Project, terms: Sequence[str], *, condition_ids: Sequence[int] = (),
    exclude_ids: Sequence[int] = (), limit: int = 200,
) -> list[dict[str, Any]]:
    """Studies matching any term, best bm25 first (``rank``: lower is better). Their
    matches are marked by :func:`marked_matches`, for the few that are shown.

    The matches are ranked and cut from the index alone (deleted, condition and excluded
    studies tested against indexes) before the ``limit`` rows kept are read: a claim's
    words match 54,000 of 100,000 studies, and reading each one's wide row (or marking its
    matches) was most of the search. The ``+`` keeps each ``rowid IN`` test a filter:
    handed to FTS5 as a rowid lookup it would evaluate the whole match once per id.
    """
    if not terms:
        return []
    clauses = ["studies_fts MATCH ?", live_clause("+studies_fts.rowid")]
    params: list[Any] = [fts_or_expression(terms)]
    if condition_ids:
        clauses.append("+studies_fts.rowid IN (SELECT study_id FROM study_conditions WHERE "
                       f"condition_id IN ({', '.join('?' for _ in condition_ids)}))")
        params.extend(condition_ids)
    if exclude_ids:
        clauses.append(f"+studies_fts.rowid NOT IN ({', '.join('?' for _ in exclude_ids)})")
        params.extend(exclude_ids)
    params.append(limit)
    rows = project.db.query(
        "SELECT s.id AS study_id, m.rank, s.pmid, s.doi, s.title, s.year, s.first_author, "
        "s.journal, s.publication_types, s.retracted FROM ("
        f"SELECT studies_fts.rowid AS id, {_BM25} AS rank FROM studies_fts "
        f"WHERE {' AND '.join(clauses)} ORDER BY rank LIMIT ?"
        ") m JOIN studies s ON s.id = m.id ORDER BY m.rank",
        params,
    )
    out = []
    for r in rows:
        r["publication_types"] = json.loads(r["publication_types"])
        r["retracted"] = bool(r["retracted"])
        out.append(r)
    return out


def marked_matches(
    project: Project, terms: Sequence[str], study_ids: Sequence[int],
) -> dict[int, tuple[str, str, str]]:
    """Title, abstract snippet and MeSH of each study with the matches of ``terms`` between
    ``HIGHLIGHT_OPEN`` and ``HIGHLIGHT_CLOSE``, by study id (studies that do not match are
    left out). One lookup by rowid per study: ``rowid IN (...)`` evaluates the whole match."""
    if not terms:
        return {}
    o, c = HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE
    expression = fts_or_expression(terms)
    out = {}
    for study_id in study_ids:
        for row in project.conn.execute(
                "SELECT highlight(studies_fts, 0, ?, ?), "
                "snippet(studies_fts, 1, ?, ?, '…', 40), highlight(studies_fts, 4, ?, ?) "
                "FROM studies_fts WHERE studies_fts MATCH ? AND rowid = ?",
                (o, c, o, c, o, c, expression, study_id)):
            out[study_id] = (row[0], row[1], row[2])
    return out
