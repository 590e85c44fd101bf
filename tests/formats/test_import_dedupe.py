"""Importing RIS, BibTeX, CSL-JSON and NBIB: duplicates merge by PMID, then DOI, then title with
year and first author; the preview says what will be added and merged and writes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import make_study
from fake_eutils import article_set, make_pubmed_article

from evidence_tracker.__main__ import main
from evidence_tracker.domain.dedupe import merge_studies, title_key
from evidence_tracker.domain.models import Author, Study
from evidence_tracker.formats import bibtex, csljson, nbib, ris
from evidence_tracker.services import export as export_service
from evidence_tracker.services import imports
from evidence_tracker.store import Project
from evidence_tracker.store import studies as study_store

DATA = Path(__file__).resolve().parents[1] / "data" / "ncbi"


def write(path: Path, studies: list[Study], fmt: str) -> Path:
    out = io.StringIO()
    {"ris": ris.write_ris, "bib": bibtex.write_bibtex, "json": csljson.write_csljson,
     "nbib": nbib.write_nbib}[fmt](studies, out)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def count(project: Project) -> int:
    return study_store.count_studies(project)


def by_pmid(project: Project, pmid: str) -> Study:
    study_id = study_store.find_study_id(project, pmid)
    assert study_id is not None
    stored = study_store.get_study(project, study_id)
    assert stored is not None
    return stored.study


def test_ris_without_pmid_merges_into_the_pubmed_record_by_doi(
        filled_project: Project, tmp_path: Path) -> None:
    pubmed = by_pmid(filled_project, "19603491")
    copy = make_study(pmid="", doi=pubmed.doi.upper(), pmcid="PMC1234567", abstract="",
                      abstract_sections=[], title=pubmed.title + " (a Zotero copy)")
    path = write(tmp_path / "zotero.ris", [copy], "ris")
    before = count(filled_project)
    preview = imports.preview_file(filled_project, path)
    (plan,) = preview.records
    assert (plan.action, plan.matched_by) == ("merge", "doi")
    assert plan.study_id == study_store.find_study_id(filled_project, "19603491")
    assert count(filled_project) == before  # a preview writes nothing
    summary = imports.import_file(filled_project, path)
    assert (summary.new, summary.updated, summary.unchanged) == (0, 1, 0)
    merged = by_pmid(filled_project, "19603491")
    assert merged.pmcid == "PMC1234567"  # the empty field was filled
    assert merged.title == pubmed.title and merged.abstract == pubmed.abstract  # PubMed kept
    assert merged.raw_format == "pubmed-xml"
    assert count(filled_project) == before


def test_title_year_and_first_author_match_when_there_is_no_identifier(
        filled_project: Project, tmp_path: Path) -> None:
    existing = by_pmid(filled_project, "24101234")
    entry = make_study(pmid="", doi="", title="KETAMINE IN FIBROMYALGIA — a crossover study!",
                       year=existing.year, pub_date=str(existing.year), volume="12",
                       authors=[Author(last_name="Noppers", fore_name="I")])
    path = write(tmp_path / "library.bib", [entry], "bib")
    (plan,) = imports.preview_file(filled_project, path).records
    assert (plan.action, plan.matched_by) == ("merge", "title")
    assert title_key(entry.title) == title_key(existing.title)
    imports.import_file(filled_project, path)
    assert count(filled_project) == 4


def test_a_different_year_or_first_author_is_a_different_study(
        filled_project: Project, tmp_path: Path) -> None:
    existing = by_pmid(filled_project, "24101234")
    other_year = make_study(pmid="", doi="", title=existing.title, year=2015, pub_date="2015",
                            authors=existing.authors)
    other_author = make_study(pmid="", doi="", title=existing.title, year=existing.year,
                              pub_date=str(existing.year),
                              authors=[Author(last_name="Someone", fore_name="Else")])
    path = write(tmp_path / "two.json", [other_year, other_author], "json")
    preview = imports.preview_file(filled_project, path)
    assert [r.action for r in preview.records] == ["new", "new"]


def test_conflicting_pmids_are_never_merged(filled_project: Project, tmp_path: Path) -> None:
    existing = by_pmid(filled_project, "19603491")
    twin = make_study(pmid="39999999", doi=existing.doi, title=existing.title)
    path = write(tmp_path / "twin.nbib", [twin], "nbib")
    (plan,) = imports.preview_file(filled_project, path).records
    assert plan.action == "new"


def test_duplicates_within_one_file_are_merged_and_counted(
        project: Project, tmp_path: Path) -> None:
    first = make_study(pmid="", doi="10.5555/dup", abstract="", abstract_sections=[])
    second = make_study(pmid="", doi="10.5555/DUP", title=first.title, volume="", pages="",
                        abstract="", abstract_sections=[])
    third = make_study(pmid="", doi="", title=first.title + ".", year=first.year,
                       authors=first.authors, abstract="Only the third has an abstract.",
                       abstract_sections=[])
    path = write(tmp_path / "dups.ris", [first, second, third], "ris")
    preview = imports.preview_file(project, path)
    assert [(r.action, r.matched_by) for r in preview.records] == [
        ("new", ""), ("duplicate", "doi"), ("duplicate", "title")]
    assert preview.counts == {"new": 1, "merge": 0, "unchanged": 0, "duplicate": 2,
                              "withdrawn": 0}
    summary = imports.import_file(project, path)
    assert (summary.new, summary.duplicates, summary.records) == (1, 2, 3)
    (stored,) = study_store.iter_studies(project)
    assert stored.study.abstract == "Only the third has an abstract."
    assert stored.study.volume == first.volume


def test_a_pubmed_record_upgrades_an_imported_copy_in_place(
        project: Project, tmp_path: Path) -> None:
    copy = make_study(pmid="", doi="10.1093/bja/aet547", title="Ketamine in chronic pain",
                      abstract="", abstract_sections=[])
    imports.import_file(project, write(tmp_path / "copy.ris", [copy], "ris"))
    (only,) = study_store.iter_studies(project)
    pubmed = make_study(pmid="24486728", doi="10.1093/bja/aet547",
                        title="Ketamine in chronic pain", raw_format="medline")
    summary = imports.import_file(project, write(tmp_path / "pubmed.nbib", [pubmed], "nbib"))
    assert (summary.new, summary.updated) == (0, 1)
    (upgraded,) = study_store.iter_studies(project)
    assert upgraded.id == only.id
    assert upgraded.study.pmid == "24486728" and upgraded.study.raw_format == "medline"
    assert upgraded.study.abstract  # PubMed's record replaces the poorer copy


@pytest.mark.parametrize("fmt", ["ris", "bibtex", "csljson", "nbib"])
def test_exporting_and_importing_the_same_project_adds_nothing(
        filled_project: Project, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"all{export_service.ExportFormat(fmt).extension}"
    export_service.export_studies(filled_project, fmt, path)
    before = count(filled_project)
    summary = imports.import_file(filled_project, path)
    assert summary.records == before and summary.new == 0 and summary.duplicates == 0
    assert count(filled_project) == before


def test_merge_prefers_the_pubmed_record_and_fills_gaps() -> None:
    pubmed = make_study(pmid="1", pmcid="", raw_format="pubmed-xml")
    other = make_study(pmid="", pmcid="PMC9", title="Other title", raw_format="ris",
                       keywords=["x"])
    merged = merge_studies(other, pubmed)
    assert merged.title == pubmed.title and merged.pmcid == "PMC9"
    assert merged.keywords == pubmed.keywords
    kept = merge_studies(pubmed, other)
    assert kept.title == pubmed.title and kept.pmcid == "PMC9" and kept.pmid == "1"


def test_cli_import_dry_run_then_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    db = str(tmp_path / "p.sqlite3")
    assert main(["--db", db, "import", str(DATA / "pubmed_result2.txt")]) == 0
    capsys.readouterr()
    records = [make_study(pmid="16403221", doi="", title="A copy in RIS"),
               make_study(pmid="", doi="10.9999/new", title="A new study about ketamine")]
    path = write(tmp_path / "refs.ris", records, "ris")
    assert main(["--db", db, "import", "--dry-run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "refs.ris: 2 RIS records: 1 new, " in out and "(dry run: nothing was changed)" in out
    assert "16403221: into study #" in out and "(same pmid)" in out
    assert main(["--db", db, "import", "--dry-run", "--json", str(path)]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["new"] == 1 and [r["action"] for r in plan["plan"]][1] == "new"
    assert main(["--db", db, "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["studies"] == 4
    assert main(["--db", db, "import", str(path)]) == 0
    assert "1 new" in capsys.readouterr().out
    assert main(["--db", db, "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["studies"] == 5


def test_a_broken_bibtex_file_is_a_clear_error(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "broken.bib"
    path.write_text("@article{key, title = {Unclosed\n", encoding="utf-8")
    with pytest.raises(imports.ImportFailed, match=r"broken\.bib"):
        imports.import_file(project, path)
    assert count(project) == 0


def _deletions(*pmids: str) -> bytes:
    return b"<DeleteCitation>" + b"".join(
        f'<PMID Version="1">{p}</PMID>'.encode() for p in pmids
    ) + b"</DeleteCitation>"


def test_a_deletion_notice_flags_a_stored_study_and_ignores_an_unknown_pmid(
        filled_project: Project, tmp_path: Path) -> None:
    path = tmp_path / "update.xml"
    path.write_bytes(article_set([_deletions("19603491", "99999999")]))
    target = study_store.find_study_id(filled_project, "19603491")
    before = count(filled_project)
    plans = imports.preview_file(filled_project, path).records
    assert [(p.action, p.key, p.study_id) for p in plans] == [
        ("withdrawn", "19603491", target), ("withdrawn", "99999999", None)]
    summary = imports.import_file(filled_project, path)
    assert (summary.records, summary.new, summary.withdrawn) == (2, 0, 2)
    # The flagged study leaves the list; nothing was stored for the unknown PMID.
    assert count(filled_project) == before - 1
    assert by_pmid(filled_project, "19603491").deleted


def test_a_deletion_notice_after_its_record_in_the_same_file(
        project: Project, tmp_path: Path) -> None:
    path = tmp_path / "update.xml"
    path.write_bytes(article_set([
        make_pubmed_article("501"), make_pubmed_article("502", title="Another ketamine trial"),
        _deletions("501"),
    ]))
    plans = imports.preview_file(project, path).records
    assert [p.action for p in plans] == ["new", "new", "withdrawn"]
    summary = imports.import_file(project, path)
    assert (summary.new, summary.withdrawn) == (2, 1)
    assert by_pmid(project, "501").deleted and not by_pmid(project, "502").deleted
    assert by_pmid(project, "501").title.startswith("Ketamine infusion")  # not replaced


def test_cli_import_reports_deletion_notices(project: Project, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "update.xml"
    path.write_bytes(article_set([_deletions("123")]))
    assert main(["--db", str(project.path), "import", "--dry-run", str(path)]) == 0
    assert "withdrawn 123: PubMed deleted this citation; not in the project" in (
        capsys.readouterr().out)
