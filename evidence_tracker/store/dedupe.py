"""Finding the stored study an imported record duplicates, and merging into it by id.

Matching: PMID, then DOI (any stored study, case-insensitive), then normalised title with
year and first author (see :mod:`evidence_tracker.domain.dedupe`). Title keys are computed
per publication year on demand and cached for the life of a :class:`DuplicateIndex`.

Studies sharing a title key are kept apart by which identifiers they have, so that a
record is only checked against those its identifiers cannot rule out: a file of thousands
of records with one title and distinct PMIDs stays linear (it checked every earlier one).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from evidence_tracker.domain.dedupe import author_key, doi_key, ids_conflict, title_key
from evidence_tracker.domain.models import Study
from evidence_tracker.store.database import Project, utcnow
from evidence_tracker.store.studies import get_study, overwrite_study, select_in
from evidence_tracker.store.study_columns import COMPARED, StudyRow, read_authors, study_to_row


@dataclass(frozen=True)
class Match:
    study_id: int
    matched_by: str  # "pmid", "doi" or "title"


@dataclass
class DuplicateIndex:
    """Lookups of stored studies by PMID, DOI and title key, within one import step."""

    project: Project
    #: year -> (title key, author key) -> (has PMID, has DOI) -> study ids, oldest first
    _by_year: dict[int | None, dict[tuple[str, str], dict[tuple[bool, bool], list[int]]]] = \
        field(default_factory=dict)
    _dois: dict[str, list[int]] | None = None
    #: PMID -> study id for the PMIDs of :meth:`prefetch` (those absent are not stored).
    _pmids: dict[str, int] = field(default_factory=dict)
    _prefetched: frozenset[str] = frozenset()

    def _doi_index(self) -> dict[str, list[int]]:
        """lower(DOI) -> study ids, PubMed records first (one scan per import)."""
        if self._dois is None:
            self._dois = {}
            for study_id, doi in self.project.conn.execute(
                "SELECT id, lower(doi) FROM studies WHERE doi IS NOT NULL "
                "ORDER BY pmid IS NULL, id"
            ):
                self._dois.setdefault(doi, []).append(int(study_id))
        return self._dois

    def _title_index(self, year: int | None
                     ) -> dict[tuple[str, str], dict[tuple[bool, bool], list[int]]]:
        if year not in self._by_year:
            sql = ("SELECT id, title, authors, pmid IS NOT NULL, doi IS NOT NULL FROM studies "
                   "WHERE deleted = 0 AND year IS ? ORDER BY id")
            index: dict[tuple[str, str], dict[tuple[bool, bool], list[int]]] = {}
            for study_id, title, authors, has_pmid, has_doi in self.project.conn.execute(
                    sql, (year,)):
                people = read_authors(authors or "[]")[:1]
                key = (title_key(title), author_key(people))
                index.setdefault(key, {}).setdefault((bool(has_pmid), bool(has_doi)), []) \
                    .append(int(study_id))
            self._by_year[year] = index
        return self._by_year[year]

    def prefetch(self, pmids: Iterable[str]) -> None:
        """Look up a batch's PMIDs in one query per 500 (instead of one per record).

        Valid until :meth:`forget`, which must be called once anything is written."""
        wanted = frozenset(p for p in pmids if p)
        rows = select_in(self.project.conn, "SELECT id, pmid FROM studies WHERE pmid IN ({marks})",
                         wanted)
        self._pmids = {pmid: int(study_id) for study_id, pmid in rows}
        self._prefetched = wanted

    def forget(self) -> None:
        """Drop what :meth:`prefetch` found (the project changed)."""
        self._pmids, self._prefetched = {}, frozenset()

    def _pmid_id(self, pmid: str) -> int | None:
        if pmid in self._prefetched:
            return self._pmids.get(pmid)
        row = self.project.conn.execute("SELECT id FROM studies WHERE pmid = ?", (pmid,)).fetchone()
        return int(row[0]) if row else None

    def add(self, study_id: int, record: StudyRow) -> None:
        """Make a newly stored study findable by DOI and title in this step."""
        if record.doi:
            self._doi_index().setdefault(doi_key(record.doi), []).append(study_id)
        key = record.fuzzy
        if key is not None:
            self._title_index(key[1]).setdefault((key[0], key[2]), {}).setdefault(
                (bool(record.pmid), bool(record.doi)), []).append(study_id)

    def find(self, record: StudyRow) -> Match | None:
        if record.pmid:
            study_id = self._pmid_id(record.pmid)
            if study_id is not None:
                return Match(study_id, "pmid")
        if record.doi:
            for study_id in self._doi_index().get(doi_key(record.doi), [])[:_RECHECK]:
                if not self._conflicts(study_id, record):
                    return Match(study_id, "doi")
        key = record.fuzzy
        if key is not None:
            groups = self._title_index(key[1]).get((key[0], key[2]), {})
            found = [self._first_agreeing(ids, record)
                     for (has_pmid, has_doi), ids in groups.items()
                     # A study with another PMID (or DOI) is another article; one with
                     # the same was found above.
                     if not (has_pmid and record.pmid) and not (has_doi and record.doi)]
            best = min((f for f in found if f is not None), default=None)
            if best is not None:
                return Match(best, "title")
        return None

    def _first_agreeing(self, ids: list[int], record: StudyRow) -> int | None:
        """The oldest of ``ids`` whose stored identifiers do not conflict with the
        record's (a merge may have given a study identifiers since it was indexed)."""
        for study_id in ids[:_RECHECK]:
            if not self._conflicts(study_id, record):
                return study_id
        return None

    def _conflicts(self, study_id: int, record: StudyRow) -> bool:
        """Whether the stored study's identifiers show it is another article than ``record``
        (:func:`~evidence_tracker.domain.dedupe.conflicting`); True if it is gone."""
        row = self.project.conn.execute(
            "SELECT pmid, doi FROM studies WHERE id = ?", (study_id,)
        ).fetchone()
        return row is None or ids_conflict(row[0] or "", row[1] or "", record.pmid, record.doi)


#: Studies of one title group checked against a record (the oldest first).
_RECHECK = 20


def differs(a: Study, b: Study) -> bool:
    """Whether storing ``b`` over ``a`` would change the study (the fields a re-fetch
    compares, and the PMID)."""
    row_a, row_b = study_to_row(a), study_to_row(b)
    return any(row_a[k] != row_b[k] for k in (*COMPARED, "pmid"))


def replace_study(project: Project, study_id: int, study: Study) -> tuple[bool, bool, bool]:
    """Write ``study`` over stored study ``study_id`` (keeping the old record as a revision
    when anything changed). Returns (changed, newly retracted, new notice)."""
    now = utcnow()
    with project.transaction():
        conn = project.conn
        conn.row_factory = sqlite3.Row
        try:
            existing = conn.execute("SELECT * FROM studies WHERE id = ?", (study_id,)).fetchone()
            row = StudyRow(study)
            return overwrite_study(conn, existing, row.columns(), row.fts, now)
        finally:
            conn.row_factory = None


def stored_studies(project: Project, ids: Sequence[int]) -> dict[int, Study]:
    """The records of ``ids`` (those that exist)."""
    out = {}
    for study_id in ids:
        stored = get_study(project, study_id)
        if stored is not None:
            out[study_id] = stored.study
    return out
