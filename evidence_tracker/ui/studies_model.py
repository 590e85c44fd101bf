"""A lazy table model over the studies in SQLite.

It holds the number of matching studies and, a window at a time, the ids of the rows the
view draws (``LIMIT``/``OFFSET`` in SQL); display rows are read a page at a time into a
bounded cache. Sorting and filtering happen in SQL, so a sort or a cleared search costs a
count and one window, however many studies match. ``data()`` never raises (a failing read
shows an empty cell and is logged once), as in Anki's browser table.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from evidence_tracker.services import study_list
from evidence_tracker.store import Project, StoreError
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.studies import StudyFilter
from evidence_tracker.ui.theme import colours

log = logging.getLogger(__name__)

PAGE = 200
CACHE_ROWS = 5000
#: Ids are read a window at a time; at most ID_WINDOWS windows are kept.
ID_WINDOW = 1000
ID_WINDOWS = 50
STUDY_ID_ROLE = Qt.ItemDataRole.UserRole + 1

# (header, sort key in store.studies.SORTABLE or None)
COLUMNS: list[tuple[str, str | None]] = [
    ("PMID", "pmid"),
    ("Year", "year"),
    ("First author", "first_author"),
    ("Title", "title"),
    ("Journal", "journal"),
    ("Type", None),
    ("Screening", None),
]
SCREENING_COLUMN = 6
#: The decision column's text and colour for each status (services.study_list).
SCREENING_TEXT = {"include": ("Include", "#1b7f3b"), "exclude": ("Exclude", "#b00020"),
                  "maybe": ("Maybe", "#8a5a00"), "conflict": ("Conflict", "#6a1b9a"),
                  "unscreened": ("Unscreened", "#777777")}

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
    """Windows of row ids from ``store.studies.query_study_ids``; rows from ``fetch_rows``;
    the screening column from ``study_list.screening_status`` for ``reviewer``."""

    def __init__(self, project: Project | None = None, parent: Any = None, *,
                 reviewer: str = ""):
        super().__init__(parent)
        self._project = project
        self._reviewer = reviewer
        self._filter = StudyFilter()
        self._count = 0
        self._windows: OrderedDict[int, list[int]] = OrderedDict()
        self._cache: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._status: dict[int, str] = {}
        self._failed_once = False
        self.last_error = ""
        self.refresh()

    # -- state -----------------------------------------------------------------------------
    @property
    def study_filter(self) -> StudyFilter:
        return self._filter

    @property
    def reviewer(self) -> str:
        return self._reviewer

    def set_project(self, project: Project | None) -> None:
        self._project = project
        self._filter = StudyFilter()
        self.refresh()

    def set_filter(self, flt: StudyFilter) -> None:
        self._filter = flt
        self.refresh()

    def show_project(self, project: Project | None, flt: StudyFilter) -> None:
        """Show ``flt`` of ``project`` (one count, however the two changed)."""
        self._project = project
        self.set_filter(flt)

    def set_reviewer(self, name: str) -> None:
        """The screening column shows ``name``'s decisions (and what blind mode lets them
        see); a screening filter follows the new reviewer."""
        self._reviewer = name
        self._status.clear()
        if self._filter.decision and self._project is not None:
            self.set_filter(study_list.with_screening_group(
                self._project, self._filter, self._filter.decision, name))
        elif self._count:
            self.dataChanged.emit(self.index(0, SCREENING_COLUMN),
                                  self.index(self._count - 1, SCREENING_COLUMN))

    def refresh(self) -> None:
        """Re-count the matching studies and forget the windows read (after a fetch, an
        import, a new filter); the view reads the window it draws."""
        self.beginResetModel()
        self._forget()
        self.last_error = ""
        try:
            self._count = self._query_count()
        except StoreError as exc:
            self._count = 0
            self.last_error = str(exc)
        self.endResetModel()

    def _forget(self) -> None:
        self._windows.clear()
        self._cache.clear()
        self._status.clear()

    def _query_count(self) -> int:
        if self._project is None:
            return 0
        return study_store.count_studies(self._project, self._filter)

    def update_studies(self, study_ids: set[int] | frozenset[int]) -> None:
        """These studies were written (a judgement, a revision): re-read their rows where
        they are shown. Under a screening filter a decision can move a study in or out,
        so the list is counted again."""
        if not study_ids:
            return
        if self._filter.decision:
            self.refresh()
            return
        for study_id in study_ids:
            self._cache.pop(study_id, None)
            self._status.pop(study_id, None)
        for start, ids in self._windows.items():
            for offset, study_id in enumerate(ids):
                if study_id in study_ids:
                    row = start * ID_WINDOW + offset
                    self.dataChanged.emit(self.index(row, 0),
                                          self.index(row, len(COLUMNS) - 1))

    def _window(self, number: int, flt: StudyFilter | None = None) -> list[int]:
        ids = self._windows.get(number)
        if ids is not None:
            self._windows.move_to_end(number)
            return ids
        if self._project is None:
            return []
        try:
            ids = study_store.query_study_ids(self._project, flt or self._filter,
                                              offset=number * ID_WINDOW, limit=ID_WINDOW)
        except Exception:  # called from data(): never raise into Qt
            if not self._failed_once:
                log.exception("cannot read the ids of window %s", number)
                self._failed_once = True
            return []
        self._windows[number] = ids
        while len(self._windows) > ID_WINDOWS:
            self._windows.popitem(last=False)
        return ids

    def study_id(self, row: int) -> int | None:
        if not 0 <= row < self._count:
            return None
        ids = self._window(row // ID_WINDOW)
        offset = row % ID_WINDOW
        return ids[offset] if offset < len(ids) else None

    def row_of(self, study_id: int) -> int:
        """The row showing ``study_id`` (-1 if the filter hides it)."""
        for number, ids in self._windows.items():
            if study_id in ids:
                return number * ID_WINDOW + ids.index(study_id)
        if self._project is None:
            return -1
        try:
            row = study_list.position_of(self._project, self._filter, study_id)
        except StoreError:
            return -1
        return -1 if row is None or row >= self._count else row

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][0]
            if role == Qt.ItemDataRole.ToolTipRole and section == SCREENING_COLUMN:
                return ("Your screening decision (Conflict: the decisions you may see "
                        "disagree); not sortable")
            if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][1] is None:
                return "Not sortable"
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < self._count):
            return None
        study_id = self.study_id(index.row())
        if study_id is None:
            return None
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
        row = self._row(index.row(), study_id)
        if row is None:
            return None
        col = index.column()
        if col == SCREENING_COLUMN:
            return self._screening_data(study_id, role)
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

    def _screening_data(self, study_id: int, role: int) -> Any:
        status = self._status.get(study_id, study_list.UNSCREENED)
        text, colour = SCREENING_TEXT.get(status, (status, ""))
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.FontRole:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            who = self._reviewer or "no reviewer chosen"
            return f"Screening ({who}): {text}"
        return text

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
        old_filter = self._filter
        new_filter = replace(old_filter, sort=key,
                             descending=order == Qt.SortOrder.DescendingOrder)
        if new_filter == old_filter:
            return  # already in this order (the header says so as the window opens)
        self.layoutAboutToBeChanged.emit()
        # Keep the selection and the current index on the same studies after the re-order:
        # each study a persistent index points at is found again in SQL (a handful).
        persistent = self.persistentIndexList()
        studies = {idx.row(): self.study_id(idx.row()) for idx in persistent}
        self._filter = new_filter
        self._windows.clear()
        moved: dict[int, int] = {}
        for sid in {sid for sid in studies.values() if sid is not None}:
            row = self.row_of(sid)
            if row >= 0:
                moved[sid] = row
        for idx in persistent:
            found = studies.get(idx.row())
            if found is not None and found in moved:
                self.changePersistentIndex(idx, self.index(moved[found], idx.column()))
            else:
                self.changePersistentIndex(idx, QModelIndex())
        self.layoutChanged.emit()

    # -- row cache -------------------------------------------------------------------------
    def _row(self, row: int, study_id: int) -> dict[str, Any] | None:
        cached = self._cache.get(study_id)
        if cached is not None and study_id in self._status:
            self._cache.move_to_end(study_id)
            return cached
        if self._project is None:
            return None
        start = (row // PAGE) * PAGE
        page_ids = [i for i in (self.study_id(r) for r in
                                range(start, min(start + PAGE, self._count))) if i is not None]
        try:
            fetched = study_store.fetch_rows(self._project, page_ids)
            self._status.update(study_list.screening_status(self._project, page_ids,
                                                            self._reviewer))
        except Exception:  # never raise inside data(): Qt would abort
            if not self._failed_once:
                log.exception("cannot read studies %s..%s", start, start + PAGE)
                self._failed_once = True
            return None
        self._cache.update(fetched)
        while len(self._cache) > CACHE_ROWS:
            evicted, _ = self._cache.popitem(last=False)
            self._status.pop(evicted, None)
        return self._cache.get(study_id)
