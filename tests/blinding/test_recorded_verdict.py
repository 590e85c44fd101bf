"""Blind mode, what a verdict records and flags: a reviewer's verdict event holds only the
evidence that reviewer may see (it travels to the team server, readable by its author), and
another reviewer's link, still blind, does not flag one's verdict for re-review."""

from __future__ import annotations

from blinding.blind_scene import CLAIM, QUOTE

from evidence_tracker.services import evidence
from evidence_tracker.store.events import history


def test_verdict_records_only_the_visible_evidence_and_is_not_flagged_by_hidden_links(scene):
    p = scene.project
    evidence.record_verdict(p, CLAIM, "not_supported", rationale="Nothing linked yet.",
                            reviewer="ben")
    ben_event = [e for e in history(p, claim_id=scene.claim_id)
                 if e.kind == "verdict" and e.reviewer == "ben"][-1]
    assert ben_event.after["links"] == []  # Ana's link is not in Ben's event
    # Ben links the study (Ana's verdict and link are older): the claim is now complete...
    evidence.link_study(p, scene.study_id, CLAIM, stance="contradicts", quotes=[QUOTE],
                        reviewer="ben")
    # ...for the links; a third reviewer's link stays hidden and flags nothing for Ben.
    evidence.link_study(p, scene.study_id, "C001", stance="supports", quotes=[QUOTE],
                        reviewer="dee")
    evidence.record_verdict(p, "C001", "not_supported", rationale="Nothing I can see.",
                            reviewer="ben")
    evidence.link_study(p, scene.study_id, "C001", stance="contradicts", quotes=[QUOTE],
                        reviewer="dee")  # dee changes her (still hidden) link
    assert not evidence.verdict_status(p, "C001", "ben").needs_rereview
    assert evidence.verdict_status(p, "C001", None).needs_rereview  # the project sees it
