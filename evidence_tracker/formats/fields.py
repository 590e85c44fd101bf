"""Field conversions every format shares: names, pages, dates, identifiers, abstracts.

>>> initials_of("Robert J")
'RJ'
>>> initials_of("Jean-Paul")
'JP'
>>> split_pages("107-15"), join_pages("107", "15")
(('107', '15'), '107-15')
>>> date_parts("2009-12"), date_parts("1998 Dec-1999 Jan")
([2009, 12], None)
>>> clean_doi("https://doi.org/10.1000/ABC"), clean_doi("doi: 10.1/x")
('10.1000/ABC', '10.1/x')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from evidence_tracker.domain.markup import fragment_from_text, normalize_space
from evidence_tracker.domain.models import AbstractSection, Author

__all__ = [
    "FormatError",
    "abstract_sections",
    "clean_doi",
    "date_parts",
    "doi_url",
    "initials_of",
    "iso_date",
    "join_pages",
    "one_line",
    "pubmed_url",
    "split_pages",
    "study_key",
]


class FormatError(ValueError):
    """A file is not valid in the format it claims to be; the message says where."""


_SIMPLE_RANGE = re.compile(r"^([A-Za-z]?\d+[A-Za-z]?)-([A-Za-z]?\d+[A-Za-z]?)$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_LABEL = re.compile(
    r"(?:^|(?<=[.?!)\]] ))"
    r"([A-Z][A-Z0-9]+(?:[ ,&/'-]+[A-Z0-9]+)*(?: \([A-Z0-9 ]+\))?): "
)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines too) to one space, for line-based formats."""
    return normalize_space(text)


def initials_of(fore_name: str) -> str:
    """PubMed-style initials of a fore name: 'Robert J' -> 'RJ', 'Jean-Paul' -> 'JP'."""
    parts = [p for p in re.split(r"[\s.\-‐]+", fore_name) if p]
    return "".join(p[0].upper() for p in parts if p[0].isalpha())


def split_pages(pages: str) -> tuple[str, str]:
    """'107-15' -> ('107', '15'); anything else stays whole in the first part."""
    match = _SIMPLE_RANGE.match(pages.strip())
    if match:
        return match.group(1), match.group(2)
    return pages.strip(), ""


def join_pages(start: str, end: str) -> str:
    start, end = (start or "").strip(), (end or "").strip()
    return f"{start}-{end}" if start and end else start or end


_ABBREVIATED = re.compile(r"^([A-Za-z]*)(\d+)-([A-Za-z]*)(\d+)$")


def expand_pages(pages: str) -> str:
    """A full page range from PubMed's abbreviated one: '107-15' -> '107-115'.

    >>> expand_pages("1211-6"), expand_pages("S12-9"), expand_pages("e1234")
    ('1211-1216', 'S12-S19', 'e1234')
    """
    match = _ABBREVIATED.match(pages.strip())
    if not match:
        return pages.strip()
    prefix, start, end_prefix, end = match.groups()
    if end_prefix not in ("", prefix):
        return pages.strip()
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return f"{prefix}{start}-{prefix}{end}"


def date_parts(pub_date: str) -> list[int] | None:
    """'2009-12-15' -> [2009, 12, 15]; None for text that is not an ISO date."""
    match = _ISO.match(pub_date.strip())
    if not match:
        return None
    return [int(g) for g in match.groups() if g is not None]


def iso_date(parts: Sequence[int | str]) -> str:
    """[2009, 12] -> '2009-12' (the inverse of :func:`date_parts`)."""
    fields = []
    for n, part in enumerate(parts[:3]):
        value = int(part)
        fields.append(f"{value:04d}" if n == 0 else f"{value:02d}")
    return "-".join(fields)


def clean_doi(doi: str) -> str:
    """A bare DOI: no resolver URL, no 'doi:' prefix, no surrounding space."""
    return _DOI_PREFIX.sub("", doi.strip()).strip()


def doi_url(doi: str) -> str:
    return f"https://doi.org/{doi}" if doi else ""


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else ""


def abstract_sections(text: str) -> list[AbstractSection]:
    """Sections of an imported abstract: 'BACKGROUND: ... METHODS: ...' is split by its
    labels (PubMed's own convention); anything else is one section."""
    text = text.strip()
    if not text:
        return []
    flat = normalize_space(text)
    matches = list(_LABEL.finditer(flat))
    if len(matches) < 2 or matches[0].start() != 0:
        html, plain = fragment_from_text(text)
        return [AbstractSection(text=plain, html=html)]
    sections = []
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(flat)
        html, plain = fragment_from_text(flat[match.end() : end])
        if plain:
            sections.append(AbstractSection(text=plain, label=match.group(1), html=html))
    return sections


def abstract_text(sections: Iterable[AbstractSection]) -> str:
    """The plain abstract as the store keeps it: labelled sections separated by a blank line."""
    return "\n\n".join(f"{s.label}: {s.text}" if s.label else s.text for s in sections)


def person(last_name: str, fore_name: str) -> Author:
    """An author from a family and a given name (initials derived, PubMed style)."""
    last_name, fore_name = normalize_space(last_name), normalize_space(fore_name)
    compact = fore_name.replace(".", "").replace(" ", "")
    if compact.isupper() and compact.isalpha() and len(compact) <= 3:
        return Author(last_name=last_name, initials=compact)  # 'RJ' or 'R. J.': initials only
    return Author(last_name=last_name, fore_name=fore_name, initials=initials_of(fore_name))


def given_name(author: Author) -> str:
    """What a 'given' field holds: the fore name, else the initials."""
    return author.fore_name or author.initials


class Identified(Protocol):
    """A study or a row of one: what :func:`study_key` reads."""

    @property
    def pmid(self) -> str: ...
    @property
    def doi(self) -> str: ...
    @property
    def title(self) -> str: ...


def study_key(study: Identified) -> str:
    """How a user names a study: PMID, else DOI, else the title."""
    return study.pmid or study.doi or study.title[:60]


def imported_title(text: str) -> tuple[str, str]:
    """(html, plain) of a title read from a file (inline tags allowed, space collapsed)."""
    return fragment_from_text(text)
