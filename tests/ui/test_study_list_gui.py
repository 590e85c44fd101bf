"""The studies table at scale (issue 14) and screening status in it (issue 12): windows of
ids instead of every id, writes that redraw only the rows they touched, counts that say
what they count, a screening column that keeps blind mode, a screening filter, and an
export of exactly the studies shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_study
from PySide6.QtCore import QItemSelectionModel, Qt

from evidence_tracker.services import review, screening
from evidence_tracker.services import settings as settings_service
from evidence_tracker.services.project import open_or_create
from evidence_tracker.services.settings import Settings
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import find_study_id, upsert_studies
from evidence_tracker.ui.export_actions import ChoiceDialog
from evidence_tracker.ui.screening import TEXT_WIDTH
from evidence_tracker.ui.studies_model import SCREENING_COLUMN

ANA, BEN, CARL = "Dr Ana", "Dr Ben", "Dr Carl"
STUDIES = 2300  # more than two windows of ids
IN_CRPS = 1300
RARE = 10  # studies whose title has the word "zanzibar"


def _pmid(n: int) -> str:
    return str(48000000 + n)


@pytest.fixture(scope="module")
def big_project_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.sqlite3"
    project = open_or_create(path)
    crps = next(c.id for c in condition_store.list_conditions(project) if c.slug == "crps")
    authors = ["Zhang", "adams", "Müller", "Brown", "young", "Olsen", "Kim"]

    def study(n: int):  # type: ignore[no-untyped-def]
        from evidence_tracker.domain.models import Author
        word = "zanzibar" if n < RARE else "ketamine"
        return make_study(pmid=_pmid(n), doi=f"10.9/{n}", title=f"Study {n} of {word} infusions",
                          title_html="", year=1990 + n % 30, journal=f"Journal {n % 17}",
                          journal_abbrev="", authors=[Author(last_name=authors[n % 7],
                                                             fore_name="A", initials="A")])

    upsert_studies(project, [study(n) for n in range(IN_CRPS)], condition_id=crps)
    upsert_studies(project, [study(n) for n in range(IN_CRPS, STUDIES)])
    project.close()
    return path


@pytest.fixture
def project(big_project_file: Path, tmp_path: Path) -> Iterator[Project]:
    path = tmp_path / "copy.sqlite3"
    path.write_bytes(big_project_file.read_bytes())
    p = open_or_create(path)
    yield p
    p.close()


@pytest.fixture
def window(make_window, project: Project):
    settings_service.save_settings(Settings(reviewer_name=ANA))
    return make_window(project)


def _sid(project: Project, n: int) -> int:
    study_id = find_study_id(project, _pmid(n))
    assert study_id is not None
    return study_id


def _crps(project: Project) -> int:
    return next(c.id for c in condition_store.list_conditions(project) if c.slug == "crps")


def _select(window, study_id: int) -> int:
    row = window.model.row_of(study_id)
    assert row >= 0
    window.table.selectionModel().setCurrentIndex(
        window.model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    return row


def test_table_reads_windows_of_ids_never_every_id(window, project: Project, qtbot) -> None:
    statements: list[str] = []
    project.conn.set_trace_callback(statements.append)
    try:
        window.model.refresh()
        window.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # first author
        window.table.scrollToBottom()
        window.table.viewport().repaint()
        last = window.model.index(STUDIES - 1, 2).data()
        first = [window.model.index(r, 2).data() for r in range(40)]
    finally:
        project.conn.set_trace_callback(None)
    id_queries = [s for s in statements if s.lstrip().startswith("SELECT s.id FROM studies")]
    assert id_queries and all("LIMIT" in s for s in id_queries), id_queries[:3]
    assert window.model.rowCount() == STUDIES
    assert first == sorted(first, key=str.casefold) and first[0].casefold() == "adams a"
    assert last.casefold() == "zhang a"


def test_sort_keeps_the_current_study(window, project: Project) -> None:
    study_id = _sid(project, 1777)
    _select(window, study_id)
    assert window.model.row_of(study_id) >= 1000  # in the second window of ids
    window.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # journal
    current = window.table.selectionModel().currentIndex()
    assert window.model.study_id(current.row()) == study_id
    assert window.context.study_id == study_id
    assert window.model.row_of(study_id) == current.row()


def test_status_bar_counts_shown_of_the_filter_total(window, project: Project, qtbot) -> None:
    window.sidebar.select_condition(_crps(project))
    assert window.statusBar().currentMessage().startswith(f"{IN_CRPS} studies in ")
    qtbot.keyClicks(window.search_box, "zanzibar")
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    assert window.model.rowCount() == RARE
    # Ten of the condition's 1300, not "10 of 2300" (the whole project).
    assert window.statusBar().currentMessage().startswith(f"{RARE} of {IN_CRPS} studies in ")


def test_a_judgement_redraws_its_row_not_the_table(window, project: Project, qtbot) -> None:
    study_id = _sid(project, 5)
    row = _select(window, study_id)
    resets: list[int] = []
    changed: list[int] = []
    window.model.modelReset.connect(lambda: resets.append(1))
    window.model.dataChanged.connect(lambda top, _bottom, _roles=(): changed.append(top.row()))
    assert window.model.index(row, SCREENING_COLUMN).data() == "Unscreened"
    screening.screen(project, study_id, "include", reviewer=ANA)
    window.context.judgement_recorded("Included.")
    assert resets == [] and changed == [row]
    assert window.model.index(row, SCREENING_COLUMN).data() == "Include"
    assert window.context.study_id == study_id  # the selection stays
    crps = _crps(project)
    qtbot.waitUntil(lambda: not window.context.tasks.busy, timeout=10000)
    item = window.sidebar._condition_items[crps]
    assert f"{IN_CRPS - 1} unscreened" in item.toolTip(0)  # the counts caught up


def test_screening_column_keeps_blind_mode(window, project: Project) -> None:
    study_id = _sid(project, 7)
    review.set_review_team(project, [ANA, BEN], reviewer=ANA)
    review.set_blind_mode(project, True, reviewer=ANA)
    screening.screen(project, study_id, "exclude", reviewer=BEN, reason="Not chronic pain")
    screening.screen(project, study_id, "include", reviewer=CARL)
    window.context.judgement_recorded()
    row = window.model.row_of(study_id)
    # Ana has not judged: Ben's and Carl's disagreement is hidden from her.
    assert window.model.index(row, SCREENING_COLUMN).data() == "Unscreened"
    review.set_blind_mode(project, False, reviewer=ANA)
    window.context.judgement_recorded()
    window.model.refresh()
    assert window.model.index(row, SCREENING_COLUMN).data() == "Conflict"
    review.set_blind_mode(project, True, reviewer=ANA)
    screening.screen(project, study_id, "include", reviewer=ANA)
    window.context.judgement_recorded()
    # Ana and Ben (the team) have both judged: the conflict shows.
    assert window.model.index(row, SCREENING_COLUMN).data() == "Conflict"


def test_screening_filter_and_export_these_studies(window, project: Project, qtbot,
                                                   monkeypatch, tmp_path: Path) -> None:
    included = [_sid(project, n) for n in (3, 1400, 2000)]
    for study_id in included:
        screening.screen(project, study_id, "include", reviewer=ANA)
    screening.screen(project, _sid(project, 4), "exclude", reviewer=ANA, reason="Other")
    screening.screen(project, _sid(project, 6), "include", reviewer=BEN)  # not Ana's
    window.context.judgement_recorded()
    combo = window.screening_filter
    combo.setCurrentIndex(combo.findData("include"))
    combo.activated.emit(combo.currentIndex())
    assert window.model.rowCount() == 3
    assert {window.model.study_id(r) for r in range(3)} == set(included)
    assert window.statusBar().currentMessage().startswith(f"3 of {STUDIES} studies")
    combo.setCurrentIndex(combo.findData("unscreened"))
    combo.activated.emit(combo.currentIndex())
    assert window.model.rowCount() == STUDIES - 4

    combo.setCurrentIndex(combo.findData("include"))
    combo.activated.emit(combo.currentIndex())
    target = tmp_path / "included.ris"
    monkeypatch.setattr(ChoiceDialog, "exec", lambda self: 1)  # RIS, the first format
    monkeypatch.setattr("evidence_tracker.ui.main_window.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(target), ""))
    dialog = window.export_shown()
    assert dialog is not None and "3 studies as:" in [
        w.text() for w in dialog.findChildren(type(window.empty_hint))]
    qtbot.waitUntil(lambda: target.exists() and "Exported 3 studies"
                    in window.statusBar().currentMessage(), timeout=10000)
    text = target.read_text(encoding="utf-8")
    for n in (3, 1400, 2000):
        assert _pmid(n) in text
    assert _pmid(4) not in text and _pmid(6) not in text
    file_menu = next(a.menu() for a in window.menuBar().actions()
                     if a.text().replace("&", "") == "File")
    assert window.action_export_shown in file_menu.actions()


def test_window_opens_without_counting_on_the_gui_thread(make_window, project: Project,
                                                         monkeypatch) -> None:
    """The condition counts scan the project: the window draws first and counts on the
    task runner (its own connection), then writes them beside the conditions."""
    from evidence_tracker.ui import main_window as main_window_module

    counted_on: list[object] = []
    real = condition_store.list_conditions

    def spy(p: Project):  # type: ignore[no-untyped-def]
        counted_on.append(p)
        return real(p)

    monkeypatch.setattr(main_window_module.condition_store, "list_conditions", spy)
    window = make_window(project)
    assert counted_on and project not in counted_on  # never the GUI thread's connection
    assert window.sidebar.count_text(_crps(project)) == str(IN_CRPS)


# -- screening mode at scale ---------------------------------------------------------------


def _screening(window, project: Project):  # type: ignore[no-untyped-def]
    window.sidebar.select_condition(_crps(project))
    dialog = window.grading.open_screening()
    assert dialog is not None
    return dialog


def test_a_decision_costs_what_it_changes(window, project: Project, monkeypatch) -> None:
    """No recount, no list of every id or every decision per decision: the next study is
    one step in SQL and the counts move by the decision."""
    dialog = _screening(window, project)
    first = dialog.study_id
    assert dialog.position_label.text() == f"Study 1 of {IN_CRPS}"
    whole_project = []
    for name in ("progress", "progress_by_condition", "screened_ids", "queue"):
        real = getattr(screening, name)
        monkeypatch.setattr(screening, name, lambda *a, _n=name, _r=real, **k: (
            whole_project.append(_n), _r(*a, **k))[1])
    statements: list[str] = []
    project.conn.set_trace_callback(statements.append)
    try:
        dialog.include()
        dialog.maybe()
    finally:
        project.conn.set_trace_callback(None)
    assert whole_project == []
    id_lists = [s for s in statements if "SELECT s.id FROM studies" in s and "LIMIT" not in s]
    assert id_lists == []
    assert screening.my_decision(project, first, ANA).decision.value == "include"
    assert dialog.position_label.text() == f"Study 3 of {IN_CRPS}"
    assert dialog.progress_label.text().startswith(f"<b>2 of {IN_CRPS} screened")
    assert dialog.progress == screening.progress(project, ANA, "crps")  # moved = recounted


def test_condition_box_counts_follow_each_decision(window, project: Project) -> None:
    dialog = _screening(window, project)
    combo = dialog.condition_combo
    crps = combo.findData("crps")
    assert f"(0 of {IN_CRPS} screened)" in combo.itemText(crps)
    dialog.include()
    assert f"(1 of {IN_CRPS} screened)" in combo.itemText(crps)
    dialog.exclude()
    dialog.reason_dialog.accept()
    assert f"(2 of {IN_CRPS} screened)" in combo.itemText(crps)
    dialog.undo()
    assert f"(1 of {IN_CRPS} screened)" in combo.itemText(crps)
    assert dialog.progress == screening.progress(project, ANA, "crps")


def test_screening_abstract_wraps_instead_of_scrolling(window, project: Project, qtbot) -> None:
    dialog = _screening(window, project)
    dialog.resize(dialog.minimumSizeHint().width(), 600)
    qtbot.waitExposed(dialog)
    assert dialog.text.width() < TEXT_WIDTH  # narrower than a fixed 860 px line
    long_line = " ".join(["ketamine"] * 200)
    dialog.text.setHtml(f"<p>{long_line}</p>")
    bar = dialog.text.horizontalScrollBar()
    assert bar.maximum() == 0 and not bar.isVisible()
    assert dialog.text.document().size().width() <= dialog.text.viewport().width() + 1


def test_screening_leaves_the_claims_alone(window, project: Project, monkeypatch) -> None:
    """Screening decisions are about studies: the claims overview (every claim's evidence)
    is not read again for them, neither per decision nor when the dialog closes."""
    reloads: list[int] = []
    monkeypatch.setattr(window.claims, "reload", lambda: reloads.append(1))
    dialog = _screening(window, project)
    dialog.include()
    dialog.maybe()
    dialog.close()
    assert reloads == []
    row = window.model.row_of(_sid(project, 0))
    assert window.model.index(row, SCREENING_COLUMN).data() == "Include"


def test_screening_column_and_filter_follow_the_reviewer(window, project: Project) -> None:
    study_id = _sid(project, 9)
    screening.screen(project, study_id, "include", reviewer=ANA)
    window.context.judgement_recorded()
    row = window.model.row_of(study_id)
    assert window.model.index(row, SCREENING_COLUMN).data() == "Include"
    combo = window.screening_filter
    combo.setCurrentIndex(combo.findData("include"))
    combo.activated.emit(combo.currentIndex())
    assert window.model.rowCount() == 1
    window.context.reviewer.set(BEN)  # Ben has included nothing
    assert window.model.rowCount() == 0
    assert window.statusBar().currentMessage().startswith(f"0 of {STUDIES} studies")
    combo.setCurrentIndex(combo.findData(""))
    combo.activated.emit(combo.currentIndex())
    assert window.model.index(window.model.row_of(study_id), SCREENING_COLUMN).data() == \
        "Unscreened"
