"""MEDLINE / NBIB writer (PubMed's "PubMed" export format); the reader is
:mod:`evidence_tracker.pubmed.medline`.

Tags are padded to four characters and followed by ``- ``; long values of text tags
(title, abstract, affiliation, MeSH ...) wrap at 80 columns onto continuation lines
indented by six spaces, which readers join with one space. Values of tags that repeat
(author, keyword, publication type ...) stay on one line: Bio.Medline reads a continuation
of those as another value.
MEDLINE has no line break within a value, so whitespace runs become one space.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator
from typing import IO

from evidence_tracker.domain import dates
from evidence_tracker.domain.corrections import MEDLINE_TAGS
from evidence_tracker.domain.models import MeshHeading, Study
from evidence_tracker.formats.fields import one_line

WIDTH = 80

#: Tags whose continuation lines Bio.Medline joins to the value (its "textkeys", MH, AD).
_WRAPPED = frozenset({"TI", "AB", "AD", "MH", "JT", "TA", "SO", "PG", "VI", "IP", "DP", "LID"})


def _line(tag: str, value: str) -> Iterator[str]:
    value = one_line(value)
    if not value:
        return
    head = f"{tag:<4}- "
    if tag not in _WRAPPED:
        yield head + value
        return
    lines = textwrap.wrap(value, width=WIDTH - len(head), break_long_words=False,
                          break_on_hyphens=False) or [value]
    yield head + lines[0]
    for rest in lines[1:]:
        yield " " * 6 + rest


def _dp(study: Study) -> str:
    parts = dates.date_parts(study.pub_date)
    if not parts:
        return study.pub_date or (str(study.year) if study.year else "")
    text = f"{parts[0]:04d}"
    month = dates.month_abbreviation(parts[1]) if len(parts) > 1 else ""
    if month:
        text += f" {month}"
        if len(parts) > 2:
            text += f" {parts[2]}"
    return text


def _mesh(m: MeshHeading) -> str:
    text = ("*" if m.major else "") + m.descriptor
    for name, major in m.qualifiers:
        text += "/" + ("*" if major else "") + name
    return text


def _source(study: Study) -> str:
    """The SO line: 'Pain. 2009 Dec;147(1-3):107-15.'"""
    where = study.volume + (f"({study.issue})" if study.issue else "")
    text = f"{study.journal_abbrev or study.journal}. {_dp(study)}"
    if where:
        text += f";{where}"
    if study.pages:
        text += f":{study.pages}"
    text += "."
    if study.doi:
        text += f" doi: {study.doi}."
    return text


def record_lines(study: Study) -> Iterator[str]:
    """The lines of one MEDLINE record, PubMed's tag order."""
    iso = dates.date_parts(study.revised_date) or []
    entrez = dates.date_parts(study.entrez_date) or []
    pairs: list[tuple[str, str]] = [
        ("PMID", study.pmid),
        ("STAT", study.status),
        ("LR", "".join(f"{p:02d}" for p in iso) if len(iso) == 3 else ""),
        ("VI", study.volume),
        ("IP", study.issue),
        ("DP", _dp(study)),
        ("TI", study.title),
        ("PG", study.pages),
        ("LID", f"{study.doi} [doi]" if study.doi else ""),
        ("AB", study.abstract),
    ]
    for author in study.authors:
        if author.collective_name:
            pairs.append(("CN", author.collective_name))
            continue
        pairs.append(("FAU", f"{author.last_name}, {author.fore_name}" if author.fore_name
                      else author.last_name))
        pairs.append(("AU", f"{author.last_name} {author.initials}".strip()))
        pairs.append(("AD", author.affiliation))
    pairs.append(("LA", study.language))
    pairs += [("PT", t) for t in study.publication_types]
    pairs += [("TA", study.journal_abbrev), ("JT", study.journal)]
    for c in study.comments_corrections:
        tag = MEDLINE_TAGS.get(c.ref_type)
        if tag:
            source = c.ref_source.rstrip(".")
            pairs.append((tag, f"{source}. PMID: {c.pmid}" if c.pmid else c.ref_source))
    pairs += [("MH", _mesh(m)) for m in study.mesh]
    pairs += [("OT", k) for k in study.keywords]
    pairs.append(("EDAT", "/".join(f"{p:02d}" for p in entrez) + " 00:00"
                  if len(entrez) == 3 else ""))
    pairs.append(("PMC", study.pmcid))
    pairs.append(("AID", f"{study.doi} [doi]" if study.doi else ""))
    pairs.append(("SO", _source(study) if study.journal or study.journal_abbrev else ""))
    for tag, value in pairs:
        yield from _line(tag, value)


def write_nbib(studies: Iterable[Study], out: IO[str]) -> int:
    """Write MEDLINE records separated by blank lines; returns how many."""
    count = 0
    for study in studies:
        if count:
            out.write("\n")
        for line in record_lines(study):
            out.write(line + "\n")
        count += 1
    return count
