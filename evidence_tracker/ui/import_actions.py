"""Import with a preview: File → Import with Preview…, PubMed → Import Files… (Ctrl+I), and
reference files dropped on the window.

Reading and importing files runs on the task runner with a connection of its own, and so
does laying out the preview's rows: the dialog shows them through a table model that
formats only the rows drawn, so a 20,000-record file opens its preview at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.services import imports as import_service
from evidence_tracker.services.imports import ImportPreview
from evidence_tracker.store import open_project
from evidence_tracker.ui.context import AppContext

#: Files a drop sends through the import preview.
IMPORT_SUFFIXES = frozenset({".ris", ".bib", ".bibtex", ".json", ".nbib", ".xml", ".txt",
                             ".medline"})
ACTION_LABELS = {"new": "Add", "merge": "Merge", "unchanged": "Already present",
                 "duplicate": "Duplicate in import", "withdrawn": "Deleted by PubMed",
                 "skipped": "Skipped"}


PLAN_HEADERS = ("File", "Action", "Matched by", "Record", "Existing study")
PlanRow = tuple[str, str, str, str, str]


def plan_rows(previews: Sequence[ImportPreview]) -> list[PlanRow]:
    """The preview table's text, file by file (plain text: never guessed as rich text);
    built where the preview is read, off the GUI thread."""
    rows: list[PlanRow] = []
    for p in previews:
        name = Path(p.path).name
        for r in p.records:
            existing = f"#{r.study_id} {r.existing_title}" if r.study_id else ""
            if r.action == "skipped":  # why, and where in the file
                existing = f"record {r.position}: {r.reason}"
            rows.append((name, ACTION_LABELS.get(r.action, r.action),
                         r.matched_by.upper() if r.matched_by else "",
                         f"{r.key} — {r.title}" if r.key != r.title[:60] else r.title,
                         existing))
    return rows


class PlanModel(QAbstractTableModel):
    """The rows of an import plan, read only (a view draws the rows it shows)."""

    def __init__(self, rows: Sequence[PlanRow], parent: QObject | None = None):
        super().__init__(parent)
        self.rows = rows

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()  # noqa: B008
                 ) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()  # noqa: B008
                    ) -> int:
        return 0 if parent.isValid() else len(PLAN_HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        return self.rows[index.row()][index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return PLAN_HEADERS[section]
        return None


class ImportPreviewDialog(QDialog):
    """What an import will add and merge, file by file; Import commits it. ``rows`` are
    :func:`plan_rows` of the previews (computed here if not given)."""

    def __init__(self, previews: Sequence[ImportPreview], errors: Sequence[str],
                 parent: QWidget | None = None, *, rows: Sequence[PlanRow] | None = None):
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
        self.plan = PlanModel(plan_rows(self.previews) if rows is None else rows, self)
        self.table = QTableView()
        self.table.setObjectName("importPlan")
        self.table.setModel(self.plan)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # Fixed widths: sizing columns to their contents would read every row.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((150, 110, 90, 0, 240)):
            if width:
                self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("Import",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("importButton")
        self.import_button.setEnabled(any(len(p.records) > len(p.skipped)
                                          for p in self.previews))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def cell(self, row: int, column: int) -> str:
        """The text of one cell of the plan."""
        return self.plan.rows[row][column]


class ImportActions(QObject):
    """Import with a preview; installed as an event filter on the window for drops.
    ``imported`` is emitted after files were imported (the window re-reads the project)."""

    imported = Signal()

    def __init__(self, context: AppContext, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("importActions")
        self.context = context
        self.parent_widget = parent
        self.preview_dialog: ImportPreviewDialog | None = None
        self.last_message = ""
        self.action_import = QAction("&Import with Preview…", parent)
        self.action_import.triggered.connect(lambda _checked=False: self.import_dialog())
        self.action_import.setStatusTip("Import PubMed XML, MEDLINE/NBIB, RIS, BibTeX or "
                                        "CSL-JSON files, after a preview of what merges")

    def _say(self, text: str) -> None:
        self.last_message = text
        self.context.show_status(text, 15000)

    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self.parent_widget, "Import reference files", str(Path.home()),
            f"Reference files ({import_service.FILE_PATTERNS});;All files (*)")
        if paths:
            self.preview_import([Path(p) for p in paths])

    def preview_import(self, paths: Sequence[Path]) -> None:
        """Preview in the background, then show the dialog; Import commits."""
        db_path = self.context.project.path
        self.context.show_status(f"Reading {len(paths)} file(s)…")

        def work(_report: object
                 ) -> tuple[list[ImportPreview], list[str], list[PlanRow]]:
            previews, errors = [], []
            with open_project(db_path) as project:
                for path in paths:
                    try:
                        previews.append(import_service.preview_file(project, path))
                    except import_service.ImportFailed as exc:
                        errors.append(str(exc))
            return previews, errors, plan_rows(previews)

        self.context.run_task(work, lambda result: self.show_preview(*result), "Import",
                              self.parent_widget)

    def show_preview(self, previews: list[ImportPreview], errors: list[str],
                     rows: list[PlanRow] | None = None) -> None:
        dialog = ImportPreviewDialog(previews, errors, self.parent_widget, rows=rows)
        self.preview_dialog = dialog
        dialog.accepted.connect(lambda: self.commit_import([Path(p.path) for p in previews]))
        dialog.open()

    def commit_import(self, paths: Sequence[Path]) -> None:
        db_path = self.context.project.path

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
                                        else "")
                                     + (f", {s.skipped} skipped (cannot be stored)"
                                        if s.skipped else ""))
            return lines

        def done(lines: list[str]) -> None:
            self.imported.emit()
            if any(line.startswith("✗") for line in lines):
                QMessageBox.warning(self.parent_widget, "Import", "\n\n".join(lines))
            self._say("  ".join(lines))

        self.context.run_task(work, done, "Import", self.parent_widget)

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

