"""The GRADE panel for a claim: the body of evidence (linked studies with design, risk of
bias, participants, route and follow-up), the starting level from the designs, the five
downgrading and three upgrading domains each with a rating and a footnote, and the
resulting certainty. The application pre-fills suggestions; the reviewer decides."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.appraisal import ROUTE_LABELS
from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.grade import (
    CERTAINTY_LABELS,
    CERTAINTY_ORDER,
    DOWNGRADE_DOMAINS,
    MAX_UPGRADE,
    UPGRADE_DOMAINS,
    GradeAssessment,
    GradeError,
    GradeSuggestion,
    certainty_text,
)
from evidence_tracker.domain.models import Certainty
from evidence_tracker.domain.review import ReviewError
from evidence_tracker.services import grading
from evidence_tracker.services import review as review_service
from evidence_tracker.store import claims as claim_store
from evidence_tracker.ui.context import AppContext
from evidence_tracker.ui.theme import colours, style_text

DOWN_CHOICES = ((0, "0  not serious"), (-1, "−1  serious"), (-2, "−2  very serious"))
UP_CHOICES = ((0, "0  none"), (1, "+1"), (2, "+2  very large"))
BODY_COLUMNS = ("Study", "Design", "Stance", "Risk of bias", "n", "Route", "Follow-up")
FOOTNOTE_HEIGHT = 46
SHORT_DESIGN = {StudyDesign.SYSTEMATIC_REVIEW: "SR/MA", StudyDesign.RCT: "RCT",
                StudyDesign.NON_RANDOMISED_TRIAL: "Non-rand. trial"}


def _signed(value: int) -> str:
    return "0" if value == 0 else f"{value:+d}".replace("-", "−")


class GradePanel(QWidget):
    """The current reviewer's GRADE judgement of one claim; Save records a ``grade`` event."""

    #: The History button: every judgement of this claim.
    history_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setObjectName("gradePanel")
        self.claim_id: int | None = None
        self.suggestion: GradeSuggestion | None = None
        self.ratings: dict[str, QComboBox] = {}
        self.footnotes: dict[str, QPlainTextEdit] = {}
        self.hints: dict[str, QLabel] = {}
        self.dirty = False  # edited since loaded or saved
        self._loading = False
        self._claim_facts = ("", "")  # the claim label's heading and facts (HTML)
        self._stale = False  # drawn in another palette than the current one

        self.claim_combo = QComboBox()
        self.claim_combo.setObjectName("gradeClaimCombo")
        self.claim_combo.setMinimumContentsLength(30)
        self.claim_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.claim_combo.activated.connect(
            lambda _i: self.set_claim(int(self.claim_combo.currentData() or 0), force=True))
        self.claim_label = QLabel()
        self.claim_label.setWordWrap(True)
        self.claim_label.setTextFormat(Qt.TextFormat.RichText)

        self.body = QTableWidget(0, len(BODY_COLUMNS))
        self.body.setObjectName("gradeBody")
        self.body.setHorizontalHeaderLabels(list(BODY_COLUMNS))
        self.body.verticalHeader().setVisible(False)
        self.body.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.body.setTabKeyNavigation(False)  # Tab moves on to the next field, not cell
        self.body.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.body.setMaximumHeight(150)
        self.body.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.body.horizontalHeader().setStretchLastSection(True)

        self.start_combo = QComboBox()
        self.start_combo.setObjectName("gradeStart")
        for c in reversed(CERTAINTY_ORDER):
            self.start_combo.addItem(certainty_text(c), c.value)
        self.start_combo.currentIndexChanged.connect(self._changed)
        self.start_reason = QLabel()
        self.start_reason.setWordWrap(True)
        style_text(self.start_reason)

        down_box = QGroupBox("Downgrading (rate down)")
        down_grid = QGridLayout(down_box)
        for row, (key, label) in enumerate(DOWNGRADE_DOMAINS):
            self._domain_row(down_grid, row, key, label, DOWN_CHOICES)
        self.up_box = QGroupBox("Upgrading (observational evidence only)")
        up_grid = QGridLayout(self.up_box)
        for row, (key, label) in enumerate(UPGRADE_DOMAINS):
            choices = tuple(c for c in UP_CHOICES if c[0] <= MAX_UPGRADE[key])
            self._domain_row(up_grid, row, key, label, choices)

        self.result = QLabel()
        self.result.setObjectName("gradeResult")
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.others = QLabel()
        self.others.setObjectName("gradeOthers")
        self.others.setWordWrap(True)
        self.others.setTextFormat(Qt.TextFormat.RichText)

        self.apply_button = QPushButton("Apply Suggestions")
        self.apply_button.setToolTip("Fill every rating and footnote with the suggestion")
        self.apply_button.clicked.connect(self.apply_suggestions)
        self.history_button = QPushButton("History…")
        self.history_button.clicked.connect(self.history_requested)
        self.save_button = QPushButton("Save GRADE")
        self.save_button.setObjectName("saveGrade")
        self.save_button.setToolTip("Record your GRADE judgement (Ctrl+Return)")
        self.save_button.clicked.connect(self.save)
        save = QShortcut(QKeySequence("Ctrl+Return"), self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)

        start_row = QHBoxLayout()
        start_row.addWidget(QLabel("<b>Starting level:</b>"))
        start_row.addWidget(self.start_combo)
        start_row.addStretch()
        buttons = QHBoxLayout()
        buttons.addWidget(self.history_button)
        buttons.addWidget(self.apply_button)
        buttons.addStretch()
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.claim_combo)
        layout.addWidget(self.claim_label)
        layout.addWidget(self.body)
        layout.addLayout(start_row)
        layout.addWidget(self.start_reason)
        layout.addWidget(down_box)
        layout.addWidget(self.up_box)
        layout.addWidget(self.result)
        layout.addLayout(buttons)
        layout.addWidget(self.others)
        layout.addStretch()
        self.reload()

    def _domain_row(self, grid: QGridLayout, row: int, key: str, label: str,
                    choices: tuple[tuple[int, str], ...]) -> None:
        name = QLabel(f"<b>{escape(label)}</b>")
        name.setWordWrap(True)
        combo = QComboBox()
        combo.setObjectName(f"grade_{key}")
        for value, text in choices:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._changed)
        hint = QLabel()
        style_text(hint)
        note = QPlainTextEdit()
        note.setObjectName(f"footnote_{key}")
        note.setPlaceholderText("Footnote: why this rating")
        note.setTabChangesFocus(True)
        note.setFixedHeight(FOOTNOTE_HEIGHT)
        note.textChanged.connect(self._changed)
        grid.addWidget(name, row * 2, 0)
        grid.addWidget(combo, row * 2, 1)
        grid.addWidget(hint, row * 2, 2)
        grid.addWidget(note, row * 2 + 1, 0, 1, 3)
        grid.setColumnStretch(0, 1)
        self.ratings[key], self.footnotes[key], self.hints[key] = combo, note, hint

    # -- reading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the claims list and the current claim."""
        claims = claim_store.list_claims(self.context.project)
        self.claim_combo.blockSignals(True)
        self.claim_combo.clear()
        self.claim_combo.addItem("Choose a claim to grade…", 0)
        for c in claims:
            text = c.text if len(c.text) <= 70 else c.text[:69] + "…"
            self.claim_combo.addItem(f"{c.code or '#' + str(c.id)} — {text}", c.id)
        ids = {c.id for c in claims}
        keep = self.claim_id if self.claim_id in ids else None
        self.claim_combo.setCurrentIndex(max(0, self.claim_combo.findData(keep or 0)))
        self.claim_combo.blockSignals(False)
        self.set_claim(keep)

    def set_claim(self, claim_id: int | None, *, force: bool = False) -> None:
        """Show the suggestion, or the current reviewer's grade, for ``claim_id``. Unsaved
        edits are kept unless another claim is chosen (or ``force``)."""
        if not force and self.dirty and claim_id == self.claim_id:
            return
        self.dirty = False
        project = self.context.project
        claim = claim_store.get_claim(project, claim_id) if claim_id else None
        self.claim_id = claim.id if claim else None
        self.claim_combo.blockSignals(True)
        self.claim_combo.setCurrentIndex(max(0, self.claim_combo.findData(self.claim_id or 0)))
        self.claim_combo.blockSignals(False)
        for w in (self.body, self.start_combo, self.apply_button, self.save_button,
                  self.history_button, *self.ratings.values(), *self.footnotes.values()):
            w.setEnabled(claim is not None)
        if claim is None:
            self.claim_label.setText("<i>Choose a claim, or select one in the claims view.</i>")
            self.body.setRowCount(0)
            self.start_reason.setText("")
            self.others.setText("")
            self.suggestion = None
            self._recompute()
            return
        p = claim.pico
        facts = [("Population", p.population), ("Intervention", p.intervention),
                 ("Time point", p.timepoint), ("Conditions", ", ".join(claim.conditions))]
        self._claim_facts = (f"<b>{escape(claim.text)}</b><br>", " · ".join(
            f"{k}: {escape(v)}" for k, v in facts if v))
        self._show_claim_label()
        viewer = self.context.reviewer.name  # "" (nobody named) is blinded too, never None
        self.suggestion = grading.suggest(project, claim, viewer)
        self._fill_body(grading.body_of_evidence(project, claim, viewer))
        mine = grading.my_grade(project, claim, viewer) if viewer else None
        self._load(mine or self.suggestion.assessment)
        self.save_button.setText("Save GRADE" if mine is None else "Update GRADE")
        self._show_others()

    def _fill_body(self, studies: list) -> None:
        self.body.setRowCount(len(studies))
        for row, s in enumerate(studies):
            cells = [s.key, SHORT_DESIGN.get(s.design, s.design.label),
                     s.stance.replace("_", " "),
                     s.rob_overall.replace("_", " ") or "not appraised",
                     str(s.participants or "?"), ROUTE_LABELS.get(s.route, s.route or "?"),
                     s.follow_up or "?"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.body.setItem(row, col, item)
        if not studies:
            self.body.setRowCount(1)
            item = QTableWidgetItem("No studies linked to this claim yet.")
            self.body.setItem(0, 0, item)
            self.body.setSpan(0, 0, 1, len(BODY_COLUMNS))
        else:
            self.body.clearSpans()

    def _load(self, assessment: GradeAssessment) -> None:
        self._loading = True
        for w in (self.start_combo, *self.ratings.values()):
            w.blockSignals(True)
        self.start_combo.setCurrentIndex(self.start_combo.findData(assessment.start.value))
        values = {**assessment.downgrades, **assessment.upgrades}
        for key, combo in self.ratings.items():
            combo.setCurrentIndex(max(0, combo.findData(values.get(key, 0))))
            self.footnotes[key].setPlainText(assessment.footnotes.get(key, ""))
        for w in (self.start_combo, *self.ratings.values()):
            w.blockSignals(False)
        # Domains nobody judged stay "not assessed" until the reviewer rates or explains them.
        self._unassessed = {k: assessment.footnotes.get(k, "") for k in assessment.unassessed}
        self._loading = False
        self.dirty = False
        self._recompute()

    def apply_suggestions(self) -> None:
        if self.suggestion is not None:
            self._load(self.suggestion.assessment)

    def assessment(self) -> GradeAssessment:
        """The form as a GRADE judgement."""
        start = Certainty(self.start_combo.currentData() or Certainty.HIGH.value)
        downs = {k: int(self.ratings[k].currentData() or 0) for k, _ in DOWNGRADE_DOMAINS}
        ups = {k: int(self.ratings[k].currentData() or 0) for k, _ in UPGRADE_DOMAINS}
        notes = {k: w.toPlainText().strip() for k, w in self.footnotes.items()
                 if w.toPlainText().strip()}
        ids = self.suggestion.assessment.study_ids if self.suggestion else ()
        untouched = frozenset(
            k for k, note in getattr(self, "_unassessed", {}).items()
            if not downs.get(k) and self.footnotes[k].toPlainText().strip() == note.strip())
        return GradeAssessment(start, downs, ups, notes, ids, unassessed=untouched)

    def _changed(self, *_args: object) -> None:
        """The reviewer edited a rating or footnote."""
        if not self._loading:
            self.dirty = True
            self._recompute()

    def _recompute(self) -> None:
        a = self.assessment()
        self.up_box.setEnabled(self.claim_id is not None and a.upgrades_apply)
        suggested = self.suggestion.assessment if self.suggestion else None
        for key, hint in self.hints.items():
            if suggested is None:
                hint.setText("")
                continue
            value = {**suggested.downgrades, **suggested.upgrades}.get(key, 0)
            hint.setText("not assessed" if key in suggested.unassessed
                         else f"suggested {_signed(value)}")
            hint.setToolTip(suggested.footnotes.get(key, ""))
            self.footnotes[key].setToolTip(suggested.footnotes.get(key, ""))
        if self.suggestion is not None:
            self.start_reason.setText(
                f"From the designs: {certainty_text(self.suggestion.assessment.start)} — "
                f"{escape(self.suggestion.start_reason)}")
        if self.claim_id is None:
            self.result.setText("")
            return
        cert = a.certainty
        theme = colours(self)
        colour = theme.certainty(cert)
        arithmetic = f"{CERTAINTY_LABELS[a.start]} {_signed(a.down)}"
        if a.upgrades_apply and a.up:
            arithmetic += f" {_signed(a.up)}"
        problems = a.problems()
        warn = (f"<br><span style='color:{theme.danger};'>{escape(problems[0])}</span>"
                if problems else "")
        self.result.setText(
            f"<span style='font-size:15pt; color:{colour}; font-weight:bold;'>"
            f"Certainty: {escape(certainty_text(cert))}"
            f"{' at most' if a.provisional else ''}</span> "
            f"<span style='color:{theme.muted};'>({escape(arithmetic)})</span>{warn}")

    def _show_claim_label(self) -> None:
        heading, facts = self._claim_facts
        self.claim_label.setText(f"{heading}<span style='color:{colours(self).muted};'>"
                                 f"{facts}</span>")

    def changeEvent(self, event: QEvent) -> None:
        """Colours follow a light/dark switch (unsaved edits stay), when next shown."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "start_reason"):
            self._stale = True
            if self.isVisible():
                self._restyle()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._restyle()

    def _restyle(self) -> None:
        """The rich-text labels again, in the new palette's colours."""
        self._stale = False
        if self.claim_id is not None:
            self._show_claim_label()
            self._recompute()
            self._show_others()

    def _show_others(self) -> None:
        if self.claim_id is None:
            return
        theme = colours(self)
        viewer = self.context.reviewer.name
        shown, hidden = grading.grades(self.context.project, self.claim_id, viewer)
        lines = [f"<b>{escape(name)}</b>: {escape(certainty_text(a.certainty))}"
                 for name, a in shown if name != viewer]
        if hidden:
            lines.append(f"<span style='color:{theme.warn};'>{hidden} grade(s) by other reviewers "
                         "hidden until you have graded (blind mode).</span>")
        state = review_service.subject_state(
            self.context.project, review_service.Subject("grade", None, self.claim_id))
        if state.status == "conflict" and not hidden:
            lines.append(f"<span style='color:{theme.danger};'>Reviewers disagree: an arbiter "
                         "resolves this in Review → Agreement & Conflicts.</span>")
        elif state.status == "resolved" and state.resolution is not None:
            final = state.final or {}
            lines.append(f"Resolved by {escape(state.resolution.arbiter)}: "
                         f"{escape(certainty_text(final.get('certainty')))}")
        self.others.setText((f"<p style='color:{theme.muted};'><b>OTHER REVIEWERS</b></p>"
                             + "<br>".join(lines)) if lines else "")

    # -- writing ---------------------------------------------------------------------------
    def save(self) -> bool:
        if self.claim_id is None:
            return False
        reviewer = self.context.reviewer.require(self)
        if reviewer is None:
            return False
        try:
            view = grading.record_grade(self.context.project, self.claim_id,
                                        self.assessment(), reviewer=reviewer)
        except (GradeError, ClaimsError, ReviewError) as exc:
            QMessageBox.warning(self, "GRADE", str(exc))
            return False
        self.context.judgement_recorded(
            f"GRADE saved: {certainty_text(view.certainty)} (event {view.event_id}).")
        self.set_claim(view.claim_id, force=True)
        return True
