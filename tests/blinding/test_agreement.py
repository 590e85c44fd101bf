"""Blind mode, agreement and conflicts: no kappa, percentage or conflict from a subject
before every assigned reviewer has judged it."""

from __future__ import annotations

from evidence_tracker.services import review, screening


def test_agreement_and_conflicts_wait_until_the_team_has_judged(scene):
    p, sid = scene.project, scene.study_id
    review.set_review_team(p, ["ana", "ben", "cy"], reviewer="cat")
    screening.screen(p, sid, "exclude", reviewer="ben", reason="Duplicate")  # ana included
    for viewer in ("cy", "ben"):  # cy has not judged; ben has, but the team is not complete
        report = review.agreement(p, reviewers=["ana", "ben"], viewer=viewer)
        assert report.overall.measures["screening"].n == 0
        assert review.conflicts(p, viewer=viewer) == []
    # Without a viewer (nobody is shown it) the figures are there: the filter is the cause.
    assert review.agreement(p, reviewers=["ana", "ben"]).overall.measures["screening"].n == 1
    screening.screen(p, sid, "include", reviewer="cy")
    report = review.agreement(p, reviewers=["ana", "ben"], viewer="cy")
    assert report.overall.measures["screening"].n == 1
    assert [c.key for c in review.conflicts(p, viewer="cy")] == [f"screening:S{sid}"]
