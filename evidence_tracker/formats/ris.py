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
from typing import IO, Any

import rispy
from rispy.writer import RisWriter

from evidence_tracker.domain import dates
from evidence_tracker.domain.abstracts import abstract_sections, abstract_text
from evidence_tracker.domain.identifiers import doi_url, normalize_doi, pubmed_url
from evidence_tracker.domain.models import NOTICE_REF_TYPES, Author, CommentCorrection, Study
from evidence_tracker.formats import fields
from evidence_tracker.formats.fields import FormatError, one_line

RAW_FORMAT = "ris"
PUBMED_DATABASES = ("pubmed", "medline", "nlm")
_NOTICE = re.compile(r"^([A-Za-z]+): (.*?)(?: PMID: (\d+))?$")
_DA = re.compile(r"^(\d{4})?/(\d{1,2})?/(\d{1,2})?/(.*)$")


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
    """Write RIS records to ``out``; returns how many."""
    records = [study_to_ris(s) for s in studies]
    if records:
        out.write(rispy.dumps(records, implementation=_Writer))
    return len(records)


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
    """(year, pub_date) from DA (``YYYY/MM/DD/other``), else PY."""
    year_text = _first(record, "year", "publication_year")
    found = re.match(r"\d{4}", year_text)
    year = int(found.group(0)) if found else None
    for text in (_first(record, "date"), year_text):
        match = _DA.match(text)
        if not match:
            continue
        y, month, day, other = match.groups()
        the_year = int(y) if y else year
        if other.strip():
            return the_year, other.strip()
        if the_year is None:
            continue
        parts = [the_year]
        if month and int(month):
            parts.append(int(month))
            if day and int(day):
                parts.append(int(day))
        return the_year, dates.iso_date(parts)
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
    if accession.isdigit() and (not database or any(d in database for d in PUBMED_DATABASES)):
        return accession
    for note in [*record.get("notes", []), _first(record, "note")]:
        match = re.search(r"\bPMID:\s*(\d+)", str(note))
        if match:
            return match.group(1)
    return ""


def ris_to_study(record: dict[str, Any], *, source: str = "", raw: bytes = b"") -> Study:
    """A Study from one rispy record."""
    title_html, title = fields.imported_title(
        _first(record, "title", "primary_title", "translated_title"))
    year, pub_date = _dates(record)
    sections = abstract_sections(_first(record, "abstract", "notes_abstract"))
    journal = _first(record, "secondary_title", "alternate_title3", "journal_name",
                     "alternate_title2", "alternate_title1")
    authors = list(record.get("authors", [])) + list(record.get("first_authors", []))
    types = [t.strip() for t in _first(record, "type_of_work").split(";") if t.strip()]
    return Study(
        pmid=_pmid(record),
        doi=normalize_doi(_first(record, "doi")),
        pmcid=_first(record, "custom2") if _first(record, "custom2").startswith("PMC") else "",
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


def _record_texts(text: str) -> list[str]:
    """The text of each record (TY line to ER line), for ``raw_record``."""
    out, current = [], []
    for line in text.split("\n"):
        if line.startswith("TY  -"):
            current = [line]
        elif current:
            current.append(line)
            if line.startswith("ER  -"):
                out.append("\n".join(current) + "\n")
                current = []
    return out


def read_ris(text: str, *, source: str = "") -> Iterator[Study]:
    """Studies from RIS text."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not re.search(r"^TY  - ", text, re.M):
        raise FormatError("no RIS record (a record starts with 'TY  - ')")
    records = rispy.loads(text)
    raws = _record_texts(text)
    if len(raws) != len(records):
        raise FormatError(
            f"{len(raws)} record(s) start with 'TY  - ' but {len(records)} end with 'ER  - '")
    for record, raw in zip(records, raws, strict=True):
        yield ris_to_study(record, source=source, raw=raw.encode("utf-8"))
