"""Benchmark: the GUI and CLI at 1k, 10k and 100k studies (issue 14).

    python bench/bench_gui.py [--sizes 1000,10000,100000] [--rounds 3] [--json out.json]
                              [--cache DIR] [--rebuild | --upgrade] [--skip-cli | --skip-gui]
                              [--skip-stalls] [--slow-after 60] [--corpus FILE]
    python bench/bench_gui.py --report a.json b.json     # one table from earlier runs

The projects are built from real PubMed records with a realistic judgements mix by
``bench/build_projects.py`` and cached (by size and schema version). Each size is measured
on a fresh copy of its cached project (the interactions write), in its own child process, so
the GUI's peak memory is that size's alone:

- the REAL ``MainWindow`` in-process on the offscreen platform, driven through its actions,
  widgets and public methods; every interaction is timed until its result is on screen: Qt
  has processed every pending event (a zero-delay timer posted behind them has fired) and the
  view showing the result has painted (``repaint()``), never a sleep;
- the longest GUI-thread stall: the lateness of a 10 ms repeating timer while the window's
  import action imports a file in the background, and while the fetch dialog fetches a
  condition from the local fake E-utilities server (tests/fake_eutils.py, run in its own
  process by bench/bench_fetch.py so its work does not share our GIL);
- the CLI commands as child processes (wall time and the child's peak RSS).

Each figure is the median of ``--rounds`` rounds (an interaction slower than ``--slow-after``
seconds is run once; the table marks it n=1). Baselines, in the same run: the next smaller
project (growth 1k→10k and 10k→100k) and a no-op interaction (Qt settled, table repainted:
the floor of the measurement under the machine's load). Each cell is wall seconds with the
measured process's CPU seconds in brackets (steadier on a shared box); the verdict applies
the issue's target to wall time. A failing CLI command is reported as FAIL with its error.
Also printed: bytes per study on disk (database file incl. WAL, after a checkpoint, divided
by the studies), the GUI process's peak RSS and each CLI command's.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (str(HERE), str(ROOT), str(ROOT / "tests")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from bench_parse import CorpusMissing, default_cache, real_corpus  # noqa: E402
from build_projects import REVIEWERS, articles, build_project, write_articles  # noqa: E402

DEFAULT_SIZES = (1_000, 10_000, 100_000)
IMPORT_RECORDS = 2_000  # the file previewed and imported while stalls are measured
IMPORT_COPY = 9  # its records: a renumbered copy of the corpus no project holds
FETCH_RECORDS = 1_000
STALL_TICK_MS = 10
SLOW_AFTER = 60.0  # seconds: an interaction slower than this is not repeated
SEARCH_TEXT = "patients"


@dataclass(frozen=True)
class Target:
    seconds: float | None = None  # every size under this
    growth: float | None = None  # 10k -> 100k at most this
    note: str = ""


WHOLE_TABLE = Target(0.2, 10.0, "< 0.2 s, growth <= 10x")
PER_DECISION = Target(0.2, 2.0, "< 0.2 s, flat (growth <= 2x)")
CLI = Target(None, 10.0, "linear (growth <= 10x)")
#: Interaction -> the issue's target at 100k.
BASELINE = "baseline: nothing done, table repainted"
INTERACTIONS: dict[str, Target] = {
    BASELINE: Target(None, None, "the measurement's floor"),
    "screening mode opens": PER_DECISION,
    "one screening decision": PER_DECISION,
    "reload after a judgement is written": PER_DECISION,
    "window open to first paint": WHOLE_TABLE,
    "sort by first author": WHOLE_TABLE,
    "sort by journal": WHOLE_TABLE,
    "clear the search (all rows back)": WHOLE_TABLE,
    "claim page with the most links": PER_DECISION,
    # The page shows first; its suggested studies (a ranked full-text search) follow from
    # the task runner into their own pane: this is until they are on screen too.
    "claim page: its suggestions shown": PER_DECISION,
    "import-preview dialog build (GUI thread)": PER_DECISION,
    "longest GUI stall: background import": Target(0.1, None, "< 0.1 s"),
    "longest GUI stall: fetch": Target(0.1, None, "< 0.1 s"),
    "CLI screen --progress": CLI,
    f"CLI search {SEARCH_TEXT} --json": CLI,
    "CLI export --format xlsx": CLI,
    "CLI export --format ris": CLI,
    "CLI report --out x.pdf": CLI,
}
MEMORY_TARGETS = {"GUI peak RSS MB": 400.0, "CLI export --format ris peak RSS MB": 300.0,
                  "CLI export --format xlsx peak RSS MB": 300.0, "bytes per study": 8192.0}


def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# =========================================================================== GUI (child)


class GuiDriver:
    """The real main window on a project copy, and the waits that make timings honest."""

    def __init__(self, db: Path, workdir: Path) -> None:
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from evidence_tracker.services import project as project_service
        from evidence_tracker.services.settings import Settings

        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                          str(workdir / "qsettings"))
        self.app = QApplication.instance() or QApplication(["bench-gui"])
        self.db = db
        self.open_project = project_service.open_or_create
        self.settings = Settings(reviewer_name=REVIEWERS[0])
        self.window: Any = None

    # -- waiting ---------------------------------------------------------------------------
    def settle(self) -> None:
        """Return once Qt has processed everything pending: a zero-delay timer queued
        behind the pending events has fired (repeated until nothing new was posted)."""
        from PySide6.QtCore import QEventLoop, QTimer

        for _ in range(3):
            fired: list[bool] = []
            QTimer.singleShot(0, functools.partial(fired.append, True))
            while not fired:
                self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        self.app.processEvents()

    def wait_until(self, done: Callable[[], bool], timeout: float = 3600.0) -> None:
        from PySide6.QtCore import QEventLoop

        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError("the GUI did not reach the expected state")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)

    def shown(self, widget: Any) -> None:
        """Settle, then paint ``widget`` now (what the user sees is drawn)."""
        self.settle()
        widget.repaint()

    def timed(self, act: Callable[[], object], visible: Callable[[], object]
              ) -> tuple[float, float]:
        """Wall and CPU seconds (this process, every thread) of ``act`` until ``visible``
        returns."""
        cpu, started = time.process_time(), time.perf_counter()
        act()
        visible()
        return time.perf_counter() - started, time.process_time() - cpu

    # -- the window ------------------------------------------------------------------------
    @property
    def project(self) -> Any:
        return self.window.project

    def open_window(self) -> tuple[float, float]:
        """Wall and CPU seconds from opening the project (as the application's start does)
        to the first paint of the window's table. Closing a window closes its project."""
        from PySide6.QtCore import QEvent, QObject

        from evidence_tracker.ui.main_window import MainWindow

        painted: list[tuple[float, float]] = []

        class PaintSpy(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint and not painted:
                    painted.append((time.perf_counter(), time.process_time()))
                return False

        if self.window is not None:
            self.close_window()
        spy = PaintSpy()
        cpu, started = time.process_time(), time.perf_counter()
        window = MainWindow(self.open_project(self.db), None, settings=self.settings)
        window.table.viewport().installEventFilter(spy)
        window.show()
        self.wait_until(lambda: bool(painted))
        seconds = painted[0][0] - started, painted[0][1] - cpu
        window.table.viewport().removeEventFilter(spy)
        self.window = window
        self.settle()
        return seconds

    def close_window(self) -> None:
        window, self.window = self.window, None
        window.close()
        window.deleteLater()
        self.settle()

    def action(self, label: str) -> Any:
        """The window's action whose text (without '&' and '…') starts with ``label``."""
        from PySide6.QtGui import QAction

        for action in self.window.findChildren(QAction):
            if action.text().replace("&", "").startswith(label):
                return action
        raise LookupError(f"no action {label!r}")

    def child(self, cls: Any, name: str = "") -> Any:
        found = self.window.findChild(cls, name) if name else self.window.findChild(cls)
        if found is None:
            raise LookupError(f"no {cls.__name__} {name!r}")
        return found

    def column(self, title: str) -> int:
        from PySide6.QtCore import Qt

        model = self.window.table.model()
        for col in range(model.columnCount()):
            if model.headerData(col, Qt.Orientation.Horizontal) == title:
                return int(col)
        raise LookupError(f"no column {title!r}")


def _screening_dialog(gui: GuiDriver) -> Any:
    from PySide6.QtWidgets import QDialog

    dialog = gui.window.findChild(QDialog, "screeningDialog")
    return dialog if dialog is not None and dialog.isVisible() else None


def _log_times(times: dict[str, list[tuple[float, float]]], *names: str) -> None:
    """Each figure as soon as it is measured (a long run leaves a trail if stopped)."""
    for name in names:
        rounds = ", ".join(f"{wall:.3f} s (CPU {cpu:.3f})" for wall, cpu in times[name])
        log(f"{name}: {rounds}")


def _one_decision(gui: GuiDriver, dialog: Any) -> tuple[float, float]:
    """Key I (include) in the screening dialog, until it shows the next study; then the
    dialog is closed (which records the session: the window re-reads, not timed)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLabel

    progress = dialog.findChild(QLabel, "screeningProgress")
    before = progress.text()
    seconds = gui.timed(
        lambda: QTest.keyClick(dialog, Qt.Key.Key_I),
        lambda: (gui.wait_until(lambda: progress.text() != before), gui.shown(dialog)))
    dialog.reject()
    gui.settle()
    return seconds


def rounds_of(rounds: int, slow_after: float, *samples: list[Any]) -> Iterator[int]:
    """Round numbers up to ``rounds``, stopping early once the latest sample of any of
    ``samples`` took over ``slow_after`` wall seconds (at 100k some interactions take
    minutes; the table marks a figure from fewer rounds)."""
    for n in range(rounds):
        if n and any(s and s[-1][0] > slow_after for s in samples):
            return
        yield n


def measure_gui(db: Path, workdir: Path, rounds: int, *, corpus: Path,
                import_records: int = IMPORT_RECORDS, fetch_records: int = FETCH_RECORDS,
                stalls: bool = True, slow_after: float = SLOW_AFTER) -> dict[str, Any]:
    """Child process: every GUI interaction, ``rounds`` times; medians and all rounds."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    from evidence_tracker.services import evidence, screening
    from evidence_tracker.services.imports import preview_file
    from evidence_tracker.ui.import_actions import ImportActions

    gui = GuiDriver(db, workdir)
    times: dict[str, list[tuple[float, float]]] = {
        name: [] for name in INTERACTIONS if not name.startswith(("CLI", "longest"))}
    import_file = workdir / "import.xml"
    write_articles(import_file, articles(corpus, import_records, first_copy=IMPORT_COPY))

    for _ in rounds_of(rounds, slow_after, times["window open to first paint"]):
        times["window open to first paint"].append(gui.open_window())
    window = gui.window
    _log_times(times, "window open to first paint")

    table = window.table
    for _ in range(rounds):  # what waiting and painting alone cost, under this load
        times[BASELINE].append(gui.timed(lambda: None, lambda: gui.shown(table.viewport())))
    for name, title in (("sort by first author", "First author"), ("sort by journal", "Journal")):
        col = gui.column(title)
        for n in rounds_of(rounds, slow_after, times[name]):
            order = (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder)[n % 2]
            times[name].append(gui.timed(lambda c=col, o=order: table.sortByColumn(c, o),
                                         lambda: gui.shown(table.viewport())))
    _log_times(times, BASELINE, "sort by first author", "sort by journal")

    search = gui.child(QLineEdit, "searchBox")
    for _ in rounds_of(rounds, slow_after, times["clear the search (all rows back)"]):
        search.setText(SEARCH_TEXT)
        QTest.keyClick(search, Qt.Key.Key_Return)
        gui.shown(table.viewport())

        def clear() -> None:
            search.clear()
            QTest.keyClick(search, Qt.Key.Key_Return)

        times["clear the search (all rows back)"].append(
            gui.timed(clear, lambda: gui.shown(table.viewport())))
    _log_times(times, "clear the search (all rows back)")

    screen_action = gui.action("Screening Mode")
    for _ in rounds_of(rounds, slow_after, times["screening mode opens"],
                       times["one screening decision"]):
        seconds = gui.timed(screen_action.trigger, lambda: (
            gui.wait_until(lambda: _screening_dialog(gui) is not None),
            gui.shown(_screening_dialog(gui))))
        times["screening mode opens"].append(seconds)
        times["one screening decision"].append(_one_decision(gui, _screening_dialog(gui)))
    _log_times(times, "screening mode opens", "one screening decision")

    context = window.context
    study_ids = [r[0] for r in gui.project.conn.execute(
        "SELECT id FROM studies ORDER BY id DESC LIMIT ?", (rounds,))]
    for n in rounds_of(rounds, slow_after, times["reload after a judgement is written"]):
        # A judgement written (as another part of the app does), then announced.
        screening.screen(gui.project, study_ids[n], "maybe", reviewer=REVIEWERS[1])
        times["reload after a judgement is written"].append(gui.timed(
            context.judgement_recorded, lambda: gui.shown(table.viewport())))
    _log_times(times, "reload after a judgement is written")

    overviews = evidence.list_claims(gui.project)
    top = max(overviews, key=lambda o: sum(o.counts.values()))  # the most linked studies
    claims = window.claims
    claims.show_claims()
    gui.settle()
    for _ in rounds_of(rounds, slow_after, times["claim page with the most links"]):
        claims.show_claim(0)
        gui.settle()
        times["claim page with the most links"].append(gui.timed(
            lambda: claims.show_claim(top.claim.id), lambda: gui.shown(claims.page)))
        gui.wait_until(lambda: not claims.suggesting)  # the next round starts idle
        claims.show_claim(0)
        gui.settle()
        times["claim page: its suggestions shown"].append(gui.timed(
            lambda: claims.show_claim(top.claim.id),
            lambda: (gui.wait_until(lambda: not claims.suggesting), gui.shown(claims.page))))
    window.show_studies()
    gui.settle()
    _log_times(times, "claim page with the most links", "claim page: its suggestions shown")

    imports = gui.child(ImportActions)
    preview = preview_file(gui.project, import_file)
    for _ in rounds_of(rounds, slow_after, times["import-preview dialog build (GUI thread)"]):
        times["import-preview dialog build (GUI thread)"].append(gui.timed(
            lambda: imports.show_preview([preview], []),
            lambda: gui.shown(imports.preview_dialog)))
        imports.preview_dialog.reject()
        gui.settle()
    _log_times(times, "import-preview dialog build (GUI thread)")

    worst: dict[str, float] = {}
    if stalls:
        worst["longest GUI stall: background import"] = _stall_during_import(gui, import_file)
        worst["longest GUI stall: fetch"] = _stall_during_fetch(gui, fetch_records)
    gui.close_window()
    return {"times": times, "stalls": worst, "gui_peak_rss_mb": peak_rss_mb()}


class StallMeter:
    """A 10 ms repeating timer on the GUI thread; the longest lateness of its ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(STALL_TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - STALL_TICK_MS / 1000)
        self.last = now

    def __enter__(self) -> StallMeter:
        self.last = time.perf_counter()
        self.timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._tick()
        self.timer.stop()


def _stall_during_import(gui: GuiDriver, path: Path) -> float:
    """The import action's background import of ``path``, until the window has re-read."""
    from evidence_tracker.ui.import_actions import ImportActions

    imports = gui.child(ImportActions)
    done: list[bool] = []
    imports.imported.connect(lambda *_a: done.append(True))
    with StallMeter() as meter:
        imports.commit_import([path])
        gui.wait_until(lambda: bool(done))
        gui.settle()
    log(f"stall during import: {meter.worst:.3f} s")
    return meter.worst


def _stall_during_fetch(gui: GuiDriver, records: int) -> float:
    """The fetch dialog fetching a condition from the fake E-utilities server (in its own
    process), until the window has re-read."""
    server = subprocess.Popen(
        [sys.executable, str(HERE / "bench_fetch.py"), "--serve", "--records",
         str(records)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    try:
        os.environ["EVIDENCE_TRACKER_EUTILS_URL"] = server.stdout.readline().strip()
        gui.window.show_fetch_dialog()
        dialog = gui.window.fetch_dialog
        dialog.update_only.setChecked(False)
        gui.settle()
        with StallMeter() as meter:
            dialog.fetch_button.click()
            gui.wait_until(lambda: not dialog.running)
            gui.settle()
        status = dialog.status.text()
        dialog.close()
        gui.settle()
    finally:
        server.stdin.write("quit\n")
        server.stdin.close()
        server.wait(timeout=60)
        server.stdout.close()
    if not status.startswith("Done"):
        raise RuntimeError(f"the fetch did not finish: {status}")
    log(f"stall during fetch: {meter.worst:.3f} s ({status})")
    return meter.worst


# =========================================================================== CLI


def run_cli(db: Path, args: list[str], env: dict[str, str] | None = None
            ) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of ``evidence-tracker --db db ARGS`` in
    a child process (interpreter start-up included: it is what the user waits for)."""
    command = [sys.executable, "-m", "evidence_tracker", "--db", str(db), *args]
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {err[-500:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure_cli(db: Path, workdir: Path, env: dict[str, str], rounds: int,
                slow_after: float = SLOW_AFTER) -> dict[str, Any]:
    commands = {
        "CLI screen --progress": ["screen", "--progress", "--reviewer", REVIEWERS[0]],
        f"CLI search {SEARCH_TEXT} --json": ["search", SEARCH_TEXT, "--json"],
        "CLI export --format xlsx": ["export", "--format", "xlsx", "--out",
                                     str(workdir / "all.xlsx")],
        "CLI export --format ris": ["export", "--format", "ris", "--out",
                                    str(workdir / "all.ris")],
        "CLI report --out x.pdf": ["report", "--out", str(workdir / "x.pdf")],
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    peaks: dict[str, list[float]] = {name: [] for name in commands}
    failures: dict[str, str] = {}
    for n in range(rounds):
        for name, args in commands.items():
            if name in failures or (n and times[name][-1][0] > slow_after):
                continue
            try:
                seconds, cpu, peak = run_cli(db, args, env)
            except RuntimeError as exc:  # reported in the table; the other commands go on
                failures[name] = str(exc).splitlines()[-1][-200:]
                log(f"{name}: FAILED {failures[name]}")
                continue
            times[name].append((seconds, cpu))
            peaks[name].append(peak)
            log(f"{name}: {seconds:.2f} s (CPU {cpu:.2f} s), peak {peak:.0f} MB")
    return {"times": times, "peaks": peaks, "failures": failures}


# =========================================================================== parent


def bytes_per_study(db: Path) -> tuple[float, int]:
    """(database + WAL bytes after a checkpoint) / studies, and the number of studies."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        studies = conn.execute("SELECT count(*) FROM studies").fetchone()[0]
    finally:
        conn.close()
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    return size / max(1, studies), studies


def child_env(workdir: Path) -> dict[str, str]:
    """Nothing the benchmark does touches the user's settings, data or keyring."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env[var] = str(workdir / var.lower())
    env.pop("NCBI_API_KEY", None)
    env["EVIDENCE_TRACKER_SETTINGS"] = str(workdir / "settings.json")
    (workdir / "settings.json").write_text(json.dumps({"reviewer_name": REVIEWERS[0]}))
    return env


def _gui_child(db: Path, workdir: Path, env: dict[str, str], args: list[str]
               ) -> dict[str, Any]:
    """Run :func:`measure_gui` in a child process (its own peak memory); its JSON result."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", str(db), "--workdir", str(workdir), *args],
        env=env, stdout=subprocess.PIPE, text=True)
    try:
        stdout, _ = child.communicate()
    finally:  # interrupted: the child goes too
        if child.poll() is None:
            child.kill()
            child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the GUI measurement failed ({child.returncode})")
    return dict(json.loads(stdout.strip().splitlines()[-1]))


def measure_size(size: int, cache: Path, rounds: int, *, corpus: Path, rebuild: bool = False,
                 upgrade: bool = False, gui: bool = True, cli: bool = True, stalls: bool = True,
                 import_records: int = IMPORT_RECORDS, fetch_records: int = FETCH_RECORDS,
                 slow_after: float = SLOW_AFTER) -> dict[str, Any]:
    """Every figure of one project size, measured on a fresh copy of its cached project."""
    cached = build_project(cache, size, corpus=corpus, rebuild=rebuild, upgrade=upgrade)
    with tempfile.TemporaryDirectory(prefix=f"bench-gui-{size}-", dir=cache) as tmp:
        workdir = Path(tmp)
        db = workdir / "project.sqlite3"
        shutil.copyfile(cached, db)
        per_study, studies = bytes_per_study(db)
        env = child_env(workdir)
        result: dict[str, Any] = {"size": size, "studies": studies,
                                  "bytes_per_study": per_study, "times": {}}
        log(f"{size}: {studies} studies, {per_study:.0f} bytes per study")
        if gui:
            found = _gui_child(db, workdir, env, [
                "--rounds", str(rounds), "--corpus", str(corpus),
                "--import-records", str(import_records), "--fetch-records",
                str(fetch_records), "--slow-after", str(slow_after),
                *([] if stalls else ["--skip-stalls"])])
            result["times"].update(found["times"])
            # A stall is one run's worst tick (no CPU figure).
            result["times"].update({k: [(v, None)] for k, v in found["stalls"].items()})
            result["gui_peak_rss_mb"] = found["gui_peak_rss_mb"]
        if cli:
            log(f"{size}: CLI ...")
            cli_found = measure_cli(db, workdir, env, rounds, slow_after)
            result["times"].update({k: v for k, v in cli_found["times"].items() if v})
            result["cli_peak_rss_mb"] = {k: max(v) for k, v in cli_found["peaks"].items()
                                         if v}
            result["cli_failures"] = cli_found["failures"]
        return result


def _median(pairs: list[Any] | None, which: int) -> float | None:
    found = [p[which] for p in pairs or [] if p[which] is not None]
    return statistics.median(found) if found else None


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _growth(medians: list[float | None]) -> list[str]:
    return [f"{b / a:.1f}x" if a and b else "-" for a, b in itertools.pairwise(medians)]


def report(results: list[dict[str, Any]], rounds: int) -> str:
    """The table: per interaction and size the median wall seconds (CPU seconds of the
    measured process in brackets), growth between sizes (wall; CPU), target and verdict."""
    sizes = [r["size"] for r in results]
    by_size = {r["size"]: r for r in results}
    label = [f"{s // 1000}k" if s >= 1000 else str(s) for s in sizes]
    head = ["interaction", *(f"{x} wall (CPU) s" for x in label)]
    head += [f"growth {a}->{b} wall; CPU" for a, b in itertools.pairwise(label)]
    head += ["target", "verdict"]
    rows = [head]
    verdicts: list[bool] = []
    for name, target in INTERACTIONS.items():
        values = [by_size[s]["times"].get(name) for s in sizes]
        if not any(values):
            continue
        wall = [_median(v, 0) for v in values]
        cpu = [_median(v, 1) for v in values]
        growth = [f"{w}; {c}" for w, c in zip(_growth(wall), _growth(cpu), strict=True)]
        checks = []
        if target.seconds is not None:
            checks.append(all(m is not None and m < target.seconds for m in wall))
        if target.growth is not None and len(wall) >= 2 and wall[-2] and wall[-1]:
            checks.append(wall[-1] / wall[-2] <= target.growth)
        if any(name in by_size[s].get("cli_failures", {}) for s in sizes):
            checks.append(False)  # the command failed at some size (see below the table)
        verdict = ("PASS" if all(checks) else "FAIL") if checks else (
            "n/a (one size)" if target.growth else "-")
        if checks:
            verdicts.append(all(checks))
        cells = [f"{_seconds(w)} ({_seconds(c)})" + (f" n={len(v)}" if v and len(v) < rounds
                                                      and c is not None else "")
                 for w, c, v in zip(wall, cpu, values, strict=True)]
        rows.append([name, *cells, *growth, target.note, verdict])
    width = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, width, strict=True)).rstrip()
             for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in width))
    lines.append("")
    lines.append(
        f"Medians of {rounds} round(s); a stall is the worst 10 ms-timer lateness of one run. "
        "Baselines: each growth column divides by the next smaller project of this same "
        "run; the first row is the floor of the measurement itself (Qt settled and the table "
        "repainted with nothing done), which shows what the machine's load adds. "
        "Verdicts use wall time and the largest size (issue 14's targets); the CPU figure "
        "(all threads of the measured process) is steadier on a shared machine.")
    for r in results:
        memory = [f"{r['bytes_per_study']:.0f} bytes per study on disk (target <= 8192: "
                  f"{'PASS' if r['bytes_per_study'] <= 8192 else 'FAIL'})"]
        if "gui_peak_rss_mb" in r:
            memory.append(f"GUI peak RSS {r['gui_peak_rss_mb']:.0f} MB (target < 400: "
                          f"{'PASS' if r['gui_peak_rss_mb'] < 400 else 'FAIL'})")
        for name, peak in r.get("cli_peak_rss_mb", {}).items():
            short = name.removeprefix("CLI ")
            if "export" in name:
                memory.append(f"{short} peak RSS {peak:.0f} MB (target < 300: "
                              f"{'PASS' if peak < 300 else 'FAIL'})")
            else:
                memory.append(f"{short} peak RSS {peak:.0f} MB")
        lines.append(f"{r['size']} ({r['studies']} studies): " + "; ".join(memory))
        for name, error in r.get("cli_failures", {}).items():
            lines.append(f"{r['size']}: {name} FAILED: {error}")
    lines.append(f"{sum(verdicts)} of {len(verdicts)} interaction targets met")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="project sizes in studies (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per figure (3)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--cache", type=Path, default=default_cache(),
                        help="corpus and built projects (%(default)s)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached projects")
    parser.add_argument("--upgrade", action="store_true", help="a project missing from the "
                        "cache is migrated from an older-schema build of it when there is one")
    parser.add_argument("--skip-cli", action="store_true", help="GUI only")
    parser.add_argument("--skip-gui", action="store_true", help="CLI only")
    parser.add_argument("--corpus", type=Path,
                        help="a PubmedArticleSet file to build from instead of the real NLM "
                        "update file (the smoke test's generated one)")
    parser.add_argument("--import-records", type=int, default=IMPORT_RECORDS,
                        help="records of the file previewed and imported (%(default)s)")
    parser.add_argument("--fetch-records", type=int, default=FETCH_RECORDS,
                        help="records fetched from the fake E-utilities (%(default)s)")
    parser.add_argument("--skip-stalls", action="store_true", help="no import and fetch")
    parser.add_argument("--slow-after", type=float, default=SLOW_AFTER,
                        help="an interaction slower than this many seconds is not repeated "
                        "(%(default)s)")
    parser.add_argument("--report", type=Path, nargs="+", metavar="JSON",
                        help="print the table of earlier --json outputs (sizes merged)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        result = measure_gui(args.child, args.workdir, args.rounds, corpus=args.corpus,
                             import_records=args.import_records,
                             fetch_records=args.fetch_records, stalls=not args.skip_stalls,
                             slow_after=args.slow_after)
        print(json.dumps(result))
        return 0

    if args.report:
        merged: dict[int, dict[str, Any]] = {}
        for path in args.report:  # a size measured in two runs (GUI, CLI): both kept
            for r in json.loads(path.read_text()):
                into = merged.setdefault(r["size"], {**r, "times": {}})
                into["times"].update(r["times"])
                into.update({k: v for k, v in r.items() if k != "times"})
        print(report([merged[s] for s in sorted(merged)], args.rounds))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    try:
        corpus = args.corpus or real_corpus(args.cache)
    except CorpusMissing as exc:
        print(f"error: the real corpus is not available: {exc}", file=sys.stderr)
        return 2
    results = [measure_size(size, args.cache, args.rounds, corpus=corpus,
                            rebuild=args.rebuild, upgrade=args.upgrade,
                            gui=not args.skip_gui, cli=not args.skip_cli,
                            stalls=not args.skip_stalls, import_records=args.import_records,
                            fetch_records=args.fetch_records, slow_after=args.slow_after)
               for size in sizes]
    print(report(results, args.rounds))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
