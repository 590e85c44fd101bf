"""Constants of NCBI's E-utilities, reply types and the parsing of ESearch/EFetch replies."""

from __future__ import annotations

import email.utils
import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from lxml import etree

from evidence_tracker.domain.models import Study
from evidence_tracker.pubmed.eutils.errors import (
    EutilsQueryError,
    EutilsServerError,
    HistoryExpired,
    _Transient,
)
from evidence_tracker.pubmed.parser import read_reply

logger = logging.getLogger(__name__)

ENV_BASE_URL = "EVIDENCE_TRACKER_EUTILS_URL"
DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
#: ESearch (and EFetch through the history server) reach only the first 9,999 PubMed records.
PUBMED_MAX_RETRIEVABLE = 9999
#: EFetch accepts at most this many records per request.
EFETCH_MAX_BATCH = 10_000
#: Date range used when a search must be split but the caller gave no bounds.
EARLIEST_DATE = date(1800, 1, 1)
LATEST_DATE = date(3000, 1, 1)

DateLike = str | date

_RECORD_TAGS = frozenset({"PubmedArticle", "PubmedBookArticle"})
_API_KEY_RE = re.compile(r"""(api[_-]?key["']?\s*[=:]\s*["']?)[^&\s"',}]+""", re.IGNORECASE)
_HISTORY_HINTS = re.compile(r"unable to obtain query|webenv|query_key", re.IGNORECASE)
_PERMANENT_HINTS = re.compile(
    r"retstart|retmax|cannot be larger|invalid|not supported|unknown|syntax", re.IGNORECASE
)
_TRANSIENT_HINTS = re.compile(
    r"backend failed|temporar|unavailable|timed? ?out|try again|too busy|internal (server )?error"
    r"|unable to communicate|connection",
    re.IGNORECASE,
)
_ERROR_LABELS = {
    "PhraseNotFound": "phrase not found",
    "FieldNotFound": "field not found",
    "PhraseIgnored": "phrase ignored",
    "QuotedPhraseNotFound": "quoted phrase not found",
}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SearchResult:
    """A parsed ESearch reply."""

    count: int
    webenv: str | None = None
    query_key: str | None = None
    ids: tuple[str, ...] = ()
    query_translation: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def has_history(self) -> bool:
        return bool(self.webenv and self.query_key)


@dataclass(frozen=True)
class FetchedBatch:
    """One EFetch reply: records ``start`` to ``start + count`` of a search or ID list."""

    start: int
    count: int
    xml: bytes = field(repr=False)
    #: PubmedArticle/PubmedBookArticle elements actually in ``xml``.
    articles: int = 0
    #: The records of ``xml``, read when the reply was checked (it is parsed once).
    studies: tuple[Study, ...] = field(default=(), repr=False)

    @property
    def next_start(self) -> int:
        """The cursor to resume from after this batch."""
        return self.start + self.count


@dataclass(frozen=True)
class DateWindow:
    """An inclusive entry-date range (``YYYY/MM/DD``) and its record count when planned."""

    mindate: str
    maxdate: str
    count: int


# --------------------------------------------------------------------------- helpers


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def parse_date(value: DateLike, *, end: bool = False) -> date:
    """``YYYY``, ``YYYY/MM`` or ``YYYY/MM/DD`` (or ``-``) as a date; ``end`` picks the last day."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parts = re.split(r"[/.-]", value.strip())
    try:
        numbers = [int(p) for p in parts]
        if len(numbers) == 1:
            return date(numbers[0], 12, 31) if end else date(numbers[0], 1, 1)
        if len(numbers) == 2:
            year, month = numbers
            if not end:
                return date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            return following - timedelta(days=1)
        if len(numbers) == 3:
            return date(*numbers)
    except ValueError:
        pass
    raise EutilsQueryError(f"Not a date: {value!r} (use YYYY, YYYY/MM or YYYY/MM/DD)")


def format_date(value: date) -> str:
    """A date as E-utilities wants it: ``YYYY/MM/DD``."""
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(str(part) for part in element.itertext()).split())


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_detail(body: bytes) -> str:
    """A short human message from an NCBI error body (JSON, <ERROR>, HTML or text)."""
    head = body[:20_000].decode("utf-8", "replace").strip()
    if head.startswith("{"):
        try:
            data = json.loads(head)
        except ValueError:
            data = None
        if isinstance(data, dict):
            # Never echo other fields: NCBI puts the caller's "api-key" in there.
            message = str(data.get("error") or data.get("ERROR") or "").strip()
            extras = [f"{k} {data[k]}" for k in ("count", "limit") if data.get(k) is not None]
            if message and extras:
                message += f" ({', '.join(extras)})"
            if message:
                return _shorten(message)
    match = re.search(r"<ERROR>(.*?)</ERROR>", head, re.DOTALL | re.IGNORECASE)
    if match:
        return _shorten(_unescape(match.group(1)))
    match = re.search(r"<title>(.*?)</title>", head, re.DOTALL | re.IGNORECASE)
    if match:
        return _shorten(_unescape(match.group(1)))
    return _shorten(_unescape(re.sub(r"<[^>]*>", " ", head)))


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&apos;", "'").replace("&amp;", "&")
    )


def _classify_error(endpoint: str, message: str) -> Exception:
    """An <ERROR> text as a transient failure, an expired history or a query error."""
    text = f"PubMed {endpoint} error: {_shorten(message)}"
    if _HISTORY_HINTS.search(message):
        return HistoryExpired(text)
    if _TRANSIENT_HINTS.search(message) and not _PERMANENT_HINTS.search(message):
        return _Transient(EutilsServerError(text))
    return EutilsQueryError(text)


def parse_esearch_reply(body: bytes, *, strict: bool = True) -> SearchResult:
    """Parse an ESearch XML reply.

    Raises :class:`EutilsQueryError` for an ``<ERROR>`` (or, with ``strict``, for a count of
    0 explained by an ``<ErrorList>`` such as ``PhraseNotFound``); ``ErrorList`` and
    ``WarningList`` entries otherwise become ``warnings``. Transient backend failures and
    malformed replies raise an internal retryable error inside the client.
    """
    try:
        root = etree.fromstring(body, _safe_parser())
    except etree.XMLSyntaxError as exc:
        if body.lstrip().startswith(b"{"):
            raise _classify_error("esearch", _error_detail(body)) from None
        raise _Transient(
            EutilsServerError(f"Malformed or truncated ESearch reply ({len(body)} bytes): {exc}")
        ) from None
    error = root.find("ERROR")
    if error is not None and _text(error):
        raise _classify_error("esearch", _text(error))
    count_text = root.findtext("Count")
    if root.tag != "eSearchResult" or count_text is None:
        raise _Transient(EutilsServerError(f"Unexpected ESearch reply <{root.tag}>"))
    problems = [
        f"{_ERROR_LABELS.get(str(e.tag), str(e.tag))}: {_text(e)}"
        for e in root.iterfind("ErrorList/*")
    ]
    notes = [
        _text(w) if w.tag == "OutputMessage" else f"{_ERROR_LABELS.get(str(w.tag), str(w.tag))}: "
        + _text(w)
        for w in root.iterfind("WarningList/*")
    ]
    count = int(count_text)
    if strict and count == 0 and problems:
        raise EutilsQueryError("PubMed could not run the search: " + "; ".join(problems))
    return SearchResult(
        count=count,
        webenv=root.findtext("WebEnv") or None,
        query_key=root.findtext("QueryKey") or None,
        ids=tuple(_text(i) for i in root.iterfind("IdList/Id")),
        query_translation=_text(root.find("QueryTranslation")),
        warnings=tuple(problems + notes),
    )


def scan_article_set(body: bytes) -> tuple[str, int, str | None]:
    """Stream-parse a reply: (root tag, number of records, text of a top-level <ERROR>).

    Entities, DTDs and the network are off. Raises ``lxml.etree.XMLSyntaxError`` if the
    document is not complete and well formed (for example a truncated body).
    """
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
    )
    state = {"depth": 0, "records": 0}
    root_tag = ""
    error: str | None = None

    def drain() -> None:
        nonlocal root_tag, error
        for event, element in parser.read_events():
            if not isinstance(element, etree._Element):
                continue
            if event == "start":
                state["depth"] += 1
                if state["depth"] == 1:
                    root_tag = str(element.tag)
                continue
            state["depth"] -= 1
            if state["depth"] != 1:
                continue
            if element.tag in _RECORD_TAGS:
                state["records"] += 1
            elif element.tag == "ERROR":
                error = _text(element)
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]

    step = 1 << 20
    for offset in range(0, len(body), step):
        parser.feed(body[offset : offset + step])
        drain()
    parser.close()
    drain()
    return root_tag, state["records"], error


def _read_article_set(body: bytes) -> tuple[bytes, int, tuple[Study, ...]]:
    """Check that an EFetch reply is a complete PubmedArticleSet and read its records, in
    one parse; return it, its number of articles and its records.

    Raises :class:`~evidence_tracker.pubmed.parser.PubMedParseError` for a reply that is
    whole but holds a record that cannot be read (asking again would not help).
    """
    try:
        root_tag, studies, error = read_reply(body)
    except etree.XMLSyntaxError as exc:
        if body.lstrip().startswith(b"{"):
            raise _classify_error("efetch", _error_detail(body)) from None
        raise _Transient(
            EutilsServerError(f"Truncated reply from PubMed efetch ({len(body)} bytes): {exc}")
        ) from None
    if error:
        raise _classify_error("efetch", error)
    if root_tag != "PubmedArticleSet":
        raise _Transient(EutilsServerError(f"Unexpected PubMed efetch reply <{root_tag}>"))
    return body, sum(not study.deleted for study in studies), tuple(studies)


def _summarize(params: Mapping[str, str]) -> str:
    parts = []
    for key, value in params.items():
        if key in ("tool", "email", "api_key"):
            continue
        if key == "id":
            parts.append(f"id=<{value.count(',') + 1} ids>")
        elif key == "term":
            parts.append(f"term={_shorten(value, 120)!r}")
        else:
            parts.append(f"{key}={value}")
    return " ".join(parts)

