"""The reference list a PubMed record carries (``PubmedData/ReferenceList``): which PMIDs
a systematic review cites, to propose the studies it includes."""

from __future__ import annotations

from typing import cast

from lxml import etree

from evidence_tracker.pubmed.parser import _UNTRUSTED, PubMedParseError

__all__ = ["reference_pmids"]

_PMIDS = etree.XPath(
    "//PubmedData/ReferenceList//Reference/ArticleIdList/ArticleId[@IdType='pubmed']/text()"
)


def reference_pmids(raw_xml: bytes) -> list[str]:
    """The PMIDs of a record's reference list, in citation order, each once.

    ``raw_xml`` is one stored record (a ``PubmedArticle``) or a whole ``PubmedArticleSet``;
    it is untrusted and parsed with no entities, DTDs or network. Nested reference lists
    (``ReferenceList`` inside ``ReferenceList``) are read too. Empty input gives [].

    >>> reference_pmids(b"<PubmedArticle><PubmedData><ReferenceList><Reference>"
    ...     b"<Citation>X</Citation><ArticleIdList><ArticleId IdType='pubmed'> 123 "
    ...     b"</ArticleId><ArticleId IdType='doi'>10.1/x</ArticleId></ArticleIdList>"
    ...     b"</Reference></ReferenceList></PubmedData></PubmedArticle>")
    ['123']
    """
    if not raw_xml.strip():
        return []
    try:
        root = etree.fromstring(raw_xml, etree.XMLParser(**_UNTRUSTED))
    except etree.XMLSyntaxError as exc:
        raise PubMedParseError(f"malformed PubMed XML: {exc}") from None
    found = (str(t).strip() for t in cast(list[str], _PMIDS(root)))
    return list(dict.fromkeys(p for p in found if p.isdigit()))
