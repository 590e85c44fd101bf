"""CSL-JSON (the Citation Style Language's data format): write, read, and the citation input.

Standard variables carry what CSL knows (title, container-title, author, issued, DOI, PMID,
PMCID, ...). What CSL has no variable for (MeSH headings, publication types, author
initials and affiliations, retraction notices, the exact publication date text) goes into
the item's ``custom`` object under ``evidence-tracker``, so our own reader gets every field
back while other tools ignore it.
"""

from __future__ import annotations

import codecs
import html
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import msgspec

from evidence_tracker.domain import dates
from evidence_tracker.domain.abstracts import abstract_sections, abstract_text
from evidence_tracker.domain.identifiers import doi_url, normalize_doi, pubmed_url
from evidence_tracker.domain.markup import normalize_space, plain_text, sanitize_html
from evidence_tracker.domain.models import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    Study,
)
from evidence_tracker.formats import fields
from evidence_tracker.formats.fields import FormatError

RAW_FORMAT = "csl-json"
CUSTOM_KEY = "evidence-tracker"


def _names(authors: Iterable[Author]) -> list[dict[str, str]]:
    out = []
    for a in authors:
        if a.collective_name:
            out.append({"literal": a.collective_name})
        else:
            out.append({"family": a.last_name, "given": fields.given_name(a)})
    return out


def _issued(study: Study) -> dict[str, Any] | None:
    parts = dates.date_parts(study.pub_date)
    if parts:
        return {"date-parts": [parts]}
    if study.year:
        return {"date-parts": [[study.year]]}
    return None


def item_type(study: Study) -> str:
    return "article-journal" if study.journal or study.journal_abbrev else "article"


def study_to_csl(study: Study, item_id: str) -> dict[str, Any]:
    """One CSL-JSON item; empty variables are left out."""
    item: dict[str, Any] = {
        "id": item_id,
        "type": item_type(study),
        "title": study.title,
        "container-title": study.journal or study.journal_abbrev,
        "container-title-short": study.journal_abbrev,
        "volume": study.volume,
        "issue": study.issue,
        "page": study.pages,
        "issued": _issued(study),
        "author": _names(study.authors),
        "DOI": study.doi,
        "PMID": study.pmid,
        "PMCID": study.pmcid,
        "abstract": study.abstract,
        "keyword": ", ".join(study.keywords),
        "language": study.language,
        "URL": pubmed_url(study.pmid) or doi_url(study.doi),
    }
    item = {k: v for k, v in item.items() if v}
    item["custom"] = {CUSTOM_KEY: {
        "authors": [msgspec.structs.asdict(a) for a in study.authors],
        "keywords": list(study.keywords),
        "mesh": [{"descriptor": m.descriptor, "major": m.major, "ui": m.ui,
                  "qualifiers": [list(q) for q in m.qualifiers]} for m in study.mesh],
        "publication_types": list(study.publication_types),
        "comments_corrections": [msgspec.structs.asdict(c)
                                 for c in study.comments_corrections],
        "pub_date": study.pub_date,
        "year": study.year,
        "abstract_sections": [{"label": s.label, "nlm_category": s.nlm_category,
                               "text": s.text} for s in study.abstract_sections],
        "journal": study.journal,
    }}
    return item


def citation_item(study: Study, item_id: str) -> dict[str, Any]:
    """The item a citation processor is given: standard variables only; authors by their
    PubMed initials, which the styles print as they are."""
    item = study_to_csl(study, item_id)
    item.pop("custom", None)
    for key in ("abstract", "keyword", "language", "URL", "PMCID", "PMID"):
        item.pop(key, None)
    if item.get("page"):
        item["page"] = fields.expand_pages(item["page"])
    item["author"] = [
        {"literal": a.collective_name} if a.collective_name
        else {"family": a.last_name, "given": " ".join(a.initials) if a.initials
              else a.fore_name}
        for a in study.authors
    ]
    if not item["author"]:
        del item["author"]
    return item


def write_csljson(studies: Iterable[Study], out: IO[str], *, ids: Iterable[str] = ()) -> int:
    """Write a JSON array of items (ids from ``ids``, else the PMID/DOI/position)."""
    given = iter(ids)
    count = 0
    # Item by item (flat memory), in the text ``json.dump(items, indent=2)`` gives: each
    # item indented one level (JSON text has no raw line breaks to get in the way).
    for n, study in enumerate(studies, start=1):
        item_id = next(given, "") or study.pmid or study.doi or f"item{n}"
        item = json.dumps(study_to_csl(study, item_id), ensure_ascii=False, indent=2)
        out.write(("[\n  " if n == 1 else ",\n  ") + item.replace("\n", "\n  "))
        count = n
    out.write("\n]\n" if count else "[]\n")
    return count


# -- reading -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A variable's text: strings and numbers as they are, a list's scalars joined;
    objects (and lists in lists) are no text."""
    if value is None or isinstance(value, dict | bool):
        return ""
    if isinstance(value, list):
        return normalize_space(" ".join(_text(v) for v in value if not isinstance(v, list)))
    return str(value).strip()


def _date_part(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii() \
            and len(value.strip()) <= 4:
        value = int(value)
    return value if isinstance(value, int) else None


def _authors(names: Any) -> list[Author]:
    out = []
    for name in names if isinstance(names, list) else []:
        if not isinstance(name, dict):
            continue
        if name.get("literal"):
            out.append(Author(collective_name=normalize_space(str(name["literal"]))))
            continue
        family = " ".join(_text(name.get(k)) for k in ("non-dropping-particle", "family")
                          if name.get(k))
        given = " ".join(_text(name.get(k)) for k in ("given", "dropping-particle")
                         if name.get(k))
        if family or given:
            out.append(fields.person(family, given))
    return out


def _date(issued: Any) -> tuple[int | None, str]:
    if not isinstance(issued, dict):
        return None, ""
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        first = []
        for part, top in zip(parts[0][:3], (9999, 12, 31), strict=False):
            number = _date_part(part)
            if number is None or not 0 < number <= top:
                break
            first.append(number)
        if first:
            return first[0], dates.iso_date(first)
    text = _text(issued.get("raw") or issued.get("literal"))
    year = next((int(t) for t in text.replace("-", " ").split() if t.isdigit()
                 and len(t) == 4), None)
    return year, text


def _custom_study(study: Study, custom: dict[str, Any]) -> None:
    """Restore what only our own files carry (``custom.evidence-tracker``)."""
    if isinstance(custom.get("authors"), list):
        known = Author.__struct_fields__
        study.authors = [Author(**{k: _text(v) for k, v in a.items() if k in known})
                         for a in custom["authors"] if isinstance(a, dict)]
    for key in ("keywords", "publication_types"):
        if isinstance(custom.get(key), list):
            setattr(study, key, [_text(v) for v in custom[key] if _text(v)])
    if isinstance(custom.get("mesh"), list):
        study.mesh = [
            MeshHeading(descriptor=_text(m.get("descriptor")), major=bool(m.get("major")),
                        ui=_text(m.get("ui")),
                        qualifiers=tuple((_text(q[0]), bool(q[1]))
                                         for q in m.get("qualifiers") or []
                                         if isinstance(q, list) and len(q) == 2))
            for m in custom["mesh"] if isinstance(m, dict)
        ]
    if isinstance(custom.get("comments_corrections"), list):
        study.comments_corrections = [
            CommentCorrection(ref_type=_text(c.get("ref_type")),
                              ref_source=_text(c.get("ref_source")), pmid=_text(c.get("pmid")))
            for c in custom["comments_corrections"] if isinstance(c, dict)
        ]
    if isinstance(custom.get("pub_date"), str):
        study.pub_date = custom["pub_date"]
    if "year" in custom:
        year = _date_part(custom["year"])
        if custom["year"] is None or (year is not None and 0 < year <= 9999):
            study.year = year
    if isinstance(custom.get("journal"), str):
        study.journal = custom["journal"]
    if isinstance(custom.get("abstract_sections"), list):
        sections = [AbstractSection(text=_text(s.get("text")), label=_text(s.get("label")),
                                    nlm_category=_text(s.get("nlm_category")))
                    for s in custom["abstract_sections"] if isinstance(s, dict)]
        study.abstract_sections = sections
        study.abstract = abstract_text(sections)


def csl_to_study(item: dict[str, Any], *, source: str = "", raw: bytes = b"") -> Study:
    """A Study from one CSL-JSON item."""
    title_html, title = rich_title(_text(item.get("title")))
    year, pub_date = _date(item.get("issued"))
    abstract = _text(item.get("abstract"))
    sections = abstract_sections(abstract)
    keywords = [k.strip() for k in _text(item.get("keyword")).split(",") if k.strip()]
    pmid = _text(item.get("PMID"))
    study = Study(
        pmid=pmid if pmid.isdigit() and pmid.isascii() else "",
        doi=normalize_doi(_text(item.get("DOI"))),
        pmcid=_text(item.get("PMCID")),
        title=title,
        title_html=title_html,
        abstract=abstract_text(sections),
        abstract_sections=sections,
        journal=_text(item.get("container-title")),
        journal_abbrev=_text(item.get("container-title-short") or item.get("journalAbbreviation")),
        volume=_text(item.get("volume")),
        issue=_text(item.get("issue")),
        pages=_text(item.get("page")),
        year=year,
        pub_date=pub_date,
        authors=_authors(item.get("author")),
        keywords=keywords,
        language=_text(item.get("language")),
        raw_record=raw,
        raw_format=RAW_FORMAT,
        source=source,
    )
    custom = item.get("custom")
    if isinstance(custom, dict) and isinstance(custom.get(CUSTOM_KEY), dict):
        _custom_study(study, custom[CUSTOM_KEY])
    return study


#: CSL-JSON items are a few levels deep (item, author list, name); more is not an item.
MAX_DEPTH = 32
#: Integers longer than this are no year, volume or page (Python refuses > 4,300 digits).
MAX_DIGITS = 30
_CHUNK = 1 << 20
_WS = re.compile(r"[ \t\n\r]*")
#: Parse errors that more text may mend (the buffer ended inside the value).
_MAYBE_CUT = ("Unterminated string", "Expecting")


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise FormatError(f"a number of {digits} digits (a CSL-JSON number is a year, a "
                          "volume or a page)")
    return int(text)


def _constant(name: str) -> Any:
    raise FormatError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_int=_int, parse_constant=_constant)


def _too_deep(value: Any) -> bool:
    """Whether ``value`` nests more than :data:`MAX_DEPTH` levels (without recursing)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return False


def _chunks(data: str | bytes | IO[Any] | Path) -> Iterator[str]:
    """The text of a document in pieces of about :data:`_CHUNK` characters."""
    if isinstance(data, Path):
        with data.open("rb") as fh:
            yield from _chunks(fh)
        return
    if isinstance(data, str):
        for start in range(0, len(data), _CHUNK):
            yield data[start:start + _CHUNK]
        return
    if isinstance(data, bytes):
        data = io.BytesIO(data)
    head: str | bytes = data.read(_CHUNK)
    if isinstance(head, str):
        while head:
            yield str(head)
            head = data.read(_CHUNK)
        return
    encoding = json.detect_encoding(head)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while head:
            yield decoder.decode(bytes(head))
            head = data.read(_CHUNK)
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise FormatError(f"not {encoding.upper().removesuffix('-SIG')} text ({exc.reason})"
                          ) from exc


class _Items:
    """The items of a CSL-JSON document (an array of items, or one item), parsed one at a
    time from a buffer of the text: memory holds one item and a chunk, not the file."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self.chunks = chunks
        self.buf = ""
        self.base = 0  # where self.buf starts in the document
        self.eof = False

    def _fill(self) -> bool:
        chunk = next(self.chunks, None)
        if chunk is None:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _skip(self, pos: int) -> int:
        """The position of the next non-space character (len(buf) only at the end)."""
        while True:
            pos = _WS.match(self.buf, pos).end()  # type: ignore[union-attr]
            if pos < len(self.buf) or not self._fill():
                return pos

    def _drop(self, pos: int) -> int:
        self.base += pos
        self.buf = self.buf[pos:]
        return 0

    def _error(self, what: str, pos: int) -> FormatError:
        return FormatError(f"not valid JSON ({what} at character {self.base + pos + 1})")

    def _value(self, pos: int, n: int) -> tuple[Any, int]:
        while True:
            want = 2 * (len(self.buf) - pos)  # read ahead doubling: linear however long
            try:
                return _DECODER.raw_decode(self.buf, pos)
            except json.JSONDecodeError as exc:
                if self.eof or not exc.msg.startswith(_MAYBE_CUT):
                    raise self._error(exc.msg, exc.pos) from exc
                while len(self.buf) - pos < want and self._fill():
                    pass
            except RecursionError as exc:
                raise FormatError(f"item {n} is nested too deeply to be a CSL-JSON item "
                                  f"(more than {MAX_DEPTH} levels)") from exc
            except FormatError as exc:
                raise FormatError(f"item {n}: {exc}") from exc

    def __iter__(self) -> Iterator[Any]:
        pos = self._skip(0)
        if pos < len(self.buf) and self.buf[pos] == "[":
            pos = self._skip(pos + 1)
            n = 0
            while pos < len(self.buf) and self.buf[pos] != "]":
                n += 1
                item, pos = self._value(pos, n)
                yield item
                pos = self._skip(self._drop(pos))
                if pos < len(self.buf) and self.buf[pos] == ",":
                    pos = self._skip(pos + 1)
                elif pos < len(self.buf) and self.buf[pos] != "]":
                    raise self._error("expecting ',' or ']' after an item", pos)
            if pos >= len(self.buf):
                raise self._error("the array is not closed", pos)
            pos += 1
        elif pos < len(self.buf):
            item, pos = self._value(pos, 1)
            yield item
        else:
            raise self._error("no JSON value", pos)
        if self._skip(pos) < len(self.buf):
            raise self._error("extra data after the items", self._skip(pos))


def _checked(data: str | bytes | IO[Any] | Path) -> Iterator[tuple[int, dict[str, Any], bytes]]:
    """(position, item, raw record) of each item; a file that is not CSL-JSON is a
    FormatError saying where."""
    for n, item in enumerate(_Items(_chunks(data)), start=1):
        if not isinstance(item, dict):
            raise FormatError(f"item {n} is not a CSL-JSON item (an object), but "
                              f"{type(item).__name__}")
        if _too_deep(item):
            raise FormatError(f"item {n} is nested too deeply to be a CSL-JSON item "
                              f"(more than {MAX_DEPTH} levels)")
        text = json.dumps(item, ensure_ascii=False, sort_keys=True)
        try:
            raw = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise FormatError(
                f"item {n} holds an unpaired surrogate ("
                "\\u" f"{ord(text[exc.start]):04x}): half of a character, not text") from exc
        yield n, item, raw


def read_csljson(data: str | bytes | IO[Any] | Path, *, source: str = "") -> Iterator[Study]:
    """Studies from a CSL-JSON document (an array of items, or one item): its text, its
    bytes, a seekable file or a path (read in chunks, one item in memory at a time).

    The whole document is checked before the first study: a file that is not valid is
    refused before anything is imported. An item with no title, DOI or PMID is still a
    study (empty): the importer skips and reports it.
    """
    start = None if isinstance(data, str | bytes | Path) else data.tell()
    for _ in _checked(data):
        pass
    if start is not None and not isinstance(data, str | bytes | Path):
        data.seek(start)
    for _n, item, raw in _checked(data):
        yield csl_to_study(item, source=source, raw=raw)


def rich_title(text: str) -> tuple[str, str]:
    """(html, plain) of a CSL-JSON title: CSL's rich-text tags (``<i> <b> <sup> <sub>``,
    ``<span class="nocase">``, small caps) are markup, anything else is text.

    >>> rich_title('<i>In vivo</i> H<sub>2</sub>O <span class="nocase">mRNA</span> p<0.05')
    ('<i>In vivo</i> H<sub>2</sub>O mRNA p&lt;0.05', 'In vivo H2O mRNA p<0.05')
    """
    out, pos = [], 0
    for tag in _CSL_TAG.finditer(text):
        out.append(html.escape(text[pos:tag.start()], quote=False))
        name = tag.group(2).lower()
        if name in ("i", "b", "sup", "sub"):
            out.append(f"<{tag.group(1)}{name}>")
        pos = tag.end()
    out.append(html.escape(text[pos:], quote=False))
    fragment = "".join(out)
    return sanitize_html(fragment), plain_text(fragment)


#: CSL's rich-text markup (https://citeproc-js.readthedocs.io, "Rich text").
_CSL_TAG = re.compile(r"<(/?)(i|b|sup|sub|sc|span)(?:\s+(?:class|style)=\"[^\"<>]*\")?\s*>",
                      re.I)
