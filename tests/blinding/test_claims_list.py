"""Blind mode, the claims list: counts, verdict badge and rationale come only from what the
viewer may see."""

from __future__ import annotations

from blinding.blind_scene import CLAIM, RATIONALE, BlindScene, ben_judges_everything

from evidence_tracker.services import evidence


def _overview(scene: BlindScene, viewer: str | None) -> evidence.ClaimOverview:
    return next(o for o in evidence.list_claims(scene.project, viewer) if o.claim.code == CLAIM)


def test_claims_list_hides_the_other_reviewers_counts_and_verdict(scene):
    ben = _overview(scene, "ben")
    assert sum(ben.counts.values()) == 0  # Ana's link is not counted for Ben
    assert ben.verdict.confirmed is None and ben.verdict.rationale == ""
    assert RATIONALE not in str(evidence.claim_json(ben.claim, ben.verdict, ben.counts))
    ana = _overview(scene, "ana")  # her own judgements, always
    assert ana.counts["supports"] == 1 and ana.verdict.rationale == RATIONALE
    ben_judges_everything(scene)
    ben = _overview(scene, "ben")  # the claim is complete: open to both
    assert ben.counts["supports"] == 1
    assert ben.verdict.rationale == "Ben agrees."  # the latest verdict counts
