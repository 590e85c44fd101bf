"""One shape for "a reviewer's current screening decision" (db/0008 screening_current):
with an arbiter's resolution and the arbiter's copy of it present, the studies table's
screening filter and column, the screening queue, the progress counts, the PRISMA counts
and agreement/kappa all agree that the arbiter screened nothing and the reviewers' own
decisions stand."""

from __future__ import annotations

from conftest import make_study

from evidence_tracker.services import review, screening, study_list
from evidence_tracker.services.prisma import screening_decisions
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.events import append_event
from evidence_tracker.store.studies import StudyFilter


def _shown(project: Project, group: str, reviewer: str, condition_id: int | None = None
           ) -> list[int]:
    """The studies table's rows under a screening filter, checked against its count."""
    flt = study_list.with_screening_group(
        project, StudyFilter(condition_id=condition_id, sort="id", descending=False), group,
        reviewer)
    ids = study_store.query_study_ids(project, flt)
    assert study_store.count_studies(project, flt) == len(ids)
    return ids


def test_an_arbiter_copy_is_nobodys_decision_everywhere(project: Project) -> None:
    condition_store.upsert_conditions(project, [{"slug": "crps", "name": "CRPS"}])
    crps = int(project.conn.execute("SELECT id FROM conditions").fetchone()[0])
    study_store.upsert_studies(project, [make_study(pmid=str(64000000 + i)) for i in range(4)],
                               condition_id=crps)
    s1, s2, s3, s4 = study_store.query_study_ids(project,
                                                 StudyFilter(sort="id", descending=False))
    screening.screen(project, s1, "include", reviewer="ana")
    screening.screen(project, s1, "exclude", reviewer="ben", reason="wrong design")
    screening.screen(project, s2, "include", reviewer="ana")
    screening.screen(project, s2, "include", reviewer="ben")
    screening.screen(project, s3, "exclude", reviewer="ana", reason="wrong population")
    screening.screen(project, s3, "maybe", reviewer="ben")
    resolution = review.resolve(project, f"screening:S{s1}", arbiter="arb", accept="ana")
    # The arbiter's copy of the resolution, as carry_resolution appends one for GRADE and
    # stance (and as another client may append for screening).
    arb = project.conn.execute("SELECT id FROM reviewers WHERE name = 'arb'").fetchone()[0]
    append_event(project, "screening", reviewer_id=arb, study_id=s1,
                 after={"decision": "include", "reason": "", "note": "",
                        "arbitrated": resolution.event_id})

    # The arbiter screened nothing: filter, count, column, queue and progress say so.
    assert _shown(project, "include", "arb") == []
    assert _shown(project, "unscreened", "arb") == [s1, s2, s3, s4]
    assert _shown(project, "unscreened", "arb", crps) == [s1, s2, s3, s4]
    assert study_list.screening_status(project, [s1], "arb") == {s1: "unscreened"}
    assert screening.my_decision(project, s1, "arb") is None
    assert screening.screened_ids(project, "arb") == {}
    assert screening.next_to_screen(project, "arb") == s1
    assert screening.progress(project, "arb").screened == 0
    assert screening.progress(project, "arb", "crps").screened == 0
    assert [c.progress.screened for c in screening.progress_by_condition(project, "arb")] == [0]

    # The reviewers' own decisions stand, the same in every view.
    assert _shown(project, "include", "ana") == [s1, s2]
    assert _shown(project, "exclude", "ben") == [s1]
    assert _shown(project, "unscreened", "ana", crps) == [s4]
    assert screening.next_to_screen(project, "ana") == s4
    for name, include, exclude, maybe in (("ana", 2, 1, 0), ("ben", 1, 1, 1)):
        for condition in (None, "crps"):
            progress = screening.progress(project, name, condition)
            assert (progress.total, progress.include, progress.exclude, progress.maybe) == (
                4, include, exclude, maybe), (name, condition)
    status = study_list.screening_status(project, [s1, s2, s3, s4], "ana")
    assert status == {s1: "include", s2: "include", s3: "conflict", s4: "unscreened"}

    # Agreement: the pair is ana and ben over the three studies both screened; the
    # arbiter is nobody's pair (their copy is not a judgement).
    report = review.agreement(project)
    assert report.reviewers == ("ana", "ben")
    assert {(a, b) for a, b, n in report.pairs if n} == {("ana", "ben")}
    measure = report.overall.measures["screening"]
    assert measure.n == 3 and measure.percent == 1 / 3
    assert [c.key for c in review.conflicts(project)] == [f"screening:S{s3}"]

    # PRISMA: the resolution decides s1, the agreed s2, the conflict s3.
    decisions = screening_decisions(project)
    assert decisions == {s1: ("include", ""), s2: ("include", ""), s3: ("conflict", "")}
