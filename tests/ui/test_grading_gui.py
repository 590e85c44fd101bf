"""Grading in the GUI, driven as reviewers would: screening by single keys, the appraisal
form, the GRADE panel, the reviewer switcher with blind mode, agreement and conflicts with
an arbiter, undo and redo, history."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from evidence_tracker.domain.grade import GradeAssessment
from evidence_tracker.domain.models import AbstractSection, Certainty, MeshHeading
from evidence_tracker.services import appraisal, evidence, grading, review, screening
from evidence_tracker.services import settings as settings_service
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import find_study_id, upsert_studies
from evidence_tracker.ui.grading import GradingController

ANA, BEN, CAT = "Dr Ana", "Dr Ben", "Dr Cat"
RESULT = "Pain scores fell by 2.1 points at 12 weeks."
PMIDS = ("46000001", "46000002", "46000003")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A new project (seeded claims) with three CRPS studies: an RCT, a cohort, an oral
    open-label trial."""
    from conftest import make_study

    p = open_or_create(tmp_path / "grading-gui.sqlite3")
    crps = next(c.id for c in condition_store.list_conditions(p) if c.slug == "crps")
    upsert_studies(p, [
        make_study(pmid=PMIDS[0], title="Intravenous ketamine for complex regional pain "
                   "syndrome: a randomised trial", title_html=""),
        make_study(pmid=PMIDS[1], title="Ketamine infusions for CRPS: a cohort", title_html="",
                   publication_types=["Journal Article", "Observational Study"],
                   mesh=[MeshHeading("Humans"), MeshHeading("Prospective Studies")]),
        make_study(pmid=PMIDS[2], title="Oral ketamine for CRPS: an open-label pilot",
                   title_html="", publication_types=["Journal Article", "Clinical Trial"],
                   mesh=[MeshHeading("Humans"), MeshHeading("Administration, Oral")],
                   abstract_sections=[AbstractSection(text=RESULT, label="RESULTS")]),
    ], condition_id=crps)
    return p


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(str(a[2])))
    return shown


def _as(name: str) -> None:
    settings_service.save_settings(settings_service.Settings(reviewer_name=name))


@pytest.fixture
def window(make_window, project: Project, qtbot):
    _as(ANA)
    w = make_window(project)  # the main window installs grading itself
    w.activateWindow()
    qtbot.waitActive(w)
    return w


def _grading(window) -> GradingController:
    controller = window.grading
    assert isinstance(controller, GradingController)
    return controller


def _sid(project: Project, pmid: str) -> int:
    found = find_study_id(project, pmid)
    assert found is not None
    return found


def _select(window, pmid: str) -> None:
    window.sidebar.select_condition(-1)
    row = window.model.row_of(_sid(window.project, pmid))
    window.table.selectionModel().setCurrentIndex(
        window.model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


def test_install_adds_the_review_menu_toolbar_and_docks(window) -> None:
    g = _grading(window)
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles.index("Review") == titles.index("Help") - 1
    assert g.reviewer_combo.currentText() == ANA
    assert not g.appraisal_dock.isVisible() and not g.grade_dock.isVisible()
    assert {a.shortcut().toString() for a in g.menu.actions()} >= {
        "Ctrl+Shift+S", "Ctrl+Shift+A", "Ctrl+Shift+G", "Ctrl+Shift+K", "Ctrl+Z", "Ctrl+Shift+Z"}


def test_screening_by_single_keys(window, project, qtbot, warnings) -> None:
    crps = next(c.id for c in condition_store.list_conditions(project) if c.slug == "crps")
    window.sidebar.select_condition(crps)
    dialog = _grading(window).open_screening()
    assert dialog is not None
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    first, second, third = (_sid(project, p) for p in PMIDS)
    assert dialog.study_id == first and dialog.progress.total == 3
    assert dialog.position_label.text() == "Study 1 of 3"
    assert dialog.progress_label.text().startswith("<b>0 of 3 screened")
    # The condition's search terms are highlighted in the abstract.
    assert "#fff1a8" in dialog.text.toHtml()

    qtbot.keyClick(dialog.text, Qt.Key.Key_I)
    assert screening.my_decision(project, first, ANA).decision.value == "include"
    assert dialog.study_id == second
    qtbot.keyClick(dialog.text, Qt.Key.Key_M)
    assert screening.my_decision(project, second, ANA).decision.value == "maybe"
    qtbot.keyClick(dialog.text, Qt.Key.Key_E)  # asks for the reason
    reasons = dialog.reason_dialog
    assert reasons is not None and reasons.isVisible()
    qtbot.keyClick(reasons.list, Qt.Key.Key_3)  # "Not chronic pain"
    state = screening.my_decision(project, third, ANA)
    assert state.decision.value == "exclude" and state.reason == "Not chronic pain"
    assert "3 of 3 screened" in dialog.progress_label.text()
    assert dialog.progress_bar.value() == 3

    qtbot.keyClick(dialog.text, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert screening.my_decision(project, third, ANA) is None  # undone, as a new event
    assert dialog.study_id == third and "2 of 3 screened" in dialog.progress_label.text()
    qtbot.keyClick(dialog.text, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert screening.my_decision(project, third, ANA).reason == "Not chronic pain"

    qtbot.keyClick(dialog.text, Qt.Key.Key_K)
    assert dialog.study_id == second
    qtbot.keyClick(dialog.text, Qt.Key.Key_Left)
    assert dialog.study_id == first
    dialog.only_open.setChecked(False)
    qtbot.keyClick(dialog.text, Qt.Key.Key_J)
    assert dialog.study_id == second
    assert "Maybe" in dialog.side.text()
    dialog.close()
    assert warnings == []
    # Back in the window the sidebar counts what is left unscreened.
    assert next(c.unscreened for c in condition_store.list_conditions(project)
                if c.id == crps) == 0


def test_exclusion_reason_list_is_editable(window, project, qtbot, monkeypatch) -> None:
    screening.set_exclusion_reasons(project, ["Paediatric", "Other"])
    dialog = _grading(window).open_screening()
    first = dialog.study_id
    reasons = dialog.exclude()
    assert [reasons.list.item(i).text() for i in range(reasons.list.count())] == \
        ["1. Paediatric", "2. Other"]
    reasons.list.setCurrentRow(1)
    reasons.note.setText("conference abstract")
    reasons.accept()
    state = screening.my_decision(project, first, ANA)
    assert state.reason == "Other" and state.note == "conference abstract"
    dialog.close()


def test_appraisal_form_saves_an_event(window, project, qtbot, warnings) -> None:
    g = _grading(window)
    _select(window, PMIDS[0])
    qtbot.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    panel = g.appraisal_panel
    assert g.appraisal_dock.isVisible() and panel.study_id == _sid(project, PMIDS[0])
    assert "Randomised controlled trial" in panel.suggestion_label.text()
    assert "RoB 2" in panel.rob_box.title()
    panel.participants.setValue(60)
    panel.follow_up.setText("12 weeks")
    panel.route.setCurrentIndex(panel.route.findData("iv_infusion"))
    for key, combo in panel.rob_combos.items():
        combo.setCurrentIndex(combo.findData("high" if key == "measurement" else "low"))
    assert "High risk" in panel.overall_hint.text()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert warnings == []
    saved = appraisal.my_appraisal(project, PMIDS[0], ANA)
    assert saved is not None and saved.participants == 60 and saved.rob_overall == "high"
    assert saved.design_confirmed and saved.route == "iv_infusion"
    assert panel.save_button.text() == "Update Appraisal"
    assert window.table.selectionModel().currentIndex().row() == \
        window.model.row_of(_sid(project, PMIDS[0]))  # the selection survives the reload

    # Unsaved edits survive a reload of the table (a search, a fetch finishing).
    panel.participants.setValue(77)
    assert panel.dirty
    window.reload()
    assert panel.participants.value() == 77 and panel.study_id == _sid(project, PMIDS[0])
    panel.revert_button.click()
    assert panel.participants.value() == 60 and not panel.dirty

    # A cohort design switches the form to ROBINS-I; the oral trial's route comes from MeSH.
    _select(window, PMIDS[1])
    assert panel.study_id == _sid(project, PMIDS[1])
    assert "ROBINS-I" in panel.rob_box.title() and "confounding" in panel.rob_combos
    _select(window, PMIDS[2])
    assert panel.route.currentData() == "oral"
    panel.design_combo.setCurrentIndex(panel.design_combo.findData("rct"))
    assert "RoB 2" in panel.rob_box.title()
    panel._use_suggestion()
    assert panel.design_combo.currentData() == "non_randomised_trial"


def test_grade_panel_prefills_and_records(window, project, qtbot, warnings) -> None:
    g = _grading(window)
    evidence.link_study(project, PMIDS[0], "C011", stance="supports", quotes=[RESULT],
                        reviewer=ANA)
    evidence.link_study(project, PMIDS[2], "C011", stance="supports", quotes=[RESULT],
                        reviewer=ANA)
    appraisal.update_appraisal(project, PMIDS[0], reviewer=ANA, participants=40)
    claim = next(c.id for c in grading.claim_store.list_claims(project) if c.code == "C011")
    window.claims.view.claim_selected.emit(claim)  # a claim chosen in the claims view
    g.show_grade()
    panel = g.grade_panel
    assert g.grade_dock.isVisible()
    assert panel.claim_id == claim and panel.claim_combo.currentData() == claim
    assert not panel.dirty
    assert panel.body.rowCount() == 2
    assert [panel.body.item(r, 1).text() for r in range(2)] == ["RCT", "Non-rand. trial"]
    assert panel.start_combo.currentData() == "high"
    # The claim is about IV ketamine and an IV trial counts: the oral trial is left out of
    # the body (GRADE uses direct evidence where there is some), so nothing is indirect.
    assert panel.ratings["indirectness"].currentData() == 0
    assert panel.ratings["imprecision"].currentData() == -2  # 40 participants known
    assert not panel.up_box.isEnabled()  # randomised evidence is not rated up
    # Nobody appraised the risk of bias: "not assessed", so the certainty is an upper bound.
    assert panel.hints["risk_of_bias"].text() == "not assessed"
    assert "Low at most" in panel.result.text()
    assert panel.assessment().unassessed == {"risk_of_bias"}

    panel.ratings["imprecision"].setCurrentIndex(panel.ratings["imprecision"].findData(-1))
    panel.footnotes["imprecision"].setPlainText("")
    assert "footnote must explain" in panel.result.text()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert warnings and "footnote" in warnings[0]
    assert grading.my_grade(project, "C011", ANA) is None
    panel.footnotes["imprecision"].setPlainText("40 participants in one RCT plus a pilot")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    mine = grading.my_grade(project, "C011", ANA)
    assert mine is not None and mine.certainty is Certainty.MODERATE  # high, -1 imprecision
    assert mine.unassessed == {"risk_of_bias"}  # untouched: not filled in as "not serious"
    assert "Moderate" in panel.result.text() and panel.save_button.text() == "Update GRADE"
    panel.apply_suggestions()
    assert panel.ratings["imprecision"].currentData() == -2


def test_reviewer_switch_and_blind_mode(window, project, qtbot, monkeypatch) -> None:
    g = _grading(window)
    appraisal.update_appraisal(project, PMIDS[0], reviewer=ANA, participants=60)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (BEN, True))
    g.reviewer_combo.setCurrentIndex(g.reviewer_combo.findText("New reviewer…"))
    g.reviewer_combo.activated.emit(g.reviewer_combo.currentIndex())
    assert g.reviewer == BEN and settings_service.load_settings().reviewer_name == BEN
    assert g.reviewer_combo.currentText() == BEN
    g.action_blind.trigger()
    assert review.blind_mode(project) and g.action_blind.iconText() == "Blind: on"
    _select(window, PMIDS[0])
    g.show_appraisal()
    panel = g.appraisal_panel
    assert "1 appraisal(s) by other reviewers hidden" in panel.others.text()
    assert ANA not in panel.others.text()
    panel.participants.setValue(58)
    assert panel.save()
    assert ANA in panel.others.text() and "hidden" not in panel.others.text()
    # Switching back through the combo shows Ana her own form.
    g.reviewer_combo.setCurrentIndex(g.reviewer_combo.findText(ANA))
    g.reviewer_combo.activated.emit(g.reviewer_combo.currentIndex())
    assert g.reviewer == ANA and panel.participants.value() == 60
    g.action_blind.trigger()
    assert not review.blind_mode(project)


def test_agreement_view_and_arbiter_resolution(window, project, qtbot, warnings) -> None:
    g = _grading(window)
    for pmid, a, b in zip(PMIDS, ["include", "include", "maybe"],
                          ["include", "exclude", "maybe"], strict=True):
        screening.screen(project, pmid, a, reviewer=ANA)
        screening.screen(project, pmid, b, reviewer=BEN, reason="Duplicate")
    grading.record_grade(project, "C011", GradeAssessment(
        Certainty.HIGH, {"imprecision": -1}, footnotes={"imprecision": "n=60"}), reviewer=ANA)
    grading.record_grade(project, "C011", GradeAssessment(
        Certainty.HIGH, {"imprecision": -2}, footnotes={"imprecision": "n=60"}), reviewer=BEN)
    qtbot.keyClick(window.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    dialog = g.agreement_dialog
    assert dialog is not None and dialog.isVisible()
    # A: I2 M1, B: I1 E1 M1; po = 2/3; pe = (2*1 + 1*1)/9 = 1/3; kappa = (1/3)/(2/3) = 0.5.
    assert dialog.table.item(0, 1).text() == "κ 0.50 · 67% (n 3)"
    assert dialog.table.item(0, 3).text().startswith("κw ")
    assert dialog.tabs.tabText(1) == "Conflicts (2)"
    kinds = [dialog.conflict_table.item(r, 0).text() for r in range(2)]
    assert kinds == ["Screening", "GRADE"]
    # Ana judged: she may not arbitrate.
    assert not dialog.resolve_button.isEnabled()
    g.set_reviewer(CAT)
    dialog.reload()
    assert dialog.resolve_button.isEnabled()
    radios = dialog.choice_group.buttons()
    radios[1].setChecked(True)  # accept Ben's exclusion
    dialog.note.setText("duplicate of an included record")
    qtbot.mouseClick(dialog.resolve_button, Qt.MouseButton.LeftButton)
    assert warnings == []
    assert dialog.tabs.tabText(1) == "Conflicts (1)"
    state = review.subject_state(project, review.Subject("screening", _sid(project, PMIDS[1])))
    assert state.status == "resolved" and state.final["decision"] == "exclude"
    # Another value for the GRADE conflict.
    dialog.conflict_table.selectRow(0)
    dialog.choice_group.buttons()[-1].setChecked(True)
    dialog.other_value.setCurrentIndex(dialog.other_value.findData("moderate"))
    assert dialog.resolve_selected()
    assert grading.final_certainty(project, "C011") is Certainty.MODERATE
    assert dialog.tabs.tabText(1) == "Conflicts (0)"
    # Undo from the Review menu reopens it; redo settles it again.
    g.update_undo_actions()
    assert g.action_undo.text() == "&Undo Resolution"
    g.action_undo.trigger()
    assert grading.final_certainty(project, "C011") is None
    g.action_redo.trigger()
    assert grading.final_certainty(project, "C011") is Certainty.MODERATE
    dialog.close()


def test_history_dialog_lists_every_judgement(window, project, qtbot) -> None:
    g = _grading(window)
    screening.screen(project, PMIDS[0], "include", reviewer=ANA)
    screening.screen(project, PMIDS[0], "maybe", reviewer=ANA)
    review.undo(project, ANA)
    _select(window, PMIDS[0])
    dialog = g.study_history()
    assert dialog is not None and dialog.table.rowCount() == 3
    cells = [dialog.table.item(2, c).text() for c in range(6)]
    assert cells[1] == ANA and cells[2].startswith("Screening (reverts #")
    assert cells[3] == "Maybe" and cells[4] == "Include"
    dialog.close()
    QApplication.processEvents()


def test_agreement_view_leaves_a_deleted_claim_out_until_it_is_restored(
    window, project, qtbot, warnings
) -> None:
    """Ana and Ben disagree on C011 (a stance and its GRADE): deleting the claim in the
    claims view takes both out of the open agreement view; restoring brings them back."""
    g = _grading(window)
    for who, stance, drop in ((ANA, "supports", -1), (BEN, "contradicts", -2)):
        evidence.link_study(project, PMIDS[0], "C011", stance=stance, quotes=[RESULT],
                            reviewer=who)
        grading.record_grade(project, "C011", GradeAssessment(
            Certainty.HIGH, {"imprecision": drop}, footnotes={"imprecision": "n=60"}),
            reviewer=who)
    dialog = g.open_agreement()
    qtbot.waitExposed(dialog)

    def shown() -> tuple[str, str, str]:
        return (dialog.table.item(0, 2).text(), dialog.table.item(0, 3).text(),
                dialog.tabs.tabText(1))

    before = shown()
    assert before[0] == "κ 0.00 · 0% (n 1)" and before[2] == "Conflicts (2)"
    window.claims.show_claims()
    c011 = next(c.id for c in window.claims.claims.values() if c.code == "C011")
    box = window.claims.delete_claim(c011)
    next(b for b in box.buttons()
         if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole).click()
    assert shown() == ("—", "—", "Conflicts (0)")  # the open view re-read

    restore = window.claims.restore_claim()
    restore.select_claim(c011)
    restore.restore_button.click()
    assert not restore.isVisible() and warnings == []
    assert shown() == before
