"""Publication dates: one month-name table and the conversions built on it.

Dates are stored as ISO text as precise as the source allows ('2009', '2009-12',
'2009-12-15'); text that is no such date (a season, a range) is kept as it was written.

>>> month_number("Sep"), month_number("september"), month_number("09"), month_number("13")
(9, 9, 9, None)
>>> month_abbreviation(3), month_abbreviation(0)
('Mar', '')
>>> date_parts("2009-12"), date_parts("1998 Dec-1999 Jan")
([2009, 12], None)
>>> iso_date([2009, 12, 5]), is_valid_date(2023, 2, 29)
('2009-12-05', False)
>>> year_in("1998 Dec-1999 Jan"), year_in("Spring")
(1998, None)
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence

__all__ = [
    "MONTH_ABBREVIATIONS",
    "date_parts",
    "is_valid_date",
    "iso_date",
    "month_abbreviation",
    "month_number",
    "year_in",
]

#: English month abbreviations as PubMed writes them, January first.
MONTH_ABBREVIATIONS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)
_MONTH_NUMBERS = {name.lower(): n for n, name in enumerate(MONTH_ABBREVIATIONS, start=1)}
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")


def month_number(text: str) -> int | None:
    """1-12 from a month number or an English month name (its first three letters decide,
    case ignored); None for anything else."""
    text = text.strip().lower()
    if text.isdigit():
        month = int(text)
        return month if 1 <= month <= 12 else None
    return _MONTH_NUMBERS.get(text[:3])


def month_abbreviation(month: int) -> str:
    """'Jan' for 1 ... 'Dec' for 12; '' for a number that is no month."""
    return MONTH_ABBREVIATIONS[month - 1] if 1 <= month <= 12 else ""


def is_valid_date(year: int, month: int, day: int) -> bool:
    """True when the day exists in that month of that year."""
    try:
        _dt.date(year, month, day)
    except ValueError:
        return False
    return True


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


def year_in(text: str) -> int | None:
    """The first plausible year (1500-2999) standing as a word in free text, such as a
    MEDLINE date range; None when there is none."""
    found = _YEAR.search(text)
    return int(found.group(1)) if found else None
