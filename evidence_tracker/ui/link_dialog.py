"""Link a study to a claim, by keyboard: filter and pick the claim, press 1-4 for the
stance, tick the abstract sentence(s) that justify it, add outcome, time point and note;
record the findings (outcome by outcome, time point by time point, with effects), a
review's own reported certainty and, for an attribution claim, whether the clinic's
paraphrase matches the document.

Saving calls :func:`evidence_tracker.services.evidence.link_study` on the window's
connection (a quick local write); what it refuses (a quote not in the abstract, no
quote for a stance) is shown in the dialog and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import (
    KIND_LABELS,
    STANCE_LABELS,
    Claim,
    ClaimKind,
    ClaimsError,
)
from evidence_tracker.domain.design import suggest_design
from evidence_tracker.domain.findings import ATTRIBUTION_LABELS
from evidence_tracker.domain.grade import CERTAINTY_LABELS
from evidence_tracker.domain.models import Certainty, Stance, StoredStudy
from evidence_tracker.domain.sentences import contains_normalised, normalise, split_sentences
from evidence_tracker.services import evidence
from evidence_tracker.services.evidence import LinkView
from evidence_tracker.store import Project
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.claims_view import category_label, matches
from evidence_tracker.ui.context import ReviewerSession
from evidence_tracker.ui.findings_editor import FindingsEditor
from evidence_tracker.ui.theme import Tone, style_text

CLAIM_ROLE = Qt.ItemDataRole.UserRole + 1
STANCE_KEYS = {Qt.Key.Key_1: Stance.SUPPORTS, Qt.Key.Key_2: Stance.PARTLY_SUPPORTS,
               Qt.Key.Key_3: Stance.CONTRADICTS, Qt.Key.Key_4: Stance.NOT_RELEVANT}
_TEXT_INPUTS = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)


def abstract_sentences(stored: StoredStudy) -> list[str]:
    """The abstract's sentences, each verbatim in the stored abstract (what a quote is
    checked against); section labels are left out."""
    s = stored.study
    pieces = [sec.text for sec in s.abstract_sections if sec.text] or [s.abstract]
    out: list[str] = []
    for piece in pieces:
        for sentence in split_sentences(piece):
            text = sentence.text
            if contains_normalised(s.abstract, text) and text not in out:
                out.append(text)
    return out


def selection_quotes(selected: str, sentences: Sequence[str]) -> tuple[set[int], str]:
    """Sentences the selected text covers (by index), and the selection itself when it
    is part of one sentence only (then it is offered as a quote of its own)."""
    sel = normalise(selected)
    if not sel:
        return set(), ""
    covered = {i for i, s in enumerate(sentences) if normalise(s) in sel}
    return covered, "" if covered else sel


def states_words(claim: Claim, words: Sequence[str]) -> bool:
    """Every word occurs in the claim's code or text (not only in a quote or clinic)."""
    hay = f"{claim.code} {claim.text}".casefold()
    return all(w in hay for w in words)


class LinkDialog(QDialog):
    """One link between ``study_id`` and a claim chosen from ``claims``."""

    def __init__(
        self, project: Project, study_id: int, claims: Sequence[Claim],
        reviewer: ReviewerSession, *, claim_id: int | None = None, selected_text: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.reviewer = reviewer
        self.setObjectName("linkDialog")
        self.setWindowTitle("Link Study to Claim")
        self.resize(940, 820)
        self.project = project
        self.study_id = study_id
        self.claims = list(claims)
        self.saved: LinkView | None = None
        stored = study_store.get_study(project, study_id)
        if stored is None:
            raise ClaimsError(f"No study #{study_id} in this project.")
        self.stored = stored
        self._existing = {v.claim_id: v for v in evidence.current_links(project, study=study_id)
                          if v.reviewer == reviewer.name}

        study = stored.study
        title = QLabel(study.title or "(no title)")
        title.setObjectName("linkStudyTitle")
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setWordWrap(True)
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        title.setFont(font)
        meta = [suggest_design(study.publication_types, [m.descriptor for m in study.mesh],
                               study.title).design.label]
        if study.year:
            meta.append(str(study.year))
        if study.pmid:
            meta.append(f"PMID {study.pmid}")
        meta_label = QLabel(" · ".join(meta))
        meta_label.setTextFormat(Qt.TextFormat.PlainText)
        style_text(meta_label)

        self.filter = QLineEdit()
        self.filter.setObjectName("claimFilter")
        self.filter.setPlaceholderText("Type to filter claims (words, code, quote); ↓ or Enter "
                                       "to choose")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_claims)
        self.claim_list = QListWidget()
        self.claim_list.setObjectName("claimList")
        self.claim_list.setMinimumHeight(150)
        self.claim_list.setUniformItemSizes(True)
        self.claim_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        for claim in self.claims:
            item = QListWidgetItem(f"{claim.code}   {claim.text}")
            item.setData(CLAIM_ROLE, claim.id)
            linked = self._existing.get(claim.id)
            if linked is not None:
                item.setText(item.text() + f"   [linked: {STANCE_LABELS[linked.stance]}]")
            item.setToolTip(f"{claim.code} · {category_label(claim.category)}\n{claim.text}")
            self.claim_list.addItem(item)
        self.claim_list.currentItemChanged.connect(self._claim_changed)
        self.claim_text = QLabel()
        self.claim_text.setObjectName("linkClaimText")
        self.claim_text.setTextFormat(Qt.TextFormat.PlainText)
        self.claim_text.setWordWrap(True)
        style_text(self.claim_text)

        self.stance_group = QButtonGroup(self)
        stance_row = QHBoxLayout()
        for number, stance in enumerate(STANCE_KEYS.values(), start=1):
            button = QRadioButton(f"&{number}  {STANCE_LABELS[stance]}")
            button.setObjectName(f"stance_{stance.value}")
            self.stance_group.addButton(button, number)
            stance_row.addWidget(button)
        stance_row.addStretch(1)

        self.sentences = abstract_sentences(stored)
        self.quote_list = QListWidget()
        self.quote_list.setObjectName("quoteList")
        self.quote_list.setWordWrap(True)
        self.quote_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.quote_list.setSpacing(2)
        covered, fragment = selection_quotes(selected_text, self.sentences)
        self._selected = {normalise(self.sentences[i]) for i in covered} | (
            {fragment} if fragment else set())
        if fragment:
            self._add_quote(fragment, checked=True, tip="Your selection in the detail pane")
        for i, sentence in enumerate(self.sentences):
            self._add_quote(sentence, checked=i in covered)
        if not self.sentences:
            empty = QListWidgetItem("This study has no abstract to quote: select the title "
                                    "text in the detail pane, or choose Not relevant.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.quote_list.addItem(empty)
        if self.quote_list.count():
            self.quote_list.setCurrentRow(0)

        self.outcome = QLineEdit()
        self.outcome.setObjectName("linkOutcome")
        self.timepoint = QLineEdit()
        self.timepoint.setObjectName("linkTimepoint")
        self.note = QLineEdit()
        self.note.setObjectName("linkNote")
        self.note.setPlaceholderText("Optional: caveats, subgroup, dose…")
        self._loaded_from: int | None = None  # the claim whose link fills the fields
        self.findings = FindingsEditor(self.sentences, title=study.title,
                                       abstract=study.abstract)
        self.findings.setObjectName("linkFindings")
        self.reported_certainty = QComboBox()
        self.reported_certainty.setObjectName("linkReportedCertainty")
        self.reported_certainty.addItem("Not reported / not a review", "")
        for level in (Certainty.HIGH, Certainty.MODERATE, Certainty.LOW, Certainty.VERY_LOW):
            self.reported_certainty.addItem(CERTAINTY_LABELS[level], level.value)
        self.reported_certainty.setToolTip(
            "The certainty a systematic review reports for this question itself (its GRADE "
            "assessment); it caps the GRADE suggestion.")
        self.attribution = QComboBox()
        self.attribution.setObjectName("linkAttribution")
        self.attribution.addItem("Not judged", "")
        for match, label in ATTRIBUTION_LABELS.items():
            self.attribution.addItem(label, match.value)
        self.attribution.setToolTip(
            "For an attribution claim: does the clinic's paraphrase match what this "
            "document says? The ticked quotes are the document's words.")
        self.error = QLabel()
        self.error.setObjectName("linkError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        style_text(self.error, Tone.BAD, bold=True)
        self.error.hide()
        self.existing_note = QLabel()
        self.existing_note.setTextFormat(Qt.TextFormat.PlainText)
        style_text(self.existing_note, Tone.CAUTION)
        self.existing_note.hide()

        outcome_row = QHBoxLayout()
        outcome_row.addWidget(self.outcome, 2)
        tp_label = QLabel("&Time point:")
        tp_label.setBuddy(self.timepoint)
        outcome_row.addWidget(tp_label)
        outcome_row.addWidget(self.timepoint, 1)
        claim_box = QVBoxLayout()
        claim_box.addWidget(self.filter)
        claim_box.addWidget(self.claim_list)
        claim_box.addWidget(self.claim_text)
        quote_hint = QLabel("Tick the sentence(s) of the abstract that justify the stance "
                            "(↑/↓ to move, Space to tick).")
        style_text(quote_hint)
        quote_box = QVBoxLayout()
        quote_box.addWidget(quote_hint)
        quote_box.addWidget(self.quote_list)

        form = QFormLayout()
        form.addRow(self._buddy("&Claim:", self.filter), claim_box)
        form.addRow("Stance:", stance_row)
        form.addRow(self._buddy("&Quotes:", self.quote_list), quote_box)
        form.addRow(self._buddy("&Outcome:", self.outcome), outcome_row)
        form.addRow(self._buddy("&Note:", self.note), self.note)
        form.addRow("Findings:", self.findings)
        appraisal_row = QHBoxLayout()
        appraisal_row.addWidget(self.reported_certainty)
        attribution_label = QLabel("Attri&bution:")
        attribution_label.setBuddy(self.attribution)
        appraisal_row.addWidget(attribution_label)
        appraisal_row.addWidget(self.attribution)
        appraisal_row.addStretch(1)
        form.addRow(self._buddy("Reported certaint&y:", self.reported_certainty),
                    appraisal_row)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("&Save Link", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("linkSave")
        self.save_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.save_button.setToolTip("Save the link (Enter or Ctrl+Enter)")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for push in buttons.buttons():  # Enter always saves, wherever the focus went
            if isinstance(push, QPushButton):
                push.setAutoDefault(False)
        self.save_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(meta_label)
        layout.addLayout(form, 1)
        layout.addWidget(self.existing_note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        for widget in self.findChildren(QWidget):
            if not isinstance(widget, _TEXT_INPUTS):
                widget.installEventFilter(self)
        self.filter.installEventFilter(self)
        if claim_id is not None:
            self.select_claim(claim_id)
            self.quote_list.setFocus()
        else:
            self.filter.setFocus()
            self._filter_claims("")

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    def _add_quote(self, text: str, *, checked: bool, tip: str = "") -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                      | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        if tip:
            item.setToolTip(tip)
        self.quote_list.addItem(item)

    # -- claim -----------------------------------------------------------------------------
    def _filter_claims(self, text: str) -> None:
        """Hide the claims that do not match; while words are typed the selection follows
        the filter (the best match: code or text before a quote or clinic), so Enter never
        links a claim left selected from before."""
        words = text.casefold().split()
        visible: list[QListWidgetItem] = []
        by_id = {c.id: c for c in self.claims}
        for row in range(self.claim_list.count()):
            item = self.claim_list.item(row)
            hidden = not matches(by_id[int(item.data(CLAIM_ROLE))], words)
            item.setHidden(hidden)
            if not hidden:
                visible.append(item)
        if not visible:
            self.claim_list.setCurrentRow(-1)
            self._claim_changed(None, None)
            return
        current = self.claim_list.currentItem()
        if words:
            best = next((i for i in visible
                         if states_words(by_id[int(i.data(CLAIM_ROLE))], words)), visible[0])
            self.claim_list.setCurrentItem(best)
            self.claim_list.scrollToItem(best)
        elif current is None or current.isHidden():
            self.claim_list.setCurrentItem(visible[0])

    def select_claim(self, claim_id: int) -> None:
        for row in range(self.claim_list.count()):
            item = self.claim_list.item(row)
            if item.data(CLAIM_ROLE) == claim_id:
                item.setHidden(False)
                self.claim_list.setCurrentItem(item)
                self.claim_list.scrollToItem(item)
                return

    def current_claim(self) -> Claim | None:
        item = self.claim_list.currentItem()
        if item is None or item.isHidden():
            return None
        claim_id = int(item.data(CLAIM_ROLE))
        return next(c for c in self.claims if c.id == claim_id)

    def _claim_changed(self, current: QListWidgetItem | None, _prev: object) -> None:
        claim = self.current_claim()
        if claim is None:
            self.claim_text.setText("No claim matches: change the filter.")
            return
        self.claim_text.setText(f"{claim.code} · {category_label(claim.category)} · "
                                f"{KIND_LABELS[claim.question_kind]}: {claim.text}")
        self.attribution.setEnabled(claim.question_kind is ClaimKind.ATTRIBUTION
                                    or self.attribution.currentIndex() > 0)
        self.outcome.setPlaceholderText(claim.pico.outcome or "What the study measured")
        self.timepoint.setPlaceholderText(claim.pico.timepoint or "e.g. 4 weeks")
        existing = self._existing.get(claim.id)
        if existing is None:
            self.existing_note.hide()
            if self._loaded_from is not None:  # what another claim's link showed goes
                self._loaded_from = None
                self.findings.set_findings([])
                self.reported_certainty.setCurrentIndex(0)
                self.attribution.setCurrentIndex(0)
            return
        self._loaded_from = claim.id
        state = existing.state
        self.existing_note.setText(
            f"You linked this study to {claim.code} on {existing.occurred_at[:10]} "
            f"({STANCE_LABELS[state.stance]}); saving records your revised judgement.")
        self.existing_note.show()
        self.set_stance(state.stance)
        self.outcome.setText(state.outcome)
        self.timepoint.setText(state.timepoint)
        self.note.setText(state.note)
        self.findings.set_findings(state.findings)
        self.reported_certainty.setCurrentIndex(max(self.reported_certainty.findData(
            state.reported_certainty.value if state.reported_certainty else ""), 0))
        self.attribution.setCurrentIndex(max(self.attribution.findData(
            state.attribution.value if state.attribution else ""), 0))
        self.attribution.setEnabled(claim.question_kind is ClaimKind.ATTRIBUTION
                                    or state.attribution is not None)
        present = {normalise(self.quote_list.item(r).text())
                   for r in range(self.quote_list.count())}
        for quote in state.quotes:
            if normalise(quote) not in present:
                self._add_quote(quote, checked=True, tip="Quoted in your earlier link")
        for row in range(self.quote_list.count()):
            item = self.quote_list.item(row)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                text = normalise(item.text())
                hit = text in self._selected or any(normalise(q) == text for q in state.quotes)
                item.setCheckState(Qt.CheckState.Checked if hit else Qt.CheckState.Unchecked)

    # -- stance and quotes -----------------------------------------------------------------
    def set_stance(self, stance: Stance) -> None:
        number = list(STANCE_KEYS.values()).index(stance) + 1
        button = self.stance_group.button(number)
        button.setChecked(True)

    def stance(self) -> Stance | None:
        number = self.stance_group.checkedId()
        return list(STANCE_KEYS.values())[number - 1] if number > 0 else None

    def checked_quotes(self) -> list[str]:
        return [self.quote_list.item(r).text() for r in range(self.quote_list.count())
                if self.quote_list.item(r).checkState() == Qt.CheckState.Checked]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key = event.key()
        plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        if watched is self.filter:
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self.claim_list.setFocus()
                self.claim_list.keyPressEvent(event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
                self._claim_chosen()
                return True
            return False
        if plain and key in STANCE_KEYS:
            self.set_stance(STANCE_KEYS[Qt.Key(key)])
            return True
        if watched is self.claim_list and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and plain:
            self._claim_chosen()
            return True
        return super().eventFilter(watched, event)

    def _claim_chosen(self) -> None:
        """Enter on the claim: go on to the stance (or the quotes once it is set)."""
        if self.current_claim() is None:
            return
        checked = self.stance_group.checkedButton()
        if checked is None:
            first = self.stance_group.button(1)
            first.setFocus()
        else:
            self.quote_list.setFocus()

    # -- saving ----------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def accept(self) -> None:
        claim = self.current_claim()
        stance = self.stance()
        if claim is None:
            self.show_error("Choose the claim this study bears on.")
            self.filter.setFocus()
            return
        if stance is None:
            self.show_error("Choose a stance: 1 supports, 2 partly supports, 3 contradicts, "
                            "4 not relevant.")
            return
        reviewer = self.reviewer.require(self)
        if reviewer is None:
            self.show_error("A reviewer name is needed: every link records who made it.")
            return
        findings = self.findings.findings()
        # A new link without findings gets one from the stance, outcome and time point;
        # a changed link saves exactly the findings shown (removing them all included).
        given = findings if findings or claim.id in self._existing else None
        try:
            self.saved = evidence.link_study(
                self.project, self.study_id, claim.id, stance=stance,
                quotes=self.checked_quotes(), reviewer=reviewer, outcome=self.outcome.text(),
                timepoint=self.timepoint.text(), note=self.note.text(), findings=given,
                reported_certainty=str(self.reported_certainty.currentData()),
                attribution=str(self.attribution.currentData()))
        except ClaimsError as exc:
            self.show_error(str(exc))
            return
        super().accept()
