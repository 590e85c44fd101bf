"""A deleted claim's judgements (stance links, GRADE) leave agreement, kappa and the
conflicts list, and come back as they were when the claim is restored; blind mode and the
arbiter's copies still see them, so deleting opens nothing and orphans nothing."""

from __future__ import annotations

import pytest

from evidence_tracker.domain.grade import GradeAssessment
from evidence_tracker.domain.models import Certainty
from evidence_tracker.domain.review import ReviewError
from evidence_tracker.services import claims as claims_service
from evidence_tracker.services import evidence, grading, review
from evidence_tracker.services.review.undo import history as worded_history
from evidence_tracker.store import judgements as judgement_store

QUOTE = "Pain scores fell by 2.1 points at 12 weeks."


def _link(project, sid, reviewer, stance, claim):
    evidence.link_study(project, sid, claim, stance=stance, quotes=[QUOTE], reviewer=reviewer)


def _grade(project, claim, reviewer, drop):
    grading.record_grade(project, claim, GradeAssessment(
        Certainty.HIGH, {"imprecision": drop}, footnotes={"imprecision": "n"}),
        reviewer=reviewer)


@pytest.fixture
def disagreeing(review_project, add_studies):
    """Ana and Ben disagree on C011 (one stance, its GRADE) and agree on C012."""
    a, b = add_studies({}, {})
    _link(review_project, a, "ana", "supports", "C011")
    _link(review_project, a, "ben", "contradicts", "C011")  # a conflict
    _link(review_project, b, "ana", "supports", "C011")
    _link(review_project, b, "ben", "supports", "C011")
    _link(review_project, a, "ana", "supports", "C012")
    _link(review_project, a, "ben", "supports", "C012")
    _grade(review_project, "C011", "ana", -1)
    _grade(review_project, "C011", "ben", -2)  # a conflict
    _grade(review_project, "C012", "ana", 0)
    _grade(review_project, "C012", "ben", 0)
    return review_project, a, b


def _figures(project):
    report = review.agreement(project, reviewers=["ana", "ben"])
    stance, certainty = (report.overall.measures[m] for m in ("stance", "certainty"))
    return (stance.n, stance.percent, certainty.n, certainty.percent)


def test_a_deleted_claims_disagreements_leave_agreement_and_conflicts(disagreeing):
    project, a, _ = disagreeing
    c011 = claims_service.resolve_claim(project, "C011").id
    before = review.agreement_json(review.agreement(project, reviewers=["ana", "ben"]))
    assert _figures(project) == (3, pytest.approx(2 / 3), 2, 0.5)
    keys = [c.key for c in review.conflicts(project)]
    assert keys == [f"link:S{a}:C{c011}", f"grade:C{c011}"]

    claims_service.delete_claim(project, "C011", reviewer="cat")
    assert _figures(project) == (1, 1.0, 1, 1.0)  # only C012's judgements are left
    assert review.conflicts(project) == []
    assert review.conflicts(project, viewer="ana") == []
    # Nothing to resolve on a deleted claim (its subject key still parses).
    with pytest.raises(ReviewError, match="no disagreement"):
        review.resolve(project, keys[0], arbiter="cat", accept="ana")

    claims_service.restore_claim(project, "C011", reviewer="cat")
    assert review.agreement_json(review.agreement(project, reviewers=["ana", "ben"])) == before
    assert [c.key for c in review.conflicts(project)] == keys


def test_blind_mode_reads_a_deleted_claims_judgements_as_they_stand(
    review_project, add_studies
):
    """Deleting a claim neither opens its subjects nor closes them: in a study's history
    Cy sees Ana's and Ben's links to it exactly when she would if it were not deleted."""
    project = review_project
    (sid,) = add_studies({})
    review.set_review_team(project, ["ana", "ben", "cy"], reviewer="cat")
    review.set_blind_mode(project, True, reviewer="cat")
    _link(project, sid, "ana", "supports", "C011")
    _link(project, sid, "ben", "contradicts", "C011")

    def hidden_from_cy() -> tuple[int, int]:
        return (review.history(project, study_id=sid, viewer="cy").hidden,
                worded_history(project, study_id=sid, viewer="cy").hidden)

    assert hidden_from_cy() == (2, 2)  # Cy has not judged
    claims_service.delete_claim(project, "C011", reviewer="ana")
    assert hidden_from_cy() == (2, 2)
    claims_service.restore_claim(project, "C011", reviewer="ana")
    assert evidence.claim_detail(project, "C011", viewer="cy").links == []
    _link(project, sid, "cy", "supports", "C011")  # the team is complete: all open
    assert hidden_from_cy() == (0, 0)
    claims_service.delete_claim(project, "C011", reviewer="ana")
    assert hidden_from_cy() == (0, 0)


def test_undoing_a_resolution_on_a_deleted_claim_withdraws_the_arbiters_copy(
    review_project, add_studies
):
    project = review_project
    (sid,) = add_studies({})
    _link(project, sid, "ana", "supports", "C011")
    _link(project, sid, "ben", "contradicts", "C011")
    (conflict,) = review.conflicts(project)
    review.resolve(project, conflict.key, arbiter="cat", accept="ana")
    claims_service.delete_claim(project, "C011", reviewer="dee")
    assert review.undo(project, "cat") is not None  # the resolution, on the deleted claim
    claims_service.restore_claim(project, "C011", reviewer="dee")
    # Back as the arbiter left it: the conflict open again, no arbiter's stance in force.
    assert [c.key for c in review.conflicts(project)] == [conflict.key]
    assert {v.reviewer for v in evidence.current_links(project, claim="C011")} == \
        {"ana", "ben"}
    copies = [r for r in judgement_store.current_judgements(
        project, "link", study_id=sid, include_arbitrated=True) if r["reviewer"] == "cat"]
    assert copies == []
