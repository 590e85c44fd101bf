"""Hostile and foreign import files (issue 15): records that cannot be stored are skipped
and reported, the preview and the import agree, non-regular files and files that yield
nothing are refused, identifiers are validated, large fields stay linear and bounded, and
a merge never replaces data with nothing."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import make_study
from fake_eutils import article_set, make_pubmed_article

from evidence_tracker.domain.models import Study
from evidence_tracker.formats import ris
from evidence_tracker.formats.detect import sniff_format
from evidence_tracker.formats.fields import FormatError
from evidence_tracker.pubmed.medline import detect_format, iter_medline
from evidence_tracker.services import imports
from evidence_tracker.store import Project
from evidence_tracker.store import studies as study_store


def ris_text(studies: list[Study]) -> str:
    out = io.StringIO()
    ris.write_ris(studies, out)
    return out.getvalue()


def run_cli(*argv: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence_tracker", *argv],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# -- 1: a record without title, DOI and PMID ----------------------------------------------


def test_record_without_identity_is_skipped_and_the_preview_agrees(
        project: Project, tmp_path: Path) -> None:
    studies = [make_study(pmid=str(40000000 + n), doi="", title=f"Study number {n} of many")
               for n in range(1, 1202)]
    text = ris_text(studies)
    # Record 600 of 1,201 has nothing to be known by (a reference manager's stub).
    records = text.split("ER  - \n")
    records[599] = "TY  - JOUR\nPY  - 2019\nVL  - 3\n"
    path = tmp_path / "export.ris"
    path.write_text("ER  - \n".join(records), encoding="utf-8")

    preview = imports.preview_file(project, path)
    assert [(r.position, r.reason) for r in preview.skipped] == [(600, imports.NO_IDENTITY)]
    assert "1 skipped" in preview.summary()
    assert study_store.count_studies(project) == 0

    summary = imports.import_file(project, path)
    assert (summary.records, summary.new, summary.skipped) == (1201, 1200, 1)
    assert summary.skipped_records == [(600, imports.NO_IDENTITY)]
    assert study_store.count_studies(project) == 1200
    assert preview.counts["new"] == summary.new  # the same planner decided both


def test_cli_dry_run_and_import_show_the_skipped_record(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    assert run_cli("--db", str(db), "init").returncode == 0
    path = tmp_path / "stub.ris"
    path.write_text("TY  - JOUR\nPY  - 2020\nER  - \n\nTY  - JOUR\nTI  - A real title of "
                    "a study\nER  - \n", encoding="utf-8")
    dry = run_cli("--db", str(db), "import", "--dry-run", str(path))
    assert dry.returncode == 0, dry.stderr
    assert "1 skipped" in dry.stdout
    assert "skipped   record 1: no title, no DOI and no PMID" in dry.stdout
    done = run_cli("--db", str(db), "import", str(path))
    assert done.returncode == 0, done.stderr
    assert "1 new" in done.stdout and "1 skipped" in done.stdout
    assert "Traceback" not in done.stderr
    assert rows(db, "SELECT title FROM studies") == [("A real title of a study",)]


def test_a_file_of_only_unstorable_records_is_refused_and_changes_nothing(
        project: Project, tmp_path: Path) -> None:
    path = tmp_path / "stubs.ris"
    path.write_text("TY  - JOUR\nPY  - 2020\nER  - \n", encoding="utf-8")
    with pytest.raises(imports.ImportFailed, match="none of its 1 record"):
        imports.preview_file(project, path)
    with pytest.raises(imports.ImportFailed, match=r"record 1: no title, no DOI and no PMID"):
        imports.import_file(project, path)
    assert project.conn.execute("SELECT count(*) FROM search_runs").fetchone()[0] == 0


# -- 7: non-regular files, files that yield nothing, identifiers --------------------------


def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    assert run_cli("--db", str(db), "init").returncode == 0
    fifo = tmp_path / "refs.ris"
    os.mkfifo(fifo)
    start = time.monotonic()
    done = run_cli("--db", str(db), "import", str(fifo), timeout=20)  # hung before the fix
    assert time.monotonic() - start < 20
    assert done.returncode == 1
    assert "named pipe" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("target", ["folder", "/dev/null"])
def test_folders_and_devices_are_refused(project: Project, tmp_path: Path,
                                         target: str) -> None:
    path = tmp_path if target == "folder" else Path(target)
    with pytest.raises(imports.ImportFailed, match="is a folder, not a file"
                       if target == "folder" else "is a device, not a file"):
        imports.import_file(project, path)


def test_ris_with_ty_but_no_er_is_refused_with_the_reason(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    assert run_cli("--db", str(db), "init").returncode == 0
    path = tmp_path / "cut.ris"
    path.write_text("TY  - JOUR\nTI  - A record cut short\nAU  - Doe, J\n", encoding="utf-8")
    done = run_cli("--db", str(db), "import", str(path))
    assert done.returncode == 1
    assert "record 1 (line 1) has no end ('ER  - ')" in done.stderr
    assert rows(db, "SELECT count(*) FROM search_runs") == [(0,)]


def test_unrecognised_and_empty_files_exit_non_zero(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    assert run_cli("--db", str(db), "init").returncode == 0
    notes = tmp_path / "notes.txt"
    notes.write_text("Just some notes.\n", encoding="utf-8")
    empty = tmp_path / "empty.xml"
    empty.write_bytes(article_set([]))
    for path, says in ((notes, "neither PubMed XML"), (empty, "no records found")):
        done = run_cli("--db", str(db), "import", str(path))
        assert done.returncode == 1, (path, done.stdout)
        assert says in done.stderr


def test_pubmed_xml_pmid_injection_is_refused_and_nothing_stored(
        project: Project, tmp_path: Path) -> None:
    path = tmp_path / "hostile.xml"
    path.write_bytes(article_set([make_pubmed_article("1' OR '1'='1")]))
    with pytest.raises(imports.ImportFailed, match=r"PMID .*1' OR '1'='1.* is not a PubMed ID"):
        imports.import_file(project, path)
    assert study_store.count_studies(project) == 0


def test_one_identifier_rule_for_every_format(project: Project, tmp_path: Path) -> None:
    from evidence_tracker.domain.identifiers import identifier_problem, is_doi, is_pmid

    assert is_pmid("123") and not is_pmid("1' OR '1'='1") and not is_pmid("١٢٣")
    assert is_doi("10.1000/x") and not is_doi("not a doi") and not is_doi("10.1000/a b")
    assert identifier_problem(pmid="12a") is not None
    path = tmp_path / "ids.ris"
    path.write_text("TY  - JOUR\nTI  - A title good enough\nDO  - see the PDF\nER  - \n\n"
                    "TY  - JOUR\nTI  - Another title good enough\nAN  - 12345\nDB  - PubMed\n"
                    "ER  - \n", encoding="utf-8")
    preview = imports.preview_file(project, path)
    assert [(r.action, r.position) for r in preview.records] == [("skipped", 1), ("new", 2)]
    assert "DOI \"see the PDF\" is not a DOI" in preview.records[0].reason


# -- 5: large fields ----------------------------------------------------------------------


def test_medline_continuation_lines_are_linear() -> None:
    # 200,000 continuation lines: re-copying the field on each took minutes.
    text = "PMID- 1\nTI  - Long.\nAB  - start\n" + "      word word word word\n" * 200_000
    start = time.perf_counter()
    (study,) = iter_medline(text)
    assert time.perf_counter() - start < 10
    assert study.abstract.endswith("word word") and len(study.abstract) > 4_000_000


def test_one_line_ris_is_refused_with_bounded_memory(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "oneline.ris"
    size = ris.MAX_RECORD_BYTES + 2**20
    with path.open("w") as fh:
        fh.write("TY  - JOUR\nAB  - ")
        fh.write("x" * size)
    tracemalloc.start()
    try:
        with pytest.raises(imports.ImportFailed, match="longer than 16 MB"):
            imports.import_file(project, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * ris.MAX_RECORD_BYTES  # the whole text (and rispy's copies) before
    assert study_store.count_studies(project) == 0


def test_ris_is_read_record_by_record(tmp_path: Path) -> None:
    studies = [make_study(pmid=str(n), title=f"Title {n} of a long file") for n in range(1, 4)]
    path = tmp_path / "three.ris"
    path.write_text(ris_text(studies), encoding="utf-8")
    got = ris.read_ris_file(path)
    assert next(got).pmid == "1"  # a generator over the file, not a list of the whole
    assert [s.pmid for s in got] == ["2", "3"]


# -- 11: MEDLINE from other databases; detection and parsing agree -------------------------

ERIC = """
OWN - ERIC
TI  - Ketamine Education for Pain Clinic Staff: A Pilot Curriculum
AU  - van Groen, Maaike M.
AU  - Eggen, Theo J. H. M.
OT  - Professional Development
JT  - Journal of Pain Education
SO  - v21 n1 p12-24 2020
OID - EJ1227990
VI  - 21
IP  - 1
PG  - 12-24
DP  - 2020
LA  - English

OWN - ERIC
TI  - Teaching Chronic Pain Management in Nursing Programs
AU  - Roe, Ann
OID - EJ1227991
DP  - 2019
"""


def test_eric_medline_without_pmid_imports(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "eric.nbib"
    path.write_text(ERIC, encoding="utf-8")
    assert detect_format(path.read_bytes()) == "medline"
    summary = imports.import_file(project, path)
    assert (summary.records, summary.new) == (2, 2)
    titles = {t for (t,) in project.conn.execute("SELECT title FROM studies")}
    assert "Ketamine Education for Pain Clinic Staff: A Pilot Curriculum" in titles
    (study,) = [s for s in iter_medline(ERIC) if s.title.startswith("Ketamine")]
    assert (study.pmid, study.year) == ("", 2020)
    first = study.authors[0]
    assert (first.last_name, first.fore_name, first.initials) == ("van Groen", "Maaike M.", "MM")


def test_pmid_without_space_is_detected_and_parsed_alike() -> None:
    text = "PMID-123\nTI  - Tight tags.\n"
    assert detect_format(text) == "medline"
    assert [s.pmid for s in iter_medline(text)] == ["123"]
    # What detection refuses, parsing refuses too.
    assert detect_format("PMID- abc\nTI  - x\n") is None


# -- 12: RIS variants ---------------------------------------------------------------------


def test_ris_one_space_tags_da_without_py_and_a1_first(project: Project,
                                                      tmp_path: Path) -> None:
    text = ("TY - JOUR\nAU - Second, Bob\nA1 - First, Ann\nTI - Ketamine for CRPS: a trial\n"
            "DA - 2019/03/07\nER - \n")
    assert sniff_format(text.encode()) == "ris"
    (study,) = ris.read_ris(text)
    assert [a.last_name for a in study.authors] == ["First", "Second"]
    assert (study.year, study.pub_date) == (2019, "2019-03-07")
    path = tmp_path / "scopus.ris"
    path.write_text(text, encoding="utf-8")
    assert imports.import_file(project, path).new == 1


# -- 14: a merge never replaces data with nothing -----------------------------------------


def test_nearly_empty_later_record_does_not_wipe_the_study(project: Project,
                                                          tmp_path: Path) -> None:
    full = make_pubmed_article("31000001", doi="10.1000/full")
    empty = (b'<PubmedArticle><MedlineCitation Status="MEDLINE"><PMID Version="1">31000001'
             b'</PMID><Article><Journal/><ArticleTitle/></Article></MedlineCitation>'
             b'</PubmedArticle>')
    path = tmp_path / "two.xml"
    path.write_bytes(article_set([full, empty]))
    imports.import_file(project, path)
    study_id = study_store.find_study_id(project, "31000001")
    assert study_id is not None
    stored = study_store.get_study(project, study_id)
    assert stored is not None
    study = stored.study
    assert study.title.startswith("Ketamine infusion")
    assert (study.doi, study.year) == ("10.1000/full", 2020)
    assert [a.last_name for a in study.authors] == ["Smith", "Doe"]
    # A real revision (a changed, non-empty title) still replaces it.
    revised = tmp_path / "revised.xml"
    revised.write_bytes(article_set([make_pubmed_article("31000001", title="Corrected title "
                                                         "of the ketamine trial.",
                                                         doi="10.1000/full")]))
    imports.import_file(project, revised)
    again = study_store.get_study(project, study_id)
    assert again is not None and again.study.title == "Corrected title of the ketamine trial."
    assert again.study.doi == "10.1000/full"


def test_ris_reader_refuses_a_record_without_end() -> None:
    with pytest.raises(FormatError):
        list(ris.read_ris("TY  - JOUR\nTI  - x\n"))


def test_many_records_sharing_a_title_are_matched_in_linear_time(
        project: Project, tmp_path: Path) -> None:
    """Records with one title, year and first author but distinct PMIDs (or DOIs): each
    was checked against every earlier one, one query each (quadratic: a 50 MB file of
    them never finished)."""
    n = 1500
    studies = [make_study(pmid=str(41000000 + k), doi=f"10.1000/same.{k}",
                          title="Correction to: ketamine for chronic pain")
               for k in range(n)]
    path = tmp_path / "same-title.ris"
    path.write_text(ris_text(studies), encoding="utf-8")
    checks: list[str] = []
    project.conn.set_trace_callback(
        lambda sql: checks.append(sql) if sql.startswith("SELECT pmid, doi FROM studies")
        else None)
    try:
        summary = imports.import_file(project, path)
    finally:
        project.conn.set_trace_callback(None)
    assert summary.new == n
    assert len(checks) < 2 * n  # was n * (n - 1) / 2


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_a_bibtex_file_saved_as_utf16_or_32_with_a_bom_imports(
    project: Project, tmp_path: Path, codec: str
) -> None:
    """Windows tools save BibTeX as UTF-16 with a byte-order mark: the service recognises
    the format through the mark and the reader decodes it (it was 'not UTF-8')."""
    path = tmp_path / "windows.bib"
    path.write_bytes("@article{k1, title={Ketamine for CRPS}, year={2009},\n"
                     " doi={10.1016/j.pain.2009.06.007}}\n".encode(codec))
    assert sniff_format(path.read_bytes()[:4096]) == "bibtex"
    summary = imports.import_file(project, path)
    assert summary.new == 1
    assert [s.study.title for s in study_store.iter_studies(project)] == ["Ketamine for CRPS"]


def test_a_bibtex_file_over_the_documented_size_is_refused_unread(
    project: Project, tmp_path: Path
) -> None:
    """BibTeX cannot be streamed (bibtexparser parses the whole text): above
    MAX_BIBTEX_BYTES the file is refused with the limit named, before it is read."""
    path = tmp_path / "huge.bib"
    entry = b"@article{k, title={Ketamine}, year={2009}}\n"
    with path.open("wb") as out:
        out.write(entry)
        out.truncate(imports.MAX_BIBTEX_BYTES + 1)  # sparse: the size is what counts
    with pytest.raises(imports.ImportFailed, match="over 64 MB are not read"):
        imports.import_file(project, path)
    assert list(study_store.iter_studies(project)) == []
