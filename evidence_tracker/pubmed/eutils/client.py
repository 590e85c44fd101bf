"""The E-utilities client: configuration, requests with retries, searches and fetches."""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlsplit

import requests

from evidence_tracker.pubmed.eutils.errors import (
    EutilsConnectionError,
    EutilsError,
    EutilsQueryError,
    EutilsServerError,
    HistoryExpired,
    RateLimitExceeded,
    _Transient,
)
from evidence_tracker.pubmed.eutils.limits import CancelToken, RateLimiter, RateLimiters
from evidence_tracker.pubmed.eutils.replies import (
    _API_KEY_RE,
    DEFAULT_BASE_URL,
    EARLIEST_DATE,
    EFETCH_MAX_BATCH,
    ENV_BASE_URL,
    LATEST_DATE,
    PUBMED_MAX_RETRIEVABLE,
    DateLike,
    DateWindow,
    FetchedBatch,
    SearchResult,
    _error_detail,
    _read_article_set,
    _shorten,
    _summarize,
    format_date,
    parse_date,
    parse_esearch_reply,
    parse_retry_after,
)

T = TypeVar("T")

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- config


def _default_base_url() -> str:
    return os.environ.get(ENV_BASE_URL, "").strip() or DEFAULT_BASE_URL


@dataclass(frozen=True)
class EutilsConfig:
    """Settings of one :class:`EutilsClient`. ``api_key`` never appears in ``repr``."""

    base_url: str = field(default_factory=_default_base_url)
    tool: str = "evidence-tracker"
    email: str = ""
    api_key: str = field(default="", repr=False)
    #: (connect, read) timeouts in seconds for every request.
    timeout: tuple[float, float] = (10.0, 60.0)
    #: Retries after the first attempt (so up to ``max_retries + 1`` requests).
    max_retries: int = 6
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    #: Longest ``Retry-After`` honoured; longer requests wait this long.
    retry_after_cap: float = 300.0
    #: None: 3 without an API key, 10 with one (NCBI's rules).
    requests_per_second: float | None = None
    #: Extra spacing of the rate limiter's window, to absorb network jitter.
    rate_margin: float = 0.05
    #: Wall-clock limit for reading one reply (the read timeout applies per socket read).
    max_response_seconds: float = 600.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, not {self.base_url!r}")
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if len(self.timeout) != 2 or min(self.timeout) <= 0:
            raise ValueError("timeout must be (connect, read) seconds, both > 0")
        if self.requests_per_second is not None and self.requests_per_second <= 0:
            raise ValueError("requests_per_second must be > 0")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.retry_after_cap < 0:
            raise ValueError("backoff and retry-after limits must be >= 0")
        if self.rate_margin < 0 or self.max_response_seconds <= 0:
            raise ValueError("rate_margin must be >= 0 and max_response_seconds > 0")

    @property
    def rate(self) -> float:
        """Requests per second this configuration allows."""
        if self.requests_per_second is not None:
            return self.requests_per_second
        return 10.0 if self.api_key else 3.0

    def limiter_in(self, limiters: RateLimiters) -> RateLimiter:
        """The limiter ``limiters`` holds for this host and rate (shared by its clients)."""
        return limiters.limiter(urlsplit(self.base_url).netloc, self.rate, self.rate_margin)

    def __repr__(self) -> str:
        key = "'***'" if self.api_key else "''"
        return (
            f"EutilsConfig(base_url={self.base_url!r}, tool={self.tool!r}, email={self.email!r}, "
            f"api_key={key}, timeout={self.timeout!r}, max_retries={self.max_retries}, "
            f"rate={self.rate:g}/s)"
        )


# --------------------------------------------------------------------------- client


class EutilsClient:
    """PubMed through NCBI E-utilities: ESearch, EFetch, date splitting, resumable fetches.

    Thread-safe: threads sharing a client share its rate limiter and cancel token. Clients
    of one application share a limiter too: pass ``limiter=config.limiter_in(limiters)``
    with the application's :class:`RateLimiters`; a client given none makes its own. Use
    it as a context manager (or call :meth:`close`) to release the HTTP session it created.
    """

    def __init__(
        self,
        config: EutilsConfig | None = None,
        session: requests.Session | None = None,
        cancel: CancelToken | None = None,
        *,
        limiter: RateLimiter | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config if config is not None else EutilsConfig()
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        if self._own_session:
            self.session.headers["User-Agent"] = f"{self.config.tool} (python-requests)"
        self.cancel = cancel if cancel is not None else CancelToken()
        self.limiter = limiter or RateLimiter(self.config.rate, margin=self.config.rate_margin)
        self._rng = rng or random.Random()
        self._base = self.config.base_url.rstrip("/") + "/"

    def __repr__(self) -> str:
        return f"EutilsClient({self.config!r})"

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._own_session:
            self.session.close()

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------- public API

    def esearch(
        self,
        term: str,
        *,
        mindate: DateLike | None = None,
        maxdate: DateLike | None = None,
        datetype: str = "edat",
        usehistory: bool = True,
        retmax: int = 0,
        retstart: int = 0,
        sort: str | None = None,
    ) -> SearchResult:
        """Run ESearch on PubMed; with ``usehistory`` the result has a WebEnv and query_key.

        A count of 0 explained by NCBI's ErrorList (e.g. a phrase not found) raises
        :class:`EutilsQueryError`; otherwise such notes are in ``warnings``.
        """
        return self._esearch(
            term,
            mindate=mindate,
            maxdate=maxdate,
            datetype=datetype,
            usehistory=usehistory,
            retmax=retmax,
            retstart=retstart,
            sort=sort,
            strict=True,
        )

    def count(
        self,
        term: str,
        *,
        mindate: DateLike | None = None,
        maxdate: DateLike | None = None,
        datetype: str = "edat",
    ) -> int:
        """The number of PubMed records matching ``term`` (one ESearch with retmax=0)."""
        result = self._esearch(
            term, mindate=mindate, maxdate=maxdate, datetype=datetype, usehistory=False,
            retmax=0, retstart=0, sort=None, strict=True,
        )
        return result.count

    def efetch_batches(
        self,
        search: SearchResult | Sequence[str],
        *,
        batch_size: int = 500,
        start: int = 0,
    ) -> Iterator[FetchedBatch]:
        """Yield complete PubmedArticleSet XML batches, from record ``start`` on.

        ``search`` is a history search (EFetch with WebEnv/query_key/retstart/retmax) or an
        explicit list of PMIDs (POSTed ``batch_size`` at a time).
        """
        if not 1 <= batch_size <= EFETCH_MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{EFETCH_MAX_BATCH}")
        if start < 0:
            raise ValueError("start must be >= 0")
        if isinstance(search, SearchResult):
            if search.has_history:
                yield from self._efetch_history(search, batch_size, start)
                return
            if len(search.ids) < search.count:
                raise EutilsQueryError(
                    f"The search holds {len(search.ids)} of {search.count} PMIDs and no "
                    "history; run esearch with usehistory=True"
                )
            ids = list(search.ids)
        elif isinstance(search, str | bytes):
            raise TypeError("efetch_batches wants a SearchResult or a list of PMIDs")
        else:
            ids = [str(pmid).strip() for pmid in search]
            bad = [pmid for pmid in ids if not pmid.isdigit()]
            if bad:
                raise EutilsQueryError(f"Not PMIDs: {', '.join(bad[:5])}")
        yield from self._efetch_ids(ids, batch_size, start)

    def split_search(
        self,
        term: str,
        *,
        mindate: DateLike | None = None,
        maxdate: DateLike | None = None,
        limit: int = PUBMED_MAX_RETRIEVABLE,
        datetype: str = "edat",
    ) -> list[DateWindow]:
        """Split ``[mindate, maxdate]`` in halves until each window has at most ``limit`` records.

        Windows are contiguous, in chronological order, and include empty ones; the split
        depends only on the bounds and the counts, so the same call gives the same windows
        (only the newest windows change as PubMed grows). Missing bounds default to
        1800/01/01 and 3000/01/01. A single day above ``limit`` raises EutilsQueryError.
        """
        return [window for window, _ in self._plan(term, mindate, maxdate, limit, datetype)]

    def fetch_all(
        self,
        term: str,
        *,
        mindate: DateLike | None = None,
        maxdate: DateLike | None = None,
        batch_size: int = 500,
        start_window: int = 0,
        start_offset: int = 0,
        limit: int = PUBMED_MAX_RETRIEVABLE,
        datetype: str = "edat",
        windows: Sequence[DateWindow] | None = None,
    ) -> Iterator[tuple[int, FetchedBatch]]:
        """Yield ``(window_index, batch)`` for every record of ``term``, window by window.

        Store ``(window_index, batch.next_start)`` with each batch; pass them back as
        ``start_window``/``start_offset`` (with the same term and dates, or the same stored
        ``windows`` from :meth:`split_search`) to resume. An expired history is searched again.
        """
        if not 1 <= batch_size <= EFETCH_MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{EFETCH_MAX_BATCH}")
        if start_window < 0 or start_offset < 0:
            raise ValueError("start_window and start_offset must be >= 0")
        plan: list[tuple[DateWindow, SearchResult | None]]
        if windows is None:
            plan = list(self._plan(term, mindate, maxdate, limit, datetype))
        else:
            plan = [(window, None) for window in windows]
        for index in range(start_window, len(plan)):
            window, search = plan[index]
            offset = start_offset if index == start_window else 0
            if search is None:
                search = self._window_search(term, window, datetype)
            if search.count > limit:
                raise EutilsQueryError(
                    f"{search.count} records now fall in {window.mindate}-{window.maxdate}, "
                    f"more than {limit}; plan the windows again"
                )
            for batch in self._fetch_window(term, window, search, batch_size, offset, datetype):
                yield index, batch

    # ----------------------------------------------------------------- internals

    def _esearch(
        self,
        term: str,
        *,
        mindate: DateLike | None,
        maxdate: DateLike | None,
        datetype: str,
        usehistory: bool,
        retmax: int,
        retstart: int,
        sort: str | None,
        strict: bool,
    ) -> SearchResult:
        if not term or not term.strip():
            raise EutilsQueryError("The PubMed query is empty")
        if not 0 <= retmax <= 10_000 or retstart < 0:
            raise ValueError("retmax must be 0..10000 and retstart >= 0")
        params = {
            "db": "pubmed",
            "term": term,
            "retmode": "xml",
            "retstart": str(retstart),
            "retmax": str(retmax),
        }
        if usehistory:
            params["usehistory"] = "y"
        if sort:
            params["sort"] = sort
        if mindate is not None or maxdate is not None:
            low = parse_date(mindate, end=False) if mindate is not None else EARLIEST_DATE
            high = parse_date(maxdate, end=True) if maxdate is not None else LATEST_DATE
            if low > high:
                raise EutilsQueryError(f"mindate {format_date(low)} is after {format_date(high)}")
            params.update(datetype=datetype, mindate=format_date(low), maxdate=format_date(high))
        return self._request(
            "esearch.fcgi", params, lambda body: parse_esearch_reply(body, strict=strict)
        )

    def _plan(
        self,
        term: str,
        mindate: DateLike | None,
        maxdate: DateLike | None,
        limit: int,
        datetype: str,
    ) -> list[tuple[DateWindow, SearchResult]]:
        if not 1 <= limit <= PUBMED_MAX_RETRIEVABLE:
            raise ValueError(f"limit must be 1..{PUBMED_MAX_RETRIEVABLE}")
        low = parse_date(mindate, end=False) if mindate is not None else EARLIEST_DATE
        high = parse_date(maxdate, end=True) if maxdate is not None else LATEST_DATE
        if low > high:
            raise EutilsQueryError(f"mindate {format_date(low)} is after {format_date(high)}")
        plan: list[tuple[DateWindow, SearchResult]] = []
        stack = [(low, high)]
        first = True
        while stack:
            self.cancel.raise_if_cancelled()
            a, b = stack.pop()
            result = self._esearch(
                term, mindate=a, maxdate=b, datetype=datetype, usehistory=True, retmax=0,
                retstart=0, sort=None, strict=first,
            )
            first = False
            if result.count <= limit:
                plan.append((DateWindow(format_date(a), format_date(b), result.count), result))
                continue
            if a == b:
                raise EutilsQueryError(
                    f"PubMed has {result.count} records for this search entered on "
                    f"{format_date(a)} alone, more than the {limit} one search can return; "
                    "narrow the query"
                )
            middle = a + (b - a) // 2
            stack.append((middle + timedelta(days=1), b))
            stack.append((a, middle))
        logger.info("Search split into %d date windows", len(plan))
        return plan

    def _window_search(self, term: str, window: DateWindow, datetype: str) -> SearchResult:
        return self._esearch(
            term, mindate=window.mindate, maxdate=window.maxdate, datetype=datetype,
            usehistory=True, retmax=0, retstart=0, sort=None, strict=False,
        )

    def _fetch_window(
        self,
        term: str,
        window: DateWindow,
        search: SearchResult,
        batch_size: int,
        offset: int,
        datetype: str,
    ) -> Iterator[FetchedBatch]:
        renewals = 0
        while offset < search.count:
            try:
                for batch in self.efetch_batches(search, batch_size=batch_size, start=offset):
                    yield batch
                    offset = batch.next_start
                return
            except HistoryExpired:
                if renewals >= 2:
                    raise
                renewals += 1
                logger.info("PubMed history expired; searching %s-%s again",
                            window.mindate, window.maxdate)
                search = self._window_search(term, window, datetype)

    def _efetch_history(
        self, search: SearchResult, batch_size: int, start: int
    ) -> Iterator[FetchedBatch]:
        if search.count > PUBMED_MAX_RETRIEVABLE:
            raise EutilsQueryError(
                f"The search has {search.count} records; PubMed returns at most "
                f"{PUBMED_MAX_RETRIEVABLE} per search. Use fetch_all, which splits by date."
            )
        assert search.webenv is not None and search.query_key is not None
        for retstart in range(start, search.count, batch_size):
            self.cancel.raise_if_cancelled()
            size = min(batch_size, search.count - retstart)
            params = {
                "db": "pubmed",
                "WebEnv": search.webenv,
                "query_key": search.query_key,
                "retstart": str(retstart),
                "retmax": str(size),
                "retmode": "xml",
            }
            xml, articles, studies = self._request("efetch.fcgi", params, _read_article_set)
            if articles < size:
                # NCBI sometimes drops records from a busy reply: ask once more.
                self._log(logging.WARNING, "efetch returned %d of %d records at %d; asking again",
                          articles, size, retstart)
                xml, articles, studies = self._request("efetch.fcgi", params, _read_article_set)
                if articles < size:
                    self._log(logging.WARNING, "efetch returned %d of %d records at %d",
                              articles, size, retstart)
            yield FetchedBatch(retstart, size, xml, articles, studies)

    def _efetch_ids(self, ids: list[str], batch_size: int, start: int) -> Iterator[FetchedBatch]:
        for offset in range(start, len(ids), batch_size):
            self.cancel.raise_if_cancelled()
            chunk = ids[offset : offset + batch_size]
            params = {"db": "pubmed", "id": ",".join(chunk), "retmode": "xml"}
            xml, articles, studies = self._request("efetch.fcgi", params, _read_article_set)
            yield FetchedBatch(offset, len(chunk), xml, articles, studies)

    def _backoff(self, retry: int) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**(retry - 1)))."""
        ceiling = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (retry - 1))
        return self._rng.uniform(0.0, ceiling)

    def _redact(self, text: str) -> str:
        if self.config.api_key:
            text = text.replace(self.config.api_key, "***")
        return _API_KEY_RE.sub(r"\1***", text)

    def _log(self, level: int, message: str, *args: object) -> None:
        if logger.isEnabledFor(level):
            logger.log(level, "%s", self._redact(message % args))

    def _redacted(self, error: EutilsError, suffix: str = "") -> EutilsError:
        return type(error)(self._redact(error.message + suffix), status=error.status)

    def _request(self, endpoint: str, params: Mapping[str, str], parse: Callable[[bytes], T]) -> T:
        """POST ``params`` to ``endpoint`` with rate limiting and retries; return parse(body)."""
        url = self._base + endpoint
        data = dict(params)
        data["tool"] = self.config.tool
        if self.config.email:
            data["email"] = self.config.email
        if self.config.api_key:
            data["api_key"] = self.config.api_key
        summary = _summarize(params)
        name = endpoint.removesuffix(".fcgi")
        attempts = self.config.max_retries + 1
        for attempt in range(1, attempts + 1):
            self.cancel.raise_if_cancelled()
            self.limiter.acquire(self.cancel)
            self._log(logging.DEBUG, "POST %s %s (attempt %d/%d)", url, summary, attempt, attempts)
            retry_after: float | None = None
            cause: BaseException | None = None
            try:
                status, headers, body = self._post(url, data)
            except requests.exceptions.SSLError as exc:
                raise EutilsConnectionError(self._redact(f"TLS error talking to NCBI: {exc}")) \
                    from None
            except requests.Timeout as exc:
                failure: EutilsError = EutilsConnectionError(
                    f"PubMed {name} did not answer within {self.config.timeout[1]:g} s"
                )
                cause = exc
            except (
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                kind = (
                    "Truncated reply from"
                    if not isinstance(exc, requests.ConnectionError) else "Connection failed to"
                )
                failure = EutilsConnectionError(f"{kind} PubMed {name}: {_shorten(str(exc), 200)}")
                cause = exc
            except requests.RequestException as exc:
                raise EutilsError(self._redact(f"Request to PubMed {name} failed: {exc}")) \
                    from None
            else:
                detail = ""
                if status >= 400:
                    detail = _error_detail(body)
                if status == 429:
                    failure = RateLimitExceeded(
                        f"NCBI refused PubMed {name}: {detail or 'too many requests'}", status=429
                    )
                    retry_after = parse_retry_after(headers.get("Retry-After"))
                elif status >= 500:
                    failure = EutilsServerError(
                        f"PubMed {name} failed with HTTP {status}: {detail}", status=status
                    )
                    retry_after = parse_retry_after(headers.get("Retry-After"))
                elif status >= 400:
                    raise EutilsQueryError(
                        self._redact(f"PubMed {name} rejected the request (HTTP {status}): "
                                     f"{detail}"),
                        status=status,
                    )
                else:
                    try:
                        return parse(body)
                    except _Transient as exc:
                        failure = exc.error
                    except EutilsError as exc:
                        raise self._redacted(exc) from None
            if attempt == attempts:
                raise self._redacted(failure, f" (gave up after {attempts} attempts)") from cause
            if retry_after is not None:
                delay = min(retry_after, self.config.retry_after_cap)
            else:
                delay = self._backoff(attempt)
            if isinstance(failure, RateLimitExceeded):
                self.limiter.pause(delay)
            self._log(logging.WARNING, "%s; retrying in %.2f s (attempt %d/%d)",
                      failure.message, delay, attempt + 1, attempts)
            self.cancel.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _post(self, url: str, data: Mapping[str, str]) -> tuple[int, Mapping[str, str], bytes]:
        """One POST; read the body in chunks, checking for cancellation and a total deadline."""
        deadline = time.monotonic() + self.config.max_response_seconds
        with self.session.post(url, data=data, timeout=self.config.timeout, stream=True) as resp:
            chunks = []
            for chunk in resp.iter_content(chunk_size=1 << 16):
                chunks.append(chunk)
                self.cancel.raise_if_cancelled()
                if time.monotonic() > deadline:
                    raise requests.Timeout(
                        f"reply took longer than {self.config.max_response_seconds:g} s"
                    )
            return resp.status_code, resp.headers, b"".join(chunks)

