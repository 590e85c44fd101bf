"""Classify a claim and set its scope: the kind of question it asks and its population,
intervention (route and dose), comparator, outcome and time frame.

Saving calls :func:`evidence_tracker.services.claims.update_claim` (a ``claim`` event
keeps every version); what it refuses is shown in the dialog and nothing is saved.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import KIND_LABELS, Claim, ClaimsError, Pico
from evidence_tracker.services import claims as claims_service
from evidence_tracker.store import Project
from evidence_tracker.ui.context import ReviewerSession
from evidence_tracker.ui.theme import Tone, style_text

#: The scope fields in the order a reviewer reads a claim, with their labels and hints.
SCOPE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("population", "&Population:", "Who: condition, age, refractory or not…"),
    ("intervention", "&Intervention:", "Ketamine with route and dose (IV 0.35 mg/kg/h…)"),
    ("comparator", "C&omparator:", "Placebo, opioids, usual care… (empty: none stated)"),
    ("outcome", "O&utcome:", "Pain intensity, function, adverse events…"),
    ("timepoint", "&Time frame:", "As the claim states it: within 40 minutes, weeks to "
     "months… (empty: none stated)"),
)


class ClaimEditDialog(QDialog):
    """Edit one claim's kind and scope as ``reviewer``."""

    def __init__(self, project: Project, claim: Claim, reviewer: ReviewerSession,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("claimEditDialog")
        self.setWindowTitle(f"Edit Claim {claim.code}")
        self.resize(640, 360)
        self.project = project
        self.claim = claim
        self.reviewer = reviewer
        self.saved: Claim | None = None

        text = QLabel(f"{claim.code}: {claim.text}")
        text.setObjectName("claimEditText")
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        font = text.font()
        font.setBold(True)
        text.setFont(font)
        self.kind = QComboBox()
        self.kind.setObjectName("claimKind")
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind.value)
        self.kind.setCurrentIndex(self.kind.findData(claim.question_kind.value))
        self.kind_note = QLabel("" if claim.kind else
                                "Not classified yet: the kind shown follows the category.")
        self.kind_note.setObjectName("claimKindNote")
        style_text(self.kind_note, Tone.CAUTION)
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        kind_label = QLabel("&Kind:")
        kind_label.setBuddy(self.kind)
        form.addRow(kind_label, self.kind)
        form.addRow("", self.kind_note)
        values = claim.pico.as_dict()
        for name, label_text, hint in SCOPE_FIELDS:
            edit = QLineEdit(values[name])
            edit.setObjectName(f"scope_{name}")
            edit.setPlaceholderText(hint)
            edit.setCursorPosition(0)
            buddy = QLabel(label_text)
            buddy.setBuddy(edit)
            form.addRow(buddy, edit)
            self.fields[name] = edit
        self.error = QLabel()
        self.error.setObjectName("claimEditError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        style_text(self.error, Tone.BAD, bold=True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("&Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("claimEditSave")
        self.save_button.setShortcut(QKeySequence("Ctrl+Return"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.kind.setFocus()

    def scope(self) -> Pico:
        return Pico(**{name: edit.text().strip() for name, edit in self.fields.items()})

    def accept(self) -> None:
        reviewer = self.reviewer.require(self)
        if reviewer is None:
            self.error.setText("A reviewer name is needed: every edit records who made it.")
            self.error.show()
            return
        try:
            self.saved = claims_service.update_claim(
                self.project, self.claim.id, reviewer=reviewer,
                kind=str(self.kind.currentData()), pico=self.scope())
        except ClaimsError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()
