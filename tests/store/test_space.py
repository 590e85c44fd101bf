"""The full-text index keeps no copy of the text (db/0005): it reads title, abstract and
journal from the studies row and the text made from the lists from study_fts_text, through
the view studies_fts_source. It stays exact through revisions, and a project made at the
old schema is converted with its search, snippets and screening intact."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import make_study

from evidence_tracker.domain.models import Author, MeshHeading
from evidence_tracker.pubmed.parser import iter_pubmed_xml
from evidence_tracker.services import screening
from evidence_tracker.store import Project, open_project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import judgements as judgement_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.database import migrations_dir
from evidence_tracker.store.dedupe import replace_study
from evidence_tracker.store.events import append_event, ensure_reviewer
from evidence_tracker.store.study_columns import FTS_COLUMNS, fts_row, study_to_row
from evidence_tracker.store.study_search import (
    fts_or_expression,
    marked_matches,
    search_candidates,
)

NCBI = Path(__file__).parents[1] / "data" / "ncbi"


def _fts_consistent(project: Project) -> None:
    """FTS5's own check of the index against the text it reads back (raises if not)."""
    project.conn.execute("INSERT INTO studies_fts(studies_fts, rank) VALUES ('integrity-check', 1)")


def _real_records() -> list:
    return [s for name in ("pubmed1.xml", "pubmed2.xml", "pubmed4.xml")
            for s in iter_pubmed_xml(NCBI / name) if s.pmid and not s.deleted]


def test_the_view_gives_back_exactly_the_indexed_text(project: Project) -> None:
    records = _real_records()
    assert len(records) >= 5
    study_store.upsert_studies(project, records)
    columns = ", ".join(name for name, _ in FTS_COLUMNS)
    for record in records:
        study_id = study_store.find_study_id(project, record.pmid)
        row = project.conn.execute(
            f"SELECT {columns} FROM studies_fts_source WHERE id = ?", (study_id,)).fetchone()
        assert tuple(row) == fts_row(record)
    assert "studies_fts_content" not in {
        r[0] for r in project.conn.execute("SELECT name FROM sqlite_master")}
    _fts_consistent(project)


def test_revisions_keep_the_index_exact(project: Project) -> None:
    (first,) = study_store.upsert_studies(project, [make_study(
        pmid="51000001", title="Ketamine infusion for CRPS",
        mesh=[MeshHeading("Ketamine", qualifiers=(("therapeutic use", False),))])]).new_ids
    study_store.upsert_studies(project, [make_study(
        pmid="51000001", title="Esketamine spray for fibromyalgia",
        authors=[Author(last_name="Zweig", fore_name="Ada")],
        mesh=[MeshHeading("Esketamine")])])
    replace_study(project, first, make_study(pmid="51000001", title="Magnesium for migraine",
                                             authors=[Author(last_name="Quill")]))
    _fts_consistent(project)

    def found(text: str) -> list[int]:
        return study_store.query_study_ids(project, study_store.StudyFilter(search=text))
    assert found("magnesium") == [first] and found("Quill") == [first]
    assert found("esketamine") == [] and found("Zweig") == [] and found("spray") == []
    (hit,) = search_candidates(project, ["migraine"])
    title, _, _ = marked_matches(project, ["migraine"], [hit["study_id"]])[first]
    assert "\x02migraine\x03" in title


def test_a_project_at_schema_4_is_converted(tmp_path: Path) -> None:
    old_migrations = tmp_path / "db4"
    old_migrations.mkdir()
    for path in sorted(migrations_dir().glob("000[1-4]_*.sql")):
        shutil.copy(path, old_migrations)
    path = tmp_path / "old.sqlite3"
    records = _real_records()
    with open_project(path, migrations=old_migrations) as old:
        assert old.schema_version == 4
        condition_store.upsert_conditions(old, [{"slug": "crps", "name": "CRPS"}])
        names = ", ".join(name for name, _ in FTS_COLUMNS)
        with old.transaction():  # as the store wrote them then: the index held the text
            for record in records:
                row = study_to_row(record)
                cur = old.conn.execute(
                    f"INSERT INTO studies ({', '.join(row)}, fetched_at) "
                    f"VALUES ({', '.join('?' * (len(row) + 1))})", (*row.values(), "2025"))
                old.conn.execute(f"INSERT INTO studies_fts(rowid, {names}) VALUES "
                                 f"(?{', ?' * len(FTS_COLUMNS)})", (cur.lastrowid,
                                                                    *fts_row(record)))
                old.conn.execute("INSERT INTO study_conditions(study_id, condition_id, "
                                 "added_at) VALUES (?, 1, '2025')", (cur.lastrowid,))
        ids = [r[0] for r in old.conn.execute("SELECT id FROM studies ORDER BY id")]
        # As the app wrote decisions then (today's reads need tables of later schemas).
        ana = ensure_reviewer(old, "ana")
        for study_id, decision, reason in ((ids[0], "include", ""), (ids[1], "maybe", ""),
                                           (ids[0], "exclude", "wrong design")):
            append_event(old, "screening", reviewer_id=ana, study_id=study_id, before=None,
                         after={"decision": decision, "reason": reason, "note": ""})
        word = records[0].title.split()[0]
        match = "SELECT rowid FROM studies_fts WHERE studies_fts MATCH ? ORDER BY rank"
        before = [r[0] for r in old.conn.execute(match, (f'"{word}"',))]
        # Ranked as the suggestions rank them (search_candidates needs schema 5's indexes).
        before_hits = [tuple(r) for r in old.conn.execute(
            "SELECT rowid, bm25(studies_fts, 3.0, 1.0, 0.0, 0.0, 2.0, 0.0) AS rank "
            "FROM studies_fts WHERE studies_fts MATCH ? ORDER BY rank",
            (fts_or_expression([word]),))]
        assert before_hits
        before_marked = marked_matches(old, [word], [i for i, _ in before_hits])
    with open_project(path) as project:
        assert project.schema_version >= 5
        _fts_consistent(project)
        assert [r[0] for r in project.conn.execute(match, (f'"{word}"',))] == before
        assert sorted(study_store.query_study_ids(
            project, study_store.StudyFilter(search=word))) == sorted(before)
        assert [(h["study_id"], h["rank"]) for h in search_candidates(project, [word])] \
            == before_hits
        assert marked_matches(project, [word], [i for i, _ in before_hits]) \
            == before_marked  # highlights, snippets
        assert {k: v.decision for k, v in screening.screened_ids(project, "ana").items()} \
            == {ids[0]: "exclude", ids[1]: "maybe"}
        (crps,) = condition_store.list_conditions(project)
        assert (crps.total, crps.unscreened) == (len(records), len(records) - 2)
        reviewer = judgement_store.reviewer_id(project, "ana")
        assert judgement_store.screening_counts(project, reviewer)["exclude"] == 1
