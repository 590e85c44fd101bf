"""Other programs' SQLite files are refused before anything is written; our projects, old
and new, carry the application_id marker."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from evidence_tracker.config import migrations_dir
from evidence_tracker.store import (
    SchemaTooNew,
    StoreError,
    database,
    latest_schema_version,
    open_project,
)


def _marked(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("PRAGMA application_id").fetchone()[0] == database.APPLICATION_ID)


def _firefox_places(path: Path) -> None:
    """A places.sqlite the way Firefox keeps it: WAL, schema version in user_version, no
    application_id, moz_* tables."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA page_size = 32768")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA user_version = 77")
    conn.executescript("""
        CREATE TABLE moz_origins (id INTEGER PRIMARY KEY, prefix TEXT NOT NULL,
            host TEXT NOT NULL, frecency INTEGER NOT NULL, UNIQUE (prefix, host));
        CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR,
            rev_host LONGVARCHAR, visit_count INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0,
            typed INTEGER DEFAULT 0, frecency INTEGER DEFAULT -1, last_visit_date INTEGER,
            guid TEXT, origin_id INTEGER REFERENCES moz_origins(id));
        CREATE TABLE moz_historyvisits (id INTEGER PRIMARY KEY, from_visit INTEGER,
            place_id INTEGER, visit_date INTEGER, visit_type INTEGER, session INTEGER);
        CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, type INTEGER, fk INTEGER,
            parent INTEGER, position INTEGER, title LONGVARCHAR, dateAdded INTEGER,
            lastModified INTEGER, guid TEXT);
        CREATE TABLE moz_meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;
        CREATE INDEX moz_places_url_hashindex ON moz_places (url);
        INSERT INTO moz_origins VALUES (1, 'https://', 'pubmed.ncbi.nlm.nih.gov', 100);
        INSERT INTO moz_places VALUES (1, 'https://pubmed.ncbi.nlm.nih.gov/19603491/',
            'Outpatient intravenous ketamine for CRPS', 'vog.hin.mln.ibcn.dembup.', 3, 0, 1,
            2000, 1700000000000000, 'abcdefghijkl', 1);
        INSERT INTO moz_meta VALUES ('origin_frecency_count', 1);
    """)
    conn.close()


def _calendar(path: Path) -> None:
    """A calendar database in the shape of Thunderbird's local.sqlite (rollback journal)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA user_version = 22")
    conn.executescript("""
        CREATE TABLE cal_calendar_schema_version (version INTEGER);
        CREATE TABLE cal_events (cal_id TEXT, id TEXT, time_created INTEGER,
            last_modified INTEGER, title TEXT, priority INTEGER, privacy TEXT,
            ical_status TEXT, flags INTEGER, event_start INTEGER, event_end INTEGER,
            event_stamp INTEGER, recurrence_id INTEGER, alarm_last_ack INTEGER);
        CREATE TABLE cal_todos (cal_id TEXT, id TEXT, title TEXT, todo_due INTEGER);
        INSERT INTO cal_calendar_schema_version VALUES (22);
        INSERT INTO cal_events(cal_id, id, title) VALUES ('home', 'e1', 'Pain clinic visit');
    """)
    conn.close()


def _geopackage(path: Path) -> None:
    """A file that carries another program's application_id (GeoPackage: 'GPKG')."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA application_id = 1196444487")
    conn.execute("CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY)")
    conn.close()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("make, expected", [
    (_firefox_places, "moz_origins, moz_places"),
    (_calendar, "cal_calendar_schema_version, cal_events"),
    (_geopackage, "0x47504B47 ('GPKG')"),
])
def test_another_programs_database_is_refused_untouched(tmp_path: Path, make, expected) -> None:
    folder = tmp_path / "profile"
    folder.mkdir()
    path = folder / "places.sqlite"
    make(path)
    before = _snapshot(folder)
    with pytest.raises(StoreError, match="another program's") as caught:
        open_project(path)
    message = str(caught.value)
    assert expected in message and "It was not changed" in message
    # Not one byte written, no journal switched to WAL, no file created beside it.
    assert _snapshot(folder) == before
    with pytest.raises(StoreError):
        open_project(path, readonly=True)
    assert _snapshot(folder) == before


def test_a_refused_newer_project_is_not_switched_to_wal(db_path: Path) -> None:
    open_project(db_path).close()
    with sqlite3.connect(db_path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")  # as a copy made with other tools
        conn.execute(f"PRAGMA user_version = {latest_schema_version() + 3}")
    conn.close()
    before = _snapshot(db_path.parent)
    assert before[db_path.name][18:20] == b"\x01\x01"  # rollback journal, not WAL
    with pytest.raises(SchemaTooNew, match="newer Evidence Tracker"):
        open_project(db_path)
    assert _snapshot(db_path.parent) == before
    with pytest.raises(SchemaTooNew):
        open_project(db_path, readonly=True)
    assert _snapshot(db_path.parent) == before


def test_new_projects_carry_the_marker(db_path: Path) -> None:
    with open_project(db_path) as project:
        assert _marked(project.conn)
    assert int.from_bytes(db_path.read_bytes()[68:72], "big") == database.APPLICATION_ID


def test_a_project_made_before_the_marker_is_recognised_and_marked(
    tmp_path: Path, db_path: Path
) -> None:
    old = tmp_path / "old-migrations"
    old.mkdir()
    for name in ("0001_initial.sql", "0002_claim_kind.sql"):
        shutil.copy(migrations_dir() / name, old / name)
    with open_project(db_path, migrations=old) as project:
        project.set_meta("marker", "mine")
        project.conn.execute("PRAGMA application_id = 0")  # as the app wrote it until now
    assert int.from_bytes(db_path.read_bytes()[68:72], "big") == 0
    with open_project(db_path) as project:
        assert project.schema_version == latest_schema_version()
        assert project.meta("marker") == "mine"
        assert _marked(project.conn)
    assert list(tmp_path.glob(f"{db_path.name}.v2-*.bak")), "backed up before migrating"


def test_an_empty_file_becomes_a_project(tmp_path: Path) -> None:
    path = tmp_path / "touched.sqlite3"
    path.touch()
    with open_project(path) as project:
        assert project.schema_version == latest_schema_version()


def test_a_blank_sqlite_database_becomes_a_project(tmp_path: Path) -> None:
    path = tmp_path / "blank.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE scratch(x)")
    conn.execute("DROP TABLE scratch")  # a valid database file with no schema left
    conn.close()
    assert path.stat().st_size > 0
    with open_project(path) as project:
        assert _marked(project.conn)
