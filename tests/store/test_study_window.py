"""Windowed reads for the studies table and the screening queue (store/study_window.py):
each agrees with the full list ``query_study_ids`` gives, whatever the sort, direction,
ties and NULL keys."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import make_study

from evidence_tracker.domain.models import Author
from evidence_tracker.services import screening
from evidence_tracker.store import Project, study_window
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.judgements import reviewer_id
from evidence_tracker.store.studies import SORTABLE, StudyFilter, query_study_ids, upsert_studies


@pytest.fixture
def studies(project: Project) -> Project:
    condition_store.upsert_conditions(project, [{"slug": "crps", "name": "CRPS", "query": "q"}])
    names = ["beta", "Alpha", "alpha", "", "Gamma", "beta"]
    upsert_studies(project, [
        make_study(pmid=str(46000000 + n), doi=f"10.9/{n}", title=f"{names[n % 6]} title {n % 4}",
                   year=None if n % 5 == 0 else 2000 + n % 3, journal=names[(n + 1) % 6],
                   authors=[Author(last_name=names[(n + 2) % 6] or "Zed")])
        for n in range(23)], condition_id=1)
    project.conn.execute("UPDATE studies SET deleted = 1 WHERE pmid = '46000007'")
    return project


@pytest.mark.parametrize("sort", sorted(SORTABLE))
@pytest.mark.parametrize("descending", [False, True])
def test_pages_and_positions_agree_with_the_full_list(studies: Project, sort: str,
                                                      descending: bool) -> None:
    flt = StudyFilter(sort=sort, descending=descending)
    ids = query_study_ids(studies, flt)
    assert len(ids) == 22
    pages = [query_study_ids(studies, flt, offset=start, limit=5) for start in range(0, 25, 5)]
    assert [i for page in pages for i in page] == ids
    assert [study_window.position_of(studies, flt, i) for i in ids] == list(range(len(ids)))
    deleted = studies.conn.execute("SELECT id FROM studies WHERE deleted = 1").fetchone()[0]
    assert study_window.position_of(studies, flt, deleted) is None


def test_queue_steps_and_counts_by_id(studies: Project) -> None:
    flt = StudyFilter(condition_id=1, sort="id", descending=False)
    ids = query_study_ids(studies, flt)
    assert study_window.neighbour(studies, flt, None) == ids[0]
    assert study_window.neighbour(studies, flt, None, forward=False) == ids[-1]
    walked = [ids[0]]
    while (step := study_window.neighbour(studies, flt, walked[-1])) is not None:
        walked.append(step)
    assert walked == ids
    assert study_window.count_between(studies, flt, ids[2], ids[9]) == 7
    screening.screen(studies, ids[1], "include", reviewer="Ana")
    screening.screen(studies, ids[2], "maybe", reviewer="Ana")
    screening.screen(studies, ids[3], "include", reviewer="Ben")
    ana = reviewer_id(studies, "Ana")
    unscreened = replace(flt, decision="unscreened", reviewer_id=ana)
    assert study_window.neighbour(studies, unscreened, ids[0]) == ids[3]  # Ben's is not Ana's
    included = replace(flt, decision="include", reviewer_id=ana)
    assert query_study_ids(studies, included) == [ids[1]]
    assert len(query_study_ids(studies, unscreened)) == len(ids) - 2


def test_touched_since_names_the_studies_of_new_events(studies: Project) -> None:
    ids = query_study_ids(studies, StudyFilter(sort="id", descending=False))
    start = study_window.last_event_id(studies)
    screening.screen(studies, ids[4], "include", reviewer="Ana")
    screening.screen(studies, ids[5], "exclude", reviewer="Ana", reason="Other")
    touched = study_window.touched_since(studies, start)
    assert touched.studies == {ids[4], ids[5]} and touched.claims == frozenset()
    assert touched.last == study_window.last_event_id(studies) > start
    assert study_window.touched_since(studies, touched.last).studies == frozenset()
