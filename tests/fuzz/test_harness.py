"""The fuzz harness tells the four outcomes apart on real child processes."""

from __future__ import annotations

import os
from pathlib import Path

from fuzz.harness import new_project, project_digest, run_import


def test_clean_refused_and_unchanged(tmp_path: Path) -> None:
    project_path = new_project(tmp_path)
    before = project_digest(project_path)
    good = Path(__file__).parents[1] / "data" / "ncbi" / "pubmed1.xml"
    bad = tmp_path / "empty.ris"
    bad.write_text("not a reference file at all\n")
    refused = run_import(project_path, bad)
    assert refused.kind == "refused", refused
    assert project_digest(project_path) == before
    clean = run_import(project_path, good)
    assert clean.kind == "clean", clean
    assert clean.peak_mb > 10 and clean.seconds > 0
    assert project_digest(project_path) != before


def test_a_hang_is_cut_or_refused(tmp_path: Path) -> None:
    project_path = new_project(tmp_path)
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)  # nothing ever writes: reading it blocks (unless import refuses it)
    outcome = run_import(project_path, fifo, time_limit=8)
    assert outcome.kind in ("hang", "refused"), outcome
