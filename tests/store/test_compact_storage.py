"""Abstract sections and authors are stored in a compact form (db/0007) that reads back as
the same Study; rows in the full form (as schema 6 wrote them) still read, and the
migration re-encodes them."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import orjson
import pytest
import zstandard
from conftest import make_study
from hypothesis import given
from hypothesis import strategies as st

from evidence_tracker.config import migrations_dir
from evidence_tracker.domain.abstracts import abstract_text
from evidence_tracker.domain.models import AbstractSection, Author, Study
from evidence_tracker.domain.raw import RAW_DICT_ID, decompress_raw, dictionary_id
from evidence_tracker.formats.bibtex import read_bibtex
from evidence_tracker.formats.csljson import read_csljson
from evidence_tracker.formats.ris import read_ris
from evidence_tracker.pubmed.medline import iter_medline
from evidence_tracker.pubmed.parser import iter_pubmed_xml
from evidence_tracker.store import open_project
from evidence_tracker.store.studies import get_study, upsert_studies
from evidence_tracker.store.study_columns import (
    read_authors,
    read_sections,
    row_to_study,
    study_to_row,
    to_json,
    write_authors,
    write_sections,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "ncbi"


def _pubmed() -> list[Study]:
    found = [s for p in sorted(DATA.glob("*.xml")) for s in iter_pubmed_xml(p)]
    return found + list(iter_medline(DATA / "pubmed_result2.txt"))


def _full(value: list[AbstractSection] | list[Author]) -> str:
    """The list as schema 6 stored it: orjson over its records' fields."""
    return orjson.dumps([{f: getattr(v, f) for f in v.__struct_fields__} for v in value]).decode()


def _shapes() -> list[Study]:
    """Every shape of study the readers make: PubMed XML and MEDLINE records, imports from
    RIS, BibTeX and CSL-JSON, collective authors, duplicate affiliations, markup, unicode,
    no abstract."""
    imported = [
        *read_ris("TY  - JOUR\nTI  - Ketamine & <i>CRPS</i>: café\nAU  - Müller, Hans\n"
                  "AU  - CRPS Study Group\nAB  - BACKGROUND: Pain. METHODS: Trial of "
                  "x<sup>2</sup>. RESULTS: Less pain.\nPY  - 2020\nER  - \n"),
        *read_bibtex("@article{k, title={Esketamine {$\\alpha$}-waves}, author={Østergaard, "
                     "Åse and {The Group}}, abstract={Plain text only.}, year={2019}}"),
        *read_csljson('[{"type": "article-journal", "title": "A <i>trial</i>", "author": '
                      '[{"family": "Li", "given": "Wei"}, {"literal": "Consortium"}], '
                      '"abstract": "OBJECTIVE: X. CONCLUSIONS: Y \\u2265 2."}]'),
    ]
    made = [
        make_study(),
        make_study(abstract="", abstract_sections=[]),
        make_study(authors=[Author("Smith", "Ann", "A", affiliation="Dept of Pain, Oslo"),
                            Author("Jones", "Bo", "B", affiliation="Dept of Pain, Oslo"),
                            Author(collective_name="KETAMINE Investigators"),
                            Author("Øberg", "Ærø", "Æ", affiliation="Bergen ✓")]),
    ]
    return [*_pubmed(), *imported, *made]


@pytest.mark.parametrize("study", _shapes(), ids=lambda s: s.pmid or s.title[:20])
def test_every_shape_of_study_reads_back_the_same(tmp_path: Path, study: Study) -> None:
    assert row_to_study(study_to_row(study)) == study
    with open_project(tmp_path / "p.sqlite3") as project:
        (study_id,) = upsert_studies(project, [study]).study_ids
        stored = get_study(project, study_id)
    assert stored is not None and stored.study == study


def test_typical_records_are_stored_compact() -> None:
    """The compact forms are what keeps a study near 8 KB: a regression shows here."""
    structured = [s for s in _pubmed() if len(s.abstract_sections) > 1 and len(s.authors) > 1]
    assert len(structured) >= 3
    for study in structured:
        row = study_to_row(study)
        assert row["abstract_sections"].startswith("[[")
        assert row["authors"].startswith("{")
        full = len(_full(study.abstract_sections)) + len(_full(study.authors))
        compact = len(row["abstract_sections"]) + len(row["authors"])
        assert compact < full * 0.6, study.pmid


def test_sections_that_do_not_slice_the_abstract_are_kept_whole() -> None:
    sections = [AbstractSection("Text.", "AIMS")]
    stored = write_sections(sections, "an abstract made elsewhere")
    assert stored == _full(sections)
    assert read_sections(stored, "an abstract made elsewhere") == sections


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_section = st.builds(AbstractSection, text=_text, label=_text, nlm_category=_text, html=_text)
_author = st.builds(Author, last_name=_text, fore_name=_text, initials=_text,
                    collective_name=_text, affiliation=st.sampled_from(["", "Oslo", "<b>&"]))


@given(st.lists(_section, max_size=6), st.booleans())
def test_any_sections_read_back(sections: list[AbstractSection], matching: bool) -> None:
    abstract = abstract_text(sections) if matching else "x"
    assert read_sections(write_sections(sections, abstract), abstract) == sections


@given(st.lists(_author, max_size=6))
def test_any_authors_read_back(authors: list[Author]) -> None:
    assert read_authors(write_authors(authors)) == authors


def _schema6(tmp_path: Path) -> Path:
    old = tmp_path / "migrations-6"
    old.mkdir()
    for path in sorted(migrations_dir().glob("000[1-6]_*.sql")):
        shutil.copy(path, old / path.name)
    return old


def test_rows_schema_6_wrote_read_the_same_and_the_migration_compacts_them(
    tmp_path: Path,
) -> None:
    studies = _shapes()
    db = tmp_path / "p.sqlite3"
    level1 = zstandard.ZstdCompressor(level=1)
    with open_project(db, migrations=_schema6(tmp_path)) as project:
        # Today's store writes the rows: a stand-in for the live count it keeps (db/0008).
        project.conn.execute("CREATE TABLE study_stats (id INTEGER PRIMARY KEY, live INTEGER)")
        project.conn.execute("INSERT INTO study_stats VALUES (1, 0)")
        ids = upsert_studies(project, studies).study_ids
        with project.transaction():  # as schema 6 wrote them: full lists, zstd/zlib raw
            for n, (study_id, study) in enumerate(zip(ids, studies, strict=True)):
                raw = study.raw_record
                packed = (zlib.compress(raw) if n % 2 else level1.compress(raw)) if raw else None
                project.conn.execute(
                    "UPDATE studies SET abstract_sections = ?, authors = ?, raw_record = ? "
                    "WHERE id = ?",
                    (_full(study.abstract_sections), _full(study.authors), packed, study_id))
            project.conn.execute(  # a revision keeps the record it replaced, zlib then
                "INSERT INTO study_revisions(study_id, replaced_at, revised_date, "
                "changed_fields, raw_record, raw_format) VALUES (?, '2024-01-01', '', '[]', ?, "
                "'pubmed-xml')", (ids[0], zlib.compress(b"<PubmedArticle>old</PubmedArticle>")))
        for study_id, study in zip(ids, studies, strict=True):
            stored = get_study(project, study_id)
            assert stored is not None and stored.study == study
        project.conn.execute("DROP TABLE study_stats")
    with open_project(db) as project:
        assert project.schema_version >= 7
        for study_id, study in zip(ids, studies, strict=True):
            stored = get_study(project, study_id)
            assert stored is not None and stored.study == study
            sections, authors, raw = project.conn.execute(
                "SELECT abstract_sections, authors, raw_record FROM studies WHERE id = ?",
                (study_id,)).fetchone()
            assert sections == write_sections(study.abstract_sections, study.abstract)
            assert authors == write_authors(study.authors)
            assert raw is None or dictionary_id(raw) == RAW_DICT_ID
        (revision,) = project.conn.execute("SELECT raw_record FROM study_revisions").fetchone()
        assert dictionary_id(revision) == RAW_DICT_ID
        assert decompress_raw(revision) == b"<PubmedArticle>old</PubmedArticle>"
        fts = project.conn.execute(
            "SELECT count(*) FROM studies_fts WHERE studies_fts MATCH 'ketamine'").fetchone()
        assert fts[0] >= 1
        # The index still agrees with the rows it reads its text from (raises if not).
        project.conn.execute("INSERT INTO studies_fts(studies_fts) VALUES ('integrity-check')")


def test_json_of_lists_other_than_the_compact_ones_is_unchanged() -> None:
    study = make_study()
    assert study_to_row(study)["keywords"] == to_json(study.keywords)
