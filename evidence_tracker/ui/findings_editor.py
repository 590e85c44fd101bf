"""The findings of one link, edited in place: a table (outcome, time point, direction,
effect, numbers analysed, comparator, quotes) with Add, Edit and Remove, and the dialog
for one finding. Nothing is written here: the link dialog saves the findings with the
link (:func:`evidence_tracker.services.evidence.link_study`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import ClaimsError, validate_finding
from evidence_tracker.domain.findings import (
    DIRECTION_LABELS,
    Direction,
    EffectEstimate,
    EffectMeasure,
    Finding,
)
from evidence_tracker.domain.sentences import normalise
from evidence_tracker.ui.theme import Tone, style_text

COLUMNS = ("Time point", "Outcome", "Direction", "Effect (95% CI)", "N", "Comparator",
           "Quotes")


def _number(text: str, name: str) -> float:
    try:
        return float(text.strip().replace("−", "-").replace(",", "."))
    except ValueError:
        raise ClaimsError(f"The {name} must be a number, not {text.strip()!r}.") from None


class FindingDialog(QDialog):
    """One finding: outcome, time point, direction, optional effect with its 95% CI,
    numbers analysed, comparator, and the abstract sentences that show it."""

    def __init__(self, sentences: Sequence[str], *, title: str, abstract: str,
                 finding: Finding | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("findingDialog")
        self.setWindowTitle("Edit Finding" if finding else "Add Finding")
        self.resize(720, 520)
        self._title, self._abstract = title, abstract
        self.original = finding or Finding("")
        self.finding: Finding | None = None
        f = self.original
        self.outcome = QLineEdit(f.outcome)
        self.outcome.setObjectName("findingOutcome")
        self.outcome.setPlaceholderText("e.g. pain intensity (NRS)")
        self.timepoint = QLineEdit(f.timepoint)
        self.timepoint.setObjectName("findingTimepoint")
        self.timepoint.setPlaceholderText("e.g. 4 weeks (empty: not known)")
        self.direction = QComboBox()
        self.direction.setObjectName("findingDirection")
        for d, label in DIRECTION_LABELS.items():
            self.direction.addItem(label, d.value)
        self.direction.setCurrentIndex(self.direction.findData(f.direction.value))
        self.measure = QComboBox()
        self.measure.setObjectName("findingMeasure")
        self.measure.addItem("No effect estimate", "")
        for m in EffectMeasure:
            self.measure.addItem(m.value, m.value)
        e = f.effect
        self.measure.setCurrentIndex(self.measure.findData(e.measure.value if e else ""))
        self.value = QLineEdit("" if e is None else f"{e.value:g}")
        self.ci_low = QLineEdit("" if e is None else f"{e.ci_low:g}")
        self.ci_high = QLineEdit("" if e is None else f"{e.ci_high:g}")
        for name, w in (("findingValue", self.value), ("findingCiLow", self.ci_low),
                        ("findingCiHigh", self.ci_high)):
            w.setObjectName(name)
            w.setMaximumWidth(90)
        self.analysed = QSpinBox()
        self.analysed.setObjectName("findingAnalysed")
        self.analysed.setRange(0, 10_000_000)
        self.analysed.setSpecialValueText("not given")
        self.analysed.setValue(f.analysed or 0)
        self.comparator = QLineEdit(f.comparator)
        self.comparator.setObjectName("findingComparator")
        self.comparator.setPlaceholderText("e.g. placebo")
        self.quotes = QListWidget()
        self.quotes.setObjectName("findingQuotes")
        self.quotes.setWordWrap(True)
        self.quotes.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        chosen = {normalise(q) for q in f.quotes}
        listed = list(sentences) + [q for q in f.quotes
                                    if normalise(q) not in {normalise(s) for s in sentences}]
        for sentence in listed:
            item = QListWidgetItem(sentence)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if normalise(sentence) in chosen
                               else Qt.CheckState.Unchecked)
            self.quotes.addItem(item)
        self.error = QLabel()
        self.error.setObjectName("findingError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        style_text(self.error, Tone.BAD, bold=True)
        self.error.hide()

        effect_row = QHBoxLayout()
        effect_row.addWidget(self.measure)
        for text, w in (("estimate", self.value), ("95% CI", self.ci_low),
                        ("to", self.ci_high)):
            effect_row.addWidget(QLabel(text))
            effect_row.addWidget(w)
        effect_row.addStretch(1)
        form = QFormLayout()
        form.addRow(self._buddy("&Outcome:", self.outcome), self.outcome)
        form.addRow(self._buddy("&Time point:", self.timepoint), self.timepoint)
        form.addRow(self._buddy("&Direction:", self.direction), self.direction)
        form.addRow(self._buddy("&Effect:", self.measure), effect_row)
        form.addRow(self._buddy("&Analysed:", self.analysed), self.analysed)
        form.addRow(self._buddy("&Comparator:", self.comparator), self.comparator)
        form.addRow(self._buddy("&Quotes:", self.quotes), self.quotes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setObjectName("findingOk")
        ok.setShortcut(QKeySequence("Ctrl+Return"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.outcome.setFocus()

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    def checked_quotes(self) -> tuple[str, ...]:
        return tuple(self.quotes.item(r).text() for r in range(self.quotes.count())
                     if self.quotes.item(r).checkState() == Qt.CheckState.Checked)

    def build(self) -> Finding:
        """The finding as entered, validated against the study's title and abstract."""
        measure = str(self.measure.currentData())
        effect = None
        if measure:
            effect = EffectEstimate(EffectMeasure(measure), _number(self.value.text(), "estimate"),
                                    _number(self.ci_low.text(), "CI's lower limit"),
                                    _number(self.ci_high.text(), "CI's upper limit"))
        finding = replace(
            self.original, id=self.original.id or Finding.new_id(),
            outcome=self.outcome.text(), timepoint=self.timepoint.text(),
            direction=Direction(str(self.direction.currentData())), effect=effect,
            analysed=self.analysed.value() or None, comparator=self.comparator.text(),
            quotes=self.checked_quotes())
        return validate_finding(finding, title=self._title, abstract=self._abstract)

    def accept(self) -> None:
        try:
            self.finding = self.build()
        except ClaimsError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()


def finding_cells(f: Finding) -> list[str]:
    """A finding's table row, column by column (see :data:`COLUMNS`)."""
    return [f.timepoint or "not known", f.outcome or "—", DIRECTION_LABELS[f.direction],
            str(f.effect) if f.effect else "—", "" if f.analysed is None else str(f.analysed),
            f.comparator or "—", str(len(f.quotes))]


class FindingsEditor(QWidget):
    """A link's findings, edited in place; ``changed`` after every add, edit or removal."""

    changed = Signal()

    def __init__(self, sentences: Sequence[str], *, title: str, abstract: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.sentences = list(sentences)
        self._title, self._abstract = title, abstract
        self._findings: list[Finding] = []
        self.dialog: FindingDialog | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("findingsTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):  # the outcome takes the room the others leave
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == 1
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(90)
        self.table.doubleClicked.connect(lambda _index: self.edit_current())
        self.add_button = QPushButton("&Add Finding…")
        self.add_button.setObjectName("findingAdd")
        self.edit_button = QPushButton("Ed&it…")
        self.edit_button.setObjectName("findingEdit")
        self.remove_button = QPushButton("Remo&ve")
        self.remove_button.setObjectName("findingRemove")
        for b in (self.add_button, self.edit_button, self.remove_button):
            b.setAutoDefault(False)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_current)
        self.remove_button.clicked.connect(self.remove_current)
        self.hint = QLabel()
        self.hint.setObjectName("findingsHint")
        style_text(self.hint)
        self.hint.setWordWrap(True)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.hint)
        self._refresh()

    def findings(self) -> list[Finding]:
        return list(self._findings)

    def set_findings(self, findings: Sequence[Finding]) -> None:
        # A link made before findings existed: its one finding becomes a recorded one.
        self._findings = [replace(f, id=Finding.new_id()) if f.id == "legacy" else f
                          for f in findings]
        self._refresh()

    def _refresh(self) -> None:
        self.table.setRowCount(len(self._findings))
        for r, f in enumerate(self._findings):
            for c, text in enumerate(finding_cells(f)):
                item = QTableWidgetItem(text)
                if c == len(COLUMNS) - 1:
                    item.setToolTip("\n\n".join(f.quotes) or "No quote")
                self.table.setItem(r, c, item)
        has = bool(self._findings)
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        self.hint.setText("" if has else "No findings: saving a new link records one from "
                          "the stance, outcome, time point and quotes above.")

    def _current(self) -> int | None:
        row = self.table.currentRow()
        return row if 0 <= row < len(self._findings) else None

    def _open(self, finding: Finding | None) -> FindingDialog:
        dialog = FindingDialog(self.sentences, title=self._title, abstract=self._abstract,
                               finding=finding, parent=self)
        self.dialog = dialog
        return dialog

    def add(self) -> FindingDialog:
        dialog = self._open(None)
        dialog.accepted.connect(lambda: self._put(None, dialog.finding))
        dialog.open()
        return dialog

    def edit_current(self) -> FindingDialog | None:
        row = self._current()
        if row is None:
            return None
        dialog = self._open(self._findings[row])
        dialog.accepted.connect(lambda: self._put(row, dialog.finding))
        dialog.open()
        return dialog

    def _put(self, row: int | None, finding: Finding | None) -> None:
        if finding is None:
            return
        if row is None:
            self._findings.append(finding)
            row = len(self._findings) - 1
        else:
            self._findings[row] = finding
        self._refresh()
        self.table.selectRow(row)
        self.changed.emit()

    def remove_current(self) -> None:
        row = self._current()
        if row is None:
            return
        del self._findings[row]
        self._refresh()
        self.changed.emit()
