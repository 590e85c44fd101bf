"""Field conversions every format shares: names, pages, titles. Identifiers, dates and
abstracts are shared with the PubMed readers: :mod:`evidence_tracker.domain.identifiers`,
:mod:`~evidence_tracker.domain.dates`, :mod:`~evidence_tracker.domain.abstracts`.

>>> initials_of("Robert J")
'RJ'
>>> initials_of("Jean-Paul")
'JP'
>>> split_pages("107-15"), join_pages("107", "15")
(('107', '15'), '107-15')
"""

from __future__ import annotations

import re
from typing import Protocol

from evidence_tracker.domain.markup import fragment_from_text, normalize_space
from evidence_tracker.domain.models import Author

__all__ = [
    "FormatError",
    "initials_of",
    "join_pages",
    "one_line",
    "split_pages",
    "study_key",
]


class FormatError(ValueError):
    """A file is not valid in the format it claims to be; the message says where."""


_SIMPLE_RANGE = re.compile(r"^([A-Za-z]?\d+[A-Za-z]?)-([A-Za-z]?\d+[A-Za-z]?)$")


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
