"""The audit-trail check at scale: ``verify`` over 100,000 events (what the GUI runs in the
background when a project opens), against a baseline of reading the same rows without
hashing, and the migration that chains events recorded before the chain existed.

    .venv/bin/python bench/bench_event_chain.py [EVENTS]
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evidence_tracker.config import migrations_dir  # noqa: E402
from evidence_tracker.store import open_project  # noqa: E402
from evidence_tracker.store.event_chain import CHAIN_SELECT  # noqa: E402
from evidence_tracker.store.events import append_event, ensure_reviewer, verify_chain  # noqa: E402


def main(n: int = 100_000) -> int:
    folder = Path(tempfile.mkdtemp(prefix="bench-chain-"))
    try:
        path = folder / "chain.sqlite3"
        with open_project(path) as project:
            reviewers = [ensure_reviewer(project, name) for name in ("Ana", "Ben", "Carla")]
            t = time.perf_counter()
            with project.transaction():
                for i in range(n):
                    append_event(project, "screening", reviewer_id=reviewers[i % 3],
                                 after={"decision": "include", "reason": "x" * (i % 40)},
                                 note="bench")
            append_s = time.perf_counter() - t
            t = time.perf_counter()
            rows = project.conn.execute(CHAIN_SELECT + " ORDER BY e.id").fetchall()
            read_s = time.perf_counter() - t
            t = time.perf_counter()
            check = verify_chain(project)
            verify_s = time.perf_counter() - t
        assert check.ok and check.events == n == len(rows)
        print(f"events: {n}")
        print(f"append (chained, one step): {append_s:.2f} s ({append_s / n * 1e6:.1f} µs/event)")
        print(f"baseline, read the rows:    {read_s:.3f} s")
        print(f"verify the whole chain:     {verify_s:.3f} s ({verify_s / read_s:.1f}x the read)")

        old = folder / "old"
        old.mkdir()
        for name in ("0001_initial.sql", "0002_claim_kind.sql"):
            shutil.copy(migrations_dir() / name, old / name)
        legacy = folder / "legacy.sqlite3"
        open_project(legacy, migrations=old).close()
        conn = sqlite3.connect(legacy, isolation_level=None)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events(occurred_at, kind, after, note) VALUES (?, 'screening', ?, '')",
            ((f"2025-01-01T00:00:{i % 60:02d}Z", json.dumps({"n": i})) for i in range(n)))
        conn.execute("COMMIT")
        conn.close()
        t = time.perf_counter()
        open_project(legacy).close()
        print(f"migration chaining {n} old events: {time.perf_counter() - t:.2f} s")
    finally:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
