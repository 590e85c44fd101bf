"""What the window says after an action is true at once: the reviewer set in Preferences,
a cancelled fetch, the claim the link dialog's filter selects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_eutils import FakeEutils, Fault
from modal_driver import ModalDriver, driven_modals
from PySide6.QtCore import Qt
from report_project import audited_project

from evidence_tracker.services import project as project_service
from evidence_tracker.store import Project
from evidence_tracker.store import search_runs as run_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.preferences import PreferencesDialog


@pytest.fixture
def modals(qapp) -> Iterator[ModalDriver]:
    yield from driven_modals(qapp)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEutils]:
    with FakeEutils.running() as server:
        monkeypatch.setenv("EVIDENCE_TRACKER_EUTILS_URL", server.base_url)
        yield server


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Project]:
    with project_service.open_or_create(tmp_path / "gui.sqlite3") as project:
        yield project


def test_a_reviewer_set_in_preferences_shows_at_once(make_window, fresh, modals: ModalDriver,
                                                     qtbot) -> None:
    """The Review toolbar showed "(who?)" until the application was restarted."""
    window = make_window(fresh)
    combo = window.grading.reviewer_combo
    assert window.context.reviewer.name == "" and combo.currentIndex() == -1

    def fill(dialog: PreferencesDialog) -> None:
        dialog.reviewer.setText("Dr Ada Reviewer")
        dialog.accept()

    modals.expect(PreferencesDialog, fill)
    window.show_preferences()
    assert window.context.reviewer.name == "Dr Ada Reviewer"
    assert combo.currentText() == "Dr Ada Reviewer"
    assert "Reviewing as Dr Ada Reviewer" in window.statusBar().currentMessage()


def test_a_cancelled_fetch_shows_what_was_fetched(make_window, fresh, fake, qtbot) -> None:
    """The bar read "0 / 1 records" and the condition "(0 in project)" after a cancel."""
    fake.add_records((p, "2019/05/05") for p in range(6000, 7500))
    fake.inject(Fault.delay(0.4), endpoint="efetch", times=None)
    window = make_window(fresh)
    window.show_fetch_dialog()
    dialog = window.fetch_dialog
    crps = fresh.conn.execute("SELECT id FROM conditions WHERE slug = 'crps'").fetchone()[0]
    dialog.condition.setCurrentIndex(dialog.condition.findData(crps))
    dialog.fetch_button.click()
    qtbot.waitUntil(lambda: dialog.progress.maximum() == 1500
                    and dialog.progress.value() > 0, timeout=15000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=15000)
    (run,) = run_store.list_runs(fresh)
    stored = study_store.count_studies(fresh)
    assert run.status == "cancelled" and 0 < stored < 1500
    assert dialog.progress.text() != "0 / 1 records"
    assert dialog.progress.maximum() == 1500 and dialog.progress.value() >= stored
    # the condition counts are read off the GUI thread and arrive a moment later
    qtbot.waitUntil(lambda: dialog.condition.currentText().endswith(f"({stored:,} in project)"),
                    timeout=10000)
    dialog.close()


def test_a_fetch_cancelled_before_any_record_says_nothing_was_fetched(
    make_window, fresh, fake, qtbot
) -> None:
    fake.add_records((p, "2019/05/05") for p in range(6000, 6010))
    fake.inject(Fault.delay(3), endpoint="esearch", times=None)
    window = make_window(fresh)
    window.show_fetch_dialog()
    dialog = window.fetch_dialog
    dialog.fetch_button.click()
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
    assert dialog.progress.text() == "No records fetched"
    assert "(0 in project)" in dialog.condition.currentText()
    dialog.close()


def test_the_link_filter_selects_the_claim_it_finds(make_window, tmp_path: Path, qtbot) -> None:
    """Typing "gold" left C011 selected (its quote says "gold") instead of C052 ("IV
    ketamine infusion is the gold-standard treatment"), so Enter linked the wrong claim."""
    window = make_window(audited_project(tmp_path / "audit.sqlite3"))
    study_id = study_store.find_study_id(window.project, "24101234")
    dialog = window.claims.open_link_dialog(study_id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.filter.setFocus()
    qtbot.keyClicks(dialog.filter, "gold")
    assert dialog.current_claim().code == "C052"
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
    assert dialog.current_claim().code == "C052"
    qtbot.keyClicks(dialog.filter, " crps")  # narrows, keeps the claim that states it
    assert dialog.current_claim().code == "C052"
    dialog.filter.clear()  # no words: the choice stays
    assert dialog.current_claim().code == "C052"
    dialog.reject()
