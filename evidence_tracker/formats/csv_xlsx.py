"""CSV and XLSX tables of studies, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
read by Excel, LibreOffice or Google Sheets as a formula (CSV/formula injection: a title
or abstract is untrusted text). Such a cell gets a leading apostrophe.

>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise("107-15"), neutralise(2009)
('107-15', 2009)
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from evidence_tracker.domain.identifiers import doi_url, pubmed_url
from evidence_tracker.domain.models import Study

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit on the characters of one cell.
XLSX_CELL_LIMIT = 32767
#: Characters XML 1.0 cannot hold: controls other than tab, LF and CR, and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

#: The columns of a studies table, in order.
COLUMNS = (
    "study_id", "pmid", "doi", "pmcid", "title", "authors", "first_author", "journal",
    "journal_abbrev", "year", "pub_date", "volume", "issue", "pages", "publication_types",
    "retracted", "notices", "mesh", "keywords", "language", "conditions", "abstract",
    "pubmed_url", "doi_url",
)


def neutralise(value: Any) -> Any:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def study_row(study: Study, *, study_id: int | None = None,
              conditions: Sequence[str] = ()) -> dict[str, Any]:
    """One row of the table (lists joined with '; ')."""
    return {
        "study_id": study_id,
        "pmid": study.pmid,
        "doi": study.doi,
        "pmcid": study.pmcid,
        "title": study.title,
        "authors": "; ".join(a.display_name for a in study.authors),
        "first_author": study.authors[0].display_name if study.authors else "",
        "journal": study.journal,
        "journal_abbrev": study.journal_abbrev,
        "year": study.year,
        "pub_date": study.pub_date,
        "volume": study.volume,
        "issue": study.issue,
        "pages": study.pages,
        "publication_types": "; ".join(study.publication_types),
        "retracted": "yes" if study.retracted else "",
        "notices": "; ".join(f"{c.ref_type}: {c.ref_source}" for c in study.notices),
        "mesh": "; ".join(("*" if m.major else "") + m.descriptor for m in study.mesh),
        "keywords": "; ".join(study.keywords),
        "language": study.language,
        "conditions": "; ".join(conditions),
        "abstract": study.abstract,
        "pubmed_url": pubmed_url(study.pmid),
        "doi_url": doi_url(study.doi),
    }


def write_csv(rows: Iterable[Mapping[str, Any]], out: IO[str],
              columns: Sequence[str] = COLUMNS) -> int:
    """UTF-8 CSV (the caller opens ``out`` with ``newline=''``); returns the row count."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(["" if row.get(c) is None else neutralise(row.get(c)) for c in columns])
        count += 1
    return count


def write_xlsx(rows: Iterable[Mapping[str, Any]], path: str | IO[bytes],
               columns: Sequence[str] = COLUMNS, *, sheet: str = "Studies") -> int:
    """An XLSX workbook with one sheet; every text cell is stored as text, never a formula.

    The sheet is written row by row (openpyxl's write-only mode): memory stays flat
    whatever the number of rows.

    A failed write (a full disk) raises its OSError once: the half-written archive and the
    sheet's writer are closed here, not left for the garbage collector to close
    ("Exception ignored in ZipFile.__del__", "... in generator") onto a file the caller has
    already closed.
    """
    from openpyxl import Workbook  # imported here: only this writer needs it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    # Set before the first row: a write-only sheet writes its header as it starts.
    ws.freeze_panes = "A2"
    for col, name in enumerate(columns, start=1):
        width = {"title": 60, "abstract": 80, "authors": 40}.get(name, 14)
        ws.column_dimensions[get_column_letter(col)].width = width
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    archive: zipfile.ZipFile | None = None
    try:
        ws.append(header)
        count = 0
        for row in rows:
            ws.append([_xlsx_cell(ws, row.get(name)) for name in columns])
            count += 1
        # What Workbook.save does (openpyxl.writer.excel.save_workbook), with the archive
        # closed on failure too.
        archive = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        wb.properties.modified = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        ExcelWriter(wb, archive).save()  # closes the archive when it succeeds
    except BaseException:
        if archive is not None:
            with contextlib.suppress(OSError, ValueError):
                archive.close()  # writing its directory fails again: closed all the same
        _abandon(ws)
        raise
    return count


def _xlsx_cell(ws: Any, value: Any) -> Any:
    """A value of a write-only row: text as a cell stored as text, whatever it looks like
    (neutralised, cut to fit); anything else as it is."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, value=neutralise(_xlsx_safe(value)))
    cell.data_type = "s"
    return cell


def _abandon(ws: Any) -> None:
    """After a failed write (a full disk), close the write-only sheet's generators here and
    quietly, and remove its temporary file: left to the garbage collector, each would
    report its unfinished XML ("Exception ignored in ... LxmlSyntaxError")."""
    writer = getattr(ws, "_writer", None)
    for generator in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
        if generator is not None:
            with contextlib.suppress(Exception):
                generator.close()
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.cleanup()


def _xlsx_safe(text: str) -> str:
    """Drop the control characters XML 1.0 (and so XLSX) cannot hold (tab, CR and LF
    stay); cut text longer than a cell can hold."""
    kept = _NOT_XML.sub("", text)
    return kept if len(kept) < XLSX_CELL_LIMIT else kept[: XLSX_CELL_LIMIT - 2] + "…"
