"""A fake NCBI E-utilities server for tests: a real HTTP server on 127.0.0.1.

Built on pytest-httpserver (werkzeug). It answers ``esearch.fcgi`` and ``efetch.fcgi`` for
``db=pubmed`` from an in-memory corpus ``{pmid: (edat 'YYYY/MM/DD', PubmedArticle XML)}``,
by GET or POST, with the history server (WebEnv/query_key), NCBI's cap of 9,999 retrievable
records per search, injectable faults, and the arrival time of every request.

Example::

    with FakeEutils.running() as fake:
        fake.add_records((str(n), "2020/01/01") for n in range(1, 101))
        fake.inject(Fault.rate_limit(retry_after=1), endpoint="esearch")
        client = EutilsClient(EutilsConfig(base_url=fake.base_url))
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

XML_DECLARATION = b'<?xml version="1.0" ?>\n'
PUBMED_DOCTYPE = (
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
ESEARCH_DOCTYPE = (
    b'<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
#: What NCBI answers when retstart reaches the 9,999-record cap of PubMed ESearch.
RETSTART_ERROR = (
    "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, "
    "ESearch can only retrieve the first 9,999 records matching the query. To obtain more "
    "than 9,999 PubMed records, consider using EDirect that contains additional logic to "
    "batch PubMed search results automatically so that an arbitrary number can be retrieved. "
    "For details see https://www.ncbi.nlm.nih.gov/books/NBK25499/"
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- records


def tiny_article(pmid: str | int) -> bytes:
    """A minimal PubmedArticle (PMID only; not DTD-valid) for large, fast corpora."""
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID></MedlineCitation></PubmedArticle>'
    ).encode()


def make_pubmed_article(
    pmid: str | int,
    title: str = "Ketamine infusion for chronic pain: a randomized controlled trial.",
    year: int = 2020,
    *,
    month: int = 3,
    journal: str = "Pain medicine (Malden, Mass.)",
    iso_abbreviation: str = "Pain Med",
    issn: str = "1526-4637",
    volume: str = "21",
    issue: str = "3",
    pages: str = "512-520",
    abstract: str | Sequence[tuple[str, str]] | None = (
        "Ketamine is used off-label for chronic pain. We tested it against placebo."
    ),
    authors: Sequence[tuple[str, str]] = (("Smith", "Jane"), ("Doe", "John A")),
    collective_name: str | None = None,
    doi: str | None = None,
    language: str = "eng",
    publication_types: Sequence[str] = ("Journal Article", "Randomized Controlled Trial"),
    mesh_terms: Sequence[str] = ("Ketamine", "Chronic Pain"),
    keywords: Sequence[str] = (),
    comments_corrections: Sequence[tuple[str, str]] = (),
    edat: str | None = None,
    status: str = "MEDLINE",
    publication_status: str = "ppublish",
) -> bytes:
    """A realistic minimal PubmedArticle element (bytes, UTF-8), valid against NCBI's DTD.

    ``abstract`` is a text or a list of (label, text) sections. ``comments_corrections`` holds
    (RefType, PMID) pairs such as ("RetractionIn", "123"). ``edat`` ('YYYY/MM/DD') fills the
    entrez and pubmed dates of the History. Text is XML-escaped.
    """
    pmid = str(pmid)
    doi = doi if doi is not None else f"10.1000/pm.{pmid}"
    e_year, e_month, e_day = (
        (int(p) for p in edat.split("/")) if edat else (year, month, 15)
    )
    parts: list[str] = [
        f'<PubmedArticle><MedlineCitation Status="{escape(status)}" Owner="NLM" '
        f'IndexingMethod="Automated"><PMID Version="1">{escape(pmid)}</PMID>',
        f"<DateRevised><Year>{e_year}</Year><Month>{e_month:02d}</Month>"
        f"<Day>{e_day:02d}</Day></DateRevised>",
        '<Article PubModel="Print-Electronic"><Journal>',
        f'<ISSN IssnType="Electronic">{escape(issn)}</ISSN>',
        f'<JournalIssue CitedMedium="Internet"><Volume>{escape(volume)}</Volume>'
        f"<Issue>{escape(issue)}</Issue><PubDate><Year>{year}</Year>"
        f"<Month>{MONTHS[month - 1]}</Month></PubDate></JournalIssue>",
        f"<Title>{escape(journal)}</Title><ISOAbbreviation>{escape(iso_abbreviation)}"
        "</ISOAbbreviation></Journal>",
        f"<ArticleTitle>{escape(title)}</ArticleTitle>",
        f"<Pagination><StartPage>{escape(pages.split('-')[0])}</StartPage>"
        f"<MedlinePgn>{escape(pages)}</MedlinePgn></Pagination>",
        f'<ELocationID EIdType="doi" ValidYN="Y">{escape(doi)}</ELocationID>',
    ]
    if abstract:
        parts.append("<Abstract>")
        if isinstance(abstract, str):
            parts.append(f"<AbstractText>{escape(abstract)}</AbstractText>")
        else:
            for label, text in abstract:
                parts.append(
                    f"<AbstractText Label={quoteattr(label.upper())} "
                    f'NlmCategory="UNASSIGNED">{escape(text)}</AbstractText>'
                )
        parts.append("</Abstract>")
    if authors or collective_name:
        parts.append('<AuthorList CompleteYN="Y">')
        for last, fore in authors:
            initials = "".join(word[0] for word in fore.split() if word)
            parts.append(
                f'<Author ValidYN="Y"><LastName>{escape(last)}</LastName>'
                f"<ForeName>{escape(fore)}</ForeName><Initials>{escape(initials)}</Initials>"
                "</Author>"
            )
        if collective_name:
            parts.append(
                f'<Author ValidYN="Y"><CollectiveName>{escape(collective_name)}'
                "</CollectiveName></Author>"
            )
        parts.append("</AuthorList>")
    parts.append(f"<Language>{escape(language)}</Language>")
    parts.append("<PublicationTypeList>")
    parts.extend(
        f'<PublicationType UI="D0{16428 + i}">{escape(pt)}</PublicationType>'
        for i, pt in enumerate(publication_types)
    )
    parts.append("</PublicationTypeList>")
    parts.append(
        f'<ArticleDate DateType="Electronic"><Year>{year}</Year><Month>{month:02d}</Month>'
        "<Day>01</Day></ArticleDate></Article>"
    )
    parts.append(
        "<MedlineJournalInfo><Country>England</Country>"
        f"<MedlineTA>{escape(iso_abbreviation)}</MedlineTA><NlmUniqueID>100894201"
        "</NlmUniqueID></MedlineJournalInfo>"
    )
    if comments_corrections:
        parts.append("<CommentsCorrectionsList>")
        for ref_type, ref_pmid in comments_corrections:
            parts.append(
                f"<CommentsCorrections RefType={quoteattr(ref_type)}><RefSource>{escape(journal)}"
                f' {year}</RefSource><PMID Version="1">{escape(ref_pmid)}</PMID>'
                "</CommentsCorrections>"
            )
        parts.append("</CommentsCorrectionsList>")
    if mesh_terms:
        parts.append("<MeshHeadingList>")
        parts.extend(
            f'<MeshHeading><DescriptorName UI="D{7649 + i:06d}" MajorTopicYN="N">'
            f"{escape(term)}</DescriptorName></MeshHeading>"
            for i, term in enumerate(mesh_terms)
        )
        parts.append("</MeshHeadingList>")
    if keywords:
        parts.append('<KeywordList Owner="NOTNLM">')
        parts.extend(f'<Keyword MajorTopicYN="N">{escape(k)}</Keyword>' for k in keywords)
        parts.append("</KeywordList>")
    parts.append("</MedlineCitation><PubmedData><History>")
    for status_name in ("received", "entrez", "pubmed", "medline"):
        parts.append(
            f'<PubMedPubDate PubStatus="{status_name}"><Year>{e_year}</Year>'
            f"<Month>{e_month}</Month><Day>{e_day}</Day></PubMedPubDate>"
        )
    parts.append(f"</History><PublicationStatus>{escape(publication_status)}</PublicationStatus>")
    parts.append(
        f'<ArticleIdList><ArticleId IdType="pubmed">{escape(pmid)}</ArticleId>'
        f'<ArticleId IdType="doi">{escape(doi)}</ArticleId></ArticleIdList>'
    )
    parts.append("</PubmedData></PubmedArticle>")
    return "".join(parts).encode()


def article_set(records: Iterable[bytes]) -> bytes:
    """Wrap PubmedArticle elements in a PubmedArticleSet document, like EFetch does."""
    return b"".join(
        [XML_DECLARATION, PUBMED_DOCTYPE, b"<PubmedArticleSet>\n"]
        + [record + b"\n" for record in records]
        + [b"</PubmedArticleSet>\n"]
    )


def esearch_xml(
    count: int,
    ids: Sequence[str] = (),
    *,
    retstart: int = 0,
    webenv: str | None = None,
    query_key: int | None = None,
    translation: str = "",
    errors: Mapping[str, Sequence[str]] | None = None,
    warnings: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """An eSearchResult document shaped like NCBI's."""
    parts = [
        f"<eSearchResult><Count>{count}</Count><RetMax>{len(ids)}</RetMax>"
        f"<RetStart>{retstart}</RetStart>"
    ]
    if query_key is not None and webenv is not None:
        parts.append(f"<QueryKey>{query_key}</QueryKey><WebEnv>{escape(webenv)}</WebEnv>")
    parts.append("<IdList>" + "".join(f"<Id>{i}</Id>" for i in ids) + "</IdList>")
    parts.append(f"<TranslationSet/><QueryTranslation>{escape(translation)}</QueryTranslation>")
    for name, entries in (("ErrorList", errors), ("WarningList", warnings)):
        if entries:
            parts.append(f"<{name}>")
            for tag, values in entries.items():
                parts.extend(f"<{tag}>{escape(v)}</{tag}>" for v in values)
            parts.append(f"</{name}>")
    parts.append("</eSearchResult>\n")
    return XML_DECLARATION + ESEARCH_DOCTYPE + "".join(parts).encode()


def error_xml(endpoint: str, message: str) -> bytes:
    """An HTTP-200 error document: <eSearchResult><ERROR>...</ERROR></eSearchResult>."""
    root = "eFetchResult" if endpoint == "efetch" else "eSearchResult"
    return XML_DECLARATION + f"<{root}><ERROR>{escape(message)}</ERROR></{root}>\n".encode()


# --------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class Fault:
    """One misbehaviour of the server; build it with the class methods."""

    kind: str
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    message: str = ""
    count: int = 0
    limit: int = 0

    @classmethod
    def http(
        cls, status: int = 500, body: bytes | None = None, *, retry_after: str | float | None = None
    ) -> Fault:
        """An HTTP error status (500, 502, 503...), with an HTML body like NCBI's front ends."""
        if body is None:
            body = (
                f"<html><head><title>{status} Server Error</title></head>"
                f"<body><h1>{status} Server Error</h1></body></html>"
            ).encode()
        headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html"),)
        if retry_after is not None:
            headers += (("Retry-After", _retry_after_value(retry_after)),)
        return cls("status", status=status, body=body, headers=headers)

    @classmethod
    def rate_limit(
        cls, retry_after: str | float | None = None, *, count: int = 11, limit: int = 10
    ) -> Fault:
        """HTTP 429 with NCBI's JSON body (which echoes the caller's api-key!)."""
        headers: tuple[tuple[str, str], ...] = ()
        if retry_after is not None:
            headers = (("Retry-After", _retry_after_value(retry_after)),)
        return cls("rate_limit", status=429, headers=headers, count=count, limit=limit)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait ``seconds`` before answering normally (longer than the client timeout)."""
        return cls("delay", seconds=seconds)

    @classmethod
    def truncated(cls) -> Fault:
        """Send half the normal body, announce the full Content-Length, close the connection."""
        return cls("truncate")

    @classmethod
    def truncated_xml(cls) -> Fault:
        """A complete HTTP reply whose XML stops short of its closing tag."""
        return cls("truncate_xml")

    @classmethod
    def short(cls) -> Fault:
        """A complete, valid EFetch reply missing its last record."""
        return cls("short")

    @classmethod
    def error(cls, message: str) -> Fault:
        """HTTP 200 with an <ERROR>message</ERROR> document (ESearch or EFetch)."""
        return cls("error", message=message)

    @classmethod
    def json_error(cls, message: str, status: int = 200) -> Fault:
        """A JSON ``{"error": message}`` body with ``status``."""
        return cls("json_error", status=status, message=message)


def _retry_after_value(value: str | float) -> str:
    return value if isinstance(value, str) else f"{value:g}"


@dataclass
class _Injection:
    fault: Fault
    endpoint: str | None
    remaining: int | None
    at: frozenset[int] | None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    number: int
    time: float
    method: str
    endpoint: str
    url: str
    query: dict[str, str]
    form: dict[str, str]
    body: bytes = field(repr=False)
    fault: str | None

    @property
    def params(self) -> dict[str, str]:
        """URL and form parameters together (form wins)."""
        return {**self.query, **self.form}


# --------------------------------------------------------------------------- server


class _FastStopServer(HTTPServer):
    """HTTPServer whose serve loop polls often, so stop() takes milliseconds, not 0.5 s."""

    def thread_target(self) -> None:
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.02)


def _normalise_date(value: str, *, end: bool) -> str:
    parts = [int(p) for p in re.split(r"[/.-]", value.strip())]
    if len(parts) == 1:
        parts += [12, 31] if end else [1, 1]
    elif len(parts) == 2:
        if end:
            following = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
            parts.append((following - timedelta(days=1)).day)
        else:
            parts.append(1)
    return f"{parts[0]:04d}/{parts[1]:02d}/{parts[2]:02d}"


class FakeEutils:
    """Answers esearch.fcgi and efetch.fcgi from a corpus, with injectable faults.

    ``term_map`` maps a term to the PMIDs it matches; other terms match the whole corpus.
    ``not_found`` terms answer count 0 with ``<ErrorList><PhraseNotFound>``. ``rate_limit``
    (requests per second) makes the server answer 429 like NCBI when exceeded.
    """

    def __init__(
        self,
        server: HTTPServer,
        *,
        base_path: str = "/entrez/eutils/",
        max_retrievable: int = 9999,
        rate_limit: int | None = None,
        term_map: Mapping[str, Iterable[str]] | None = None,
        not_found: Iterable[str] = (),
    ) -> None:
        self.server = server
        self.base_path = "/" + base_path.strip("/") + "/"
        self.max_retrievable = max_retrievable
        self.rate_limit = rate_limit
        self.term_map = {t: set(map(str, ids)) for t, ids in (term_map or {}).items()}
        self.not_found = set(not_found)
        self.requests: list[RecordedRequest] = []
        self._records: dict[str, tuple[str, bytes | None]] = {}
        self._mdat: dict[str, str] = {}
        self._order: list[str] | None = None
        self._history: dict[str, list[list[str]]] = {}
        self._injections: list[_Injection] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        pattern = re.compile(rf"^{re.escape(self.base_path)}(\w+)\.fcgi$")
        server.expect_request(pattern).respond_with_handler(self._handle)

    # ----------------------------------------------------------------- setup

    @classmethod
    @contextmanager
    def running(cls, **options: object) -> Iterator[FakeEutils]:
        """Start a threaded server on 127.0.0.1 (free port) with a FakeEutils; stop it after."""
        server = _FastStopServer(host="127.0.0.1", port=0, threaded=True)
        server.start()
        try:
            fake = cls(server, **options)  # type: ignore[arg-type]
            try:
                yield fake
            finally:
                fake.close()
        finally:
            server.stop()

    @property
    def base_url(self) -> str:
        return self.server.url_for(self.base_path)

    def close(self) -> None:
        """Wake up delayed handlers so the server can stop quickly."""
        self._stopping.set()

    def check(self) -> None:
        """Raise errors of the fake itself (handler exceptions, unmatched requests)."""
        self.server.check()

    def add_record(
        self, pmid: str | int, edat: str, xml: bytes | None = None, *, mdat: str | None = None
    ) -> None:
        """Add (or replace) one record; without ``xml`` a tiny PubmedArticle is served.

        ``mdat`` is the modification date searched by ``datetype=mdat`` (default: ``edat``).
        """
        with self._lock:
            self._records[str(pmid)] = (_normalise_date(edat, end=False), xml)
            if mdat is not None:
                self._mdat[str(pmid)] = _normalise_date(mdat, end=False)
            self._order = None

    def edat_of(self, pmid: str | int) -> str:
        """A record's entry date as 'YYYY/MM/DD'."""
        return self._records[str(pmid)][0].replace("-", "/")

    def add_records(self, records: Iterable[tuple[str | int, str] | tuple[str | int, str, bytes]]
                    ) -> None:
        """Add many (pmid, edat[, xml]) records."""
        with self._lock:
            for record in records:
                xml = record[2] if len(record) > 2 else None
                self._records[str(record[0])] = (_normalise_date(record[1], end=False), xml)
            self._order = None

    @property
    def pmids(self) -> set[str]:
        return set(self._records)

    def expire_history(self) -> None:
        """Forget every WebEnv, as NCBI does after a while."""
        with self._lock:
            self._history.clear()

    def inject(
        self,
        fault: Fault,
        *,
        endpoint: str | None = None,
        times: int | None = 1,
        at: int | Iterable[int] | None = None,
    ) -> None:
        """Misbehave on the next ``times`` requests (None: forever) to ``endpoint``, or on
        the given 1-based request numbers ``at`` (counting every request to the server)."""
        numbers = None if at is None else frozenset([at] if isinstance(at, int) else at)
        with self._lock:
            self._injections.append(_Injection(fault, endpoint, times, numbers))

    def clear_faults(self) -> None:
        with self._lock:
            self._injections.clear()

    # ----------------------------------------------------------------- inspection

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.endpoint == endpoint]

    def arrival_times(self, endpoint: str | None = None) -> list[float]:
        return [r.time for r in self.requests if endpoint is None or r.endpoint == endpoint]

    def max_in_window(self, window: float = 1.0, endpoint: str | None = None) -> int:
        """Most requests that arrived within any closed interval of ``window`` seconds."""
        times = sorted(self.arrival_times(endpoint))
        best = 0
        first = 0
        for last, t in enumerate(times):
            while t - times[first] > window:
                first += 1
            best = max(best, last - first + 1)
        return best

    # ----------------------------------------------------------------- handling

    def _handle(self, request: Request) -> Response:
        arrived = time.monotonic()
        match = re.search(r"(\w+)\.fcgi$", request.path)
        endpoint = match.group(1) if match else ""
        query = {k: ",".join(request.args.getlist(k)) for k in request.args}
        form = {k: ",".join(request.form.getlist(k)) for k in request.form}
        with self._lock:
            number = len(self.requests) + 1
            fault = self._take_fault(number, endpoint)
            recent = sum(1 for r in self.requests if arrived - r.time < 1.0) + 1
            self.requests.append(
                RecordedRequest(
                    number=number,
                    time=arrived,
                    method=request.method,
                    endpoint=endpoint,
                    url=request.url,
                    query=query,
                    form=form,
                    body=request.get_data(),
                    fault=fault.kind if fault else None,
                )
            )
        params = {**query, **form}
        if self.rate_limit is not None and recent > self.rate_limit and fault is None:
            fault = Fault.rate_limit(count=recent, limit=self.rate_limit)
        if fault is not None and fault.kind == "delay":
            self._stopping.wait(fault.seconds)
            fault = None
        if fault is not None and fault.kind not in ("truncate", "truncate_xml", "short"):
            return self._fault_response(fault, endpoint, params, request)
        response = self._answer(endpoint, params)
        if fault is None or response.status_code != 200:
            return response
        body = response.get_data()
        if fault.kind == "short":
            body = self._drop_last_record(body)
            return Response(body, 200, content_type="text/xml; charset=UTF-8")
        cut = body[: max(1, len(body) * 2 // 3)]
        truncated = Response(cut, 200, content_type=response.content_type)
        if fault.kind == "truncate":
            truncated.headers["Content-Length"] = str(len(body))
        return truncated

    def _take_fault(self, number: int, endpoint: str) -> Fault | None:
        for injection in self._injections:
            if injection.endpoint is not None and injection.endpoint != endpoint:
                continue
            if injection.at is not None:
                if number in injection.at:
                    return injection.fault
                continue
            if injection.remaining is None:
                return injection.fault
            if injection.remaining > 0:
                injection.remaining -= 1
                return injection.fault
        return None

    def _fault_response(
        self, fault: Fault, endpoint: str, params: Mapping[str, str], request: Request
    ) -> Response:
        if fault.kind == "rate_limit":
            body = {
                "error": "API rate limit exceeded",
                "api-key": params.get("api_key") or request.remote_addr or "127.0.0.1",
                "count": str(fault.count),
                "limit": str(fault.limit),
            }
            return Response(
                json.dumps(body), 429, headers=list(fault.headers), content_type="application/json"
            )
        if fault.kind == "status":
            return Response(fault.body, fault.status, headers=list(fault.headers))
        if fault.kind == "error":
            return Response(error_xml(endpoint, fault.message), 200, content_type="text/xml")
        if fault.kind == "json_error":
            return Response(
                json.dumps({"error": fault.message}), fault.status,
                content_type="application/json",
            )
        raise AssertionError(f"unknown fault {fault.kind}")

    def _answer(self, endpoint: str, params: Mapping[str, str]) -> Response:
        if params.get("db", "pubmed") != "pubmed":
            return self._xml(error_xml(endpoint, f"Database is not supported: {params['db']}"))
        if endpoint == "esearch":
            return self._xml(self._esearch(params))
        if endpoint == "efetch":
            return self._xml(self._efetch(params))
        return Response(f"unknown endpoint {endpoint}", 404)

    @staticmethod
    def _xml(body: bytes) -> Response:
        return Response(body, 200, content_type="text/xml; charset=UTF-8")

    def _ordered(self) -> list[str]:
        """All PMIDs, most recent entry date first (like PubMed's default sort)."""
        with self._lock:
            if self._order is None:
                self._order = sorted(
                    self._records, key=lambda p: (self._records[p][0], int(p)), reverse=True
                )
            return self._order

    def _esearch(self, params: Mapping[str, str]) -> bytes:
        term = params.get("term", "").strip()
        if not term:
            return error_xml("esearch", "Empty term and query_key - nothing todo")
        if term in self.not_found:
            return esearch_xml(
                0, translation=term, errors={"PhraseNotFound": [term]},
                warnings={"OutputMessage": ["No items found."]},
            )
        ids = self._ordered()
        if term in self.term_map:
            wanted = self.term_map[term]
            ids = [p for p in ids if p in wanted]
        if "mindate" in params or "maxdate" in params:
            datetype = params.get("datetype", "edat")
            if datetype not in ("edat", "mdat"):
                return error_xml("esearch", "fake E-utilities filters by edat or mdat only")
            low = _normalise_date(params.get("mindate") or "1000", end=False)
            high = _normalise_date(params.get("maxdate") or "3000", end=True)
            records, mdats = self._records, self._mdat
            if datetype == "edat":
                ids = [p for p in ids if low <= records[p][0] <= high]
            else:
                ids = [p for p in ids if low <= mdats.get(p, records[p][0]) <= high]
        retstart = int(params.get("retstart") or 0)
        retmax = int(params.get("retmax") or 20)
        if retstart > self.max_retrievable - 1:
            return error_xml("esearch", RETSTART_ERROR)
        page = ids[: self.max_retrievable][retstart : retstart + retmax]
        webenv = query_key = None
        if params.get("usehistory") == "y":
            with self._lock:
                webenv = params.get("WebEnv")
                if webenv not in self._history:
                    webenv = "MCID_" + uuid.uuid4().hex
                    self._history[webenv] = []
                self._history[webenv].append(list(ids))
                query_key = len(self._history[webenv])
        return esearch_xml(
            len(ids), page, retstart=retstart, webenv=webenv, query_key=query_key,
            translation=term,
        )

    def _efetch(self, params: Mapping[str, str]) -> bytes:
        if params.get("retmode", "xml") != "xml":
            return error_xml("efetch", "fake E-utilities only serves retmode=xml")
        if params.get("id"):
            ids = [p.strip() for p in params["id"].split(",") if p.strip()]
        elif params.get("WebEnv") and params.get("query_key"):
            with self._lock:
                queries = self._history.get(params["WebEnv"], [])
                index = int(params["query_key"]) - 1
                found = queries[index] if 0 <= index < len(queries) else None
            if found is None:
                return error_xml("efetch", f"Unable to obtain query #{params['query_key']}")
            retstart = int(params.get("retstart") or 0)
            retmax = int(params.get("retmax") or 20)
            if retstart > self.max_retrievable - 1:
                return error_xml("efetch", RETSTART_ERROR)
            ids = found[: self.max_retrievable][retstart : retstart + retmax]
        else:
            return error_xml("efetch", "Empty id list - nothing todo")
        records = self._records
        return article_set(
            records[p][1] or tiny_article(p) for p in ids if p in records
        )

    @staticmethod
    def _drop_last_record(body: bytes) -> bytes:
        cut = body.rfind(b"<PubmedArticle>")
        if cut < 0:
            return body
        return body[:cut] + b"</PubmedArticleSet>\n"


def spread_edats(count: int, first: date, last: date) -> Iterator[str]:
    """``count`` entry dates spread evenly over [first, last], as 'YYYY/MM/DD'."""
    days = (last - first).days
    for n in range(count):
        day = first + timedelta(days=days * n // max(1, count - 1))
        yield f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
