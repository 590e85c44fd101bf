"""Fetching conditions end to end: a real local E-utilities server -> parser -> SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_eutils import FakeEutils, Fault, make_pubmed_article, spread_edats

from evidence_tracker.__main__ import main
from evidence_tracker.pubmed.eutils import (
    CancelToken,
    EutilsClient,
    EutilsConfig,
    EutilsServerError,
    FetchCancelled,
)
from evidence_tracker.services.fetch import fetch_condition
from evidence_tracker.store import Project, open_project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import search_runs as run_store
from evidence_tracker.store.events import history

FAST = {"timeout": (2.0, 5.0), "max_retries": 2, "backoff_base": 0.01, "backoff_cap": 0.02}


def _article(pmid: int, **kw: object) -> bytes:
    return make_pubmed_article(
        pmid, title=f"Ketamine infusion study number {pmid} in CRPS", **kw  # type: ignore[arg-type]
    )


@pytest.fixture
def fake() -> Iterator[FakeEutils]:
    with FakeEutils.running() as server:
        yield server
        server.check()


def _fill(fake: FakeEutils, n: int, first: int = 1000) -> list[str]:
    from datetime import date

    pmids = [str(first + i) for i in range(n)]
    edats = list(spread_edats(n, date(2001, 1, 1), date(2020, 12, 31)))
    fake.add_records(
        (p, e, _article(int(p), year=int(e[:4]), edat=e)) for p, e in zip(pmids, edats, strict=True)
    )
    return pmids


@pytest.fixture
def crps_project(project: Project) -> Project:
    condition_store.upsert_conditions(
        project, [{"slug": "crps", "name": "CRPS", "query": "ketamine AND crps"}]
    )
    return project


def _client(fake: FakeEutils, cancel: CancelToken | None = None, rate: float = 50) -> EutilsClient:
    config = EutilsConfig(base_url=fake.base_url, requests_per_second=rate, **FAST)  # type: ignore[arg-type]
    return EutilsClient(config, cancel=cancel)


def _count(project: Project, sql: str) -> int:
    return int(project.conn.execute(sql).fetchone()[0])


def test_full_fetch_stores_every_record_once(fake: FakeEutils, crps_project: Project) -> None:
    pmids = _fill(fake, 1234)
    with _client(fake) as client:
        summary = fetch_condition(crps_project, "crps", client, batch_size=200)
    assert (summary.status, summary.kind, summary.total) == ("done", "full", 1234)
    assert summary.fetched == summary.new == 1234 and summary.updated == 0
    assert _count(crps_project, "SELECT count(DISTINCT pmid) FROM studies") == 1234
    assert _count(crps_project, "SELECT count(*) FROM studies_fts") == 1234
    assert _count(crps_project, "SELECT count(*) FROM study_conditions") == 1234
    assert len(fake.requests_to("efetch")) == 7  # ceil(1234 / 200)
    stored = {r[0] for r in crps_project.conn.execute("SELECT pmid FROM studies")}
    assert stored == set(pmids)
    (run,) = run_store.list_runs(crps_project)
    assert (run.status, run.fetched_count, run.new_count, run.total_count) == (
        "done", 1234, 1234, 1234,
    )
    # A second full run changes nothing.
    with _client(fake) as client:
        again = fetch_condition(crps_project, "crps", client, batch_size=500)
    assert (again.new, again.updated, again.fetched) == (0, 0, 1234)
    assert _count(crps_project, "SELECT count(*) FROM studies") == 1234


def test_failure_mid_fetch_resumes_at_the_cursor(fake: FakeEutils, crps_project: Project) -> None:
    _fill(fake, 1000)
    fake.inject(Fault.http(500), endpoint="efetch", at=range(5, 40))  # batch 3 onwards fails
    with _client(fake) as client, pytest.raises(EutilsServerError):
        fetch_condition(crps_project, "crps", client, batch_size=100)
    (run,) = run_store.list_runs(crps_project)
    assert run.status == "failed" and "500" in (run.error or "")
    stored = _count(crps_project, "SELECT count(*) FROM studies")
    assert stored == run.fetched_count == run.cursor["offset"] > 0
    fake.clear_faults()
    before = len(fake.requests_to("efetch"))
    with _client(fake) as client:
        summary = fetch_condition(crps_project, "crps", client, batch_size=100)
    assert summary.resumed and summary.run_id == run.id and summary.status == "done"
    assert _count(crps_project, "SELECT count(*) FROM studies") == 1000
    first_retry = fake.requests_to("efetch")[before]
    assert int(first_retry.params["retstart"]) == stored  # not from the start again


def test_max_records_then_continue(fake: FakeEutils, crps_project: Project) -> None:
    _fill(fake, 700)
    with _client(fake) as client:
        first = fetch_condition(crps_project, "crps", client, batch_size=200, max_records=250)
    assert (first.status, first.fetched) == ("interrupted", 250)
    assert _count(crps_project, "SELECT count(*) FROM studies") == 250
    with _client(fake) as client:
        rest = fetch_condition(crps_project, "crps", client, batch_size=200)
    assert rest.resumed and rest.status == "done" and rest.fetched == 700
    assert _count(crps_project, "SELECT count(*) FROM studies") == 700


def test_cancel_keeps_what_was_stored(fake: FakeEutils, crps_project: Project) -> None:
    _fill(fake, 600)
    cancel = CancelToken()

    def progress(p) -> None:
        if p.done >= 100:
            cancel.cancel()

    with _client(fake, cancel) as client, pytest.raises(FetchCancelled):
        fetch_condition(crps_project, "crps", client, batch_size=100, progress=progress)
    (run,) = run_store.list_runs(crps_project)
    assert run.status == "cancelled"
    assert _count(crps_project, "SELECT count(*) FROM studies") == run.fetched_count == 100
    with _client(fake) as client:
        assert fetch_condition(crps_project, "crps", client, batch_size=100).fetched == 600
    assert _count(crps_project, "SELECT count(*) FROM studies") == 600


def test_update_fetches_new_and_revised_and_flags_retractions(
    fake: FakeEutils, crps_project: Project
) -> None:
    pmids = _fill(fake, 300)
    with _client(fake) as client:
        fetch_condition(crps_project, "crps", client, batch_size=100)
    today = datetime.now(UTC).strftime("%Y/%m/%d")
    new = [str(5000 + i) for i in range(5)]
    fake.add_records((p, today, _article(int(p), edat=today)) for p in new)
    retracted_pmid, corrected_pmid = pmids[10], pmids[20]
    old_edat = fake.edat_of(retracted_pmid)
    fake.add_record(retracted_pmid, old_edat, _article(
        int(retracted_pmid), edat=old_edat,
        publication_types=("Journal Article", "Retracted Publication"),
        comments_corrections=(("RetractionIn", "9999999"),),
    ), mdat=today)
    fake.add_record(corrected_pmid, fake.edat_of(corrected_pmid), _article(
        int(corrected_pmid), edat=fake.edat_of(corrected_pmid),
        comments_corrections=(("ErratumIn", "9999998"),),
    ), mdat=today)
    efetch_before = len(fake.requests_to("efetch"))
    with _client(fake) as client:
        summary = fetch_condition(crps_project, "crps", client, update=True)
    assert summary.kind == "update" and summary.status == "done"
    assert summary.new == 5
    assert summary.updated == 2
    assert summary.retracted == [retracted_pmid]
    assert summary.fetched <= 12  # the new and the revised, not the 300 already held
    assert len(fake.requests_to("efetch")) - efetch_before <= 2
    assert _count(crps_project, "SELECT count(*) FROM studies") == 305
    sid = crps_project.conn.execute(
        "SELECT id FROM studies WHERE pmid = ?", (retracted_pmid,)
    ).fetchone()[0]
    assert crps_project.conn.execute(
        "SELECT retracted FROM studies WHERE id = ?", (sid,)
    ).fetchone()[0] == 1
    reasons = [e.after["reason"] for e in history(crps_project) if e.kind == "rereview"]
    assert sorted(reasons) == ["notice", "retracted"]
    revisions = _count(crps_project, "SELECT count(*) FROM study_revisions")
    assert revisions == 2  # the old versions are kept, not silently overwritten


def test_rate_limit_is_never_exceeded(fake: FakeEutils, crps_project: Project) -> None:
    _fill(fake, 400)
    with _client(fake, rate=4) as client:
        fetch_condition(crps_project, "crps", client, batch_size=50)
    assert len(fake.requests) >= 9
    assert fake.max_in_window(1.0) <= 4


def test_cli_fetch_with_progress(
    fake: FakeEutils, crps_project: Project, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    _fill(fake, 120)
    monkeypatch.setenv("EVIDENCE_TRACKER_EUTILS_URL", fake.base_url)
    path = str(crps_project.path)
    assert main(["--db", path, "fetch", "crps", "--max", "50", "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert (summary["fetched"], summary["status"]) == (50, "interrupted")
    assert "crps: new records 50/120" in captured.err
    assert main(["--db", path, "fetch", "crps"]) == 0
    assert "crps: 120 of 120 records" in capsys.readouterr().out
    assert main(["--db", path, "fetch"]) == 2
    assert "name one or more conditions" in capsys.readouterr().err
    assert main(["--db", path, "fetch", "gout"]) == 1
    assert "unknown condition(s): gout" in capsys.readouterr().err


def test_cli_reports_an_unreachable_server(crps_project: Project, monkeypatch, capsys) -> None:
    monkeypatch.setenv("EVIDENCE_TRACKER_EUTILS_URL", "http://127.0.0.1:9/entrez/eutils/")
    from evidence_tracker.pubmed import eutils

    monkeypatch.setattr(eutils.EutilsConfig, "__init__", _fast_init(eutils.EutilsConfig.__init__))
    assert main(["--db", str(crps_project.path), "fetch", "crps"]) == 1
    err = capsys.readouterr().err
    assert "crps:" in err and "Run the same command again to resume" in err


def _fast_init(original):
    def init(self, *args, **kwargs):
        kwargs.update(max_retries=1, backoff_base=0.01, backoff_cap=0.01, timeout=(1.0, 1.0))
        original(self, *args, **kwargs)

    return init


_KILLED_FETCH = textwrap.dedent(
    """
    import sys
    sys.path[:0] = {paths!r}
    from evidence_tracker.pubmed.eutils import EutilsClient, EutilsConfig
    from evidence_tracker.services.fetch import fetch_condition
    from evidence_tracker.store import open_project

    project = open_project(sys.argv[1])
    config = EutilsConfig(base_url=sys.argv[2], requests_per_second=50)
    with EutilsClient(config) as client:
        fetch_condition(project, "crps", client, batch_size=50,
                        progress=lambda p: print(p.done, flush=True))
    """
)


@pytest.mark.slow
def test_killed_fetch_resumes_with_every_record_exactly_once(
    fake: FakeEutils, crps_project: Project
) -> None:
    _fill(fake, 1500)
    fake.inject(Fault.delay(0.05), endpoint="efetch", times=None)  # slow enough to kill
    root = str(Path(__file__).resolve().parents[2])
    script = _KILLED_FETCH.format(paths=[root])
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(crps_project.path), fake.base_url],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line and int(line) >= 400:
            break
    proc.kill()
    proc.wait()
    proc.stdout.close()
    fake.clear_faults()
    with open_project(crps_project.path) as project:
        assert project.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (run,) = run_store.list_runs(project)
        assert run.status == "running"  # killed: nobody could record the end
        stored = _count(project, "SELECT count(*) FROM studies")
        assert stored == run.fetched_count == run.cursor["offset"] and 400 <= stored < 1500
        with _client(fake) as client:
            summary = fetch_condition(project, "crps", client, batch_size=50)
        assert summary.resumed and summary.status == "done"
        assert _count(project, "SELECT count(*) FROM studies") == 1500
        assert _count(project, "SELECT count(DISTINCT pmid) FROM studies") == 1500
        assert _count(project, "SELECT count(*) FROM study_conditions") == 1500
