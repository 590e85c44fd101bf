"""MEDLINE / NBIB text records (PubMed's "MEDLINE" format) as Study objects.

Each record is split off the input with its exact text (kept as ``raw_record``), checked
line by line, and handed to ``Bio.Medline`` for the field dictionary. ``Bio.Medline`` keeps
no order between different tags and raises ``KeyError`` on malformed input, so this module
reads the order-dependent parts (which affiliation belongs to which author, multi-line
values of list fields) from the checked lines itself and reports every malformed input as
:class:`MedlineParseError` with the record and line number.

>>> text = "PMID- 1\\nTI  - A title\\n      over two lines.\\nDP  - 2021 Mar 14\\n"
>>> [(s.pmid, s.title, s.pub_date) for s in iter_medline(text)]
[('1', 'A title over two lines.', '2021-03-14')]
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Iterable, Iterator
from typing import IO, Literal, TypeAlias

from Bio import Medline

from evidence_tracker.domain.abstracts import abstract_sections, abstract_text
from evidence_tracker.domain.corrections import REF_TYPES
from evidence_tracker.domain.dates import is_valid_date, month_number, year_in
from evidence_tracker.domain.identifiers import is_pmcid, is_pmid, normalize_pmcid
from evidence_tracker.domain.markup import fragment_from_text, normalize_space
from evidence_tracker.domain.models import (
    Author,
    CommentCorrection,
    MeshHeading,
    Study,
)

__all__ = ["MedlineParseError", "MedlineSource", "detect_format", "iter_medline"]

#: A path, the text itself (str containing a record), bytes, or a text/binary file object.
MedlineSource: TypeAlias = str | os.PathLike[str] | bytes | bytearray | IO[str] | IO[bytes]

RAW_FORMAT = "medline"

#: A tag line: ``TAG - value`` with the tag padded to four characters, or a four-letter
#: tag right against its hyphen (``PMID-123``, as some exporters write it).
_TAG_LINE = re.compile(r"([A-Z][A-Z0-9]{0,3}) {0,3}-(?: (.*)|\s*)$|([A-Z][A-Z0-9]{3})-(\S.*)$")
_REF = re.compile(r"^(.*?)\.?\s*PMID:\s*(\d+)\s*$")
_ID_TYPE = re.compile(r"^(.*?)\s*\[([a-z-]+)\]\s*$")
_DP = re.compile(r"^(\d{4})(?: ([A-Za-z]{3,9})\.?(?: (\d{1,2}))?)?$")
#: The largest record read; a larger one is refused rather than held in memory (no real
#: record comes near: one with 3,000 authors and their affiliations is a few MB).
MAX_RECORD_BYTES = 16 * 2**20
#: The databases whose records have no PMID (``OWN - ERIC``); NLM's always have one.
_NLM = "NLM"


class MedlineParseError(ValueError):
    """The input is not well-formed MEDLINE text; the message gives record and line."""


def _tag_value(line: str) -> tuple[str, str] | None:
    """``(tag, value)`` of a tag line, None for any other line (the same rule for format
    detection and parsing)."""
    match = _TAG_LINE.match(line)
    if match is None:
        return None
    if match.group(1) is not None:
        return match.group(1), (match.group(2) or "").strip()
    return match.group(3), match.group(4).strip()


# --------------------------------------------------------------------------- format sniffing


def detect_format(first_bytes: bytes | str) -> Literal["pubmed-xml", "medline"] | None:
    """Guess the format from the first bytes of a file (a few KB is plenty).

    Returns ``"pubmed-xml"`` for PubMed XML (EFetch, baseline), ``"medline"`` for
    MEDLINE/NBIB text, ``None`` for anything else (other XML, RIS, HTML ...).
    """
    if isinstance(first_bytes, str):
        head = first_bytes.lstrip("\ufeff \t\r\n")
    else:
        data = first_bytes
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        head = data.decode("utf-8", errors="replace").lstrip(" \t\r\n")
    if head.startswith("<"):
        return (
            "pubmed-xml"
            if re.search(
                r"<(?:!DOCTYPE\s+)?(?:PubmedArticleSet|PubmedArticle|PubmedBookArticleSet|"
                r"PubmedBookArticle)\b",
                head,
            )
            else None
        )
    lines = [line.rstrip("\r") for line in head.split("\n")[:30] if line.strip()]
    for n, line in enumerate(lines):
        pair = _tag_value(line)
        if pair is not None and pair[0] == "PMID" and is_pmid(pair[1]):
            return "medline"
        if n == 0 and pair is not None and pair[0] == "OWN" and pair[1] not in ("", _NLM) \
                and all(_tag_value(other) or other[:1].isspace() for other in lines):
            return "medline"  # another database's records (ERIC): no PMID
        if not (pair or line[:1].isspace()) or (pair is not None and pair[0] == "TY"):
            return None
    return None


# --------------------------------------------------------------------------- reading


def iter_medline(source: MedlineSource, *, record_source: str = "pubmed") -> Iterator[Study]:
    """Yield a Study per MEDLINE record (records are separated by blank lines).

    ``source`` is a path, the MEDLINE text itself, bytes (UTF-8), or a text or binary file
    object. Malformed input raises :class:`MedlineParseError` after the records before it
    have been yielded.
    """
    lines, name, closer = _open_source(source)
    try:
        for number, (start, raw_lines) in enumerate(_split_records(lines, name), start=1):
            fields = _fields(raw_lines, start, number, name)
            try:
                record = Medline.read([f"{tag:<4}- {value}\n" for tag, value in fields])
            except (KeyError, ValueError, IndexError, StopIteration) as exc:  # pragma: no cover
                raise MedlineParseError(
                    f"{name}: MEDLINE record {number} (line {start}): {exc!r}"
                ) from exc
            pmid = str(record.get("PMID", "")).strip()
            owner = str(record.get("OWN", "")).strip()
            if not is_pmid(pmid) and (pmid or owner in ("", _NLM)):
                # Records of other databases (``OWN - ERIC``) have no PMID; NLM's must.
                raise MedlineParseError(
                    f"{name}: MEDLINE record {number} (line {start}) has no valid PMID "
                    f"({pmid!r}); is this MEDLINE/NBIB text?"
                )
            raw = "".join(raw_lines).encode("utf-8")
            yield _study(record, fields, raw, record_source)
    finally:
        if closer is not None:
            closer.close()


def _open_source(source: MedlineSource) -> tuple[Iterable[str], str, IO[bytes] | IO[str] | None]:
    if isinstance(source, (bytes, bytearray)):
        return _lines_of(_decode(bytes(source), "<bytes>")), "<bytes>", None
    if isinstance(source, str) and (
        "\n" in source or not source.strip() or _TAG_LINE.match(source.lstrip("\ufeff"))
    ):
        return _lines_of(source.lstrip("\ufeff")), "<text>", None
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        binary = open(path, "rb")  # noqa: SIM115 - closed by the generator
        return _decoded_lines(binary, path), path, binary
    if isinstance(source, io.TextIOBase):
        return source, str(getattr(source, "name", "<stream>")), None
    if hasattr(source, "read"):
        name = str(getattr(source, "name", "<stream>"))
        return _decoded_lines(source, name), name, None  # type: ignore[arg-type]
    raise TypeError(f"iter_medline cannot read a {type(source).__name__}")


def _lines_of(text: str) -> Iterator[str]:
    """Lines with their ends; only LF ends a line (a CRLF line keeps its CR)."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MedlineParseError(f"{name}: not UTF-8 text (line {line}, byte {exc.start})") from exc


def _decoded_lines(binary: IO[bytes], name: str) -> Iterator[str]:
    """Decode UTF-8 (with or without BOM) incrementally, yielding lines with their ends."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    number = 0
    pending = ""
    while True:
        chunk = binary.read(64 * 1024)
        try:
            pending += decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise MedlineParseError(
                f"{name}: not UTF-8 text (after line {number + pending.count(chr(10))})"
            ) from exc
        *lines, pending = pending.split("\n")  # only LF ends a line (CRLF keeps its CR)
        for line in lines:
            number += 1
            yield line + "\n"
        if not chunk:
            if pending:
                yield pending
            return


def _split_records(lines: Iterable[str], name: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first line number, raw lines)`` for each record."""
    current: list[str] = []
    start = 0
    size = 0
    has_pmid = False
    try:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                if current:
                    yield start, current
                current, has_pmid, size = [], False, 0
                continue
            if line.startswith("PMID-") and has_pmid:  # records not separated by a blank line
                yield start, current
                current, has_pmid, size = [], False, 0
            if not current:
                start = number
            has_pmid = has_pmid or line.startswith("PMID-")
            size += len(line)
            if size > MAX_RECORD_BYTES:
                raise MedlineParseError(
                    f"{name}: the MEDLINE record at line {start} is larger than "
                    f"{MAX_RECORD_BYTES // 2**20} MB; no MEDLINE record is that large")
            current.append(line)
    except UnicodeDecodeError as exc:
        raise MedlineParseError(f"{name}: not UTF-8 text ({exc.reason})") from exc
    if current:
        yield start, current


def _fields(raw_lines: list[str], start: int, number: int, name: str) -> list[tuple[str, str]]:
    """The record's ``(tag, value)`` pairs in order, continuation lines folded in."""
    # Each field's parts are joined once at the end: joining on every continuation line
    # would copy the whole field again each time (quadratic in its length).
    fields: list[tuple[str, list[str]]] = []
    for offset, raw in enumerate(raw_lines):
        line = raw.rstrip("\r\n").lstrip("\ufeff") if offset == 0 else raw.rstrip("\r\n")
        if line[:1].isspace():
            if not fields:
                raise MedlineParseError(
                    f"{name}: MEDLINE record {number} (line {start + offset}) starts with a "
                    "continuation line"
                )
            part = line.strip()
            if part:
                fields[-1][1].append(part)
            continue
        pair = _tag_value(line)
        if pair is None:
            shown = line if len(line) <= 60 else line[:57] + "..."
            raise MedlineParseError(
                f"{name}: MEDLINE record {number} (line {start + offset}): expected "
                f"'TAG - value', got {shown!r}"
            )
        fields.append((pair[0], [pair[1]] if pair[1] else []))
    return [(tag, " ".join(parts)) for tag, parts in fields]


# --------------------------------------------------------------------------- fields


def _study(
    record: dict[str, object], fields: list[tuple[str, str]], raw: bytes, record_source: str
) -> Study:
    def text(key: str) -> str:
        value = record.get(key, "")
        if isinstance(value, list):
            value = " ".join(value)
        return normalize_space(str(value))

    def values(key: str) -> list[str]:
        return [normalize_space(v) for t, v in fields if t == key and v.strip()]

    title = text("TI") or text("TT")
    container = text("JT")
    if text("BTI"):  # a book or book chapter
        if title:
            container = container or text("BTI")
        else:
            title = text("BTI")
    title_html, title = fragment_from_text(title)
    sections = abstract_sections(text("AB"))
    year, pub_date = _medline_date(text("DP"))

    ids = [_ID_TYPE.match(v) for v in values("AID") + values("LID")]
    doi = next((m.group(1) for m in ids if m and m.group(2) == "doi"), "")
    pmcid = normalize_pmcid(text("PMC").split(" ")[0]) if text("PMC") else ""
    pmcid = pmcid if is_pmcid(pmcid) else ""  # a malformed PMCID is left out

    return Study(
        pmid=text("PMID"),
        doi=doi,
        pmcid=pmcid,
        title=title,
        title_html=title_html,
        abstract=abstract_text(sections),
        abstract_sections=sections,
        journal=container,
        journal_abbrev=text("TA"),
        volume=text("VI"),
        issue=text("IP"),
        pages=text("PG"),
        year=year,
        pub_date=pub_date,
        authors=_authors(fields),
        publication_types=list(dict.fromkeys(values("PT"))),
        mesh=[_mesh(v) for v in values("MH")],
        keywords=list(dict.fromkeys(values("OT"))),
        language=(values("LA") or [""])[0],
        comments_corrections=_comments(fields),
        entrez_date=_slash_date(text("EDAT")),
        revised_date=_compact_date(text("LR")),
        status=text("STAT"),
        raw_record=raw,
        raw_format=RAW_FORMAT,
        source=record_source,
    )


def _authors(fields: list[tuple[str, str]]) -> list[Author]:
    """Authors in order, with the first affiliation (AD) that follows each of them."""
    people: list[dict[str, str]] = []
    early_affiliation = ""  # old records give one AD before the author list
    waiting_au = False
    for tag, value in fields:
        value = normalize_space(value)
        if not value:
            continue
        if tag == "FAU":
            last, _, fore = value.partition(",")
            people.append({"last_name": last.strip(), "fore_name": fore.strip()})
            waiting_au = True
        elif tag == "AU":
            if waiting_au and people:
                people[-1]["initials"] = _initials(value, people[-1]["last_name"])
            elif "," in value:  # 'van Groen, Maaike M.' (ERIC writes full names in AU)
                last, _, fore = value.partition(",")
                fore = fore.strip()
                initials = "".join(p[0].upper() for p in re.split(r"[\s.\-]+", fore)
                                   if p and p[0].isalpha())
                people.append({"last_name": last.strip(), "fore_name": fore,
                               "initials": initials})
            else:
                last, _, initials = value.rpartition(" ")
                if not last or not initials.isupper():
                    last, initials = value, ""
                people.append({"last_name": last, "initials": initials})
            waiting_au = False
        elif tag == "CN":
            people.append({"collective_name": value})
            waiting_au = False
        elif tag == "AD":
            if not people:
                early_affiliation = early_affiliation or value
            elif not people[-1].get("affiliation"):
                people[-1]["affiliation"] = value
    if early_affiliation and people and not people[0].get("affiliation"):
        people[0]["affiliation"] = early_affiliation
    return [Author(**person) for person in people]


def _initials(au: str, last_name: str) -> str:
    if last_name and au.startswith(last_name):
        return au[len(last_name) :].strip()
    tail = au.rpartition(" ")[2]
    return tail if tail.isupper() else ""


def _mesh(value: str) -> MeshHeading:
    """'Ablation/adverse effects/*methods' -> descriptor, qualifiers with major flags."""
    descriptor, *qualifiers = value.split("/")
    major = descriptor.startswith("*")
    return MeshHeading(
        descriptor=descriptor.lstrip("*").strip(),
        major=major,
        qualifiers=tuple((q.lstrip("*").strip(), q.startswith("*")) for q in qualifiers),
    )


def _comments(fields: list[tuple[str, str]]) -> list[CommentCorrection]:
    result = []
    for tag, value in fields:
        ref_type = REF_TYPES.get(tag)
        if ref_type is None or not value.strip():
            continue
        value = normalize_space(value)
        match = _REF.match(value)
        source, pmid = (match.group(1), match.group(2)) if match else (value, "")
        result.append(CommentCorrection(ref_type=ref_type, ref_source=source, pmid=pmid))
    return result


# --------------------------------------------------------------------------- dates


def _medline_date(dp: str) -> tuple[int | None, str]:
    """'2002 Sep' -> (2002, '2002-09'); '1998 Dec-1999 Jan' -> (1998, the text)."""
    if not dp:
        return None, ""
    match = _DP.match(dp)
    if match:
        year = int(match.group(1))
        month = month_number(match.group(2) or "")
        if match.group(2) is None:
            return year, f"{year:04d}"
        if month is not None:
            day = int(match.group(3)) if match.group(3) else None
            if day is not None and is_valid_date(year, month, day):
                return year, f"{year:04d}-{month:02d}-{day:02d}"
            return year, f"{year:04d}-{month:02d}"
    return year_in(dp), dp


def _slash_date(value: str) -> str:
    """'2002/09/17 10:00' -> '2002-09-17'."""
    match = re.match(r"(\d{4})/(\d{1,2})/(\d{1,2})", value)
    if not match:
        return ""
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}" if is_valid_date(year, month, day) else ""


def _compact_date(value: str) -> str:
    """'20041117' -> '2004-11-17'."""
    match = re.match(r"(\d{4})(\d{2})(\d{2})$", value)
    if not match:
        return ""
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}" if is_valid_date(year, month, day) else ""
