"""Export studies to reference files and spreadsheets: RIS, BibTeX, CSL-JSON, MEDLINE/NBIB,
CSV and XLSX, for a selection, one or more conditions or claims, or everything.

Files are written through :func:`~evidence_tracker.domain.files.atomic_write`, so a failed
export never leaves half a file under the requested name.
"""

from __future__ import annotations

import contextlib
import enum
import errno
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from evidence_tracker.domain.files import atomic_write
from evidence_tracker.domain.models import StoredStudy, Study
from evidence_tracker.formats import csv_xlsx
from evidence_tracker.formats.bibtex import write_bibtex
from evidence_tracker.formats.csljson import write_csljson
from evidence_tracker.formats.nbib import write_nbib
from evidence_tracker.formats.ris import write_ris
from evidence_tracker.services.citations import claim_study_ids
from evidence_tracker.services.claims import resolve_claim
from evidence_tracker.store import Project, StoreError, study_stream
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.studies import StudyFilter


class ExportFormat(enum.StrEnum):
    RIS = "ris"
    BIBTEX = "bibtex"
    CSLJSON = "csljson"
    NBIB = "nbib"
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def extension(self) -> str:
        return {"bibtex": ".bib", "csljson": ".json"}.get(self.value, f".{self.value}")

    @property
    def label(self) -> str:
        return {"ris": "RIS", "bibtex": "BibTeX", "csljson": "CSL-JSON",
                "nbib": "MEDLINE/NBIB", "csv": "CSV", "xlsx": "Excel workbook"}[self.value]

    @classmethod
    def from_path(cls, path: str | Path) -> ExportFormat | None:
        suffix = Path(path).suffix.lower()
        return next((f for f in cls if f.extension == suffix), None)


class ExportError(OSError):
    """A file could not be written, said in words a user can act on (an OSError, so
    callers that caught the raw error still do)."""


def write_error(exc: OSError, target: Path) -> ExportError:
    """``exc`` from writing ``target``, explained (a full disk says so)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return ExportError(f"The disk holding {target.parent} is full; {target.name} was not "
                           "written (no partial file was left). Free some space and try again.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError(f"Cannot write {target}: {exc.strerror or 'permission denied'}.")
    return ExportError(f"Cannot write {target}: {exc.strerror or exc}.")


@contextlib.contextmanager
def explained_write_errors(target: Path) -> Iterator[None]:
    """Turn an OSError raised while writing ``target`` into an :class:`ExportError`."""
    try:
        yield
    except ExportError:
        raise
    except OSError as exc:
        raise write_error(exc, target) from exc


@dataclass(frozen=True)
class ExportResult:
    path: str
    format: str
    studies: int


def select_studies(
    project: Project, *, study_ids: Sequence[int] | None = None,
    conditions: Sequence[str] = (), claims: Sequence[str | int] = (),
    viewer: str | None = None,
) -> Iterator[StoredStudy]:
    """The studies to export, read page by page: the given ids, plus those of the
    conditions and claims named (a claim's: the studies linked as ``viewer`` may see; their
    union, without repeats); everything when nothing is named. No writer needs the raw
    record, so it is never read."""
    if study_ids is None and not conditions and not claims:
        return study_stream.iter_studies(project)
    ids: list[int] = list(study_ids or [])
    known = {c.slug: c.id for c in condition_store.list_conditions(project)}
    for slug in conditions:
        if slug not in known:
            raise StoreError(f"No condition {slug!r}. Known: {', '.join(sorted(known))}")
        ids += study_store.query_study_ids(
            project, StudyFilter(condition_id=known[slug], sort="id", descending=False))
    for key in claims:
        ids += claim_study_ids(project, resolve_claim(project, key), viewer=viewer)
    return study_stream.iter_studies(project, list(dict.fromkeys(ids)))


def claim_links_by_study(project: Project, viewer: str | None = None) -> dict[int, str]:
    """Study id -> 'C001 supports; C011 contradicts' (the live links ``viewer`` may see:
    blind mode; None: every reviewer's)."""
    from evidence_tracker.services import review  # review builds on evidence, as we do

    codes = {c.id: c.code for c in claim_store.list_claims(project)}
    out: dict[int, list[str]] = {}
    seen = review.Visibility.of(project, viewer)
    for row in claim_store.current_link_rows(project):
        if not seen.may_see("link", row["study_id"], row["claim_id"], row["reviewer"]):
            continue
        after = row.get("after") or {}
        stance = after.get("stance", "") if isinstance(after, dict) else ""
        text = f"{codes.get(row['claim_id'], row['claim_id'])} {stance}".strip()
        if text not in out.setdefault(row["study_id"], []):
            out[row["study_id"]].append(text)
    return {k: "; ".join(v) for k, v in out.items()}


def table_rows(project: Project, studies: Iterable[StoredStudy], viewer: str | None = None
               ) -> Iterator[dict[str, Any]]:
    links = claim_links_by_study(project, viewer)
    for s in studies:
        row = csv_xlsx.study_row(s.study, study_id=s.id, conditions=s.conditions)
        row["claim_links"] = links.get(s.id, "")
        yield row


TABLE_COLUMNS = (*csv_xlsx.COLUMNS, "claim_links")


def write_studies(project: Project, studies: Iterable[StoredStudy], fmt: ExportFormat | str,
                  path: str | Path, viewer: str | None = None) -> ExportResult:
    """Write ``studies`` to ``path`` in ``fmt``, each as it is read (flat memory); CSV/XLSX
    carry the claim links ``viewer`` may see."""
    the_format = ExportFormat(fmt)
    target = Path(path)
    with explained_write_errors(target):
        count = _write(project, studies, the_format, target, viewer)
    return ExportResult(str(target), the_format.value, count)


def _write(project: Project, studies: Iterable[StoredStudy], the_format: ExportFormat,
           target: Path, viewer: str | None) -> int:
    """Write the file; returns how many studies it holds."""
    records = (s.study for s in studies)
    text_writers: dict[ExportFormat, Callable[[Iterable[Study], IO[str]], int]] = {
        ExportFormat.RIS: write_ris, ExportFormat.BIBTEX: write_bibtex,
        ExportFormat.CSLJSON: write_csljson, ExportFormat.NBIB: write_nbib,
    }
    if the_format in text_writers:
        with atomic_write(target) as out:
            return text_writers[the_format](records, out)
    rows = table_rows(project, studies, viewer)
    if the_format is ExportFormat.CSV:
        with atomic_write(target, newline="") as out:
            return csv_xlsx.write_csv(rows, out, TABLE_COLUMNS)
    with atomic_write(target, binary=True) as binary:
        return csv_xlsx.write_xlsx(rows, binary, TABLE_COLUMNS)


def export_studies(
    project: Project, fmt: ExportFormat | str, path: str | Path, *,
    study_ids: Sequence[int] | None = None, conditions: Sequence[str] = (),
    claims: Sequence[str | int] = (), viewer: str | None = None,
) -> ExportResult:
    """Select (see :func:`select_studies`) and write as ``viewer`` may see the judgements
    (blind mode); returns what was written."""
    studies = select_studies(project, study_ids=study_ids, conditions=conditions,
                             claims=claims, viewer=viewer)
    return write_studies(project, studies, fmt, path, viewer)
