"""Blind mode, the study pane and its panels: the study detail (linked claims), the
appraisal panel (other reviewers' appraisals) and the GRADE panel (the body of evidence
built from links) show nothing of Ana's to a reviewer who has not judged, including a
session with no reviewer name yet, and re-read when the reviewer changes."""

from __future__ import annotations

from blinding.blind_scene import CLAIM


def _panes(window, scene) -> dict[str, str]:
    g = window.grading
    window.context.select_studies(scene.study_id, [scene.study_id])
    g.appraisal_panel.set_study(scene.study_id, force=True)
    g.grade_panel.set_claim(scene.claim_id, force=True)
    body = g.grade_panel.body
    return {"detail": window.detail.toPlainText(),
            "appraisals": g.appraisal_panel.others.text(),
            "body": " ".join(body.item(r, 0).text() for r in range(body.rowCount())
                             if body.item(r, 0) is not None)}


def test_study_pane_hides_other_reviewers_until_judged(scene, make_window):
    window = make_window(scene.project)
    assert window.context.reviewer.name == ""  # nobody named yet: blinded as well
    for viewer in ("", "ben"):
        if viewer:
            window.context.reviewer.set(viewer)
        panes = _panes(window, scene)
        assert CLAIM not in panes["detail"]
        assert "ana" not in panes["appraisals"]
        assert "No studies linked" in panes["body"]
    window.context.reviewer.set("ana")
    panes = _panes(window, scene)
    assert CLAIM in panes["detail"] and "No studies linked" not in panes["body"]
    # A history window open as Ana does not stay open for Ben.
    dialog = window.grading.study_history()
    assert dialog is not None and dialog.isVisible()
    window.context.reviewer.set("ben")
    assert not dialog.isVisible()
