"""Blind mode, the claim page: links, findings, verdict, rationale and the certainty a
grade states stay hidden from a reviewer who has not judged the claim; the page (and the
claims list) re-read when the reviewer changes."""

from __future__ import annotations

import json

from blinding.blind_scene import CLAIM, RATIONALE, ben_judges_everything
from PySide6.QtWidgets import QLabel

from evidence_tracker.services import evidence

SECRETS = (RATIONALE, "Ana's outcome", "Ana's footnote")


def test_claim_detail_shows_the_viewer_only_their_own(scene):
    ben = evidence.claim_detail(scene.project, CLAIM, viewer="ben", suggestions=0)
    assert ben.links == [] and sum(ben.counts.values()) == 0
    assert ben.verdict.confirmed is None and ben.verdict.rationale == ""
    assert ben.verdict.suggested.certainty is None  # Ana's grade states no certainty for Ben
    text = json.dumps(evidence.detail_json(ben))
    assert not [s for s in SECRETS if s in text]
    history = evidence.link_history(scene.project, scene.study_id, CLAIM, viewer="ben")
    assert history == []
    # The study is still suggested to Ben: its absence would tell him someone linked it.
    suggested = evidence.claim_detail(scene.project, CLAIM, viewer="ben").suggestions
    assert scene.study_id in [s.study.id for s in suggested]
    ana = evidence.claim_detail(scene.project, CLAIM, viewer="ana").suggestions
    assert scene.study_id not in [s.study.id for s in ana]
    ana = evidence.claim_detail(scene.project, CLAIM, viewer="ana", suggestions=0)
    assert [v.reviewer for v in ana.links] == ["ana"] and ana.verdict.rationale == RATIONALE
    ben_judges_everything(scene)
    ben = evidence.claim_detail(scene.project, CLAIM, viewer="ben", suggestions=0)
    assert sorted(v.reviewer for v in ben.links) == ["ana", "ben"]
    assert len(evidence.link_history(scene.project, scene.study_id, CLAIM, viewer="ben")) >= 3


def test_switching_reviewer_re_reads_the_page_and_the_list(scene, make_window, qtbot):
    window = make_window(scene.project)
    window.context.reviewer.set("ana")
    claims = window.claims
    claims.show_claims()
    assert claims.view.select_claim(scene.claim_id)
    assert RATIONALE in claims.page.browser.toPlainText()  # Ana sees her own verdict
    qtbot.waitUntil(lambda: not claims.suggesting, timeout=10_000)
    assert scene.study_id not in [s.study.id for s in claims.page.suggested or []]
    window.context.reviewer.set("ben")  # same window, nothing else done
    # Ana's suggestions (without the study she linked) are not left on screen for Ben:
    # their gap would tell him; his own come from the task runner.
    assert claims.page.suggested is None
    qtbot.waitUntil(lambda: not claims.suggesting, timeout=10_000)
    assert scene.study_id in [s.study.id for s in claims.page.suggested or []]
    page = claims.page.browser.toPlainText()
    assert not [s for s in SECRETS if s in page]
    counts = next(o.counts for o in claims.overviews if o.claim.id == scene.claim_id)
    assert sum(counts.values()) == 0 and "ana" not in page.lower().split()
    dialog = claims.confirm_verdict(scene.claim_id)  # the verdict dialog: Ben's view too
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert dialog.findChild(QLabel, "verdictCurrent") is None and RATIONALE not in shown
    dialog.reject()
