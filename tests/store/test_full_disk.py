"""A real full disk: a small tmpfs mounted in a private mount namespace (``unshare``),
filled to the last byte. Opening a project there says the disk is full (SQLite itself
says "disk I/O error": it cannot grow the write-ahead log's -shm file), reading still
works, and exports fail with one clear message, no traceback, no partial file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_DRIVER = textwrap.dedent("""
    import json, os, subprocess, sys
    sys.path[:0] = [{tests!r}, {root!r}]
    from conftest import make_study
    from evidence_tracker.store import open_project
    from evidence_tracker.store.studies import upsert_studies

    folder = sys.argv[1]
    db = os.path.join(folder, "project.sqlite3")
    with open_project(db) as project:
        upsert_studies(project, [make_study() for _ in range(40)])
    fd = os.open(os.path.join(folder, "filler"), os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"x" * 4096)
    except OSError:
        pass
    try:  # the last few bytes too
        while True:
            os.write(fd, b"x")
    except OSError:
        pass
    os.close(fd)
    results = {{}}
    for name, args in [
        ("info", ["info", "--json"]),
        ("studies", ["studies", "--json"]),
        ("xlsx", ["export", "--out", os.path.join(folder, "studies.xlsx")]),
        ("csv", ["export", "--out", os.path.join(folder, "studies.csv")]),
        ("report", ["report", "--out", os.path.join(folder, "report.html")]),
        ("write", ["init"]),
    ]:
        proc = subprocess.run([sys.executable, "-X", "dev", "-m", "evidence_tracker",
                               "--db", db, *args], capture_output=True, text=True,
                              timeout=120)
        results[name] = [proc.returncode, proc.stdout, proc.stderr]
    results["files"] = sorted(os.listdir(folder))
    print(json.dumps(results))
""")


def _can_mount_tmpfs(folder: Path) -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs '{folder}'"],
        capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.slow
def test_full_disk_reads_and_refuses_writes_clearly(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _can_mount_tmpfs(disk):
        pytest.skip("no user namespaces here to mount a small tmpfs (unshare -rm)")
    script = tmp_path / "driver.py"
    script.write_text(_DRIVER.format(tests=str(ROOT / "tests"), root=str(ROOT)))
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c",
         f"mount -t tmpfs -o size=3m tmpfs '{disk}' && "
         f"exec '{sys.executable}' '{script}' '{disk}'"],
        capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for name in ("info", "studies", "xlsx", "csv", "report", "write"):
        stderr = out[name][2]
        assert "Traceback" not in stderr and "Exception ignored" not in stderr, (name, stderr)
    # Reading needs no free space.
    assert out["info"][0] == 0 and json.loads(out["info"][1])["counts"]["studies"] == 40
    assert out["studies"][0] == 0, out["studies"][2]
    assert len(out["studies"][1].splitlines()) == 40
    # Writing files: one clear message each, nothing half-written left behind.
    for name, file in (("xlsx", "studies.xlsx"), ("csv", "studies.csv"),
                       ("report", "report.html")):
        code, _, stderr = out[name]
        assert code == 1 and "is full" in stderr and f"{file} was not written" in stderr, stderr
    # Opening the project to write: the disk is full, not "disk I/O error".
    code, _, stderr = out["write"]
    assert code == 1 and "is full" in stderr and "I/O error" not in stderr, stderr
    # (SQLite's failed open leaves an empty -wal and -shm; no export left a temporary file.)
    assert [f for f in out["files"] if not f.startswith("project.sqlite3")] == ["filler"]
