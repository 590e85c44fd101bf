"""The search-run log: one row per fetch of a condition, with its resumable cursor.

The cursor is written in the same transaction as the batch it follows, so a run killed at
any moment resumes exactly after the last stored batch. The log feeds the PRISMA diagram.

A run records the process running it (``owner``: host, pid and a start token). A process
killed mid-run cannot close its run, so :func:`close_abandoned_runs` (called when a
project is opened) closes as ``interrupted`` each run whose process is gone; a run of a
live process (another window, a CLI fetch) is left alone. The start token tells a process
from a later one that got the same pid (Linux: boot id and start time from ``/proc``);
where there is none, a live pid counts as the owner, and a run of another host is never
closed from here.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_tracker.store.database import Project, StoreError, utcnow

log = logging.getLogger(__name__)

RESUMABLE = ("running", "interrupted", "cancelled", "failed")


@dataclass
class SearchRun:
    id: int
    condition_id: int | None
    query: str
    kind: str
    mindate: str | None
    maxdate: str | None
    started_at: str
    finished_at: str | None
    status: str
    total_count: int | None
    fetched_count: int
    new_count: int
    updated_count: int
    cursor: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    owner: str | None = None


# -- who runs a run ----------------------------------------------------------------------


def _start_token(pid: int) -> str | None:
    """What tells process ``pid`` from a later one with the same pid: Linux's boot id and
    the process's start time (clock ticks since boot); None where that cannot be read."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        return f"{boot[:8]}:{stat.rpartition(')')[2].split()[19]}"
    except (OSError, IndexError):
        return None


def process_owner(pid: int | None = None) -> str:
    """``host/pid/start`` of this process (or of ``pid``), as runs record their owner."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}/{pid}/{_start_token(pid) or ''}"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform.startswith("linux"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return False
        except OSError:
            return True
        state = stat.rpartition(")")[2].split()[:1]
        return state not in (["Z"], ["X"])  # a zombie has ended; only its parent lags
    if os.name != "posix":
        return True  # os.kill(pid, 0) would end it on Windows: assume it lives
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_alive(owner: str | None) -> bool:
    """Whether the process ``owner`` (see :func:`process_owner`) still runs; True when
    this machine cannot tell (another host)."""
    host, _, rest = (owner or "").partition("/")
    pid_text, _, start = rest.partition("/")
    if not pid_text.isdigit():
        return False  # no owner recorded (a run from before owners were) or garbage
    if host != socket.gethostname():
        return True
    pid = int(pid_text)
    if not _pid_alive(pid):
        return False
    now = _start_token(pid)
    return not (start and now and now != start)  # the pid was given to another process


def _run(row: dict[str, Any]) -> SearchRun:
    row = dict(row)
    row["cursor"] = json.loads(row["cursor"] or "{}")
    return SearchRun(**row)


def get_run(project: Project, run_id: int) -> SearchRun:
    rows = list(project.db.query("SELECT * FROM search_runs WHERE id = ?", [run_id]))
    if not rows:
        raise StoreError(f"No search run {run_id}.")
    return _run(rows[0])


def start_run(
    project: Project, *, condition_id: int | None, query: str, kind: str,
    mindate: str | None, maxdate: str | None, cursor: dict[str, Any],
) -> SearchRun:
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO search_runs(condition_id, query, kind, mindate, maxdate, started_at, "
            "status, cursor, owner) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)",
            (condition_id, query, kind, mindate, maxdate, utcnow(), json.dumps(cursor),
             process_owner()),
        )
        return get_run(project, int(cur.lastrowid or 0))


def resumable_run(project: Project, condition_id: int, query: str) -> SearchRun | None:
    """The newest unfinished run of this condition with this exact query, if any."""
    rows = list(project.db.query(
        "SELECT * FROM search_runs WHERE condition_id = ? ORDER BY id DESC LIMIT 1",
        [condition_id],
    ))
    if rows and rows[0]["status"] in RESUMABLE and rows[0]["query"] == query:
        return _run(rows[0])
    return None


def last_completed_run(project: Project, condition_id: int) -> SearchRun | None:
    rows = list(project.db.query(
        "SELECT * FROM search_runs WHERE condition_id = ? AND status = 'done' "
        "ORDER BY id DESC LIMIT 1", [condition_id],
    ))
    return _run(rows[0]) if rows else None


def record_progress(
    project: Project, run_id: int, *, cursor: dict[str, Any], fetched: int, new: int,
    updated: int, total: int | None = None,
) -> None:
    """Advance a run's cursor and counts; call inside the batch's transaction. The run is
    running again, in this process (which may be resuming it)."""
    with project.transaction():
        project.conn.execute(
            "UPDATE search_runs SET cursor = ?, fetched_count = fetched_count + ?, "
            "new_count = new_count + ?, updated_count = updated_count + ?, "
            "total_count = coalesce(?, total_count), status = 'running', owner = ? "
            "WHERE id = ?",
            (json.dumps(cursor), fetched, new, updated, total, process_owner(), run_id),
        )


def set_run_cursor(project: Project, run_id: int, cursor: dict[str, Any]) -> None:
    with project.transaction():
        project.conn.execute(
            "UPDATE search_runs SET cursor = ? WHERE id = ?", (json.dumps(cursor), run_id)
        )


def finish_run(project: Project, run_id: int, status: str, error: str | None = None) -> None:
    with project.transaction():
        project.conn.execute(
            "UPDATE search_runs SET status = ?, error = ?, finished_at = ? WHERE id = ?",
            (status, error, utcnow(), run_id),
        )


def close_abandoned_runs(project: Project) -> list[int]:
    """Close as ``interrupted`` every run left ``running`` by a process that is gone (killed,
    crashed); return their ids. Runs of live processes stay running. Their cursor stays, so
    a fetch resumes them."""
    closed = []
    for row in project.db.query("SELECT id, owner FROM search_runs WHERE status = 'running'"):
        if owner_alive(row["owner"]):
            continue
        pid = (row["owner"] or "").split("/")[1:2]
        who = f"process {pid[0]}" if pid and pid[0] else "process"
        with project.transaction():
            cur = project.conn.execute(
                "UPDATE search_runs SET status = 'interrupted', finished_at = ?, error = ? "
                "WHERE id = ? AND status = 'running' AND owner IS ?",
                (utcnow(), f"The {who} running it ended before it finished.", row["id"],
                 row["owner"]),
            )
        if cur.rowcount:
            closed.append(int(row["id"]))
            log.info("search run %d was left running by a %s that is gone: interrupted",
                     row["id"], who)
    return closed


def list_runs(project: Project, condition_id: int | None = None) -> list[SearchRun]:
    if condition_id is None:
        rows = project.db.query("SELECT * FROM search_runs ORDER BY id")
    else:
        rows = project.db.query(
            "SELECT * FROM search_runs WHERE condition_id = ? ORDER BY id", [condition_id]
        )
    return [_run(r) for r in rows]
