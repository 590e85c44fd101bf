"""One rate limiter per application: every E-utilities client the application makes waits
on the same limiter, so two dialogs (or a count and a fetch) together keep NCBI's rate;
and its processes on one machine (GUI and CLI, two CLI fetches) share it through a file."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fake_eutils import FakeEutils

from evidence_tracker.pubmed.eutils import EutilsClient, EutilsConfig, RateLimiters, SharedSlots
from evidence_tracker.services import fetch as fetch_service

RATE = 5  # requests per second; small so that two unshared limiters visibly exceed it
PER_CLIENT = 8


def _config(fake: FakeEutils) -> EutilsConfig:
    return EutilsConfig(base_url=fake.base_url, email="tests@example.org",
                        requests_per_second=RATE, timeout=(2.0, 5.0), max_retries=0)


def _count_together(clients: list[EutilsClient]) -> None:
    """Each client sends PER_CLIENT ESearch requests, all clients at the same time."""
    def work(client: EutilsClient) -> None:
        for _ in range(PER_CLIENT):
            client.count("ketamine")

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_limiters_hand_out_one_limiter_per_host_and_rate() -> None:
    limiters = RateLimiters()
    a = limiters.limiter("eutils.ncbi.nlm.nih.gov", 3)
    assert limiters.limiter("EUTILS.ncbi.nlm.nih.gov", 3.0) is a
    assert limiters.limiter("eutils.ncbi.nlm.nih.gov", 10) is not a  # an API key: 10/s
    assert limiters.limiter("127.0.0.1:8080", 3) is not a
    assert RateLimiters().limiter("eutils.ncbi.nlm.nih.gov", 3) is not a  # no global state


def test_clients_made_by_the_app_share_one_limiter_and_keep_the_rate_together(
    fake_eutils: FakeEutils,
) -> None:
    limiters = RateLimiters()
    clients = [fetch_service.make_client(_config(fake_eutils), limiters) for _ in range(2)]
    assert clients[0].limiter is clients[1].limiter
    try:
        _count_together(clients)
    finally:
        for c in clients:
            c.close()
    assert len(fake_eutils.requests) == 2 * PER_CLIENT
    assert fake_eutils.max_in_window(1.0) <= RATE


def test_clients_with_limiters_of_their_own_would_exceed_it(fake_eutils: FakeEutils) -> None:
    """The control: what the shared limiter prevents (each client alone keeps the rate)."""
    clients = [EutilsClient(_config(fake_eutils)) for _ in range(2)]
    assert clients[0].limiter is not clients[1].limiter
    try:
        _count_together(clients)
    finally:
        for c in clients:
            c.close()
    assert fake_eutils.max_in_window(1.0) > RATE


# -- across processes ------------------------------------------------------------------

CLIENT_SCRIPT = Path(__file__).with_name("rate_client.py")
API_KEY = "k" * 36


def _run_processes(fake: FakeEutils, shared: Path | None, *, locking: str = "auto",
                   api_key: str = "", each: int, processes: int = 2) -> None:
    """``processes`` real processes, each with its own RateLimiters (sharing ``shared``),
    send ``each`` ESearch requests, all starting at the same moment."""
    procs = [subprocess.Popen(
        [sys.executable, str(CLIENT_SCRIPT), fake.base_url, str(shared or "-"), locking,
         api_key or "-", str(each)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(processes)]
    try:
        for proc in procs:  # every interpreter has started and made its client
            assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            proc.stdin.flush()
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err.decode()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert len(fake.requests) == processes * each


@pytest.mark.parametrize("locking", ["flock", "lockfile"])
def test_two_processes_keep_ncbis_three_requests_a_second_together(
    fake_eutils: FakeEutils, tmp_path: Path, locking: str
) -> None:
    if locking == "flock" and sys.platform == "win32":
        pytest.skip("no flock on Windows")
    _run_processes(fake_eutils, tmp_path / "cache", locking=locking, each=5)
    assert fake_eutils.max_in_window(1.0) <= 3
    assert (tmp_path / "cache").is_dir() and list((tmp_path / "cache").iterdir())


def test_two_processes_with_an_api_key_keep_ten_a_second_together(
    fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    _run_processes(fake_eutils, tmp_path / "cache", api_key=API_KEY, each=12)
    assert fake_eutils.max_in_window(1.0) <= 10


def test_processes_with_limiters_of_their_own_would_exceed_it(
    fake_eutils: FakeEutils
) -> None:
    """The control: each process alone keeps 3 a second, together they do not."""
    _run_processes(fake_eutils, None, each=3)
    assert fake_eutils.max_in_window(1.0) > 3


def test_the_app_and_cli_share_the_rate_through_the_user_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from evidence_tracker.cli.common import Session
    from evidence_tracker.config import CACHE_ENV, rate_limit_dir

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "c"))
    assert rate_limit_dir() == tmp_path / "c" / "ncbi-rate"
    assert Session.load().limiters.shared_dir == rate_limit_dir()


def test_a_damaged_or_clock_skewed_slots_file_counts_as_empty(tmp_path: Path) -> None:
    limiters = RateLimiters(tmp_path)
    limiter = limiters.limiter("eutils.ncbi.nlm.nih.gov", 3)
    assert limiter.shared is not None
    limiter.shared.path.write_bytes(b"\x00garbage 1e308 nan\n")
    assert limiter.reserve() == 0.0
    far = time.time() + 10 * SharedSlots.HORIZON  # a clock that jumped back
    limiter.shared.path.write_text(f"{far} {far} {far} {far}\n")
    assert RateLimiters(tmp_path).limiter("eutils.ncbi.nlm.nih.gov", 3).reserve() == 0.0


def test_a_pause_after_429_holds_back_the_other_processes_too(tmp_path: Path) -> None:
    ours = RateLimiters(tmp_path).limiter("eutils.ncbi.nlm.nih.gov", 3)
    theirs = RateLimiters(tmp_path).limiter("eutils.ncbi.nlm.nih.gov", 3)
    ours.pause(30)
    assert 29 < theirs.reserve() <= 30


def test_an_unusable_cache_folder_leaves_the_limiter_working_in_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    limiter = RateLimiters(blocker / "sub").limiter("eutils.ncbi.nlm.nih.gov", 3)
    delays = [limiter.reserve() for _ in range(4)]
    assert delays[0] == 0 and delays[3] > 1.0  # the 4th waits for the window
    assert "for this process only" in caplog.text


def test_a_lock_file_left_by_a_killed_process_is_broken(tmp_path: Path) -> None:
    limiter = RateLimiters(tmp_path, locking="lockfile").limiter("host", 3)
    assert limiter.shared is not None
    lock = limiter.shared.path.with_name(limiter.shared.path.name + ".lock")
    lock.write_text("")
    old = time.time() - 2 * SharedSlots.STALE_LOCK
    os.utime(lock, (old, old))
    assert limiter.reserve() == 0.0 and not lock.exists()
