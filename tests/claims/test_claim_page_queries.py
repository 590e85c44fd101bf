"""The claim page reads a claim's links, their studies and appraisals in a fixed number of
statements: a claim with many links (hundreds at 100k studies) must not run a query per
link (issue 14: the claim page with the most links took 0.4 s)."""

from __future__ import annotations

from collections.abc import Callable

from evidence_tracker.domain.models import Study
from evidence_tracker.services import appraisal, evidence
from evidence_tracker.store import Project

QUOTE = "Ketamine reduced pain intensity compared with placebo at 12 weeks."


def _statements(project: Project, viewer: str) -> list[str]:
    """The statements the claim page's read runs on the GUI thread (its suggested studies
    are found on the task runner, and mark the matches of the few shown with a lookup
    each: their count follows the suggestions, not the links)."""
    # Once first: the project's settings are cached until the next write (a read of the
    # blind-mode setting must not count on one side only).
    evidence.claim_detail(project, "C011", viewer=viewer, suggestions=0)
    seen: list[str] = []
    project.conn.set_trace_callback(seen.append)
    try:
        detail = evidence.claim_detail(project, "C011", viewer=viewer, suggestions=0)
    finally:
        project.conn.set_trace_callback(None)
    assert detail.links  # the page read what it shows
    return [s for s in seen if not s.lstrip().startswith("--")]


def test_the_claim_page_runs_as_many_statements_for_50_links_as_for_5(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    ids = [add_study(crps_rct(pmid=f"4100{n:04d}")) for n in range(50)]

    def link_and_appraise(study_ids: list[int]) -> None:
        for sid in study_ids:
            for reviewer in ("ana", "ben"):  # two reviewers: blinding has work to do
                evidence.link_study(seeded, sid, "C011", stance="supports", quotes=[QUOTE],
                                    reviewer=reviewer)
                appraisal.appraise(seeded, sid, appraisal.new_appraisal(seeded, sid),
                                   reviewer=reviewer)

    link_and_appraise(ids[:5])
    # A confirmed verdict: its re-review check reads the links too.
    evidence.record_verdict(seeded, "C011", "supported", rationale="trials", reviewer="ana")
    few = _statements(seeded, "ana")
    link_and_appraise(ids[5:])
    many = _statements(seeded, "ana")
    assert len(evidence.claim_detail(seeded, "C011", viewer="ana").links) == 100
    assert len(many) == len(few), "\n".join(many)
