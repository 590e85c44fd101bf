"""Studies read in pages, for writers that go through a whole project (exports, reports):
memory stays flat whatever the project size, and the raw record (the largest column, kept
compressed) is read only when a caller asks for it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from evidence_tracker.domain.models import StoredStudy
from evidence_tracker.store.database import Project
from evidence_tracker.store.studies import _stored, study_conditions
from evidence_tracker.store.study_columns import ROW_FIELDS

#: Studies read per query.
PAGE = 500
_ALL_COLUMNS = ("id", *ROW_FIELDS, "fetched_at", "revised_at")


def _select(with_raw: bool) -> str:
    # Without the raw record, the column is read as NULL: the Study gets b"" (nothing
    # decompressed, and the compressed bytes never leave SQLite).
    return ", ".join(c if with_raw or c != "raw_record" else "NULL AS raw_record"
                     for c in _ALL_COLUMNS)


def _page(project: Project, rows: Iterable[sqlite3.Row | tuple[Any, ...]]
          ) -> list[StoredStudy]:
    by_id = {row[0]: dict(zip(_ALL_COLUMNS, row, strict=True)) for row in rows}
    conditions = study_conditions(project, list(by_id))
    return [_stored(project, row, conditions[study_id]) for study_id, row in by_id.items()]


def iter_studies(project: Project, ids: Iterable[int] | None = None, *,
                 with_raw: bool = False, page: int | None = None) -> Iterator[StoredStudy]:
    """The studies of ``ids`` in that order (repeats and missing ids skipped), or, with
    ``ids=None``, every study PubMed has not withdrawn, in id order; ``page`` (default
    :data:`PAGE`) at a time.

    The whole project is read by id ranges (``id > last``), never as a list of every id.
    """
    page = page or PAGE
    columns = _select(with_raw)
    conn = project.conn
    if ids is None:
        last = 0
        while True:
            rows = conn.execute(
                f"SELECT {columns} FROM studies WHERE deleted = 0 AND id > ? "
                "ORDER BY id LIMIT ?", (last, page)).fetchall()
            if not rows:
                return
            yield from _page(project, rows)
            last = rows[-1][0]
    seen: set[int] = set()
    batch: list[int] = []
    for study_id in ids:
        if study_id not in seen:
            seen.add(study_id)
            batch.append(study_id)
        if len(batch) == page:
            yield from _ordered(project, columns, batch)
            batch = []
    if batch:
        yield from _ordered(project, columns, batch)


def _ordered(project: Project, columns: str, ids: list[int]) -> list[StoredStudy]:
    marks = ", ".join("?" for _ in ids)
    found = {s.id: s for s in _page(project, project.conn.execute(
        f"SELECT {columns} FROM studies WHERE id IN ({marks})", ids))}
    return [found[i] for i in ids if i in found]
