"""The claims view: every claim grouped by clinic and category, with evidence counts and a
verdict badge that carries its meaning in words as well as colour.

The model is a :class:`QStandardItemModel` (a register has tens to a few hundred claims);
:mod:`evidence_tracker.ui.claims_delegate` paints the rows. Nothing here writes to the
project.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import CATEGORY_LABELS, VERDICT_LABELS, Category, Claim
from evidence_tracker.domain.models import Stance
from evidence_tracker.services.evidence import ClaimOverview, VerdictStatus
from evidence_tracker.ui.claims_delegate import (
    CLAIM_ID_ROLE,
    CODE_ROLE,
    COUNTS_ROLE,
    KIND_ROLE,
    STATE_ROLE,
    STATE_TEXT,
    VERDICT_ROLE,
    ClaimsDelegate,
)
from evidence_tracker.ui.theme import style_text

COLUMNS = ("Claim", "Evidence", "Verdict")
NO_CLINIC = "No clinic recorded"


class GroupBy(enum.StrEnum):
    CLINIC = "clinic"  # clinic, then category (a claim several clinics make is under each)
    CATEGORY = "category"  # category only (each claim once)


def verdict_state(status: VerdictStatus) -> str:
    """'rereview', 'confirmed' or 'suggested'."""
    if status.needs_rereview:
        return "rereview"
    return "confirmed" if status.confirmed is not None else "suggested"


def verdict_text(status: VerdictStatus) -> str:
    """The badge in words: 'Supported (confirmed)', 'Insufficient evidence (suggested)'."""
    return f"{VERDICT_LABELS[status.verdict]} ({STATE_TEXT[verdict_state(status)].lower()})"


def category_label(value: str) -> str:
    try:
        return CATEGORY_LABELS[Category(value)]
    except ValueError:
        return value.replace("_", " ").capitalize()


def counts_of(overview: ClaimOverview) -> tuple[int, int, int]:
    c = overview.counts
    return (c.get(Stance.SUPPORTS.value, 0), c.get(Stance.PARTLY_SUPPORTS.value, 0),
            c.get(Stance.CONTRADICTS.value, 0))


def counts_text(counts: tuple[int, int, int]) -> str:
    s, p, c = counts
    return f"{s} supporting, {p} partly supporting, {c} contradicting"


@dataclass(frozen=True)
class ClinicCount:
    id: int
    name: str
    claims: int


def clinic_counts(overviews: Iterable[ClaimOverview]) -> list[ClinicCount]:
    """Clinics (by name) with the number of claims each makes."""
    found: dict[int, tuple[str, set[int]]] = {}
    for o in overviews:
        for s in o.claim.sources:
            found.setdefault(s.clinic_id, (s.clinic_name, set()))[1].add(o.claim.id)
    return sorted((ClinicCount(cid, name, len(ids)) for cid, (name, ids) in found.items()),
                  key=lambda c: c.name.casefold())


def matches(claim: Claim, words: Sequence[str]) -> bool:
    """Every word occurs in the code, text, a quote, a clinic or the category."""
    hay = " ".join([claim.code, claim.text, category_label(claim.category), *claim.quotes,
                    *claim.clinics, *claim.conditions]).casefold()
    return all(w in hay for w in words)


class ClaimsModel(QStandardItemModel):
    """Groups (clinic, category) over claim rows; three columns: claim, evidence, verdict."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(COLUMNS), parent)
        self._set_headers()
        self.shown_claims = 0

    def _set_headers(self) -> None:
        self.setHorizontalHeaderLabels(list(COLUMNS))
        tips = ("The claim as the register states it (its quotes are on the claim page)",
                "Studies linked: supporting · partly supporting · contradicting",
                "Verdict: filled badge = confirmed by a reviewer, outlined = suggested by the "
                "evidence rule")
        for col, tip in enumerate(tips):
            self.setHeaderData(col, Qt.Orientation.Horizontal, tip, Qt.ItemDataRole.ToolTipRole)

    def set_claims(
        self, overviews: Sequence[ClaimOverview], *, clinic_id: int | None = None,
        group_by: GroupBy = GroupBy.CLINIC, text_filter: str = "",
    ) -> None:
        """Rebuild: only ``clinic_id``'s claims if given; grouped; filtered by words."""
        words = text_filter.casefold().split()
        chosen = [o for o in overviews if (clinic_id is None or any(
            s.clinic_id == clinic_id for s in o.claim.sources)) and matches(o.claim, words)]
        # One reset instead of a burst of nested row and column signals (QStandardItem
        # adds a column to a group before its first child row): views re-read once.
        self.beginResetModel()
        blocked = self.blockSignals(True)
        try:
            self.removeRows(0, self.rowCount())  # keeps the columns and the view's sizing
            self._fill(chosen, clinic_id, group_by)
        finally:
            self.blockSignals(blocked)
            self.endResetModel()

    def _fill(self, chosen: list[ClaimOverview], clinic_id: int | None,
              group_by: GroupBy) -> None:
        self.shown_claims = len(chosen)
        root = self.invisibleRootItem()
        if group_by is GroupBy.CLINIC and clinic_id is None:
            by_clinic: dict[str, list[ClaimOverview]] = {}
            for o in chosen:
                for name in o.claim.clinics or [NO_CLINIC]:
                    by_clinic.setdefault(name, []).append(o)
            for name in sorted(by_clinic, key=lambda n: (n == NO_CLINIC, n.casefold())):
                group = self._group_row(root, name, len(by_clinic[name]))
                self._fill_categories(group, by_clinic[name])
        else:
            self._fill_categories(root, chosen)

    def _fill_categories(self, parent: QStandardItem, overviews: list[ClaimOverview]) -> None:
        order = {c.value: i for i, c in enumerate(Category)}
        by_category: dict[str, list[ClaimOverview]] = {}
        for o in overviews:
            by_category.setdefault(o.claim.category, []).append(o)
        for category in sorted(by_category, key=lambda c: (order.get(c, 99), c)):
            items = by_category[category]
            group = self._group_row(parent, category_label(category), len(items))
            for o in items:
                group.appendRow(self._claim_row(o))

    @staticmethod
    def _group_row(parent: QStandardItem, label: str, count: int) -> QStandardItem:
        # One cell across the row (see ClaimsView._span_groups): long clinic names fit.
        claims = f"{count} claim{'s' if count != 1 else ''}"
        item = QStandardItem(f"{label} · {claims}")
        item.setData("group", KIND_ROLE)
        item.setToolTip(f"{label}: {claims}")
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        parent.appendRow(item)
        return item

    @staticmethod
    def _claim_row(o: ClaimOverview) -> list[QStandardItem]:
        claim = o.claim
        counts = counts_of(o)
        state = verdict_state(o.verdict)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        text = QStandardItem(claim.text)
        tip = [f"{claim.code} · {category_label(claim.category)}", claim.text]
        if claim.clinics:
            tip.append("Made by: " + "; ".join(claim.clinics))
        text.setToolTip("\n".join(tip))
        evidence = QStandardItem(counts_text(counts))
        evidence.setData(counts, COUNTS_ROLE)
        evidence.setToolTip(counts_text(counts))
        verdict = QStandardItem(verdict_text(o.verdict))
        verdict.setData(o.verdict.verdict.value, VERDICT_ROLE)
        verdict.setData(state, STATE_ROLE)
        reasons = "\n".join(f"• {r}" for r in o.verdict.rereview_reasons)
        verdict.setToolTip(verdict_text(o.verdict) + (f"\n{reasons}" if reasons else ""))
        row = [text, evidence, verdict]
        for item in row:
            item.setData("claim", KIND_ROLE)
            item.setData(claim.id, CLAIM_ID_ROLE)
            item.setData(claim.code, CODE_ROLE)
            item.setFlags(flags)
        return row


class ClaimsView(QWidget):
    """Heading, filter and grouping over the claims tree; emits ``claim_selected(id)``
    (0 when no claim is selected) and ``menu_requested(id, global position)`` for a claim's
    context menu (right click, the Menu key or Shift+F10). Its New, Edit and Delete buttons
    are wired by the controller; nothing here writes."""

    claim_selected = Signal(int)
    menu_requested = Signal(int, QPoint)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("claimsView")
        self._overviews: list[ClaimOverview] = []
        self._clinic: int | None = None
        self._clinic_name = ""

        self.heading = QLabel()
        self.heading.setObjectName("claimsHeading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.summary = QLabel()
        self.summary.setObjectName("claimsSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        style_text(self.summary)
        self.filter = QLineEdit()
        self.filter.setObjectName("claimsFilter")
        self.filter.setPlaceholderText("Filter claims: words of the text, a quote, code…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _t: self.rebuild())
        self.group = QComboBox()
        self.group.setObjectName("claimsGroupBy")
        self.group.addItem("Clinic, then category", GroupBy.CLINIC.value)
        self.group.addItem("Category", GroupBy.CATEGORY.value)
        self.group.currentIndexChanged.connect(lambda _i: self.rebuild())

        self.model = ClaimsModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("claimsTree")
        self.tree.setModel(self.model)
        self.tree.setItemDelegate(ClaimsDelegate(self.tree))
        self.tree.setUniformRowHeights(False)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setIndentation(14)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.selectionModel().currentRowChanged.connect(self._current_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu_at)
        self._size_columns()
        self.new_button = QPushButton("Ne&w…")
        self.new_button.setObjectName("newClaimButton")
        self.new_button.setToolTip("Add a claim (Ctrl+Shift+N)")
        self.edit_button = QPushButton("Ed&it…")
        self.edit_button.setObjectName("editClaimButton")
        self.edit_button.setToolTip("Edit the selected claim (Ctrl+E)")
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.setObjectName("deleteClaimButton")
        self.delete_button.setToolTip("Delete the selected claim (Del)")
        for button in (self.edit_button, self.delete_button):
            button.setEnabled(False)

        legend = QLabel("Verdict badges: filled = confirmed by a reviewer · outlined = "
                        "suggested by the evidence rule · ⚠ = evidence changed since the "
                        "verdict")
        legend.setObjectName("claimsLegend")
        legend.setWordWrap(True)
        style_text(legend)

        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        group_label = QLabel("&Group by:")
        group_label.setBuddy(self.group)
        top.addWidget(group_label)
        top.addWidget(self.group)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(legend)

    def _size_columns(self) -> None:
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.tree.setColumnWidth(1, 126)
        self.tree.setColumnWidth(2, 174)
        # Room for a claim code (bold when selected) beside the fixed columns and the bar.
        self.tree.setMinimumWidth(126 + 174 + 100 + 24)

    # -- content ---------------------------------------------------------------------------
    @property
    def clinic(self) -> int | None:
        return self._clinic

    def set_overviews(self, overviews: Sequence[ClaimOverview]) -> None:
        self._overviews = list(overviews)
        self.rebuild()

    def set_clinic(self, clinic_id: int | None, name: str = "") -> None:
        if clinic_id == self._clinic:
            return
        self._clinic, self._clinic_name = clinic_id, name
        self.rebuild()

    def group_by(self) -> GroupBy:
        return GroupBy(self.group.currentData())

    def rebuild(self) -> None:
        """Refill the tree, keeping the selected claim and the scroll position."""
        selected = self.selected_claim_id()
        scroll = self.tree.verticalScrollBar().value()
        self.tree.selectionModel().blockSignals(True)
        self.model.set_claims(self._overviews, clinic_id=self._clinic,
                              group_by=self.group_by(), text_filter=self.filter.text())
        self.tree.expandAll()
        self._span_groups(QModelIndex())
        self.tree.selectionModel().blockSignals(False)
        self._update_heading()
        if selected and self.select_claim(selected):
            self.tree.verticalScrollBar().setValue(scroll)
        elif selected:
            self.claim_selected.emit(0)

    def _span_groups(self, parent: QModelIndex) -> None:
        for row in range(self.model.rowCount(parent)):
            index = self.model.index(row, 0, parent)
            if index.data(KIND_ROLE) == "group":
                self.tree.setFirstColumnSpanned(row, parent, True)
                self._span_groups(index)

    def _update_heading(self) -> None:
        shown = [o for o in self._overviews if self._clinic is None
                 or any(s.clinic_id == self._clinic for s in o.claim.sources)]
        self.heading.setText(self._clinic_name if self._clinic is not None else "All claims")
        confirmed = sum(o.verdict.confirmed is not None for o in shown)
        rereview = sum(o.verdict.needs_rereview for o in shown)
        linked = sum(any(counts_of(o)) for o in shown)
        parts = [f"{len(shown)} claim{'s' if len(shown) != 1 else ''}"]
        if self._clinic is None:
            parts.append(f"{len(clinic_counts(shown))} clinics")
        parts += [f"{linked} with linked studies", f"{confirmed} verdicts confirmed"]
        if rereview:
            parts.append(f"{rereview} need re-review")
        if self.model.shown_claims != len(shown):
            parts.append(f"{self.model.shown_claims} match the filter")
        self.summary.setText(" · ".join(parts))

    # -- selection -------------------------------------------------------------------------
    def selected_claim_id(self) -> int | None:
        index = self.tree.selectionModel().currentIndex()
        if not index.isValid() or index.data(KIND_ROLE) != "claim":
            return None
        return int(index.data(CLAIM_ID_ROLE))

    def claim_index(self, claim_id: int, parent: QModelIndex | None = None) -> QModelIndex:
        """The first row showing ``claim_id`` (invalid if it is filtered out)."""
        parent = parent or QModelIndex()
        for row in range(self.model.rowCount(parent)):
            index = self.model.index(row, 0, parent)
            if index.data(CLAIM_ID_ROLE) == claim_id:
                return index
            found = self.claim_index(claim_id, index)
            if found.isValid():
                return found
        return QModelIndex()

    def select_claim(self, claim_id: int) -> bool:
        index = self.claim_index(claim_id)
        if not index.isValid():
            return False
        flags = (self.tree.selectionModel().SelectionFlag.ClearAndSelect
                 | self.tree.selectionModel().SelectionFlag.Rows)
        self.tree.selectionModel().setCurrentIndex(index, flags)
        self.tree.scrollTo(index)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        is_claim = current.isValid() and current.data(KIND_ROLE) == "claim"
        for button in (self.edit_button, self.delete_button):
            button.setEnabled(is_claim)
        self.claim_selected.emit(int(current.data(CLAIM_ID_ROLE)) if is_claim else 0)

    def _menu_at(self, position: QPoint) -> None:
        """A claim's context menu; the claim under the pointer is selected first."""
        index = self.tree.indexAt(position)
        if not index.isValid():  # the Menu key: the current row
            index = self.tree.currentIndex()
        if not index.isValid() or index.data(KIND_ROLE) != "claim":
            return
        claim_id = int(index.data(CLAIM_ID_ROLE))
        self.select_claim(claim_id)
        rect = self.tree.visualRect(index)
        where = position if self.tree.indexAt(position).isValid() else rect.center()
        self.menu_requested.emit(claim_id, self.tree.viewport().mapToGlobal(where))
