"""Add a claim, or edit one: its text, category, the kind of question it asks and its
scope (population, intervention with route and dose, comparator, outcome, time frame).

Saving calls :func:`evidence_tracker.services.claims.add_claim` or
:func:`~evidence_tracker.services.claims.update_claim` (a ``claim`` event keeps every
version); what they refuse is shown in the dialog and nothing is saved.
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
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import (
    CATEGORY_LABELS,
    KIND_LABELS,
    Claim,
    ClaimsError,
    Pico,
)
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
    """Edit one claim as ``reviewer``; with ``claim`` None, add a new one."""

    def __init__(self, project: Project, claim: Claim | None, reviewer: ReviewerSession,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("claimEditDialog")
        self.setWindowTitle(f"Edit Claim {claim.code}" if claim else "New Claim")
        self.resize(640, 440)
        self.project = project
        self.claim = claim
        self.reviewer = reviewer
        self.saved: Claim | None = None

        heading = QLabel(f"{claim.code}: as the register states it (the clinics' quotes stay "
                         "as they were)" if claim else
                         "A claim in testable words. Its sources (quotes from clinic pages) "
                         "are added with Extract from Page.")
        heading.setObjectName("claimEditHeading")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        self.text = QPlainTextEdit(claim.text if claim else "")
        self.text.setObjectName("claimText")
        self.text.setTabChangesFocus(True)  # Tab leaves the box: the form stays keyboard-only
        self.text.setPlaceholderText("IV ketamine reduces pain in CRPS for up to 12 weeks")
        self.text.setFixedHeight(70)
        self.category = QComboBox()
        self.category.setObjectName("claimCategory")
        if claim is None:
            self.category.addItem("(proposed from the text)", "")
        for category, label in CATEGORY_LABELS.items():
            self.category.addItem(label, category.value)
        if claim is not None:
            found = self.category.findData(claim.category)
            if found < 0:  # a category this version does not know: kept as it is
                self.category.addItem(claim.category, claim.category)
                found = self.category.count() - 1
            self.category.setCurrentIndex(found)
        self.kind = QComboBox()
        self.kind.setObjectName("claimKind")
        if claim is None:
            self.kind.addItem("(proposed from the text)", "")
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind.value)
        if claim is not None:
            self.kind.setCurrentIndex(self.kind.findData(claim.question_kind.value))
        self.kind_note = QLabel("" if claim is None or claim.kind else
                                "Not classified yet: the kind shown follows the category.")
        self.kind_note.setObjectName("claimKindNote")
        style_text(self.kind_note, Tone.CAUTION)
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("Te&xt:", self.text)
        form.addRow("Cate&gory:", self.category)
        kind_label = QLabel("&Kind:")
        kind_label.setBuddy(self.kind)
        form.addRow(kind_label, self.kind)
        form.addRow("", self.kind_note)
        values = claim.pico.as_dict() if claim else Pico(intervention="Ketamine").as_dict()
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
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.text.setFocus()

    def scope(self) -> Pico:
        return Pico(**{name: edit.text().strip() for name, edit in self.fields.items()})

    def accept(self) -> None:
        reviewer = self.reviewer.require(self)
        if reviewer is None:
            self.error.setText("A reviewer name is needed: every edit records who made it.")
            self.error.show()
            return
        text = self.text.toPlainText()
        category = str(self.category.currentData() or "") or None
        kind = str(self.kind.currentData() or "") or None
        try:
            if self.claim is None:
                self.saved = claims_service.add_claim(
                    self.project, text, reviewer=reviewer, category=category, kind=kind,
                    pico=self.scope())
            else:
                self.saved = claims_service.update_claim(
                    self.project, self.claim.id, reviewer=reviewer, text=text,
                    category=category, kind=kind, pico=self.scope())
        except ClaimsError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()
