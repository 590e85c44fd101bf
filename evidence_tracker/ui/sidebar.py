"""The sidebar: all studies, the conditions with their counts, and the claims."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from evidence_tracker.domain.models import Condition

CONDITION_ID_ROLE = Qt.ItemDataRole.UserRole + 1
CLINIC_ID_ROLE = Qt.ItemDataRole.UserRole + 2
ALL_STUDIES = -1
ALL_CLINICS = 0


class Sidebar(QTreeWidget):
    """Emits ``condition_selected(id)`` (``ALL_STUDIES`` for the whole project) and
    ``claims_selected(clinic id)`` (``ALL_CLINICS`` for every claim)."""

    condition_selected = Signal(int)
    claims_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(2)  # name | counts, so long names never hide the numbers
        self.setObjectName("sidebar")
        self.setUniformRowHeights(True)
        self.itemSelectionChanged.connect(self._selection_changed)
        self.itemClicked.connect(self._item_clicked)
        self._conditions_root = QTreeWidgetItem(["Conditions"])
        self._claims_root = QTreeWidgetItem(["Claims"])
        self._clinics: list[tuple[int, str, int]] = []
        self._claims_total = 0
        self._all_item = QTreeWidgetItem()
        self._condition_items: dict[int, QTreeWidgetItem] = {}
        self.set_conditions([], total=0)

    def set_conditions(self, conditions: list[Condition], *, total: int | None) -> None:
        """The conditions as a tree (``total`` None: counts not known yet, shown blank
        until :meth:`update_counts`)."""
        selected = self.selected_condition()
        clinic = self.selected_clinic()
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
        all_item = QTreeWidgetItem(["All studies", ""])
        all_item.setData(0, CONDITION_ID_ROLE, ALL_STUDIES)
        self._conditions_root.addChild(all_item)
        self._all_item = all_item
        self._condition_items = {}
        items: dict[str, QTreeWidgetItem] = {}
        for c in conditions:
            item = QTreeWidgetItem([c.name, ""])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setData(0, CONDITION_ID_ROLE, c.id)
            item.setToolTip(0, f"{c.name}\n\nPubMed query:\n{c.query}")
            parent = items.get(c.parent_slug, self._conditions_root)
            parent.addChild(item)
            items[c.slug] = item
            self._condition_items[c.id] = item
        if total is not None:
            self.update_counts(conditions, total=total)
        self.addTopLevelItem(self._claims_root)
        self._fill_claims()
        self.expandAll()
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        if clinic is not None and self._select_clinic_item(clinic):
            self.blockSignals(False)
            return
        self.blockSignals(False)
        self.select_condition(selected if selected is not None else ALL_STUDIES)

    def update_counts(self, conditions: list[Condition], *, total: int) -> None:
        """Write the counts beside the conditions drawn (the tree, the selection and the
        signals stay as they are)."""
        self._all_item.setText(1, str(total))
        for c in conditions:
            item = self._condition_items.get(c.id)
            if item is None:
                continue
            count = str(c.total)
            if c.new_since_viewed and c.new_since_viewed != c.total:
                count += f" ({c.new_since_viewed} new)"
            item.setText(1, count)
            item.setToolTip(
                0, f"{c.name}\n{c.total} studies, {c.new_since_viewed} new since you last "
                f"looked, {c.unscreened} unscreened\n\nPubMed query:\n{c.query}",
            )

    def count_text(self, condition_id: int) -> str:
        """The count shown beside a condition (``ALL_STUDIES``: the whole project)."""
        item = self._all_item if condition_id == ALL_STUDIES else \
            self._condition_items.get(condition_id)
        return item.text(1) if item is not None else ""

    def set_claims(self, clinics: list[tuple[int, str, int]], *, total: int) -> None:
        """The claims section: all claims, then each clinic as (id, name, claim count).
        A selected clinic stays selected without a new ``claims_selected``."""
        selected = self.selected_clinic()
        self._clinics, self._claims_total = list(clinics), total
        self.blockSignals(True)
        self._fill_claims()
        self._claims_root.setExpanded(True)
        if selected is not None and not self._select_clinic_item(selected):
            self._select_clinic_item(ALL_CLINICS)
        self.blockSignals(False)
        if selected is not None and self.selected_clinic() != selected:
            self.claims_selected.emit(ALL_CLINICS)

    def _fill_claims(self) -> None:
        self._claims_root.takeChildren()
        if not self._claims_total:
            placeholder = QTreeWidgetItem(["No claims yet"])
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self._claims_root.addChild(placeholder)
            return
        everything = QTreeWidgetItem(["All claims", str(self._claims_total)])
        everything.setData(0, CLINIC_ID_ROLE, ALL_CLINICS)
        everything.setToolTip(0, "Every claim, grouped by clinic and category")
        self._claims_root.addChild(everything)
        for clinic_id, name, count in self._clinics:
            item = QTreeWidgetItem([name, str(count)])
            item.setData(0, CLINIC_ID_ROLE, clinic_id)
            item.setToolTip(0, f"{name}: {count} claims")
            self._claims_root.addChild(item)
        for i in range(self._claims_root.childCount()):
            child = self._claims_root.child(i)
            if child is not None:
                child.setTextAlignment(
                    1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def _select_clinic_item(self, clinic_id: int) -> bool:
        for i in range(self._claims_root.childCount()):
            item = self._claims_root.child(i)
            if item is not None and item.data(0, CLINIC_ID_ROLE) == clinic_id:
                self.setCurrentItem(item)
                return True
        return False

    def select_clinic(self, clinic_id: int) -> None:
        """Select a clinic's claims (``ALL_CLINICS`` for all); emits ``claims_selected``."""
        self._select_clinic_item(clinic_id)

    def selected_clinic(self) -> int | None:
        items = self.selectedItems()
        if not items:
            return None
        value = items[0].data(0, CLINIC_ID_ROLE)
        return int(value) if value is not None else None

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

    def selected_name(self) -> str:
        items = self.selectedItems()
        return items[0].text(0) if items else ""

    def _item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        """A click on a section heading opens its first entry (all studies, all claims)."""
        if item is self._claims_root and self._claims_total:
            self.select_clinic(ALL_CLINICS)
        elif item is self._conditions_root:
            self.select_condition(ALL_STUDIES)

    def _selection_changed(self) -> None:
        selected = self.selected_condition()
        if selected is not None:
            self.condition_selected.emit(selected)
            return
        clinic = self.selected_clinic()
        if clinic is not None:
            self.claims_selected.emit(clinic)


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
