"""The maintained per-condition counts (db/0005 condition_stats) agree with counting the
studies, as studies join conditions, are deleted, come back and leave a condition."""

from __future__ import annotations

import random

import pytest
from conftest import make_study

from evidence_tracker.services import review, screening
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


#: list_conditions' counts as they were computed before db/0005: from every study row
#: and the current_judgements view over every event.
_OLD_LIST_SQL = """
SELECT c.id,
       (SELECT count(*) FROM study_conditions sc JOIN studies s ON s.id = sc.study_id
         WHERE sc.condition_id = c.id AND s.deleted = 0) AS total,
       (SELECT count(*) FROM study_conditions sc JOIN studies s ON s.id = sc.study_id
         WHERE sc.condition_id = c.id AND s.deleted = 0
           AND (c.last_viewed_at IS NULL OR sc.added_at > c.last_viewed_at)) AS new_since_viewed,
       (SELECT count(*) FROM study_conditions sc JOIN studies s ON s.id = sc.study_id
         WHERE sc.condition_id = c.id AND s.deleted = 0
           AND NOT EXISTS (SELECT 1 FROM current_judgements j
                            WHERE j.kind = 'screening' AND j.study_id = sc.study_id))
         AS unscreened
FROM conditions c ORDER BY c.position, c.name
"""


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
        now = f"2026-01-01T00:{step:02d}Z"
        monkeypatch.setattr(study_store, "utcnow", lambda now=now: now)
        monkeypatch.setattr(condition_store, "utcnow", lambda now=now: now)
        if roll < 0.5:
            study_store.upsert_studies(project, [make_study(pmid=pmid)],
                                       condition_id=rng.choice(conditions))
        elif roll < 0.7:
            study_store.upsert_studies(project, [make_study(pmid=pmid, deleted=True)])
        elif roll < 0.85:
            study_store.upsert_studies(project, [make_study(pmid=pmid)])  # back again
        elif roll < 0.9:
            study_id = study_store.find_study_id(project, pmid)
            if study_id is not None:
                screening.screen(project, study_id, rng.choice(["include", "maybe"]),
                                 reviewer=rng.choice(["ana", "ben"]))
            condition_store.mark_condition_viewed(project, rng.choice(conditions))
        elif roll < 0.93:
            review.undo(project, rng.choice(["ana", "ben"]), ["screening"])
        else:
            study_id = study_store.find_study_id(project, pmid)
            with project.transaction():
                project.conn.execute("DELETE FROM study_conditions WHERE study_id = ? AND "
                                     "condition_id = ?", (study_id, rng.choice(conditions)))
        for subset in ([conditions[0]], conditions[1:], conditions):
            assert condition_study_stats(project, subset) == _counted(project, subset), step
        listed = [(c.id, c.total, c.new_since_viewed, c.unscreened)
                  for c in condition_store.list_conditions(project)]
        assert listed == [tuple(r) for r in project.conn.execute(_OLD_LIST_SQL)], step
