"""Full-text search for studies that may bear on a claim (the link suggestions), best
bm25 match first, with the matches marked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from evidence_tracker.store.database import Project

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
    """Studies matching any term, best bm25 first, with highlighted title/MeSH and an
    abstract snippet (matches between ``HIGHLIGHT_OPEN`` and ``HIGHLIGHT_CLOSE``)."""
    if not terms:
        return []
    o, c = HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE
    clauses = ["studies_fts MATCH ?", "s.deleted = 0"]
    params: list[Any] = [o, c, o, c, o, c, fts_or_expression(terms)]
    if condition_ids:
        clauses.append("s.id IN (SELECT study_id FROM study_conditions WHERE condition_id IN "
                       f"({', '.join('?' for _ in condition_ids)}))")
        params.extend(condition_ids)
    if exclude_ids:
        clauses.append(f"s.id NOT IN ({', '.join('?' for _ in exclude_ids)})")
        params.extend(exclude_ids)
    params.append(limit)
    rows = project.db.query(
        f"SELECT s.id AS study_id, {_BM25} AS rank, "
        "highlight(studies_fts, 0, ?, ?) AS title_hl, "
        "snippet(studies_fts, 1, ?, ?, '…', 40) AS abstract_snippet, "
        "highlight(studies_fts, 4, ?, ?) AS mesh_hl, "
        "s.pmid, s.doi, s.title, s.year, s.first_author, s.journal, s.publication_types, "
        "s.retracted FROM studies_fts JOIN studies s ON s.id = studies_fts.rowid "
        f"WHERE {' AND '.join(clauses)} ORDER BY rank LIMIT ?",
        params,
    )
    out = []
    for r in rows:
        r["publication_types"] = json.loads(r["publication_types"])
        r["retracted"] = bool(r["retracted"])
        out.append(r)
    return out
