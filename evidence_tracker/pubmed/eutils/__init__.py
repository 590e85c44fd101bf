"""NCBI E-utilities client: ESearch and EFetch for PubMed, polite and robust.

What it does for every request:

- waits on a :class:`RateLimiter` (3 requests/s without an API key, 10 with one) that
  every client of the application shares: the application owns one :class:`RateLimiters`
  and gives each client the limiter for its host and rate (``config.limiter_in(...)``);
  its other processes on the machine share it through a file (:class:`SharedSlots`);
- sends ``tool``, ``email`` and ``api_key`` in the POST body (never in the URL, so the key
  cannot leak into urllib3 debug logs, proxy logs or exception texts), with a timeout;
- retries 429, 5xx, timeouts, dropped connections and truncated replies with exponential
  backoff and full jitter, honouring ``Retry-After``;
- checks a :class:`CancelToken` before each request, while waiting and between batches.

Searches with more than 9,999 PubMed records are split by entry date (:meth:`split_search`)
and fetched window by window (:meth:`fetch_all`), with a resumable cursor
``(window_index, offset)``.

Example::

    with EutilsClient(EutilsConfig(email="me@example.org")) as client:
        for window, batch in client.fetch_all("ketamine AND CRPS", batch_size=500):
            store(batch.xml, cursor=(window, batch.next_start))

The package: ``errors`` (exceptions), ``limits`` (rate limiters, cancel token), ``replies``
(constants, reply types and parsing), ``client`` (configuration and the client).
"""

from evidence_tracker.pubmed.eutils.client import EutilsClient, EutilsConfig
from evidence_tracker.pubmed.eutils.errors import (
    EutilsConnectionError,
    EutilsError,
    EutilsQueryError,
    EutilsServerError,
    FetchCancelled,
    HistoryExpired,
    RateLimitExceeded,
)
from evidence_tracker.pubmed.eutils.limits import (
    CancelToken,
    RateLimiter,
    RateLimiters,
    SharedSlots,
)
from evidence_tracker.pubmed.eutils.replies import (
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
    format_date,
    parse_date,
    parse_esearch_reply,
    parse_retry_after,
    scan_article_set,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "EARLIEST_DATE",
    "EFETCH_MAX_BATCH",
    "ENV_BASE_URL",
    "LATEST_DATE",
    "PUBMED_MAX_RETRIEVABLE",
    "CancelToken",
    "DateLike",
    "DateWindow",
    "EutilsClient",
    "EutilsConfig",
    "EutilsConnectionError",
    "EutilsError",
    "EutilsQueryError",
    "EutilsServerError",
    "FetchCancelled",
    "FetchedBatch",
    "HistoryExpired",
    "RateLimitExceeded",
    "RateLimiter",
    "RateLimiters",
    "SearchResult",
    "SharedSlots",
    "format_date",
    "parse_date",
    "parse_esearch_reply",
    "parse_retry_after",
    "scan_article_set",
]
