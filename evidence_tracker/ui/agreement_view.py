"""The agreement and conflicts view: Cohen's kappa and percent agreement for screening,
stance and design, weighted kappa for GRADE certainty, overall and per condition; and the
conflicts list, where an arbiter resolves each disagreement (a ``resolution`` event)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.agreement import Agreement, interpret_kappa
from evidence_tracker.domain.claims import STANCE_LABELS, ClaimsError
from evidence_tracker.domain.grade import CERTAINTY_LABELS, CERTAINTY_ORDER, GradeError
from evidence_tracker.domain.models import ScreeningDecision
from evidence_tracker.domain.review import KIND_LABELS, ReviewError
from evidence_tracker.domain.screening import DECISION_LABELS, ScreeningError
from evidence_tracker.services import review, screening
from evidence_tracker.ui.context import AppContext
from evidence_tracker.ui.theme import colours, style_text

MEASURE_LABELS = {"screening": "Screening", "stance": "Stance", "certainty": "GRADE certainty",
                  "design": "Study design"}
ANY_PAIR = "(most shared)"


def agreement_cell(measure: str, a: Agreement) -> str:
    """'κ 0.64 · 75% (n 4)'; weighted kappa first for certainty; '—' with no pairs."""
    if not a.n:
        return "—"
    pct = f"{a.percent:.0%}" if a.percent is not None else "—"

    def k(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    if measure == "certainty":
        return f"κw {k(a.weighted_linear)} lin / {k(a.weighted_quadratic)} quad · {pct} (n {a.n})"
    return f"κ {k(a.kappa)} · {pct} (n {a.n})"


def _values_for(kind: str) -> list[tuple[str, str]]:
    if kind == "screening":
        return [(d.value, DECISION_LABELS[d]) for d in ScreeningDecision]
    if kind == "grade":
        return [(c.value, CERTAINTY_LABELS[c]) for c in reversed(CERTAINTY_ORDER)]
    if kind == "link":
        return [(s.value, label) for s, label in STANCE_LABELS.items()]
    return []


class AgreementDialog(QDialog):
    """Non-modal: agreement figures in one tab, the conflicts to resolve in the other."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setObjectName("agreementDialog")
        self.setWindowTitle("Agreement and conflicts")
        self.resize(1100, 620)
        self.conflicts: list[review.Conflict] = []
        self.report: review.AgreementReport | None = None

        self.first = QComboBox()
        self.second = QComboBox()
        for combo in (self.first, self.second):
            combo.setMinimumContentsLength(12)
            combo.activated.connect(lambda _i: self.reload())
        top = QHBoxLayout()
        top.addWidget(QLabel("Reviewers:"))
        top.addWidget(self.first)
        top.addWidget(QLabel("and"))
        top.addWidget(self.second)
        top.addStretch()
        self.mode_label = QLabel()
        top.addWidget(self.mode_label)

        self.table = QTableWidget(0, 1 + len(MEASURE_LABELS))
        self.table.setObjectName("agreementTable")
        self.table.setHorizontalHeaderLabels(["", *MEASURE_LABELS.values()])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.summary = QLabel()
        self.summary.setObjectName("agreementSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        legend = QLabel(
            "κ: Cohen's kappa (agreement beyond chance); κw: weighted kappa for the ordered "
            "GRADE levels, with linear and quadratic weights; %: share of identical "
            "judgements; n: studies or claims both reviewers judged. Landis & Koch: 0.41–0.60 "
            "moderate, 0.61–0.80 substantial, above 0.80 almost perfect.")
        legend.setWordWrap(True)
        style_text(legend)
        agreement_tab = QWidget()
        a_layout = QVBoxLayout(agreement_tab)
        a_layout.addWidget(self.summary)
        a_layout.addWidget(self.table, 1)
        a_layout.addWidget(legend)

        self.conflict_table = QTableWidget(0, 4)
        self.conflict_table.setObjectName("conflictTable")
        self.conflict_table.setHorizontalHeaderLabels(["Judgement", "Subject",
                                                       "Reviewers' judgements", "Key"])
        self.conflict_table.verticalHeader().setVisible(False)
        self.conflict_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.conflict_table.setTabKeyNavigation(False)  # Tab leaves the table
        self.conflict_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.conflict_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        ch = self.conflict_table.horizontalHeader()
        ch.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        ch.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.conflict_table.itemSelectionChanged.connect(self._conflict_selected)

        self.resolve_panel = QWidget()
        self.resolve_panel.setObjectName("resolvePanel")
        self.resolve_title = QLabel()
        self.resolve_title.setWordWrap(True)
        self.resolve_title.setTextFormat(Qt.TextFormat.RichText)
        self.choice_group = QButtonGroup(self)
        self.choice_box = QVBoxLayout()
        self.other_value = QComboBox()
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Why (kept with the resolution)")
        self.arbiter_label = QLabel()
        self.arbiter_label.setWordWrap(True)
        self.resolve_button = QPushButton("Resolve")
        self.resolve_button.setObjectName("resolveButton")
        self.resolve_button.clicked.connect(self.resolve_selected)
        r_layout = QVBoxLayout(self.resolve_panel)
        r_layout.addWidget(self.resolve_title)
        r_layout.addLayout(self.choice_box)
        r_layout.addWidget(QLabel("Exclusion reason (for an exclusion):"))
        r_layout.addWidget(self.reason)
        r_layout.addWidget(self.note)
        r_layout.addWidget(self.arbiter_label)
        r_layout.addWidget(self.resolve_button)
        r_layout.addStretch()

        conflicts_tab = QSplitter(Qt.Orientation.Horizontal)
        conflicts_tab.addWidget(self.conflict_table)
        conflicts_tab.addWidget(self.resolve_panel)
        conflicts_tab.setSizes([680, 380])

        self.tabs = QTabWidget()
        self.tabs.addTab(agreement_tab, "Agreement")
        self.tabs.addTab(conflicts_tab, "Conflicts")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    # -- reading ---------------------------------------------------------------------------
    def _pair(self) -> list[str] | None:
        a, b = self.first.currentText(), self.second.currentText()
        if a and b and a != ANY_PAIR and b != ANY_PAIR and a != b:
            return [a, b]
        return None

    def reload(self) -> None:
        project = self.context.project
        viewer = self.context.reviewer.name  # blind mode: only what this reviewer may see
        try:
            report = review.agreement(project, reviewers=self._pair(), viewer=viewer)
        except ReviewError:
            report = review.agreement(project, viewer=viewer)
        self.report = report
        names = review.reviewer_names(project)
        for combo, index in ((self.first, 0), (self.second, 1)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([ANY_PAIR, *names])
            if report.reviewers:
                combo.setCurrentText(report.reviewers[index])
            combo.blockSignals(False)
        blind = review.blind_mode(project)
        self.mode_label.setText(f"Blind mode {'on' if blind else 'off'} · arbiter: "
                                f"{escape(self.context.reviewer.name or '(nobody)')}")
        self._fill_agreement(report)
        self._fill_conflicts()

    def _fill_agreement(self, report: review.AgreementReport) -> None:
        self.table.setRowCount(len(report.rows))
        for row, r in enumerate(report.rows):
            name = QTableWidgetItem(r.name)
            if row == 0:
                font = name.font()
                font.setBold(True)
                name.setFont(font)
            self.table.setItem(row, 0, name)
            for col, (measure, _) in enumerate(MEASURE_LABELS.items(), start=1):
                a = r.measures[measure]
                item = QTableWidgetItem(agreement_cell(measure, a))
                kappa = a.weighted_linear if measure == "certainty" else a.kappa
                item.setToolTip(f"{MEASURE_LABELS[measure]}: {interpret_kappa(kappa)} "
                                "agreement" if a.n else "No subject judged by both")
                self.table.setItem(row, col, item)
        if report.reviewers is None:
            self.summary.setText("<b>No two reviewers have judged the same studies or claims "
                                 "yet.</b> Agreement appears once a second reviewer screens, "
                                 "links or grades what the first did.")
            return
        first, second = report.reviewers
        overall = report.overall.measures["screening"]
        line = f"<b>{escape(first)}</b> and <b>{escape(second)}</b>"
        if overall.n:
            line += (f": screening agreement {overall.percent or 0:.0%}, κ "
                     + ("—" if overall.kappa is None else f"{overall.kappa:.2f}")
                     + f" ({interpret_kappa(overall.kappa)}) on {overall.n} studies")
        line += f" · {len(self.conflicts)} open conflict(s)" if self.conflicts else ""
        self.summary.setText(line + ".")

    def _fill_conflicts(self) -> None:
        self.conflicts = review.conflicts(self.context.project,
                                          viewer=self.context.reviewer.name)
        self.conflict_table.setRowCount(len(self.conflicts))
        for row, c in enumerate(self.conflicts):
            values = "; ".join(f"{j.reviewer}: {j.text}" for j in c.judgements)
            if c.stale is not None:
                values += f"   (reopened: resolved by {c.stale.arbiter} before a change)"
            for col, text in enumerate((KIND_LABELS[c.subject.kind], c.label, values, c.key)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.conflict_table.setItem(row, col, item)
        self.tabs.setTabText(1, f"Conflicts ({len(self.conflicts)})")
        if self.conflicts:
            self.conflict_table.blockSignals(True)
            self.conflict_table.selectRow(0)
            self.conflict_table.blockSignals(False)
        self._conflict_selected()

    # -- resolving -------------------------------------------------------------------------
    def selected_conflict(self) -> review.Conflict | None:
        rows = self.conflict_table.selectionModel().selectedRows()
        return self.conflicts[rows[0].row()] if rows and rows[0].row() < len(
            self.conflicts) else None

    def _conflict_selected(self) -> None:
        for button in self.choice_group.buttons():
            self.choice_group.removeButton(button)
        while self.choice_box.count():
            item = self.choice_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.other_value:
                widget.hide()
                widget.deleteLater()
        c = self.selected_conflict()
        self.resolve_panel.setEnabled(c is not None)
        if c is None:
            self.resolve_title.setText("<i>No conflicts: the reviewers agree.</i>")
            self.arbiter_label.setText("")
            return
        self.resolve_title.setText(f"<b>{escape(KIND_LABELS[c.subject.kind])} of "
                                   f"{escape(c.label)}</b><br>Final judgement:")
        for i, j in enumerate(c.judgements):
            radio = QRadioButton(f"Accept {j.reviewer}: {j.text}")
            radio.setProperty("reviewer", j.reviewer)
            self.choice_group.addButton(radio, i)
            self.choice_box.addWidget(radio)
            radio.setChecked(i == 0)
        values = _values_for(c.subject.kind)
        if values:
            other = QRadioButton("Another value:")
            other.setProperty("reviewer", "")
            self.choice_group.addButton(other, len(c.judgements))
            self.choice_box.addWidget(other)
            self.other_value.clear()
            for value, label in values:
                self.other_value.addItem(label, value)
            self.choice_box.addWidget(self.other_value)
            self.other_value.show()
        else:
            self.other_value.hide()
        self.reason.clear()
        self.reason.addItems(screening.exclusion_reasons(self.context.project))
        self.reason.setEnabled(c.subject.kind == "screening")
        arbiter = self.context.reviewer.name
        judged = {j.reviewer for j in c.judgements}
        if arbiter in judged:
            self.arbiter_label.setText(
                f"<span style='color:{colours(self).danger};'>You ({escape(arbiter)}) judged "
                "this: an arbiter must be someone else. Switch reviewer in the toolbar.</span>")
            self.resolve_button.setEnabled(False)
        else:
            self.arbiter_label.setText(f"Resolving as arbiter <b>{escape(arbiter or '?')}</b>.")
            self.resolve_button.setEnabled(True)

    def resolve_selected(self) -> bool:
        c = self.selected_conflict()
        if c is None:
            return False
        arbiter = self.context.reviewer.require(self)
        if arbiter is None:
            return False
        checked = self.choice_group.checkedButton()
        accept = str(checked.property("reviewer") or "") if checked else ""
        value = None if accept else str(self.other_value.currentData() or "")
        try:
            review.resolve(self.context.project, c.subject, arbiter=arbiter,
                           accept=accept or None, value=value,
                           reason=self.reason.currentText(), note=self.note.text())
        except (ReviewError, ClaimsError, ScreeningError, GradeError) as exc:
            QMessageBox.warning(self, "Resolve", str(exc))
            return False
        self.note.clear()
        self.context.judgement_recorded(f"Resolved {c.label} as arbiter {arbiter}.")
        self.reload()
        return True
