"""The studies table's context menu: PubMed, citations and identifiers, screening, linking
and exporting the selection, each running the same code as the window's menus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from modal_driver import ModalDriver, driven_modals
from PySide6.QtCore import QItemSelectionModel, QPoint, QUrl
from PySide6.QtGui import QGuiApplication
from report_project import audited_project

from evidence_tracker.domain.models import ScreeningDecision
from evidence_tracker.services import screening
from evidence_tracker.services import settings as settings_service
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.export_actions import ChoiceDialog

REVIEWER = "Dr Ada Reviewer"
#: A popup menu on the offscreen platform (no window manager) says what it cannot do.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def modals(qapp) -> Iterator[ModalDriver]:
    yield from driven_modals(qapp)


@pytest.fixture
def window(make_window, tmp_path: Path):
    settings_service.save_settings(settings_service.Settings(reviewer_name=REVIEWER))
    return make_window(audited_project(tmp_path / "audit.sqlite3"))


def row_of(window, pmid: str) -> int:
    return window.model.row_of(study_store.find_study_id(window.project, pmid))


def right_click(window, pmid: str):
    rect = window.table.visualRect(window.model.index(row_of(window, pmid), 1))
    window.table.customContextMenuRequested.emit(rect.center())
    menu = window.study_menu.menu
    assert menu is not None and menu.isVisible()
    return menu


def action(menu, text: str):
    for a in menu.actions():
        if a.text().replace("&", "") == text:
            return a
        if a.menu() is not None:
            found = action(a.menu(), text) if a.menu() is not menu else None
            if found is not None:
                return found
    return None


def select(window, pmids: list[str]) -> None:
    sm = window.table.selectionModel()
    sm.clearSelection()
    for pmid in pmids:
        sm.select(window.model.index(row_of(window, pmid), 0),
                  QItemSelectionModel.SelectionFlag.Select
                  | QItemSelectionModel.SelectionFlag.Rows)


def test_right_click_selects_the_study_and_offers_everything(window) -> None:
    menu = right_click(window, "24101234")
    assert window.context.selected_study_ids == [
        study_store.find_study_id(window.project, "24101234")]
    texts = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert texts == ["Open in PubMed", "Open DOI", "Copy Citation (AMA)",
                     "Copy Citation (Vancouver)", "Copy PMID", "Copy DOI", "Screen",
                     "Link to Claim…", "Export Selected Studies…"]
    opened: list[QUrl] = []
    window.study_menu.open_url = lambda url: opened.append(url) or True
    action(menu, "Open in PubMed").trigger()
    assert opened == [QUrl("https://pubmed.ncbi.nlm.nih.gov/24101234/")]
    menu.close()


def test_copy_the_identifiers_of_the_selection(window) -> None:
    select(window, ["19783371", "24101234"])
    menu = right_click(window, "19783371")  # already selected: the selection stays
    action(menu, "Copy PMIDs (2)").trigger()
    assert sorted(QGuiApplication.clipboard().text().splitlines()) == ["19783371", "24101234"]
    assert "Copied 2 PMIDs" in window.statusBar().currentMessage()
    menu.close()


def test_screen_the_selection_from_the_menu(window) -> None:
    select(window, ["19783371", "24101234"])
    menu = right_click(window, "24101234")
    action(menu, "Include").trigger()
    project = window.project
    ids = [study_store.find_study_id(project, p) for p in ("19783371", "24101234")]
    assert [screening.my_decision(project, i, REVIEWER).decision for i in ids] == [
        ScreeningDecision.INCLUDE] * 2
    select(window, ["21111111"])
    menu = right_click(window, "21111111")
    reason = screening.exclusion_reasons(project)[0]
    action(menu, f"1 {reason}").trigger()
    state = screening.my_decision(project, study_store.find_study_id(project, "21111111"),
                                  REVIEWER)
    assert (state.decision, state.reason) == (ScreeningDecision.EXCLUDE, reason)
    assert "Screened 1 study: exclude" in window.statusBar().currentMessage()


def test_link_and_export_the_selection_from_the_menu(window, modals: ModalDriver) -> None:
    menu = right_click(window, "24101234")
    action(menu, "Link to Claim…").trigger()
    dialog = window.claims.link_dialog
    assert dialog is not None and dialog.study_id == window.context.study_id
    dialog.reject()
    select(window, ["19783371", "24101234"])
    menu = right_click(window, "24101234")
    scopes: list[str] = []
    modals.expect(ChoiceDialog, lambda d: (scopes.append(d.combos["scope"].currentText()),
                                           d.reject()))
    action(menu, "Export Selected Studies…").trigger()
    assert scopes == ["Selected studies (2)"]


def test_the_menu_key_opens_it_at_the_current_row(window) -> None:
    select(window, ["24101234"])
    window.table.customContextMenuRequested.emit(QPoint(-5, -5))  # nowhere: the Menu key
    assert window.study_menu.menu is not None and window.study_menu.menu.isVisible()
    window.study_menu.menu.close()


def test_the_menus_mnemonics_are_unique(window) -> None:
    menu = right_click(window, "24101234")
    for each in [menu] + [a.menu() for a in menu.actions() if a.menu() is not None]:
        keys = [a.text().split("&", 1)[1][0].casefold() for a in each.actions()
                if "&" in a.text().replace("&&", "")]
        assert len(keys) == len(set(keys)), [a.text() for a in each.actions()]
    menu.close()
