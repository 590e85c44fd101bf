"""A project in a read-only file or folder can still be read: info, studies, search,
export, report and verify open it read-only (no WAL switch, no migration, no file created
beside it) and leave it byte for byte as it was."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_tracker.services import project as project_service
from evidence_tracker.store import Project


def _as_a_user(cmd: list[str]) -> list[str]:
    """Root ignores file permissions: drop the capabilities that let it."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-all", *cmd]


_BATCH = """
import contextlib, io, json, sys
from evidence_tracker.__main__ import main
results = []
for args in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def _cli(db: Path, *commands: list[str]) -> list[tuple[int, str, str]]:
    """Run the commands as this user, in one process (one start-up)."""
    batch = [["--db", str(db), *c] for c in commands]
    proc = subprocess.run(_as_a_user([sys.executable, "-c", _BATCH, json.dumps(batch)]),
                          capture_output=True, text=True, timeout=120, check=False,
                          env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert proc.returncode == 0, proc.stderr
    return [tuple(r) for r in json.loads(proc.stdout)]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("locked", ["file", "folder", "both"])
def test_a_read_only_project_can_be_read(filled_project: Project, tmp_path: Path,
                                         locked: str) -> None:
    project_service.open_or_create(filled_project.path).close()  # seeded claims, too
    filled_project.close()
    db = tmp_path / "locked" / "project.sqlite3"
    db.parent.mkdir()
    filled_project.path.rename(db)
    out = tmp_path / "out"
    out.mkdir()
    before = _snapshot(db.parent)
    if locked in ("file", "both"):
        db.chmod(0o444)
    if locked in ("folder", "both"):
        db.parent.chmod(0o555)
    try:
        # The lock holds for this user (a write would fail) ...
        target = db if locked != "folder" else db.with_name("probe")
        probe = subprocess.run(_as_a_user([
            sys.executable, "-c", "import sys; open(sys.argv[1], 'ab')", str(target)]),
            capture_output=True, text=True, timeout=60, check=False)
        assert probe.returncode == 1 and "PermissionError" in probe.stderr, probe
        # ... and every command that only reads works.
        info, studies, found, export, report = _cli(
            db, ["info", "--json"], ["studies", "--json"], ["search", "fibromyalgia", "--json"],
            ["export", "--out", str(out / "studies.ris")],
            ["report", "--out", str(out / "report.html")])
        assert info[0] == 0, info[2]
        assert json.loads(info[1])["counts"]["studies"] == 4
        assert studies[0] == 0 and len(studies[1].splitlines()) == 4
        assert found[0] == 0 and json.loads(found[1])["pmid"] == "24101234"
        assert export[0] == 0, export[2]
        assert (out / "studies.ris").read_text(encoding="utf-8").count("ER  -") == 4
        assert report[0] == 0, report[2]
        [verify] = _cli(db, ["verify", "--json"])
        assert verify[0] == 0 and json.loads(verify[1])["ok"], verify[2]
    finally:
        db.parent.chmod(0o755)
        db.chmod(0o644)
    assert _snapshot(db.parent) == before


def test_reading_leaves_no_files_beside_a_writable_project(filled_project: Project,
                                                           capsys) -> None:
    from evidence_tracker.__main__ import main

    filled_project.close()
    before = _snapshot(filled_project.path.parent)
    assert main(["--db", str(filled_project.path), "info", "--json"]) == 0
    assert _snapshot(filled_project.path.parent) == before
    with project_service.open_for_reading(filled_project.path) as project:
        assert project.readonly
        with pytest.raises(Exception, match="readonly"):
            project.conn.execute("DELETE FROM project_meta")
    assert stat.S_IMODE(filled_project.path.stat().st_mode) & 0o200
