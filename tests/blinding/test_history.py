"""Blind mode, history: no event of another reviewer about a subject the viewer has not
judged (judgements, their undos, verdicts with their rationale)."""

from __future__ import annotations

import json

from blinding.blind_scene import RATIONALE, ben_judges_everything

from evidence_tracker.services import review


def _shown(scene, viewer, **where):
    view = review.history(scene.project, viewer=viewer, **where)
    return view, json.dumps(review.history_json(view))


def test_history_hides_other_reviewers_events_until_complete(scene):
    review.undo(scene.project, reviewer="ana")  # Ana takes back her verdict...
    review.redo(scene.project, reviewer="ana")  # ...and restores it: two more events
    for where in ({"study_id": scene.study_id}, {"claim_id": scene.claim_id}):
        view, text = _shown(scene, "ben", **where)
        assert [e.reviewer for e in view.entries if e.reviewer == "ana"] == []
        assert view.hidden > 0 and RATIONALE not in text
    view, text = _shown(scene, "ana", claim_id=scene.claim_id)
    assert view.hidden == 0 and "supported" in text
    ben_judges_everything(scene)
    view, text = _shown(scene, "ben", claim_id=scene.claim_id)
    assert {e.reviewer for e in view.entries} >= {"ana", "ben"} and RATIONALE in text
