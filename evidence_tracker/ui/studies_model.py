"""A lazy table model over the studies in SQLite.

It holds only the ordered row ids; display rows are read a page at a time into a bounded
cache. Sorting and filtering happen in SQL. ``data()`` never raises (a failing read shows
an empty cell and is logged once), as in Anki's browser table.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from evidence_tracker.store import Project, StoreError
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.studies import StudyFilter
from evidence_tracker.ui.theme import colours

log = logging.getLogger(__name__)

PAGE = 200
CACHE_ROWS = 5000
STUDY_ID_ROLE = Qt.ItemDataRole.UserRole + 1

# (header, sort key in store.studies.SORTABLE or None)
COLUMNS: list[tuple[str, str | None]] = [
    ("PMID", "pmid"),
    ("Year", "year"),
    ("First author", "first_author"),
    ("Title", "title"),
    ("Journal", "journal"),
    ("Type", None),
]

# Publication types worth naming in the table, most informative first.
_TYPE_ORDER = (
    "Retracted Publication", "Meta-Analysis", "Systematic Review", "Randomized Controlled Trial",
    "Clinical Trial", "Observational Study", "Case Reports", "Review", "Guideline",
    "Practice Guideline", "Letter", "Editorial", "Comment",
)

Index = QModelIndex | QPersistentModelIndex


def main_type(types: list[str]) -> str:
    for t in _TYPE_ORDER:
        if t in types:
            return t
    return types[0] if types else ""


class StudiesTableModel(QAbstractTableModel):
    """Row ids from ``store.studies.query_study_ids``; rows from ``fetch_rows``."""

    def __init__(self, project: Project | None = None, parent: Any = None):
        super().__init__(parent)
        self._project = project
        self._filter = StudyFilter()
        self._ids: list[int] = []
        self._cache: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._failed_once = False
        self.last_error = ""
        self.refresh()

    # -- state -----------------------------------------------------------------------------
    @property
    def study_filter(self) -> StudyFilter:
        return self._filter

    def set_project(self, project: Project | None) -> None:
        self._project = project
        self._filter = StudyFilter()
        self.refresh()

    def set_filter(self, flt: StudyFilter) -> None:
        self._filter = flt
        self.refresh()

    def refresh(self) -> None:
        """Re-read the ids (after a fetch, an import, a new filter or sort)."""
        self.beginResetModel()
        self._cache.clear()
        self.last_error = ""
        try:
            self._ids = self._query_ids()
        except StoreError as exc:
            self._ids = []
            self.last_error = str(exc)
        self.endResetModel()

    def _query_ids(self) -> list[int]:
        if self._project is None:
            return []
        return study_store.query_study_ids(self._project, self._filter)

    def study_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, study_id: int) -> int:
        try:
            return self._ids.index(study_id)
        except ValueError:
            return -1

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][0]
            if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][1] is None:
                return "Not sortable"
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._ids)):
            return None
        study_id = self._ids[index.row()]
        if role == STUDY_ID_ROLE:
            return study_id
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.FontRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return None
        row = self._row(index.row())
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(colours().danger)) if row["retracted"] else None
        if role == Qt.ItemDataRole.FontRole:
            if row["retracted"]:
                font = QFont()
                font.setStrikeOut(col == 3)
                return font
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = row["title"]
            if row["retracted"]:
                tip = "RETRACTED: " + tip
            elif row["has_notice"]:
                tip = "Has a correction or notice: " + tip
            return tip
        return self._display(row, col)

    @staticmethod
    def _display(row: dict[str, Any], col: int) -> str:
        if col == 0:
            return str(row["pmid"] or row["doi"] or "")
        if col == 1:
            return str(row["year"] or "")
        if col == 2:
            return str(row["first_author"])
        if col == 3:
            prefix = "[RETRACTED] " if row["retracted"] else ""
            return prefix + str(row["title"])
        if col == 4:
            return str(row["journal_abbrev"] or row["journal"])
        if col == 5:
            return main_type(row["publication_types"])
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(COLUMNS)) or COLUMNS[column][1] is None:
            return
        key = COLUMNS[column][1]
        assert key is not None
        self._filter = StudyFilter(
            search=self._filter.search,
            search_syntax=self._filter.search_syntax,
            condition_id=self._filter.condition_id,
            sort=key,
            descending=order == Qt.SortOrder.DescendingOrder,
        )
        self.layoutAboutToBeChanged.emit()
        old_ids = self._ids
        try:
            new_ids = self._query_ids()
        except StoreError as exc:
            self.last_error = str(exc)
            self.layoutChanged.emit()
            return
        # Keep selections and the current index on the same studies after the re-order.
        position = {sid: i for i, sid in enumerate(new_ids)}
        self._ids = new_ids
        for idx in self.persistentIndexList():
            old_row = idx.row()
            if 0 <= old_row < len(old_ids) and old_ids[old_row] in position:
                self.changePersistentIndex(
                    idx, self.index(position[old_ids[old_row]], idx.column())
                )
        self.layoutChanged.emit()

    # -- row cache -------------------------------------------------------------------------
    def _row(self, row: int) -> dict[str, Any] | None:
        study_id = self._ids[row]
        cached = self._cache.get(study_id)
        if cached is not None:
            self._cache.move_to_end(study_id)
            return cached
        if self._project is None:
            return None
        start = (row // PAGE) * PAGE
        page_ids = self._ids[start : start + PAGE]
        try:
            fetched = study_store.fetch_rows(self._project, page_ids)
        except Exception:  # never raise inside data(): Qt would abort
            if not self._failed_once:
                log.exception("cannot read studies %s..%s", start, start + PAGE)
                self._failed_once = True
            return None
        self._cache.update(fetched)
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)
        return self._cache.get(study_id)
