"""Background team sync for the open project: never on the GUI thread, never lost.

A sync runs on the context's task runner with its own connection to the project file, at
open, a few seconds after a write (debounced), when the server hints that the project has
new rows (LISTEN/NOTIFY, heard by :class:`HintListener` on its own thread), after that
listener reconnects, and by polling every 45 s as the fallback the design asks for. One
sync at a time; a request during a sync runs one more after it. A pull that brought
judgements makes every view re-read (``AppContext.judgements_changed``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QThread, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from evidence_tracker.services import project as project_service
from evidence_tracker.services import team as team_service
from evidence_tracker.services.team import SyncReport, SyncStatus, TeamError
from evidence_tracker.store import open_project, team_local
from evidence_tracker.ui.context import AppContext
from evidence_tracker.ui.sync_status import SyncDialog, SyncStatusWidget

log = logging.getLogger(__name__)

#: Polling interval: the fallback when no hint arrives (the design says 30-60 s).
POLL_MS = 45_000
#: A sync follows writes after this quiet time (a burst of screening is one sync).
DEBOUNCE_MS = 3_000
#: How long one listener wait lasts: the longest a closing window waits for the thread.
LISTEN_WAIT_S = 0.5
#: After losing the server, the listener tries again this often.
LISTEN_RETRY_S = 45.0


@dataclass(frozen=True)
class SyncOutcome:
    """What a background sync hands back: the report, or the error, and the new state."""

    path: Path
    report: SyncReport | None
    error: TeamError | None
    status: SyncStatus


class HintListener(QThread):
    """Listens for the server's hints on its own thread (the wait blocks) and says
    ``heard("hint")``, or ``heard("reconnected")`` once the server is back after a loss
    (something may have been missed); ``lost(message)`` when the server cannot be reached."""

    heard = Signal(str)
    lost = Signal(str)

    def __init__(self, link: team_local.TeamLink, parent: QObject | None = None, *,
                 wait_s: float = LISTEN_WAIT_S, retry_s: float = LISTEN_RETRY_S):
        super().__init__(parent)
        self.link = link
        self.wait_s = wait_s
        self.retry_s = retry_s

    def run(self) -> None:
        listener = team_service.ChangeListener(self.link)
        was_lost = False
        try:
            while not self.isInterruptionRequested():
                try:
                    outcome = listener.wait(self.wait_s)
                except TeamError as exc:
                    listener.close()
                    if not was_lost:
                        self.lost.emit(str(exc))
                    was_lost = True
                    self._pause(self.retry_s)
                    continue
                if was_lost and outcome == "timeout":
                    outcome = "reconnected"
                was_lost = False
                if outcome != "timeout":
                    self.heard.emit(outcome)
        finally:
            listener.close()

    def _pause(self, seconds: float) -> None:
        """Sleep, waking at once when asked to stop."""
        for _ in range(max(1, int(seconds * 10))):
            if self.isInterruptionRequested():
                return
            self.msleep(100)

    def stop(self) -> None:
        self.requestInterruption()
        self.wait()


class SyncController(QObject):
    """Owns the status-bar widget, the "Sync Now" action, the timers and the listener."""

    #: A sync finished (a SyncOutcome): tests and the status bar follow it.
    finished = Signal(object)

    def __init__(self, context: AppContext, parent_widget: QWidget, *,
                 poll_ms: int = POLL_MS, debounce_ms: int = DEBOUNCE_MS):
        super().__init__(parent_widget)
        self.context = context
        self.parent_widget = parent_widget
        self.widget = SyncStatusWidget()
        self.widget.clicked.connect(self.show_dialog)
        self.dialog: SyncDialog | None = None
        self.action_sync_now = QAction("S&ync Now", self)
        self.action_sync_now.setObjectName("actionSyncNow")
        self.action_sync_now.setStatusTip("Send your judgements to the team server and "
                                          "fetch what you may see")
        self.action_sync_now.triggered.connect(self.sync_now)
        self.action_sync_now.setEnabled(False)  # until the project is known to be linked
        self.syncing = False
        self.again = False  # a sync was asked for during one
        self.syncs = 0  # finished syncs (tests wait on it)
        self.listener: HintListener | None = None
        self._listening_to: tuple[Path, str, str] | None = None
        self._applying_pull = False
        self._reading = self._read_again = False
        self.stopped = False  # the window closed: a read or sync finishing later is dropped
        self.state = SyncStatus(linked=False)
        self.conflicts: list[tuple[str, str, str]] = []
        self.poll = QTimer(self)
        self.poll.setInterval(poll_ms)
        self.poll.timeout.connect(self.sync_now)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(debounce_ms)
        self.debounce.timeout.connect(self.sync_now)
        context.judgements_changed.connect(self._written)
        context.judged_quietly.connect(self._written)
        context.project_changed.connect(self._project_changed)

    # -- state -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the state again, off the GUI thread (counting the events waiting to be sent
        takes about 0.1 s in a project of 50,000); reads asked for meanwhile are one more."""
        if self._reading:
            self._read_again = True
            return
        self._reading, self._read_again = True, False
        path = self.context.project.path

        def work(_report: object) -> tuple[Path, SyncStatus, list[tuple[str, str, str]]]:
            with project_service.open_for_reading(path) as project:
                return path, team_service.status(project), team_local.conflicts(project)

        def failed(exc: BaseException, tb: str) -> None:
            log.error("could not read the team sync state:\n%s", tb)
            self._read_done()

        self.context.tasks.run(work, self._state_read, failed)

    def _gone(self) -> bool:
        """The window closed (or its widgets were deleted) while a task was running."""
        return self.stopped or not shiboken6.isValid(self.widget)

    def _state_read(self, result: tuple[Path, SyncStatus, list[tuple[str, str, str]]]) -> None:
        if self._gone():
            return
        path, status, conflicts = result
        if path == self.context.project.path:
            self.show_state(status, conflicts)
        self._read_done()

    def _read_done(self) -> None:
        self._reading = False
        if self._read_again:
            self.refresh()

    def show_state(self, status: SyncStatus,
                   conflicts: list[tuple[str, str, str]] | None = None) -> None:
        self.state = status
        if conflicts is not None:
            self.conflicts = conflicts
        self.widget.show_status(status, syncing=self.syncing)
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.show_state(status, self.conflicts, syncing=self.syncing)
        self.action_sync_now.setEnabled(status.linked)

    def start(self) -> None:
        """At open: show the state, sync, listen and poll (when the project is linked)."""
        self._project_changed()

    def _project_changed(self) -> None:
        """Opened, re-read or switched: restart the listener only when the link changed."""
        link = team_local.get_link(self.context.project)
        self.refresh()
        target = None if link is None else (self.context.project.path, link.server_url,
                                            link.project_uuid)
        if target == self._listening_to:
            return
        self._stop_listener()
        self._listening_to = target
        if link is None:
            self.poll.stop()
            return
        self.poll.start()
        self.listener = HintListener(link, self)
        self.listener.heard.connect(self._heard)
        self.listener.lost.connect(self._listener_lost)
        self.listener.start()
        self.sync_now()

    def _written(self) -> None:
        """A judgement was recorded here: sync once the writing pauses."""
        if self._applying_pull:
            return  # our own refresh after a pull, not a write
        if team_local.get_link(self.context.project) is not None:
            self.debounce.start()
        self.refresh()

    def _heard(self, outcome: str) -> None:
        log.info("team server: %s; syncing", outcome)
        self.sync_now()

    def _listener_lost(self, message: str) -> None:
        """The server went away: a sync now records it, so the state says offline."""
        log.info("team server hints unavailable: %s", message)
        self.sync_now()

    # -- syncing ---------------------------------------------------------------------------
    def sync_now(self) -> None:
        """Sync in the background (one at a time: asked during one, another follows)."""
        if self.syncing:
            self.again = True
            return
        if team_local.get_link(self.context.project) is None:
            self.refresh()
            return
        self.debounce.stop()
        self.syncing, self.again = True, False
        self.show_state(self.state)
        path = self.context.project.path

        def work(progress: Callable[[int], None]) -> SyncOutcome:
            # Its own connection: the GUI's lives on the GUI thread.
            with open_project(path, create=False) as project:
                try:
                    report, error = team_service.sync(
                        project, progress=lambda r: progress(r.pulled + r.caught_up)), None
                except TeamError as exc:  # recorded in the project by the service
                    report, error = None, exc
                return SyncOutcome(path, report, error, team_service.status(project))

        def failed(exc: BaseException, tb: str) -> None:
            log.error("team sync failed:\n%s", tb)
            self.syncing = False
            self.context.show_status(f"Team sync failed: {exc}", 15000)
            self.refresh()

        self.context.tasks.run(work, self._synced, failed, self._received)

    def _received(self, count: int) -> None:
        """A pulled page was applied (a first sync of 50,000 events is 25 pages)."""
        if self.syncing and not self._gone():
            self.widget.setText(f"Syncing… {count} received")

    def _synced(self, outcome: SyncOutcome) -> None:
        self.syncing = False
        if self._gone():
            return
        self.syncs += 1
        if outcome.path != self.context.project.path:
            self.refresh()  # another project was opened meanwhile
            return
        self.show_state(outcome.status)
        report = outcome.report
        if report is not None and (report.pulled or report.caught_up or report.restored):
            self._applying_pull = True
            try:
                self.context.judgement_recorded(
                    f"Team sync: {report.pulled + report.caught_up} judgement(s) received.")
            finally:
                self._applying_pull = False
        if outcome.error is not None:
            self.context.show_status(f"Team sync: {outcome.error}", 15000)
        elif report is not None and report.problems:
            self.context.show_status("Team sync: " + " ".join(report.problems), 15000)
        self.refresh()
        self.finished.emit(outcome)
        if self.again:
            self.sync_now()

    # -- the dialog ------------------------------------------------------------------------
    def show_dialog(self) -> SyncDialog:
        if self.dialog is None:
            self.dialog = SyncDialog(self.parent_widget)
            self.dialog.sync_requested.connect(self.sync_now)
        if self.dialog.isVisible():
            self.dialog.raise_()  # one already open comes to the front
        self.dialog.show()
        self.dialog.activateWindow()
        self.dialog.show_state(self.state, self.conflicts, syncing=self.syncing)
        self.refresh()
        return self.dialog

    # -- closing ---------------------------------------------------------------------------
    def _stop_listener(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener.deleteLater()
            self.listener = None

    def stop(self) -> None:
        """The window closes: no more timers, the listener thread joined."""
        self.stopped = True
        self.poll.stop()
        self.debounce.stop()
        self._stop_listener()
        self._listening_to = None
