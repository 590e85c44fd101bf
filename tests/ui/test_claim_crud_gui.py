"""Claims added, edited and deleted in the GUI: each a ``claim`` event with the claim as it
was, in the claim's history; delete asks first and names the links that go with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from report_project import audited_project

from evidence_tracker.services import claims as claims_service
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
                     "History of Claim…", "New Claim…", "Delete Claim…",
                     "Restore Deleted Claim…"]
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


def test_restore_a_deleted_claim_by_keyboard(window, qtbot) -> None:
    """Claims ▸ Restore Deleted Claim…: the claim comes back with its links and verdict,
    shown and selected; only the keyboard is used."""
    project = window.project
    c011 = claims_store.find_claim_id(project, "C011")
    window.claims.view.select_claim(c011)
    before = evidence.claim_detail(project, c011, viewer=REVIEWER)
    page_before = window.claims.page.browser.toPlainText()
    claims_service.delete_claim(project, c011, reviewer="Bo", reason="duplicate of C012")
    window.claims.after_write()
    assert c011 not in window.claims.claims

    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Claims")
    assert window.claims.action_restore in menu.actions()
    window.claims.action_restore.trigger()
    dialog = window.claims.restore_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.list, timeout=3000)
    row = dialog.list.currentItem()
    assert [row.text(i) for i in (0, 1, 3)] == ["C011", before.claim.text, "Bo"]
    lines = dialog.details.text().splitlines()
    assert lines[0] == f"C011: {before.claim.text}"
    assert lines[1].startswith("Deleted ") and lines[1].endswith(" UTC by Bo: duplicate of C012")
    assert lines[2] == "Its 3 links to 2 studies, its GRADE and its verdict come back with it."
    assert dialog.restore_button.isEnabled() and dialog.restore_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # &Why
    assert QApplication.focusWidget() is dialog.reason
    qtbot.keyClicks(dialog.reason, "it is not a duplicate")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # the default button: Restore Claim
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)

    assert window.claims.claims[c011] == before.claim
    assert window.claims.view.selected_claim_id() == c011
    after = evidence.claim_detail(project, c011, viewer=REVIEWER)
    assert [v.event_id for v in after.links] == [v.event_id for v in before.links]
    assert after.verdict == before.verdict
    assert window.claims.page.browser.toPlainText() == page_before
    assert claim_events(window, c011)[-2:] == [("deleted: duplicate of C012", "Bo"),
                                               ("restored: it is not a duplicate", REVIEWER)]
    assert project_service.verify_audit_trail(project).ok
    assert "Restored C011" in window.statusBar().currentMessage()


def test_return_on_a_deleted_claim_restores_it_once(window, qtbot) -> None:
    project = window.project
    for code in ("C011", "C052"):
        claims_service.delete_claim(project, code, reviewer="Bo")
    dialog = window.claims.restore_claim()
    qtbot.waitExposed(dialog)
    assert [dialog.list.topLevelItem(i).text(0) for i in range(2)] == ["C052", "C011"]
    c011 = claims_store.find_claim_id(project, "C011")
    dialog.select_claim(c011)
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    assert [d.claim.code for d in claims_service.deleted_claims(project)] == ["C052"]
    assert [note for note, _ in claim_events(window, c011)].count("restored") == 1


def test_restore_shows_what_the_service_refuses(window, qtbot) -> None:
    project = window.project
    claims_service.delete_claim(project, "C011", reviewer="Bo")
    dialog = window.claims.restore_claim()
    claims_service.restore_claim(project, "C011", reviewer="Bo")  # e.g. from the CLI
    dialog.restore_button.click()
    assert dialog.isVisible()
    assert dialog.error.text() == "C011 is not deleted: there is nothing to restore."
    dialog.reject()


def test_restore_with_nothing_deleted_says_so(window, qtbot) -> None:
    dialog = window.claims.restore_claim()
    assert dialog.list.topLevelItemCount() == 0
    assert not dialog.restore_button.isEnabled()
    assert dialog.findChild(QLabel, "restoreHeading").text() == \
        "No claim has been deleted in this project."
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
