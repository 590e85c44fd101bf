"""The appraisal form for the selected study: design (suggested from the publication types
and MeSH, confirmed by the reviewer), participants, follow-up, dose and route, comparator,
risk of bias (RoB 2 for randomised trials, ROBINS-I for non-randomised studies) with a
judgement per domain and overall, funding, conflicts and a note."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.appraisal import (
    COMPARATOR_CHOICES,
    CONFLICT_CHOICES,
    FUNDING_CHOICES,
    ROUTES,
    AppraisalError,
    AppraisalState,
    RobTool,
    overall_rob,
    rob_domains,
    rob_judgements,
    rob_label,
    rob_tool_for,
)
from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.domain.design import DesignSuggestion, StudyDesign
from evidence_tracker.domain.models import StoredStudy
from evidence_tracker.domain.review import ReviewError
from evidence_tracker.services import appraisal
from evidence_tracker.services import review as review_service
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.context import AppContext
from evidence_tracker.ui.theme import Tone, colours, style_text

NOT_REPORTED = "not reported"
ROB_COMBO_WIDTH = 170
ROB_TONES = {"low": Tone.GOOD, "some_concerns": Tone.CAUTION, "moderate": Tone.CAUTION,
             "high": Tone.BAD, "serious": Tone.BAD, "critical": Tone.BAD}


def short_domain(label: str) -> str:
    """'Bias due to confounding' -> 'Confounding' (the full name is the tooltip)."""
    for prefix in ("Bias due to ", "Bias in "):
        if label.startswith(prefix):
            rest = label[len(prefix):]
            return rest[:1].upper() + rest[1:]
    return label


def _editable_combo(choices: tuple[str, ...], placeholder: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(["", *choices])
    line = combo.lineEdit()
    if line is not None:
        line.setPlaceholderText(placeholder)
    return combo


def _byline(stored: StoredStudy) -> str:
    """'Schwartzman RJ et al., Pain, 2009'."""
    s = stored.study
    first = s.authors[0].display_name if s.authors else ""
    first += " et al." if len(s.authors) > 1 else ""
    return ", ".join(p for p in (first, s.journal_abbrev or s.journal, str(s.year or "")) if p)


class AppraisalPanel(QWidget):
    """Edits the current reviewer's appraisal of one study; Save records an event."""

    saved = Signal(int)
    #: The History button: every judgement of this study.
    history_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setObjectName("appraisalPanel")
        self.study_id: int | None = None
        self.suggestion: DesignSuggestion | None = None
        self._loading = False
        self.dirty = False  # edited since loaded or saved
        self.rob_combos: dict[str, QComboBox] = {}

        self.heading = QLabel()
        self.heading.setObjectName("appraisalHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)

        self.design_combo = QComboBox()
        self.design_combo.setObjectName("designCombo")
        for d in StudyDesign:
            self.design_combo.addItem(d.label, d.value)
        self.design_combo.currentIndexChanged.connect(self._design_changed)
        self.suggestion_label = QLabel()
        self.suggestion_label.setObjectName("designSuggestion")
        self.suggestion_label.setWordWrap(True)
        style_text(self.suggestion_label)
        self.use_suggestion = QPushButton("Use Suggestion")
        self.use_suggestion.clicked.connect(self._use_suggestion)

        self.participants = QSpinBox()
        self.participants.setObjectName("participants")
        self.participants.setRange(0, 10_000_000)
        self.participants.setSpecialValueText(NOT_REPORTED)
        self.participants.setSuffix(" participants")
        self.follow_up = QLineEdit()
        self.follow_up.setPlaceholderText("e.g. 12 weeks")
        self.dose = QLineEdit()
        self.dose.setPlaceholderText("e.g. 0.35 mg/kg/h over 4 h, 10 days")
        self.route = QComboBox()
        self.route.setObjectName("routeCombo")
        self.route.addItem("", "")
        for key, label in ROUTES:
            self.route.addItem(label, key)
        self.comparator = _editable_combo(COMPARATOR_CHOICES, "placebo, midazolam, usual care…")

        self.rob_box = QGroupBox("Risk of bias")
        self.rob_box.setObjectName("robBox")
        self.rob_grid = QGridLayout(self.rob_box)
        self.rob_grid.setColumnStretch(0, 1)
        self.overall = QComboBox()
        self.overall.setObjectName("robOverall")
        self.overall_hint = QLabel()
        style_text(self.overall_hint)

        self.funding = _editable_combo(FUNDING_CHOICES, "who paid for the study")
        self.conflicts = _editable_combo(CONFLICT_CHOICES, "authors' conflicts of interest")
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Note (kept with the appraisal)")
        self.note.setMaximumHeight(64)

        self.others = QLabel()
        self.others.setObjectName("appraisalOthers")
        self.others.setWordWrap(True)
        self.others.setTextFormat(Qt.TextFormat.RichText)

        self.save_button = QPushButton("Save Appraisal")
        self.save_button.setObjectName("saveAppraisal")
        self.save_button.setToolTip("Record your appraisal (Ctrl+Return)")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(lambda: self.set_study(self.study_id, force=True))
        self.history_button = QPushButton("History…")
        self.history_button.clicked.connect(self.history_requested)
        save = QShortcut(QKeySequence("Ctrl+Return"), self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)

        design_row = QHBoxLayout()
        design_row.addWidget(self.design_combo, 1)
        design_row.addWidget(self.use_suggestion)
        design_label = QLabel("&Design:")
        design_label.setBuddy(self.design_combo)
        study = QFormLayout()
        study.addRow(design_label, design_row)
        study.addRow(self.suggestion_label)
        study.addRow("&Participants:", self.participants)
        study.addRow("&Follow-up:", self.follow_up)
        study.addRow("Ketamine d&ose:", self.dose)
        study.addRow("&Route:", self.route)
        study.addRow("&Comparator:", self.comparator)
        extra = QFormLayout()
        extra.addRow("F&unding:", self.funding)
        extra.addRow("Co&nflicts:", self.conflicts)
        extra.addRow("No&te:", self.note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.history_button)
        buttons.addStretch()
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.others)
        layout.addLayout(study)
        layout.addWidget(self.rob_box)
        layout.addLayout(extra)
        layout.addLayout(buttons)
        layout.addStretch()
        for signal in (self.design_combo.currentIndexChanged, self.participants.valueChanged,
                       self.follow_up.textEdited, self.dose.textEdited,
                       self.route.currentIndexChanged, self.comparator.editTextChanged,
                       self.funding.editTextChanged, self.conflicts.editTextChanged,
                       self.note.textChanged):
            signal.connect(self._edited)
        self.set_study(None, force=True)

    def _edited(self, *_args: object) -> None:
        if not self._loading:
            self.dirty = True

    # -- reading ---------------------------------------------------------------------------
    def set_study(self, study_id: int | None, *, force: bool = False) -> None:
        """Show the current reviewer's appraisal of ``study_id`` (or a new one). Unsaved
        edits are kept unless another study is chosen (or ``force``)."""
        if not force and self.dirty and study_id in (None, self.study_id):
            return
        self.dirty = False
        project = self.context.project
        stored = study_store.get_study(project, study_id) if study_id else None
        self.study_id = stored.id if stored else None
        self.setEnabled(stored is not None)
        if stored is None:
            self.heading.setText("<i>Select a study in the table to appraise it.</i>")
            self.suggestion_label.setText("")
            self.others.setText("")
            self._build_rob(RobTool.NONE, {}, "")
            return
        s = stored.study
        key = f"PMID {s.pmid}" if s.pmid else (f"doi:{s.doi}" if s.doi else f"#{stored.id}")
        theme = colours(self)
        flag = f' <b style="color:{theme.danger};">RETRACTED</b>' if s.retracted else ""
        self.heading.setText(f"<b>{escape(s.title)}</b><br><span style='color:{theme.muted};'>"
                             f"{escape(_byline(stored))} · {escape(key)}</span>{flag}")
        self.suggestion = appraisal.design_suggestion(project, stored.id)
        self.suggestion_label.setText(
            f"Suggested: <b>{escape(self.suggestion.design.label)}</b> — "
            f"{escape(self.suggestion.reason)}")
        reviewer = self.context.reviewer.name
        state = appraisal.my_appraisal(project, stored.id, reviewer) if reviewer else None
        self._load(state or appraisal.new_appraisal(project, stored.id))
        self.save_button.setText("Save Appraisal" if state is None else "Update Appraisal")
        self._show_others()

    def _load(self, state: AppraisalState) -> None:
        self._loading = True
        self.dirty = False
        self.design_combo.setCurrentIndex(self.design_combo.findData(state.design.value))
        self.participants.setValue(state.participants or 0)
        self.follow_up.setText(state.follow_up)
        self.dose.setText(state.dose)
        self.route.setCurrentIndex(max(0, self.route.findData(state.route)))
        self.comparator.setCurrentText(state.comparator)
        self.funding.setCurrentText(state.funding)
        self.conflicts.setCurrentText(state.conflicts)
        self.note.setPlainText(state.note)
        self._build_rob(state.rob_tool, state.rob_domains, state.rob_overall)
        self._loading = False

    def _build_rob(self, tool: RobTool, domains: Mapping[str, str], overall: str) -> None:
        while self.rob_grid.count():
            item = self.rob_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.rob_combos = {}
        self.overall = QComboBox()
        self.overall.setObjectName("robOverall")
        self.overall_hint = QLabel()
        style_text(self.overall_hint)
        self.rob_box.setTitle(f"Risk of bias — {tool.label}")
        judgements = rob_judgements(tool)
        if not judgements:
            hint = QLabel("No risk-of-bias tool for this design (RoB 2 is for randomised "
                          "trials, ROBINS-I for non-randomised studies of interventions).")
            hint.setWordWrap(True)
            self.rob_grid.addWidget(hint, 0, 0, 1, 2)
            return
        values = dict(domains)
        row = 0
        for row, (key, label) in enumerate(rob_domains(tool)):
            combo = QComboBox()
            combo.setObjectName(f"rob_{key}")
            combo.setMinimumWidth(ROB_COMBO_WIDTH)
            combo.addItem("—", "")
            for value, text in judgements:
                combo.addItem(text, value)
            combo.setCurrentIndex(max(0, combo.findData(values.get(key, ""))))
            combo.currentIndexChanged.connect(self._domains_changed)
            self.rob_combos[key] = combo
            name = QLabel(short_domain(label))
            name.setToolTip(label)
            combo.setToolTip(label)
            self.rob_grid.addWidget(name, row, 0)
            self.rob_grid.addWidget(combo, row, 1)
        self.overall.setMinimumWidth(ROB_COMBO_WIDTH)
        self.overall.addItem("(from the domains)", "")
        for value, text in judgements:
            self.overall.addItem(text, value)
        self.overall.setCurrentIndex(max(0, self.overall.findData(overall)))
        self.overall.currentIndexChanged.connect(lambda _i: self._domains_changed())
        self.rob_grid.addWidget(QLabel("<b>Overall judgement</b>"), row + 1, 0)
        self.rob_grid.addWidget(self.overall, row + 1, 1)
        self.rob_grid.addWidget(self.overall_hint, row + 2, 0, 1, 2)
        self._domains_changed()

    def _domains_changed(self, _index: int = 0) -> None:
        self._edited()
        tool = self.current_tool()
        implied = overall_rob(tool, self._domain_values())
        chosen = self.overall.currentData() or implied
        theme = colours(self)
        tone = ROB_TONES.get(chosen)
        colour = theme.tone(tone) if tone else theme.muted
        text = rob_label(tool, implied) if implied else "judge every domain"
        self.overall_hint.setText(f"Domains imply: <b style='color:{colour};'>"
                                  f"{escape(text)}</b>")

    def _domain_values(self) -> dict[str, str]:
        return {k: str(c.currentData() or "") for k, c in self.rob_combos.items()
                if c.currentData()}

    def current_tool(self) -> RobTool:
        return rob_tool_for(StudyDesign(self.design_combo.currentData()))

    def _design_changed(self, _index: int) -> None:
        if self._loading or not self.study_id:
            return
        tool = self.current_tool()
        if self.rob_box.title() != f"Risk of bias — {tool.label}":
            self._build_rob(tool, {}, "")

    def _use_suggestion(self) -> None:
        if self.suggestion is not None:
            self.design_combo.setCurrentIndex(
                self.design_combo.findData(self.suggestion.design.value))

    def _show_others(self) -> None:
        if self.study_id is None:
            return
        viewer = self.context.reviewer.name
        shown, hidden = appraisal.appraisals(self.context.project, self.study_id, viewer)
        lines = []
        for name, state in shown:
            if name == viewer:
                continue
            rob = rob_label(state.rob_tool, state.rob_overall) or "risk of bias not judged"
            n = f"n={state.participants}, " if state.participants else ""
            lines.append(f"<b>{escape(name)}</b>: {escape(state.design.label)}; {n}"
                         f"{escape(rob.lower())}")
        theme = colours(self)
        if hidden:
            lines.append(f"<span style='color:{theme.warn};'>{hidden} appraisal(s) by other "
                         "reviewers hidden until you have appraised (blind mode).</span>")
        subject = review_service.Subject("appraisal", self.study_id)
        status = review_service.subject_state(self.context.project, subject)
        if status.status == "conflict" and not hidden:
            lines.append(f"<span style='color:{theme.danger};'>Reviewers disagree: an arbiter "
                         "resolves this in Review → Agreement & Conflicts.</span>")
        elif status.status == "resolved" and status.resolution is not None:
            lines.append(f"Resolved by {escape(status.resolution.arbiter)}.")
        self.others.setText((f"<span style='color:{theme.muted};'><b>OTHER REVIEWERS</b>"
                             "</span><br>"
                             + "<br>".join(lines)) if lines else "")
        self.others.setVisible(bool(lines))

    # -- writing ---------------------------------------------------------------------------
    def state(self) -> AppraisalState:
        """The form as an appraisal (not yet validated)."""
        tool = self.current_tool()
        return AppraisalState(
            design=StudyDesign(self.design_combo.currentData()),
            suggested_design=self.suggestion.design if self.suggestion else None,
            participants=self.participants.value() or None,
            follow_up=self.follow_up.text().strip(), dose=self.dose.text().strip(),
            route=str(self.route.currentData() or ""),
            comparator=self.comparator.currentText().strip(), rob_tool=tool,
            rob_domains=self._domain_values(),
            rob_overall=str(self.overall.currentData() or "") if self.rob_combos else "",
            funding=self.funding.currentText().strip(),
            conflicts=self.conflicts.currentText().strip(),
            note=self.note.toPlainText().strip(),
        )

    def save(self) -> bool:
        if self.study_id is None:
            return False
        reviewer = self.context.reviewer.require(self)
        if reviewer is None:
            return False
        try:
            view = appraisal.appraise(self.context.project, self.study_id,
                                      replace(self.state()), reviewer=reviewer)
        except (AppraisalError, ClaimsError, ReviewError) as exc:
            QMessageBox.warning(self, "Appraisal", str(exc))
            return False
        self.saved.emit(view.study_id)
        overall = rob_label(view.state.rob_tool, view.state.rob_overall)
        self.context.judgement_recorded(
            f"Appraisal saved: {view.state.design.label}"
            + (f", risk of bias {overall.lower()}" if overall else "")
            + f" (event {view.event_id}).")
        self.set_study(view.study_id, force=True)
        return True
