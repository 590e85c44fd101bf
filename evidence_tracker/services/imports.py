"""Import reference files into a project: PubMed XML, MEDLINE/NBIB, RIS, BibTeX, CSL-JSON.

Every record is matched against the project (and the records before it in the same
import) by PMID, then DOI, then normalised title with year and first author. A match is
merged (see :func:`evidence_tracker.domain.dedupe.merge_studies`), never stored twice.
:func:`preview_file` says what an import would add and merge without writing anything.

Records are stored in batches, each in its own transaction. A file that breaks part-way
(truncated XML, a malformed MEDLINE record) keeps the records stored before the break and
raises ``ImportFailed`` saying where it broke and how many were kept. A file that is refused
before any record is stored leaves the project exactly as it was (no import run recorded).

One rule for every format, applied by the planner that both the preview and the import
use: a record with no title, no DOI and no PMID, or with an identifier of the wrong shape
(:func:`evidence_tracker.domain.identifiers.identifier_problem`), is skipped and reported
with its position in the file and the reason. A file that yields no record to import
(nothing recognised, or every record skipped) is refused. Only regular files are read: a
named pipe, a device or a directory is refused before it is opened.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from evidence_tracker.domain.dedupe import doi_key, ids_conflict, merge_studies
from evidence_tracker.domain.identifiers import identifier_problem
from evidence_tracker.domain.models import Study
from evidence_tracker.formats.bibtex import read_bibtex
from evidence_tracker.formats.csljson import read_csljson
from evidence_tracker.formats.detect import sniff_format
from evidence_tracker.formats.fields import FormatError, study_key
from evidence_tracker.formats.ris import read_ris_file
from evidence_tracker.pubmed.medline import MedlineParseError, detect_format
from evidence_tracker.pubmed.parser import PubMedParseError
from evidence_tracker.pubmed.pipeline import iter_rows_parallel
from evidence_tracker.services.fetch import flag_for_rereview, prefetch
from evidence_tracker.store import Project
from evidence_tracker.store import search_runs as run_store
from evidence_tracker.store.dedupe import DuplicateIndex, differs, replace_study, stored_studies
from evidence_tracker.store.studies import UpsertResult, upsert_rows
from evidence_tracker.store.study_columns import StudyRow

BATCH = 500
#: File name patterns the file dialogs offer.
FILE_PATTERNS = "*.xml *.nbib *.txt *.medline *.ris *.bib *.bibtex *.json"
FORMAT_LABELS = {"pubmed-xml": "PubMed XML", "medline": "MEDLINE/NBIB", "ris": "RIS",
                 "bibtex": "BibTeX", "csl-json": "CSL-JSON"}


class ImportFailed(ValueError):
    """A file could not be (fully) imported; the message says why and what was kept."""


@dataclass(frozen=True)
class ImportSummary:
    path: str
    format: str
    records: int
    new: int
    updated: int
    unchanged: int
    duplicates: int = 0  # records that repeat an earlier record of the same import
    withdrawn: int = 0  # PubMed deletion notices (DeleteCitation) in the file
    skipped: int = 0  # records that cannot be stored (see :data:`NO_IDENTITY`)
    #: (position in the file, 1-based; reason) of each skipped record.
    skipped_records: list[tuple[int, str]] = field(default_factory=list)


#: What a :class:`PlannedRecord` can do, in the order summaries list them; a record that
#: cannot be stored is ``skipped`` (:attr:`ImportPreview.skipped`).
ACTIONS = ("new", "merge", "unchanged", "duplicate", "withdrawn")
#: Why a record without any identity is skipped.
NO_IDENTITY = "no title, no DOI and no PMID"


@dataclass(frozen=True)
class PlannedRecord:
    """What importing one record does: ``new``, ``merge`` (into a stored study, which
    changes), ``unchanged`` (the stored study already says it all), ``duplicate`` (of an
    earlier record of this import) or ``withdrawn`` (a PubMed deletion notice: the study
    of that PMID, if stored or earlier in the import, is flagged as deleted)."""

    action: str
    title: str
    key: str
    study_id: int | None = None  # the stored study merged into
    matched_by: str = ""  # "pmid", "doi" or "title"
    existing_title: str = ""
    position: int = 0  # the record's number in the file (1-based)
    reason: str = ""  # why a ``skipped`` record is skipped


@dataclass
class ImportPreview:
    path: str
    format: str
    records: list[PlannedRecord] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(r.action for r in self.records)
        return {a: found.get(a, 0) for a in ACTIONS}

    @property
    def skipped(self) -> list[PlannedRecord]:
        return [r for r in self.records if r.action == "skipped"]

    def summary(self) -> str:
        c = self.counts
        skipped = len(self.skipped)
        name = Path(self.path).name
        return (f"{name}: {len(self.records)} {FORMAT_LABELS.get(self.format, self.format)} "
                f"records: {c['new']} new, {c['merge']} merged into existing studies, "
                f"{c['unchanged']} already present, {c['duplicate']} duplicates within the "
                "import" + (f", {c['withdrawn']} deletion notices" if c["withdrawn"] else "")
                + (f", {skipped} skipped (cannot be stored)" if skipped else ""))


# -- reading -----------------------------------------------------------------------------


def _check_regular(path: Path) -> None:
    """Refuse anything but a regular file, without blocking: opening a named pipe for
    reading waits for a writer, and a device may never end."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except IsADirectoryError:
        raise ImportFailed(f"{path.name} is a folder, not a file; import the files in it."
                           ) from None
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc.strerror}") from exc
    try:
        mode = os.fstat(fd).st_mode
    finally:
        os.close(fd)
    if stat.S_ISDIR(mode):
        raise ImportFailed(f"{path.name} is a folder, not a file; import the files in it.")
    if not stat.S_ISREG(mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
                "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise ImportFailed(f"{path.name} is {kind}, not a file: only regular files are "
                           "imported. Save the records to a file and import that.")


def _rows(studies: Iterable[Study]) -> Iterator[StudyRow]:
    for study in studies:
        yield StudyRow(study)


#: BibTeX is parsed whole (bibtexparser): larger files are refused to keep memory bounded.
MAX_BIBTEX_BYTES = 64 * 2**20


def _records(path: Path) -> tuple[str, Iterator[StudyRow]]:
    """The file's format and its records, each on its way into the store."""
    _check_regular(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc.strerror}") from exc
    source = f"import:{path.name}"
    fmt = detect_format(head)
    if fmt in ("pubmed-xml", "medline"):
        # Large files are parsed in helper processes while this one stores.
        return fmt, iter_rows_parallel(path, fmt, record_source=source)
    other = sniff_format(head)
    if other == "ris":
        return other, _rows(read_ris_file(path, source=source))
    if other == "bibtex":
        # bibtexparser needs the whole text: bound the memory by refusing very large files.
        size = path.stat().st_size
        if size > MAX_BIBTEX_BYTES:
            raise ImportFailed(
                f"{path.name} is {size / 2**20:.0f} MB of BibTeX; files over "
                f"{MAX_BIBTEX_BYTES // 2**20} MB are not read (split it, or export RIS, which "
                "is read record by record).")
        return other, _rows(read_bibtex(path.read_bytes(), source=source))
    if other == "csl-json":
        # A path: the reader takes it in chunks, one item in memory at a time.
        return other, _rows(read_csljson(path, source=source))
    what = "empty" if not head.strip() else (
        "neither PubMed XML nor MEDLINE/NBIB text, nor RIS, BibTeX or CSL-JSON")
    raise ImportFailed(
        f"{path.name} is {what}; export it from PubMed as 'PubMed' (NBIB) or XML, or from a "
        "reference manager as RIS or BibTeX."
    )


def _sentence(exc: Exception) -> str:
    text = str(exc).strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _skip_reason(record: StudyRow) -> str | None:
    """Why ``record`` cannot be stored (the rule of every importer), or None."""
    if not (record.title or record.doi or record.pmid):
        return NO_IDENTITY
    # (Readers drop a malformed PMCID themselves: a secondary link, not the record's key.)
    return identifier_problem(pmid=record.pmid, doi=record.doi)


# -- planning ----------------------------------------------------------------------------


def _keys(record: StudyRow) -> list[tuple[str, object]]:
    """What duplicates of the record share: its PMID, DOI and title key."""
    keys: list[tuple[str, object]] = []
    if record.pmid:
        keys.append(("pmid", record.pmid))
    if record.doi:
        keys.append(("doi", doi_key(record.doi)))
    fuzzy = record.fuzzy
    if fuzzy is not None:
        keys.append(("title", fuzzy))
    return keys


@dataclass
class _Planner:
    """Decides each record's fate against the project and the import so far.

    Targets are stored study ids, or negative placeholders for records of this import
    not stored yet; ``current`` holds the record each target will have. Records are
    :class:`StudyRow`; the raw record of one is only decompressed when it has to be merged.
    """

    project: Project
    index: DuplicateIndex = field(init=False)
    keys: dict[tuple[str, object], int] = field(default_factory=dict)
    current: dict[int, StudyRow] = field(default_factory=dict)
    existing: dict[int, Study] = field(default_factory=dict)
    placeholder_keys: dict[int, list[tuple[str, object]]] = field(default_factory=dict)
    placeholders: int = 0
    #: The batch's deletion notices, applied once its records are written.
    withdrawals: list[StudyRow] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.index = DuplicateIndex(self.project)

    def _remember(self, target: int, record: StudyRow) -> None:
        for key in _keys(record):
            if self.keys.setdefault(key, target) == target and target < 0:
                self.placeholder_keys.setdefault(target, []).append(key)

    def _current(self, target: int) -> StudyRow:
        """The record ``target`` will have: planned in this batch, else as stored."""
        record = self.current.get(target)
        if record is None:
            study = stored_studies(self.project, [target])[target]
            self.existing[target] = study
            record = self.current[target] = StudyRow(study)
        return record

    def prefetch(self, batch: list[StudyRow]) -> None:
        """Look the batch's PMIDs up at once (nothing may be written until :meth:`release`)."""
        self.index.prefetch(r.pmid for r in batch)

    def release(self) -> None:
        """Forget the batch's records once written: memory stays flat on large imports."""
        self.current.clear()
        self.existing.clear()
        self.withdrawals.clear()
        self.index.forget()

    def plan(self, record: StudyRow, position: int = 0) -> tuple[PlannedRecord, int]:
        """The record's fate, and the target (stored id or placeholder) it goes to (0 for
        none). ``position``: the record's number in the file."""
        plan, target = self._plan(record)
        return dataclasses.replace(plan, position=position), target

    def _plan(self, record: StudyRow) -> tuple[PlannedRecord, int]:
        reason = _skip_reason(record)
        if reason is not None:
            return PlannedRecord("skipped", record.title, study_key(record),
                                 reason=reason), 0
        if record.deleted:
            return self._withdraw(record), 0
        keys = _keys(record)
        for key in keys:
            target = self.keys.get(key)
            if target is None:
                continue
            other = self._current(target)
            if ids_conflict(other.pmid, other.doi, record.pmid, record.doi):
                continue
            merged = StudyRow(merge_studies(other.study(), record.study()))
            self.current[target] = merged
            self._remember(target, merged)
            return PlannedRecord("duplicate", record.title, study_key(record),
                                 target if target > 0 else None, key[0]), target
        match = self.index.find(record)
        if match is None:
            self.placeholders += 1
            target = -self.placeholders
            self.current[target] = record
            self._remember(target, record)
            return PlannedRecord("new", record.title, study_key(record)), target
        stored = self.existing.get(match.study_id)
        if stored is None:
            stored = stored_studies(self.project, [match.study_id])[match.study_id]
            self.existing[match.study_id] = stored
        merged_study = merge_studies(stored, record.study())
        merged = self.current[match.study_id] = StudyRow(merged_study)
        self._remember(match.study_id, merged)
        action = "merge" if differs(stored, merged_study) else "unchanged"
        return PlannedRecord(action, record.title, study_key(record), match.study_id,
                             match.matched_by, stored.title), match.study_id

    def _withdraw(self, record: StudyRow) -> PlannedRecord:
        """A deletion notice: flags the study of its PMID, stored or earlier in the import,
        once the batch is written (nothing to flag otherwise)."""
        target = self.keys.get(("pmid", record.pmid))
        if target is None:
            match = self.index.find(record)  # a notice holds a PMID only
            target = match.study_id if match is not None else None
        self.withdrawals.append(record)
        return PlannedRecord("withdrawn", "PubMed deletion notice", study_key(record),
                             target if target is not None and target > 0 else None, "pmid")

    def stored(self, placeholder: int, study_id: int) -> None:
        """A placeholder was written as ``study_id``: later duplicates merge into it."""
        record = self.current.pop(placeholder)
        for key in self.placeholder_keys.pop(placeholder, []):
            self.keys[key] = study_id
        self.index.add(study_id, record)


def _nothing_to_import(name: str, skipped: list[PlannedRecord]) -> ImportFailed:
    """The refusal of a file that yields no record to import."""
    if not skipped:
        return ImportFailed(f"{name}: no records found in the file; nothing was imported.")
    shown = "; ".join(f"record {r.position}: {r.reason}" for r in skipped[:5])
    more = f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else ""
    return ImportFailed(f"{name}: none of its {len(skipped)} record(s) can be imported: "
                        f"{shown}{more}. Nothing was imported.")


def preview_file(project: Project, path: str | Path) -> ImportPreview:
    """What importing ``path`` would do, record by record; writes nothing.

    Raises ``ImportFailed`` where :func:`import_file` would refuse the file (the same
    planner decides both)."""
    path = Path(path)
    fmt, records = _records(path)
    preview = ImportPreview(str(path), fmt)
    planner = _Planner(project)
    position = 0
    try:
        for batch in _batches(records):
            planner.prefetch(batch)
            for record in batch:
                position += 1
                preview.records.append(planner.plan(record, position)[0])
    except (PubMedParseError, MedlineParseError, FormatError) as exc:
        raise ImportFailed(f"{path.name}: {exc}") from exc
    if all(r.action == "skipped" for r in preview.records):
        raise _nothing_to_import(path.name, preview.records)
    return preview


# -- importing ---------------------------------------------------------------------------


def _apply(project: Project, planner: _Planner, targets: list[int], run_id: int) -> None:
    """Write one planned batch: new records inserted, merges written by id."""
    result = UpsertResult()
    placeholders = [t for t in dict.fromkeys(targets) if t < 0]
    if placeholders:
        inserted = upsert_rows(project, [planner.current[p] for p in placeholders],
                               search_run_id=run_id)
        ids = inserted.study_ids
        result.newly_retracted_ids += inserted.newly_retracted_ids
        for placeholder, study_id in zip(placeholders, ids, strict=True):
            planner.stored(placeholder, study_id)
    for study_id in dict.fromkeys(t for t in targets if t > 0):
        study = planner.current[study_id].study()
        changed, retracted, noticed = replace_study(project, study_id, study)
        if changed:
            planner.existing[study_id] = study
        if retracted:
            result.newly_retracted_ids.append(study_id)
        if noticed:
            result.newly_noticed_ids.append(study_id)
    if planner.withdrawals:
        # After the inserts: a notice may withdraw a record written in this very batch.
        upsert_rows(project, planner.withdrawals, search_run_id=run_id)
    flag_for_rereview(project, result, run_id)


def _batches(records: Iterator[StudyRow]) -> Iterator[list[StudyRow]]:
    """The records in batches of :data:`BATCH`; a parse error comes after the records read
    before it, which form a last, shorter batch (so they are stored, not dropped)."""
    while True:
        batch: list[StudyRow] = []
        try:
            for record in records:
                batch.append(record)
                if len(batch) == BATCH:
                    break
        except (PubMedParseError, MedlineParseError, FormatError):
            if batch:
                yield batch
            raise
        if batch:
            yield batch
        if len(batch) < BATCH:
            return


def import_file(
    project: Project, path: str | Path, *, progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Import one file, merging duplicates (PMID, DOI, title + year + first author).

    The import run is recorded when the first record is about to be stored: a file
    refused before that leaves the project exactly as it was."""
    path = Path(path)
    fmt, records = _records(path)
    run_id: int | None = None
    planner = _Planner(project)
    counts: Counter[str] = Counter()
    skipped: list[PlannedRecord] = []
    stored = 0  # records read (and stored, merged or skipped)
    try:
        # The next batch is received (unpickled, turned into rows) on a thread while this
        # one writes: SQLite releases the GIL while it writes and syncs.
        for batch in prefetch(_batches(records), depth=1):
            planner.prefetch(batch)
            planned = [planner.plan(record, stored + n)
                       for n, record in enumerate(batch, start=1)]
            plans = [p for p, _ in planned]
            skipped += [p for p in plans if p.action == "skipped"]
            found = Counter(p.action for p in plans)
            if run_id is None and len(skipped) < stored + len(batch):
                run_id = run_store.start_run(
                    project, condition_id=None, query=f"import {path.name}", kind="import",
                    mindate=None, maxdate=None, cursor={"file": str(path)},
                ).id
            if run_id is not None:
                with project.transaction():
                    _apply(project, planner, [t for _, t in planned if t], run_id)
                    run_store.record_progress(
                        project, run_id,
                        cursor={"file": str(path), "records": stored + len(batch)},
                        fetched=len(batch), new=found["new"], updated=found["merge"],
                    )
            planner.release()
            stored += len(batch)
            counts.update(found)
            if progress:
                progress(stored)
    except (PubMedParseError, MedlineParseError, FormatError) as exc:
        if run_id is not None:
            run_store.finish_run(project, run_id, "failed", error=str(exc))
        imported = stored - len(skipped)
        kept = f"{imported} record(s) before the problem were imported." if imported else (
            "Nothing was imported."
        )
        raise ImportFailed(f"{path.name}: {_sentence(exc)} {kept}") from exc
    except BaseException as exc:
        if run_id is not None:
            run_store.finish_run(project, run_id, "failed", error=str(exc))
        raise
    if run_id is None:
        raise _nothing_to_import(path.name, skipped)
    run_store.finish_run(project, run_id, "done")
    return ImportSummary(str(path), fmt, stored, counts["new"], counts["merge"],
                         counts["unchanged"], counts["duplicate"], counts["withdrawn"],
                         len(skipped), [(p.position, p.reason) for p in skipped])
