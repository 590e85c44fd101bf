"""The maintained screening state (db/0008): ``screening_current`` leaves arbiters' copies
out, and the live-study count and the per reviewer x condition x decision tallies agree with
counting from every event, as decisions, undos, arbiters' copies, deletions, returns and
condition memberships come and go; a project migrated from 0007 is rebuilt the same way."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import make_study
from screening_reference import expected_decisions

from evidence_tracker.config import migrations_dir
from evidence_tracker.services import review, screening
from evidence_tracker.store import Project, open_project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import judgements as store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.events import append_event, ensure_reviewer
from evidence_tracker.store.studies import SCREENING_GROUPS, StudyFilter

REVIEWERS = ("ana", "ben", "arb")


def _live(project: Project) -> set[int]:
    return {r[0] for r in project.conn.execute("SELECT id FROM studies WHERE deleted = 0")}


def _members(project: Project, condition_id: int) -> set[int]:
    return {r[0] for r in project.conn.execute(
        "SELECT study_id FROM study_conditions WHERE condition_id = ?", (condition_id,))}


def assert_counts_agree(project: Project, conditions: list[int], step: object = "") -> None:
    decided = expected_decisions(project)
    live = _live(project)
    assert study_store.count_studies(project) == len(live), step
    for name in REVIEWERS:
        rid = store.reviewer_id(project, name)
        mine = {s: d for (r, s), d in decided.items() if r == rid}
        assert {s: d for s, d in ((r["study_id"], r["after"]["decision"]) for r in
                store.current_judgements(project, "screening", reviewer_id=rid or -1))} == \
            {s: d for s, d in mine.items() if d}, (step, name)
        by_condition = {c.slug: c.progress for c in screening.progress_by_condition(
            project, name)}
        for condition_id in (None, *conditions):
            scope = live if condition_id is None else live & _members(project, condition_id)
            want = {d: sum(1 for s, v in mine.items() if v == d and s in scope)
                    for d in ("include", "exclude", "maybe")}
            slug = None if condition_id is None else next(
                r[1] for r in store.condition_rows(project) if r[0] == condition_id)
            progress = screening.progress(project, name, slug)
            assert (progress.total, progress.include, progress.exclude, progress.maybe) == (
                len(scope), want["include"], want["exclude"], want["maybe"]), (step, name, slug)
            if slug is not None and scope:
                assert by_condition[slug] == progress, (step, name, slug)
            # The studies table's screening filter: its count and its rows.
            for group in SCREENING_GROUPS:
                flt = StudyFilter(condition_id=condition_id, decision=group, reviewer_id=rid,
                                  sort="id")
                ids = set(study_store.query_study_ids(project, flt))
                wanted = {s for s in scope if s not in mine} if group == "unscreened" else \
                    {s for s in scope if mine.get(s) == group}
                assert ids == wanted, (step, name, slug, group)
                assert study_store.count_studies(project, flt) == len(wanted), (
                    step, name, slug, group)


@pytest.fixture
def tally_project(project: Project) -> tuple[Project, list[int]]:
    condition_store.upsert_conditions(project, [{"slug": s, "name": s.upper()}
                                                for s in ("crps", "fm", "np")])
    conditions = [r[0] for r in project.conn.execute("SELECT id FROM conditions ORDER BY id")]
    for name in REVIEWERS:
        ensure_reviewer(project, name)
    return project, conditions


def test_tallies_follow_decisions_memberships_deletions_and_arbiter_copies(
        tally_project: tuple[Project, list[int]]) -> None:
    project, conditions = tally_project
    rng = random.Random(8)
    pmids = [str(62000000 + i) for i in range(12)]
    for pmid in pmids[:6]:
        study_store.upsert_studies(project, [make_study(pmid=pmid)],
                                   condition_id=rng.choice(conditions))
    for step in range(150):
        pmid = rng.choice(pmids)
        study_id = study_store.find_study_id(project, pmid)
        roll = rng.random()
        reviewer = rng.choice(REVIEWERS[:2])
        if roll < 0.15 or study_id is None:
            study_store.upsert_studies(project, [make_study(pmid=pmid)],
                                       condition_id=rng.choice([None, *conditions]))
        elif roll < 0.45:
            decision = rng.choice(["include", "exclude", "maybe"])
            screening.screen(project, study_id, decision, reviewer=reviewer,
                             reason="wrong design" if decision == "exclude" else "")
        elif roll < 0.55:
            review.undo(project, reviewer, ["screening"])
        elif roll < 0.6:
            review.redo(project, reviewer, ["screening"])
        elif roll < 0.7:
            # An arbiter's copy of a resolution (as carry_resolution appends for GRADE
            # and stance): never a reviewer's decision, and it hides nothing of theirs.
            append_event(project, "screening", reviewer_id=store.reviewer_id(project, "arb"),
                         study_id=study_id, after={"decision": "include", "reason": "",
                                                   "note": "", "arbitrated": 1})
        elif roll < 0.75:
            screening.screen(project, study_id, "maybe", reviewer="arb")
        elif roll < 0.85:
            study_store.upsert_studies(project, [make_study(pmid=pmid, deleted=True)])
        elif roll < 0.9:
            study_store.upsert_studies(project, [make_study(pmid=pmid)])  # back again
        else:
            with project.transaction():
                project.conn.execute(
                    "DELETE FROM study_conditions WHERE study_id = ? AND condition_id = ?",
                    (study_id, rng.choice(conditions)))
        assert_counts_agree(project, conditions, step)


def test_a_project_from_0007_is_rebuilt_without_arbiter_copies(tmp_path: Path) -> None:
    """screening_current as db/0005 built it kept an arbiter's copy; migrating rebuilds it
    and the tallies from the events."""
    older = tmp_path / "migrations"
    older.mkdir()
    for path in sorted(migrations_dir().glob("*.sql"))[:7]:
        shutil.copy(path, older / path.name)
    db = tmp_path / "project.sqlite3"
    with open_project(db, migrations=older) as old:
        # Today's store code writes the old project: stand-ins for the live count it keeps
        # (db/0008) and the shared order's seq it reads (db/0009), dropped before migrating.
        old.conn.execute("CREATE TABLE study_stats (id INTEGER PRIMARY KEY, live INTEGER)")
        old.conn.execute("ALTER TABLE team_event_ids ADD COLUMN seq INTEGER")
        old.conn.execute("INSERT INTO study_stats VALUES (1, 0)")
        condition_store.upsert_conditions(old, [{"slug": "crps", "name": "CRPS"}])
        crps = int(old.conn.execute("SELECT id FROM conditions").fetchone()[0])
        study_store.upsert_studies(old, [make_study(pmid=str(63000000 + i)) for i in range(4)],
                                   condition_id=crps)
        s1, s2, s3, _ = study_store.query_study_ids(old, StudyFilter(sort="id"))
        arb = ensure_reviewer(old, "arb")
        screening.screen(old, s1, "include", reviewer="ana")
        screening.screen(old, s2, "exclude", reviewer="ben", reason="wrong design")
        screening.screen(old, s3, "maybe", reviewer="arb")
        append_event(old, "screening", reviewer_id=arb, study_id=s1,
                     after={"decision": "include", "reason": "", "note": "", "arbitrated": 7})
        assert old.conn.execute("SELECT count(*) FROM screening_current WHERE reviewer_id = ?",
                                (arb,)).fetchone()[0] == 2  # the copy counted, before
        old.conn.execute("DROP TABLE study_stats")
        old.conn.execute("ALTER TABLE team_event_ids DROP COLUMN seq")
    with open_project(db) as project:
        assert [r[0] for r in project.conn.execute(
            "SELECT study_id FROM screening_current WHERE reviewer_id = ?", (arb,))] == [s3]
        assert screening.progress(project, "arb").screened == 1
        assert screening.progress(project, "ana", "crps").include == 1
        assert_counts_agree(project, [crps])


def _vm_steps(project: Project, call: Any) -> int:
    """How many SQLite virtual-machine instructions ``call`` runs (a progress handler
    called at every instruction): work done, not time taken."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    project.conn.set_progress_handler(tick, 1)
    try:
        call()
    finally:
        project.conn.set_progress_handler(None, 1)
    return steps[0]


def _screened_project(path: Path, studies: int) -> Project:
    """``studies`` studies in two conditions, a tenth screened by two reviewers."""
    project = open_project(path)
    condition_store.upsert_conditions(project, [{"slug": "crps", "name": "CRPS"},
                                                {"slug": "fm", "name": "FM"}])
    for condition_id, first in ((1, 0), (2, studies // 2)):
        study_store.upsert_studies(project, [make_study(pmid=str(65000000 + first + i))
                                             for i in range(studies // 2)],
                                   condition_id=condition_id)
    ids = study_store.query_study_ids(project, StudyFilter(sort="id", descending=False))
    for n, study_id in enumerate(ids[::10]):
        screening.screen(project, study_id, ("include", "maybe")[n % 2], reviewer="ana")
        screening.screen(project, study_id, "include", reviewer="ben")
    return project


def test_screening_counts_do_no_more_work_in_a_bigger_project(tmp_path: Path) -> None:
    """What screening mode reads as it opens, and the table's counts, run as many SQLite
    instructions at 400 studies as at 40 (they used to count index ranges that grow with
    the project: the live studies, the reviewer's decisions)."""
    reads: dict[str, Any] = {
        "progress": lambda p: screening.progress(p, "ana"),
        "progress of a condition": lambda p: screening.progress(p, "ana", "crps"),
        "progress by condition": lambda p: screening.progress_by_condition(p, "ana"),
        "count all studies": lambda p: study_store.count_studies(p),
        "count a condition": lambda p: study_store.count_studies(p, StudyFilter(condition_id=1)),
        "count a screening group": lambda p: study_store.count_studies(p, StudyFilter(
            decision="include", reviewer_id=store.reviewer_id(p, "ana"))),
        "count the unscreened": lambda p: study_store.count_studies(p, StudyFilter(
            condition_id=2, decision="unscreened", reviewer_id=store.reviewer_id(p, "ana"))),
    }
    small = _screened_project(tmp_path / "small.sqlite3", 40)
    big = _screened_project(tmp_path / "big.sqlite3", 400)
    try:
        for name, read in reads.items():
            assert read(small) != read(big), name  # the bigger project has more to count
            assert _vm_steps(big, lambda r=read: r(big)) <= \
                _vm_steps(small, lambda r=read: r(small)) + 20, name
    finally:
        small.close()
        big.close()
