"""Duplicate records: the keys they are matched by and how two copies are merged (pure).

A record matches a study by PMID, then DOI, then normalised title with year and first
author. Two records whose PMIDs (or DOIs) differ are never duplicates, whatever else they
share.

>>> title_key("Ketamine for CRPS: a randomised, double-blind trial.")
'ketamine for crps a randomised double blind trial'
>>> author_key([Author(last_name="Müller-Lüdenscheidt", initials="H")])
'mullerludenscheidt'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import fields, replace

from evidence_tracker.domain.models import Author, Study

#: Raw formats that are PubMed's own record of a study (richer than any other source).
AUTHORITATIVE_FORMATS = frozenset({"pubmed-xml", "medline"})


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in ascii_text if not unicodedata.combining(ch))
    return ascii_text.casefold()


def title_key(title: str) -> str:
    """Lower case, accents and punctuation dropped, brackets of translated titles too."""
    words = re.findall(r"\w+", _fold(title).replace("_", " "))
    return " ".join(words)


def author_key(authors: Sequence[Author]) -> str:
    """The first author's family (or group) name, folded to letters and digits."""
    if not authors:
        return ""
    first = authors[0]
    return re.sub(r"\W|_", "", _fold(first.last_name or first.collective_name))


def doi_key(doi: str) -> str:
    return doi.strip().lower()


def fuzzy_key(study: Study) -> tuple[str, int | None, str] | None:
    """(title, year, first author) key; None when the title is too short to trust."""
    key = title_key(study.title)
    if len(key) < 12:
        return None
    return key, study.year, author_key(study.authors)


def conflicting(a: Study, b: Study) -> bool:
    """True when the identifiers show two different articles."""
    if a.pmid and b.pmid and a.pmid != b.pmid:
        return True
    return bool(a.doi and b.doi and doi_key(a.doi) != doi_key(b.doi))


def is_authoritative(study: Study) -> bool:
    return bool(study.pmid) and study.raw_format in AUTHORITATIVE_FORMATS


_LIST_FIELDS = ("authors", "abstract_sections", "publication_types", "mesh", "keywords",
                "comments_corrections")
_KEEP = ("raw_record", "raw_format", "source", "deleted")


def merge_studies(existing: Study, incoming: Study) -> Study:
    """The record to keep when ``incoming`` duplicates ``existing``.

    A PubMed record (XML or MEDLINE) replaces whatever it duplicates, as a re-fetch
    would; otherwise the existing record stays and only its empty fields are filled from
    the incoming one (a DOI, an abstract, pages ...).
    """
    if is_authoritative(incoming):
        base, other = incoming, existing
        if is_authoritative(existing):
            return incoming
    else:
        base, other = existing, incoming
    merged = replace(base)
    for f in fields(Study):
        name = f.name
        if name in _KEEP:
            continue
        mine, theirs = getattr(merged, name), getattr(other, name)
        if name in _LIST_FIELDS:
            if not mine and theirs:
                setattr(merged, name, list(theirs))
        elif name == "year":
            if mine is None and theirs is not None:
                merged.year = theirs
        elif not mine and theirs:
            setattr(merged, name, theirs)
    if not base.abstract and other.abstract:
        merged.abstract_sections = list(other.abstract_sections)
    return merged
