"""A study imported without a PMID (RIS, BibTeX ...) is adopted by the PubMed record of the
same DOI when a fetch brings it, instead of becoming a second row."""

from __future__ import annotations

from conftest import make_study

from evidence_tracker.store import Project
from evidence_tracker.store import studies as study_store


def test_a_fetched_record_adopts_the_doi_only_copy(project: Project) -> None:
    copy = make_study(pmid="", doi="10.1000/Shared.1", title="A Zotero copy", raw_record=b"")
    (copy_id,) = study_store.upsert_studies(project, [copy]).new_ids
    fetched = make_study(pmid="77000001", doi="10.1000/shared.1")
    result = study_store.upsert_studies(project, [fetched])
    assert result.updated_ids == [copy_id] and not result.new_ids
    stored = study_store.get_study(project, copy_id)
    assert stored is not None and stored.study.pmid == "77000001"
    assert stored.study.title == fetched.title
    assert study_store.count_studies(project) == 1
    (changed,) = project.conn.execute(
        "SELECT changed_fields FROM study_revisions WHERE study_id = ?", (copy_id,)
    ).fetchone()
    assert '"pmid"' in changed  # the copy is kept as a revision
    # Fetched again: the same study, unchanged.
    again = study_store.upsert_studies(project, [fetched])
    assert again.unchanged_ids == [copy_id]


def test_only_one_record_adopts_a_copy_and_other_dois_are_left_alone(project: Project) -> None:
    (copy_id,) = study_store.upsert_studies(
        project, [make_study(pmid="", doi="10.1000/one", title="Copy")]).new_ids
    (other_id,) = study_store.upsert_studies(
        project, [make_study(pmid="", doi="10.1000/other", title="Other copy")]).new_ids
    result = study_store.upsert_studies(project, [
        make_study(pmid="77000011", doi="10.1000/one"),
        make_study(pmid="77000012", doi="10.1000/one"),  # an erratum sharing the DOI
    ])
    assert result.updated_ids == [copy_id] and len(result.new_ids) == 1
    other = study_store.get_study(project, other_id)
    assert other is not None and other.study.pmid == ""


def test_the_lookup_searches_only_studies_without_pmid(project: Project) -> None:
    # The PMID's unique index finds the (few) rows without one; no scan of the table.
    plan = project.conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM studies WHERE pmid IS NULL AND lower(doi) IN (?)",
        ("10.1/x",),
    ).fetchall()
    assert [row[3] for row in plan] == [
        "SEARCH studies USING INDEX sqlite_autoindex_studies_1 (pmid=?)"]
