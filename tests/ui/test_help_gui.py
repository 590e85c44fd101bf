"""Help: the bundled guide (offline, searchable, back and forward), the shortcuts sheet read
from the real actions, and About."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from modal_driver import ModalDriver, driven_modals
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from report_project import audited_project

from evidence_tracker import __version__
from evidence_tracker.ui.help_dialog import HOME_PAGE, guide_dir, page_text

LINK = re.compile(r'href="([^"#]+)"')
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def modals(qapp) -> Iterator[ModalDriver]:
    yield from driven_modals(qapp)


@pytest.fixture
def window(make_window, tmp_path: Path):
    return make_window(audited_project(tmp_path / "audit.sqlite3"))


def test_every_guide_page_is_linked_and_every_link_resolves() -> None:
    pages = {p.name for p in guide_dir().glob("*.html")}
    assert HOME_PAGE in pages and len(pages) >= 5
    reached, todo = set(), [HOME_PAGE]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        for target in LINK.findall((guide_dir() / name).read_text(encoding="utf-8")):
            assert (guide_dir() / target).is_file(), f"{name} links to missing {target}"
            if target.endswith(".html"):
                todo.append(target)
    assert reached == pages  # no page is orphaned


def test_the_guide_opens_with_f1_and_goes_back_and_forward(window, qtbot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.help_dialog
    assert dialog is not None and dialog.isVisible()
    browser = dialog.browser
    assert dialog.current_page() == HOME_PAGE
    assert "Evidence Tracker user guide" in browser.toPlainText()
    assert not dialog.back_button.isEnabled()
    browser.setSource(QUrl("claims.html"))  # as a followed link does
    assert "Adding, editing and deleting" in browser.toPlainText()
    qtbot.keyClick(browser, Qt.Key.Key_Left, ALT)
    assert dialog.current_page() == HOME_PAGE
    qtbot.keyClick(browser, Qt.Key.Key_Right, ALT)
    assert dialog.current_page() == "claims.html"
    dialog.home_button.click()
    assert dialog.current_page() == HOME_PAGE
    dialog.close()
    assert window.show_guide() is dialog  # one guide window, shown again


def test_the_guide_is_searched_across_its_pages(window, qtbot) -> None:
    dialog = window.show_guide()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=3000)
    qtbot.keyClick(dialog.browser, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is dialog.find_box
    qtbot.keyClicks(dialog.find_box, "kappa")
    qtbot.keyClick(dialog.find_box, Qt.Key.Key_Return)
    assert dialog.current_page() == "grading.html"
    assert dialog.browser.textCursor().selectedText().casefold() == "kappa"
    assert dialog.find_status.text() == "on “GRADE and verdicts”"
    dialog.find_box.setText("no such word anywhere")
    qtbot.keyClick(dialog.find_box, Qt.Key.Key_Return)
    assert dialog.find_status.text() == "Not found in the guide"
    assert dialog.current_page() == "grading.html"  # the reader stays where they were


def test_the_guide_names_the_real_shortcuts(window) -> None:
    """Shortcuts the guide mentions exist on an action of the window (or are keys of the
    screening and link dialogs), so the guide does not promise what is not there."""
    actions = {a.shortcut().toString() for a in window.findChildren(QAction)}
    text = " ".join(page_text(p) for p in guide_dir().glob("*.html"))
    in_dialogs = {"Alt+Left", "Alt+Right", "Shift+Tab", "Tab", "Esc", "Enter", "Ctrl+Enter",
                  "Shift+F10", "Alt", "Del"} | set("IEMJK1234")
    named = set(re.findall(r"(?:Ctrl|Alt|Shift)[+A-Za-z0-9/]+|F1\b", text))
    missing = sorted(k for k in named if k not in actions and k not in in_dialogs)
    assert missing == []


def all_menu_shortcuts(window) -> set[tuple[str, str]]:
    """(command, shortcut) of every menu action, walked independently of the sheet."""
    found = set()
    menus = [a.menu() for a in window.menuBar().actions() if isinstance(a.menu(), QMenu)]
    while menus:
        menu = menus.pop()
        for a in menu.actions():
            if isinstance(a.menu(), QMenu):
                menus.append(a.menu())
            elif not a.shortcut().isEmpty():
                text = a.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
                found.add((text.rstrip("…"),
                           a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)))
    return found


def test_the_shortcuts_sheet_is_read_from_the_actions(window, qtbot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    sheet = window.shortcuts_dialog
    assert sheet is not None and sheet.isVisible()
    rows = sheet.shown_rows()
    assert ("Study", "Link to Claim", "Ctrl+L") in rows
    assert ("View", "GRADE Panel", "Ctrl+Alt+G") in rows
    assert ("Help", "User Guide", "F1") in rows
    assert all_menu_shortcuts(window) <= {(c, k) for _w, c, k in rows}
    qtbot.keyClicks(sheet.filter, "verdict")
    assert {c for _w, c, _k in sheet.shown_rows()} == {"Confirm / Override Verdict"}
    sheet.close()
    # A new action appears in the next sheet: the sheet cannot drift from the menus.
    extra = QAction("Brand New Command", window)
    extra.setShortcut(QKeySequence("Ctrl+Alt+B"))
    window.view_menu.addAction(extra)
    assert ("View", "Brand New Command", "Ctrl+Alt+B") in window.show_shortcuts().shown_rows()


def test_about_names_the_version_and_project(window, modals: ModalDriver) -> None:
    texts: list[str] = []
    modals.expect(QMessageBox, lambda box: (texts.append(box.text()), box.accept()))
    about = next(a for m in window.menuBar().actions() if m.text() == "&Help"
                 for a in m.menu().actions() if a.text().startswith("&About"))
    about.trigger()
    assert __version__ in texts[0] and str(window.project.path) in texts[0]
