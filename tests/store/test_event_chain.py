"""The audit trail is tamper-evident: events are hash-chained, ``verify`` finds the first
broken link, and a report's chain head can be checked against the project later."""

from __future__ import annotations

import itertools
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from evidence_tracker.__main__ import main
from evidence_tracker.config import migrations_dir
from evidence_tracker.store import Project, open_project
from evidence_tracker.store.events import append_event, ensure_reviewer
from evidence_tracker.store.judgements import insert_event

TRIGGERS = ("events_append_only_update", "events_append_only_delete")


def _judge(project: Project, n: int = 5) -> list[int]:
    ana = ensure_reviewer(project, "Ana")
    ben = ensure_reviewer(project, "Ben")
    ids = []
    for i in range(n):
        ids.append(append_event(project, "screening", reviewer_id=ana if i % 2 else ben,
                                after={"decision": ["include", "exclude"][i % 2]},
                                study_id=None, note=f"step {i} — naïve"))
    ids.append(insert_event(project, "resolution", reviewer_id=ana, before={"x": 1},
                            after="Screening resolved: Include"))
    return ids


def _with_shell(path: Path, *statements: str) -> None:
    """What someone with the sqlite3 shell does: drop the append-only triggers, change the
    history, and put the triggers back as they were."""
    conn = sqlite3.connect(path, isolation_level=None)
    saved = [r[0] for r in conn.execute(
        f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN {TRIGGERS}")]
    assert len(saved) == 2
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        conn.execute(statement)
    for sql in saved:
        conn.execute(sql)
    conn.close()


def _verify(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict]:
    code = main(["--db", str(path), "verify", "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_every_event_is_chained_to_the_one_before(project: Project) -> None:
    ids = _judge(project)
    rows = project.conn.execute("SELECT id, prev_hash, hash FROM events ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ids
    assert rows[0][1] == ""
    for before, after in itertools.pairwise(rows):
        assert after[1] == before[2] and len(after[2]) == 64
    assert len({r[2] for r in rows}) == len(rows)


def test_an_intact_chain_verifies(project: Project, capsys) -> None:
    _judge(project)
    code, out = _verify(project.path, capsys)
    assert code == 0 and out["ok"] is True and out["events"] == 6
    assert out["broken_at"] is None and out["head"]["event_id"] == 6


def test_an_event_edited_with_the_shell_is_reported(project: Project, capsys) -> None:
    ids = _judge(project)
    _with_shell(project.path, "UPDATE events SET after = '{\"decision\": \"include\"}' "
                f"WHERE id = {ids[3]}")
    # The application itself shows the edited history ...
    assert project.conn.execute("SELECT after FROM events WHERE id = ?", (ids[3],)
                                ).fetchone()[0] == '{"decision": "include"}'
    # ... and verify says where it was changed.
    code, out = _verify(project.path, capsys)
    assert code == 1 and out["ok"] is False
    assert out["broken_at"] == ids[3] and "edited" in out["problem"]
    assert main(["--db", str(project.path), "verify"]) == 1
    assert f"broken at event #{ids[3]}" in capsys.readouterr().out


def test_a_reviewer_renamed_with_the_shell_is_reported(project: Project, capsys) -> None:
    ids = _judge(project)
    conn = sqlite3.connect(project.path, isolation_level=None)
    conn.execute("UPDATE reviewers SET name = 'Carla' WHERE name = 'Ben'")
    conn.close()
    code, out = _verify(project.path, capsys)
    assert code == 1 and out["broken_at"] == ids[0]


def test_an_event_removed_with_the_shell_is_reported(project: Project, capsys) -> None:
    ids = _judge(project)
    _with_shell(project.path, f"DELETE FROM events WHERE id = {ids[2]}")
    code, out = _verify(project.path, capsys)
    assert code == 1 and out["broken_at"] == ids[3] and "removed" in out["problem"]


def test_an_event_without_its_hash_is_refused(project: Project) -> None:
    _judge(project, 1)
    with pytest.raises(sqlite3.IntegrityError, match="with their hash"):
        project.conn.execute("INSERT INTO events(occurred_at, kind) VALUES ('now', 'x')")


def test_a_report_head_is_checked_against_the_project(project: Project, capsys) -> None:
    ids = _judge(project)
    code, out = _verify(project.path, capsys)
    published = out["head"]["hash"]
    append_event(project, "screening", reviewer_id=None, after={"decision": "maybe"})
    code, out = _verify(project.path, capsys, "--head", published)
    assert code == 0 and out["head_found"] is True and out["events_after_head"] == 1
    # The newest events cut off: the chain left is intact, the report's head is gone.
    _with_shell(project.path, f"DELETE FROM events WHERE id >= {ids[-1]}")
    code, out = _verify(project.path, capsys)
    assert code == 0
    code, out = _verify(project.path, capsys, "--head", published)
    assert code == 1 and out["head_found"] is False and out["broken_at"] is None
    assert main(["--db", str(project.path), "verify", "--head", published]) == 1
    assert "not in this project's audit trail" in capsys.readouterr().out


def test_events_recorded_before_the_chain_are_chained_by_the_migration(
    tmp_path: Path, db_path: Path, capsys
) -> None:
    old = tmp_path / "old-migrations"
    old.mkdir()
    for name in ("0001_initial.sql", "0002_claim_kind.sql"):
        shutil.copy(migrations_dir() / name, old / name)
    with open_project(db_path, migrations=old) as project:
        reviewer = ensure_reviewer(project, "Ana")
        for i in range(50):  # as the application wrote them until now: no hash
            project.conn.execute(
                "INSERT INTO events(occurred_at, reviewer_id, kind, study_id, before, after, "
                "note) VALUES (?, ?, 'screening', NULL, ?, ?, ?)",
                (f"2025-01-01T00:00:{i:02d}Z", reviewer if i % 3 else None,
                 None if i == 0 else json.dumps({"decision": "maybe"}),
                 json.dumps({"decision": "include", "n": i}), "ü" * i))
    with open_project(db_path) as project:
        rows = project.conn.execute("SELECT prev_hash, hash FROM events ORDER BY id").fetchall()
        assert all(h and len(h) == 64 for _, h in rows)
        assert [p for p, _ in rows[1:]] == [h for _, h in rows[:-1]]
        new = append_event(project, "screening", reviewer_id=None, after={"decision": "x"})
        assert new == 51
    code, out = _verify(db_path, capsys)
    assert code == 0 and out["events"] == 51
