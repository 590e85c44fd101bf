"""Add a condition with its PubMed query."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.services import conditions as condition_service
from evidence_tracker.store import Project, StoreError
from evidence_tracker.store import conditions as condition_store

KETAMINE_BLOCK = (
    '("Ketamine"[mh] OR ketamine[tiab] OR esketamine[tiab] OR "S-ketamine"[tiab] OR '
    'arketamine[tiab] OR "R-ketamine"[tiab])'
)


class NewConditionDialog(QDialog):
    def __init__(self, project: Project, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = project
        self.added_slug = ""
        self.setWindowTitle("New Condition")
        self.setMinimumWidth(560)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Trigeminal neuralgia")
        self.parent_condition = QComboBox()
        self.parent_condition.addItem("(none)", "")
        for c in condition_store.list_conditions(project):
            if not c.parent_slug:
                self.parent_condition.addItem(c.name, c.slug)
        self.query = QPlainTextEdit(f"{KETAMINE_BLOCK} AND ()")
        self.query.setTabChangesFocus(True)
        self.query.setFixedHeight(110)
        hint = QLabel("Combine the ketamine block with MeSH ([mh]) and title/abstract "
                      "([tiab]) terms for the condition.")
        hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Under:", self.parent_condition)
        form.addRow("PubMed &query:", self.query)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            self.added_slug = condition_service.add_condition(
                self.project, self.name.text(), self.query.toPlainText(),
                parent=self.parent_condition.currentData() or None,
            )
        except StoreError as exc:
            QMessageBox.warning(self, "New Condition", str(exc))
            return
        super().accept()
