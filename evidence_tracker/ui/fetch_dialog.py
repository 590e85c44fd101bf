"""Fetch a condition from PubMed: its query, PubMed's count, progress and Cancel.

All network and database work runs on the task runner's threads; the worker opens its
own connection to the project file (SQLite connections belong to one thread), and the
window re-reads the project when the fetch ends.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.models import Condition
from evidence_tracker.pubmed.eutils import CancelToken, EutilsError, FetchCancelled
from evidence_tracker.services import fetch as fetch_service
from evidence_tracker.store import StoreError, open_project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.ui.context import AppContext

#: The progress bar's text while records are counted.
PROGRESS_FORMAT = "%v / %m records"


def condition_label(condition: Condition) -> str:
    """A condition in the combo box: its name and how many studies the project holds."""
    return f"{condition.name} ({condition.total:,} in project)"


class FetchDialog(QDialog):
    """Emits ``fetched`` when records were stored (the window reloads then)."""

    fetched = Signal()

    def __init__(
        self, context: AppContext, conditions: list[Condition],
        parent: QWidget | None = None, selected: int | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Fetch from PubMed")
        self.setMinimumWidth(620)
        self.context = context
        self.db_path = context.project.path
        self.tasks = context.tasks
        self.conditions = conditions
        self._cancel: CancelToken | None = None
        self._running = False
        self._count_request = 0
        #: The last progress reported by the running fetch (what a cancel leaves shown).
        self._last_progress: fetch_service.FetchProgress | None = None

        self.condition = QComboBox()
        self.condition.setObjectName("fetchCondition")
        for c in conditions:
            self.condition.addItem(condition_label(c), c.id)
        if selected is not None and (i := self.condition.findData(selected)) >= 0:
            self.condition.setCurrentIndex(i)
        self.query = QPlainTextEdit()
        self.query.setObjectName("fetchQuery")
        self.query.setTabChangesFocus(True)
        self.query.setFixedHeight(110)
        self.count_label = QLabel("PubMed count: …")
        self.count_label.setObjectName("pubmedCount")
        self.update_only = QCheckBox("Only records new or revised since the last fetch")
        self.update_only.setChecked(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(PROGRESS_FORMAT)
        email = context.settings.ncbi_email
        self.status = QLabel(
            "Ready." if email else
            "Ready. Tip: set your email in Edit → Preferences; NCBI asks every client for one."
        )
        self.status.setObjectName("fetchStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        form = QFormLayout()
        form.addRow("&Condition:", self.condition)
        form.addRow("PubMed &query:", self.query)
        form.addRow("", self.count_label)
        form.addRow("", self.update_only)

        self.buttons = QDialogButtonBox()
        self.fetch_button = QPushButton("&Fetch")
        self.fetch_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.fetch_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.fetch_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.condition.currentIndexChanged.connect(self._condition_changed)
        self._condition_changed()

    # -- helpers ---------------------------------------------------------------------------
    def current(self) -> Condition:
        cid = self.condition.currentData()
        return next(c for c in self.conditions if c.id == cid)

    def _condition_changed(self) -> None:
        condition = self.current()
        self.query.setPlainText(condition.query)
        last = condition.total
        self.update_only.setEnabled(last > 0)
        self.update_only.setChecked(last > 0)
        self._ask_count(condition.query)

    def _ask_count(self, query: str) -> None:
        self._count_request += 1
        request = self._count_request
        self.count_label.setText("PubMed count: asking PubMed…")

        config = self.context.client_config()

        def work(_report: Any) -> int:
            with self.context.make_client(config) as client:
                return client.count(query)

        def done(count: int) -> None:
            if request == self._count_request:
                self.count_label.setText(f"PubMed count: {count:,} records")
                if not self._running:
                    self.progress.setRange(0, max(count, 1))
                    self.progress.setValue(0)

        def failed(exc: BaseException, _tb: str) -> None:
            if request == self._count_request:
                self.count_label.setText(f"PubMed count unavailable: {exc}")

        self.tasks.run(work, done, failed)

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.fetch_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)
        self.condition.setEnabled(not running)
        self.query.setReadOnly(running)

    # -- fetching --------------------------------------------------------------------------
    def start(self) -> None:
        condition = self.current()
        query = self.query.toPlainText().strip()
        if not query:
            QMessageBox.warning(self, "Fetch", "The PubMed query is empty.")
            return
        slug, update = condition.slug, self.update_only.isChecked()
        self._cancel = cancel = CancelToken()
        self._last_progress = None
        self.progress.setFormat(PROGRESS_FORMAT)
        self._set_running(True)
        self.status.setText(f"Fetching {condition.name}…")
        self.progress.setRange(0, 0)  # busy until PubMed's count is known
        config = self.context.client_config()

        def work(report: Any) -> fetch_service.FetchSummary:
            with open_project(self.db_path) as project:
                if query != condition.query:
                    condition_store.update_condition_query(project, slug, query)
                with self.context.make_client(config, cancel) as client:
                    return fetch_service.fetch_condition(
                        project, slug, client, update=update, progress=report
                    )

        self.tasks.run(work, self._finished, self._failed, self._progress)

    def _progress(self, p: fetch_service.FetchProgress) -> None:
        self._last_progress = p
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(min(p.done, p.total))
        text = f"{p.phase.capitalize()}: {p.done:,}"
        if p.total:
            text += f" of {p.total:,}"
        text += f" stored ({p.new:,} new, {p.updated:,} updated)"
        if p.message:
            text += f" — {p.message}"
        self.status.setText(text)

    def _finished(self, summary: fetch_service.FetchSummary) -> None:
        self._set_running(False)
        self.progress.setRange(0, max(summary.total, 1))
        self.progress.setValue(summary.fetched if summary.total else 1)
        text = (
            f"Done: {summary.fetched:,} records checked, {summary.new:,} new, "
            f"{summary.updated:,} updated."
        )
        if summary.retracted:
            text += f" {len(summary.retracted)} newly retracted: {', '.join(summary.retracted)}."
        self.status.setText(text)
        self._refresh_counts()
        self.fetched.emit()

    def _failed(self, exc: BaseException, _tb: str) -> None:
        self._set_running(False)
        # The bar keeps what was done ("450 / 1,500 records"), never a made-up "0 / 1".
        last = self._last_progress
        if last is not None and last.total:
            self.progress.setRange(0, last.total)
            self.progress.setValue(min(last.done, last.total))
        else:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setFormat("No records fetched")
        if isinstance(exc, FetchCancelled):
            self.status.setText("Cancelled. What was fetched is kept; Fetch again to resume.")
        elif isinstance(exc, EutilsError | StoreError | ValueError):
            self.status.setText(f"Stopped: {exc}\nWhat was fetched is kept; Fetch to resume.")
        else:
            raise exc  # a bug: the application's error dialog shows and logs it
        self._refresh_counts()
        self.fetched.emit()

    def _refresh_counts(self) -> None:
        """Re-read how many studies each condition holds (the combo box shows it), on a
        connection of its own: counting reads the project, which would stall the GUI."""
        db_path = self.db_path

        def work(_report: Any) -> list[Condition]:
            with open_project(db_path, readonly=True) as project:
                return condition_store.list_conditions(project)

        self.tasks.run(work, self._show_counts)

    def _show_counts(self, conditions: list[Condition]) -> None:
        if not shiboken6.isValid(self.condition):  # the dialog went while they were read
            return
        fresh = {c.id: c for c in conditions}
        self.conditions = [fresh.get(c.id, c) for c in self.conditions]
        for row in range(self.condition.count()):
            found = fresh.get(self.condition.itemData(row))
            if found is not None:
                self.condition.setItemText(row, condition_label(found))

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()
            self.status.setText("Cancelling…")

    @property
    def running(self) -> bool:
        return self._running

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._running:
            self.cancel()
            event.ignore()  # closes once the worker has stopped
            return
        super().closeEvent(event)

    def reject(self) -> None:  # Esc
        if self._running:
            self.cancel()
            return
        super().reject()
