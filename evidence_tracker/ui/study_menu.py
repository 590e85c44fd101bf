"""The studies table's context menu (right click, the Menu key or Shift+F10): open in
PubMed, copy the citation, PMIDs or DOIs, screen (include, maybe, exclude with a reason),
link to a claim, export the selection.

The window hands over the actions other parts own (citations, linking, export), so the
menu and the menus of the window run the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtCore import QObject, QPoint, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu, QMessageBox, QTableView, QWidget

from evidence_tracker.domain.identifiers import doi_url, pubmed_url
from evidence_tracker.domain.models import ScreeningDecision
from evidence_tracker.domain.screening import ScreeningError
from evidence_tracker.services import screening
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.context import AppContext


class StudyMenu(QObject):
    """Builds and shows the studies table's context menu for the selected studies."""

    def __init__(self, context: AppContext, table: QTableView, *,
                 shared: Sequence[QAction], export_selection: Callable[[], object],
                 parent: QWidget):
        super().__init__(parent)
        self.setObjectName("studyMenu")
        self.context = context
        self.table = table
        self.shared = list(shared)
        self.export_selection = export_selection
        self.parent_widget = parent
        self.menu: QMenu | None = None
        #: Opens a web page; a hook for tests (the real one starts the browser).
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self.popup_at)

    # -- what is selected ------------------------------------------------------------------
    def rows(self) -> list[dict[str, object]]:
        """The selected studies' light columns (pmid, doi, title...), in table order."""
        ids = self.context.selected_study_ids
        found = study_store.fetch_rows(self.context.project, ids)
        return [found[i] for i in ids if i in found]

    def identifiers(self, column: str) -> list[str]:
        return [str(r[column]) for r in self.rows() if r.get(column)]

    # -- the menu --------------------------------------------------------------------------
    def popup_at(self, position: QPoint) -> QMenu | None:
        """Right click: the row under the pointer joins (or becomes) the selection."""
        index = self.table.indexAt(position)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.table.selectRow(index.row())
        elif not index.isValid():  # the Menu key: at the current row
            current = self.table.currentIndex()
            position = self.table.visualRect(current).center() if current.isValid() \
                else QPoint(0, 0)
        if not self.context.selected_study_ids:
            return None
        menu = self.build()
        menu.popup(self.table.viewport().mapToGlobal(position))
        return menu

    def build(self) -> QMenu:
        rows = self.rows()
        count = len(rows)
        one = rows[0] if count == 1 else None
        menu = QMenu(self.parent_widget)
        menu.setObjectName("studyContextMenu")
        current = next((r for r in rows if r["id"] == self.context.study_id), None) or \
            (rows[0] if rows else None)
        pmid = str(current["pmid"] or "") if current else ""
        doi = str(current["doi"] or "") if current else ""
        self._add(menu, "Open in &PubMed", lambda: self.open_url(QUrl(pubmed_url(pmid))),
                  enabled=bool(pmid))
        self._add(menu, "Open &DOI", lambda: self.open_url(QUrl(doi_url(doi))),
                  enabled=bool(doi))
        menu.addSeparator()
        for action in self.shared[:2]:  # Copy Citation (AMA), (Vancouver)
            menu.addAction(action)
        pmids, dois = self.identifiers("pmid"), self.identifiers("doi")
        self._add(menu, "Copy P&MID" if one else f"Copy P&MIDs ({len(pmids)})",
                  lambda: self.copy_identifiers("pmid"), enabled=bool(pmids))
        self._add(menu, "Copy D&OI" if one else f"Copy D&OIs ({len(dois)})",
                  lambda: self.copy_identifiers("doi"), enabled=bool(dois))
        menu.addSeparator()
        screen = menu.addMenu("&Screen" if one else f"&Screen {count} Studies")
        self._add(screen, "&Include", lambda: self.screen(ScreeningDecision.INCLUDE))
        self._add(screen, "&Maybe", lambda: self.screen(ScreeningDecision.MAYBE))
        exclude = screen.addMenu("&Exclude")
        for n, reason in enumerate(screening.exclusion_reasons(self.context.project)):
            text = reason.replace("&", "&&")  # a reason's own "&" is no mnemonic
            self._add(exclude, f"&{n + 1} {text}" if n < 9 else text,
                      partial(self.screen, ScreeningDecision.EXCLUDE, reason))
        for action in self.shared[2:]:  # Link to Claim...
            menu.addAction(action)
        menu.addSeparator()
        self._add(menu, "E&xport Selected Studies…", self.export_selection)
        self.menu = menu
        return menu

    @staticmethod
    def _add(menu: QMenu, text: str, slot: Callable[[], object], *,
             enabled: bool = True) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        action.setEnabled(enabled)
        return action

    # -- what it does ----------------------------------------------------------------------
    def copy_identifiers(self, column: str) -> str:
        """The selected studies' PMIDs or DOIs, one a line, on the clipboard."""
        values = self.identifiers(column)
        text = "\n".join(values)
        QGuiApplication.clipboard().setText(text)
        name = "PMID" if column == "pmid" else "DOI"
        self.context.show_status(f"Copied {len(values)} {name}{'s' if len(values) != 1 else ''}"
                                 ".", 6000)
        return text

    def screen(self, decision: ScreeningDecision, reason: str = "") -> int:
        """Record this reviewer's decision on every selected study (one event each)."""
        ids = list(self.context.selected_study_ids)
        reviewer = self.context.reviewer.require(self.parent_widget)
        if reviewer is None or not ids:
            return 0
        project = self.context.project
        try:
            with project.transaction():  # all or none
                for study_id in ids:
                    screening.screen(project, study_id, decision, reviewer=reviewer,
                                     reason=reason)
        except ScreeningError as exc:
            QMessageBox.warning(self.parent_widget, "Screen", str(exc))
            return 0
        what = decision.value + (f" ({reason})" if reason else "")
        self.context.judgement_recorded(
            f"Screened {len(ids)} stud{'y' if len(ids) == 1 else 'ies'}: {what}.")
        return len(ids)
