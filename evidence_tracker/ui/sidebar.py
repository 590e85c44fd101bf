"""The sidebar: all studies, the conditions with their counts, and the claims."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from evidence_tracker.domain.models import Condition

CONDITION_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ALL_STUDIES = -1


class Sidebar(QTreeWidget):
    """Emits ``condition_selected(id)``; ``ALL_STUDIES`` for the whole project."""

    condition_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(2)  # name | counts, so long names never hide the numbers
        self.setObjectName("sidebar")
        self.setUniformRowHeights(True)
        self.itemSelectionChanged.connect(self._selection_changed)
        self._conditions_root = QTreeWidgetItem(["Conditions"])
        self._claims_root = QTreeWidgetItem(["Claims"])
        self.set_conditions([], total=0)

    def set_conditions(self, conditions: list[Condition], *, total: int) -> None:
        selected = self.selected_condition()
        self.blockSignals(True)
        self.clear()
        self._conditions_root = QTreeWidgetItem(["Conditions"])
        self._claims_root = QTreeWidgetItem(["Claims"])
        for root in (self._conditions_root, self._claims_root):
            root.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = root.font(0)
            font.setBold(True)
            root.setFont(0, font)
        self.addTopLevelItem(self._conditions_root)
        all_item = QTreeWidgetItem(["All studies", str(total)])
        all_item.setData(0, CONDITION_ID_ROLE, ALL_STUDIES)
        self._conditions_root.addChild(all_item)
        items: dict[str, QTreeWidgetItem] = {}
        for c in conditions:
            count = str(c.total)
            if c.new_since_viewed and c.new_since_viewed != c.total:
                count += f" ({c.new_since_viewed} new)"
            item = QTreeWidgetItem([c.name, count])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setData(0, CONDITION_ID_ROLE, c.id)
            item.setToolTip(
                0, f"{c.name}\n{c.total} studies, {c.new_since_viewed} new since you last "
                f"looked, {c.unscreened} unscreened\n\nPubMed query:\n{c.query}",
            )
            parent = items.get(c.parent_slug, self._conditions_root)
            parent.addChild(item)
            items[c.slug] = item
        self.addTopLevelItem(self._claims_root)
        placeholder = QTreeWidgetItem(["No claims yet"])
        placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
        self._claims_root.addChild(placeholder)
        self.expandAll()
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.blockSignals(False)
        self.select_condition(selected if selected is not None else ALL_STUDIES)

    def select_condition(self, condition_id: int) -> None:
        for i in range(self._conditions_root.childCount()):
            found = _find(self._conditions_root.child(i), condition_id)
            if found is not None:
                self.setCurrentItem(found)
                return

    def selected_condition(self) -> int | None:
        items = self.selectedItems()
        if not items:
            return None
        value = items[0].data(0, CONDITION_ID_ROLE)
        return int(value) if value is not None else None

    def _selection_changed(self) -> None:
        selected = self.selected_condition()
        if selected is not None:
            self.condition_selected.emit(selected)


def _find(item: QTreeWidgetItem | None, condition_id: int) -> QTreeWidgetItem | None:
    if item is None:
        return None
    if item.data(0, CONDITION_ID_ROLE) == condition_id:
        return item
    for i in range(item.childCount()):
        found = _find(item.child(i), condition_id)
        if found is not None:
            return found
    return None
