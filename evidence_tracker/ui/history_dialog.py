"""The history of a study or claim: every judgement, who made it, when, before and after."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.review import KIND_LABELS
from evidence_tracker.services import review


class HistoryDialog(QDialog):
    """Every event about a study or claim: when, who, what, before → after."""

    def __init__(self, title: str, view: review.HistoryView, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("historyDialog")
        self.resize(900, 420)
        self.table = QTableWidget(len(view.entries), 6)
        self.table.setObjectName("historyTable")
        self.table.setHorizontalHeaderLabels(["When (UTC)", "Reviewer", "Judgement", "Before",
                                              "After", "Note"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        for row, e in enumerate(view.entries):
            kind = KIND_LABELS.get(e.kind, e.kind)
            if e.reverts:
                kind += f" (reverts #{e.reverts})"
            cells = [e.occurred_at.replace("T", " ").rstrip("Z"), e.reviewer or "—", kind,
                     e.before, e.after, e.note]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        footer = f"{len(view.entries)} events."
        if view.hidden:
            footer += (f" {view.hidden} judgement(s) of other reviewers are hidden until you "
                       "have judged too (blind mode).")
        self.footer = QLabel(escape(footer))
        layout.addWidget(self.footer)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
