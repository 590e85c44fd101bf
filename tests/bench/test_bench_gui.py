"""The GUI benchmark (bench/bench_gui.py) runs end to end at a tiny size, so it cannot rot:
a 200-study project built from a generated PubMed file through the real services, the real
window driven offscreen in a child process, every interaction timed, the stalls measured, one
CLI command run, and the table and JSON written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_gui  # noqa: E402
from bench_parse import write_corpus  # noqa: E402
from build_projects import build_project  # noqa: E402

SIZE = 200


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "generated.xml"
    write_corpus(path, 120, seed=14)  # fewer records than the project: copies are renumbered
    return path


@pytest.mark.slow
def test_bench_builds_drives_the_window_and_prints_the_table(tmp_path: Path,
                                                           corpus: Path) -> None:
    out = tmp_path / "out.json"
    # Its own process group: a timeout ends the bench and its GUI child together.
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bench_gui.py"), "--sizes", str(SIZE),
         "--rounds", "1", "--skip-cli", "--cache", str(tmp_path / "cache"), "--corpus",
         str(corpus), "--import-records", "40", "--fetch-records", "30", "--json", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 0, stderr[-3000:]
    (result,) = json.loads(out.read_text())
    assert result["studies"] == SIZE  # every copy renumbered: none merged as a duplicate
    gui_names = [n for n in bench_gui.INTERACTIONS if not n.startswith("CLI")]
    assert sorted(result["times"]) == sorted(gui_names)
    for name in gui_names:
        ((wall, cpu),) = result["times"][name]
        assert wall >= 0 and (cpu is None or cpu >= 0), name
    assert result["times"]["window open to first paint"][0][0] > 0
    assert 0 < result["gui_peak_rss_mb"] < 4096
    assert result["bytes_per_study"] > 1000
    for name in gui_names:
        assert name in stdout
    assert "bytes per study on disk" in stdout


def test_the_project_holds_the_judgements_mix(tmp_path: Path, corpus: Path) -> None:
    from evidence_tracker.services import project as project_service

    path = build_project(tmp_path, SIZE, corpus=corpus)
    with project_service.open_for_reading(path) as project:
        conn = project.conn
        kinds = dict(conn.execute("SELECT kind, count(*) FROM events GROUP BY kind"))
        in_conditions = conn.execute(
            "SELECT count(DISTINCT study_id) FROM study_conditions").fetchone()[0]
    assert kinds["screening"] == 2 * SIZE // 10  # 10% of the studies, by two reviewers
    assert kinds["link"] == SIZE // 100
    assert kinds["appraisal"] >= SIZE // 5 - 1
    assert kinds["grade"] >= 1
    assert in_conditions == SIZE  # every study fetched into a condition
    # Cached: asking again builds nothing.
    mtime = path.stat().st_mtime_ns
    assert build_project(tmp_path, SIZE, corpus=corpus) == path
    assert path.stat().st_mtime_ns == mtime


def test_a_cli_command_is_timed_with_its_peak_memory(tmp_path: Path, corpus: Path) -> None:
    path = build_project(tmp_path, SIZE, corpus=corpus)
    seconds, cpu, peak_mb = bench_gui.run_cli(path, ["screen", "--progress", "--reviewer",
                                                     "Dr Ada Reviewer"])
    assert seconds > 0 and cpu > 0 and peak_mb > 10
    with pytest.raises(RuntimeError, match="failed"):  # a failing command is not timed
        bench_gui.run_cli(path, ["no-such-command"])
