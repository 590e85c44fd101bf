"""Preferences: reviewer name, NCBI contact email, the NCBI API key (keyring only), and
the appearance (light, dark or as the system; kept in QSettings).

The dialog edits the application's settings object in place and saves it; nothing is
re-read from disk. The caller announces a new reviewer (blind review depends on it).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.services import settings as settings_service
from evidence_tracker.services.settings import ApiKey, Settings
from evidence_tracker.ui.theme import (
    ThemeChoice,
    apply_theme,
    save_choice,
    saved_choice,
    style_text,
)


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, api_key: ApiKey, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setMinimumWidth(460)
        self.settings = current = settings
        self._api_key = api_key
        self._stored_key = api_key.value

        self.reviewer = QLineEdit(current.reviewer_name)
        self.reviewer.setPlaceholderText("Your name, as it appears in the audit trail")
        self.email = QLineEdit(current.ncbi_email)
        self.email.setPlaceholderText("you@example.org (NCBI asks for a contact address)")
        self.api_key = QLineEdit(self._stored_key)
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("optional: raises the limit from 3 to 10 requests/s")

        form = QFormLayout()
        form.addRow("&Reviewer name:", self.reviewer)
        form.addRow("NCBI &email:", self.email)
        form.addRow("NCBI &API key:", self.api_key)
        self.theme = QComboBox()
        self.theme.setObjectName("themeChoice")
        for choice in ThemeChoice:
            self.theme.addItem(choice.label, choice.value)
        self.theme.setCurrentIndex(self.theme.findData(saved_choice().value))
        form.addRow("&Theme:", self.theme)
        hint = QLabel(
            "The API key is kept in the system keyring, never in settings files or logs. "
            "Get one from your NCBI account settings."
        )
        hint.setWordWrap(True)
        style_text(hint)
        if not settings_service.keyring_available():
            self.api_key.setEnabled(False)
            self.api_key.setPlaceholderText("no system keyring here: set NCBI_API_KEY instead")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def accept(self) -> None:
        email = self.email.text().strip()
        if email and "@" not in email:
            QMessageBox.warning(self, "Preferences", f"“{email}” is not an email address.")
            self.email.setFocus()
            return
        self.settings.reviewer_name = self.reviewer.text().strip()
        self.settings.ncbi_email = email
        settings_service.save_settings(self.settings)
        choice = ThemeChoice(self.theme.currentData())
        if choice is not saved_choice():
            save_choice(choice)
            apply_theme(choice)
        key = self.api_key.text().strip()
        if key != self._stored_key:
            try:
                self._api_key.store(key)
            except settings_service.SecretStoreUnavailable as exc:
                QMessageBox.warning(self, "API key not saved", str(exc))
                return
        super().accept()
