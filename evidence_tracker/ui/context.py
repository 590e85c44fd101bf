"""The application context: what the main window's controllers, panels and dialogs share.

The main window builds one :class:`AppContext` and hands it to every part it builds; the
parts talk through its signals instead of reaching into the window or into each other.
It holds the open project, the task runner, the settings (read once when the app is
assembled), the reviewer session, and the selection the window shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from evidence_tracker.pubmed.eutils import CancelToken, EutilsClient, EutilsConfig, RateLimiters
from evidence_tracker.services import fetch as fetch_service
from evidence_tracker.services import settings as settings_service
from evidence_tracker.services import study_list
from evidence_tracker.services.settings import ApiKey, Settings
from evidence_tracker.store import Project
from evidence_tracker.ui.tasks import TaskRunner


class ReviewerSession(QObject):
    """Who is judging in this session. Blind review shows each reviewer only what they may
    see, so every view asks this object, never the settings file. A change is saved to
    the settings (the CLI reads the same name) and announced with ``changed``."""

    changed = Signal(str)

    def __init__(self, settings: Settings, parent: QObject | None = None):
        super().__init__(parent)
        self._settings = settings
        self._name = settings.reviewer_name.strip()

    @property
    def name(self) -> str:
        return self._name

    def set(self, name: str) -> None:
        """Switch the reviewer (saved, then announced); the same name again does nothing."""
        name = name.strip()
        if name == self._name:
            return
        self._name = name
        self._settings.reviewer_name = name
        settings_service.save_settings(self._settings)
        self.changed.emit(name)

    def require(self, parent: QWidget | None) -> str | None:
        """The reviewer; asked for (and kept) when there is none; None if the user declines."""
        if self._name:
            return self._name
        name, ok = QInputDialog.getText(
            parent, "Reviewer name",
            "Your name is recorded with every judgement (the audit trail).\nReviewer name:")
        if not ok or not name.strip():
            return None
        self.set(name)
        return self._name


class AppContext(QObject):
    """The open project, the task runner, the settings and reviewer session, and signals.

    Signals (the window and its parts connect to what concerns them):

    - ``project_changed()``: the project was opened or re-read; show it again.
    - ``study_selected(object)``: the study selected in the table (an id, or None).
    - ``study_requested(int)``: show this study in the studies table.
    - ``claim_selected(int)``: the claim page shows this claim.
    - ``judgements_changed()``: a judgement (vote, appraisal, link, grade...) was recorded.
    - ``studies_changed(frozenset)``: the ids of the studies the new events are about; the
      views showing them redraw those rows, nothing else.
    - ``claims_changed(frozenset)``: the ids of the claims the new events are about (or
      empty: claims themselves were added or edited).
    - ``judged_quietly()``: a judgement was recorded where the window does not re-read yet
      (screening mode); the team sync still follows it.
    - ``status_message(str, int)``: text for the status bar, with a timeout in ms (0: keep).
    - ``reviewer.changed(str)``: another reviewer is judging (see :class:`ReviewerSession`).
    """

    project_changed = Signal()
    study_selected = Signal(object)
    study_requested = Signal(int)
    claim_selected = Signal(int)
    judgements_changed = Signal()
    studies_changed = Signal(object)
    claims_changed = Signal(object)
    judged_quietly = Signal()
    status_message = Signal(str, int)

    def __init__(
        self,
        project: Project,
        settings: Settings,
        *,
        api_key: ApiKey | None = None,
        limiters: RateLimiters | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.project = project
        self.settings = settings
        self.api_key = api_key if api_key is not None else ApiKey()
        self.limiters = limiters if limiters is not None else RateLimiters()
        self.tasks = TaskRunner(self)
        self.reviewer = ReviewerSession(settings, self)
        #: The current study of the studies table, and every selected one (table order).
        self.study_id: int | None = None
        self.selected_study_ids: list[int] = []
        #: The condition selected in the sidebar (None: all studies, or the claims).
        self.condition_id: int | None = None
        #: The claim on the claim page, and whether the claims (not the studies) are shown.
        self.claim_id: int | None = None
        self.claims_shown = False
        #: The newest event the views have been told about (see ``judgement_recorded``).
        self.seen_event_id = study_list.last_event_id(project)

    # -- selection -------------------------------------------------------------------------
    def select_studies(self, current: int | None, selected: list[int]) -> None:
        """The table's selection changed (the window calls this); announces the study."""
        self.study_id = current
        self.selected_study_ids = list(selected)
        self.study_selected.emit(current)

    # -- messages --------------------------------------------------------------------------
    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        self.status_message.emit(text, timeout_ms)

    def project_opened(self, project: Project) -> None:
        """A project was opened (or re-read): its events so far are already shown."""
        self.project = project
        self.seen_event_id = study_list.last_event_id(project)

    def judgement_recorded(self, message: str = "", *, claims_edited: bool = False) -> None:
        """After a write: the views re-read what the new events are about (read from the
        events after the last one announced, so every writer is covered without saying
        what it wrote); ``claims_edited``: claims themselves were written (not events: a
        claim added or edited), so the claims re-read too; ``message`` is shown."""
        touched = study_list.touched_since(self.project, self.seen_event_id)
        self.seen_event_id = touched.last
        self.judgements_changed.emit()
        if touched.studies:
            self.studies_changed.emit(touched.studies)
        if touched.claims or claims_edited:
            self.claims_changed.emit(touched.claims)
        if message:
            self.show_status(message, 8000)

    # -- background work -------------------------------------------------------------------
    def run_task(self, work: Callable[[Any], Any], done: Callable[[Any], None], title: str,
                 parent: QWidget | None) -> None:
        """Run ``work`` on the task runner; a failure is shown in a warning titled ``title``."""
        def failed(exc: BaseException, _tb: str) -> None:
            QMessageBox.warning(parent, title, str(exc))

        self.tasks.run(work, done, failed)

    # -- PubMed ----------------------------------------------------------------------------
    def client_config(self) -> EutilsConfig:
        """This user's E-utilities configuration (call on the GUI thread)."""
        return fetch_service.client_config(self.settings, self.api_key.value)

    def make_client(self, config: EutilsConfig, cancel: CancelToken | None = None
                    ) -> EutilsClient:
        """A client on the application's shared rate limiter (safe on any thread)."""
        return fetch_service.make_client(config, self.limiters, cancel)
