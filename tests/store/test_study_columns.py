"""The studies columns are declared once; what they write is what databases already hold."""

from __future__ import annotations

from pathlib import Path

import msgspec
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence_tracker.domain.models import MeshHeading, Study
from evidence_tracker.pubmed.medline import iter_medline
from evidence_tracker.pubmed.parser import iter_pubmed_xml
from evidence_tracker.store import open_project
from evidence_tracker.store.studies import get_study, upsert_studies
from evidence_tracker.store.study_columns import (
    COLUMNS,
    COMPARED,
    FTS_COLUMNS,
    ROW_FIELDS,
    StudyRow,
    row_to_study,
    study_to_row,
    to_json,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "ncbi"
#: List columns stored as the JSON of their records (abstract sections and authors have a
#: compact form: tests/store/test_compact_storage.py).
LISTS = ("publication_types", "mesh", "keywords", "comments_corrections")


def _studies() -> list[Study]:
    found = [s for p in sorted(DATA.glob("*.xml")) for s in iter_pubmed_xml(p)]
    return found + list(iter_medline(DATA / "pubmed_result2.txt"))


def test_every_field_of_a_study_is_read_back_from_its_own_column() -> None:
    read = [c.name for c in COLUMNS if c.from_sql is not None]
    assert sorted(read) == sorted(Study.__struct_fields__)
    assert len(set(ROW_FIELDS)) == len(ROW_FIELDS)
    assert "pmid" not in COMPARED and "raw_record" not in COMPARED
    assert {"retracted", "deleted", "authors", "revised_date"} <= set(COMPARED)


def test_the_declared_columns_are_the_tables(tmp_path: Path) -> None:
    with open_project(tmp_path / "p.sqlite3") as project:
        table = [r[1] for r in project.conn.execute("PRAGMA table_info(studies)")]
        fts = [r[1] for r in project.conn.execute("PRAGMA table_info(studies_fts)")]
    assert [c for c in table if c not in ("id", "fetched_at", "revised_at")] == list(ROW_FIELDS)
    assert fts == [name for name, _ in FTS_COLUMNS]


@pytest.mark.parametrize("study", _studies(), ids=lambda s: s.pmid)
def test_a_row_reads_back_as_the_study(study: Study) -> None:
    row = study_to_row(study)
    assert row_to_study(row) == study
    assert list(row) == list(ROW_FIELDS) and row == StudyRow(study).columns()


@pytest.mark.parametrize("study", _studies(), ids=lambda s: s.pmid)
def test_json_columns_are_byte_for_byte_what_orjson_wrote(study: Study) -> None:
    row = study_to_row(study)
    for name in LISTS:
        value = getattr(study, name)
        # What the store wrote before: orjson over dataclasses, i.e. objects of their fields
        old = [msgspec.structs.asdict(v) if isinstance(v, msgspec.Struct) else v
               for v in value]
        assert row[name] == orjson.dumps(old).decode()


@given(st.lists(st.text()))
def test_json_of_any_text_is_what_orjson_wrote(texts: list[str]) -> None:
    assert to_json(texts) == orjson.dumps(texts).decode()


def test_rows_an_older_database_holds_still_read(tmp_path: Path) -> None:
    with open_project(tmp_path / "p.sqlite3") as project:
        (study_id,) = upsert_studies(project, [Study(pmid="7", title="T")]).study_ids
        with project.transaction():  # written by hand: no "ui", no "qualifiers" yet
            project.conn.execute(
                "UPDATE studies SET mesh = ?, authors = ? WHERE id = ?",
                ('[{"descriptor": "Ketamine", "major": true}]',
                 '[{"last_name": "Müller", "initials": "H"}]', study_id),
            )
        stored = get_study(project, study_id)
    assert stored is not None
    assert stored.study.mesh == [MeshHeading("Ketamine", True)]
    assert stored.study.authors[0].display_name == "Müller H"


def test_derived_columns_follow_the_study() -> None:
    study = Study(pmid="1", publication_types=["Retracted Publication"])
    row = study_to_row(study)
    assert (row["retracted"], row["has_notice"], row["first_author"]) == (1, 0, "")
    assert row["raw_record"] is None and row["doi"] is None
