"""A killed import: its parse helpers end with it, and its run is closed as interrupted
when the project is next opened (a run of a live process is left running).

These use real processes: the CLI importing a file large enough for helper processes,
killed with SIGKILL mid-import, and the processes read from /proc (Linux).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_eutils import article_set, make_pubmed_article

from evidence_tracker.pubmed import pipeline
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import search_runs as run_store

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="reads processes from /proc (Linux)")


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def _alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")  # a zombie has ended


def _children(pid: int) -> dict[int, str]:
    """The live child processes of ``pid`` with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields is None or fields[1] != str(pid) or not _alive(int(entry.name)):
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        found[int(entry.name)] = cmdline
    return found


def _wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def _fetched(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
            row = conn.execute("SELECT max(fetched_count) FROM search_runs").fetchone()
        return int(row[0] or 0)
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="module")
def large_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PubMed XML file large enough to be parsed in helper processes."""
    path = tmp_path_factory.mktemp("large") / "large.xml"
    path.write_bytes(article_set(make_pubmed_article(p) for p in range(1, 4501)))
    assert path.stat().st_size > pipeline.SUBPROCESS_MIN_BYTES
    return path


@pytest.fixture
def started() -> Iterator[list[int]]:
    """Pids of processes the test started; whatever is left of them is killed after it."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="helpers run on two or more cores")
@pytest.mark.parametrize("death_signal", [True, False], ids=["death-signal", "watch-only"])
def test_helpers_of_a_killed_import_end_with_it(
    large_xml: Path, tmp_path: Path, started: list[int], death_signal: bool
) -> None:
    """With Linux's parent-death signal, and with the portable watch (pipe EOF, parent
    pid) alone, as on other systems."""
    db = tmp_path / "project.sqlite3"
    open_or_create(db).close()  # seeded before, so the import starts at once
    env = {k: v for k, v in os.environ.items() if k != pipeline.NO_DEATH_SIGNAL_ENV}
    if not death_signal:
        env[pipeline.NO_DEATH_SIGNAL_ENV] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "evidence_tracker", "--db", str(db), "import", str(large_xml)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    started.append(proc.pid)
    try:
        def helpers() -> dict[int, str]:
            return {pid: cmd for pid, cmd in _children(proc.pid).items()
                    if "spawn_main" in cmd}

        _wait_for(lambda: len(helpers()) >= pipeline.HELPERS and _fetched(db) > 0, 60,
                  "the import to store records parsed by its helpers")
        time.sleep(0.3)  # the helpers fill their queues
        descendants = _children(proc.pid)  # the helpers and multiprocessing's resource tracker
        started.extend(descendants)
        assert any("resource_tracker" in cmd for cmd in descendants.values())
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in descendants) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = {pid: cmd for pid, cmd in descendants.items() if _alive(pid)}
    assert not left, f"still running after the import was killed: {left}"

    with open_or_create(db) as project:  # the next open closes the run it left running
        (run,) = [r for r in run_store.list_runs(project) if r.kind == "import"]
    assert run.status == "interrupted" and run.finished_at
    assert run.error == f"The process {proc.pid} running it ended before it finished."
    assert 0 < run.fetched_count < 4500  # its cursor stays


_RUN_HOLDER = """
import sys
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import search_runs
project = open_or_create(sys.argv[1])
run = search_runs.start_run(project, condition_id=None, query="import x", kind="import",
                            mindate=None, maxdate=None, cursor={})
print(run.id, flush=True)
sys.stdin.readline()
"""


def test_a_run_of_a_live_process_stays_running_until_that_process_dies(
    tmp_path: Path, started: list[int]
) -> None:
    db = tmp_path / "project.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", _RUN_HOLDER, str(db)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    started.append(proc.pid)
    assert proc.stdout is not None
    run_id = int(proc.stdout.readline())
    with open_or_create(db) as project:  # another window or CLI opens the project meanwhile
        run = run_store.get_run(project, run_id)
        assert run.status == "running" and run.owner == run_store.process_owner(proc.pid)
        assert run_store.owner_alive(run.owner)
    proc.kill()
    proc.wait()
    proc.stdout.close()
    assert proc.stdin is not None
    proc.stdin.close()
    with open_or_create(db) as project:
        assert run_store.get_run(project, run_id).status == "interrupted"


def test_a_pid_given_to_another_process_does_not_keep_a_run_open(tmp_path: Path) -> None:
    """The run's process is gone but its pid now belongs to a live one (here: this one)."""
    me = run_store.process_owner()
    host, pid, start = me.split("/")
    assert start, "Linux gives every process a start token"
    with open_or_create(tmp_path / "p.sqlite3") as project:
        ours = run_store.start_run(project, condition_id=None, query="q", kind="import",
                                   mindate=None, maxdate=None, cursor={})
        reused = run_store.start_run(project, condition_id=None, query="q", kind="import",
                                     mindate=None, maxdate=None, cursor={})
        older = run_store.start_run(project, condition_id=None, query="q", kind="import",
                                    mindate=None, maxdate=None, cursor={})
        project.conn.execute("UPDATE search_runs SET owner = ? WHERE id = ?",
                             (f"{host}/{pid}/{start}0", reused.id))
        project.conn.execute("UPDATE search_runs SET owner = NULL WHERE id = ?", (older.id,))
        assert run_store.close_abandoned_runs(project) == [reused.id, older.id]
        assert run_store.get_run(project, ours.id).status == "running"
        assert run_store.get_run(project, older.id).error == \
            "The process running it ended before it finished."
