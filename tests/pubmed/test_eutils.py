"""The E-utilities client against a real HTTP server on 127.0.0.1 (tests/fake_eutils.py)."""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import Bio.Entrez
import pytest
import requests
from fake_eutils import (
    FakeEutils,
    Fault,
    article_set,
    esearch_xml,
    make_pubmed_article,
    spread_edats,
)
from lxml import etree

from evidence_tracker.pubmed.eutils import (
    DEFAULT_BASE_URL,
    CancelToken,
    EutilsClient,
    EutilsConfig,
    EutilsConnectionError,
    EutilsError,
    EutilsQueryError,
    EutilsServerError,
    FetchCancelled,
    RateLimiter,
    RateLimitExceeded,
    SearchResult,
    parse_date,
    parse_esearch_reply,
    parse_retry_after,
    scan_article_set,
)
from evidence_tracker.pubmed.parser import PubMedParseError, iter_pubmed_xml, read_reply

MakeClient = Callable[..., EutilsClient]


def pmids_in(xml: bytes) -> list[str]:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    return [str(e.text) for e in root.iterfind("PubmedArticle/MedlineCitation/PMID")]


def fill(fake: FakeEutils, count: int, first: date, last: date, start: int = 1) -> list[str]:
    pmids = [str(n) for n in range(start, start + count)]
    fake.add_records(zip(pmids, spread_edats(count, first, last), strict=True))
    return pmids


# --------------------------------------------------------------------------- config


def test_config_defaults_follow_ncbi_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVIDENCE_TRACKER_EUTILS_URL", raising=False)
    assert EutilsConfig().base_url == DEFAULT_BASE_URL
    assert EutilsConfig().rate == 3
    assert EutilsConfig(api_key="k").rate == 10
    assert EutilsConfig(requests_per_second=1.5).rate == 1.5
    monkeypatch.setenv("EVIDENCE_TRACKER_EUTILS_URL", "http://127.0.0.1:9/mirror/")
    assert EutilsConfig().base_url == "http://127.0.0.1:9/mirror/"
    with pytest.raises(ValueError, match="timeout"):
        EutilsConfig(timeout=(0, 1))
    with pytest.raises(ValueError, match="base_url"):
        EutilsConfig(base_url="ftp://x")


def test_parse_retry_after_seconds_and_http_date() -> None:
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("Thu, 02 Jan 2025 03:04:15 GMT", now=now) == 10.0
    assert parse_retry_after("Thu, 02 Jan 2025 03:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_parse_date_accepts_partial_dates() -> None:
    assert parse_date("2020") == date(2020, 1, 1)
    assert parse_date("2020", end=True) == date(2020, 12, 31)
    assert parse_date("2024/02", end=True) == date(2024, 2, 29)
    assert parse_date("2023-12", end=True) == date(2023, 12, 31)
    assert parse_date("2021/05/06") == date(2021, 5, 6)
    with pytest.raises(EutilsQueryError, match="Not a date"):
        parse_date("yesterday")


# --------------------------------------------------------------------------- rate limiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Most times within any closed interval of ``window`` (plus a hair for rounding)."""
    best = first = 0
    for last, t in enumerate(times):
        while t - times[first] > window + 1e-6:
            first += 1
        best = max(best, last - first + 1)
    return best


@pytest.mark.parametrize(("rate", "per_second"), [(3, 3), (10, 10), (2.5, 2), (0.5, 1)])
def test_rate_limiter_never_exceeds_rate_in_any_window(rate: float, per_second: int) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(60):
        limiter.acquire()
        times.append(clock.now)
    assert max_in_window(times) <= per_second
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1 / rate - 1e-9
    # ...and is not much slower than that allows (5% margin on the window).
    window = max(1.0, per_second / rate) * 1.05
    slowest_spacing = max(1 / rate, window / per_second)
    assert (times[-1] - times[0]) <= 59 * slowest_spacing + 1e-6


def test_rate_limiter_first_request_is_immediate_and_idle_time_is_not_banked() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock, sleep=clock.sleep)
    assert limiter.acquire() == 0
    clock.now += 60  # idle for a minute: no burst of stored-up requests afterwards
    times = []
    for _ in range(10):
        limiter.acquire()
        times.append(clock.now)
    assert max_in_window(times) <= 3


def test_rate_limiter_pause_holds_back_every_caller() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.pause(5)
    start = clock.now
    limiter.acquire()
    assert clock.now - start == pytest.approx(5)


def test_rate_limiter_is_thread_safe() -> None:
    limiter = RateLimiter(50)
    times: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(15):
            limiter.acquire()
            with lock:
                times.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    assert len(times) == 60
    assert max_in_window(times) <= 51  # 50/s, plus scheduling jitter at the edges


def test_rate_limiter_wait_is_cancellable() -> None:
    limiter = RateLimiter(0.1)  # one request per 10 s
    cancel = CancelToken()
    limiter.acquire(cancel)
    threading.Timer(0.1, cancel.cancel).start()
    started = time.monotonic()
    with pytest.raises(FetchCancelled):
        limiter.acquire(cancel)
    assert time.monotonic() - started < 2


# --------------------------------------------------------------------------- esearch


def test_esearch_parses_reply_and_uses_history(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    fill(fake_eutils, 30, date(2020, 1, 1), date(2020, 12, 31))
    result = eutils_client.esearch("ketamine AND crps", retmax=5)
    assert result.count == 30
    assert result.ids == ("30", "29", "28", "27", "26")  # most recent entry first
    assert result.webenv and result.webenv.startswith("MCID_")
    assert result.query_key == "1"
    assert result.query_translation == "ketamine AND crps"
    assert result.warnings == ()

    (request,) = fake_eutils.requests
    assert request.method == "POST"
    assert request.query == {}  # everything travels in the body
    assert request.form["db"] == "pubmed"
    assert request.form["term"] == "ketamine AND crps"
    assert request.form["usehistory"] == "y"
    assert request.form["tool"] == "evidence-tracker"
    assert request.form["email"] == "tests@example.org"
    assert "api_key" not in request.form


def test_esearch_date_range_and_count(fake_eutils: FakeEutils, eutils_client: EutilsClient) -> None:
    fill(fake_eutils, 120, date(2019, 1, 1), date(2020, 12, 31))
    assert eutils_client.count("ketamine") == 120
    in_2020 = eutils_client.esearch("ketamine", mindate="2020", maxdate="2020", usehistory=False)
    assert 55 <= in_2020.count <= 65
    assert in_2020.webenv is None
    last = fake_eutils.requests[-1].form
    dates = (last["datetype"], last["mindate"], last["maxdate"])
    assert dates == ("edat", "2020/01/01", "2020/12/31")
    assert eutils_client.count("ketamine", mindate=date(2019, 1, 1), maxdate="2019/12/31") == (
        120 - in_2020.count
    )


def test_esearch_phrase_not_found_is_a_query_error(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    fake_eutils.not_found.add("ketamine AND xyzzyq")
    with pytest.raises(EutilsQueryError, match="phrase not found: ketamine AND xyzzyq"):
        eutils_client.count("ketamine AND xyzzyq")
    assert len(fake_eutils.requests) == 1


def test_parse_esearch_keeps_notes_as_warnings_when_there_are_results() -> None:
    body = esearch_xml(
        3, ["3", "2", "1"], translation="ketamine[All Fields]",
        errors={"PhraseNotFound": ["xyzzyq"]}, warnings={"QuotedPhraseNotFound": ['"abc"']},
    )
    result = parse_esearch_reply(body)
    assert result == SearchResult(
        count=3,
        ids=("3", "2", "1"),
        query_translation="ketamine[All Fields]",
        warnings=("phrase not found: xyzzyq", 'quoted phrase not found: "abc"'),
    )
    empty = esearch_xml(0, errors={"PhraseNotFound": ["xyzzyq"]})
    assert parse_esearch_reply(empty, strict=False).warnings == ("phrase not found: xyzzyq",)
    with pytest.raises(EutilsQueryError):
        parse_esearch_reply(empty)


def test_esearch_error_element_is_a_query_error_without_retry(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    fake_eutils.inject(Fault.error("Invalid query: unknown field [zz]"), endpoint="esearch")
    with pytest.raises(EutilsQueryError, match=r"Invalid query: unknown field \[zz\]"):
        eutils_client.count("ketamine[zz]")
    assert len(fake_eutils.requests) == 1


def test_esearch_retstart_cap_gives_ncbis_message(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    fill(fake_eutils, 10, date(2020, 1, 1), date(2020, 1, 10))
    with pytest.raises(EutilsQueryError, match="cannot be larger than 9998") as info:
        eutils_client.esearch("ketamine", retstart=9999, retmax=10)
    assert not isinstance(info.value, EutilsServerError)
    assert len(fake_eutils.requests) == 1


def test_search_backend_failure_is_retried(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    fill(fake_eutils, 5, date(2020, 1, 1), date(2020, 1, 10))
    fake_eutils.inject(Fault.error("Search Backend failed: read unexpected EOF"), times=2)
    assert eutils_client.count("ketamine") == 5
    assert len(fake_eutils.requests) == 3


# --------------------------------------------------------------------------- efetch


def test_efetch_history_pages_every_record_exactly_once(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    pmids = fill(fake_eutils, 1234, date(2015, 1, 1), date(2024, 12, 31))
    search = eutils_client.esearch("ketamine")
    batches = list(eutils_client.efetch_batches(search, batch_size=200))
    assert [(b.start, b.count) for b in batches] == [(s, 200) for s in range(0, 1200, 200)] + [
        (1200, 34)
    ]
    fetched = [p for b in batches for p in pmids_in(b.xml)]
    assert sorted(fetched, key=int) == pmids
    assert all(b.articles == b.count for b in batches)
    assert all(b.xml.startswith(b'<?xml') and b"<!DOCTYPE PubmedArticleSet" in b.xml
               for b in batches)
    efetches = fake_eutils.requests_to("efetch")
    assert len(efetches) == 7
    assert {(r.form["WebEnv"], r.form["query_key"]) for r in efetches} == {
        (search.webenv, search.query_key)
    }
    assert [int(r.form["retstart"]) for r in efetches] == list(range(0, 1400, 200))


def test_efetch_id_list_is_posted_in_the_body(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    pmids = fill(fake_eutils, 450, date(2020, 1, 1), date(2020, 12, 31))
    wanted = pmids[::-1]
    batches = list(eutils_client.efetch_batches(wanted, batch_size=200))
    assert [(b.start, b.count) for b in batches] == [(0, 200), (200, 200), (400, 50)]
    assert [p for b in batches for p in pmids_in(b.xml)] == wanted
    requests = fake_eutils.requests_to("efetch")
    assert [r.method for r in requests] == ["POST"] * 3
    for request, batch in zip(requests, batches, strict=True):
        assert request.query == {}
        assert urlsplit(request.url).query == ""
        assert request.form["id"].split(",") == wanted[batch.start : batch.next_start]
        assert b"id=" + wanted[batch.start].encode() in request.body


def test_efetch_resumes_from_a_cursor(fake_eutils: FakeEutils, eutils_client: EutilsClient) -> None:
    pmids = fill(fake_eutils, 500, date(2020, 1, 1), date(2020, 12, 31))
    search = eutils_client.esearch("ketamine")
    batches = list(eutils_client.efetch_batches(search, batch_size=100, start=300))
    assert [b.start for b in batches] == [300, 400]
    got = {p for b in batches for p in pmids_in(b.xml)}
    assert len(got) == 200 and got <= set(pmids)
    ids = list(eutils_client.efetch_batches(pmids, batch_size=100, start=450))
    assert [p for b in ids for p in pmids_in(b.xml)] == pmids[450:]


def test_efetch_refuses_history_beyond_pubmeds_cap(eutils_client: EutilsClient) -> None:
    search = SearchResult(count=12_000, webenv="MCID_x", query_key="1")
    with pytest.raises(EutilsQueryError, match="fetch_all"):
        next(eutils_client.efetch_batches(search))


def test_efetch_short_reply_is_asked_again(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    pmids = fill(fake_eutils, 50, date(2020, 1, 1), date(2020, 1, 31))
    search = eutils_client.esearch("ketamine")
    fake_eutils.inject(Fault.short(), endpoint="efetch")
    (batch,) = eutils_client.efetch_batches(search, batch_size=50)
    assert sorted(pmids_in(batch.xml), key=int) == pmids
    assert len(fake_eutils.requests_to("efetch")) == 2


def test_scan_article_set_counts_records_and_rejects_truncation() -> None:
    body = article_set([make_pubmed_article(1), make_pubmed_article(2, title="A & B <i>x</i>")])
    assert scan_article_set(body) == ("PubmedArticleSet", 2, None)
    with pytest.raises(etree.XMLSyntaxError):
        scan_article_set(body[:-25])
    evil = (b'<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM '
            b'"file:///etc/passwd">]><PubmedArticleSet><PubmedArticle>&x;</PubmedArticle>'
            b"</PubmedArticleSet>")
    assert scan_article_set(evil) == ("PubmedArticleSet", 1, None)


def test_a_reply_is_parsed_once_into_the_batchs_studies(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    fill(fake_eutils, 30, date(2020, 1, 1), date(2020, 1, 31))
    search = eutils_client.esearch("ketamine")
    (batch,) = eutils_client.efetch_batches(search, batch_size=30)
    assert [s.pmid for s in batch.studies] == pmids_in(batch.xml)
    assert list(batch.studies) == list(iter_pubmed_xml(batch.xml))
    assert batch.articles == len(batch.studies) == 30


def test_read_reply_tells_records_errors_and_truncation() -> None:
    body = article_set([make_pubmed_article(1), make_pubmed_article(2, title="A & B <i>x</i>")])
    root, studies, error = read_reply(body)
    assert (root, [s.pmid for s in studies], error) == ("PubmedArticleSet", ["1", "2"], "")
    assert studies[1].title == "A & B <i>x</i>"
    with pytest.raises(etree.XMLSyntaxError):
        read_reply(body[:-25])
    assert read_reply(b"<eFetchResult><ERROR>Backend  failed</ERROR></eFetchResult>") == (
        "eFetchResult", [], "Backend failed")
    evil = (b'<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM '
            b'"file:///etc/passwd">]><PubmedArticleSet><PubmedArticle>&x;</PubmedArticle>'
            b"</PubmedArticleSet>")
    with pytest.raises(PubMedParseError, match="entities"):
        read_reply(evil)


# --------------------------------------------------------------------------- splitting


def test_split_search_above_ten_thousand_and_fetch_everything(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    pmids = fill(fake_eutils, 25_000, date(2000, 1, 1), date(2024, 12, 31))
    windows = eutils_client.split_search("ketamine", mindate="2000", maxdate="2024")
    assert len(windows) >= 3
    assert all(w.count <= 9999 for w in windows)
    assert sum(w.count for w in windows) == 25_000
    assert windows[0].mindate == "2000/01/01" and windows[-1].maxdate == "2024/12/31"
    for before, after in itertools.pairwise(windows):  # contiguous, in order
        assert (parse_date(after.mindate) - parse_date(before.maxdate)).days == 1

    # A single history search cannot reach beyond 9,999 records...
    with pytest.raises(EutilsQueryError, match="at most 9999"):
        next(eutils_client.efetch_batches(eutils_client.esearch("ketamine")))
    # ...but fetch_all walks the windows and gets every record exactly once.
    fetched: list[str] = []
    seen_windows = set()
    for window_index, batch in eutils_client.fetch_all("ketamine", batch_size=5000):
        seen_windows.add(window_index)
        fetched.extend(pmids_in(batch.xml))
    assert len(fetched) == 25_000
    assert set(fetched) == set(pmids)
    assert len(seen_windows) >= 3
    assert all(int(r.params.get("retstart", 0)) < 9999 for r in fake_eutils.requests)


def test_single_day_above_the_limit_is_a_clear_error(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    fill(fake_eutils, 30, date(2021, 3, 4), date(2021, 3, 4))
    with pytest.raises(EutilsQueryError, match="entered on 2021/03/04 alone"):
        eutils_client.split_search("ketamine", mindate="2021", maxdate="2021", limit=20)


def test_fetch_all_resumes_from_window_and_offset(
    fake_eutils: FakeEutils, make_eutils_client: MakeClient
) -> None:
    eutils_client = make_eutils_client(requests_per_second=100)  # many small requests
    pmids = fill(fake_eutils, 1234, date(2010, 1, 1), date(2024, 12, 31))
    windows = eutils_client.split_search("ketamine", limit=300)
    assert len(windows) >= 5
    assert all(w.count <= 300 for w in windows)

    # Empty windows (1800-2009, 2025-3000) are kept, so indexes do not shift as PubMed grows.
    assert windows[0].count == 0 and windows[-1].count == 0
    crash_window = [i for i, w in enumerate(windows) if w.count > 100][1]

    first_run: list[str] = []
    cursor = (0, 0)
    for window_index, batch in eutils_client.fetch_all("ketamine", limit=300, batch_size=100):
        first_run.extend(pmids_in(batch.xml))
        cursor = (window_index, batch.next_start)
        if window_index == crash_window:
            break  # "crash" in the middle of a window
    assert cursor == (crash_window, 100)

    second_run: list[str] = []
    resumed_windows = set()
    for window_index, batch in eutils_client.fetch_all(
        "ketamine", limit=300, batch_size=100, start_window=cursor[0], start_offset=cursor[1]
    ):
        resumed_windows.add(window_index)
        second_run.extend(pmids_in(batch.xml))
    assert min(resumed_windows) == crash_window
    assert not set(first_run) & set(second_run)
    assert sorted(first_run + second_run, key=int) == pmids

    # Resuming from stored windows gives the same remainder.
    third_run = [
        p
        for _, batch in eutils_client.fetch_all(
            "ignored", windows=windows, batch_size=100, start_window=cursor[0],
            start_offset=cursor[1],
        )
        for p in pmids_in(batch.xml)
    ]
    assert third_run == second_run


def test_fetch_all_searches_again_when_history_expires(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    pmids = fill(fake_eutils, 300, date(2020, 1, 1), date(2020, 12, 31))
    fetched: list[str] = []
    for _, batch in eutils_client.fetch_all("ketamine", batch_size=100):
        fetched.extend(pmids_in(batch.xml))
        fake_eutils.expire_history()
    assert sorted(fetched, key=int) == pmids
    assert len(fake_eutils.requests_to("esearch")) == 3  # plan + 2 renewals


# --------------------------------------------------------------------------- retries


def test_429_retry_after_is_honoured(fake_eutils: FakeEutils, eutils_client: EutilsClient) -> None:
    fill(fake_eutils, 3, date(2020, 1, 1), date(2020, 1, 2))
    fake_eutils.inject(Fault.rate_limit(retry_after=1), endpoint="esearch")
    assert eutils_client.count("ketamine") == 3
    first, second = fake_eutils.requests
    assert first.fault == "rate_limit" and second.fault is None
    assert second.time - first.time >= 1.0
    assert second.time - first.time < 1.8


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_then_success(
    fake_eutils: FakeEutils, eutils_client: EutilsClient, status: int
) -> None:
    fill(fake_eutils, 3, date(2020, 1, 1), date(2020, 1, 2))
    fake_eutils.inject(Fault.http(status))
    assert eutils_client.count("ketamine") == 3
    assert [r.fault for r in fake_eutils.requests] == ["status", None]


def test_persistent_server_error_gives_up_with_a_clear_message(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    fake_eutils.inject(Fault.http(503), times=None)
    with pytest.raises(EutilsServerError, match=r"HTTP 503: 503 Server Error \(gave up after 4"):
        eutils_client.count("ketamine")
    assert len(fake_eutils.requests) == 4  # max_retries=3 in the test config


def test_timeout_then_success(fake_eutils: FakeEutils, make_eutils_client: MakeClient) -> None:
    fill(fake_eutils, 3, date(2020, 1, 1), date(2020, 1, 2))
    client = make_eutils_client(timeout=(1.0, 0.5))
    fake_eutils.inject(Fault.delay(3))
    started = time.monotonic()
    assert client.count("ketamine") == 3
    assert time.monotonic() - started < 2
    assert len(fake_eutils.requests) == 2


def test_persistent_timeout_is_a_connection_error(
    fake_eutils: FakeEutils, make_eutils_client: MakeClient
) -> None:
    client = make_eutils_client(timeout=(1.0, 0.3), max_retries=1)
    fake_eutils.inject(Fault.delay(3), times=None)
    with pytest.raises(EutilsConnectionError, match=r"did not answer within 0\.3 s"):
        client.count("ketamine")


@pytest.mark.parametrize("fault", [Fault.truncated(), Fault.truncated_xml()])
def test_truncated_efetch_is_retried(
    fake_eutils: FakeEutils, eutils_client: EutilsClient, fault: Fault
) -> None:
    pmids = fill(fake_eutils, 40, date(2020, 1, 1), date(2020, 2, 1))
    search = eutils_client.esearch("ketamine")
    fake_eutils.inject(fault, endpoint="efetch")
    (batch,) = eutils_client.efetch_batches(search, batch_size=100)
    assert sorted(pmids_in(batch.xml), key=int) == pmids
    assert [r.fault for r in fake_eutils.requests_to("efetch")] == [fault.kind, None]


@pytest.mark.parametrize("fault", [Fault.truncated(), Fault.truncated_xml()])
def test_persistent_truncation_is_a_clear_error(
    fake_eutils: FakeEutils, eutils_client: EutilsClient, fault: Fault
) -> None:
    pmids = fill(fake_eutils, 40, date(2020, 1, 1), date(2020, 2, 1))
    fake_eutils.inject(fault, endpoint="efetch", times=None)
    with pytest.raises(EutilsServerError, match=r"(?i)truncated reply .*gave up after 4"):
        list(eutils_client.efetch_batches(pmids))
    assert len(fake_eutils.requests_to("efetch")) == 4


def test_efetch_error_element_is_a_query_error(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    fake_eutils.inject(Fault.error("Cannot process ID list"), endpoint="efetch")
    with pytest.raises(EutilsQueryError, match="Cannot process ID list"):
        list(eutils_client.efetch_batches(["1", "2"]))


def test_api_rate_limit_json_gives_up_with_rate_limit_exceeded(
    fake_eutils: FakeEutils, eutils_client: EutilsClient
) -> None:
    fake_eutils.inject(Fault.rate_limit(), times=None)
    with pytest.raises(RateLimitExceeded) as info:
        eutils_client.count("ketamine")
    message = str(info.value)
    assert "API rate limit exceeded (count 11, limit 10)" in message
    assert "gave up after 4 attempts" in message
    assert "127.0.0.1" not in message  # the echoed "api-key" field is never repeated
    assert info.value.status == 429
    assert len(fake_eutils.requests) == 4


def test_bad_request_is_not_retried(fake_eutils: FakeEutils, eutils_client: EutilsClient) -> None:
    fake_eutils.inject(Fault.json_error("API key invalid", status=400))
    with pytest.raises(EutilsQueryError, match=r"HTTP 400\): API key invalid"):
        eutils_client.count("ketamine")
    assert len(fake_eutils.requests) == 1


def test_unreachable_server_is_a_connection_error(make_eutils_client: MakeClient) -> None:
    client = make_eutils_client(base_url="http://127.0.0.1:9/", max_retries=1)
    with pytest.raises(EutilsConnectionError, match="Connection failed"):
        client.count("ketamine")


# --------------------------------------------------------------------------- rate & secrets


def test_rate_limit_is_never_exceeded_at_the_server(
    fake_eutils: FakeEutils, make_eutils_client: MakeClient
) -> None:
    fill(fake_eutils, 3, date(2020, 1, 1), date(2020, 1, 2))
    fake_eutils.rate_limit = 10  # the fake answers 429 like NCBI if we go faster
    client = make_eutils_client(requests_per_second=10)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(10):
                client.count("ketamine")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert errors == []
    assert len(fake_eutils.requests) == 30
    assert all(r.fault is None for r in fake_eutils.requests)
    assert fake_eutils.max_in_window(1.0) <= 10
    assert 2.5 < elapsed < 5


def test_api_key_is_sent_but_never_logged_or_shown(
    fake_eutils: FakeEutils, make_eutils_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "SECRETKEY0123456789abcdef"
    caplog.set_level(logging.DEBUG)  # root: our logger, urllib3 and werkzeug too
    fill(fake_eutils, 3, date(2020, 1, 1), date(2020, 1, 2))
    client = make_eutils_client(api_key=secret)
    assert client.config.rate == 20  # explicit rate in the test config wins

    fake_eutils.inject(Fault.rate_limit(retry_after=0), endpoint="esearch")
    assert client.count("ketamine") == 3
    fake_eutils.inject(Fault.rate_limit(retry_after=0), times=None)
    with pytest.raises(RateLimitExceeded) as rate_error:
        client.count("ketamine")
    fake_eutils.clear_faults()
    fake_eutils.inject(Fault.error(f"Invalid api_key={secret}"))
    with pytest.raises(EutilsQueryError) as query_error:
        client.count("ketamine")

    assert all(r.form["api_key"] == secret for r in fake_eutils.requests)
    assert all(urlsplit(r.url).query == "" for r in fake_eutils.requests)
    assert "retrying" in caplog.text and "esearch" in caplog.text
    assert secret not in caplog.text
    for error in (rate_error.value, query_error.value):
        assert secret not in str(error) and secret not in repr(error)
        assert secret not in str(error.__cause__ or "")
    assert "api_key=***" in str(query_error.value)
    assert secret not in repr(client.config) and secret not in repr(client)
    assert "api_key='***'" in repr(client.config)


# --------------------------------------------------------------------------- cancel


def test_cancel_from_another_thread_stops_mid_backoff(
    fake_eutils: FakeEutils, make_eutils_client: MakeClient
) -> None:
    cancel = CancelToken()
    client = make_eutils_client(cancel=cancel, max_retries=6)
    fake_eutils.inject(Fault.http(503, retry_after=30), times=None)
    outcome: list[BaseException] = []

    def work() -> None:
        try:
            client.count("ketamine")
        except EutilsError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    while not fake_eutils.requests:
        time.sleep(0.01)
    time.sleep(0.2)  # the client is now in its 30 s Retry-After wait
    cancelled_at = time.monotonic()
    cancel.cancel()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert time.monotonic() - cancelled_at < 0.5
    assert len(outcome) == 1 and isinstance(outcome[0], FetchCancelled)
    assert len(fake_eutils.requests) == 1


def test_cancel_between_batches(fake_eutils: FakeEutils, make_eutils_client: MakeClient) -> None:
    pmids = fill(fake_eutils, 300, date(2020, 1, 1), date(2020, 12, 31))
    cancel = CancelToken()
    client = make_eutils_client(cancel=cancel)
    batches = client.efetch_batches(pmids, batch_size=100)
    first = next(batches)
    assert first.count == 100
    cancel.cancel()
    with pytest.raises(FetchCancelled):
        next(batches)
    assert len(fake_eutils.requests) == 1
    with pytest.raises(FetchCancelled):
        client.count("ketamine")  # a cancelled token stays cancelled
    assert re.search(r"cancelled", str(FetchCancelled("PubMed download cancelled")))


# --------------------------------------------------------------------------- the fake itself


def test_make_pubmed_article_is_valid_against_ncbis_dtd() -> None:
    dtd = etree.DTD(str(Path(Bio.Entrez.__file__).parent / "DTDs" / "pubmed_250101.dtd"))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for article in (
        make_pubmed_article(1),
        make_pubmed_article(
            2, "Retracted: ketamine & CRPS <1 year", 2011, abstract=[("Background", "a")],
            authors=(), collective_name="CRPS Group", keywords=["NMDA"], mesh_terms=(),
            comments_corrections=[("RetractionIn", "9")],
            publication_types=("Journal Article", "Retracted Publication"), edat="2011/02/03",
        ),
    ):
        document = etree.fromstring(article_set([article]), parser)
        assert dtd.validate(document), dtd.error_log.filter_from_errors()


def test_fake_answers_get_and_faults_by_request_number(fake_eutils: FakeEutils) -> None:
    fill(fake_eutils, 25, date(2020, 1, 1), date(2020, 12, 31))
    fake_eutils.inject(Fault.http(502), at=2)
    with requests.Session() as session:
        url = fake_eutils.base_url
        search = parse_esearch_reply(
            session.get(url + "esearch.fcgi", params={"term": "x", "usehistory": "y"},
                        timeout=5).content
        )
        assert search.count == 25 and len(search.ids) == 20  # NCBI's default retmax
        params = {"WebEnv": search.webenv, "query_key": search.query_key, "retstart": "20"}
        assert session.get(url + "efetch.fcgi", params=params, timeout=5).status_code == 502
        reply = session.get(url + "efetch.fcgi", params=params, timeout=5)
        assert reply.status_code == 200
        assert pmids_in(reply.content) == ["5", "4", "3", "2", "1"]
        expired = session.get(url + "efetch.fcgi", params={**params, "WebEnv": "MCID_0"},
                              timeout=5)
        assert b"Unable to obtain query #1" in expired.content
    assert [r.method for r in fake_eutils.requests] == ["GET"] * 4
    assert [r.fault for r in fake_eutils.requests] == [None, "status", None, None]
