"""Help: the bundled user guide (HTML pages in ``resources/guide``, offline) in a browser
with back, forward, home and a search across every page; and the keyboard shortcuts sheet,
read from the window's own actions so that it cannot drift from them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import unescape
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.config import resources_dir

HOME_PAGE = "index.html"
_TAGS = re.compile(r"<[^>]+>")


def guide_dir() -> Path:
    """The folder of the bundled user guide."""
    return resources_dir() / "guide"


def page_text(path: Path) -> str:
    """A guide page's words (tags and entities removed) for searching."""
    return " ".join(unescape(_TAGS.sub(" ", path.read_text(encoding="utf-8"))).split())


class HelpDialog(QDialog):
    """The user guide: links between pages, Back (Alt+Left), Forward (Alt+Right), Home,
    and Find (Ctrl+F; Enter finds the next match, on this page or the next one with it)."""

    def __init__(self, parent: QWidget | None = None, folder: Path | None = None):
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle("Evidence Tracker User Guide")
        self.resize(860, 640)
        self.folder = folder or guide_dir()
        self.browser = QTextBrowser()
        self.browser.setObjectName("guideBrowser")
        self.browser.setSearchPaths([str(self.folder)])
        self.browser.setOpenExternalLinks(True)  # web links (none yet) go to the browser
        self.back_button = QPushButton("&Back")
        self.back_button.setToolTip("Alt+Left")
        self.forward_button = QPushButton("F&orward")
        self.forward_button.setToolTip("Alt+Right")
        self.home_button = QPushButton("Co&ntents")
        self.find_box = QLineEdit()
        self.find_box.setObjectName("guideFind")
        self.find_box.setPlaceholderText("Find in the guide (Enter: next match)")
        self.find_box.setClearButtonEnabled(True)
        find_label = QLabel("&Find:")
        find_label.setBuddy(self.find_box)
        self.find_status = QLabel()
        self.find_status.setObjectName("guideFindStatus")
        self.find_status.setTextFormat(Qt.TextFormat.PlainText)
        for button in (self.back_button, self.forward_button, self.home_button):
            button.setAutoDefault(False)  # Enter in the find box finds, never navigates

        self.back_button.clicked.connect(self.browser.backward)
        self.forward_button.clicked.connect(self.browser.forward)
        self.home_button.clicked.connect(self.browser.home)
        self.browser.backwardAvailable.connect(self.back_button.setEnabled)
        self.browser.forwardAvailable.connect(self.forward_button.setEnabled)
        self.find_box.returnPressed.connect(self.find_next)
        self.find_box.textChanged.connect(lambda _t: self.find_status.clear())
        for key, slot in (("Alt+Left", self.browser.backward),
                          ("Alt+Right", self.browser.forward),
                          (QKeySequence.StandardKey.Find, self.focus_find)):
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            self.addAction(action)

        bar = QHBoxLayout()
        for widget in (self.back_button, self.forward_button, self.home_button):
            bar.addWidget(widget)
        bar.addSpacing(12)
        bar.addWidget(find_label)
        bar.addWidget(self.find_box, 1)
        bar.addWidget(self.find_status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.back_button.setEnabled(False)
        self.forward_button.setEnabled(False)
        self.browser.setSource(QUrl(HOME_PAGE))
        self.browser.setFocus()

    def focus_find(self) -> None:
        self.find_box.setFocus()
        self.find_box.selectAll()

    def current_page(self) -> str:
        return self.browser.source().fileName() or HOME_PAGE

    def pages(self) -> list[str]:
        """The guide's pages: the contents first, then by name."""
        names = sorted(p.name for p in self.folder.glob("*.html"))
        return sorted(names, key=lambda n: n != HOME_PAGE)

    def find_next(self) -> bool:
        """The next match after the cursor; at the end of a page, the first match on the
        next page that has one (wrapping round). Says when there is none."""
        words = self.find_box.text().strip()
        if not words:
            return False
        if self.browser.find(words):
            self.find_status.setText("")
            return True
        pages = self.pages()
        here = pages.index(self.current_page()) if self.current_page() in pages else -1
        for name in pages[here + 1:] + pages[:here + 1]:
            if words.casefold() in page_text(self.folder / name).casefold():
                if name != self.current_page():
                    self.browser.setSource(QUrl(name))
                self.browser.moveCursor(self.browser.textCursor().MoveOperation.Start)
                if self.browser.find(words):
                    title = self.browser.documentTitle() or name
                    self.find_status.setText(f"on “{title}”")
                    return True
        self.find_status.setText("Not found in the guide")
        return False


def shortcut_rows(menubar: QMenuBar, extra: Iterable[QAction] = ()) -> list[tuple[str, str, str]]:
    """(where, command, shortcut) of every action in the menus (and ``extra`` actions
    outside them) that has a shortcut, in menu order; read from the actions themselves."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} → {_plain(action.text())}")
            elif not action.isSeparator():
                _add(action, path)

    def _add(action: QAction, where: str) -> None:
        if id(action) in seen:
            return
        seen.add(id(action))
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText)
                for k in action.shortcuts() if not k.isEmpty()]
        if keys:
            rows.append((where, _plain(action.text()), ", ".join(keys)))

    for top in menubar.actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, _plain(top.text()))
    for action in extra:
        _add(action, "Elsewhere")
    return rows


def _plain(text: str) -> str:
    """A menu text without its mnemonic marker and trailing dots."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


class ShortcutsDialog(QDialog):
    """Every command with a shortcut, grouped by menu, with a filter."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(640, 600)
        self.filter = QLineEdit()
        self.filter.setObjectName("shortcutsFilter")
        self.filter.setPlaceholderText("Filter: a command, a menu or a key")
        self.filter.setClearButtonEnabled(True)
        filter_label = QLabel("&Filter:")
        filter_label.setBuddy(self.filter)
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Menu", "Command", "Shortcut"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.filter.textChanged.connect(self.apply_filter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.filter.setFocus()

    def row(self, r: int) -> tuple[str, str, str]:
        cells = [self.table.item(r, c) for c in range(3)]
        where, command, keys = (cell.text() if cell is not None else "" for cell in cells)
        return where, command, keys

    def apply_filter(self, text: str) -> None:
        words = text.casefold().split()
        for r in range(self.table.rowCount()):
            hay = " ".join(self.row(r)).casefold()
            self.table.setRowHidden(r, not all(w in hay for w in words))

    def shown_rows(self) -> list[tuple[str, str, str]]:
        return [self.row(r) for r in range(self.table.rowCount())
                if not self.table.isRowHidden(r)]

