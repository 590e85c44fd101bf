"""Grading: the reviewer switcher, blind mode, the Review menu and toolbar, the appraisal
and GRADE docks, the screening mode, the agreement and conflicts view, history, and
undo/redo of judgements.

The main window builds a :class:`GradingController` and places its menu, toolbar and docks.
Writes are quick local ones on the project's connection (GUI thread).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDockWidget,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QScrollArea,
    QToolBar,
    QWidget,
)

from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.domain.review import KIND_LABELS, ReviewError
from evidence_tracker.services import review, study_list
from evidence_tracker.store import Project
from evidence_tracker.ui.agreement_view import AgreementDialog
from evidence_tracker.ui.appraisal import AppraisalPanel
from evidence_tracker.ui.context import AppContext
from evidence_tracker.ui.grade_panel import GradePanel
from evidence_tracker.ui.history_dialog import HistoryDialog
from evidence_tracker.ui.screening import ScreeningDialog

NEW_REVIEWER = "New reviewer…"
DOCK_WIDTH = 470
#: Narrower than the panels' own width (they scroll): with every pane at its minimum a
#: dock still fits a 1280-pixel screen beside them.
DOCK_MIN_WIDTH = 320


class GradingController(QObject):
    """Owns the grading UI of one main window: ``menu``, ``toolbar`` and ``docks`` are
    placed by the window; dialogs open on ``parent``."""

    def __init__(self, context: AppContext, parent: QWidget):
        super().__init__(parent)
        self.context = context
        self.parent_widget = parent
        self.screening_dialog: ScreeningDialog | None = None
        self.agreement_dialog: AgreementDialog | None = None
        self.history_dialog: HistoryDialog | None = None

        self.appraisal_panel = AppraisalPanel(context)
        self.grade_panel = GradePanel(context)
        self.appraisal_panel.history_requested.connect(self.study_history)
        self.grade_panel.history_requested.connect(self.claim_history)
        self.appraisal_dock = self._dock("Appraisal", "appraisalDock", self.appraisal_panel)
        self.grade_dock = self._dock("GRADE", "gradeDock", self.grade_panel)
        self.docks = (self.appraisal_dock, self.grade_dock)  # tabbed, hidden until asked for
        self.appraisal_dock.visibilityChanged.connect(self._appraisal_shown)
        self.grade_dock.visibilityChanged.connect(self._grade_shown)

        self.reviewer_combo = QComboBox()
        self.reviewer_combo.setObjectName("reviewerCombo")
        self.reviewer_combo.setToolTip("Who is judging: every judgement is recorded under "
                                       "this name (Ctrl+Shift+R to switch)")
        self.reviewer_combo.setMinimumContentsLength(12)
        self.reviewer_combo.activated.connect(self._reviewer_chosen)
        self._build_actions()
        self._build_toolbar()
        self._build_menu()

        context.study_selected.connect(self._study_selected)
        context.claim_selected.connect(self.grade_panel.set_claim)
        context.project_changed.connect(self.refresh)
        context.judgements_changed.connect(self.update_undo_actions)
        context.reviewer.changed.connect(self._reviewer_changed)
        self.refresh()

    # -- construction ----------------------------------------------------------------------
    def _dock(self, title: str, name: str, panel: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self.parent_widget)
        dock.setObjectName(name)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(panel)
        scroll.setMinimumWidth(DOCK_MIN_WIDTH)
        dock.setWidget(scroll)
        dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea
                             | Qt.DockWidgetArea.RightDockWidgetArea)
        return dock

    def _action(self, text: str, shortcut: str | None, slot: Any, tip: str = "") -> QAction:
        action = QAction(text, self.parent_widget)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.action_screen = self._action(
            "&Screening Mode…", "Ctrl+Shift+S", self.open_screening,
            "Screen the studies of the selected condition with single keys (I, E, M, J/K)")
        self.action_appraise = self._action(
            "&Appraise Study", "Ctrl+Shift+A", self.show_appraisal,
            "Appraise the selected study: design, risk of bias, dose and route")
        self.action_grade = self._action(
            "&GRADE Claim", "Ctrl+Shift+G", self.show_grade,
            "GRADE the certainty of the selected claim's body of evidence")
        self.action_agreement = self._action(
            "Agreement && &Conflicts…", "Ctrl+Shift+K", self.open_agreement,
            "Agreement between reviewers (kappa) and the conflicts an arbiter resolves")
        self.action_history_study = self._action(
            "&History of Study…", "Ctrl+Shift+H", self.study_history,
            "Every judgement of the selected study: who, when, before and after")
        self.action_history_claim = self._action(
            "History of C&laim…", None, self.claim_history,
            "Every judgement of the selected claim")
        self.action_undo = self._action("&Undo Judgement", "Ctrl+Z", self.undo)
        self.action_redo = self._action("&Redo Judgement", "Ctrl+Shift+Z", self.redo)
        self.action_blind = self._action(
            "&Blind Mode", None, self.toggle_blind,
            "In blind mode a reviewer sees only their own judgements until every assigned "
            "reviewer has judged")
        self.action_blind.setCheckable(True)
        self.action_switch = self._action("S&witch Reviewer…", "Ctrl+Shift+R",
                                          self.switch_reviewer_dialog)
        self.action_team = self._action("Review &Team…", None, self.edit_team,
                                        "Assign the reviewers who must all judge each study")

    def _build_toolbar(self) -> None:
        bar = QToolBar("Review")
        bar.setObjectName("reviewToolbar")
        bar.setMovable(False)
        label = QLabel(" Reviewer: ")
        bar.addWidget(label)
        bar.addWidget(self.reviewer_combo)
        bar.addAction(self.action_blind)
        bar.addSeparator()
        bar.addAction(self.action_screen)
        bar.addAction(self.action_agreement)
        self.action_screen.setIconText("Screen")
        self.action_agreement.setIconText("Agreement")
        self.toolbar = bar

    def _build_menu(self) -> None:
        menu = QMenu("&Review", self.parent_widget)
        menu.setObjectName("reviewMenu")
        for action in (self.action_screen, self.action_appraise, self.action_grade):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.action_agreement)
        menu.addAction(self.action_history_study)
        menu.addAction(self.action_history_claim)
        menu.addSeparator()
        menu.addAction(self.action_undo)
        menu.addAction(self.action_redo)
        menu.addSeparator()
        menu.addAction(self.action_switch)
        menu.addAction(self.action_blind)
        menu.addAction(self.action_team)
        menu.aboutToShow.connect(self.update_undo_actions)
        self.menu = menu

    # -- state -----------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.context.project

    @property
    def reviewer(self) -> str:
        return self.context.reviewer.name

    def require_reviewer(self, parent: QWidget | None = None) -> str | None:
        """The current reviewer; asked for when there is none (None if the user declines)."""
        return self.context.reviewer.require(parent or self.parent_widget)

    def set_reviewer(self, name: str) -> None:
        """Switch the reviewer (kept in the settings the CLI reads too)."""
        self.context.reviewer.set(name)

    def _reviewer_changed(self, name: str) -> None:
        """Blind mode: what each panel may show depends on who is looking."""
        if self.history_dialog is not None:
            self.history_dialog.close()  # it shows what the previous reviewer may see
        self._fill_reviewers()
        self.appraisal_panel.set_study(self.selected_study() or self.appraisal_panel.study_id,
                                       force=True)
        self.grade_panel.set_claim(self.grade_panel.claim_id, force=True)
        self.refresh_panels()
        self.context.show_status(f"Reviewing as {name}.", 6000)

    def refresh(self) -> None:
        """Re-read reviewers, blind mode and the panels (after a reload or project switch)."""
        self._fill_reviewers()
        blind = review.blind_mode(self.project)
        self.action_blind.blockSignals(True)
        self.action_blind.setChecked(blind)
        self.action_blind.blockSignals(False)
        self.action_blind.setIconText(f"Blind: {'on' if blind else 'off'}")
        self.refresh_panels()

    def refresh_panels(self) -> None:
        """Re-read the visible panels and dialogs (hidden ones catch up when shown)."""
        if self.appraisal_dock.isVisible():
            self.appraisal_panel.set_study(self.selected_study())
        if self.grade_dock.isVisible():
            self.grade_panel.reload()
        if self.screening_dialog is not None and self.screening_dialog.isVisible():
            self.screening_dialog.show_current()
        if self.agreement_dialog is not None and self.agreement_dialog.isVisible():
            self.agreement_dialog.reload()
        self.update_undo_actions()

    def _fill_reviewers(self) -> None:
        names = review.reviewer_names(self.project)
        current = self.reviewer
        if current and current not in names:
            names.append(current)
        self.reviewer_combo.blockSignals(True)
        self.reviewer_combo.clear()
        self.reviewer_combo.addItems(names)
        self.reviewer_combo.addItem(NEW_REVIEWER)
        if current:
            self.reviewer_combo.setCurrentText(current)
        else:
            self.reviewer_combo.setCurrentIndex(-1)
            self.reviewer_combo.setPlaceholderText("(who?)")
        self.reviewer_combo.blockSignals(False)

    def _reviewer_chosen(self, index: int) -> None:
        text = self.reviewer_combo.itemText(index)
        if text == NEW_REVIEWER:
            name, ok = QInputDialog.getText(self.parent_widget, "New reviewer", "Reviewer name:")
            if ok and name.strip():
                self.set_reviewer(name.strip())
            else:
                self._fill_reviewers()
            return
        if text and text != self.reviewer:
            self.set_reviewer(text)

    def switch_reviewer_dialog(self) -> None:
        self.reviewer_combo.setFocus()
        self.reviewer_combo.showPopup()

    def selected_study(self) -> int | None:
        return self.context.study_id

    def selected_claim(self) -> int | None:
        return self.context.claim_id or self.grade_panel.claim_id

    def _appraisal_shown(self, shown: bool) -> None:
        if shown:
            self.appraisal_panel.set_study(self.selected_study())

    def _grade_shown(self, shown: bool) -> None:
        if shown:
            self.grade_panel.reload()

    def _study_selected(self, study_id: int | None) -> None:
        if self.appraisal_dock.isVisible():
            self.appraisal_panel.set_study(study_id)

    # -- actions ---------------------------------------------------------------------------
    def warn(self, title: str, exc: Exception) -> None:
        QMessageBox.warning(self.parent_widget, title, str(exc))

    def show_appraisal(self) -> None:
        self.appraisal_dock.show()
        self.appraisal_dock.raise_()
        self.appraisal_panel.set_study(self.selected_study())
        self.appraisal_panel.design_combo.setFocus()

    def show_grade(self) -> None:
        self.grade_dock.show()
        self.grade_dock.raise_()
        claim = self.selected_claim()
        if claim:
            self.grade_panel.set_claim(claim)
        self.grade_panel.claim_combo.setFocus()

    def open_screening(self) -> ScreeningDialog | None:
        reviewer = self.require_reviewer()
        if reviewer is None:
            return None
        condition = None
        selected = self.context.condition_id
        for c in study_list.condition_tree(self.project):  # names, not counts
            if c.id == selected:
                condition = c.slug
        if self.screening_dialog is None:
            self.screening_dialog = ScreeningDialog(self.context, self.parent_widget)
            self.screening_dialog.judged.connect(self.update_undo_actions)
            self.screening_dialog.judged.connect(self.context.judged_quietly)
            self.screening_dialog.finished.connect(
                lambda _r: self.context.judgement_recorded())
        self.screening_dialog.start(condition)
        _present(self.screening_dialog)
        return self.screening_dialog

    def open_agreement(self) -> AgreementDialog:
        if self.agreement_dialog is None:
            self.agreement_dialog = AgreementDialog(self.context, self.parent_widget)
        self.agreement_dialog.reload()
        _present(self.agreement_dialog)
        return self.agreement_dialog

    def study_history(self) -> HistoryDialog | None:
        study_id = self.selected_study()
        if study_id is None:
            self.context.show_status("Select a study first.", 6000)
            return None
        return self._history(study_id=study_id)

    def claim_history(self) -> HistoryDialog | None:
        claim_id = self.selected_claim()
        if not claim_id:
            self.context.show_status("Select a claim first.", 6000)
            return None
        return self._history(claim_id=claim_id)

    def _history(self, *, study_id: int | None = None, claim_id: int | None = None
                 ) -> HistoryDialog:
        subject = review.Subject("screening" if claim_id is None else "grade",
                                 study_id, claim_id)
        label = review.subject_labels(self.project, [subject])[subject]
        view = review.history(self.project, study_id=study_id, claim_id=claim_id,
                              viewer=self.reviewer)  # "" (nobody named) is blinded too
        dialog = HistoryDialog(f"History of {label}", view, self.parent_widget)
        self.history_dialog = dialog
        dialog.show()
        return dialog

    def update_undo_actions(self) -> None:
        undo, redo = review.undo_available(self.project, self.reviewer) if self.reviewer \
            else (None, None)
        for action, step, verb in ((self.action_undo, undo, "Undo"),
                                   (self.action_redo, redo, "Redo")):
            action.setEnabled(step is not None)
            what = KIND_LABELS.get(step.kind, step.kind).lower() if step else "judgement"
            action.setText(f"&{verb} {what[:1].upper()}{what[1:]}")

    def undo(self) -> None:
        self._undo_redo(review.undo, "Undid")

    def redo(self) -> None:
        self._undo_redo(review.redo, "Redid")

    def _undo_redo(self, fn: Any, verb: str) -> None:
        if not self.reviewer:
            return
        try:
            step = fn(self.project, self.reviewer)
        except (ClaimsError, ReviewError) as exc:
            self.warn("Undo", exc)
            return
        if step is None:
            self.context.show_status("Nothing to undo or redo.", 5000)
            return
        self.context.judgement_recorded(
            f"{verb} your {step.description} (event {step.event_id}).")

    def toggle_blind(self, on: bool) -> None:
        reviewer = self.require_reviewer()
        if reviewer is None:
            self.refresh()
            return
        review.set_blind_mode(self.project, on, reviewer=reviewer)
        self.refresh()
        self.context.show_status(
            "Blind mode on: you see only your own judgements until every reviewer has judged."
            if on else "Blind mode off: every reviewer's judgements are shown.", 8000)

    def edit_team(self) -> None:
        reviewer = self.require_reviewer()
        if reviewer is None:
            return
        text, ok = QInputDialog.getText(
            self.parent_widget, "Review team",
            "Reviewers who must all judge each study or claim before blind mode shows\n"
            "their judgements to each other (comma-separated; empty = any two):",
            text=", ".join(review.review_team(self.project)))
        if not ok:
            return
        try:
            review.set_review_team(self.project, text.split(","), reviewer=reviewer)
        except (ClaimsError, ReviewError) as exc:
            self.warn("Review team", exc)
            return
        self.refresh()


def _present(dialog: QDialog) -> None:
    """Show a non-modal dialog; one already open comes to the front."""
    if dialog.isVisible():
        dialog.raise_()
    dialog.show()
    dialog.activateWindow()
