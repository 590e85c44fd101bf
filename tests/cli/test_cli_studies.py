"""The CLI's JSON contract (other tools parse it) and its human output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_tracker.__main__ import main
from evidence_tracker.store import Project

CONTRACT_KEYS = {
    "pmid", "doi", "pmcid", "title", "abstract", "journal", "year", "authors",
    "publication_types", "mesh", "keywords", "language", "conditions", "retracted",
}


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_studies_json_contract(filled_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(filled_project.path)
    assert main(["--db", path, "studies", "--json"]) == 0
    rows = _json_lines(capsys.readouterr().out)
    assert len(rows) == 4
    for row in rows:
        assert row.keys() >= CONTRACT_KEYS
        assert isinstance(row["authors"], list) and all(isinstance(a, str) for a in row["authors"])
        assert isinstance(row["retracted"], bool)
    by_pmid = {r["pmid"]: r for r in rows}
    crps = by_pmid["19603491"]
    assert crps["authors"] == ["Schwartzman RJ", "Alexander GM", "CRPS Study Group"]
    assert crps["doi"] == "10.1000/et.19603491"
    assert crps["year"] == 2009 and crps["journal"] == "Pain"
    assert crps["conditions"] == ["crps"]
    assert crps["mesh"][0] == {
        "descriptor": "Ketamine", "major": True,
        "qualifiers": [{"name": "administration & dosage", "major": True}],
    }
    assert crps["abstract"].startswith("OBJECTIVE: To test low-dose ketamine")
    assert sorted(by_pmid["24101234"]["conditions"]) == ["crps", "fibromyalgia"]
    assert by_pmid["21111111"]["retracted"] is True
    assert by_pmid["21111111"]["notices"][0]["type"] == "RetractionIn"
    assert by_pmid["30000000"]["language"] == "ger"
    # Default order: newest first.
    assert [r["year"] for r in rows] == sorted((r["year"] for r in rows), reverse=True)


def test_studies_filtered_by_condition(filled_project: Project, capsys) -> None:
    assert main(["--db", str(filled_project.path), "studies", "--json",
                 "--condition", "fibromyalgia"]) == 0
    pmids = {r["pmid"] for r in _json_lines(capsys.readouterr().out)}
    assert pmids == {"24101234", "30000000"}


def test_unknown_condition_is_a_clear_error(filled_project: Project, capsys) -> None:
    code = main(["--db", str(filled_project.path), "studies", "--condition", "gout"])
    assert code == 1
    assert "No condition called 'gout'" in capsys.readouterr().err


def test_search_quotes_user_input(filled_project: Project, capsys) -> None:
    path = str(filled_project.path)
    assert main(["--db", path, "search", "fibromyalgia", "--json"]) == 0
    assert [r["pmid"] for r in _json_lines(capsys.readouterr().out)] == ["24101234"]
    # Operators and punctuation are literal words unless --syntax is given.
    assert main(["--db", path, "search", 'ketamine AND "crossover', "--json"]) == 0
    assert _json_lines(capsys.readouterr().out) == []
    assert main(["--db", path, "search", "crossover OR widespread", "--syntax", "--json"]) == 0
    assert {r["pmid"] for r in _json_lines(capsys.readouterr().out)} == {"24101234", "30000000"}
    # MeSH, authors and stemming are searchable.
    assert main(["--db", path, "search", "Noppers", "--json"]) == 0
    assert [r["pmid"] for r in _json_lines(capsys.readouterr().out)] == ["24101234"]
    assert main(["--db", path, "search", "regional pain syndromes", "--json", "--limit", "1"]) == 0
    assert len(_json_lines(capsys.readouterr().out)) == 1


def test_bad_fts_syntax_is_explained(filled_project: Project, capsys) -> None:
    assert main(["--db", str(filled_project.path), "search", "AND (", "--syntax"]) == 1
    assert "Cannot search for" in capsys.readouterr().err


def test_table_output_marks_retractions(filled_project: Project, capsys) -> None:
    assert main(["--db", str(filled_project.path), "studies"]) == 0
    captured = capsys.readouterr()
    assert "RETRACTED Schwartzman RJ: Oral ketamine retracted trial" in captured.out
    assert captured.err.strip() == "4 studies"


def test_init_and_info_on_a_fresh_database(tmp_path: Path, capsys) -> None:
    db = tmp_path / "sub" / "fresh.sqlite3"
    assert main(["--db", str(db), "init"]) == 0
    assert "Project ready" in capsys.readouterr().out
    assert main(["--db", str(db), "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["path"] == str(db.resolve())
    assert info["schema_version"] == info["latest_schema_version"] >= 1
    assert info["counts"]["studies"] == 0
    assert info["counts"]["conditions"] >= 10  # the bundled catalogue


def test_db_from_environment_and_default_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_user_dirs: Path, capsys
) -> None:
    env_db = tmp_path / "env.sqlite3"
    monkeypatch.setenv("EVIDENCE_TRACKER_DB", str(env_db))
    assert main(["info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == str(env_db)
    monkeypatch.delenv("EVIDENCE_TRACKER_DB")
    assert main(["info", "--json"]) == 0
    default = Path(json.loads(capsys.readouterr().out)["path"])
    assert default.is_relative_to(isolated_user_dirs)  # the user data dir, never the repo
    assert default.exists()


def test_newer_schema_message(tmp_path: Path, capsys) -> None:
    import sqlite3

    db = tmp_path / "future.sqlite3"
    assert main(["--db", str(db), "init"]) == 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 999")
    assert main(["--db", str(db), "info"]) == 1
    assert "Install a newer Evidence Tracker" in capsys.readouterr().err


def test_python_dash_m_entry_point(filled_project: Project) -> None:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "evidence_tracker", "--db", str(filled_project.path),
         "search", "fibromyalgia", "--json"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert [r["pmid"] for r in _json_lines(proc.stdout)] == ["24101234"]


def test_compact_gives_freed_room_back_and_keeps_every_study(tmp_path: Path, capsys) -> None:
    from conftest import make_study

    from evidence_tracker.store import open_project
    from evidence_tracker.store.studies import get_study, upsert_studies

    path = tmp_path / "p.sqlite3"
    with open_project(path) as project:
        ids = upsert_studies(project, [make_study(raw_record=os.urandom(20_000))
                                       for _ in range(100)]).study_ids
        with project.transaction():  # room freed, as a re-encoding migration frees it
            project.conn.execute("UPDATE studies SET raw_record = NULL")
        project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = project.size_on_disk()
    assert main(["--db", str(path), "compact"]) == 0
    assert "MB ->" in capsys.readouterr().out
    with open_project(path) as project:
        assert project.size_on_disk() < before / 3
        assert all(get_study(project, i) is not None for i in ids)


def test_compact_while_another_program_reads_says_the_file_shrinks_later(
    tmp_path: Path, capsys
) -> None:
    import sqlite3

    from conftest import make_study

    from evidence_tracker.store import open_project
    from evidence_tracker.store.studies import upsert_studies

    path = tmp_path / "p.sqlite3"
    with open_project(path) as project:
        upsert_studies(project, [make_study(raw_record=os.urandom(20_000)) for _ in range(50)])
        with project.transaction():
            project.conn.execute("UPDATE studies SET raw_record = NULL")
        project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = project.size_on_disk()
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM studies").fetchone()
        assert main(["--db", str(path), "compact"]) == 0
        assert "another program has the project open" in capsys.readouterr().out
    finally:
        reader.execute("COMMIT")
        reader.close()
    with open_project(path) as project:  # the last to close folds the log in
        project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert project.size_on_disk() < before / 2
