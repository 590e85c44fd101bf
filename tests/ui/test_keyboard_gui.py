"""Keyboard operation: unique mnemonics in every dialog and menu, Tab never trapped in a
table, docks shown, focused and closed by keyboard, every dialog dismissed with Esc."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_eutils import FakeEutils
from modal_driver import ModalDriver, driven_modals
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QDialog,
    QGroupBox,
    QLabel,
    QMenu,
    QTabWidget,
    QWidget,
)
from report_project import audited_project

from evidence_tracker.services import imports as import_service
from evidence_tracker.services import settings as settings_service
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.condition_dialog import NewConditionDialog
from evidence_tracker.ui.export_actions import ChoiceDialog
from evidence_tracker.ui.import_actions import ImportPreviewDialog
from evidence_tracker.ui.preferences import PreferencesDialog

REVIEWER = "Dr Ada Reviewer"
MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


@pytest.fixture
def modals(qapp) -> Iterator[ModalDriver]:
    yield from driven_modals(qapp)


@pytest.fixture
def window(make_window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    settings_service.save_settings(settings_service.Settings(reviewer_name=REVIEWER))
    with FakeEutils.running() as server:  # the fetch dialog asks PubMed for a count
        monkeypatch.setenv("EVIDENCE_TRACKER_EUTILS_URL", server.base_url)
        yield make_window(audited_project(tmp_path / "audit.sqlite3"))


def mnemonic_of(text: str) -> str | None:
    found = MNEMONIC.search(text)
    return found.group(1).casefold() if found else None


def widget_mnemonics(root: QWidget) -> list[tuple[str, str]]:
    """(key, text) of every mnemonic a user can press in ``root`` (visible widgets only)."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        texts: list[str] = []
        labelled = isinstance(widget, QLabel) and widget.buddy() is not None
        if isinstance(widget, QAbstractButton) or labelled:
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        for text in texts:
            key = mnemonic_of(text)
            if key:
                found.append((key, text))
    return found


def duplicates(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    counts = Counter(key for key, _ in pairs)
    return {key: [t for k, t in pairs if k == key] for key, n in counts.items() if n > 1}


def dismiss_by_escape(dialog: QDialog) -> None:
    """Esc in the dialog's focused field closes it (fails if it does not)."""
    target = QApplication.focusWidget() if dialog.isAncestorOf(QApplication.focusWidget()) \
        else dialog
    QTest.keyClick(target, Qt.Key.Key_Escape)
    assert not dialog.isVisible(), dialog.windowTitle()


def open_every_dialog(window, modals: ModalDriver) -> Iterator[QDialog]:
    """Every dialog of the application, opened the way a user opens it."""
    claims, grading = window.claims, window.grading
    project = window.project
    review = study_store.find_study_id(project, "30000999")
    window.go_to_study(review)
    yield grading.open_agreement()
    yield grading.study_history()
    yield claims.edit_inclusions(review)
    link = claims.open_link_dialog(review)
    finding = link.findings.add()  # a dialog over a dialog
    yield finding
    yield link
    screening_dialog = grading.open_screening()
    yield screening_dialog.exclude()  # why? (a dialog over the screening dialog)
    yield screening_dialog
    yield claims.extract_from_page()
    claims.show_claims()
    c011 = next(c.id for c in claims.claims.values() if c.code == "C011")
    claims.view.select_claim(c011)
    yield claims.confirm_verdict(c011)
    yield claims.edit_claim(c011)
    yield claims.new_claim()
    yield claims.restore_claim()
    yield grading.claim_history()
    window.show_studies()
    window.show_fetch_dialog()
    yield window.fetch_dialog
    path = Path(project.path).with_name("import.ris")
    path.write_text("TY  - JOUR\nTI  - A study\nER  - \n", encoding="utf-8")
    yield ImportPreviewDialog([import_service.preview_file(project, path)], [], window)
    yield window.show_guide()
    yield window.show_shortcuts()
    # Modal ones (exec): the driver answers them.
    shown: list[QDialog] = []
    for kind, opener in ((ChoiceDialog, window.exports.action_export.trigger),
                         (ChoiceDialog, window.exports.action_report.trigger),
                         (PreferencesDialog, window.show_preferences),
                         (NewConditionDialog, window.new_condition)):
        modals.expect(kind, lambda d: (shown.append(d), dismiss_by_escape(d)))
        opener()
    yield from shown


def test_no_dialog_has_a_mnemonic_twice(window, modals: ModalDriver, qtbot) -> None:
    """The verdict dialog's Alt+R was both "Rationale" and "Record Verdict"."""
    clashes, trapped = {}, []
    seen = 0
    for dialog in open_every_dialog(window, modals):
        assert dialog is not None
        seen += 1
        found = duplicates(widget_mnemonics(dialog))
        if found:
            clashes[dialog.windowTitle()] = found
        trapped += [f"{dialog.windowTitle()}: {v.objectName()}"
                    for v in dialog.findChildren(QAbstractItemView) if v.tabKeyNavigation()
                    and v.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers]
        if dialog.isVisible():
            qtbot.waitExposed(dialog)
            dismiss_by_escape(dialog)
    assert seen >= 20
    assert clashes == {}
    assert trapped == []


def test_no_menu_has_a_mnemonic_twice(window) -> None:
    bar = [(mnemonic_of(a.text()), a.text()) for a in window.menuBar().actions()]
    assert duplicates([(k, t) for k, t in bar if k]) == {}
    clashes = {}
    for menu in window.menuBar().findChildren(QMenu) + window.findChildren(QMenu):
        pairs = [(mnemonic_of(a.text()), a.text()) for a in menu.actions()
                 if not a.isSeparator()]
        found = duplicates([(k, t) for k, t in pairs if k])
        if found:
            clashes[menu.title()] = found
    assert clashes == {}


def test_the_main_windows_widgets_do_not_take_a_menus_mnemonic(window) -> None:
    """Alt+letter of a button or label in the window would fight the menu bar's."""
    menus = {mnemonic_of(a.text()) for a in window.menuBar().actions()}
    for mode in (window.show_studies, window.claims.show_claims):
        mode()
        pairs = [(k, t) for k, t in widget_mnemonics(window.centralWidget()) if k in menus]
        assert pairs == [], mode


def test_tab_leaves_every_read_only_table(window, modals: ModalDriver, qtbot) -> None:
    """Tab got stuck in the GRADE table (it moved from cell to cell)."""
    trapped = [v.objectName() or type(v).__name__
               for v in window.findChildren(QAbstractItemView) if v.tabKeyNavigation()]
    assert trapped == []
    window.claims.show_claims()
    window.grading.show_grade()
    body = window.grading.grade_panel.body
    body.setFocus()
    qtbot.keyClick(body, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not body


def test_docks_open_focused_and_close_by_keyboard(window, qtbot) -> None:
    """The appraisal and GRADE docks could only be closed with the mouse."""
    dock = window.grading.grade_dock
    alt_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_G, alt_ctrl)
    assert dock.isVisible()
    qtbot.waitUntil(lambda: dock.isAncestorOf(QApplication.focusWidget()), timeout=3000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_G, alt_ctrl)
    assert not dock.isVisible()
    appraisal = window.grading.appraisal_dock
    qtbot.keyClick(window.table, Qt.Key.Key_A, alt_ctrl)
    assert appraisal.isVisible()
    qtbot.waitUntil(lambda: appraisal.isAncestorOf(QApplication.focusWidget()), timeout=3000)
    texts = [a.text() for a in window.view_menu.actions()]
    assert texts == ["&Appraisal Panel", "&GRADE Panel"]
