"""The screening queue and counts read the maintained current decisions (db/0005): they
agree with the decisions derived from every event, through undo, redo and deletions."""

from __future__ import annotations

import importlib
import random

import pytest
from conftest import make_study
from screening_reference import expected_decisions

from evidence_tracker.domain.review import StackEvent, undo_stacks
from evidence_tracker.services import review, screening
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import judgements as store
from evidence_tracker.store import studies as study_store


@pytest.fixture
def queue_project(project: Project) -> Project:
    condition_store.upsert_conditions(project, [{"slug": "crps", "name": "CRPS"},
                                                {"slug": "fm", "name": "Fibromyalgia"}])
    crps, fm = (r[0] for r in project.conn.execute("SELECT id FROM conditions ORDER BY id"))
    study_store.upsert_studies(project, [make_study(pmid=str(41000000 + i)) for i in range(8)],
                               condition_id=crps)
    study_store.upsert_studies(project, [make_study(pmid=str(41000100 + i)) for i in range(4)],
                               condition_id=fm)
    return project


def _ids(project: Project) -> list[int]:
    return study_store.query_study_ids(project, study_store.StudyFilter(sort="id",
                                                                        descending=False))


def _derived(project: Project, reviewer: str) -> dict[int, str]:
    """The reviewer's decisions worked out from every event (latest per study)."""
    rid = store.reviewer_id(project, reviewer)
    return {study_id: decision for (r, study_id), decision in
            expected_decisions(project).items() if r == rid}


def test_next_to_screen_skips_decided_studies_and_wraps(queue_project: Project) -> None:
    p = queue_project
    ids = _ids(p)
    for study_id in ids[:2] + ids[3:5]:
        screening.screen(p, study_id, "include", reviewer="ana")
    screening.screen(p, ids[2], "maybe", reviewer="ben")
    assert screening.next_to_screen(p, "ana") == ids[2]
    assert screening.next_to_screen(p, "ana", after=ids[2]) == ids[5]
    assert screening.next_to_screen(p, "ben") == ids[0]
    assert screening.next_to_screen(p, "nobody", after=ids[-1]) == ids[0]  # wraps round
    assert screening.next_to_screen(p, "ana", "fm", after=ids[-1]) == ids[8]
    review.undo(p, "ana", ["screening"])  # ids[4] is open again
    assert screening.next_to_screen(p, "ana", after=ids[2]) == ids[4]
    assert screening.queue_position(p, ids[4]) == (4, 12)
    assert screening.queue_position(p, ids[9], "fm") == (1, 4)
    assert screening.queue_neighbour(p, ids[7], "crps") is None
    assert screening.queue_neighbour(p, ids[7], "crps", forward=False) == ids[6]
    for study_id in ids:
        screening.screen(p, study_id, "exclude", reviewer="ana", reason="wrong population")
    assert screening.next_to_screen(p, "ana", after=ids[3]) is None


def test_counts_follow_every_event_and_leave_deleted_studies_out(
        queue_project: Project) -> None:
    p = queue_project
    ids = _ids(p)
    rng = random.Random(14)
    for _ in range(40):
        reviewer = rng.choice(["ana", "ben"])
        roll = rng.random()
        if roll < 0.6:
            decision = rng.choice(["include", "exclude", "maybe"])
            screening.screen(p, rng.choice(ids), decision, reviewer=reviewer,
                             reason="wrong design" if decision == "exclude" else "")
        elif roll < 0.8:
            review.undo(p, reviewer, ["screening"])
        else:
            review.redo(p, reviewer, ["screening"])
    study_store.upsert_studies(p, [make_study(pmid="41000003", deleted=True)])
    deleted = study_store.find_study_id(p, "41000003")
    for reviewer in ("ana", "ben"):
        derived = _derived(p, reviewer)
        assert {k: v.decision for k, v in screening.screened_ids(p, reviewer).items()} \
            == derived
        live = {k: v for k, v in derived.items() if k != deleted}
        progress = screening.progress(p, reviewer)
        assert (progress.total, progress.include, progress.exclude, progress.maybe) == (
            11, *(sum(v == d for v in live.values()) for d in ("include", "exclude", "maybe")))
        by_condition = {c.slug: c.progress for c in screening.progress_by_condition(p, reviewer)}
        assert by_condition["crps"] == screening.progress(p, reviewer, "crps")
        assert by_condition["fm"].total == 4
    anyone = set(_derived(p, "ana")) | set(_derived(p, "ben"))
    crps = next(c for c in condition_store.list_conditions(p) if c.slug == "crps")
    assert crps.total == 7
    assert crps.unscreened == len([i for i in ids[:8] if i not in anyone and i != deleted])


def test_undo_reads_a_window_but_agrees_with_the_whole_history(
        queue_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo and redo tops from the newest events only equal those of every event, however
    deep the undos go (a window of 2 events is widened as needed)."""
    p = queue_project
    # The module (the package exports a function of the same name).
    undo_service = importlib.import_module("evidence_tracker.services.review.undo")
    monkeypatch.setattr(undo_service, "UNDO_WINDOW", 2)
    ids = _ids(p)
    rng = random.Random(7)
    for step in range(60):
        roll = rng.random()
        if roll < 0.4:
            screening.screen(p, rng.choice(ids), "include", reviewer="ana")
        elif roll < 0.8:
            review.undo(p, "ana", ["screening"])
        else:
            review.redo(p, "ana", ["screening"])
        rid = store.reviewer_id(p, "ana")
        assert rid is not None
        done, undone = undo_stacks([StackEvent.from_row(r) for r in store.reviewer_events(
            p, rid, ["screening"])])
        expected = (done[-1] if done else None, undone[-1] if undone else None)
        assert review.undo_available(p, "ana", ["screening"]) == expected, step
