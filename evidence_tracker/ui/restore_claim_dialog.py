"""Claims ▸ Restore Deleted Claim…: the deleted claims, newest deletion first, with who
deleted them, when and why; restoring one calls
:func:`evidence_tracker.services.claims.restore_claim` (a ``claim`` event), which brings
back its links, GRADE and verdict as they were. What the service refuses is shown in the
dialog and nothing is changed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import Claim, ClaimsError, DeletedClaim
from evidence_tracker.services import claims as claims_service
from evidence_tracker.store import Project
from evidence_tracker.ui.context import ReviewerSession
from evidence_tracker.ui.theme import Tone, style_text

_ID_ROLE = Qt.ItemDataRole.UserRole


class RestoreClaimDialog(QDialog):
    """Choose a deleted claim and restore it as ``reviewer``; ``restored`` carries it."""

    restored = Signal(object)  # the restored Claim

    def __init__(self, project: Project, reviewer: ReviewerSession,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("restoreClaimDialog")
        self.setWindowTitle("Restore Deleted Claim")
        self.resize(760, 380)
        self.project = project
        self.reviewer = reviewer
        self.saved: Claim | None = None
        deleted = claims_service.deleted_claims(project)

        heading = QLabel(
            "A restored claim comes back with its links, GRADE and verdict as they were; "
            "the audit trail records who restored it." if deleted else
            "No claim has been deleted in this project.")
        heading.setObjectName("restoreHeading")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        self.list = QTreeWidget()
        self.list.setObjectName("deletedClaims")
        self.list.setHeaderLabels(["Claim", "Text", "Deleted (UTC)", "By"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.list.header()
        header.setStretchLastSection(False)
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._deleted = {d.claim.id: d for d in deleted}
        for d in deleted:
            item = QTreeWidgetItem([d.claim.code or f"#{d.claim.id}", d.claim.text,
                                    d.deleted_at.replace("T", " ")[:16], d.deleted_by or "?"])
            item.setData(0, _ID_ROLE, d.claim.id)
            item.setToolTip(1, d.claim.text)
            self.list.addTopLevelItem(item)
        # The whole text, why it was deleted and what comes back: the row has no room.
        self.details = QLabel()
        self.details.setObjectName("restoreDetails")
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.list.setEnabled(bool(deleted))
        heading.setBuddy(self.list)
        self.reason = QLineEdit()
        self.reason.setObjectName("restoreReason")
        self.reason.setPlaceholderText("Why it comes back (kept in the audit trail; optional)")
        reason_label = QLabel("&Why:")
        reason_label.setBuddy(self.reason)
        self.error = QLabel()
        self.error.setObjectName("restoreError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        style_text(self.error, Tone.BAD, bold=True)
        self.error.hide()
        # Made in the dialog: setDefault only holds for a button inside a QDialog.
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.restore_button = buttons.addButton("&Restore Claim",
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setObjectName("restoreClaimButton")
        self.restore_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemActivated.connect(lambda _item, _column: self.accept())
        self.list.currentItemChanged.connect(lambda *_: self._show_current())

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.details)
        layout.addSpacing(6)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
            self.list.setFocus()
        self._show_current()

    def selected_claim_id(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(0, _ID_ROLE)) if item is not None else None

    def select_claim(self, claim_id: int) -> None:
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item is not None and item.data(0, _ID_ROLE) == claim_id:
                self.list.setCurrentItem(item)

    def _show_current(self) -> None:
        current = self._deleted.get(self.selected_claim_id() or 0)
        self.restore_button.setEnabled(current is not None)
        self.details.setVisible(current is not None)
        if current is not None:
            self.details.setText(restore_summary(current))

    def accept(self) -> None:
        claim_id = self.selected_claim_id()
        if claim_id is None:
            return
        reviewer = self.reviewer.require(self)
        if reviewer is None:
            self.error.setText("A reviewer name is needed: the audit trail records who "
                               "restored the claim.")
            self.error.show()
            return
        try:
            self.saved = claims_service.restore_claim(self.project, claim_id,
                                                      reviewer=reviewer,
                                                      reason=self.reason.text())
        except ClaimsError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.restored.emit(self.saved)
        super().accept()


def restore_summary(d: DeletedClaim) -> str:
    """A deleted claim in words: its text, who deleted it, when and why, what comes back."""
    when = d.deleted_at.replace("T", " ")[:16]
    why = f": {d.reason}" if d.reason else " (no reason given)"
    links = (f"Its {d.links} link{'s' if d.links != 1 else ''} to {d.studies} "
             f"stud{'y' if d.studies == 1 else 'ies'}, its GRADE and its verdict come back "
             "with it." if d.links else "It has no links to studies; its GRADE and verdict "
             "(if any) come back with it.")
    return (f"{d.claim.code or '#' + str(d.claim.id)}: {d.claim.text}\n"
            f"Deleted {when} UTC by {d.deleted_by or 'an unknown reviewer'}{why}\n{links}")
