"""Opening, migrating, refusing and recovering project databases."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from evidence_tracker.config import migrations_dir
from evidence_tracker.store import SchemaTooNew, StoreError, latest_schema_version, open_project
from evidence_tracker.store.database import available_migrations
from evidence_tracker.store.events import append_event, ensure_reviewer, history
from evidence_tracker.store.studies import upsert_studies


def test_new_project_has_latest_schema_and_pragmas(db_path: Path) -> None:
    with open_project(db_path) as project:
        assert project.schema_version == latest_schema_version() >= 1
        conn = project.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        for table in ("studies", "studies_fts", "conditions", "study_conditions", "search_runs",
                      "clinics", "clinic_pages", "claims", "claim_sources", "reviewers",
                      "events", "current_judgements", "study_revisions"):
            assert table in tables


def test_reopening_is_idempotent(db_path: Path) -> None:
    open_project(db_path).close()
    before = db_path.read_bytes()
    with open_project(db_path) as project:
        assert project.schema_version == latest_schema_version()
    with open_project(db_path) as project:
        assert project.schema_version == latest_schema_version()
    assert not list(db_path.parent.glob("*.bak")), "no backup when nothing was migrated"
    assert len(before) > 0


def test_newer_schema_is_refused_and_left_untouched(db_path: Path) -> None:
    open_project(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {latest_schema_version() + 5}")
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(SchemaTooNew, match="newer Evidence Tracker"):
        open_project(db_path)
    assert db_path.read_bytes() == before


def test_migration_backs_up_first(tmp_path: Path, db_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(migrations_dir(), folder)
    with open_project(db_path, migrations=folder) as project:
        project.set_meta("marker", "before")
    n = latest_schema_version() + 1
    (folder / f"{n:04d}_add_column.sql").write_text(
        "-- test migration\nALTER TABLE claims ADD COLUMN extra TEXT;\n"
        "CREATE TRIGGER t AFTER INSERT ON reviewers BEGIN SELECT 1; END;\n"
    )
    with open_project(db_path, migrations=folder) as project:
        assert project.schema_version == n
    backups = list(db_path.parent.glob(f"{db_path.name}.v{n - 1}-*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == n - 1
        assert old.execute("SELECT value FROM project_meta WHERE key='marker'").fetchone() == (
            "before",
        )
    # The migrated file itself is still usable by the new code.
    with open_project(db_path, migrations=folder) as project:
        assert project.schema_version == n


def test_broken_migration_leaves_the_database_at_the_old_version(
    tmp_path: Path, db_path: Path
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(migrations_dir(), folder)
    open_project(db_path, migrations=folder).close()
    n = latest_schema_version() + 1
    (folder / f"{n:04d}_broken.sql").write_text(
        "ALTER TABLE claims ADD COLUMN ok TEXT;\nALTER TABLE no_such_table ADD COLUMN x;\n"
    )
    with pytest.raises(StoreError, match="no such table"):
        open_project(db_path, migrations=folder)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == n - 1
        cols = [r[1] for r in conn.execute("PRAGMA table_info(claims)")]
        assert "ok" not in cols


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in available_migrations()]
    assert versions == list(range(1, len(versions) + 1))


def test_not_a_database_gives_a_clear_message(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="not an Evidence Tracker project"):
        open_project(bogus)


def test_missing_file_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="No project database"):
        open_project(tmp_path / "absent.sqlite3", create=False)


def test_events_are_append_only(project) -> None:
    reviewer = ensure_reviewer(project, "Ana")
    first = append_event(project, "screening", reviewer_id=reviewer, after={"decision": "maybe"})
    append_event(project, "screening", reviewer_id=reviewer, after={"decision": "include"})
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        project.conn.execute("UPDATE events SET note = 'x' WHERE id = ?", (first,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        project.conn.execute("DELETE FROM events")
    events = history(project)
    assert [e.after for e in events] == [{"decision": "maybe"}, {"decision": "include"}]
    assert events[1].before == {"decision": "maybe"} and events[1].reviewer == "Ana"
    current = list(project.db.query("SELECT after FROM current_judgements"))
    assert current == [{"after": '{"decision": "include"}'}]


def test_full_disk_loses_nothing_and_says_so(project, study_factory) -> None:
    upsert_studies(project, [study_factory()])
    pages = project.conn.execute("PRAGMA page_count").fetchone()[0]
    project.conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    big = [study_factory(abstract="x" * 50_000, abstract_sections=[]) for _ in range(20)]
    with pytest.raises(StoreError, match=r"disk .* is full"):
        upsert_studies(project, big)
    assert project.conn.execute("SELECT count(*) FROM studies").fetchone()[0] == 1
    assert project.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


_WRITER = textwrap.dedent(
    """
    import sys, itertools
    sys.path[:0] = {paths!r}
    from conftest import make_study
    from evidence_tracker.store import open_project
    from evidence_tracker.store.studies import upsert_studies

    project = open_project(sys.argv[1])
    with project.transaction():
        run_id = project.conn.execute(
            "INSERT INTO search_runs(query, started_at) VALUES ('kill test', 'now')"
        ).lastrowid
    for step in itertools.count():
        batch = [make_study(pmid=str(int(sys.argv[2]) + step * 50 + i)) for i in range(50)]
        with project.transaction():  # the batch and its cursor commit together
            upsert_studies(project, batch)
            project.conn.execute(
                "UPDATE search_runs SET fetched_count = fetched_count + ?, cursor = ? "
                "WHERE id = ?", (len(batch), '{{"step": %d}}' % step, run_id))
        if step == 3:
            print("running", flush=True)
    """
)


@pytest.mark.slow
def test_sigkill_mid_write_loses_no_committed_step(db_path: Path) -> None:
    open_project(db_path).close()
    tests_dir = str(Path(__file__).resolve().parents[1])
    root = str(Path(__file__).resolve().parents[2])
    script = _WRITER.format(paths=[tests_dir, root])
    for base, attempt_delay in ((10_000_000, 0.2), (20_000_000, 0.7)):
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(db_path), str(base)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "running"
        time.sleep(attempt_delay)
        proc.kill()  # SIGKILL: no cleanup, no atexit
        proc.wait()
        proc.stdout.close()
        with open_project(db_path) as project:
            conn = project.conn
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            studies = conn.execute("SELECT count(*) FROM studies").fetchone()[0]
            counted = conn.execute("SELECT sum(fetched_count) FROM search_runs").fetchone()[0]
            fts = conn.execute("SELECT count(*) FROM studies_fts").fetchone()[0]
            assert studies == counted == fts
            assert studies >= 200 and studies % 50 == 0
