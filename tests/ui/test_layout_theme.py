"""Layout and themes: docks keep the window on a 1280x800 screen; under a dark palette the
study pane, the claim page and the claims list draw text that reads (WCAG contrast >= 4.5)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QRect
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from report_project import audited_project

from evidence_tracker.services import evidence
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.claim_page import claim_html
from evidence_tracker.ui.claims_delegate import KIND_ROLE
from evidence_tracker.ui.detail import study_html, study_links_html
from evidence_tracker.ui.theme import (
    MIN_CONTRAST,
    Colours,
    ThemeChoice,
    apply_theme,
    contrast_ratio,
    dark_palette,
)

# -- docks and the screen --------------------------------------------------------------------


def test_every_dock_fits_beside_the_panes_on_a_1280_screen(make_window, tmp_path: Path,
                                                           qtbot) -> None:
    """Opening the appraisal or GRADE dock, in the studies or the claims view, never makes
    the window wider than 1280x800 (it grew to 1383 px: the docks' minimum widths)."""
    window = make_window(audited_project(tmp_path / "p.sqlite3"))
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280)
    for claims_mode in (False, True):
        if claims_mode:
            window.sidebar.select_clinic(0)
        for dock in window.grading.docks:
            dock.show()
            dock.raise_()
            QApplication.processEvents()
            assert window.minimumSizeHint().width() <= 1280, dock.objectName()
            assert window.width() <= 1280 and window.height() <= 800, dock.objectName()
            assert dock.width() >= 300, dock.objectName()
            assert window.sidebar.width() >= 200
        for dock in window.grading.docks:
            dock.hide()


def test_a_window_larger_than_its_screen_is_fitted_to_it(make_window, tmp_path: Path,
                                                         qtbot) -> None:
    """A geometry saved on a larger monitor is brought back onto this one (the offscreen
    screen is 800x800: the width stops at the window's minimum)."""
    window = make_window(audited_project(tmp_path / "p.sqlite3"))
    available = window.screen().availableGeometry()
    window.move(available.left() + 500, available.top() + 400)
    window.resize(available.width() + 300, available.height() + 200)
    window.fit_to_screen()
    frame = window.frameGeometry()
    assert frame.height() <= available.height()
    assert frame.width() <= max(available.width(), window.minimumSizeHint().width() + 4)
    assert frame.top() >= available.top() and frame.bottom() <= available.bottom()
    assert frame.left() == available.left() or frame.right() <= available.right()


def test_a_wider_window_widens_the_sidebar_too(make_window, tmp_path: Path, qtbot) -> None:
    """At 1920 px the condition names get room (the sidebar stayed at 200 px)."""
    window = make_window(audited_project(tmp_path / "p.sqlite3"))
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280)
    narrow = window.sidebar.width()
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920)
    assert window.sidebar.width() >= narrow + 60


# -- contrast under a dark palette -----------------------------------------------------------


@pytest.fixture
def dark(qapp: QApplication) -> Iterator[Colours]:
    light = QPalette(qapp.palette())
    qapp.setPalette(dark_palette())
    yield Colours.from_palette(qapp.palette())
    qapp.setPalette(light)


def _rendered_pairs(html: str, base: str, text: str) -> Iterator[tuple[str, str, str]]:
    """(text colour, background colour, text) of every fragment QTextDocument lays out:
    the fragment's own background, else its table cell's, else the page's base."""
    doc = QTextDocument()
    doc.setHtml(html)
    block = doc.begin()
    while block.isValid():
        cursor_cell_bg = None
        table = _table_of(doc, block.position())
        if table is not None:
            cell = table.cellAt(block.position())
            brush = cell.format().background()
            if brush.style().value:
                cursor_cell_bg = brush.color().name()
        block_bg = block.blockFormat().background()
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            fmt = frag.charFormat()
            words = frag.text().strip()
            if words and not fmt.isImageFormat():
                fg = fmt.foreground().color().name() if fmt.foreground().style().value \
                    else text
                if fmt.background().style().value:
                    bg = fmt.background().color().name()
                elif block_bg.style().value:
                    bg = block_bg.color().name()
                else:
                    bg = cursor_cell_bg or base
                yield fg, bg, words
            it += 1
        block = block.next()


def _table_of(doc: QTextDocument, position: int) -> Any:
    from PySide6.QtGui import QTextCursor

    cursor = QTextCursor(doc)
    cursor.setPosition(position)
    return cursor.currentTable()


def _assert_readable(html: str, c: Colours) -> int:
    checked = 0
    for fg, bg, words in _rendered_pairs(html, c.base, c.text):
        ratio = contrast_ratio(fg, bg)
        assert ratio >= MIN_CONTRAST, f"{words[:40]!r}: {fg} on {bg} = {ratio:.2f}"
        checked += 1
    return checked


def test_study_pane_reads_on_a_dark_palette(dark: Colours, tmp_path: Path) -> None:
    project = audited_project(tmp_path / "p.sqlite3")
    for pmid in ("19783371", "21111111", "24101234"):
        study_id = study_store.find_study_id(project, pmid)
        assert study_id is not None
        stored = study_store.get_study(project, study_id)
        assert stored is not None
        links = evidence.current_links(project, study=study_id)
        claims = {c.id: c for c in project_claims(project, links)}
        html = study_html(stored, dark) + study_links_html(links, claims, dark)
        assert _assert_readable(html, dark) > 5


def test_screening_view_reads_on_a_dark_palette(dark: Colours, tmp_path: Path) -> None:
    """The screening view of a retracted study (banner), with matched terms highlighted."""
    from evidence_tracker.ui.screening import screening_html

    project = audited_project(tmp_path / "p.sqlite3")
    study_id = study_store.find_study_id(project, "21111111")
    stored = study_store.get_study(project, study_id) if study_id else None
    assert stored is not None and stored.study.retracted
    html = screening_html(stored, ["ketamine", "pain"], "Randomised controlled trial", dark)
    assert 'class="hit"' in html
    assert _assert_readable(html, dark) > 3


def project_claims(project: Any, links: Any) -> list[Any]:
    from evidence_tracker.store import claims as claim_store

    return claim_store.list_claims(project, sorted({v.claim_id for v in links}))


def test_claim_page_reads_on_a_dark_palette(dark: Colours, tmp_path: Path) -> None:
    """Headings, metadata, quotes, stance headings, the verdict badge and the re-review
    warning of claims with a confirmed, a suggested and a contradicted verdict."""
    project = audited_project(tmp_path / "p.sqlite3")
    for code in ("C011", "C008", "C005"):
        detail = evidence.claim_detail(project, code, viewer="Dr Ada Reviewer")
        html = claim_html(detail, reviewer="Dr Ada Reviewer", colours=dark)
        assert _assert_readable(html, dark) > 10


def test_the_light_page_still_reads(tmp_path: Path) -> None:
    project = audited_project(tmp_path / "p.sqlite3")
    detail = evidence.claim_detail(project, "C011", viewer="Dr Ada Reviewer")
    light = Colours()
    assert _assert_readable(claim_html(detail, reviewer="Dr Ada Reviewer"), light) > 10


class RecordingPainter(QPainter):
    """A painter that notes the pen colour of every text drawn, and the colour of the last
    filled shape under it (a badge)."""

    def __init__(self, image: QImage):
        super().__init__(image)
        self.texts: list[tuple[str, str | None, str]] = []
        self._fill: tuple[QRect, str] | None = None

    def next_cell(self) -> None:
        self._fill = None

    def drawRoundedRect(self, rect: Any, *args: Any) -> None:
        self._fill = (QRect(rect.toRect() if hasattr(rect, "toRect") else rect),
                      self.brush().color().name())
        super().drawRoundedRect(rect, *args)

    def drawText(self, rect: Any, *args: Any) -> None:
        under = None
        if isinstance(rect, QRect) and self._fill is not None and \
                self._fill[0].intersects(rect):
            under = self._fill[1]
        text = str(args[-1])
        self.texts.append((self.pen().color().name(), under, text))
        super().drawText(rect, *args)


def test_claims_list_reads_on_a_dark_palette(dark: Colours, make_window,
                                             tmp_path: Path) -> None:
    """Every row the claims delegate paints (groups, codes, text, counts, badges, states),
    unselected, draws text at a WCAG contrast of 4.5 or more on what it is drawn on."""
    window = make_window(audited_project(tmp_path / "p.sqlite3"))
    window.sidebar.select_clinic(0)
    view = window.claims.view
    tree, model = view.tree, view.model
    delegate = tree.itemDelegate()
    image = QImage(1600, 60, QImage.Format.Format_RGB32)
    image.fill(QColor(dark.base))
    painter = RecordingPainter(image)
    kinds = set()

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            for col in range(model.columnCount(parent)):
                index = model.index(row, col, parent)
                option = QStyleOptionViewItem()
                option.initFrom(tree)
                option.rect = QRect(0, 0, tree.columnWidth(col) or 400, 56)
                option.palette = tree.palette()
                painter.next_cell()
                delegate.paint(painter, option, index)
                kinds.add(index.data(KIND_ROLE))
            walk(model.index(row, 0, parent))

    walk(QModelIndex())
    painter.end()
    assert {"group", "claim"} <= kinds
    assert len(painter.texts) > 50
    assert tree.palette().base().color().name() == dark.base
    for fg, under, text in painter.texts:
        bg = under or dark.base
        ratio = contrast_ratio(fg, bg)
        assert ratio >= MIN_CONTRAST, f"{text!r}: {fg} on {bg} = {ratio:.2f}"


def test_theme_choice_sets_the_application_palette(qapp: QApplication) -> None:
    light = QPalette(qapp.palette())
    try:
        apply_theme(ThemeChoice.DARK)
        assert qapp.palette().base().color().lightness() < 128
        apply_theme(ThemeChoice.LIGHT)
        assert qapp.palette().base().color().lightness() >= 128
        apply_theme(ThemeChoice.SYSTEM)  # offscreen: no dark desktop, the platform palette
        assert qapp.palette().base().color() == light.base().color()
    finally:
        qapp.setPalette(light)


def test_condition_and_clinic_names_are_whole_at_1920(make_window, tmp_path: Path,
                                                      qtbot) -> None:
    """The count column leaves the names room: no condition or clinic name is cut in a
    1920-pixel window (every one was, beside the counts)."""
    from PySide6.QtWidgets import QTreeWidgetItemIterator

    window = make_window(audited_project(tmp_path / "p.sqlite3"))
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920)
    sidebar = window.sidebar
    cut = []
    it = QTreeWidgetItemIterator(sidebar)
    while it.value() is not None:
        item = it.value()
        rect = sidebar.visualItemRect(item)
        text_width = sidebar.fontMetrics().horizontalAdvance(item.text(0))
        indent = rect.left() - sidebar.header().sectionPosition(0)
        name_room = sidebar.header().sectionSize(0) - indent
        if item.parent() is not None and text_width + 8 > name_room:
            cut.append(item.text(0))
        it += 1
    assert not cut


def test_preferences_switch_to_dark_and_back(qtbot, qapp: QApplication, memory_keyring,
                                             isolated_user_dirs: Path) -> None:
    """Preferences → Appearance: Dark paints the open window dark at once and is kept for
    the next start; System returns to the desktop's palette."""
    from PySide6.QtWidgets import QDialogButtonBox

    from evidence_tracker.services import settings as settings_service
    from evidence_tracker.ui.preferences import PreferencesDialog
    from evidence_tracker.ui.theme import saved_choice

    system = QPalette(qapp.palette())

    def choose(choice: ThemeChoice) -> None:
        dialog = PreferencesDialog(settings_service.load_settings(), settings_service.ApiKey())
        qtbot.addWidget(dialog)
        assert dialog.theme.currentData() == saved_choice().value
        dialog.theme.setCurrentIndex(dialog.theme.findData(choice.value))
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    try:
        choose(ThemeChoice.DARK)
        assert saved_choice() is ThemeChoice.DARK
        assert qapp.palette().base().color().lightness() < 128
        choose(ThemeChoice.SYSTEM)
        assert saved_choice() is ThemeChoice.SYSTEM
        assert qapp.palette().base().color() == system.base().color()
    finally:
        qapp.setPalette(system)


def test_styled_text_follows_a_palette_switch(qapp: QApplication, qtbot) -> None:
    """A hint or warning styled from the palette takes the new theme's colour at once
    (it kept the light grey on a dark window until restart)."""
    from PySide6.QtWidgets import QLabel

    from evidence_tracker.ui.theme import Tone, style_text

    system = QPalette(qapp.palette())
    hint, error = QLabel("a hint"), QLabel("an error")
    for label in (hint, error):
        qtbot.addWidget(label)
        label.show()
    style_text(hint)
    style_text(error, Tone.BAD, bold=True)
    try:
        qapp.setPalette(dark_palette())
        QApplication.processEvents()
        dark = Colours.from_palette(qapp.palette())
        assert hint.styleSheet() == f"color: {dark.muted};"
        assert error.styleSheet() == f"color: {dark.danger}; font-weight: bold;"
        assert contrast_ratio(dark.muted, dark_palette().window().color().name()) >= MIN_CONTRAST
    finally:
        qapp.setPalette(system)
    QApplication.processEvents()
    assert hint.styleSheet() == f"color: {Colours.from_palette(system).muted};"
