"""RIS (reference managers' tagged format) through rispy: write and read.

RIS is line-based and has no escape for a line break, so every value is written on one
line (runs of whitespace, newlines included, become one space); a value can therefore
never start a tag of its own. The mapping follows what Zotero and EndNote read:

=====  ===========================================  =====  =============================
TY     JOUR (GEN without a journal)                 T2     journal
TI     title                                        J2     journal abbreviation
AU     ``Last, Fore``; a group as ``Name,``         VL IS  volume, issue
PY DA  year; ``YYYY/MM/DD/`` or ``YYYY///text``      SP EP  pages (split when a range)
AB     abstract                                     DO     DOI
AN DB  PMID, with ``DB - PubMed``                   C2     PMCID
KW     keywords, then MeSH descriptors              M3     publication types (``; ``)
LA     language                                     N1     notices: ``RetractionIn: ...``
UR     PubMed and DOI links
=====  ===========================================  =====  =============================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import rispy
from rispy.writer import RisWriter

from evidence_tracker.domain import dates
from evidence_tracker.domain.abstracts import abstract_sections, abstract_text
from evidence_tracker.domain.identifiers import (
    doi_url,
    is_pmcid,
    is_pmid,
    normalize_doi,
    normalize_pmcid,
    pubmed_url,
)
from evidence_tracker.domain.models import NOTICE_REF_TYPES, Author, CommentCorrection, Study
from evidence_tracker.formats import fields
from evidence_tracker.formats.fields import FormatError, one_line

RAW_FORMAT = "ris"
PUBMED_DATABASES = ("pubmed", "medline", "nlm")
_NOTICE = re.compile(r"^([A-Za-z]+): (.*?)(?: PMID: (\d+))?$")
_DA = re.compile(r"^(\d{4})?(?:[/-](\d{1,2})?(?:[/-](\d{1,2})?(?:/(.*))?)?)?$")


class _Writer(RisWriter):
    """rispy's writer without its numbered header line before each record."""

    def set_header(self, count: int) -> str:
        return ""


def _author(a: Author) -> str:
    if a.collective_name:
        return one_line(a.collective_name) + ","
    return f"{one_line(a.last_name)}, {one_line(fields.given_name(a))}".rstrip()


def _da(study: Study) -> str:
    parts = dates.date_parts(study.pub_date)
    if parts:
        padded = [f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])]
        padded += [""] * (3 - len(padded))
        return "/".join(padded) + "/"
    if study.pub_date:
        year = f"{study.year:04d}" if study.year else ""
        return f"{year}///{one_line(study.pub_date)}"
    return ""


def study_to_ris(study: Study) -> dict[str, Any]:
    """The rispy record of a study (one-line values; empty fields left out)."""
    start, end = fields.split_pages(one_line(study.pages))
    keywords = [one_line(k) for k in study.keywords]
    keywords += [one_line(m.descriptor) for m in study.mesh if one_line(m.descriptor)
                 not in keywords]
    notes = [
        one_line(f"{c.ref_type}: {c.ref_source}" + (f" PMID: {c.pmid}" if c.pmid else ""))
        for c in study.comments_corrections if c.ref_type in NOTICE_REF_TYPES
    ]
    record: dict[str, Any] = {
        "type_of_reference": "JOUR" if study.journal or study.journal_abbrev else "GEN",
        "title": one_line(study.title),
        "authors": [_author(a) for a in study.authors],
        "secondary_title": one_line(study.journal),
        "alternate_title1": one_line(study.journal_abbrev),
        "year": str(study.year) if study.year else "",
        "date": _da(study),
        "volume": one_line(study.volume),
        "number": one_line(study.issue),
        "start_page": start,
        "end_page": end,
        "abstract": one_line(study.abstract),
        "doi": one_line(study.doi),
        "accession_number": study.pmid,
        "name_of_database": "PubMed" if study.pmid else "",
        "custom2": one_line(study.pmcid),
        "keywords": [k for k in keywords if k],
        "type_of_work": "; ".join(one_line(t) for t in study.publication_types),
        "language": one_line(study.language),
        "notes": notes,
        "urls": [u for u in (pubmed_url(study.pmid), doi_url(study.doi)) if u],
    }
    return {k: v for k, v in record.items() if v}


def write_ris(studies: Iterable[Study], out: IO[str]) -> int:
    """Write RIS records to ``out``, each as it comes (flat memory); returns how many.

    The text is what ``rispy.dumps`` gives for the whole list: records separated by the
    writer's separator line.
    """
    writer = _Writer()
    count = 0
    for study in studies:
        if count and writer.SEPARATOR is not None:
            out.write(writer.SEPARATOR + writer.NEWLINE)
        out.write(writer.formats([study_to_ris(study)]))
        count += 1
    return count


# -- reading -----------------------------------------------------------------------------


def _first(record: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = record.get(key)
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        if value:
            return one_line(str(value))
    return ""


def _authors(values: Iterable[str]) -> list[Author]:
    out = []
    for value in values:
        value = one_line(value)
        if not value:
            continue
        if value.endswith(","):
            out.append(Author(collective_name=value[:-1].strip()))
            continue
        last, comma, given = value.partition(",")
        if not comma:
            out.append(Author(collective_name=value))
            continue
        given = given.split(",")[0]  # 'Last, First, Jr.' keeps First
        out.append(fields.person(last, given))
    return out


def _dates(record: dict[str, Any]) -> tuple[int | None, str]:
    """(year, pub_date) from DA (``YYYY/MM/DD/other``, ``YYYY/MM/DD``, ``YYYY-MM-DD``,
    ``YYYY``), else PY; the year from PY, else from DA."""
    year_text = _first(record, "year", "publication_year")
    da_text = _first(record, "date")
    found = re.match(r"\d{4}", year_text)
    year = int(found.group(0)) if found else None
    for text in (da_text, year_text):
        match = _DA.match(text)
        if not match:
            continue
        y, month, day, other = match.groups()
        the_year = int(y) if y else year
        if other and other.strip():
            return the_year, other.strip()
        if the_year is None:
            continue
        parts = [the_year]
        if month and 1 <= int(month) <= 12:
            parts.append(int(month))
            if day and dates.is_valid_date(the_year, int(month), int(day)):
                parts.append(int(day))
        return the_year, dates.iso_date(parts)
    if year is None:
        year = dates.year_in(da_text)  # 'Spring 2019'
    return year, f"{year:04d}" if year else ""


def _notices(notes: Iterable[str]) -> list[CommentCorrection]:
    out = []
    for note in notes:
        match = _NOTICE.match(one_line(note))
        if match and match.group(1) in NOTICE_REF_TYPES:
            out.append(CommentCorrection(match.group(1), match.group(2), match.group(3) or ""))
    return out


def _pmid(record: dict[str, Any]) -> str:
    accession = _first(record, "accession_number")
    database = _first(record, "name_of_database").lower()
    if is_pmid(accession) and (not database or any(d in database for d in PUBMED_DATABASES)):
        return accession
    for note in [*record.get("notes", []), _first(record, "note")]:
        match = re.search(r"\bPMID:\s*([0-9]+)", str(note))
        if match and is_pmid(match.group(1)):
            return match.group(1)
    return ""


def _pmcid(value: str) -> str:
    """C2 when it holds a PMCID (other exporters put other things there)."""
    value = normalize_pmcid(value) if value.upper().startswith("PMC") else ""
    return value if is_pmcid(value) else ""


def ris_to_study(record: dict[str, Any], *, source: str = "", raw: bytes = b"") -> Study:
    """A Study from one rispy record."""
    title_html, title = fields.imported_title(
        _first(record, "title", "primary_title", "translated_title"))
    year, pub_date = _dates(record)
    sections = abstract_sections(_first(record, "abstract", "notes_abstract"))
    journal = _first(record, "secondary_title", "alternate_title3", "journal_name",
                     "alternate_title2", "alternate_title1")
    # A1 names the primary authors: they come first.
    authors = [*record.get("first_authors", []), *record.get("authors", [])]
    types = [t.strip() for t in _first(record, "type_of_work").split(";") if t.strip()]
    return Study(
        pmid=_pmid(record),
        doi=normalize_doi(_first(record, "doi")),
        pmcid=_pmcid(_first(record, "custom2")),
        title=title,
        title_html=title_html,
        abstract=abstract_text(sections),
        abstract_sections=sections,
        journal=journal,
        journal_abbrev=_first(record, "alternate_title1", "alternate_title2", "journal_name"),
        volume=_first(record, "volume"),
        issue=_first(record, "number"),
        pages=fields.join_pages(_first(record, "start_page"), _first(record, "end_page")),
        year=year,
        pub_date=pub_date,
        authors=_authors(authors),
        publication_types=types,
        keywords=[one_line(k) for k in record.get("keywords", []) if one_line(k)],
        language=_first(record, "language"),
        comments_corrections=_notices(record.get("notes", [])),
        raw_record=raw,
        raw_format=RAW_FORMAT,
        source=source,
    )


#: The largest record (and so the longest line) read; a larger one is refused rather than
#: held in memory (no real reference comes near: a record with 3,000 authors is ~1 MB).
MAX_RECORD_BYTES = 16 * 2**20
#: A tag line: two characters, one to three spaces, a hyphen (``TY  - JOUR``, and the
#: ``TY - JOUR`` some exporters write).
_TAG_LINE = re.compile(r"([A-Z][A-Z0-9]) {1,3}-(?: (.*)|\s*)$")


def _file_lines(path: Path) -> Iterator[str]:
    """The lines of a UTF-8 file without their ends, read with bounded memory."""
    with path.open("rb") as fh:
        number = 0
        while True:
            data = fh.readline(MAX_RECORD_BYTES + 1)
            if not data:
                return
            number += 1
            if len(data) > MAX_RECORD_BYTES:
                raise FormatError(
                    f"line {number} is longer than {MAX_RECORD_BYTES // 2**20} MB; no RIS "
                    "record is that large (is this really a RIS file?)")
            try:
                line = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(f"not UTF-8 text (line {number}, byte {exc.start + 1} of "
                                  "the line); save the file as UTF-8") from None
            yield line.rstrip("\r\n")


def _text_lines(text: str) -> Iterator[str]:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        yield text[start:end].rstrip("\r")
        start = end + 1


class _Record:
    """One record being read: its raw lines and its (tag, value parts) fields."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.raw: list[str] = []
        self.fields: list[tuple[str, list[str]]] = []
        self.size = 0

    def rispy_text(self) -> str:
        # Continuation lines are folded into their field here, once (linear): rispy
        # gets one canonical tag line per field.
        return "\n".join(f"{tag}  - {' '.join(parts)}".rstrip()
                         for tag, parts in self.fields) + "\n"


def _records(lines: Iterable[str]) -> Iterator[_Record]:
    """Each record from a ``TY`` line to its ``ER`` line (lines outside records, such as
    EndNote's numbering, are skipped). A record left open is a :class:`FormatError`."""
    record: _Record | None = None
    count = 0
    for number, line in enumerate(lines, start=1):
        if number == 1:
            line = line.lstrip("\ufeff")
        match = _TAG_LINE.match(line)
        tag = match.group(1) if match else ""
        if record is None:
            if tag == "TY":
                count += 1
                record = _Record(number)
            else:
                continue
        elif tag == "TY":
            raise FormatError(
                f"record {count} (line {record.line}) has no end ('ER  - ') before the "
                f"next record starts at line {number}")
        record.size += len(line) + 1
        if record.size > MAX_RECORD_BYTES:
            raise FormatError(
                f"record {count} (line {record.line}) is larger than "
                f"{MAX_RECORD_BYTES // 2**20} MB; no RIS record is that large")
        record.raw.append(line)
        if match:
            record.fields.append((tag, [(match.group(2) or "").strip()]))
        elif line.strip() and record.fields:
            record.fields[-1][1].append(line.strip())  # a continuation line
        if tag == "ER":
            yield record
            record = None
    if record is not None:
        raise FormatError(
            f"record {count} (line {record.line}) has no end ('ER  - '); the file may be "
            "cut short")
    if count == 0:
        raise FormatError("no RIS record (a record starts with 'TY  - ')")


def _read(lines: Iterable[str], source: str) -> Iterator[Study]:
    for record in _records(lines):
        (parsed,) = rispy.loads(record.rispy_text())
        raw = ("\n".join(record.raw) + "\n").encode("utf-8", "surrogatepass")
        yield ris_to_study(parsed, source=source, raw=raw)


def read_ris(text: str, *, source: str = "") -> Iterator[Study]:
    """Studies from RIS text."""
    return _read(_text_lines(text), source)


def read_ris_file(path: Path, *, source: str = "") -> Iterator[Study]:
    """Studies from a RIS file, read record by record (memory bounded by
    :data:`MAX_RECORD_BYTES`, however large the file)."""
    return _read(_file_lines(path), source)
