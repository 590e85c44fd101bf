"""The application context: settings read once, the reviewer as session state that panels
follow, the study pane rendering itself, and one rate limiter for every client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QDialog, QInputDialog

from evidence_tracker.domain.models import AbstractSection
from evidence_tracker.pubmed.eutils import EutilsConfig
from evidence_tracker.services import evidence, review
from evidence_tracker.services import settings as settings_service
from evidence_tracker.services.project import open_or_create
from evidence_tracker.services.settings import ApiKey, Settings
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import find_study_id, upsert_studies
from evidence_tracker.ui.context import AppContext, ReviewerSession
from evidence_tracker.ui.preferences import PreferencesDialog

ANA, BEN = "Dr Ana", "Dr Ben"
PMID = "47000001"
RESULT = "Pain scores fell by 2.1 points at 12 weeks."


@pytest.fixture
def project(tmp_path: Path) -> Project:
    from conftest import make_study

    p = open_or_create(tmp_path / "context.sqlite3")
    crps = next(c.id for c in condition_store.list_conditions(p) if c.slug == "crps")
    upsert_studies(p, [make_study(pmid=PMID, title="Ketamine for CRPS: a trial", title_html="",
                                  abstract_sections=[AbstractSection(text=RESULT)])],
                   condition_id=crps)
    return p


@pytest.fixture
def window(make_window, project: Project):
    settings_service.save_settings(Settings(reviewer_name=ANA))
    return make_window(project)


@pytest.fixture
def no_rereading(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """From here on, reading settings.json fails the test, and the keyring is read at most
    once (the API key is read when first needed, then kept)."""
    def reread(*_a: object, **_k: object) -> None:
        raise AssertionError("settings re-read after the app was assembled")

    key_reads: list[int] = []

    def read_key() -> str:
        key_reads.append(1)
        return ""

    monkeypatch.setattr(settings_service, "load_settings", reread)
    monkeypatch.setattr(settings_service, "get_api_key", read_key)
    yield
    assert len(key_reads) <= 1


def _select(window, pmid: str) -> int:
    study_id = find_study_id(window.project, pmid)
    assert study_id is not None
    window.table.selectionModel().setCurrentIndex(
        window.model.index(window.model.row_of(study_id), 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    return study_id


def test_reviewer_session_saves_and_announces_a_change_once(qtbot) -> None:
    settings = Settings(reviewer_name=ANA)
    session = ReviewerSession(settings)
    with qtbot.waitSignal(session.changed) as changed:
        session.set(f"  {BEN} ")
    assert changed.args == [BEN] and session.name == BEN == settings.reviewer_name
    assert settings_service.load_settings().reviewer_name == BEN  # the CLI reads it too
    with qtbot.assertNotEmitted(session.changed):
        session.set(BEN)


def test_reviewer_session_asks_for_a_name_once(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def ask(*args: object, **_k: object) -> tuple[str, bool]:
        asked.append(str(args[1]))
        return ANA, True

    monkeypatch.setattr(QInputDialog, "getText", ask)
    session = ReviewerSession(Settings())
    assert session.require(None) == ANA
    assert session.require(None) == ANA
    assert asked == ["Reviewer name"]


def test_the_study_pane_renders_the_selected_study_itself(window) -> None:
    assert "Select a study" in window.detail.toPlainText()
    study_id = _select(window, PMID)
    assert window.context.study_id == study_id == window.detail.study_id
    text = window.detail.toPlainText()
    assert "Ketamine for CRPS: a trial" in text and "Not linked to a claim yet" in text
    window.table.clearSelection()
    window.search_box.setText("no such study at all")
    window.apply_search()
    assert window.context.study_id is None
    assert "Select a study" in window.detail.toPlainText()


def test_a_reviewer_changed_in_preferences_refreshes_the_blind_panes(
    window, no_rereading, monkeypatch: pytest.MonkeyPatch, qtbot
) -> None:
    project = window.project
    review.set_review_team(project, [ANA, BEN], reviewer=ANA)
    review.set_blind_mode(project, True, reviewer=ANA)
    evidence.link_study(project, PMID, "C011", stance="contradicts", quotes=[RESULT],
                        reviewer=BEN)
    _select(window, PMID)
    window.grading.show_appraisal()
    assert "Contradicts" not in window.detail.toPlainText()  # Ben's link: hidden from Ana

    def save_as_ben(dialog: PreferencesDialog) -> int:
        dialog.reviewer.setText(BEN)
        dialog.accept()
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(PreferencesDialog, "exec", save_as_ben)
    with qtbot.waitSignal(window.context.reviewer.changed):
        window.show_preferences()
    assert window.grading.reviewer == BEN
    assert window.grading.reviewer_combo.currentText() == BEN
    assert "Contradicts" in window.detail.toPlainText()  # his own link, shown at once
    assert f"Reviewing as {BEN}" in window.statusBar().currentMessage()


def test_clients_made_by_the_window_share_one_rate_limiter(window, no_rereading) -> None:
    config = EutilsConfig(base_url="http://127.0.0.1:9/", requests_per_second=3)
    with window.context.make_client(config) as first, \
            window.context.make_client(config) as second:
        assert first.limiter is second.limiter


def test_the_context_tells_the_status_bar(window) -> None:
    window.context.show_status("Hello from a panel", 0)
    assert window.statusBar().currentMessage() == "Hello from a panel"


def test_context_can_be_built_without_a_window(project: Project, qtbot) -> None:
    context = AppContext(project, Settings(ncbi_email="ana@example.org"), api_key=ApiKey(""))
    assert context.client_config().email == "ana@example.org"
    assert context.client_config().api_key == ""
    context.tasks.shutdown()
