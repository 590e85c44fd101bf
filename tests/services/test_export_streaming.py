"""Exports stream: the memory an export needs does not grow with the project.

Each export runs in a child process (what ``evidence-tracker export`` is) that measures
its own peak Python allocations (tracemalloc, reset per format) and the process's VmHWM.
A project four times larger must not need noticeably more: the studies are read a page at
a time without their raw records, and every format is written record by record. The page
is made small here (50 studies, not 500) so that a few hundred studies show it quickly.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest
import rispy
from conftest import make_study
from formats.test_format_roundtrip import studies as any_study
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_tracker.domain.models import Study
from evidence_tracker.formats import bibtex, csljson, ris
from evidence_tracker.services.export import ExportFormat
from evidence_tracker.store import open_project
from evidence_tracker.store.studies import upsert_studies

SMALL, LARGE = 200, 800
#: A PubMed record is 5-20 KB of XML; every study of the project carries one.
RAW = b"<PubmedArticle>" + b"<AbstractText>ketamine infusion and pain</AbstractText>" * 150

_CHILD = r"""
import json, sys, time, tracemalloc
from evidence_tracker.services.export import ExportFormat, export_studies
from evidence_tracker.store import open_project, study_stream
db, folder = sys.argv[1], sys.argv[2]
study_stream.PAGE = 50
out = {}
with open_project(db, readonly=True) as project:
    tracemalloc.start()
    for fmt in ExportFormat:
        tracemalloc.reset_peak()
        start = time.perf_counter()
        result = export_studies(project, fmt, f"{folder}/studies{fmt.extension}")
        out[fmt.value] = {"studies": result.studies, "seconds": time.perf_counter() - start,
                          "peak_mb": tracemalloc.get_traced_memory()[1] / 2**20}
with open("/proc/self/status") as status:
    out["vmhwm_mb"] = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
print(json.dumps(out))
"""


def _project(folder: Path, n: int) -> Path:
    db = folder / f"p{n}.sqlite3"
    abstract = "Ketamine infusions reduced pain scores in a randomised trial. " * 20
    with open_project(db) as project:
        for start in range(0, n, 500):
            upsert_studies(project, [
                make_study(pmid=str(40_000_000 + i), doi=f"10.1000/s.{i}",
                           title=f"Ketamine study {i}", abstract=abstract, raw_record=RAW)
                for i in range(start, min(n, start + 500))])
    return db


def _export_all(db: Path, folder: Path) -> dict[str, dict[str, float]]:
    folder.mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(db), str(folder)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, dict[str, float]] = json.loads(done.stdout)
    return result


@pytest.mark.slow
def test_export_memory_does_not_grow_with_the_project(tmp_path: Path) -> None:
    small = _export_all(_project(tmp_path, SMALL), tmp_path / "small")
    large = _export_all(_project(tmp_path, LARGE), tmp_path / "large")
    for fmt in ExportFormat:
        assert (small[fmt.value]["studies"], large[fmt.value]["studies"]) == (SMALL, LARGE)
        # Four times the studies: a list of them all would need ~4x; a stream, the same
        # pages (plus the per-study keys BibTeX remembers to keep cite keys unique).
        assert large[fmt.value]["peak_mb"] < 1.5 * small[fmt.value]["peak_mb"] + 1.0, (
            fmt, small[fmt.value], large[fmt.value])
    assert (tmp_path / "large" / "studies.ris").read_text().count("\nER  - ") == LARGE


# -- the streamed text is what the whole-list writers gave --------------------------------

records = st.lists(any_study(), max_size=5)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(records)
def test_ris_stream_equals_rispy_dumps_of_the_whole_list(studies: list[Study]) -> None:
    out = io.StringIO()
    assert ris.write_ris(iter(studies), out) == len(studies)
    whole = [ris.study_to_ris(s) for s in studies]
    assert out.getvalue() == (rispy.dumps(whole, implementation=ris._Writer) if whole else "")


@SETTINGS
@given(records)
def test_bibtex_stream_equals_one_library_written_whole(studies: list[Study]) -> None:
    out = io.StringIO()
    assert bibtex.write_bibtex(iter(studies), out) == len(studies)
    used: set[str] = set()
    library = bibtexparser.Library([bibtex.study_to_entry(s, bibtex._cite_key(s, n, used))
                                    for n, s in enumerate(studies, start=1)])
    assert out.getvalue() == (bibtexparser.write_string(library) if studies else "")


@SETTINGS
@given(records)
def test_csljson_stream_equals_json_dump_of_the_whole_list(studies: list[Study]) -> None:
    out = io.StringIO()
    assert csljson.write_csljson(iter(studies), out) == len(studies)
    items = [csljson.study_to_csl(s, s.pmid or s.doi or f"item{n}")
             for n, s in enumerate(studies, start=1)]
    assert out.getvalue() == json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    assert json.loads(out.getvalue()) == items


# -- the raw record is read only by what needs it -----------------------------------------


def test_exports_and_search_json_never_read_the_raw_record(tmp_path: Path, capsys) -> None:
    """Raw records that cannot be decompressed (zstd's magic, then garbage) break nothing
    that has no use for them: every export and ``search``/``studies --json``."""
    import sqlite3

    from evidence_tracker.__main__ import main

    db = _project(tmp_path, 30)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE studies SET raw_record = x'28b52ffd0000ffffffff'")
    conn.close()
    for fmt in ExportFormat:
        out = tmp_path / f"studies{fmt.extension}"
        assert main(["--db", str(db), "export", "--out", str(out)]) == 0, fmt
        assert f"Wrote 30 studies to {out}" in capsys.readouterr().out
    assert main(["--db", str(db), "search", "ketamine", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 30
    assert main(["--db", str(db), "studies", "--json", "--limit", "5"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 5
