"""Edit → Copy Citation (AMA / Vancouver): the claim's citations in the claims view, else the
selected studies', to the clipboard as plain text and HTML."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtCore import QMimeData, QObject
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.formats.citations import CitationStyle
from evidence_tracker.services import citations as citation_service
from evidence_tracker.store import StoreError
from evidence_tracker.ui.context import AppContext

log = logging.getLogger(__name__)

COPY_SHORTCUT = "Ctrl+Shift+C"
#: Used instead when another action of the window already has COPY_SHORTCUT.
COPY_FALLBACK = "Ctrl+Alt+C"


class CitationActions(QObject):
    """The two Copy Citation actions and the work behind them; one per main window."""

    def __init__(self, context: AppContext, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("citationActions")
        self.context = context
        self.parent_widget = parent
        self.last_message = ""
        self.action_copy_ama = QAction("Copy Citation (&AMA)", parent)
        self.action_copy_ama.triggered.connect(
            lambda _checked=False: self.copy_citations(CitationStyle.AMA))
        self.action_copy_vancouver = QAction("Copy Citation (&Vancouver)", parent)
        self.action_copy_vancouver.triggered.connect(
            lambda _checked=False: self.copy_citations(CitationStyle.VANCOUVER))
        self.action_copy_vancouver.setShortcut(QKeySequence("Ctrl+Alt+Shift+C"))

    def choose_shortcut(self, taken: Iterable[QKeySequence]) -> None:
        """Copy Citation (AMA) gets COPY_SHORTCUT unless another action of the window has
        it (``taken``: the window's other shortcuts), then COPY_FALLBACK."""
        if QKeySequence(COPY_SHORTCUT) in list(taken):
            log.warning("%s is taken by another action; Copy Citation uses %s",
                        COPY_SHORTCUT, COPY_FALLBACK)
            self.action_copy_ama.setShortcut(QKeySequence(COPY_FALLBACK))
        else:
            self.action_copy_ama.setShortcut(QKeySequence(COPY_SHORTCUT))

    def current_claim_id(self) -> int | None:
        """The claim on the claim page, when the window shows the claims."""
        return self.context.claim_id if self.context.claims_shown else None

    def _say(self, text: str) -> None:
        self.last_message = text
        self.context.show_status(text, 15000)

    def copy_citations(self, style: CitationStyle) -> str:
        """Copy the claim's citations (claims view) or the selected studies' to the
        clipboard, as plain text and HTML; returns the text."""
        project = self.context.project
        claim_id = self.current_claim_id()
        try:
            if claim_id is not None:
                cited = citation_service.cite_claim(project, claim_id, style,
                                                    self.context.reviewer.name)
            else:
                ids = self.context.selected_study_ids
                if not ids:
                    self._say("Select one or more studies to copy their citations.")
                    return ""
                cited = citation_service.cite_studies(project, ids, style)
        except (ClaimsError, StoreError) as exc:
            QMessageBox.warning(self.parent_widget, "Copy Citation", str(exc))
            return ""
        if not cited.entries and not cited.statement:
            self._say("No study is linked to this claim yet.")
            return ""
        plain = cited.text() if (len(cited.entries) > 1 or cited.statement) else \
            cited.entries[0] + "\n"
        mime = QMimeData()
        mime.setText(plain)
        mime.setHtml(cited.html())
        QGuiApplication.clipboard().setMimeData(mime)
        n = len(cited.entries)
        self._say(f"Copied {n} {style.label} citation{'' if n == 1 else 's'}"
                  + (" with the certainty statement" if cited.statement else ""))
        return plain
