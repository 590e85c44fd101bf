"""Streaming parser for PubMed XML (EFetch ``PubmedArticleSet`` replies, baseline files).

PubMed XML is untrusted input. The parser never loads a DTD, never touches the network,
never expands entities, and refuses documents whose DOCTYPE declares entities (the
"billion laughs" and external-entity tricks). It streams with ``lxml.etree.iterparse``
and frees each record once read, so memory stays flat however large the file.

>>> xml = b'''<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE">
... <PMID Version="1">123</PMID><Article><ArticleTitle>A <i>B</i> c.</ArticleTitle>
... </Article></MedlineCitation></PubmedArticle></PubmedArticleSet>'''
>>> [(s.pmid, s.title, s.title_html) for s in iter_pubmed_xml(xml)]
[('123', 'A B c.', 'A <i>B</i> c.')]
"""

from __future__ import annotations

import gzip
import io
import os
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any, NamedTuple, TypeAlias, cast

from lxml import etree

from evidence_tracker.domain.abstracts import abstract_text
from evidence_tracker.domain.dates import is_valid_date, month_number, year_in
from evidence_tracker.domain.identifiers import (
    is_pmcid,
    is_pmid,
    normalize_doi,
    normalize_pmcid,
)
from evidence_tracker.domain.markup import clean_text, fragment_from_element
from evidence_tracker.domain.models import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    Study,
)

__all__ = [
    "PubMedParseError",
    "Reply",
    "Source",
    "iter_pubmed_xml",
    "parse_document",
    "parse_pub_date",
    "read_reply",
]

#: A path, the document's bytes, or a binary file object.
Source: TypeAlias = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

RAW_FORMAT = "pubmed-xml"
_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
_ROOT_TAGS = frozenset({"PubmedArticleSet", "PubmedBookArticleSet", *_RECORD_TAGS})
_CHUNK = 64 * 1024
#: libxml2 options for untrusted XML: no entities, DTDs or network; bounded, no recovery.
_UNTRUSTED: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    "huge_tree": False,
    "recover": False,
}



class PubMedParseError(ValueError):
    """The input is not well-formed PubMed XML (or is unsafe); the message says where."""


# --------------------------------------------------------------------------- entry point


def iter_pubmed_xml(source: Source, *, record_source: str = "pubmed") -> Iterator[Study]:
    """Yield one Study per PubmedArticle / PubmedBookArticle, and per deleted PMID.

    ``source`` is a path (``.gz`` is decompressed), the document as bytes, or a binary
    file object. Records are yielded as they are read: when the input breaks off or is
    malformed, every record before the break has already been yielded, then
    :class:`PubMedParseError` is raised with the line and column. ``record_source`` goes
    into ``Study.source`` ("pubmed", or "import:<file name>" for an imported file).
    """
    return _iter_records(source, record_source)


def parse_document(data: bytes, *, record_source: str = "pubmed") -> list[Study]:
    """The records of a whole document held in memory.

    libxml2 parses it in one go, somewhat faster than streaming, so this suits a document
    small enough to hold (an EFetch reply, a span of a large file, see
    ``pubmed.pipeline``). The records and checks are those of :func:`iter_pubmed_xml`;
    its errors are not (no line numbers or records before the problem: this raises
    :class:`PubMedParseError` for a document that one would fail on, and for a record
    inside another, which it would read differently). Use :func:`iter_pubmed_xml` to tell
    a user what is wrong with a file.

    >>> [s.pmid for s in parse_document(b"<PubmedArticleSet><DeleteCitation><PMID>7</PMID>"
    ...                                 b"<PMID>8</PMID></DeleteCitation></PubmedArticleSet>")]
    ['7', '8']
    """
    parser = etree.XMLParser(**_UNTRUSTED)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise PubMedParseError(f"malformed PubMed XML: {exc}") from None
    _check_document(root.getroottree(), "<bytes>")
    slices = _article_slices(data, root)
    if slices is not None:
        # Each record's raw XML cut from the document rather than serialised again.
        return [
            _pubmed_article(el, record_source, raw)
            for el, raw in zip(root, slices, strict=True)
        ]
    records: list[Study] = []
    for el in root.iter(_RECORD_TAGS):
        if next(el.iterdescendants(_RECORD_TAGS), None) is not None:
            raise PubMedParseError(f"<{el.tag}> at line {el.sourceline} holds another record")
        records += _read_record(el, record_source)
    return records


class Reply(NamedTuple):
    """An E-utilities reply read by :func:`read_reply`."""

    root_tag: str
    studies: list[Study]
    error: str  # the text of a top-level <ERROR> (NCBI's message instead of records), or ""


def read_reply(body: bytes) -> Reply:
    """Read an EFetch reply in one streaming pass: its root element's tag, its records,
    and the text of an ``<ERROR>`` that NCBI put in the root instead of records.

    Unlike :func:`iter_pubmed_xml` it does not insist on a PubMed root (the caller judges
    the reply). Raises ``lxml.etree.XMLSyntaxError`` if the reply is not a complete,
    well-formed document (a truncated body), :class:`PubMedParseError` for entity
    declarations or a record that cannot be read.

    >>> read_reply(b"<eFetchResult><ERROR>Empty  id list</ERROR></eFetchResult>")
    Reply(root_tag='eFetchResult', studies=[], error='Empty id list')
    """
    context = etree.iterparse(
        io.BytesIO(body), events=("end",), tag=(*_RECORD_TAGS, "ERROR"), chunk_size=_CHUNK,
        **_UNTRUSTED,
    )
    studies: list[Study] = []
    error = ""
    checked = False
    for _event, el in context:
        if not checked:
            _refuse_entities(el.getroottree(), "<reply>")
            checked = True
        if el.tag == "ERROR":
            parent = el.getparent()
            if parent is not None and parent.getparent() is None:
                error = " ".join("".join(el.itertext()).split())
            continue
        studies += _read_record(el, "pubmed")
        _release(el)
    root = context.root
    if not checked and root is not None:
        _refuse_entities(root.getroottree(), "<reply>")
    return Reply(str(root.tag) if root is not None else "", studies, error)


_ARTICLE_START = re.compile(rb"<PubmedArticle[\s>]")
_ARTICLE_END = re.compile(rb"</PubmedArticle\s*>")


def _article_slices(data: bytes, root: etree._Element) -> list[bytes] | None:
    """The bytes of each child of ``root`` in ``data``, when every child is a
    PubmedArticle and the cut is certain; else None (serialise each record instead).

    A record's start and end tags always appear literally; the text could also hold them
    (a comment, CDATA, a processing instruction), but then there are more of them than
    records and this gives up. The document must be UTF-8 (what is stored) and declare no
    namespace outside the records (a slice would lose it).
    """
    encoding = (root.getroottree().docinfo.encoding or "").lower()
    if encoding not in ("utf-8", "utf8") or root.nsmap:
        return None
    children = len(root)
    if children == 0 or any(el.tag != "PubmedArticle" for el in root):
        return None  # comments, books, deletions, other elements: serialise
    starts = [m.start() for m in _ARTICLE_START.finditer(data)]
    ends = [m.end() for m in _ARTICLE_END.finditer(data)]
    if len(starts) != children or len(ends) != children:
        return None
    bounds = [*starts[1:], len(data)]
    if any(not start < end <= bound
           for start, end, bound in zip(starts, ends, bounds, strict=True)):
        return None
    return [data[start:end] for start, end in zip(starts, ends, strict=True)]


def _iter_records(source: Source, record_source: str) -> Iterator[Study]:
    stream, name, to_close = _open_source(source)
    context = etree.iterparse(
        stream,
        events=("end",),
        tag=_RECORD_TAGS,
        chunk_size=_CHUNK,
        **_UNTRUSTED,
    )
    count = 0
    last_pmid = ""
    checked = False
    try:
        try:
            for _event, el in context:
                if not checked:
                    _check_document(el.getroottree(), name)
                    checked = True
                try:
                    records = _read_record(el, record_source)
                except PubMedParseError as exc:
                    raise PubMedParseError(f"{name}: {exc} (after {count} records)") from None
                _release(el)
                for record in records:
                    count += 1
                    last_pmid = record.pmid
                    yield record
            if not checked and context.root is not None:
                _check_document(context.root.getroottree(), name)
        except etree.XMLSyntaxError as exc:
            raise PubMedParseError(
                _describe_syntax_error(exc, context, name, count, last_pmid)
            ) from None
    finally:
        for handle in to_close:
            handle.close()


def _open_source(source: Source) -> tuple[IO[bytes], str, list[IO[bytes]]]:
    """``(stream, name for messages, handles to close when done)``."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source)), "<bytes>", []
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        handle: IO[bytes] = open(path, "rb")  # noqa: SIM115 - the generator closes it
        magic = handle.read(2)
        handle.seek(0)
        if magic == b"\x1f\x8b":  # a .gz baseline/update file
            unzipped = cast(IO[bytes], gzip.GzipFile(fileobj=handle, mode="rb"))
            return unzipped, path, [unzipped, handle]
        return handle, path, [handle]
    if isinstance(source, io.TextIOBase):
        raise TypeError("iter_pubmed_xml needs a binary file object (open the file with 'rb')")
    if hasattr(source, "read"):
        return source, str(getattr(source, "name", "<stream>")), []
    raise TypeError(f"iter_pubmed_xml cannot read a {type(source).__name__}")


def _refuse_entities(tree: Any, name: str) -> None:
    dtd = tree.docinfo.internalDTD
    if dtd is not None:
        entities = [entity.name for entity in dtd.iterentities()]
        if entities:
            raise PubMedParseError(
                f"{name}: refusing XML whose DOCTYPE declares entities "
                f"({', '.join(entities[:5])}): possible entity-expansion or "
                "external-entity attack; PubMed never sends these"
            )


def _check_document(tree: Any, name: str) -> None:
    """Refuse entity declarations and documents that are not PubMed XML."""
    if tree is None:
        return
    _refuse_entities(tree, name)
    root = tree.getroot()
    if root is not None and root.tag not in _ROOT_TAGS:
        detail = ""
        error = root.find(".//ERROR")
        if error is not None:
            detail = f": NCBI says {' '.join((error.text or '').split())!r}"
        raise PubMedParseError(
            f"{name}: not PubMed XML (root element <{root.tag}>, line {root.sourceline}){detail}"
        )


def _release(el: etree._Element) -> None:
    """Free a finished record and everything before it."""
    el.clear()  # text, children, attributes and tail
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _describe_syntax_error(
    exc: etree.XMLSyntaxError, context: Any, name: str, count: int, last_pmid: str
) -> str:
    line, column, message = exc.lineno, exc.offset, exc.msg
    try:
        fatals = list(context.error_log.filter_from_fatals())
    except AttributeError:  # pragma: no cover - older lxml
        fatals = []
    if fatals:
        first = fatals[0]
        line, column, message = first.line, first.column, first.message
    where = f"line {line}, column {column}" if line else "unknown position"
    after = f"after {count} record{'s' if count != 1 else ''}"
    if last_pmid:
        after += f", last PMID {last_pmid}"
    text = (message or str(exc)).strip()
    if "Premature end of data" in text or "EndTag" in text or "Extra content" in text:
        text += " (truncated or concatenated document?)"
    return f"{name}: malformed PubMed XML at {where}: {text} ({after})"


# --------------------------------------------------------------------------- records


def _read_record(el: etree._Element, source: str) -> list[Study]:
    """The studies of one record element, ``source`` in each."""
    tag = el.tag
    if tag == "PubmedArticle":
        return [_pubmed_article(el, source)]
    if tag == "PubmedBookArticle":
        return [_book_article(el, source)]
    return _delete_citation(el, source)


def _raw(el: etree._Element) -> bytes:
    return etree.tostring(el, encoding="utf-8", with_tail=False)


def _pmcid(value: str) -> str:
    """The PMCID, normalised; a malformed one is left out (a link, not the key)."""
    pmcid = normalize_pmcid(value)
    return pmcid if is_pmcid(pmcid) else ""


def _missing(el: etree._Element, what: str) -> PubMedParseError:
    return PubMedParseError(f"<{el.tag}> at line {el.sourceline} has no {what}")


def _pmid_of(el: etree._Element, pmid_el: etree._Element | None) -> str:
    """The record's PMID, checked: PubMed's key for the record, so a record without a
    valid one (``1' OR '1'='1``) is malformed PubMed XML."""
    pmid = _text(pmid_el)
    if not pmid:
        raise _missing(el, "PMID")
    if not is_pmid(pmid):
        shown = pmid if len(pmid) <= 40 else pmid[:37] + "..."
        raise PubMedParseError(
            f"<{el.tag}> at line {el.sourceline}: PMID {shown!r} is not a PubMed ID "
            "(1 to 10 digits)")
    return pmid


def _children(el: etree._Element | None) -> dict[Any, etree._Element]:
    """The first child element of each tag (one pass; cheaper than many ``find`` calls)."""
    found: dict[Any, etree._Element] = {}
    if el is not None:
        for child in el:
            found.setdefault(child.tag, child)
    return found


def _list(parent: etree._Element | None, tag: str) -> list[etree._Element]:
    """The children of ``parent`` with this tag."""
    return list(parent.iterchildren(tag)) if parent is not None else []


def _pubmed_article(el: etree._Element, source: str, raw: bytes = b"") -> Study:
    """A PubmedArticle; ``raw`` is its XML, if known."""
    raw = raw or _raw(el)
    top = _children(el)
    citation = top.get("MedlineCitation")
    if citation is None:
        raise _missing(el, "MedlineCitation")
    cit = _children(citation)
    pmid = _pmid_of(el, cit.get("PMID"))
    article = cit.get("Article")
    art = _children(article)
    data = _children(top.get("PubmedData"))
    journal = _children(art.get("Journal"))
    issue = _children(journal.get("JournalIssue"))

    title_html, title = _fragment(art.get("ArticleTitle"))
    if not title:
        title_html, title = _fragment(art.get("VernacularTitle"))
    sections = _sections(art.get("Abstract"))
    if not sections and "OtherAbstract" in cit:
        sections = _sections(_other_abstract(citation))

    year, pub_date = parse_pub_date(issue.get("PubDate"))
    if year is None:
        year, pub_date = _fallback_date(pub_date, art.get("ArticleDate"))

    ids = _article_ids(data.get("ArticleIdList"))
    doi = ""
    if "ELocationID" in art and article is not None:
        doi = _elocation_doi(article.iterchildren("ELocationID"))
    doi = doi or ids.get("doi", "")
    pmcid = ids.get("pmc", "") or ids.get("pmcid", "")
    if not pmcid and "OtherID" in cit:
        pmcid = _other_pmcid(citation)

    abbrev = _text(journal.get("ISOAbbreviation"))
    if not abbrev:
        abbrev = _text(_children(cit.get("MedlineJournalInfo")).get("MedlineTA"))
    keywords: list[str] = []
    if "KeywordList" in cit:
        keywords = _keywords(
            keyword
            for keyword_list in citation.iterchildren("KeywordList")
            for keyword in keyword_list.iterchildren("Keyword")
        )

    return Study(
        pmid=pmid,
        doi=normalize_doi(doi),
        pmcid=_pmcid(pmcid),
        title=title,
        title_html=title_html,
        abstract=abstract_text(sections),
        abstract_sections=sections,
        journal=_text(journal.get("Title")),
        journal_abbrev=abbrev,
        volume=_text(issue.get("Volume")),
        issue=_text(issue.get("Issue")),
        pages=_pages(art.get("Pagination")),
        year=year,
        pub_date=pub_date,
        authors=_authors(art.get("AuthorList")),
        publication_types=_texts(_list(art.get("PublicationTypeList"), "PublicationType")),
        mesh=_mesh_headings(cit.get("MeshHeadingList")),
        keywords=keywords,
        language=_text(art.get("Language")),
        comments_corrections=_comments(cit.get("CommentsCorrectionsList")),
        entrez_date=_history_date(data.get("History")),
        revised_date=_iso_date(cit.get("DateRevised")),
        status=citation.get("Status", ""),
        raw_record=raw,
        raw_format=RAW_FORMAT,
        source=source,
    )


def _book_article(el: etree._Element, source: str) -> Study:
    raw = _raw(el)
    doc = el.find("BookDocument")
    if doc is None:
        raise _missing(el, "BookDocument")
    pmid = _pmid_of(el, doc.find("PMID"))
    data = el.find("PubmedBookData")
    book = doc.find("Book")
    if book is None:
        book = etree.Element("Book")

    book_html, book_title = _fragment(book.find("BookTitle"))
    title_html, title = _fragment(doc.find("ArticleTitle"))
    if not title:
        title_html, title = _fragment(doc.find("VernacularTitle"))
    container = book_title
    if not title:  # a whole book, not a chapter
        title_html, title, container = book_html, book_title, ""

    year, pub_date = parse_pub_date(book.find("PubDate"))
    for other in (book.find("BeginningDate"), doc.find("ContributionDate")):
        if year is None:
            year, pub_date = _fallback_date(pub_date, other)

    authors = _first_authors(doc.iterfind("AuthorList")) or _first_authors(
        book.iterfind("AuthorList")
    )
    ids = _article_ids(data.find("ArticleIdList") if data is not None else None)
    ids.update(_article_ids(doc.find("ArticleIdList")))
    doi = _elocation_doi(book.iterfind("ELocationID")) or ids.get("doi", "")
    sections = _sections(doc.find("Abstract"))

    return Study(
        pmid=pmid,
        doi=normalize_doi(doi),
        pmcid=_pmcid(ids.get("pmc", "") or ids.get("pmcid", "")),
        title=title,
        title_html=title_html,
        abstract=abstract_text(sections),
        abstract_sections=sections,
        journal=container,
        volume=_text(book.find("Volume")),
        pages=_pages(doc.find("Pagination")),
        year=year,
        pub_date=pub_date,
        authors=authors,
        publication_types=_texts(doc.iterfind("PublicationType")),
        keywords=_keywords(doc.iterfind("KeywordList/Keyword")),
        language=_text(doc.find("Language")),
        entrez_date=_history_date(data.find("History") if data is not None else None),
        revised_date=_iso_date(doc.find("DateRevised")),
        raw_record=raw,
        raw_format=RAW_FORMAT,
        source=source,
    )


def _delete_citation(el: etree._Element, source: str) -> list[Study]:
    studies = []
    for pmid_el in el.iterfind("PMID"):
        pmid = _text(pmid_el)
        if pmid:
            pmid = _pmid_of(el, pmid_el)
            raw = b"<DeleteCitation>" + _raw(pmid_el) + b"</DeleteCitation>"
            studies.append(
                Study(
                    pmid=pmid,
                    deleted=True,
                    raw_record=raw,
                    raw_format=RAW_FORMAT,
                    source=source,
                )
            )
    return studies


# --------------------------------------------------------------------------- fields


def _text(el: etree._Element | None) -> str:
    """Whitespace-normalised text of a simple element (markup, if any, reduced to text)."""
    if el is None:
        return ""
    if len(el):
        return fragment_from_element(el)[1]
    text = el.text
    return clean_text(text) if text else ""


def _texts(elements: Iterable[etree._Element]) -> list[str]:
    return [t for t in map(_text, elements) if t]


def _fragment(el: etree._Element | None) -> tuple[str, str]:
    if el is None:
        return "", ""
    return fragment_from_element(el)


def _sections(abstract: etree._Element | None) -> list[AbstractSection]:
    """The AbstractText parts that have text."""
    if abstract is None:
        return []
    sections = []
    for part in abstract.iterchildren("AbstractText"):
        html, text = fragment_from_element(part)
        if text:
            sections.append(AbstractSection(
                text,
                " ".join(part.get("Label", "").split()),
                part.get("NlmCategory", "").strip(),
                html,
            ))
    return sections


def _other_abstract(citation: etree._Element) -> etree._Element | None:
    """An English OtherAbstract, for records whose own Abstract is missing."""
    for other in citation.iterfind("OtherAbstract"):
        if other.get("Language", "eng") == "eng":
            return other
    return None


def _pages(pagination: etree._Element | None) -> str:
    if pagination is None:
        return ""
    parts = _children(pagination)
    pages = _text(parts.get("MedlinePgn"))
    if pages:
        return pages
    start, end = _text(parts.get("StartPage")), _text(parts.get("EndPage"))
    return f"{start}-{end}" if start and end and end != start else start or end


#: The elements the author list is read from, found in document order by one C-level
#: ``iter`` (cheaper than walking each author's children from Python, or an XPath union).
_AUTHOR_TAGS = (
    "Author", "LastName", "ForeName", "Initials", "CollectiveName", "AffiliationInfo",
    "Affiliation",
)
_AUTHOR_FIELD = {"LastName": 0, "ForeName": 1, "Initials": 2, "CollectiveName": 3}


def _authors(author_list: etree._Element | None) -> list[Author]:
    """The ``Author`` children; of each, LastName, ForeName, Initials,
    CollectiveName and the Affiliation of its first AffiliationInfo (elements nested any
    deeper are ignored)."""
    if author_list is None:
        return []
    rows: list[list[str]] = []
    author = info = None  # the current Author and its first AffiliationInfo
    current: list[str] | None = None  # its fields; None for an invalid author
    for node in author_list.iter(_AUTHOR_TAGS):
        tag = node.tag
        if tag == "Author":
            if node.getparent() is author_list:
                author, info = node, None
                current = None if node.get("ValidYN") == "N" else ["", "", "", "", ""]
                if current is not None:
                    rows.append(current)
            continue
        if current is None:
            continue
        parent = node.getparent()  # the same proxy object as the one we hold, if any
        if tag == "AffiliationInfo":
            if info is None and parent is author:
                info = node
            continue
        if tag == "Affiliation":
            if info is None or parent is not info:
                continue
            index = 4
        elif parent is author:
            index = _AUTHOR_FIELD[tag]
        else:
            continue
        text = node.text
        current[index] = _text(node) if text is None or len(node) else clean_text(text)
    return [
        Author("", "", "", row[3], row[4]) if row[3] else Author(row[0], row[1], row[2], "", row[4])
        for row in rows
        if row[3] or row[0] or row[1]
    ]


def _first_authors(author_lists: Iterable[etree._Element]) -> list[Author]:
    """Authors from the first list that is not a list of editors."""
    for author_list in author_lists:
        if author_list.get("Type", "authors") != "editors":
            authors = _authors(author_list)
            if authors:
                return authors
    return []


_MESH_TAGS = ("MeshHeading", "DescriptorName", "QualifierName")


def _mesh_headings(heading_list: etree._Element | None) -> list[MeshHeading]:
    """MeSH headings; qualifiers belong to the descriptor before them (one per heading)."""
    if heading_list is None:
        return []
    result = []
    heading = None  # the current MeshHeading child of the list
    descriptor: list[Any] | None = None  # [name, major, ui, qualifiers]
    for node in heading_list.iter(_MESH_TAGS):
        tag = node.tag
        parent = node.getparent()
        if tag == "MeshHeading":
            if parent is heading_list:
                heading = node
            continue
        if heading is None or parent is not heading:
            continue  # only MeshHeading/DescriptorName and MeshHeading/QualifierName count
        text = node.text
        name = _text(node) if text is None or len(node) else clean_text(text)
        if tag == "DescriptorName":
            descriptor = [name, node.get("MajorTopicYN") == "Y", node.get("UI", ""), []]
            if name:
                result.append(descriptor)
        elif descriptor is not None and name:
            descriptor[3].append((name, node.get("MajorTopicYN") == "Y"))
    return [MeshHeading(name, major, ui, tuple(quals)) for name, major, ui, quals in result]


def _keywords(keywords: Iterable[etree._Element]) -> list[str]:
    seen: dict[str, None] = {}
    for keyword in keywords:
        text = _text(keyword)
        if text:
            seen.setdefault(text, None)
    return list(seen)


_COMMENT_TAGS = ("CommentsCorrections", "RefSource", "PMID")


def _comments(comment_list: etree._Element | None) -> list[CommentCorrection]:
    """CommentsCorrections entries (RetractionIn, ErratumIn, ... and Cites), in order:
    the RefType, RefSource and PMID of each CommentsCorrections child of the list."""
    if comment_list is None:
        return []
    rows: list[list[str]] = []
    entry = None  # the current CommentsCorrections child of the list
    for node in comment_list.iter(_COMMENT_TAGS):
        tag = node.tag
        parent = node.getparent()
        if tag == "CommentsCorrections":
            if parent is comment_list:
                entry = node
                rows.append([node.get("RefType", ""), "", ""])
        elif entry is not None and parent is entry:
            text = node.text
            value = _text(node) if text is None or len(node) else clean_text(text)
            rows[-1][1 if tag == "RefSource" else 2] = value
    return [CommentCorrection(ref_type, source, pmid) for ref_type, source, pmid in rows]


def _article_ids(id_list: etree._Element | None) -> dict[str, str]:
    ids: dict[str, str] = {}
    if id_list is not None:
        for article_id in id_list.iterchildren("ArticleId"):
            value = _text(article_id)
            if value:
                ids.setdefault(article_id.get("IdType", "pubmed"), value)
    return ids


def _elocation_doi(elocations: Iterable[etree._Element]) -> str:
    for location in elocations:
        if location.get("EIdType") == "doi" and location.get("ValidYN", "Y") != "N":
            doi = _text(location)
            if doi:
                return doi
    return ""


def _other_pmcid(citation: etree._Element) -> str:
    for other in citation.iterfind("OtherID"):
        value = _text(other)
        if value.upper().startswith("PMC") and value[3:].strip().isdigit():
            return value
    return ""


# --------------------------------------------------------------------------- dates


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def parse_pub_date(el: etree._Element | None) -> tuple[int | None, str]:
    """``(year, pub_date)`` from a PubDate-shaped element.

    ``<Year>2021</Year><Month>Mar</Month>`` -> ``(2021, "2021-03")``; a Season gives
    ``"1990 Spring"``; ``<MedlineDate>1998 Dec-1999 Jan</MedlineDate>`` gives
    ``(1998, "1998 Dec-1999 Jan")``.
    """
    if el is None:
        return None, ""
    parts = _children(el)  # only the parts used are read (not Hour, Minute ...)
    year = _int(_text(parts.get("Year")))
    if year is None:
        medline_date = _text(parts.get("MedlineDate"))
        if medline_date:
            return year_in(medline_date), medline_date
        return None, ""
    season = _text(parts.get("Season"))
    if season:
        return year, f"{year} {season}"
    month = month_number(_text(parts.get("Month")))
    if month is None:
        return year, f"{year:04d}"
    day = _int(_text(parts.get("Day")))
    if day is not None and is_valid_date(year, month, day):
        return year, f"{year:04d}-{month:02d}-{day:02d}"
    return year, f"{year:04d}-{month:02d}"


def _fallback_date(pub_date: str, el: etree._Element | None) -> tuple[int | None, str]:
    """The date from ``el`` if it has a year, else keep the year-less ``pub_date``."""
    year, other = parse_pub_date(el)
    return (year, other) if year is not None else (None, pub_date)


def _iso_date(el: etree._Element | None) -> str:
    """ISO date (as precise as the element allows) of a Year/Month/Day element."""
    return parse_pub_date(el)[1] if el is not None else ""


def _history_date(history: etree._Element | None) -> str:
    """The date PubMed first listed the record: PubStatus 'entrez', else 'pubmed'."""
    if history is None:
        return ""
    fallback = None  # read only if there is no 'entrez' date (it usually comes later)
    for date in history.iterchildren("PubMedPubDate"):
        status = date.get("PubStatus")
        if status == "entrez":
            return _iso_date(date)
        if status == "pubmed" and fallback is None:
            fallback = date
    return _iso_date(fallback)
