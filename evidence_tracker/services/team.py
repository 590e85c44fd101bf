"""Team review across machines: a local project synced through a shared PostgreSQL.

The use cases the CLI (and later the GUI) call: set a server up, add people, link a local
project, sync, and the sync state. Design: shared/design/team-sync.md. Push is one server
transaction, then the local mark; pull applies a page and advances the cursor in one local
transaction; a push or pull killed anywhere is simply repeated.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from evidence_tracker.services import settings as settings_service
from evidence_tracker.store import Project, team_local, team_server, team_wire
from evidence_tracker.store.database import utcnow
from evidence_tracker.store.team_server import (
    JUDGEMENT_KINDS,
    Refused,
    SchemaMismatch,
    ServerUnreachable,
    TeamError,
)

log = logging.getLogger(__name__)

PASSWORD_ENV = "EVIDENCE_TRACKER_TEAM_PASSWORD"
#: Rows per pulled page (one local transaction each).
PAGE_SIZE = 2000
#: Events per pushed batch (one server transaction each).
PUSH_BATCH = 5000
#: A clock this far from the server's is reported (times are for display only).
SKEW_WARNING_SECONDS = 15 * 60
#: Every pushed event is hashed again at least this often (and with ``verify=True``).
FULL_CHECK_EVERY = timedelta(days=1)

__all__ = ["JUDGEMENT_KINDS", "Refused", "SchemaMismatch", "ServerUnreachable", "TeamError"]


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without its password, and the password (never stored with the URL).

    >>> split_password("postgresql://ana:s3cret@db.example.org:5432/team")
    ('postgresql://ana@db.example.org:5432/team', 's3cret')
    >>> split_password("postgresql://ana@db/team")
    ('postgresql://ana@db/team', None)
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc)), \
        parts.password


def login_of(url: str) -> str:
    user = urlsplit(url).username
    if not user:
        raise TeamError(f"Say who you are in the server URL: postgresql://NAME@host/db "
                        f"(got {url!r}).")
    return user


def _keyring_user(url: str) -> str:
    return f"team:{url}"


def password_for(url: str) -> str | None:
    """``$EVIDENCE_TRACKER_TEAM_PASSWORD``, else the keyring entry for this URL."""
    return settings_service.get_secret(_keyring_user(url), PASSWORD_ENV,
                                       "team server password") or None


# -- administration ---------------------------------------------------------------------


@dataclass(frozen=True)
class InitResult:
    applied: list[int]
    project_id: str | None
    generation: str


def init_server(admin_url: str, project_name: str | None = None) -> InitResult:
    """Create (or upgrade) the team schema as an admin, and optionally a project."""
    with team_server.connect(admin_url) as conn:
        applied = team_server.init_schema(conn)
        project_id = None
        if project_name:
            project_id = team_wire.new_uid()
            team_server.create_project(conn, project_id, project_name)
        gen = conn.execute("SELECT generation::text FROM team.server_info").fetchone()
    return InitResult(applied, project_id, str(gen[0]) if gen else "")


def add_reviewer(admin_url: str, name: str, role: str, password: str | None = None,
                 project: str | None = None) -> str:
    """A login for ``name`` with ``role``; assigned to ``project``'s judgement stages when
    given (reviewers). Returns the password (generated unless given): show it once."""
    password = password or secrets.token_urlsafe(18)
    with team_server.connect(admin_url) as conn:
        team_server.add_member(conn, name, role, password)
        if project:
            project_id, _ = team_server.find_project(conn, project)
            team_server.assign(conn, project_id, name)
    return password


def set_active(admin_url: str, name: str, active: bool) -> None:
    with team_server.connect(admin_url) as conn:
        team_server.set_active(conn, name, active)


def server_restored(admin_url: str) -> str:
    """Run after restoring the server from a backup: clients re-pull and re-push."""
    with team_server.connect(admin_url) as conn:
        return team_server.new_generation(conn)


# -- a reviewer's side -------------------------------------------------------------------


def join(project: Project, url: str, project_ref: str, *, password: str | None = None,
         remember: bool = True) -> team_local.TeamLink:
    """Link the local project to ``project_ref`` on the server at ``url`` (as the URL's
    user). The password goes to the keyring (``remember``), never into the project."""
    clean, in_url = split_password(url)
    login = login_of(clean)
    password = password or in_url or password_for(clean)
    with team_server.connect(clean, password) as conn:
        server = team_server.state(conn)
        if server.role is None:
            raise TeamError(f"{login} is not a member of this team server.")
        project_id, _ = team_server.find_project(conn, project_ref)
    if remember and password and not (in_url is None and password == password_for(clean)):
        settings_service.set_secret(_keyring_user(clean), password, PASSWORD_ENV,
                                    "team server password")
    team_local.save_link(project, server_url=clean, project_uuid=project_id, login=login)
    team_local.update_link(project, server_generation=server.generation)
    link = team_local.get_link(project)
    assert link is not None
    return link


def unblind(project: Project, stage: str, *, password: str | None = None) -> None:
    """The arbiter unblinds a stage (the server refuses anyone else)."""
    link = team_local.require_link(project)
    if stage not in JUDGEMENT_KINDS:
        raise TeamError(f"Unknown stage {stage!r}: {', '.join(JUDGEMENT_KINDS)}.")
    with team_server.connect(link.server_url, password or password_for(link.server_url)) as conn:
        team_server.unblind(conn, link.project_uuid, stage)


@dataclass
class SyncReport:
    """What one sync did; ``problems`` are shown to the user (and kept in the project)."""

    pushed: int = 0
    already_there: int = 0
    pulled: int = 0
    pages: int = 0
    caught_up: int = 0  # rows below the cursor fetched after a completion or unblinding
    restored: bool = False
    problems: list[str] = field(default_factory=list)
    clock_skew_seconds: float | None = None


@dataclass(frozen=True)
class SyncStatus:
    """The sync state as the GUI and ``sync --json`` show it."""

    linked: bool
    server_url: str = ""
    login: str = ""
    project_uuid: str = ""
    last_sync_at: str | None = None
    last_attempt_at: str | None = None
    pending_events: int = 0
    offline: bool = False
    last_error: str = ""
    conflicts: int = 0
    clock_skew_seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def status(project: Project) -> SyncStatus:
    link = team_local.get_link(project)
    if link is None:
        return SyncStatus(linked=False)
    return SyncStatus(
        linked=True, server_url=link.server_url, login=link.login,
        project_uuid=link.project_uuid, last_sync_at=link.last_sync_at,
        last_attempt_at=link.last_attempt_at,
        pending_events=team_local.count_pending_events(project, link.login),
        offline=link.last_error.startswith("offline:"), last_error=link.last_error,
        conflicts=len(team_local.conflicts(project)),
        clock_skew_seconds=link.clock_skew_seconds)


def sync(project: Project, *, password: str | None = None, page_size: int = PAGE_SIZE,
         push_batch: int = PUSH_BATCH, progress: Callable[[SyncReport], None] | None = None,
         verify: bool = False) -> SyncReport:
    """Push what this reviewer wrote, then pull what they may see. Raises TeamError
    (ServerUnreachable: offline; Refused; SchemaMismatch) after recording it locally.

    Pushed events edited since are looked for at every sync by their chain hash (an edit
    re-chained so that ``verify`` passes), and by hashing every one of them again once a
    day or with ``verify`` (an edit that broke the chain; ``verify`` finds those too)."""
    link = team_local.require_link(project)
    report = SyncReport()
    team_local.update_link(project, last_attempt_at=utcnow())
    try:
        with team_server.connect(link.server_url,
                                 password or password_for(link.server_url)) as conn:
            _sync(project, conn, link, report, page_size, push_batch, progress,
                  verify or _full_check_due(link))
    except ServerUnreachable as exc:
        team_local.update_link(project, last_error=f"offline: {exc}")
        raise
    except TeamError as exc:
        team_local.update_link(project, last_error=str(exc))
        if isinstance(exc, Refused):
            team_local.record_conflict(project, "refused", str(exc))
        raise
    team_local.update_link(project, last_error="", last_sync_at=utcnow(),
                           clock_skew_seconds=report.clock_skew_seconds)
    return report


def _full_check_due(link: team_local.TeamLink) -> bool:
    if not link.last_verified_at:
        return True
    try:
        last = datetime.fromisoformat(link.last_verified_at)
    except ValueError:
        return True
    return datetime.now(UTC) - last > FULL_CHECK_EVERY


def _sync(project: Project, conn: Any, link: team_local.TeamLink, report: SyncReport,
          page_size: int, push_batch: int,
          progress: Callable[[SyncReport], None] | None, full_check: bool) -> None:
    server = team_server.state(conn)  # refuses a schema it does not speak, before anything
    if (link.server_generation and server.generation != link.server_generation) \
            or server.last_seq < link.pull_cursor:
        # Restored from an older backup: pull from the start, push again what it lost.
        report.restored = True
        report.problems.append("The team server was restored from a backup: everything is "
                               "pulled again and what it lost is pushed again.")
        team_local.forget_pushed(project)
    team_local.update_link(project, server_generation=server.generation)
    if not server.active:
        pending = team_local.count_pending_events(project, link.login)
        raise Refused(f"{link.login} is not an active member of the team server; "
                      f"{pending} event(s) stay in this project, unsent.")
    tampered = set(team_local.rechained_events(project))
    if full_check:
        tampered.update(team_local.tampered_events(project))
        team_local.update_link(project, last_verified_at=utcnow())
    for uid in sorted(tampered):
        report.problems.append(f"Event {uid} was changed in this project after it was pushed.")
        team_local.record_conflict(project, "tampered",
                                   f"event {uid} was changed locally after it was pushed")
    _push(project, conn, link, report, push_batch)
    _pull(project, conn, report, page_size, progress)


def _push(project: Project, conn: Any, link: team_local.TeamLink, report: SyncReport,
          push_batch: int) -> None:
    while True:
        batch = team_local.pending_batch(project, link.login, push_batch)
        if not len(batch):
            return
        result = team_server.push(conn, link.project_uuid, link.login, batch)
        team_local.mark_pushed(project, batch, result.event_seqs)
        report.pushed += result.inserted
        report.already_there += result.already_there
        if result.max_skew_seconds is not None:
            report.clock_skew_seconds = result.max_skew_seconds
            if abs(result.max_skew_seconds) > SKEW_WARNING_SECONDS:
                report.problems.append(
                    f"This computer's clock is {abs(result.max_skew_seconds) / 3600:.1f} hours "
                    f"{'behind' if result.max_skew_seconds > 0 else 'ahead of'} the server's; "
                    "the order of judgements follows the server, times are shown as recorded.")
        for uid in result.mismatched:
            text = f"{uid} differs from the copy already on the server (changed after a push?)"
            report.problems.append(text)
            team_local.record_conflict(project, "tampered", text)
        if len(batch.events) < push_batch:
            return


def _pull(project: Project, conn: Any, report: SyncReport, page_size: int,
          progress: Callable[[SyncReport], None] | None) -> None:
    while True:
        link = team_local.require_link(project)
        page = team_server.pull_page(conn, link.project_uuid, link.pull_cursor, page_size)
        if not page:
            return
        with project.transaction():
            known = team_local.known_event_uids(
                project, [ident for _, table, ident, *_ in page if table == "events"])
            # Events here already (ours, pushed; or pulled before a server restore): their
            # place in the server's order, which is the one that counts.
            team_local.set_event_seqs(project, [(ident, seq) for seq, table, ident, *_ in page
                                                if table == "events" and ident in known])
            # Studies first, together (their events come later in seq order).
            team_local.apply_studies(project, [(ident, digest, record) for _, table, ident,
                                               digest, record, _ in page if table == "studies"])
            reviewer_ids: dict[str, int] = {}
            for seq, table, ident, digest, record, author in page:
                cursor = seq
                if table == "events":
                    if ident in known:
                        continue
                    if team_wire.content_hash(record) != digest:
                        team_local.record_conflict(
                            project, "server_hash", f"event {ident} from the server does not "
                            "match its content hash; not applied")
                        continue
                    if team_local.apply_event(project, ident, digest, seq, record,
                                              reviewer_ids):
                        report.pulled += 1
                elif table == "conditions":
                    team_local.apply_condition(project, ident, digest, record)
                elif table == "study_conditions":
                    team_local.apply_membership(project, record)
                elif table == "claims":
                    team_local.apply_claim(project, ident, digest, record, author)
                elif table == "claim_sources":
                    team_local.apply_source(project, ident, digest, record)
                elif table in ("completions", "unblinded"):
                    # In this same local step: a pull killed after it cannot lose them.
                    _catch_up(project, conn, table, record, seq, report)
            team_local.update_link(project, pull_cursor=cursor)
        report.pages += 1
        if progress is not None:
            progress(report)
        if len(page) < page_size:
            return


def _catch_up(project: Project, conn: Any, table: str, record: dict[str, Any], cursor: int,
              report: SyncReport) -> None:
    """A subject completed or a stage unblinded: its rows below the cursor are visible now."""
    link = team_local.require_link(project)
    if table == "completions":
        rows = iter(team_server.events_of_subject(conn, link.project_uuid, record["subject"],
                                                  cursor))
    else:
        rows = team_server.events_of_stage(conn, link.project_uuid, record["stage"], cursor)
    chunk: list[tuple[str, str, int, dict[str, Any]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= 1000:
            report.caught_up += _apply_missing(project, chunk)
            chunk = []
    report.caught_up += _apply_missing(project, chunk)


def _apply_missing(project: Project, rows: list[tuple[str, str, int, dict[str, Any]]]
                   ) -> int:
    if not rows:
        return 0
    applied = 0
    with project.transaction():
        known = team_local.known_event_uids(project, [r[0] for r in rows])
        for ident, digest, seq, record in rows:
            if ident not in known and team_local.apply_event(project, ident, digest, seq,
                                                             record):
                applied += 1
    return applied


class ChangeListener:
    """Waits for the server's hint that the linked project has new rows (LISTEN/NOTIFY).

    :meth:`wait` says ``"hint"`` (sync now), ``"reconnected"`` (the listening connection
    died and was opened again: sync, something may have been missed) or ``"timeout"``
    (nothing heard: the caller polls anyway, every 30-60 s). It holds no project, only
    where to listen, so a background thread can own it.
    """

    def __init__(self, link: team_local.TeamLink, password: str | None = None) -> None:
        self.url = link.server_url
        self.project_uuid = link.project_uuid
        self.password = password or password_for(link.server_url)
        self.conn: Any = None

    def wait(self, timeout: float) -> str:
        reconnected = False
        if self.conn is None or self.conn.closed:
            self.conn = team_server.listen(self.url, self.password)
        try:
            hints = team_server.wait_hints(self.conn, timeout)
        except ServerUnreachable:
            self.close()
            self.conn = team_server.listen(self.url, self.password)  # raises when offline
            reconnected = True
            hints = {}
        if self.project_uuid in hints:
            return "hint"
        return "reconnected" if reconnected else "timeout"

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
