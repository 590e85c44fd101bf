"""Claims added, edited and deleted in the GUI: each a ``claim`` event with the claim as it
was, in the claim's history; delete asks first and names the links that go with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from report_project import audited_project

from evidence_tracker.services import evidence
from evidence_tracker.services import project as project_service
from evidence_tracker.services import settings as settings_service
from evidence_tracker.store import claims as claims_store
from evidence_tracker.store.events import history

REVIEWER = "Dr Ada Reviewer"
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(make_window, tmp_path: Path):
    settings_service.save_settings(settings_service.Settings(reviewer_name=REVIEWER))
    w = make_window(audited_project(tmp_path / "audit.sqlite3"))
    w.claims.show_claims()
    return w


def claim_events(window, claim_id: int) -> list[tuple[str, str]]:
    return [(e.note, e.reviewer) for e in history(window.project, claim_id=claim_id)
            if e.kind == "claim"]


def test_a_new_claim_by_keyboard(window, qtbot) -> None:
    before = len(window.claims.claims)
    qtbot.keyClick(window.claims.view.tree, Qt.Key.Key_N, CTRL | SHIFT)
    dialog = window.claims.edit_dialog
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "New Claim"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.text, timeout=3000)
    qtbot.keyClicks(dialog.text, "Ketamine infusions relieve fibromyalgia pain for 3 months")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Tab)  # Tab leaves the text box
    assert QApplication.focusWidget() is not dialog.text
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, CTRL)  # Ctrl+Enter saves
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)  # the button animates
    saved = dialog.saved
    assert saved is not None and saved.code == "C055"
    assert "fibromyalgia" in saved.conditions  # proposed from the text
    assert saved.pico.intervention == "Ketamine"
    assert len(window.claims.claims) == before + 1  # the window re-read
    assert window.claims.view.selected_claim_id() == saved.id
    assert claim_events(window, saved.id) == [("added", REVIEWER)]
    assert "Added C055" in window.statusBar().currentMessage()


def test_an_empty_claim_is_refused_in_the_dialog(window) -> None:
    dialog = window.claims.new_claim()
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.error.text() == "A claim needs a text."
    dialog.reject()
    assert len(claims_store.list_claims(window.project)) == 54


def test_editing_a_claims_text_and_category(window, qtbot) -> None:
    c052 = claims_store.find_claim_id(window.project, "C052")
    window.claims.view.select_claim(c052)
    qtbot.keyClick(window.claims.view.tree, Qt.Key.Key_E, CTRL)
    dialog = window.claims.edit_dialog
    assert dialog.windowTitle() == "Edit Claim C052"
    dialog.text.setPlainText("IV ketamine is the first-line treatment for CRPS")
    dialog.category.setCurrentIndex(dialog.category.findData("comparison"))
    dialog.save_button.click()
    assert not dialog.isVisible(), dialog.error.text()
    claim = claims_store.get_claim(window.project, c052)
    assert (claim.text, claim.category) == (
        "IV ketamine is the first-line treatment for CRPS", "comparison")
    assert claim_events(window, c052)[-1] == ("edited", REVIEWER)
    assert window.claims.claims[c052].text == claim.text


def test_delete_asks_names_the_links_and_keeps_the_history(window, qtbot) -> None:
    project = window.project
    c011 = claims_store.find_claim_id(project, "C011")
    links = evidence.current_links(project, claim=c011)
    assert len(links) == 3  # two studies; one of them linked by two reviewers
    window.claims.view.select_claim(c011)
    window.claims.view.tree.setFocus()
    qtbot.keyClick(window.claims.view.tree, Qt.Key.Key_Delete)
    box = window.claims.delete_box
    assert box is not None and box.isVisible()
    assert "Delete C011?" in box.text()
    assert box.informativeText().startswith(
        "Its 3 links to 2 studies, its GRADE and its verdict go with it.")
    assert all(v.study.key in box.detailedText() for v in links)
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # the default answer keeps the claim
    assert not box.isVisible() and c011 in window.claims.claims

    box = window.claims.delete_claim(c011)
    delete = next(b for b in box.buttons()
                  if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
    delete.click()
    assert c011 not in window.claims.claims  # gone from the list and the sidebar counts
    assert window.claims.view.claim_index(c011).isValid() is False
    assert claims_store.get_claim(project, c011) is None
    assert [v.claim_id for v in evidence.current_links(project, study=links[0].study.id)
            if v.claim_id == c011] == []
    assert claim_events(window, c011)[-1] == ("deleted", REVIEWER)
    (gone,) = claims_store.deleted_claims(project)
    assert (gone.claim.code, gone.deleted_by) == ("C011", REVIEWER)
    assert project_service.verify_audit_trail(project).ok  # appended, chained
    assert "Deleted C011" in window.statusBar().currentMessage()


#: A popup menu on the offscreen platform (no window manager) says what it cannot do.
popup_warnings = pytest.mark.qt_log_ignore("This plugin does not support")


@popup_warnings
def test_the_claims_context_menu(window, qtbot) -> None:
    view = window.claims.view
    c011 = claims_store.find_claim_id(window.project, "C011")
    index = view.claim_index(c011)
    view.tree.scrollTo(index)
    view.tree.customContextMenuRequested.emit(view.tree.visualRect(index).center())
    menu = window.claims.claim_menu
    assert menu is not None and menu.isVisible()
    assert view.selected_claim_id() == c011  # the claim under the pointer is the one acted on
    texts = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert texts == ["Edit Claim…", "Link Study… (select one in the studies table first)",
                     "History of Claim…", "New Claim…", "Delete Claim…"]
    history_action = next(a for a in menu.actions() if a.text().startswith("History"))
    menu.close()
    history_action.trigger()
    dialog = window.grading.history_dialog
    assert dialog is not None and "C011" in dialog.windowTitle()
    dialog.close()


@popup_warnings
def test_the_claims_context_menu_links_the_selected_study(window, qtbot) -> None:
    window.show_studies()
    window.table.selectRow(0)
    study_id = window.context.study_id
    window.claims.show_claims()
    c052 = claims_store.find_claim_id(window.project, "C052")
    menu = window.claims.show_claim_menu(c052, QPoint(0, 0))
    link = next(a for a in menu.actions() if a.text() == "&Link Selected Study…")
    menu.close()
    link.trigger()
    dialog = window.claims.link_dialog
    assert dialog.study_id == study_id and dialog.current_claim().id == c052
    dialog.reject()
