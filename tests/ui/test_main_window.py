"""The main window on empty and filled projects, driven as a user would."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from evidence_tracker.services import project as project_service
from evidence_tracker.services import settings as settings_service
from evidence_tracker.store import Project
from evidence_tracker.ui.app import open_main_window
from evidence_tracker.ui.instance import ProjectLock, ProjectLocked
from evidence_tracker.ui.preferences import PreferencesDialog
from evidence_tracker.ui.studies_model import STUDY_ID_ROLE, StudiesTableModel


def _titles(window) -> list[str]:
    m = window.model
    return [m.index(r, 3).data() for r in range(m.rowCount())]


def _select_row(window, row: int) -> None:
    index = window.model.index(row, 0)
    window.table.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def test_window_on_an_empty_project(make_window, tmp_path: Path) -> None:
    project = project_service.open_or_create(tmp_path / "empty.sqlite3")
    window = make_window(project)
    assert window.model.rowCount() == 0
    assert window.centre.currentWidget() is window.empty_hint
    assert "no studies yet" in window.empty_hint.text()
    assert "empty.sqlite3" in window.windowTitle()
    assert window.statusBar().currentMessage().startswith("0 studies")
    # The bundled conditions are in the sidebar even before any fetch.
    labels = _sidebar_labels(window)
    assert "All studies 0" in labels
    assert any(label.startswith("Fibromyalgia") for label in labels)
    # New projects come with the seeded claims register, by clinic.
    assert "All claims 54" in labels and "No claims yet" not in labels
    assert any(label.startswith("Daydream MD") for label in labels)


def _sidebar_labels(window) -> list[str]:
    out = []

    def walk(item):
        out.append(" ".join(t for t in (item.text(0), item.text(1)) if t))
        for i in range(item.childCount()):
            walk(item.child(i))

    for i in range(window.sidebar.topLevelItemCount()):
        walk(window.sidebar.topLevelItem(i))
    return out


def test_window_on_a_filled_project(make_window, filled_project: Project) -> None:
    window = make_window(filled_project)
    assert window.model.rowCount() == 4
    assert window.centre.currentWidget() is window.table
    assert _titles(window)[0] == "Esketamine and widespread pain"  # newest first
    retracted_row = next(i for i, t in enumerate(_titles(window)) if "retracted" in t)
    assert _titles(window)[retracted_row].startswith("[RETRACTED] ")
    assert window.model.index(retracted_row, 3).data(Qt.ItemDataRole.ForegroundRole) is not None
    labels = _sidebar_labels(window)
    assert "All studies 4" in labels and "CRPS 3" in labels and "Fibromyalgia 2" in labels


def test_search_box_filters_the_table(make_window, filled_project: Project, qtbot) -> None:
    window = make_window(filled_project)
    qtbot.keyClicks(window.search_box, "fibromyalgia")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    assert _titles(window) == ["Ketamine in fibromyalgia: a crossover study"]
    assert window.statusBar().currentMessage().startswith("1 of 4 studies")
    window.search_box.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=3000)
    qtbot.keyClicks(window.search_box, "zzzznotthere")
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    assert window.model.rowCount() == 0
    assert window.centre.currentWidget() is window.empty_hint
    assert "No study matches" in window.empty_hint.text()


def test_sidebar_condition_restricts_and_combines_with_search(
    make_window, filled_project: Project, qtbot
) -> None:
    window = make_window(filled_project)
    fm_id = filled_project.conn.execute(
        "SELECT id FROM conditions WHERE slug = 'fibromyalgia'"
    ).fetchone()[0]
    window.sidebar.select_condition(fm_id)
    assert window.model.rowCount() == 2
    qtbot.keyClicks(window.search_box, "esketamine")
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    assert _titles(window) == ["Esketamine and widespread pain"]


def test_selecting_a_study_fills_the_detail_pane(make_window, filled_project: Project) -> None:
    window = make_window(filled_project)
    row = next(i for i, t in enumerate(_titles(window)) if t.startswith("Intravenous"))
    _select_row(window, row)
    html = window.detail.toHtml()
    text = window.detail.toPlainText()
    assert "Intravenous ketamine for complex regional pain syndrome" in text
    assert "Schwartzman RJ, Alexander GM, CRPS Study Group" in text
    assert "OBJECTIVE:" in text and "Pain scores fell by 2.1 points" in text
    assert "https://pubmed.ncbi.nlm.nih.gov/19603491/" in html
    assert "https://doi.org/10.1000/et.19603491" in html
    assert "Ketamine/administration & dosage" in text
    assert "Randomized Controlled Trial" in text
    retracted_row = next(i for i, t in enumerate(_titles(window)) if "retracted" in t)
    _select_row(window, retracted_row)
    assert "RETRACTED PUBLICATION" in window.detail.toPlainText()


def test_detail_pane_never_renders_record_markup(
    make_window, project: Project, study_factory
) -> None:
    from evidence_tracker.store.studies import upsert_studies

    upsert_studies(project, [study_factory(
        title="<img src=x> evil", title_html='Ketamine <script>alert(1)</script><img src="x">',
        abstract_sections=[], abstract='<a href="javascript:alert(1)">click</a> & more',
    )])
    window = make_window(project)
    _select_row(window, 0)
    html = window.detail.toHtml()
    assert "<img" not in html
    assert "<script" not in html
    assert 'href="javascript' not in html
    # The record's markup is shown as the text it is, not interpreted.
    assert "&lt;a href=&quot;javascript:alert(1)&quot;&gt;click&lt;/a&gt; &amp; more" in html


def test_sorting_happens_in_sql_and_keeps_the_selection(
    make_window, filled_project: Project
) -> None:
    window = make_window(filled_project)
    _select_row(window, 0)
    selected = window.model.index(0, 0).data(STUDY_ID_ROLE)
    window.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    titles = _titles(window)
    # Sorted by the stored title (the table shows retracted ones with a prefix).
    stored = [t.removeprefix("[RETRACTED] ") for t in titles]
    assert stored == sorted(stored, key=str.casefold)
    assert window.model.study_filter.sort == "title"
    current = window.table.selectionModel().currentIndex()
    assert window.model.data(current, STUDY_ID_ROLE) == selected
    window.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    years = [window.model.index(r, 1).data() for r in range(window.model.rowCount())]
    assert years == sorted(years)


def test_studies_model_passes_qtmodeltester(qtmodeltester, filled_project: Project) -> None:
    model = StudiesTableModel(filled_project)
    qtmodeltester.check(model, force_py=True)
    model.sort(1, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model, force_py=True)


def test_model_is_lazy_over_many_rows(qtmodeltester, project: Project, study_factory) -> None:
    from evidence_tracker.store.studies import upsert_studies

    upsert_studies(project, [study_factory(title=f"Study {i:05d}") for i in range(1500)])
    model = StudiesTableModel(project)
    assert model.rowCount() == 1500
    assert len(model._cache) == 0  # nothing read until a row is shown
    assert model.index(1499, 3).data().startswith("Study")
    assert len(model._cache) <= 200
    qtmodeltester.check(model, force_py=True)


def test_second_instance_on_the_same_database_is_refused(
    make_window, filled_project: Project
) -> None:
    make_window(filled_project)
    with pytest.raises(ProjectLocked, match="already open in another Evidence Tracker"):
        open_main_window(filled_project.path)


def test_lock_is_released_on_close(make_window, filled_project: Project) -> None:
    path = filled_project.path
    window = make_window(filled_project)
    window.close()
    lock = ProjectLock(path)
    lock.acquire()  # does not raise
    lock.release()


def test_switching_projects(make_window, filled_project: Project, tmp_path: Path) -> None:
    window = make_window(filled_project)
    other = tmp_path / "other.sqlite3"
    assert window.switch_project(other)
    assert window.model.rowCount() == 0
    assert "other.sqlite3" in window.windowTitle()
    from evidence_tracker.ui.main_window import recent_projects

    assert str(other) in recent_projects()


def test_preferences_keep_the_api_key_out_of_settings(
    qtbot, memory_keyring, isolated_user_dirs: Path
) -> None:
    dialog = PreferencesDialog(settings_service.load_settings(), settings_service.ApiKey())
    qtbot.addWidget(dialog)
    dialog.reviewer.setText("Dr Ana Reviewer")
    dialog.email.setText("ana@example.org")
    dialog.api_key.setText("abcdef0123456789secret")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    saved = settings_service.load_settings()
    assert saved.reviewer_name == "Dr Ana Reviewer" and saved.ncbi_email == "ana@example.org"
    assert settings_service.get_api_key() == "abcdef0123456789secret"
    for path in isolated_user_dirs.rglob("*"):
        if path.is_file():
            assert b"abcdef0123456789secret" not in path.read_bytes(), path
    assert memory_keyring.secrets  # stored in the keyring, nowhere else


def test_preferences_refuse_a_bad_email(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    dialog = PreferencesDialog(settings_service.load_settings(), settings_service.ApiKey())
    qtbot.addWidget(dialog)
    dialog.email.setText("not-an-address")
    dialog.accept()
    assert warnings and "not an email address" in warnings[0]
    assert settings_service.load_settings().ncbi_email == ""


def test_unexpected_exception_shows_a_dialog_and_is_logged(
    qtbot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sys

    from evidence_tracker.ui import app as app_module

    shown: list[tuple[str, str]] = []
    def fake_show_error(parent, title, msg, details=""):
        shown.append((msg, details))

    monkeypatch.setattr(app_module, "show_error", fake_show_error)
    old_hook = sys.excepthook
    try:
        app_module.install_excepthook()
        try:
            raise ValueError("boom in a slot")
        except ValueError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = old_hook
    assert shown and "boom in a slot" in shown[0][0] and "Traceback" in shown[0][1]
    assert "boom in a slot" in caplog.text
    assert QApplication.instance() is not None
