"""File → Export Studies…, Export ClaimReview JSON-LD…, Audit Report….

Writing files runs on the task runner with a connection of its own; the dialogs only
collect choices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QMessageBox,
    QWidget,
)

from evidence_tracker.formats.citations import CitationStyle
from evidence_tracker.services import claimreview
from evidence_tracker.services import export as export_service
from evidence_tracker.services import report as report_service
from evidence_tracker.services.export import ExportFormat
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store import open_project
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.studies import StudyFilter
from evidence_tracker.ui.context import AppContext


class ChoiceDialog(QDialog):
    """A small form of combo boxes (export scope and format, report scope and style).

    The choices are kept as Python objects beside the combo boxes: Qt turns a ``StrEnum``
    stored as item data back into a plain ``str`` (which has no ``.extension``), and tuples
    into lists."""

    def __init__(self, title: str, fields: Sequence[tuple[str, str, Sequence[tuple[str, Any]]]],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.combos: dict[str, QComboBox] = {}
        self._choices: dict[str, list[Any]] = {}
        form = QFormLayout(self)
        for key, label, options in fields:
            combo = QComboBox()
            combo.setObjectName(f"{key}Choice")
            for text, _data in options:
                combo.addItem(text)
            self.combos[key] = combo
            self._choices[key] = [data for _text, data in options]
            form.addRow(label, combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def value(self, key: str) -> Any:
        """The object behind the chosen item (as given, never converted by Qt)."""
        index = self.combos[key].currentIndex()
        return self._choices[key][index] if index >= 0 else None


class ExportActions(QObject):
    """The export, ClaimReview and report actions and the work behind them; one per main
    window. ``shown_filter`` gives the filter of the studies the table shows."""

    def __init__(self, context: AppContext, shown_filter: Callable[[], StudyFilter],
                 parent: QWidget):
        super().__init__(parent)
        self.setObjectName("exportActions")
        self.context = context
        self.shown_filter = shown_filter
        self.parent_widget = parent
        self.last_message = ""
        #: Opens a written report with the desktop's viewer; False when none would (a
        #: hook: tests put a fake here instead of starting a real viewer).
        self.open_file: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self.open_failed_box: QMessageBox | None = None
        self.action_export = self._action("&Export Studies…", self.export_dialog,
                                          "Write studies as RIS, BibTeX, CSL-JSON, NBIB, CSV "
                                          "or Excel")
        self.action_report = self._action("Audit Re&port…", self.report_dialog,
                                          "The audit report as HTML or PDF")
        self.action_claimreview = self._action("Export &ClaimReview JSON-LD…",
                                               self.claimreview_dialog,
                                               "Confirmed verdicts as schema.org ClaimReview")

    def _action(self, text: str, slot: Callable[[], object], tip: str = "") -> QAction:
        action = QAction(text, self.parent_widget)
        action.triggered.connect(lambda _checked=False: slot())
        if tip:
            action.setStatusTip(tip)
        return action

    def _background(self, work: Callable[[Any], Any], done: Callable[[Any], None],
                    title: str) -> None:
        self.context.run_task(work, done, title, self.parent_widget)

    def _say(self, text: str) -> None:
        self.last_message = text
        self.context.show_status(text, 15000)

    # -- export ----------------------------------------------------------------------------
    def export_scopes(self) -> list[tuple[str, Any]]:
        selected = list(self.context.selected_study_ids)
        scopes: list[tuple[str, Any]] = []
        if selected:
            scopes.append((f"Selected studies ({len(selected)})", ("ids", selected)))
        # The count labels the choice; the ids are read only when the export runs, off the
        # GUI thread (100,000 of them took ~0.5 s to read as the dialog opened).
        shown = self.shown_filter()
        count = study_store.count_studies(self.context.project, shown)
        scopes.append((f"Studies shown in the table ({count})", ("filter", shown)))
        scopes.append(("All studies", ("all", None)))
        for claim in claim_store.list_claims(self.context.project):
            scopes.append((f"Studies linked to {claim.code}: {claim.text[:60]}",
                           ("claim", claim.code)))
        return scopes

    def export_dialog(self) -> None:
        dialog = ChoiceDialog("Export Studies", [
            ("scope", "Studies:", self.export_scopes()),
            ("format", "Format:", [(f"{f.label} ({f.extension})", f) for f in ExportFormat]),
        ], self.parent_widget)
        if not dialog.exec():
            return
        fmt: ExportFormat = dialog.value("format")
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget, "Export Studies", str(Path.home() / f"studies{fmt.extension}"),
            f"{fmt.label} (*{fmt.extension})")
        if path:
            self.export_to(Path(path), fmt, dialog.value("scope"))

    def export_to(self, path: Path, fmt: ExportFormat, scope: tuple[str, Any]) -> None:
        """Export in the background. ``scope``: ("ids", study ids), ("filter", a
        StudyFilter: the studies it matches, in its order), ("claim", code) or ("all",
        None)."""
        kind, value = scope
        db_path = self.context.project.path
        viewer = self.context.reviewer.name  # blind mode: only what this reviewer may see

        def work(_report: object) -> export_service.ExportResult:
            with open_project(db_path) as project:
                ids = study_store.query_study_ids(project, value) if kind == "filter" else \
                    value if kind == "ids" else None
                return export_service.export_studies(
                    project, fmt, path, study_ids=ids,
                    claims=[value] if kind == "claim" else (), viewer=viewer)

        self._background(work, lambda r: self._say(
            f"Exported {r.studies} studies to {r.path}"), "Export")

    def claimreview_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget, "Export ClaimReview", str(Path.home() / "claimreview.jsonld"),
            "JSON-LD (*.jsonld *.json)")
        if path:
            db_path = self.context.project.path
            viewer = self.context.reviewer.name  # blind mode: only verdicts they may see

            def work(_report: object) -> int:
                with open_project(db_path) as project:
                    return claimreview.write_claim_reviews(project, path, viewer=viewer)

            self._background(work, lambda n: self._say(
                f"Wrote {n} ClaimReview(s) of confirmed verdicts to {path}"), "ClaimReview")

    # -- report ----------------------------------------------------------------------------
    def report_scopes(self) -> list[tuple[str, Any]]:
        scopes: list[tuple[str, Any]] = [("All clinics", None)]
        for page in claim_store.list_pages(self.context.project):
            if not any(s[1] == page["clinic_name"] for s in scopes):
                scopes.append((page["clinic_name"], page["clinic_name"]))
            scopes.append((f"    {page['title']}", page["slug"]))
        return scopes

    def report_dialog(self) -> None:
        dialog = ChoiceDialog("Audit Report", [
            ("scope", "Claims of:", self.report_scopes()),
            ("style", "Citations:", [(s.label, s) for s in CitationStyle]),
            ("format", "Format:", [("PDF", ".pdf"), ("HTML", ".html")]),
        ], self.parent_widget)
        if not dialog.exec():
            return
        suffix = dialog.value("format")
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget, "Audit Report", str(Path.home() / f"audit-report{suffix}"),
            f"{suffix[1:].upper()} (*{suffix})")
        if path:
            self.write_report(Path(path), dialog.value("scope"), dialog.value("style"))

    def write_report(self, path: Path, clinic: str | None, style: CitationStyle,
                     *, open_when_done: bool = True) -> None:
        db_path = self.context.project.path
        viewer = self.context.reviewer.name  # blind mode: only what this reviewer may see

        def work(_report: object) -> str:
            with open_project(db_path) as project:
                report = report_service.write_report(project, path, clinic=clinic,
                                                     style=style, viewer=viewer)
            return report.scope

        def done(scope: str) -> None:
            self._say(f"Wrote the audit report ({scope}) to {path}")
            if open_when_done and not self.open_file(QUrl.fromLocalFile(str(path))):
                self.report_not_opened(path)

        self._background(work, done, "Audit Report")

    def report_not_opened(self, path: Path) -> None:
        """Say that no viewer opened the report, and where it is (the file is written)."""
        self._say(f"Wrote the audit report to {path}, but no application opened it")
        box = QMessageBox(QMessageBox.Icon.Warning, "Audit Report",
                          f"The report was written to\n{path}\nbut no application on this "
                          "computer opened it. Open the file from your file manager or "
                          "browser.", QMessageBox.StandardButton.Ok, self.parent_widget)
        box.setObjectName("reportNotOpened")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()  # window-modal, no nested event loop
        self.open_failed_box = box
