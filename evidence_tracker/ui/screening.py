"""Screening mode: one abstract at a time with the search terms highlighted, decided with
single keys — I include, E exclude (asks the reason), M maybe, J/K or arrows for next and
previous, Ctrl+Z undo, Ctrl+Shift+Z redo — and the progress per condition.

A decision costs what it changes, not the size of the project: the next study is one step
through the primary key (skipping the reviewer's decided ones in SQL), and the counts are
read when the dialog starts and then moved by each decision.

Record text is escaped piece by piece; only the highlight spans are markup we add.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.domain.models import ScreeningDecision, StoredStudy
from evidence_tracker.domain.review import ReviewError
from evidence_tracker.domain.screening import (
    DECISION_LABELS,
    ScreeningError,
    ScreeningState,
    segments,
)
from evidence_tracker.services import appraisal, review, screening, study_list
from evidence_tracker.services.screening import Progress
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.studies import StudyFilter
from evidence_tracker.ui.context import AppContext
from evidence_tracker.ui.theme import LIGHT, Colours, Tone, colours, style_text

#: The widest the abstract grows (lines of a readable length); narrower, it wraps.
TEXT_WIDTH = 860
NO_MODS = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
DECISION_TONES = {ScreeningDecision.INCLUDE: Tone.GOOD, ScreeningDecision.EXCLUDE: Tone.BAD,
                  ScreeningDecision.MAYBE: Tone.CAUTION}


def screening_css(c: Colours) -> str:
    return f"""
<style>
body {{ color: {c.text}; }}
h2 {{ font-size: 15pt; margin: 0 0 6px 0; }}
.meta {{ color: {c.muted}; margin: 2px 0; }}
.label {{ font-weight: bold; }}
.section {{ color: {c.muted}; font-size: 9pt; font-weight: bold; margin-top: 12px; }}
.banner {{ background: {c.tint(Tone.BAD)}; color: {c.danger}; border: 1px solid {c.danger};
          padding: 4px; font-weight: bold; }}
.hit {{ background-color: {c.hit}; color: {c.hit_text}; }}
p {{ margin: 4px 0 8px 0; }}
</style>
"""


def marked(text: str, terms: Sequence[str]) -> str:
    """``text`` escaped, with the matches of ``terms`` highlighted."""
    return "".join(f'<span class="hit">{escape(t)}</span>' if hit else escape(t)
                   for t, hit in segments(text, terms))


def screening_html(stored: StoredStudy, terms: Sequence[str], design: str,
                   colours: Colours = LIGHT) -> str:
    """The focused view of one study (pure: easy to test and to look at)."""
    s = stored.study
    parts = [screening_css(colours)]
    if s.retracted:
        parts.append('<p class="banner">⚠ RETRACTED PUBLICATION</p>')
    parts.append(f"<h2>{marked(s.title, terms) or '(no title)'}</h2>")
    authors = ", ".join(a.display_name for a in s.authors[:6])
    if len(s.authors) > 6:
        authors += ", et al."
    source = " · ".join(p for p in (s.journal_abbrev or s.journal, str(s.year or ""),
                                    f"PMID {s.pmid}" if s.pmid else "") if p)
    parts.append(f'<p class="meta">{escape(authors)}</p><p class="meta">{escape(source)}</p>')
    parts.append(f'<p class="meta"><span class="label">Suggested design:</span> '
                 f'{escape(design)}</p>')
    if s.publication_types:
        parts.append(f'<p class="meta">{escape("; ".join(s.publication_types))}</p>')
    parts.append('<p class="section">ABSTRACT</p>')
    if s.abstract_sections:
        for sec in s.abstract_sections:
            label = f'<span class="label">{escape(sec.label)}:</span> ' if sec.label else ""
            parts.append(f"<p>{label}{marked(sec.text, terms)}</p>")
    elif s.abstract:
        parts.extend(f"<p>{marked(p, terms)}</p>" for p in s.abstract.split("\n\n"))
    else:
        parts.append('<p class="meta">No abstract available: decide from the title, or '
                     "mark it maybe.</p>")
    if s.mesh:
        parts.append('<p class="section">MESH TERMS</p>')
        parts.append(f"<p>{marked('; '.join(m.descriptor for m in s.mesh), terms)}</p>")
    return "".join(parts)


class ReasonDialog(QDialog):
    """Choose why a study is excluded: a number key or a double click picks a reason."""

    chosen = Signal(str)

    def __init__(self, reasons: Sequence[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Exclude: why?")
        self.setObjectName("reasonDialog")
        self.list = QListWidget()
        self.list.setObjectName("reasonList")
        for i, reason in enumerate(reasons):
            item = QListWidgetItem(f"{i + 1}. {reason}" if i < 9 else reason)
            item.setData(Qt.ItemDataRole.UserRole, reason)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _i: self.accept())
        self.list.installEventFilter(self)
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional detail (kept with the decision)")
        self.edit_button = QPushButton("Edit List…")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Exclude")
        buttons.addButton(self.edit_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Reason for excluding (press its number):"))
        layout.addWidget(self.list)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.list.setFocus()

    def reason(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def _number_key(self, event: QKeyEvent) -> bool:
        text = event.text()
        if text.isdigit() and 1 <= int(text) <= min(9, self.list.count()):
            self.list.setCurrentRow(int(text) - 1)
            self.accept()
            return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A number key in the list picks that reason (the note takes digits as text)."""
        if watched is self.list and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and self._number_key(event):
            return True
        return super().eventFilter(watched, event)

    def accept(self) -> None:
        if self.reason():
            self.chosen.emit(self.reason())
        super().accept()


class ReasonsEditor(QDialog):
    """Edit the project's exclusion reasons, one per line."""

    def __init__(self, reasons: Sequence[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Exclusion reasons")
        self.text = QPlainTextEdit("\n".join(reasons))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("One reason per line (shared by the whole review team):"))
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    def reasons(self) -> list[str]:
        return self.text.toPlainText().splitlines()


class ScreeningDialog(QDialog):
    """The focused screening mode for one reviewer and condition."""

    #: A decision was recorded or undone here (the undo actions follow it).
    judged = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setObjectName("screeningDialog")
        self.setWindowTitle("Screening")
        self.resize(1100, 740)
        self.current: int | None = None
        self.condition: str | None = None
        self.queue_filter = StudyFilter(sort="id", descending=False)
        #: Screening progress of this reviewer per condition slug (None: all studies),
        #: read when the dialog starts, then moved by each decision.
        self.progresses: dict[str | None, Progress] = {}
        self.position = 0  # of the current study in the queue (0-based)
        self._rendered: int | None = None  # the study whose text is shown
        self._names: dict[str, str] = {}
        self._announcing = False  # this dialog is announcing its own write
        context.studies_changed.connect(self._studies_written)
        self.reason_dialog: ReasonDialog | None = None

        self.condition_combo = QComboBox()
        self.condition_combo.setObjectName("screeningCondition")
        self.condition_combo.activated.connect(self._condition_chosen)
        self.only_open = QCheckBox("Skip screened")
        self.only_open.setToolTip("Next and previous skip the studies you have decided")
        self.only_open.setChecked(True)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("screeningProgress")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("Condition:"))
        top.addWidget(self.condition_combo, 1)
        top.addWidget(self.only_open)
        top.addStretch()
        top.addWidget(self.progress_label)
        top.addWidget(self.progress_bar)

        self.text = QTextBrowser()
        self.text.setObjectName("screeningText")
        self.text.setOpenLinks(False)
        # The text wraps at the widget's width (never behind a horizontal scrollbar), and
        # the widget stops growing at a readable line length.
        self.text.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        self.text.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text.setMaximumWidth(TEXT_WIDTH)
        font = self.text.font()
        font.setPointSizeF(font.pointSizeF() + 1.5)  # reading, not scanning
        self.text.setFont(font)
        self.side = QLabel()
        self.side.setObjectName("screeningSide")
        self.side.setWordWrap(True)
        self.side.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.side.setTextFormat(Qt.TextFormat.RichText)
        self.side.setFixedWidth(250)
        middle = QHBoxLayout()
        middle.addWidget(self.text, 1)
        middle.addWidget(self.side)

        self.buttons: dict[str, QPushButton] = {}
        bottom = QHBoxLayout()
        for key, text, slot in (
            ("include", "&Include  [I]", self.include),
            ("exclude", "&Exclude…  [E]", self.exclude),
            ("maybe", "&Maybe  [M]", self.maybe),
            (None, None, None),
            ("previous", "◀ Previous  [K]", self.previous),
            ("next", "Next  [J] ▶", self.next),
            (None, None, None),
            ("undo", "Undo  [Ctrl+Z]", self.undo),
            ("redo", "Redo", self.redo),
        ):
            if key is None:
                bottom.addSpacing(18)
                continue
            button = QPushButton(text)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # single keys stay shortcuts
            button.clicked.connect(slot)
            self.buttons[key] = button
            bottom.addWidget(button)
        bottom.addStretch()
        self.position_label = QLabel()
        bottom.addWidget(self.position_label)
        style_text(self.buttons["include"], Tone.GOOD, bold=True)
        style_text(self.buttons["exclude"], Tone.BAD, bold=True)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addLayout(bottom)

        self.keys = {
            (Qt.Key.Key_I, NO_MODS): self.include, (Qt.Key.Key_E, NO_MODS): self.exclude,
            (Qt.Key.Key_M, NO_MODS): self.maybe, (Qt.Key.Key_J, NO_MODS): self.next,
            (Qt.Key.Key_Right, NO_MODS): self.next, (Qt.Key.Key_K, NO_MODS): self.previous,
            (Qt.Key.Key_Left, NO_MODS): self.previous, (Qt.Key.Key_Z, CTRL): self.undo,
            (Qt.Key.Key_Z, CTRL | SHIFT): self.redo,
        }
        self.text.installEventFilter(self)

    def _handle_key(self, event: QKeyEvent) -> bool:
        mods = event.modifiers() & (CTRL | SHIFT | Qt.KeyboardModifier.AltModifier)
        slot = self.keys.get((Qt.Key(event.key()), mods))
        if slot is None:
            return False
        slot()
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The abstract keeps the focus (for scrolling) but the decision keys are ours."""
        if watched is self.text and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and self._handle_key(event):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._handle_key(event):
            super().keyPressEvent(event)

    # -- state -----------------------------------------------------------------------------
    @property
    def reviewer(self) -> str:
        return self.context.reviewer.name

    def start(self, condition: str | None) -> None:
        """Screen ``condition`` (None: all studies), from the first study not yet decided."""
        project = self.context.project
        by_condition = screening.progress_by_condition(project, self.reviewer)
        self.progresses = {p.slug: p.progress for p in by_condition}
        self.condition_combo.clear()
        self.condition_combo.addItem("All studies", None)
        for p in by_condition:
            self.condition_combo.addItem(p.slug, p.slug)
        found = self.condition_combo.findData(condition)
        self.condition_combo.setCurrentIndex(max(0, found))
        self.condition = self.condition_combo.currentData()
        conditions = {c.slug: c for c in study_list.condition_tree(project)}
        self._names = {slug: c.name for slug, c in conditions.items()}
        if self.condition is None:
            self.progresses[None] = screening.progress(project, self.reviewer, None)
        self._label_conditions()
        chosen = conditions.get(self.condition) if self.condition else None
        self.queue_filter = StudyFilter(condition_id=chosen.id if chosen else None,
                                        sort="id", descending=False)
        self.current = self._step(None, skip=True) or self._step(None, skip=False)
        self._place()
        self._rendered = None
        self.show_current()
        self.text.setFocus()

    def _label_conditions(self) -> None:
        """Each condition's name with this reviewer's progress ("3 of 300 screened")."""
        for i in range(1, self.condition_combo.count()):
            slug = self.condition_combo.itemData(i)
            progress = self.progresses.get(slug)
            name = self._names.get(str(slug), str(slug))
            self.condition_combo.setItemText(
                i, f"{name}  ({progress.text})" if progress else name)

    def _condition_chosen(self, _index: int) -> None:
        self.start(self.condition_combo.currentData())

    @property
    def study_id(self) -> int | None:
        return self.current

    def _unscreened_filter(self) -> StudyFilter:
        return study_list.with_screening_group(self.context.project, self.queue_filter,
                                               "unscreened", self.reviewer)

    def _step(self, after: int | None, *, skip: bool, forward: bool = True) -> int | None:
        """The next (or previous) study of the queue after ``after``; with ``skip``, the
        next one this reviewer has not decided."""
        flt = self._unscreened_filter() if skip else self.queue_filter
        return study_list.neighbour(self.context.project, flt, after, forward=forward)

    @property
    def progress(self) -> Progress:
        return self.progresses.get(self.condition) or Progress(0)

    def _place(self) -> None:
        """Where the current study is in the queue, counted from its start (a jump; a
        step moves the position instead)."""
        self.position = 0 if self.current is None else max(0, study_list.count_between(
            self.context.project, self.queue_filter, 0, self.current) - 1)

    def show_current(self) -> None:
        if self._announcing:
            return  # the window passing on this dialog's own write: already shown
        project = self.context.project
        progress = self.progress
        self.progress_label.setText(
            f"<b>{progress.text}</b> · {progress.include} include · {progress.exclude} "
            f"exclude · {progress.maybe} maybe")
        self.progress_bar.setMaximum(max(1, progress.total))
        self.progress_bar.setValue(progress.screened)
        name = self._names.get(self.condition, "All studies") if self.condition \
            else "All studies"
        self.setWindowTitle(f"Screening — {name} — {self.reviewer}")
        study_id = self.study_id
        undo, redo = review.undo_available(project, self.reviewer, ["screening"])
        self.buttons["undo"].setEnabled(undo is not None)
        self.buttons["redo"].setEnabled(redo is not None)
        if study_id is None:
            for key in ("include", "exclude", "maybe"):
                self.buttons[key].setEnabled(False)
            self.text.setHtml(screening_css(colours(self)) + "<h2>Nothing to screen</h2>"
                              "<p>This condition has no "
                              "studies yet. Fetch it from PubMed first.</p>")
            self._rendered = None
            self.side.setText("")
            self.position_label.setText("")
            return
        if self._rendered != study_id:  # a decision re-draws the side, not the abstract
            stored = study_store.get_study(project, study_id)
            if stored is None:
                self.current = None
                self.show_current()
                return
            self._render(stored)
        for key in ("include", "exclude", "maybe"):
            self.buttons[key].setEnabled(True)
        self.position_label.setText(f"Study {self.position + 1} of {progress.total}")
        self.side.setText(self._side_html(study_id))

    def _render(self, stored: StoredStudy) -> None:
        project = self.context.project
        terms = screening.highlight_terms(project, stored.id, self.condition)
        suggestion = appraisal.design_suggestion(project, stored.id)
        self.text.setHtml(screening_html(stored, terms, suggestion.design.label,
                                         colours(self)))
        self._rendered = stored.id

    def _side_html(self, study_id: int) -> str:
        project = self.context.project
        mine = screening.my_decision(project, study_id, self.reviewer)
        c = colours(self)
        parts = [f'<p style="color:{c.muted}; font-weight:bold;">YOUR DECISION</p>']
        if mine is None:
            parts.append(f'<p style="font-size:14pt; color:{c.muted};">Not screened</p>')
        else:
            colour = c.tone(DECISION_TONES[mine.decision])
            parts.append(f'<p style="font-size:14pt; color:{colour}; font-weight:bold;">'
                         f"{escape(DECISION_LABELS[mine.decision])}</p>")
            if mine.reason:
                parts.append(f"<p>{escape(mine.reason)}</p>")
        shown, hidden = screening.decisions(project, study_id, self.reviewer)
        others = [j for j in shown if j.reviewer != self.reviewer]
        parts.append(f'<p style="color:{c.muted}; font-weight:bold; margin-top:16px;">'
                     "OTHER REVIEWERS</p>")
        for j in others:
            parts.append(f"<p>{escape(j.reviewer)}: {escape(j.text)}</p>")
        if hidden:
            parts.append(f'<p style="color:{c.warn};">{hidden} decision(s) hidden until you '
                         "have decided (blind mode).</p>")
        elif not others:
            parts.append(f'<p style="color:{c.muted};">None yet.</p>')
        parts.append(f'<p style="color:{c.muted}; font-weight:bold; margin-top:16px;">KEYS</p>'
                     "<p>I include · E exclude · M maybe<br>J / → next · K / ← previous<br>"
                     "Ctrl+Z undo · Ctrl+Shift+Z redo</p>")
        return "".join(parts)

    # -- moving ----------------------------------------------------------------------------
    def next(self) -> None:
        """The next study; with "Skip screened", the next one not yet decided (wrapping
        round to the first undecided one)."""
        if self.current is None:
            return
        if not self.only_open.isChecked():
            found = self._step(self.current, skip=False)
            if found is not None:
                self.current, self.position = found, self.position + 1
        else:
            found = self._step(self.current, skip=True)
            if found is not None:  # the position moves by the studies stepped over
                self.position += study_list.count_between(
                    self.context.project, self.queue_filter, self.current, found)
                self.current = found
            else:  # round to the first undecided one
                found = self._step(None, skip=True)
                if found is None:
                    self.context.show_status(f"All {self.progress.total} studies screened.",
                                             8000)
                else:
                    self.current = found
                    self._place()
        self.show_current()

    def first(self) -> None:
        """The first study of the queue, decided or not."""
        self.current = self._step(None, skip=False)
        self.position = 0
        self.show_current()

    def previous(self) -> None:
        """The study before this one, decided or not."""
        if self.current is None:
            return
        found = self._step(self.current, skip=False, forward=False)
        if found is not None:
            self.current, self.position = found, max(0, self.position - 1)
            self.show_current()

    def _counted(self, study_id: int, before: ScreeningState | None,
                 after: ScreeningState | None) -> None:
        """Move the progress of the study's conditions (and of all studies) from the
        decision ``before`` to ``after``."""
        slugs: list[str | None] = [None]
        slugs += study_store.study_conditions(self.context.project, [study_id])[study_id]
        for slug in slugs:
            progress = self.progresses.get(slug)
            if progress is not None:
                self.progresses[slug] = moved(progress, before, after)
        self._label_conditions()

    # -- deciding --------------------------------------------------------------------------
    def include(self) -> None:
        self._decide(ScreeningDecision.INCLUDE)

    def maybe(self) -> None:
        self._decide(ScreeningDecision.MAYBE)

    def exclude(self) -> ReasonDialog | None:
        if self.study_id is None:
            return None
        reasons = screening.exclusion_reasons(self.context.project)
        dialog = ReasonDialog(reasons, self)
        dialog.chosen.connect(lambda reason: self._decide(ScreeningDecision.EXCLUDE, reason,
                                                          dialog.note.text()))
        dialog.edit_button.clicked.connect(lambda: self._edit_reasons(dialog))
        self.reason_dialog = dialog
        dialog.open()
        return dialog

    def _edit_reasons(self, dialog: ReasonDialog) -> None:
        editor = ReasonsEditor(screening.exclusion_reasons(self.context.project), self)
        if editor.exec():
            try:
                screening.set_exclusion_reasons(self.context.project, editor.reasons())
            except ScreeningError as exc:
                QMessageBox.warning(self, "Exclusion reasons", str(exc))
                return
            dialog.reject()
            self.exclude()

    def _decide(self, decision: ScreeningDecision, reason: str = "", note: str = "") -> None:
        study_id = self.study_id
        reviewer = self.context.reviewer.require(self)
        if study_id is None or reviewer is None:
            return
        before = screening.my_decision(self.context.project, study_id, reviewer)
        try:
            view = screening.screen(self.context.project, study_id, decision,
                                    reviewer=reviewer, reason=reason, note=note)
        except (ScreeningError, ClaimsError) as exc:
            QMessageBox.warning(self, "Screening", str(exc))
            return
        self._counted(study_id, before, view.state)
        self.next()
        self._announce()

    def _undo_redo(self, undo: bool) -> None:
        fn = review.undo if undo else review.redo
        project = self.context.project
        target = review.undo_available(project, self.reviewer, ["screening"])[0 if undo else 1]
        if target is None:
            return
        study_id = target.study_id
        before = screening.my_decision(project, study_id, self.reviewer) \
            if study_id is not None else None
        try:
            step = fn(project, self.reviewer, ["screening"])
        except (ReviewError, ClaimsError) as exc:
            QMessageBox.warning(self, "Undo", str(exc))
            return
        if step is None:
            return
        if study_id is not None:
            self._counted(study_id, before,
                          screening.my_decision(project, study_id, self.reviewer))
            if study_list.position_of(project, self.queue_filter, study_id) is not None:
                self.current = study_id
                self._place()
        self._announce()
        self.show_current()

    def _announce(self) -> None:
        """Tell the window what was written (its table redraws the row), and the undo
        actions; the progress here has been moved already."""
        self.judged.emit()
        self._announcing = True
        try:
            self.context.judgement_recorded()
        finally:
            self._announcing = False

    def _studies_written(self, _study_ids: frozenset[int]) -> None:
        """Someone else wrote (the window's Undo, another panel): count again."""
        if self._announcing or not self.isVisible():
            return
        project = self.context.project
        self.progresses = {p.slug: p.progress
                           for p in screening.progress_by_condition(project, self.reviewer)}
        self.progresses[None] = screening.progress(project, self.reviewer, None)
        self._label_conditions()
        self.show_current()

    def undo(self) -> None:
        self._undo_redo(True)

    def redo(self) -> None:
        self._undo_redo(False)


def moved(progress: Progress, before: ScreeningState | None,
          after: ScreeningState | None) -> Progress:
    """``progress`` with one study's decision changed from ``before`` to ``after``."""
    counts = {"include": progress.include, "exclude": progress.exclude,
              "maybe": progress.maybe}
    if before is not None:
        counts[before.decision.value] -= 1
    if after is not None:
        counts[after.decision.value] += 1
    return Progress(progress.total, **counts)
