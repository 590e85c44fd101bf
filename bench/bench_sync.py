"""Team sync at scale, against a throw-away PostgreSQL started here (tests/team/pg_cluster):

* first sync of N events (default 50,000): the push from the machine that wrote them, and
  the pull into a fresh project of the same reviewer's second machine (paged; peak Python
  memory of the pull; a pull killed half-way and resumed);
* an incremental sync of 100 events (push, then the other machine's pull);

each as a ratio against one ``COPY ... TO STDOUT`` of the same rows from the server (the
least any transfer of those rows can cost). Medians of 3 runs.

    .venv/bin/python bench/bench_sync.py [EVENTS]
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import psycopg  # noqa: E402
from team.pg_cluster import running_cluster  # noqa: E402

from evidence_tracker.domain.models import Study  # noqa: E402
from evidence_tracker.services import team as team_service  # noqa: E402
from evidence_tracker.store import Project, open_project  # noqa: E402
from evidence_tracker.store.events import append_event, ensure_reviewer  # noqa: E402
from evidence_tracker.store.studies import upsert_studies  # noqa: E402

PASSWORD = "bench-password"
STUDIES = 500


def timed_sync(project: Project) -> float:
    t = time.perf_counter()
    team_service.sync(project, password=PASSWORD)
    return time.perf_counter() - t


def write_events(project: Project, login: str, n: int, offset: int = 0) -> None:
    reviewer = ensure_reviewer(project, login)
    ids = [r[0] for r in project.conn.execute("SELECT id FROM studies ORDER BY id")]
    with project.transaction():
        for i in range(offset, offset + n):
            append_event(project, "screening", reviewer_id=reviewer, study_id=ids[i % len(ids)],
                         after={"decision": "include" if i % 3 else "exclude",
                                "reason": "" if i % 3 else "Wrong population", "note": ""})


def copy_seconds(admin_url: str, last: int | None = None) -> float:
    """One COPY of the project's events (the newest ``last`` of them) to the client."""
    where = "" if last is None else \
        f" WHERE seq > (SELECT max(seq) FROM team.events) - {last * 2}" \
        f" ORDER BY seq DESC LIMIT {last}"
    with psycopg.connect(admin_url) as conn:
        t = time.perf_counter()
        size = 0
        with conn.cursor().copy(f"COPY (SELECT * FROM team.events{where}) TO STDOUT") as copy:
            for block in copy:
                size += len(block)
        return time.perf_counter() - t


def fresh_machine(folder: Path, name: str, url: str, project_id: str) -> Project:
    project = open_project(folder / name / "p.sqlite3")
    team_service.join(project, url, project_id, password=PASSWORD, remember=False)
    return project


def main(n: int = 50_000) -> int:
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        with running_cluster() as cluster:
            return run(cluster, folder, n)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(cluster: object, folder: Path, n: int) -> int:
    from team.pg_cluster import Cluster
    assert isinstance(cluster, Cluster)
    studies = [Study(pmid=str(10_000 + i), title=f"Ketamine study {i}", year=2020,
                     abstract="Low-dose ketamine infusion for chronic pain. " * 5)
               for i in range(STUDIES)]
    push_s, pull_s, copy_s, inc_push_s, inc_pull_s, inc_copy_s = [], [], [], [], [], []
    peak_mb = resumed_ok = 0.0
    pages = 0
    for run_no in range(3):
        dbname = cluster.new_database()
        admin = cluster.url(dbname)
        init = team_service.init_server(admin, "bench")
        assert init.project_id
        login = f"ana_{dbname[-6:]}"
        team_service.add_reviewer(admin, login, "reviewer", PASSWORD, init.project_id)
        url = cluster.url(dbname, login, PASSWORD)
        source = fresh_machine(folder / str(run_no), "source", url, init.project_id)
        upsert_studies(source, studies)
        write_events(source, login, n)
        push_s.append(timed_sync(source))
        copy_s.append(copy_seconds(admin))
        target = fresh_machine(folder / str(run_no), "target", url, init.project_id)
        if run_no == 0:
            # Peak memory of a first pull, and a pull killed half-way then resumed.
            tracemalloc.start()

            def stop_half_way(report: team_service.SyncReport) -> None:
                if report.pulled >= n // 2:
                    raise KeyboardInterrupt

            with contextlib.suppress(KeyboardInterrupt):
                team_service.sync(target, password=PASSWORD, progress=stop_half_way)
            half = target.conn.execute("SELECT count(*) FROM events").fetchone()[0]
            report = team_service.sync(target, password=PASSWORD)
            peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            total = target.conn.execute("SELECT count(*) FROM events").fetchone()[0]
            resumed_ok = float(0 < half < n and total == n)
            pages = report.pages
        else:
            pull_s.append(timed_sync(target))
            assert target.conn.execute("SELECT count(*) FROM events").fetchone()[0] == n
        write_events(source, login, 100, offset=n)
        inc_push_s.append(timed_sync(source))
        inc_pull_s.append(timed_sync(target))
        inc_copy_s.append(copy_seconds(admin, 100))
        source.close()
        target.close()
    med = statistics.median
    print(f"events: {n} over {STUDIES} studies; medians of 3 (pull: of 2, the first run "
          "measured memory and resumption)")
    print(f"baseline, one COPY of the {n} event rows:  {med(copy_s):.3f} s")
    print(f"first push of {n} events:                {med(push_s):.2f} s "
          f"({med(push_s) / med(copy_s):.0f}x the COPY)")
    print(f"first pull of {n} events (paged):        {med(pull_s):.2f} s "
          f"({med(pull_s) / med(copy_s):.0f}x the COPY; "
          f"{n / med(pull_s):.0f} events/s)")
    print(f"pull peak Python memory (tracemalloc):     {peak_mb:.1f} MB, {pages} page(s) after "
          f"resuming; killed half-way and resumed: {'ok' if resumed_ok else 'FAILED'}")
    print(f"baseline, one COPY of 100 event rows:      {med(inc_copy_s) * 1000:.1f} ms")
    print(f"incremental sync, push 100 events:         {med(inc_push_s) * 1000:.0f} ms "
          f"({med(inc_push_s) / med(inc_copy_s):.0f}x the COPY)")
    print(f"incremental sync, pull 100 events:         {med(inc_pull_s) * 1000:.0f} ms "
          f"({med(inc_pull_s) / med(inc_copy_s):.0f}x the COPY)")
    return 0 if resumed_ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000))
