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
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["doi_key", "doi_url", "normalize_doi", "normalize_pmcid", "pubmed_url"]

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
#: Characters a DOI keeps unescaped in its URL: the DOI's own separators. Everything else
#: that is not a letter, digit or ``_.-~`` is percent-encoded (``#``, ``?``, ``<``, space...
#: would otherwise end the path or break the link).
_DOI_URL_SAFE = "/:;()"


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
