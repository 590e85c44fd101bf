"""Screening, appraisal and GRADE through the services; blind mode, conflicts, arbiter
resolution, undo and redo, history."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_tracker.domain.appraisal import AppraisalError, AppraisalState, RobTool
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.grade import GradeAssessment, GradeError
from evidence_tracker.domain.models import Certainty, ScreeningDecision, Verdict
from evidence_tracker.domain.review import ReviewError
from evidence_tracker.domain.screening import ScreeningError
from evidence_tracker.services import appraisal, evidence, grading, review, screening
from evidence_tracker.store import team_local
from evidence_tracker.store.events import history as raw_history

QUOTE = "Pain scores fell by 2.1 points at 12 weeks."
ROB2_LOW = dict.fromkeys(["randomisation", "deviations", "missing_data", "measurement",
                          "reporting"], "low")


def test_screening_records_events_and_counts_per_condition(review_project, add_studies):
    ids = add_studies({}, {}, {})
    fm = add_studies({}, condition="fibromyalgia")
    screening.screen(review_project, ids[0], "include", reviewer="ana")
    screening.screen(review_project, ids[1], "e", reviewer="ana", reason="Wrong population")
    screening.screen(review_project, ids[1], "maybe", reviewer="ana")  # changed her mind
    screening.screen(review_project, fm[0], "include", reviewer="ben")
    crps = screening.progress(review_project, "ana", "crps")
    assert (crps.total, crps.screened, crps.include, crps.maybe) == (3, 2, 1, 1)
    assert crps.text == "2 of 3 screened"
    by_condition = {p.slug: p.progress for p in
                    screening.progress_by_condition(review_project, "ana")}
    assert by_condition["fibromyalgia"].screened == 0  # ben's decision is not ana's
    assert screening.my_decision(review_project, ids[1], "ana").decision is \
        ScreeningDecision.MAYBE
    events = [e for e in raw_history(review_project, study_id=ids[1]) if e.kind == "screening"]
    assert [e.after["decision"] for e in events] == ["exclude", "maybe"]
    assert events[1].before == events[0].after  # who, when, before and after


def test_exclusion_needs_a_reason_and_the_list_is_editable(review_project, add_studies):
    (sid,) = add_studies({})
    with pytest.raises(ScreeningError, match="needs a reason"):
        screening.screen(review_project, sid, "exclude", reviewer="ana")
    assert "Not chronic pain" in screening.exclusion_reasons(review_project)
    screening.set_exclusion_reasons(review_project, ["Paediatric", " paediatric ", "Other"])
    assert screening.exclusion_reasons(review_project) == ["Paediatric", "Other"]
    with pytest.raises(ScreeningError):
        screening.set_exclusion_reasons(review_project, [" "])


def test_highlight_terms_come_from_the_condition_queries(review_project, add_studies):
    (sid,) = add_studies({})
    terms = screening.highlight_terms(review_project, sid)
    assert "complex regional pain" in terms and "CRPS" in terms and "Ketamine" in terms


def test_appraisal_records_design_against_the_suggestion(review_project, add_studies):
    (sid,) = add_studies({})
    fresh = appraisal.new_appraisal(review_project, sid)
    assert fresh.design is StudyDesign.RCT and fresh.rob_tool is RobTool.ROB2
    view = appraisal.update_appraisal(
        review_project, sid, reviewer="ana", participants=60, route="iv_infusion",
        follow_up="12 weeks", rob={**ROB2_LOW, "measurement": "some_concerns"})
    assert view.state.rob_overall == "some_concerns"  # from the domains
    assert view.state.design_confirmed
    changed = appraisal.update_appraisal(review_project, sid, reviewer="ana",
                                         design="cohort")
    assert changed.state.rob_tool is RobTool.ROBINS_I and changed.state.rob_domains == {}
    assert not changed.state.design_confirmed
    assert changed.state.participants == 60  # other fields kept
    with pytest.raises(AppraisalError, match="is not a RoB 2"):
        appraisal.appraise(review_project, sid, AppraisalState(
            StudyDesign.RCT, rob_tool=RobTool.ROB2, rob_domains={"randomisation": "serious"}),
            reviewer="ana")


def _link(project, sid, reviewer, stance="supports", claim="C011"):
    return evidence.link_study(project, sid, claim, stance=stance, quotes=[QUOTE],
                               reviewer=reviewer)


def test_grade_suggestion_uses_links_and_appraisals(review_project, add_studies):
    a, b = add_studies({}, {})
    _link(review_project, a, "ana")
    _link(review_project, b, "ana")
    appraisal.update_appraisal(review_project, a, reviewer="ana", participants=30,
                               route="oral", rob={**ROB2_LOW, "reporting": "high"})
    appraisal.update_appraisal(review_project, b, reviewer="ana", participants=40,
                               route="iv_infusion", rob=ROB2_LOW)
    # The claim is about IV ketamine: with an IV trial in the body, the oral trial is
    # indirect evidence that is left out (GRADE uses direct evidence where there is some).
    result = grading.verdict_result(review_project, "C011", "ana")
    assert [(e.study_id, e.reason.value) for e in result.body.excluded] == [
        (a, "other_intervention")]
    s = grading.suggest(review_project, "C011", "ana").assessment
    assert s.start is Certainty.HIGH
    assert s.downgrades["risk_of_bias"] == 0 and not s.unassessed  # b: low risk
    assert s.downgrades["indirectness"] == 0
    assert s.downgrades["imprecision"] == -2  # 40 participants
    view = grading.grade_with(review_project, "C011", reviewer="ana",
                              ratings={"imprecision": -1, "risk_of_bias": -1},
                              footnotes={"imprecision": "40 participants, wide CI",
                                         "risk_of_bias": "unblinded outcome assessment"})
    assert view.certainty is Certainty.LOW  # high, -1 bias, -1 imprecise
    # The verdict reads the grade's certainty: low, favours: partly supported.
    status = evidence.verdict_status(review_project, "C011")
    assert status.suggested.certainty is Certainty.LOW
    assert status.suggested.certainty_source == "reviewer"
    assert status.suggested.verdict is Verdict.PARTLY_SUPPORTED


def test_grade_rejects_incomplete_judgements(review_project):
    with pytest.raises(GradeError, match="footnote"):
        grading.record_grade(review_project, "C011", GradeAssessment(
            Certainty.HIGH, {"imprecision": -1}), reviewer="ana")


def _screen_both(project, sid, a, b):
    screening.screen(project, sid, a, reviewer="ana",
                     reason="Wrong population" if a == "exclude" else "")
    screening.screen(project, sid, b, reviewer="ben",
                     reason="Duplicate" if b == "exclude" else "")


def test_blind_mode_hides_the_other_reviewer_until_both_have_judged(review_project,
                                                                    add_studies):
    (sid,) = add_studies({})
    review.set_blind_mode(review_project, True, reviewer="cat")
    screening.screen(review_project, sid, "include", reviewer="ana")
    shown, hidden = screening.decisions(review_project, sid, "ben")
    assert shown == [] and hidden == 1  # ben must not see ana's vote before his own
    shown, hidden = screening.decisions(review_project, sid, "ana")
    assert [j.reviewer for j in shown] == ["ana"] and hidden == 0
    screening.screen(review_project, sid, "exclude", reviewer="ben", reason="Duplicate")
    shown, hidden = screening.decisions(review_project, sid, "ben")
    assert sorted(j.reviewer for j in shown) == ["ana", "ben"] and hidden == 0
    # History obeys blind mode as well.
    (other,) = add_studies({})
    screening.screen(review_project, other, "maybe", reviewer="ana")
    view = review.history(review_project, study_id=other, viewer="ben")
    assert view.entries == [] and view.hidden == 1
    review.set_blind_mode(review_project, False, reviewer="cat")
    assert screening.decisions(review_project, other, "ben")[1] == 0


def test_blind_mode_with_an_assigned_team_waits_for_everyone(review_project, add_studies):
    (sid,) = add_studies({})
    review.set_review_team(review_project, ["ana", "ben", "dee"], reviewer="cat")
    review.set_blind_mode(review_project, True, reviewer="cat")
    _screen_both(review_project, sid, "include", "include")
    assert screening.decisions(review_project, sid, "ana")[1] == 1  # dee has not judged
    screening.screen(review_project, sid, "include", reviewer="dee")
    assert screening.decisions(review_project, sid, "ana")[1] == 0
    # The settings changes are events too.
    kinds = [e.kind for e in raw_history(review_project)]
    assert kinds.count("review_settings") == 2
    with pytest.raises(ReviewError, match="at least two"):
        review.set_review_team(review_project, ["ana"], reviewer="cat")


def test_blind_mode_filters_claim_page_links(review_project, add_studies):
    (sid,) = add_studies({})
    review.set_blind_mode(review_project, True, reviewer="cat")
    _link(review_project, sid, "ana")
    links = evidence.current_links(review_project, claim="C011")
    assert review.filter_links(review_project, links, "ben") == []
    _link(review_project, sid, "ben", stance="contradicts")
    links = evidence.current_links(review_project, claim="C011")
    assert len(review.filter_links(review_project, links, "ben")) == 2


def test_conflicts_and_arbiter_resolution(review_project, add_studies):
    s1, s2, s3 = add_studies({}, {}, {})
    _screen_both(review_project, s1, "include", "exclude")
    _screen_both(review_project, s2, "include", "include")
    _screen_both(review_project, s3, "maybe", "include")
    found = review.conflicts(review_project)
    assert [c.key for c in found] == [f"screening:S{s1}", f"screening:S{s3}"]
    assert found[0].label.startswith("PMID ")
    with pytest.raises(ReviewError, match="must be someone else"):
        review.resolve(review_project, found[0].key, arbiter="ana", accept="ana")
    res = review.resolve(review_project, found[0].key, arbiter="cat", accept="ben",
                         note="population was adults with CRPS? no: children")
    assert res.final["decision"] == "exclude" and res.final["reason"] == "Duplicate"
    assert [c.key for c in review.conflicts(review_project)] == [f"screening:S{s3}"]
    event = next(e for e in raw_history(review_project, study_id=s1) if e.kind == "resolution")
    assert event.reviewer == "cat"
    # The resolved events are named by UUID (the same on every machine of a team).
    resolved_ids = {j.event_id for j in review.judgements(review_project, "screening",
                                                         study_id=s1)}
    assert set(event.after["resolves"]) == set(team_local.event_uids(
        review_project, resolved_ids).values())
    assert set(res.resolves) == resolved_ids
    assert event.after["final"]["decision"] == "exclude"
    state = review.subject_state(review_project, review.Subject("screening", s1))
    assert state.status == "resolved" and state.final["decision"] == "exclude"
    # A reviewer who changes their vote after the resolution reopens the conflict.
    screening.screen(review_project, s1, "maybe", reviewer="ana")
    reopened = [c for c in review.conflicts(review_project) if c.subject.study_id == s1]
    assert reopened and reopened[0].stale is not None
    with pytest.raises(ReviewError, match="no disagreement"):
        review.resolve(review_project, f"screening:S{s2}", arbiter="cat", value="include")


def test_resolving_a_grade_carries_into_the_verdict(review_project, add_studies):
    (sid,) = add_studies({})
    _link(review_project, sid, "ana")
    grading.record_grade(review_project, "C011", GradeAssessment(
        Certainty.HIGH, {"imprecision": -2}, footnotes={"imprecision": "60 people"}),
        reviewer="ana")
    grading.record_grade(review_project, "C011", GradeAssessment(
        Certainty.HIGH, {"imprecision": -1}, footnotes={"imprecision": "one trial"}),
        reviewer="ben")
    assert grading.final_certainty(review_project, "C011") is None  # they disagree
    (conflict,) = review.conflicts(review_project, kinds=["grade"])
    review.resolve(review_project, conflict.key, arbiter="cat", value="moderate")
    assert grading.final_certainty(review_project, "C011") is Certainty.MODERATE
    status = evidence.verdict_status(review_project, "C011")
    # The verdict reads the resolved certainty (stated by the arbiter).
    assert status.suggested.certainty is Certainty.MODERATE
    assert status.suggested.certainty_source == "reviewer"
    # The arbiter's copy is not a third reviewer's judgement.
    assert {j.reviewer for j in review.judgements(review_project, "grade")} == {"ana", "ben"}
    report = review.agreement(review_project)
    assert report.reviewers == ("ana", "ben")
    assert report.overall.measures["certainty"].n == 1


def test_undo_and_redo_are_new_events(review_project, add_studies):
    a, b = add_studies({}, {})
    first = screening.screen(review_project, a, "include", reviewer="ana")
    screening.screen(review_project, b, "exclude", reviewer="ana", reason="Duplicate")
    step = review.undo(review_project, "ana", ["screening"])
    assert step is not None and step.reverted.study_id == b
    assert screening.my_decision(review_project, b, "ana") is None
    step = review.undo(review_project, "ana", ["screening"])
    assert step.reverted.id == first.event_id
    assert screening.my_decision(review_project, a, "ana") is None
    assert review.undo(review_project, "ana", ["screening"]) is None
    redo = review.redo(review_project, "ana", ["screening"])
    assert redo is not None and screening.my_decision(review_project, a, "ana").decision is \
        ScreeningDecision.INCLUDE
    review.redo(review_project, "ana", ["screening"])
    assert screening.my_decision(review_project, b, "ana").reason == "Duplicate"
    assert review.redo(review_project, "ana", ["screening"]) is None
    # Nothing was overwritten: every step is an event, and undo events name what they undo.
    events = [e for e in raw_history(review_project) if e.kind == "screening"]
    assert len(events) == 6
    assert [e.reverts is not None for e in events] == [False, False, True, True, True, True]
    # A new judgement after an undo clears the redo stack.
    review.undo(review_project, "ana", ["screening"])
    screening.screen(review_project, a, "maybe", reviewer="ana")
    assert review.undo_available(review_project, "ana", ["screening"])[1] is None


def test_undo_a_resolution_withdraws_the_arbiters_copy(review_project, add_studies):
    (sid,) = add_studies({})
    _link(review_project, sid, "ana", "supports")
    _link(review_project, sid, "ben", "contradicts")
    (conflict,) = review.conflicts(review_project, kinds=["link"])
    review.resolve(review_project, conflict.key, arbiter="cat", accept="ana")
    links = evidence.current_links(review_project, claim="C011")
    assert {v.reviewer for v in links} == {"ana", "ben", "cat"}
    assert evidence.effective_links(links)[0].stance.value == "supports"
    review.undo(review_project, "cat")
    assert {v.reviewer for v in evidence.current_links(review_project, claim="C011")} == \
        {"ana", "ben"}
    assert [c.key for c in review.conflicts(review_project)] == [conflict.key]
    review.redo(review_project, "cat")
    assert review.conflicts(review_project) == []
    assert review.undo_available(review_project, "cat")[0].kind == "resolution"


def test_agreement_per_condition(review_project, add_studies):
    crps = add_studies({}, {}, {}, {})
    fm = add_studies({}, {}, condition="fibromyalgia")
    for sid, (a, b) in zip(crps, [("include", "include"), ("exclude", "exclude"),
                                  ("include", "exclude"), ("maybe", "maybe")], strict=True):
        _screen_both(review_project, sid, a, b)
    for sid in fm:
        _screen_both(review_project, sid, "include", "include")
    report = review.agreement(review_project)
    rows = {r.scope: r.measures["screening"] for r in report.rows}
    assert rows["overall"].n == 6 and rows["overall"].percent == pytest.approx(5 / 6)
    assert rows["crps"].n == 4 and rows["crps"].percent == pytest.approx(0.75)
    assert rows["fibromyalgia"].kappa is None  # both always include: kappa undefined
    assert rows["fibromyalgia"].percent == 1.0
    # Hand check of CRPS: A: I2 E1 M1, B: I1 E2 M1; po = 3/4;
    # pe = (2*1 + 1*2 + 1*1)/16 = 5/16; kappa = (12/16 - 5/16)/(11/16) = 7/11.
    assert rows["crps"].kappa == pytest.approx(7 / 11)
    only = review.agreement(review_project, condition="fibromyalgia")
    assert [r.scope for r in only.rows] == ["overall", "fibromyalgia"]


def test_agreement_on_stance_and_certainty(review_project, add_studies):
    a, b = add_studies({}, {})
    _link(review_project, a, "ana", "supports")
    _link(review_project, a, "ben", "supports")
    _link(review_project, b, "ana", "supports")
    _link(review_project, b, "ben", "contradicts")
    for code, (ana, ben) in {"C011": (-1, -2), "C018": (0, 0), "C008": (-2, -2)}.items():
        for who, drop in (("ana", ana), ("ben", ben)):
            grading.record_grade(review_project, code, GradeAssessment(
                Certainty.HIGH, {"imprecision": drop}, footnotes={"imprecision": "n"}),
                reviewer=who)
    report = review.agreement(review_project, reviewers=["ana", "ben"])
    stance = report.overall.measures["stance"]
    assert (stance.n, stance.percent) == (2, 0.5)
    # Certainty pairs (A, B): (moderate, low), (high, high), (low, low) on 4 ordered levels
    # very_low 0 < low 1 < moderate 2 < high 3. A: 1:1, 2:1, 3:1; B: 1:2, 3:1. n = 3.
    # Linear weights |i-j|/3; observed = w(2,1) = 1/3.
    # Expected = sum w(i,j) a_i b_j / 3: rows i=1,2,3 (a_i = 1) against j=1 (b=2), j=3 (b=1):
    #   i=1: 0*2 + (2/3)*1 = 2/3; i=2: (1/3)*2 + (1/3)*1 = 1; i=3: (2/3)*2 + 0 = 4/3
    #   total 3, over n = 3: 1. kappa_w = 1 - (1/3)/1 = 2/3.
    certainty = report.overall.measures["certainty"]
    assert certainty.n == 3 and certainty.weighted_linear == pytest.approx(2 / 3)
    assert certainty.percent == pytest.approx(2 / 3)
    rows = {r.scope: r.measures["certainty"].n for r in report.rows}
    assert rows["crps"] == 2 and rows["fibromyalgia"] == 1  # C011, C018 | C008


def test_grade_body_uses_indexed_route_and_own_appraisal(review_project, add_studies):
    from evidence_tracker.domain.models import MeshHeading

    (oral,) = add_studies({"mesh": [MeshHeading("Humans"), MeshHeading("Administration, Oral")],
                           "publication_types": ["Journal Article", "Clinical Trial"]})
    _link(review_project, oral, "ana")
    body = grading.body_of_evidence(review_project, "C011", "ana")
    assert body[0].route == "oral" and body[0].design is StudyDesign.NON_RANDOMISED_TRIAL
    assert "route Oral" in grading.suggest(review_project, "C011", "ana"
                                           ).assessment.footnotes["indirectness"]
    appraisal.update_appraisal(review_project, oral, reviewer="ben", participants=500,
                               design="rct")
    appraisal.update_appraisal(review_project, oral, reviewer="ana", participants=50)
    assert grading.body_of_evidence(review_project, "C011", "ana")[0].participants == 50
    assert grading.body_of_evidence(review_project, "C011", "ben")[0].participants == 500
    # Blind mode: Ana's link stays hidden from Ben until he has judged the study too.
    review.set_blind_mode(review_project, True, reviewer="cat")
    assert grading.body_of_evidence(review_project, "C011", "ben") == []


def test_claim_history_in_words(review_project, add_studies):
    (sid,) = add_studies({})
    _link(review_project, sid, "ana")
    grading.record_grade(review_project, "C011", GradeAssessment(
        Certainty.HIGH, {"imprecision": -1}, footnotes={"imprecision": "n=60"}), reviewer="ana")
    review.undo(review_project, "ana")
    view = review.history(review_project, claim_id=next(
        c.id for c in grading.claim_store.list_claims(review_project) if c.code == "C011"))
    assert [(e.kind, e.before, e.after) for e in view.entries] == [
        ("link", "—", "supports"), ("grade", "—", "Moderate"), ("grade", "Moderate", "—")]
    assert view.entries[-1].reverts == view.entries[1].event_id


OPS = st.lists(st.one_of(
    st.tuples(st.just("screen"), st.integers(0, 2), st.sampled_from(["include", "maybe"])),
    st.tuples(st.just("undo"), st.just(0), st.just("")),
    st.tuples(st.just("redo"), st.just(0), st.just("")),
), max_size=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_undo_redo_matches_a_simple_model(tmp_path_factory, study_factory, ops):
    """Any sequence of decisions, undos and redos leaves the same decisions as a plain
    undo/redo stack would, and every step is a new event."""
    from evidence_tracker.services.project import open_or_create
    from evidence_tracker.store.studies import upsert_studies

    with open_or_create(tmp_path_factory.mktemp("undo") / "p.sqlite3") as project:
        ids = upsert_studies(project, [study_factory() for _ in range(3)]).study_ids
        state: dict[int, str | None] = dict.fromkeys(ids)
        done: list[tuple[int, str | None, str | None]] = []
        undone: list[tuple[int, str | None, str | None]] = []
        events = 0
        for op, index, decision in ops:
            if op == "screen":
                sid = ids[index]
                done.append((sid, state[sid], decision))
                undone.clear()
                state[sid] = decision
                screening.screen(project, sid, decision, reviewer="ana")
                events += 1
            elif op == "undo":
                step = review.undo(project, "ana", ["screening"])
                assert (step is None) == (not done)
                if done:
                    sid, before, after = done.pop()
                    undone.append((sid, before, after))
                    state[sid] = before
                    events += 1
            else:
                step = review.redo(project, "ana", ["screening"])
                assert (step is None) == (not undone)
                if undone:
                    sid, before, after = undone.pop()
                    done.append((sid, before, after))
                    state[sid] = after
                    events += 1
            for sid in ids:
                mine = screening.my_decision(project, sid, "ana")
                assert (mine.decision.value if mine else None) == state[sid]
        assert len([e for e in raw_history(project) if e.kind == "screening"]) == events
