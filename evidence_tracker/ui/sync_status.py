"""The team sync state in the status bar, and the dialog behind it.

The status-bar button reads "Synced 14:02 · 3 pending", "Offline · 3 pending", "Sync
refused" and so on, with the server, login and last error in its tooltip. A click opens
:class:`SyncDialog`: every conflict and refusal the project keeps (shown, never dropped) and
a "Sync now" button. Both only show what the sync controller hands them.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.services.team import SyncStatus


def local_time(stamp: str | None) -> str:
    """A stored UTC time as this computer's local HH:MM (the date too when not today).

    >>> local_time(None)
    'never'
    >>> local_time("not a time")
    'not a time'
    """
    if not stamp:
        return "never"
    try:
        when = datetime.fromisoformat(stamp).astimezone()
    except ValueError:
        return stamp
    if when.date() == datetime.now().astimezone().date():
        return when.strftime("%H:%M")
    return when.strftime("%Y-%m-%d %H:%M")


def status_text(status: SyncStatus, *, syncing: bool = False) -> str:
    """The one line the status bar shows.

    >>> status_text(SyncStatus(linked=False))
    'Team: not linked'
    >>> status_text(SyncStatus(linked=True, pending_events=3, offline=True,
    ...                        last_error="offline: no route"))
    'Offline · never synced · 3 pending'
    >>> status_text(SyncStatus(linked=True, last_error="ana is not an active member"))
    'Sync refused · never synced'
    >>> status_text(SyncStatus(linked=True, pending_events=1), syncing=True)
    'Syncing… · never synced · 1 pending'
    """
    if not status.linked:
        return "Team: not linked"
    synced = local_time(status.last_sync_at)
    parts = [f"Synced {synced}" if status.last_sync_at else "never synced"]
    if syncing:
        parts.insert(0, "Syncing…")
    elif status.offline:
        parts.insert(0, "Offline")
    elif status.last_error:
        parts.insert(0, "Sync refused")
    if status.pending_events:
        parts.append(f"{status.pending_events} pending")
    if status.conflicts:
        parts.append(f"{status.conflicts} conflict(s)")
    return " · ".join(parts)


def status_tooltip(status: SyncStatus) -> str:
    if not status.linked:
        return ("This project is not linked to a team server "
                "(evidence-tracker team join URL --project NAME).")
    lines = [f"Server: {status.server_url}", f"Login: {status.login}",
             f"Last sync: {local_time(status.last_sync_at)}",
             f"Last attempt: {local_time(status.last_attempt_at)}",
             f"Events waiting to be sent: {status.pending_events}"]
    if status.clock_skew_seconds is not None and abs(status.clock_skew_seconds) >= 60:
        lines.append(f"Clock difference with the server: {status.clock_skew_seconds:+.0f} s")
    if status.last_error:
        lines.append(f"Last error: {status.last_error}")
    if status.conflicts:
        lines.append(f"{status.conflicts} conflict(s) or refusal(s): click to see them")
    else:
        lines.append("Click for details and Sync now")
    return "\n".join(lines)


class SyncStatusWidget(QToolButton):
    """The status-bar button; ``clicked`` opens the details (the controller connects it)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.status = SyncStatus(linked=False)
        self.syncing = False
        self.show_status(self.status)

    def show_status(self, status: SyncStatus, *, syncing: bool = False) -> None:
        self.status, self.syncing = status, syncing
        self.setText(status_text(status, syncing=syncing))
        self.setToolTip(status_tooltip(status))
        # Trouble is coloured: offline amber, refused or conflicts red.
        colour = ("#b00020" if status.linked and (status.conflicts or (
            status.last_error and not status.offline))
                  else "#8a5a00" if status.offline else "")
        self.setStyleSheet(f"color: {colour};" if colour else "")


class SyncDialog(QDialog):
    """The sync state in full, every conflict and refusal kept, and "Sync now"."""

    sync_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("syncDialog")
        self.setWindowTitle("Team sync")
        self.resize(720, 420)
        self.summary = QLabel()
        self.summary.setObjectName("syncSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("syncConflicts")
        self.table.setHorizontalHeaderLabels(["Found", "Kind", "Detail"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("No conflicts or refusals.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.sync_button = QPushButton("&Sync now")
        self.sync_button.setObjectName("syncNow")
        buttons.addButton(self.sync_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.sync_button.clicked.connect(self.sync_requested)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Conflicts and refusals (kept in the project; nothing pending "
                                "is dropped: refused events wait to be sent):"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)

    def show_state(self, status: SyncStatus, conflicts: list[tuple[str, str, str]], *,
                   syncing: bool = False) -> None:
        self.summary.setText(
            f"<b>{escape(status_text(status, syncing=syncing))}</b><br>"
            + escape(status_tooltip(status)).replace("\n", "<br>"))
        self.sync_button.setEnabled(status.linked and not syncing)
        self.table.setRowCount(len(conflicts))
        for row, (found, kind, detail) in enumerate(reversed(conflicts)):  # newest first
            for col, text in enumerate((local_time(found), kind, detail)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.table.setVisible(bool(conflicts))
        self.empty.setVisible(not conflicts)
