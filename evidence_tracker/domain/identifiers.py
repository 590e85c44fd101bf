"""Study identifiers (DOI, PMCID) as every reader stores them, and the web addresses of a study.

>>> normalize_doi("https://doi.org/10.1000/ABC"), normalize_doi(" doi: 10.1/x ")
('10.1000/ABC', '10.1/x')
>>> doi_key("10.1000/ABC") == doi_key(" 10.1000/abc")
True
>>> normalize_pmcid("PMC 123"), normalize_pmcid("123"), normalize_pmcid("pmc9")
('PMC123', 'PMC123', 'PMC9')
>>> pubmed_url("12345"), pubmed_url("")
('https://pubmed.ncbi.nlm.nih.gov/12345/', '')
>>> doi_url("10.1002/(SICI)1097-0258(19980430)17:8<857::AID-SIM777>3.0.CO;2-E")
'https://doi.org/10.1002/(SICI)1097-0258(19980430)17:8%3C857::AID-SIM777%3E3.0.CO;2-E'

Every importer checks a record's identifiers with :func:`identifier_problem` (one rule
for all formats: a record with an identifier of the wrong shape is skipped and reported,
never stored):

>>> is_pmid("31452104"), is_pmid("1' OR '1'='1"), is_pmid("0")
(True, False, False)
>>> is_doi("10.1000/xyz"), is_doi("10.1000/a b"), is_doi("n/a")
(True, False, False)
>>> is_pmcid("PMC123"), is_pmcid("PMC"), is_pmcid("123")
(True, False, False)
>>> print(identifier_problem(pmid="1' OR '1'='1"))
PMID "1' OR '1'='1" is not a PubMed ID (1 to 10 digits)
>>> identifier_problem(pmid="123", doi="10.1/x", pmcid="PMC9") is None
True
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = [
    "doi_key",
    "doi_url",
    "identifier_problem",
    "is_doi",
    "is_pmcid",
    "is_pmid",
    "normalize_doi",
    "normalize_pmcid",
    "pubmed_url",
]

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
#: Characters a DOI keeps unescaped in its URL: the DOI's own separators. Everything else
#: that is not a letter, digit or ``_.-~`` is percent-encoded (``#``, ``?``, ``<``, space...
#: would otherwise end the path or break the link).
_DOI_URL_SAFE = "/:;()"

#: A PMID: PubMed's record numbers (1 to 10 digits, no leading zero).
_PMID = re.compile(r"[1-9][0-9]{0,9}")
#: A DOI: the ``10.`` directory, a registrant code, a slash and a suffix of printable
#: characters without spaces (the suffix may hold almost anything else: ``<>``, ``;``...).
_DOI = re.compile(r"10\.[0-9]{1,9}(?:\.[0-9]+)*/[^\s\x00-\x1f\x7f]+")
_PMCID = re.compile(r"PMC[0-9]{1,10}")
#: Longer than any registered DOI; a longer value is not one.
MAX_DOI_LENGTH = 1000


def normalize_doi(doi: str) -> str:
    """A bare DOI: no resolver URL, no 'doi:' prefix, no surrounding space (case kept)."""
    return _DOI_PREFIX.sub("", doi.strip()).strip()


def doi_key(doi: str) -> str:
    """What two DOIs are compared by: DOIs are case-insensitive."""
    return doi.strip().lower()


def normalize_pmcid(pmcid: str) -> str:
    """'PMC123' however it was written: spaces dropped, the prefix upper case, added to a
    bare number; anything else is kept as it is."""
    pmcid = pmcid.replace(" ", "")
    if pmcid.isdigit():
        return f"PMC{pmcid}"
    if pmcid[:3].upper() == "PMC":
        return "PMC" + pmcid[3:]
    return pmcid


def pubmed_url(pmid: str) -> str:
    """The PubMed page of a PMID ('' for none)."""
    return f"https://pubmed.ncbi.nlm.nih.gov/{quote(pmid)}/" if pmid else ""


def doi_url(doi: str) -> str:
    """The doi.org address of a DOI, percent-encoded ('' for none)."""
    return f"https://doi.org/{quote(doi, safe=_DOI_URL_SAFE)}" if doi else ""


def is_pmid(value: str) -> bool:
    """Whether ``value`` is a PMID (digits only, as PubMed writes them)."""
    return _PMID.fullmatch(value) is not None


def is_doi(value: str) -> bool:
    """Whether ``value`` (a bare DOI, see :func:`normalize_doi`) has a DOI's shape."""
    return len(value) <= MAX_DOI_LENGTH and _DOI.fullmatch(value) is not None


def is_pmcid(value: str) -> bool:
    """Whether ``value`` (see :func:`normalize_pmcid`) is a PubMed Central id."""
    return _PMCID.fullmatch(value) is not None


def _shown(value: str) -> str:
    value = value if len(value) <= 60 else value[:57] + "..."
    return '"' + value.replace('"', '\\"') + '"'


def identifier_problem(*, pmid: str = "", doi: str = "", pmcid: str = "") -> str | None:
    """Why a record's identifiers cannot be stored, or None when each is empty or valid.

    The one check of every importer (PubMed XML, MEDLINE, RIS, BibTeX, CSL-JSON): ``doi``
    and ``pmcid`` as the readers store them (normalised)."""
    if pmid and not is_pmid(pmid):
        return f"PMID {_shown(pmid)} is not a PubMed ID (1 to 10 digits)"
    if doi and not is_doi(doi):
        return f"DOI {_shown(doi)} is not a DOI (10.<registrant>/<suffix>, no spaces)"
    if pmcid and not is_pmcid(pmcid):
        return f"PMCID {_shown(pmcid)} is not a PubMed Central ID (PMC and digits)"
    return None
