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
from typing import TypeAlias

import msgspec

# doi_key is imported here too: the store matches records by it through this module.
from evidence_tracker.domain.identifiers import doi_key
from evidence_tracker.domain.models import Author, Study

#: Raw formats that are PubMed's own record of a study (richer than any other source).
AUTHORITATIVE_FORMATS = frozenset({"pubmed-xml", "medline"})


class _DropCombining(dict[int, int | None]):
    """``str.translate`` table deleting combining characters, filled as characters appear
    (bounded: the text comes from untrusted files)."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        if len(self) < 8192:
            self[code] = value
        return value


_DROP_COMBINING = _DropCombining()
_WORDS = re.compile(r"[^\W_]+")  # runs of letters and digits (\w without "_")
_NOT_ALNUM = re.compile(r"\W|_")


def _fold(text: str) -> str:
    """Accents dropped (NFKD without combining marks), case folded."""
    if text.isascii():  # NFKD and the combining marks change nothing; casefold is lower
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_DROP_COMBINING).casefold()


def title_key(title: str) -> str:
    """Lower case, accents and punctuation dropped, brackets of translated titles too."""
    return " ".join(_WORDS.findall(_fold(title)))


def author_key(authors: Sequence[Author]) -> str:
    """The first author's family (or group) name, folded to letters and digits."""
    if not authors:
        return ""
    first = authors[0]
    return _NOT_ALNUM.sub("", _fold(first.last_name or first.collective_name))


#: (title key, year, first author key)
FuzzyKey: TypeAlias = tuple[str, int | None, str]


def fuzzy_key(study: Study) -> FuzzyKey | None:
    """(title, year, first author) key; None when the title is too short to trust."""
    key = title_key(study.title)
    if len(key) < 12:
        return None
    return key, study.year, author_key(study.authors)


def conflicting(a: Study, b: Study) -> bool:
    """True when the identifiers show two different articles."""
    return ids_conflict(a.pmid, a.doi, b.pmid, b.doi)


def ids_conflict(pmid_a: str, doi_a: str, pmid_b: str, doi_b: str) -> bool:
    """:func:`conflicting` for two records known by their PMIDs and DOIs ("" for none)."""
    if pmid_a and pmid_b and pmid_a != pmid_b:
        return True
    return bool(doi_a and doi_b and doi_key(doi_a) != doi_key(doi_b))


def is_authoritative(study: Study) -> bool:
    return bool(study.pmid) and study.raw_format in AUTHORITATIVE_FORMATS


_LIST_FIELDS = ("authors", "abstract_sections", "publication_types", "mesh", "keywords",
                "comments_corrections")
_KEEP = ("raw_record", "raw_format", "source", "deleted")


def merge_studies(existing: Study, incoming: Study) -> Study:
    """The record to keep when ``incoming`` duplicates ``existing``.

    A PubMed record (XML or MEDLINE) replaces whatever it duplicates, as a re-fetch
    would; otherwise the existing record stays. Either way a merge never replaces data
    with nothing: the kept record's empty fields are filled from the other one (a DOI, an
    abstract, pages ...), so a later, nearly empty record of the same PMID does not wipe
    the study, while a changed non-empty field still replaces the old one.
    """
    if is_authoritative(incoming):
        base, other = incoming, existing
    else:
        base, other = existing, incoming
    merged = msgspec.structs.replace(base)
    for name in Study.__struct_fields__:
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
