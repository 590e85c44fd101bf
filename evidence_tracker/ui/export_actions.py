"""File → Import… (with a preview), Export…, Report…, Export ClaimReview…; Edit → Copy
Citation (AMA / Vancouver); drag-and-drop of reference files through the import preview.

``install(window)`` adds all of it to a main window. Reading and writing files runs in the
window's task runner on a connection of its own; the dialogs only collect choices.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.formats.citations import CitationStyle
from evidence_tracker.services import citations as citation_service
from evidence_tracker.services import claimreview
from evidence_tracker.services import export as export_service
from evidence_tracker.services import imports as import_service
from evidence_tracker.services import report as report_service
from evidence_tracker.services.export import ExportFormat
from evidence_tracker.services.imports import ImportPreview
from evidence_tracker.store import StoreError, open_project
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store import studies as study_store

if TYPE_CHECKING:
    from evidence_tracker.ui.main_window import MainWindow

log = logging.getLogger(__name__)

COPY_SHORTCUT = "Ctrl+Shift+C"
#: Used instead when another action of the window already has COPY_SHORTCUT.
COPY_FALLBACK = "Ctrl+Alt+C"
#: Files a drop sends through the import preview.
IMPORT_SUFFIXES = frozenset({".ris", ".bib", ".bibtex", ".json", ".nbib", ".xml", ".txt",
                             ".medline"})
ACTION_LABELS = {"new": "Add", "merge": "Merge", "unchanged": "Already present",
                 "duplicate": "Duplicate in import", "withdrawn": "Deleted by PubMed"}


class ImportPreviewDialog(QDialog):
    """What an import will add and merge, file by file; Import commits it."""

    def __init__(self, previews: Sequence[ImportPreview], errors: Sequence[str],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("importPreview")
        self.setWindowTitle("Import preview")
        self.resize(900, 520)
        self.previews = list(previews)
        layout = QVBoxLayout(self)
        lines = [p.summary() for p in self.previews] + [f"✗ {e}" for e in errors]
        self.summary = QLabel("\n".join(lines) or "Nothing to import.")
        self.summary.setObjectName("importSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("importPlan")
        self.table.setHorizontalHeaderLabels(["File", "Action", "Matched by", "Record",
                                              "Existing study"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        rows = [(Path(p.path).name, r) for p in self.previews for r in p.records]
        self.table.setRowCount(len(rows))
        for n, (name, r) in enumerate(rows):
            existing = f"#{r.study_id} {r.existing_title}" if r.study_id else ""
            for col, value in enumerate((name, ACTION_LABELS.get(r.action, r.action),
                                         r.matched_by.upper() if r.matched_by else "",
                                         f"{r.key} — {r.title}" if r.key != r.title[:60]
                                         else r.title, existing)):
                item = QTableWidgetItem(value)  # plain text: never guessed as rich text
                item.setToolTip(value)
                self.table.setItem(n, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("Import",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("importButton")
        self.import_button.setEnabled(any(p.records for p in self.previews))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class ChoiceDialog(QDialog):
    """A small form of combo boxes (export scope and format, report scope and style)."""

    def __init__(self, title: str, fields: Sequence[tuple[str, str, Sequence[tuple[str, Any]]]],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout(self)
        for key, label, options in fields:
            combo = QComboBox()
            combo.setObjectName(f"{key}Choice")
            for text, data in options:
                combo.addItem(text, data)
            self.combos[key] = combo
            form.addRow(label, combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def value(self, key: str) -> Any:
        return self.combos[key].currentData()


class ExportActions(QObject):
    """The actions and the work behind them; one per main window."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.setObjectName("exportActions")
        self.window = window
        self.preview_dialog: ImportPreviewDialog | None = None
        self.last_message = ""
        self.action_import = self._action("&Import with Preview…", self.import_dialog,
                                          "Import PubMed XML, MEDLINE/NBIB, RIS, BibTeX or "
                                          "CSL-JSON files, after a preview of what merges")
        self.action_export = self._action("&Export Studies…", self.export_dialog,
                                          "Write studies as RIS, BibTeX, CSL-JSON, NBIB, CSV "
                                          "or Excel")
        self.action_report = self._action("Audit &Report…", self.report_dialog,
                                          "The audit report as HTML or PDF")
        self.action_claimreview = self._action("Export &ClaimReview JSON-LD…",
                                               self.claimreview_dialog,
                                               "Confirmed verdicts as schema.org ClaimReview")
        self.action_copy_ama = self._action("Copy Citation (&AMA)",
                                            lambda: self.copy_citations(CitationStyle.AMA))
        self.action_copy_vancouver = self._action(
            "Copy Citation (&Vancouver)", lambda: self.copy_citations(CitationStyle.VANCOUVER))
        self.action_copy_vancouver.setShortcut(QKeySequence("Ctrl+Alt+Shift+C"))

    def _action(self, text: str, slot: Callable[[], object], tip: str = "") -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(lambda _checked=False: slot())
        if tip:
            action.setStatusTip(tip)
        return action

    # -- menus -----------------------------------------------------------------------------
    def install_menus(self) -> None:
        bar = self.window.menuBar()
        menus = {m.title().replace("&", ""): m for a in bar.actions()
                 if isinstance(m := a.menu(), QMenu)}
        file_menu = menus.get("File") or bar.addMenu("&File")
        quit_action = next((a for a in file_menu.actions()
                            if a.text().replace("&", "") == "Quit"), None)
        before = quit_action
        if quit_action is not None:
            before = file_menu.insertSeparator(quit_action)
        for action in (self.action_import, self.action_export, self.action_claimreview,
                       self.action_report):
            if before is not None:
                file_menu.insertAction(before, action)
            else:
                file_menu.addAction(action)
        edit_menu = menus.get("Edit") or bar.addMenu("&Edit")
        first = edit_menu.actions()[0] if edit_menu.actions() else None
        for action in (self.action_copy_ama, self.action_copy_vancouver):
            if first is not None:
                edit_menu.insertAction(first, action)
            else:
                edit_menu.addAction(action)
        if first is not None:
            edit_menu.insertSeparator(first)
        taken = {a.shortcut().toString() for a in self.window.findChildren(QAction)
                 if a is not self.action_copy_ama and not a.shortcut().isEmpty()}
        wanted = QKeySequence(COPY_SHORTCUT).toString()
        if wanted in taken:
            log.warning("%s is taken by another action; Copy Citation uses %s",
                        COPY_SHORTCUT, COPY_FALLBACK)
            self.action_copy_ama.setShortcut(QKeySequence(COPY_FALLBACK))
        else:
            self.action_copy_ama.setShortcut(QKeySequence(COPY_SHORTCUT))

    # -- helpers ---------------------------------------------------------------------------
    def selected_study_ids(self) -> list[int]:
        w = self.window
        rows = sorted(i.row() for i in w.table.selectionModel().selectedRows())
        ids = [w.model.study_id(r) for r in rows]
        return [i for i in ids if i is not None]

    def current_claim_id(self) -> int | None:
        """The claim on the claim page, when the window shows the claims."""
        claims = getattr(self.window, "claims", None)
        if claims is None or not getattr(claims, "active", False):
            return None
        page = getattr(claims, "page", None)
        claim_id = getattr(page, "claim_id", None)
        return claim_id if isinstance(claim_id, int) else None

    def _background(self, work: Callable[[Any], Any], done: Callable[[Any], None],
                    title: str) -> None:
        def failed(exc: BaseException, _tb: str) -> None:
            QMessageBox.warning(self.window, title, str(exc))

        self.window.tasks.run(work, done, failed)

    def _say(self, text: str) -> None:
        self.last_message = text
        self.window.statusBar().showMessage(text, 15000)

    # -- citations -------------------------------------------------------------------------
    def copy_citations(self, style: CitationStyle) -> str:
        """Copy the claim's citations (claims view) or the selected studies' to the
        clipboard, as plain text and HTML; returns the text."""
        project = self.window.project
        claim_id = self.current_claim_id()
        try:
            if claim_id is not None:
                cited = citation_service.cite_claim(project, claim_id, style)
            else:
                ids = self.selected_study_ids()
                if not ids:
                    self._say("Select one or more studies to copy their citations.")
                    return ""
                cited = citation_service.cite_studies(project, ids, style)
        except (ClaimsError, StoreError) as exc:
            QMessageBox.warning(self.window, "Copy Citation", str(exc))
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

    # -- import ----------------------------------------------------------------------------
    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self.window, "Import reference files", str(Path.home()),
            f"Reference files ({import_service.FILE_PATTERNS});;All files (*)")
        if paths:
            self.preview_import([Path(p) for p in paths])

    def preview_import(self, paths: Sequence[Path]) -> None:
        """Preview in the background, then show the dialog; Import commits."""
        db_path = self.window.project.path
        self.window.statusBar().showMessage(f"Reading {len(paths)} file(s)…")

        def work(_report: object) -> tuple[list[ImportPreview], list[str]]:
            previews, errors = [], []
            with open_project(db_path) as project:
                for path in paths:
                    try:
                        previews.append(import_service.preview_file(project, path))
                    except import_service.ImportFailed as exc:
                        errors.append(str(exc))
            return previews, errors

        self._background(work, lambda result: self.show_preview(*result), "Import")

    def show_preview(self, previews: list[ImportPreview], errors: list[str]) -> None:
        dialog = ImportPreviewDialog(previews, errors, self.window)
        self.preview_dialog = dialog
        dialog.accepted.connect(lambda: self.commit_import([Path(p.path) for p in previews]))
        dialog.open()

    def commit_import(self, paths: Sequence[Path]) -> None:
        db_path = self.window.project.path

        def work(_report: object) -> list[str]:
            lines = []
            with open_project(db_path) as project:
                for path in paths:
                    try:
                        s = import_service.import_file(project, path)
                    except import_service.ImportFailed as exc:
                        lines.append(f"✗ {exc}")
                    else:
                        lines.append(f"✓ {path.name}: {s.new} new, {s.updated} merged, "
                                     f"{s.unchanged} already present, {s.duplicates} "
                                     "duplicates"
                                     + (f", {s.withdrawn} deletion notices" if s.withdrawn
                                        else ""))
            return lines

        def done(lines: list[str]) -> None:
            self.window.reload()
            if any(line.startswith("✗") for line in lines):
                QMessageBox.warning(self.window, "Import", "\n\n".join(lines))
            self._say("  ".join(lines))

        self._background(work, done, "Import")

    # -- export ----------------------------------------------------------------------------
    def export_scopes(self) -> list[tuple[str, Any]]:
        selected = self.selected_study_ids()
        scopes: list[tuple[str, Any]] = []
        if selected:
            scopes.append((f"Selected studies ({len(selected)})", ("ids", selected)))
        current = getattr(self.window, "current_filter", None)
        if callable(current):
            shown = study_store.query_study_ids(self.window.project, current())
            scopes.append((f"Studies shown in the table ({len(shown)})", ("ids", shown)))
        scopes.append(("All studies", ("all", None)))
        for claim in claim_store.list_claims(self.window.project):
            scopes.append((f"Studies linked to {claim.code}: {claim.text[:60]}",
                           ("claim", claim.code)))
        return scopes

    def export_dialog(self) -> None:
        dialog = ChoiceDialog("Export Studies", [
            ("scope", "Studies:", self.export_scopes()),
            ("format", "Format:", [(f"{f.label} ({f.extension})", f) for f in ExportFormat]),
        ], self.window)
        if not dialog.exec():
            return
        fmt: ExportFormat = dialog.value("format")
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export Studies", str(Path.home() / f"studies{fmt.extension}"),
            f"{fmt.label} (*{fmt.extension})")
        if path:
            self.export_to(Path(path), fmt, dialog.value("scope"))

    def export_to(self, path: Path, fmt: ExportFormat, scope: tuple[str, Any]) -> None:
        kind, value = scope
        db_path = self.window.project.path

        def work(_report: object) -> export_service.ExportResult:
            with open_project(db_path) as project:
                return export_service.export_studies(
                    project, fmt, path, study_ids=value if kind == "ids" else None,
                    claims=[value] if kind == "claim" else ())

        self._background(work, lambda r: self._say(
            f"Exported {r.studies} studies to {r.path}"), "Export")

    def claimreview_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export ClaimReview", str(Path.home() / "claimreview.jsonld"),
            "JSON-LD (*.jsonld *.json)")
        if path:
            db_path = self.window.project.path

            def work(_report: object) -> int:
                with open_project(db_path) as project:
                    return claimreview.write_claim_reviews(project, path)

            self._background(work, lambda n: self._say(
                f"Wrote {n} ClaimReview(s) of confirmed verdicts to {path}"), "ClaimReview")

    # -- report ----------------------------------------------------------------------------
    def report_scopes(self) -> list[tuple[str, Any]]:
        scopes: list[tuple[str, Any]] = [("All clinics", None)]
        for page in claim_store.list_pages(self.window.project):
            if not any(s[1] == page["clinic_name"] for s in scopes):
                scopes.append((page["clinic_name"], page["clinic_name"]))
            scopes.append((f"    {page['title']}", page["slug"]))
        return scopes

    def report_dialog(self) -> None:
        dialog = ChoiceDialog("Audit Report", [
            ("scope", "Claims of:", self.report_scopes()),
            ("style", "Citations:", [(s.label, s) for s in CitationStyle]),
            ("format", "Format:", [("PDF", ".pdf"), ("HTML", ".html")]),
        ], self.window)
        if not dialog.exec():
            return
        suffix = dialog.value("format")
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Audit Report", str(Path.home() / f"audit-report{suffix}"),
            f"{suffix[1:].upper()} (*{suffix})")
        if path:
            self.write_report(Path(path), dialog.value("scope"), dialog.value("style"))

    def write_report(self, path: Path, clinic: str | None, style: CitationStyle,
                     *, open_when_done: bool = True) -> None:
        db_path = self.window.project.path

        def work(_report: object) -> str:
            with open_project(db_path) as project:
                report = report_service.write_report(project, path, clinic=clinic,
                                                     style=style)
            return report.scope

        def done(scope: str) -> None:
            self._say(f"Wrote the audit report ({scope}) to {path}")
            if open_when_done:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

        self._background(work, done, "Audit Report")

    # -- drag and drop ---------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Dropped reference files go through the import preview."""
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.Drop):
            mime = event.mimeData()  # type: ignore[attr-defined]
            paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()] \
                if mime.hasUrls() else []
            if paths and all(p.suffix.lower() in IMPORT_SUFFIXES for p in paths):
                event.acceptProposedAction()  # type: ignore[attr-defined]
                if event.type() == QEvent.Type.Drop:
                    self.preview_import(paths)
                return True
        return super().eventFilter(watched, event)


def install(window: MainWindow) -> ExportActions:
    """Add the import, export, report and citation actions to ``window``."""
    actions = ExportActions(window)
    actions.install_menus()
    window.installEventFilter(actions)
    return actions
