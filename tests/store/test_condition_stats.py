"""The maintained per-condition counts (db/0005 condition_stats) agree with counting the
studies, as studies join conditions, are deleted, come back and leave a condition."""

from __future__ import annotations

import random

import pytest
from conftest import make_study

from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.study_facts import condition_study_stats


def _counted(project: Project, ids: list[int]) -> tuple[int, str]:
    """What condition_study_stats computed before: a count over the studies."""
    marks = ", ".join("?" for _ in ids)
    row = project.conn.execute(
        "SELECT count(*), coalesce(max(sc.added_at), '') FROM study_conditions sc "
        f"JOIN studies s ON s.id = sc.study_id WHERE s.deleted = 0 "
        f"AND sc.condition_id IN ({marks})", ids).fetchone()
    return int(row[0]), str(row[1])


def test_condition_counts_follow_additions_deletions_and_returns(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    condition_store.upsert_conditions(project, [{"slug": s, "name": s} for s in "abc"])
    conditions = [r[0] for r in project.conn.execute("SELECT id FROM conditions ORDER BY id")]
    rng = random.Random(3)
    pmids = [str(61000000 + i) for i in range(15)]
    for step in range(60):
        pmid = rng.choice(pmids)
        roll = rng.random()
        # A distinct arrival time per step, so that the newest arrival is checked too.
        monkeypatch.setattr(study_store, "utcnow", lambda step=step: f"2026-01-01T00:{step:02d}Z")
        if roll < 0.5:
            study_store.upsert_studies(project, [make_study(pmid=pmid)],
                                       condition_id=rng.choice(conditions))
        elif roll < 0.7:
            study_store.upsert_studies(project, [make_study(pmid=pmid, deleted=True)])
        elif roll < 0.85:
            study_store.upsert_studies(project, [make_study(pmid=pmid)])  # back again
        else:
            study_id = study_store.find_study_id(project, pmid)
            with project.transaction():
                project.conn.execute("DELETE FROM study_conditions WHERE study_id = ? AND "
                                     "condition_id = ?", (study_id, rng.choice(conditions)))
        for subset in ([conditions[0]], conditions[1:], conditions):
            assert condition_study_stats(project, subset) == _counted(project, subset), step
