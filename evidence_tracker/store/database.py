"""Open, configure and migrate a project database.

Example::

    with open_project("/tmp/demo.sqlite3") as project:
        with project.transaction():
            project.db["reviewers"].insert({"name": "ana", "created_at": utcnow()})

A file is ours only if it carries our marker (``PRAGMA application_id`` =
:data:`APPLICATION_ID`), or, for projects made before the marker, our ``project_meta``
table; they get the marker with their next migration. Anything else (another program's
SQLite file, a browser's places.sqlite, a calendar) is refused before anything is written
to it: no table, no ``user_version``, no switch to WAL. A file from a newer version is
refused just as early.

A caller that only reads asks for ``open_project(path, readonly=True)``: no migration, no
switch to WAL, and SQLite refuses every write (``query_only``); a project in a read-only
file or folder, or on a full disk, is opened with ``mode=ro`` (``immutable`` when there is
no write-ahead log and nobody can write one).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import sqlite_utils

from evidence_tracker import __version__
from evidence_tracker.config import migrations_dir
from evidence_tracker.store.event_chain import event_hash
from evidence_tracker.store.study_columns import recode_authors, recode_raw, recode_sections

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
#: ``PRAGMA application_id`` of every project: "EvTr". A file carrying another id (or none,
#: without our tables) belongs to another program and is never written.
APPLICATION_ID = 0x45765472
#: Below this much free space, an I/O error from SQLite is the disk being full.
DISK_FULL_BYTES = 1 << 20
_SQLITE_MAGIC = b"SQLite format 3\x00"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


class StoreError(Exception):
    """A database problem explained in words a user can act on."""


class SchemaTooNew(StoreError):
    """The file was written by a newer version of the application."""


class DatabaseBusy(StoreError):
    """Another process held the write lock for longer than the busy timeout."""


class NotAProject(StoreError):
    """The file is another program's (or no) SQLite database; it was left as it was."""


@dataclass(frozen=True)
class Migration:
    version: int
    path: Path

    def statements(self) -> list[str]:
        """Split the file into complete statements (trigger bodies stay whole)."""
        out: list[str] = []
        buf = ""
        for line in self.path.read_text(encoding="utf-8").splitlines(keepends=True):
            if not buf and (not line.strip() or line.lstrip().startswith("--")):
                continue
            buf += line
            if sqlite3.complete_statement(buf):
                out.append(buf.strip())
                buf = ""
        if buf.strip():
            raise StoreError(f"Migration {self.path.name} ends with an incomplete statement")
        return out


def utcnow() -> str:
    """Current UTC time as ISO 8601 text, second precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def available_migrations(folder: Path | None = None) -> list[Migration]:
    folder = folder or migrations_dir()
    found = []
    for path in sorted(folder.glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if m:
            found.append(Migration(int(m.group(1)), path))
    if not found:  # an installation without its package data: say so, create nothing
        raise StoreError(f"No database migrations in {folder}: this installation of "
                         "Evidence Tracker is incomplete. Reinstall it.")
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise StoreError(f"Migrations in {folder} are not numbered 1..N: {versions}")
    return found


def latest_schema_version() -> int:
    return len(available_migrations())


class Project:
    """An open project database: a sqlite3 connection wrapped by sqlite-utils.

    The connection is in autocommit mode; writes go through :meth:`transaction`, which
    takes the write lock up front (``BEGIN IMMEDIATE``) so a step never half-commits.
    Use one ``Project`` per thread: the thread that opened it owns it.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, *, readonly: bool = False):
        self.path = path
        self.conn = conn
        self.readonly = readonly
        self.db = sqlite_utils.Database(conn)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Project]:
        """One logical step: ``BEGIN IMMEDIATE`` ... ``COMMIT``; nested calls join it."""
        if self.conn.in_transaction:
            with self.db.atomic():  # a savepoint inside the outer step
                yield self
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseBusy(
                    f"{self.path.name} is busy: another program is writing to it. "
                    "Try again in a moment."
                ) from exc
            raise
        try:
            yield self
        except sqlite3.OperationalError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            explained = _explain(exc, self.path)
            if type(explained) is StoreError and explained.args[0].startswith("Database error"):
                raise  # a programming error: keep the original
            raise explained from exc
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise _explain(exc, self.path) from exc

    # -- space -----------------------------------------------------------------------------
    def size_on_disk(self) -> int:
        """Bytes of the file and its write-ahead log."""
        wal = self.path.with_name(self.path.name + "-wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.exists())

    def compact(self) -> tuple[int, int, bool]:
        """Give the file's free pages back (``VACUUM``, e.g. after migration 0007 re-encoded
        every study): (bytes before, bytes after, whether the file could shrink now). Waits
        for, or fails on, another writer; while another connection reads, the compacted
        pages wait in the write-ahead log until it closes (False)."""
        before = self.size_on_disk()
        try:
            self.conn.execute("VACUUM")
            busy = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise _explain(exc, self.path) from exc
        return before, self.size_on_disk(), not busy

    # -- metadata --------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM project_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO project_meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def disk_full(path: Path) -> bool:
    """Is the file system holding ``path`` (out of) space? (False when it cannot tell.)"""
    folder = path if path.is_dir() else path.parent
    try:
        return shutil.disk_usage(folder).free < DISK_FULL_BYTES
    except OSError:
        return False


def _explain(exc: sqlite3.Error, path: Path) -> StoreError:
    text = str(exc)
    code = getattr(exc, "sqlite_errorname", "") or ""
    # SQLite says SQLITE_FULL when a write fails for space, but "disk I/O error" when it
    # cannot grow the shared-memory file of the write-ahead log (opening a project on a
    # full disk), or an fsync or truncate fails: ask the file system which it was.
    if ("disk is full" in text or code == "SQLITE_FULL"
            or ((code.startswith("SQLITE_IOERR") or "disk I/O error" in text)
                and disk_full(path))):
        return StoreError(f"The disk holding {path} is full; nothing was saved in this step. "
                          "Free some space and try again.")
    if "locked" in text or "busy" in text:
        return DatabaseBusy(f"{path.name} is busy: another program is writing to it.")
    if "readonly" in text:
        return StoreError(f"{path} is read-only.")
    if "not a database" in text or "malformed" in text:
        return StoreError(f"{path} is not an Evidence Tracker project or is damaged ({text}).")
    return StoreError(f"Database error in {path.name}: {text}")


def _raw_connect(target: str | Path, *, uri: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(target, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                           check_same_thread=True, uri=uri)
    # The hash of one event, for migrations that chain events in SQL (0004).
    conn.create_function("evidence_event_hash", 11, event_hash, deterministic=True)
    # A study row's lists and raw record re-encoded as the store writes them (0007).
    conn.create_function("evidence_recode_sections", 2, recode_sections, deterministic=True)
    conn.create_function("evidence_recode_authors", 1, recode_authors, deterministic=True)
    conn.create_function("evidence_recode_raw", 1, recode_raw, deterministic=True)
    return conn


def _connect(path: Path, *, readonly: str = "") -> sqlite3.Connection:
    """A configured connection. ``readonly``: "" read-write (switched to WAL), "query"
    read-write but refusing writes and leaving the journal mode alone, "ro" a
    ``mode=ro`` URI, "immutable" ``mode=ro&immutable=1``."""
    if readonly in ("ro", "immutable"):
        query = "?mode=ro" + ("&immutable=1" if readonly == "immutable" else "")
        conn = _raw_connect(path.as_uri() + query, uri=True)
    else:
        conn = _raw_connect(path)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("journal_mode is %s, not WAL, for %s", mode, path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens it now
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _explain(exc, path) from exc
    return conn


@dataclass(frozen=True)
class FileCheck:
    """What a look at an existing file, without writing to it, found."""

    empty: bool  # no schema yet (a new or blank database): ours to create
    user_version: int = 0
    application_id: int = 0
    wal: bool = False  # the header says write-ahead log


def _header(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(100)
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {exc.strerror}.") from exc


def _describe_id(app_id: int) -> str:
    raw = (app_id & 0xFFFFFFFF).to_bytes(4, "big")
    text = raw.decode("ascii", "replace")
    shown = f" ({text!r})" if text.isprintable() and text.isascii() else ""
    return f"0x{app_id & 0xFFFFFFFF:08X}{shown}"


def check_file(path: Path, latest: int | None = None) -> FileCheck:
    """Is the existing file at ``path`` an Evidence Tracker project this version can open?

    Reads the header, and the schema through a read-only connection that creates no
    file beside it; raises :class:`NotAProject` or :class:`SchemaTooNew` and changes
    nothing either way.
    """
    header = _header(path)
    if not header:
        return FileCheck(empty=True)
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise NotAProject(f"{path} is not an Evidence Tracker project (not a SQLite database). "
                          "It was not changed.")
    app_id = int.from_bytes(header[68:72], "big", signed=True)
    if app_id not in (0, APPLICATION_ID):
        raise NotAProject(
            f"{path} is not an Evidence Tracker project: it is another program's database "
            f"(application id {_describe_id(app_id)}). It was not changed.")
    wal = header[18] == 2
    # Reading a WAL file through mode=ro would leave -wal and -shm files beside it; with no
    # write-ahead log there is nothing outside the file to read, so read it as immutable.
    immutable = wal and _no_wal_content(path)
    try:
        conn = _raw_connect(path.as_uri() + ("?mode=ro&immutable=1" if immutable
                                             else "?mode=ro"), uri=True)
    except sqlite3.Error as exc:
        raise _explain(exc, path) from exc
    try:
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid")]
    except sqlite3.Error as exc:
        explained = _explain(exc, path)
        if type(explained) is StoreError and explained.args[0].startswith("Database error"):
            explained = NotAProject(f"{path} is not an Evidence Tracker project, or it is "
                                    f"damaged ({exc}). It was not changed.")
        raise explained from exc
    finally:
        conn.close()
    ours = app_id == APPLICATION_ID or (app_id == 0 and version >= 1
                                        and "project_meta" in names)
    if not ours:
        if app_id == 0 and version == 0 and not names:
            return FileCheck(empty=True, wal=wal)
        shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
        what = (f"application id {_describe_id(app_id)}" if app_id
                else f"tables {shown}" if names else f"schema version {version}")
        raise NotAProject(
            f"{path} is not an Evidence Tracker project: it is another program's SQLite "
            f"database ({what}). It was not changed.")
    latest = latest_schema_version() if latest is None else latest
    if version > latest:
        raise SchemaTooNew(
            f"{path} uses database schema version {version}, but this version of Evidence "
            f"Tracker ({__version__}) understands schema versions up to {latest}. "
            "Install a newer Evidence Tracker to open it; the file was not changed."
        )
    return FileCheck(empty=False, user_version=version, application_id=app_id, wal=wal)


def backup_database(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the whole database (consistent, WAL included) beside it before a migration."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.v{version}-{stamp}.bak")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.v{version}-{stamp}-{n}.bak")
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    log.info("backed up %s to %s before migrating", path, target)
    return target


def migrate(conn: sqlite3.Connection, path: Path, folder: Path | None = None) -> list[int]:
    """Apply pending migrations, each in its own ``BEGIN IMMEDIATE`` step; return them."""
    migrations = available_migrations(folder)
    latest = len(migrations)
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > latest:
        raise SchemaTooNew(
            f"{path} uses database schema version {current}, but this version of Evidence "
            f"Tracker ({__version__}) understands schema versions up to {latest}. "
            "Install a newer Evidence Tracker to open it; the file was not changed."
        )
    if current == latest:
        return []
    if current > 0:
        backup_database(conn, path, current)
    applied = []
    for migration in migrations[current:]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            now = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if now >= migration.version:
                conn.execute("ROLLBACK")
                continue
            for statement in migration.statements():
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migration.version}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
        log.info("migrated %s to schema version %d", path, migration.version)
    return applied


def open_project(
    path: str | Path, *, create: bool = True, readonly: bool = False,
    migrations: Path | None = None,
) -> Project:
    """Open (and create and migrate, if needed) the project database at ``path``.

    ``readonly=True`` is for callers that only read: the file must exist; it is neither
    migrated nor switched to WAL (a project older than this version is migrated first when
    the file can be written, else refused), and every write is refused.

    Raises :class:`NotAProject` for another program's file and :class:`SchemaTooNew` for
    one from a newer version (both before anything is written), :class:`StoreError` for
    anything else a user can act on (missing file with ``create=False``, not a database,
    read-only folder, full disk).
    """
    path = Path(path).expanduser().resolve()
    latest = len(available_migrations(migrations))
    if not path.exists():
        if not create or readonly:
            raise StoreError(f"No project database at {path}.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the folder for {path}: {exc.strerror}") from exc
        found = FileCheck(empty=True)
    elif path.is_dir():
        raise StoreError(f"{path} is a folder, not a project database.")
    else:
        found = check_file(path, latest)
    if readonly:
        if found.empty:
            raise StoreError(f"{path} holds no project yet.")
        if found.user_version < latest and not _writable(path):
            raise StoreError(
                f"{path} was made by an older Evidence Tracker (schema version "
                f"{found.user_version}); reading it needs an upgrade, which changes the file, "
                "and it is read-only. Open it once where it can be written.")
        if found.user_version == latest:
            return Project(path, _connect_readonly(path, found), readonly=True)
    try:
        conn = _connect(path)
    except sqlite3.Error as exc:
        raise _explain(exc, path) from exc
    try:
        migrate(conn, path, migrations)
        project = Project(path, conn)
        if int(conn.execute("PRAGMA application_id").fetchone()[0]) != APPLICATION_ID:
            with project.transaction():  # a project from before the marker, at the latest
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if not readonly and not project.meta("created_at"):
            project.set_meta("created_at", utcnow())
            project.set_meta("created_by_version", __version__)
        if readonly:
            conn.execute("PRAGMA query_only = ON")
            project.readonly = True
    except StoreError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise _explain(exc, path) from exc
    return project


def _writable(path: Path) -> bool:
    """Can this process write the file and create files beside it (-wal, -shm)?"""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _no_wal_content(path: Path) -> bool:
    """No write-ahead log beside ``path``, or an empty one (a failed open leaves one)."""
    try:
        return Path(f"{path}-wal").stat().st_size == 0
    except FileNotFoundError:
        return True


def _connect_readonly(path: Path, found: FileCheck) -> sqlite3.Connection:
    if _writable(path) and not disk_full(path):
        # An ordinary connection, refusing writes, removes its -wal and -shm when it closes.
        return _connect(path, readonly="query")
    if found.wal and _no_wal_content(path):
        # Nobody writes this WAL project now (nothing in its log, and no room or no right
        # to write one): read the file as it stands. mode=ro would need to create or grow
        # the -shm file ("attempt to write a readonly database", "disk I/O error").
        return _connect(path, readonly="immutable")
    return _connect(path, readonly="ro")
