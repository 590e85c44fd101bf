"""The export actions in the main window: copy citations, import with a preview (menu and
drag and drop), export, report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import make_study
from PySide6.QtCore import QItemSelectionModel, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import QApplication
from report_project import audited_project

from evidence_tracker.formats import ris
from evidence_tracker.formats.citations import CitationStyle, format_citation
from evidence_tracker.services.export import ExportFormat
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.citation_actions import COPY_FALLBACK, COPY_SHORTCUT, CitationActions
from evidence_tracker.ui.export_actions import ExportActions
from evidence_tracker.ui.import_actions import ImportActions, ImportPreviewDialog
from evidence_tracker.ui.sidebar import ALL_CLINICS


@pytest.fixture
def window(make_window, tmp_path: Path):
    return make_window(audited_project(tmp_path / "audit.sqlite3"))  # installs the actions


def actions_of(window, kind: type = ExportActions):
    """The window's ExportActions, ImportActions or CitationActions."""
    found = window.findChild(kind)
    assert found is not None
    return found


def menu_texts(window, title: str) -> list[str]:
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == title:
            return [a.text().replace("&", "") for a in action.menu().actions()]
    raise AssertionError(title)


def select_rows(window, rows: list[int]) -> None:
    sm = window.table.selectionModel()
    sm.clearSelection()
    for row in rows:
        sm.select(window.model.index(row, 0),
                  QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)


def test_install_adds_menus_without_shortcut_clashes(window) -> None:
    file_items = menu_texts(window, "File")
    for item in ("Import with Preview…", "Export Studies…", "Export ClaimReview JSON-LD…",
                 "Audit Report…"):
        assert item in file_items
    assert file_items[-1] == "Quit"
    edit_items = menu_texts(window, "Edit")
    assert edit_items[:2] == ["Copy Citation (AMA)", "Copy Citation (Vancouver)"]
    shortcuts = [a.shortcut().toString() for a in window.findChildren(QAction)
                 if not a.shortcut().isEmpty()]
    assert len(shortcuts) == len(set(shortcuts))
    copy = actions_of(window, CitationActions).action_copy_ama.shortcut()
    assert copy in (QKeySequence(COPY_SHORTCUT), QKeySequence(COPY_FALLBACK))


def test_copy_citations_of_the_selected_studies(window, qtbot) -> None:
    rows = {window.model.study_id(r): r for r in range(window.model.rowCount())}
    project = window.project
    wanted = [study_store.find_study_id(project, p) for p in ("19783371", "24101234")]
    select_rows(window, [rows[i] for i in wanted])
    actions_of(window, CitationActions).action_copy_ama.trigger()
    mime = QGuiApplication.clipboard().mimeData()
    lines = mime.text().splitlines()
    studies = {i: study_store.get_study(project, i) for i in wanted}
    expected = sorted(format_citation(studies[i].study, CitationStyle.AMA) for i in wanted)
    assert sorted(line.split(". ", 1)[1] for line in lines) == expected
    assert "<ol>" in mime.html() and "<i>Pain</i>" in mime.html()
    assert "Copied 2 AMA citations" in window.statusBar().currentMessage()
    select_rows(window, [rows[wanted[1]]])
    actions_of(window, CitationActions).action_copy_vancouver.trigger()
    assert QGuiApplication.clipboard().text() == format_citation(
        studies[wanted[1]].study, CitationStyle.VANCOUVER) + "\n"


def test_copy_in_the_claims_view_cites_the_claim_with_its_certainty(window) -> None:
    window.claims.activate(ALL_CLINICS)
    c011 = next(c for c in window.claims.claims.values() if c.code == "C011")
    window.claims.show_claim(c011.id)
    text = actions_of(window, CitationActions).copy_citations(CitationStyle.AMA)
    assert text.startswith("Low-certainty evidence suggests that IV ketamine reduces pain")
    assert "\n1. Schwartzman RJ" in text and "\n2. " in text
    assert QGuiApplication.clipboard().text() == text


def write_ris(path: Path, pmids: list[str]) -> Path:
    out = io.StringIO()
    ris.write_ris([make_study(pmid=p, title=f"Imported study {p}", doi=f"10.7/{p}")
                   for p in pmids], out)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_import_preview_then_commit(window, qtbot, tmp_path: Path) -> None:
    path = write_ris(tmp_path / "refs.ris", ["19783371", "40000001", "40000001"])
    actions = actions_of(window, ImportActions)
    actions.preview_import([path])
    qtbot.waitUntil(lambda: actions.preview_dialog is not None, timeout=10000)
    dialog = actions.preview_dialog
    assert isinstance(dialog, ImportPreviewDialog)
    assert dialog.summary.text() == "refs.ris: 3 RIS records: 1 new, 0 merged into existing " \
        "studies, 1 already present, 1 duplicates within the import"
    assert [dialog.cell(r, 1) for r in range(dialog.table.model().rowCount())] == [
        "Already present", "Add", "Duplicate in import"]
    assert dialog.cell(0, 2) == "PMID" and dialog.cell(0, 4).startswith("#")
    before = study_store.count_studies(window.project)
    assert before == 4  # nothing written by the preview
    dialog.import_button.click()
    qtbot.waitUntil(lambda: study_store.count_studies(window.project) == 5, timeout=10000)
    qtbot.waitUntil(lambda: "1 new" in actions.last_message, timeout=10000)
    assert window.model.rowCount() == 5


def test_dropped_reference_files_go_through_the_preview(window, qtbot, tmp_path: Path) -> None:
    path = write_ris(tmp_path / "dropped.ris", ["40000002"])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(window, drop)
    actions = actions_of(window, ImportActions)
    qtbot.waitUntil(lambda: actions.preview_dialog is not None, timeout=10000)
    assert "dropped.ris: 1 RIS records: 1 new" in actions.preview_dialog.summary.text()
    actions.preview_dialog.reject()
    assert study_store.count_studies(window.project) == 4


def test_export_and_report_run_in_the_background(window, qtbot, tmp_path: Path) -> None:
    actions = actions_of(window)
    scopes = dict(actions.export_scopes())
    assert "All studies" in scopes
    assert any(label.startswith("Studies linked to C011") for label in scopes)
    out = tmp_path / "c011.bib"
    actions.export_to(out, ExportFormat.BIBTEX, ("claim", "C011"))
    qtbot.waitUntil(out.exists, timeout=10000)
    assert out.read_text(encoding="utf-8").count("@article") == 2
    report = tmp_path / "katy.html"
    assert ("Katy Pain and Spine", "Katy Pain and Spine") in actions.report_scopes()
    actions.write_report(report, "Katy Pain and Spine", CitationStyle.VANCOUVER,
                         open_when_done=False)
    qtbot.waitUntil(report.exists, timeout=20000)
    qtbot.waitUntil(lambda: "Wrote the audit report" in actions.last_message, timeout=10000)
    assert "Katy Pain and Spine" in report.read_text(encoding="utf-8")


def test_export_dialog_counts_the_shown_studies_and_reads_their_ids_in_the_export(
        window, qtbot, tmp_path: Path) -> None:
    """The "Studies shown in the table (N)" choice is labelled from a count: opening the
    dialog reads no study ids on the GUI thread (at 100,000 studies that took ~0.5 s); the
    export reads them in the background and writes exactly the shown studies, in order."""
    actions = actions_of(window)
    shown = window.current_filter()
    statements: list[str] = []
    window.project.conn.set_trace_callback(statements.append)
    try:
        scopes = dict(actions.export_scopes())
    finally:
        window.project.conn.set_trace_callback(None)
    assert not [s for s in statements if s.lstrip().startswith("SELECT s.id FROM")]
    count = study_store.count_studies(window.project, shown)
    assert count > 1
    scope = scopes[f"Studies shown in the table ({count})"]
    out = tmp_path / "shown.ris"
    actions.export_to(out, ExportFormat.RIS, scope)
    qtbot.waitUntil(lambda: f"Exported {count} studies" in actions.last_message,
                    timeout=10000)
    written = [line.split("  - ", 1)[1].strip() for line in
               out.read_text(encoding="utf-8").splitlines() if line.startswith("AN  - ")]
    rows = study_store.fetch_rows(window.project, study_store.query_study_ids(window.project,
                                                                              shown))
    pmids = [rows[i]["pmid"] for i in study_store.query_study_ids(window.project, shown)]
    assert written == pmids
