"""Open, configure and migrate a project database.

Example::

    with open_project("/tmp/demo.sqlite3") as project:
        with project.transaction():
            project.db["reviewers"].insert({"name": "ana", "created_at": utcnow()})
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import sqlite_utils

from evidence_tracker import __version__
from evidence_tracker.config import migrations_dir

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


class StoreError(Exception):
    """A database problem explained in words a user can act on."""


class SchemaTooNew(StoreError):
    """The file was written by a newer version of the application."""


class DatabaseBusy(StoreError):
    """Another process held the write lock for longer than the busy timeout."""


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

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
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


def _explain(exc: sqlite3.Error, path: Path) -> StoreError:
    text = str(exc)
    if "disk is full" in text or "database or disk is full" in text:
        return StoreError(f"The disk holding {path} is full; nothing was saved in this step.")
    if "locked" in text or "busy" in text:
        return DatabaseBusy(f"{path.name} is busy: another program is writing to it.")
    if "readonly" in text:
        return StoreError(f"{path} is read-only.")
    if "not a database" in text or "malformed" in text:
        return StoreError(f"{path} is not an Evidence Tracker project or is damaged ({text}).")
    return StoreError(f"Database error in {path.name}: {text}")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=True
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("journal_mode is %s, not WAL, for %s", mode, path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _explain(exc, path) from exc
    return conn


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
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
        log.info("migrated %s to schema version %d", path, migration.version)
    return applied


def open_project(
    path: str | Path, *, create: bool = True, migrations: Path | None = None
) -> Project:
    """Open (and create and migrate, if needed) the project database at ``path``.

    Raises :class:`SchemaTooNew` for a file from a newer version, :class:`StoreError`
    for anything else a user can act on (missing file with ``create=False``, not a
    database, read-only folder, full disk).
    """
    path = Path(path).expanduser().resolve()
    if not path.exists():
        if not create:
            raise StoreError(f"No project database at {path}.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the folder for {path}: {exc.strerror}") from exc
    elif path.is_dir():
        raise StoreError(f"{path} is a folder, not a project database.")
    try:
        conn = _connect(path)
    except sqlite3.Error as exc:
        raise _explain(exc, path) from exc
    try:
        migrate(conn, path, migrations)
        project = Project(path, conn)
        if not project.meta("created_at"):
            project.set_meta("created_at", utcnow())
            project.set_meta("created_by_version", __version__)
    except StoreError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise _explain(exc, path) from exc
    return project
