"""Run one hostile import in a child process and say how it ended.

Each case is ``evidence-tracker --db DB import FILE`` in a fresh Python process (what a
user runs), with a wall-clock limit and the child's peak memory measured, so that a hang
or a memory blow-up is caught rather than suffered. An outcome is one of:

- ``clean``: exit 0;
- ``refused``: exit 1 with a message and no traceback (bad input, clearly told);
- ``crash``: a traceback, another exit status, or death by a signal;
- ``hang``: still running at the time limit (the child is killed).

A refused file must leave the project as it was: :func:`project_digest` compares the
rows of every table before and after.

The suites: ``tests/fuzz/test_*.py``. They run a quick sample in ``make test``; set
``EVIDENCE_TRACKER_FUZZ=long`` for the long run (more cases per format).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: The quick run (``make test``) or the long one.
LONG = os.environ.get("EVIDENCE_TRACKER_FUZZ", "") == "long"
#: Per-case limits: a case over them is a hang, or a failure of bounded memory.
TIME_LIMIT_S = 60.0 if LONG else 20.0
MEMORY_LIMIT_MB = 600.0

_CHILD = r"""
import json, resource, sys, time
from evidence_tracker.__main__ import main
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
code = None
try:
    code = main(argv)
finally:
    # Written even when main() raises: the traceback still goes to stderr.
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across fork+exec, so it would report
    # the pytest process's own size for every case.
    peak_kib = 0
    try:
        with open("/proc/self/status") as status:
            peak_kib = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(report, "w") as out:
        json.dump({"code": code, "seconds": time.perf_counter() - start,
                   "peak_mb": peak_kib / 1024}, out)
sys.exit(code)
"""


@dataclass(frozen=True)
class Outcome:
    kind: str  # clean | refused | crash | hang
    seconds: float
    peak_mb: float
    exit_code: int | None
    stderr: str

    def __str__(self) -> str:
        tail = self.stderr.strip().splitlines()[-1:] if self.stderr.strip() else []
        return (f"{self.kind} in {self.seconds:.2f} s, {self.peak_mb:.0f} MB, "
                f"exit {self.exit_code}: {tail[0] if tail else ''}")


def run_import(db: Path, path: Path, *extra: str, time_limit: float = TIME_LIMIT_S
               ) -> Outcome:
    """Import ``path`` into the project ``db`` in a child process (``extra``: more
    arguments for ``import``, e.g. ``--dry-run``)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        argv = ["--db", str(db), "import", str(path), *extra]
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-c", _CHILD, str(report), *argv],
                                  capture_output=True, text=True, errors="replace",
                                  timeout=time_limit, env=env, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) \
                else (exc.stderr or "")
            return Outcome("hang", time.perf_counter() - start, 0.0, None, err)
        measured = json.loads(report.read_text()) if report.exists() else {}
        seconds = float(measured.get("seconds", time.perf_counter() - start))
        peak = float(measured.get("peak_mb", 0.0))
        if "Traceback (most recent call last)" in done.stderr or \
                done.returncode not in (0, 1):
            kind = "crash"
        else:
            kind = "clean" if done.returncode == 0 else "refused"
        return Outcome(kind, seconds, peak, done.returncode, done.stderr)


def project_digest(db: Path) -> str:
    """A digest of every row of every table (the project's content, not its bytes: a
    read may checkpoint the WAL without changing anything)."""
    digest = hashlib.sha256()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            digest.update(table.encode())
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr(row).encode())
    finally:
        conn.close()
    return digest.hexdigest()


def new_project(folder: Path) -> Path:
    """A fresh, initialised project file in ``folder``."""
    db = folder / "fuzz.sqlite3"
    done = subprocess.run([sys.executable, "-m", "evidence_tracker", "--db", str(db), "init"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    return db


@dataclass
class Tally:
    """Outcome counts and the largest case of one format (for the closing note)."""

    fmt: str
    counts: dict[str, int]
    largest: tuple[int, Outcome] | None = None  # (input bytes, outcome)

    def add(self, size: int, outcome: Outcome) -> None:
        self.counts[outcome.kind] = self.counts.get(outcome.kind, 0) + 1
        if self.largest is None or size > self.largest[0]:
            self.largest = (size, outcome)

    def line(self) -> str:
        counts = ", ".join(f"{k} {self.counts.get(k, 0)}"
                           for k in ("clean", "refused", "crash", "hang"))
        big = (f"; largest {self.largest[0] / 1e6:.1f} MB: {self.largest[1].seconds:.2f} s, "
               f"{self.largest[1].peak_mb:.0f} MB peak") if self.largest else ""
        return f"{self.fmt}: {sum(self.counts.values())} files ({counts}){big}"
