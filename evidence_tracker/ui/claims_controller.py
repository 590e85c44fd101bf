"""The claims side of the main window: the claims view and claim page, their menus and
actions, and the dialogs that write (links, verdicts, claims from a page).

The window places ``view`` (the centre in claims mode) and ``page`` (the right pane) and
switches its layout on ``mode_changed``. Writes are quick local ones on the project's
connection on the GUI thread; each announces ``judgements_changed`` on the context, and
everything showing judgements re-reads. Nothing here touches the network.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QMessageBox, QWidget

from evidence_tracker.domain.claims import (
    STANCE_LABELS,
    Claim,
    ClaimsError,
    deletion_consequences,
)
from evidence_tracker.services import claims as claims_service
from evidence_tracker.services import evidence, study_list
from evidence_tracker.services import project as project_service
from evidence_tracker.services.evidence import ClaimOverview
from evidence_tracker.ui.claim_edit_dialog import ClaimEditDialog
from evidence_tracker.ui.claim_page import ClaimPage, VerdictDialog, history_text
from evidence_tracker.ui.claims_view import ClaimsView, clinic_counts
from evidence_tracker.ui.context import AppContext
from evidence_tracker.ui.detail import StudyDetail
from evidence_tracker.ui.extract_dialog import ExtractDialog
from evidence_tracker.ui.inclusions_dialog import InclusionsDialog
from evidence_tracker.ui.link_dialog import LinkDialog
from evidence_tracker.ui.restore_claim_dialog import RestoreClaimDialog
from evidence_tracker.ui.sidebar import ALL_CLINICS, Sidebar


class ClaimsController(QObject):
    """Owns ``view`` (the centre in claims mode) and ``page`` (the right pane); fills the
    claims part of ``sidebar``; reads a quote offered for a link from ``detail``."""

    #: True: show the claims (view and page); False: back to the studies.
    mode_changed = Signal(bool)

    def __init__(self, context: AppContext, sidebar: Sidebar, detail: StudyDetail,
                 parent: QWidget):
        super().__init__(parent)
        self.context = context
        self.sidebar = sidebar
        self.detail = detail
        self.parent_widget = parent
        self.view = ClaimsView()
        self.page = ClaimPage()
        self._suggest_requests = 0  # the newest background search for suggested studies
        self.suggesting = False  # the page waits for the newest one
        self.overviews: list[ClaimOverview] = []
        self.claims: dict[int, Claim] = {}
        self._condition_names: dict[str, str] = {}
        self.link_dialog: LinkDialog | None = None
        self.verdict_dialog: VerdictDialog | None = None
        self.extract_dialog: ExtractDialog | None = None
        self.edit_dialog: ClaimEditDialog | None = None
        self.inclusions_dialog: InclusionsDialog | None = None
        self.history_box: QMessageBox | None = None
        self.claim_menu: QMenu | None = None

        self.action_link = self._action("&Link to Claim…", "Ctrl+L", self.link_selected_study)
        self.action_link.setStatusTip("Link the selected study to a claim, with a stance and "
                                      "the abstract sentences that show it")
        self.action_show = self._action("Show &Claims", "Ctrl+2", self.show_claims)
        self.action_extract = self._action("&Extract from Page…", "Ctrl+Shift+E",
                                           self.extract_from_page)
        self.action_verdict = self._action("Confirm / Override &Verdict…", "Ctrl+Shift+V",
                                           self.confirm_verdict)
        self.action_edit = self._action("E&dit Claim…", "Ctrl+E", self.edit_claim)
        self.action_edit.setStatusTip("Classify the selected claim (kind) and set its scope: "
                                      "population, intervention, comparator, outcome, time")
        self.action_new = self._action("&New Claim…", "Ctrl+Shift+N", self.new_claim)
        self.action_new.setStatusTip("Add a claim to the register in testable words")
        self.action_delete = self._action("De&lete Claim…", "Del", self.delete_claim)
        self.action_delete.setStatusTip("Delete the selected claim and its links (the audit "
                                        "trail keeps them)")
        self.action_restore = QAction("&Restore Deleted Claim…", self.parent_widget)
        self.action_restore.setStatusTip("Bring back a deleted claim with its links, GRADE "
                                         "and verdict")
        self.action_restore.triggered.connect(lambda _c=False: self.restore_claim())
        self.restore_dialog: RestoreClaimDialog | None = None
        # Del only where a claim is selected: never a key a text field or the table needs.
        self.action_delete.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.view.tree.addAction(self.action_delete)
        #: Review → History of Claim (the window hands it over for the context menu).
        self.history_action: QAction | None = None
        self.delete_box: QMessageBox | None = None
        self.action_inclusions = self._action("&Included Studies…", "Ctrl+Shift+I",
                                              self.edit_inclusions)
        self.action_inclusions.setStatusTip("Which studies the selected systematic review "
                                            "includes (proposed from its reference list)")

        self.view.claim_selected.connect(self.show_claim)
        self.view.claim_selected.connect(self.context.claim_selected)
        self.view.menu_requested.connect(self.show_claim_menu)
        self.view.new_button.clicked.connect(lambda _c=False: self.new_claim())
        self.view.edit_button.clicked.connect(lambda _c=False: self.edit_claim())
        self.view.delete_button.clicked.connect(lambda _c=False: self.delete_claim())
        self.page.link_requested.connect(
            lambda study_id, claim_id: self.open_link_dialog(study_id, claim_id=claim_id))
        self.page.withdraw_requested.connect(self.withdraw)
        self.page.verdict_requested.connect(self.confirm_verdict)
        self.page.study_requested.connect(self.show_study)
        self.page.history_requested.connect(self.show_link_history)
        sidebar.claims_selected.connect(self.activate)
        # The window re-reads the project after every judgement (project_changed).
        context.project_changed.connect(self.reload)
        # Blind mode: the list's counts and badges and the page depend on who is looking.
        context.reviewer.changed.connect(lambda _name: self.reload())

    @property
    def active(self) -> bool:
        """Whether the claims (not the studies) are shown."""
        return self.context.claims_shown

    def _action(self, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self.parent_widget)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def add_menus(self, menubar: QMenuBar) -> None:
        study = QMenu("&Study", menubar)
        study.addAction(self.action_link)
        study.addAction(self.action_inclusions)
        claims = QMenu("&Claims", menubar)
        claims.addAction(self.action_show)
        claims.addSeparator()
        claims.addAction(self.action_new)
        claims.addAction(self.action_edit)
        claims.addAction(self.action_delete)
        claims.addAction(self.action_restore)
        claims.addSeparator()
        claims.addAction(self.action_verdict)
        claims.addSeparator()
        claims.addAction(self.action_extract)
        menubar.addMenu(study)
        menubar.addMenu(claims)

    # -- reading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the claims (sidebar, list, page) from the project."""
        project = self.context.project
        self.overviews = evidence.list_claims(project, self.context.reviewer.name)
        self.claims = {o.claim.id: o.claim for o in self.overviews}
        self._condition_names = {c.slug: c.name
                                 for c in study_list.condition_tree(project)}  # no counts
        self.sidebar.set_claims(
            [(c.id, c.name, c.claims) for c in clinic_counts(self.overviews)],
            total=len(self.overviews))
        self.view.set_overviews(self.overviews)
        self.show_claim(self.page.claim_id or 0)

    def show_claim(self, claim_id: int) -> None:
        if not claim_id or claim_id not in self.claims:
            self._suggest_requests += 1  # a search still running is for nothing shown
            self.suggesting = False
            self.page.show_detail(None)
            self.context.claim_id = None
            return
        project = self.context.project
        reviewer = self.context.reviewer.name
        # The suggested studies (a ranked full-text search over the claim's words: a tenth
        # of a second or more at 100,000 studies) follow from the task runner, so the page
        # itself shows at once; the search starts first, to run on another core while the
        # page is built (page + search one after the other took 0.25 s at 100,000).
        self._suggest(claim_id, reviewer)
        # Blind mode: another reviewer's judgements stay hidden until the claim is complete.
        detail = evidence.claim_detail(project, claim_id, viewer=reviewer, suggestions=0)
        self.page.show_detail(detail, condition_names=self._condition_names, reviewer=reviewer,
                              suggestions_pending=True)
        self.context.claim_id = claim_id

    def _suggest(self, claim_id: int, reviewer: str) -> None:
        """Find the claim's suggested studies in the background; only the newest request's
        reach the page (another claim, a new link or reviewer asks again meanwhile)."""
        self._suggest_requests += 1
        self.suggesting = True
        request, path = self._suggest_requests, self.context.project.path

        def work(_report: object) -> list[evidence.Suggestion]:
            if request != self._suggest_requests:  # a claim passed over (arrow keys down
                return []  # the list) before its search started is not searched
            with project_service.open_for_reading(path) as project:
                return evidence.suggest_studies(project, claim_id, viewer=reviewer)

        def newest() -> bool:
            return request == self._suggest_requests and shiboken6.isValid(self.page)

        def done(found: list[evidence.Suggestion]) -> None:
            if newest():
                self.suggesting = False
                self.page.show_suggestions(claim_id, found)

        def failed(exc: BaseException, _tb: str) -> None:
            if newest():
                self.suggesting = False
                self.page.show_suggestions(claim_id, [], failure=str(exc))

        self.context.tasks.run(work, done, failed)

    # -- modes -----------------------------------------------------------------------------
    def show_claims(self) -> None:
        clinic = self.sidebar.selected_clinic()
        self.sidebar.select_clinic(ALL_CLINICS if clinic is None else clinic)
        self.view.tree.setFocus()

    def activate(self, clinic_id: int) -> None:
        """Claims mode: the claims list in the centre, the claim page on the right."""
        clinic = None if clinic_id == ALL_CLINICS else clinic_id
        name = next((c.name for c in clinic_counts(self.overviews) if c.id == clinic), "")
        self.view.set_clinic(clinic, name)
        if not self.active:
            self.context.claims_shown = True
            self.mode_changed.emit(True)
        self.context.show_status(
            f"{len(self.overviews)} claims · Ctrl+Shift+V records a verdict · "
            f"{self.context.project.path}")

    def deactivate(self) -> None:
        """Back to the studies: the table (or its hint) and the study detail pane."""
        if not self.active:
            return
        self.context.claims_shown = False
        self.mode_changed.emit(False)

    def show_study(self, study_id: int) -> None:
        """Go to a study in the studies table (all studies, no search)."""
        self.context.study_requested.emit(study_id)

    def show_link_history(self, study_id: int, claim_id: int) -> QMessageBox:
        """Every judgement of this study against this claim, by every reviewer."""
        claim = self.claims.get(claim_id)
        events = evidence.link_history(self.context.project, study_id, claim_id,
                                       self.context.reviewer.name)
        box = QMessageBox(QMessageBox.Icon.Information, "Link history",
                          f"{claim.code if claim else claim_id}: history of the link",
                          QMessageBox.StandardButton.Close, self.parent_widget)
        box.setObjectName("linkHistory")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(history_text(events))
        self.history_box = box
        box.open()
        return box

    # -- writing ---------------------------------------------------------------------------
    def _current_study(self) -> int | None:
        return self.context.study_id

    def link_selected_study(self) -> None:
        """Ctrl+L: link the study selected in the table (the current claim preselected in
        claims mode; the detail pane's selected text offered as the quote)."""
        study_id = self._current_study()
        if study_id is None:
            self.context.show_status(
                "Select a study in the studies table first, then press Ctrl+L.", 8000)
            return
        selected = "" if self.active else self.detail.selected_text()
        claim_id = self.page.claim_id if self.active else None
        self.open_link_dialog(study_id, claim_id=claim_id, selected_text=selected)

    def open_link_dialog(self, study_id: int, *, claim_id: int | None = None,
                         selected_text: str = "") -> LinkDialog | None:
        try:
            dialog = LinkDialog(self.context.project, study_id, list(self.claims.values()),
                                self.context.reviewer, claim_id=claim_id,
                                selected_text=selected_text, parent=self.parent_widget)
        except ClaimsError as exc:
            QMessageBox.warning(self.parent_widget, "Link to Claim", str(exc))
            return None
        dialog.accepted.connect(lambda: self._linked(dialog))
        self.link_dialog = dialog
        dialog.open()
        return dialog

    def _linked(self, dialog: LinkDialog) -> None:
        view = dialog.saved
        self.after_write()
        if view is not None:
            claim = self.claims.get(view.claim_id)
            code = claim.code if claim else f"#{view.claim_id}"
            self.context.show_status(
                f"Linked {view.study.key} to {code}: {STANCE_LABELS[view.stance]}.", 10000)

    def withdraw(self, study_id: int, claim_id: int) -> None:
        claim = self.claims.get(claim_id)
        code = claim.code if claim else f"#{claim_id}"
        answer = QMessageBox.question(
            self.parent_widget, "Withdraw link",
            f"Withdraw your link between this study and {code}? The link's history keeps it.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        reviewer = self.context.reviewer.require(self.parent_widget)
        if reviewer is None:
            return
        try:
            evidence.withdraw_link(self.context.project, study_id, claim_id, reviewer=reviewer)
        except ClaimsError as exc:
            QMessageBox.warning(self.parent_widget, "Withdraw link", str(exc))
            return
        self.after_write()

    def confirm_verdict(self, claim_id: int | None = None) -> VerdictDialog | None:
        claim_id = claim_id or self.page.claim_id or self.view.selected_claim_id()
        if not self.active or claim_id is None or claim_id not in self.claims:
            self.context.show_status(
                "Select a claim in the claims view first (Claims → Show Claims).", 8000)
            return None
        # Blind mode: the current verdict and suggestion as this reviewer may see them.
        status = evidence.verdict_status(self.context.project, claim_id,
                                         self.context.reviewer.name)
        dialog = VerdictDialog(self.context.project, self.claims[claim_id], status,
                               self.context.reviewer, self.parent_widget)
        dialog.accepted.connect(self.after_write)
        self.verdict_dialog = dialog
        dialog.open()
        return dialog

    def edit_claim(self, claim_id: int | None = None) -> ClaimEditDialog | None:
        """Ctrl+E: edit the selected claim's text, category, kind and scope."""
        claim_id = self._chosen_claim(claim_id)
        if claim_id is None:
            return None
        dialog = ClaimEditDialog(self.context.project, self.claims[claim_id],
                                 self.context.reviewer, self.parent_widget)
        dialog.accepted.connect(self.after_write)
        self.edit_dialog = dialog
        dialog.open()
        return dialog

    def new_claim(self) -> ClaimEditDialog:
        """Ctrl+Shift+N: a new claim (the claims are shown once it is saved)."""
        dialog = ClaimEditDialog(self.context.project, None, self.context.reviewer,
                                 self.parent_widget)
        dialog.accepted.connect(lambda: self._claim_added(dialog))
        self.edit_dialog = dialog
        dialog.open()
        return dialog

    def _claim_added(self, dialog: ClaimEditDialog) -> None:
        self.after_write()
        if dialog.saved is None:
            return
        self.show_claims()
        self.view.filter.clear()
        self.view.select_claim(dialog.saved.id)
        self.context.show_status(f"Added {dialog.saved.code}: {dialog.saved.text}", 10000)

    def _chosen_claim(self, claim_id: int | None) -> int | None:
        """The claim an action is about: given, or selected in the claims view."""
        claim_id = claim_id or self.view.selected_claim_id() or self.page.claim_id
        if not self.active or claim_id is None or claim_id not in self.claims:
            self.context.show_status(
                "Select a claim in the claims view first (Claims → Show Claims).", 8000)
            return None
        return claim_id

    def delete_claim(self, claim_id: int | None = None) -> QMessageBox | None:
        """Del: delete a claim after a confirmation that names the links going with it."""
        claim_id = self._chosen_claim(claim_id)
        if claim_id is None:
            return None
        claim = self.claims[claim_id]
        links = evidence.current_links(self.context.project, claim=claim.id)
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete Claim",
                          f"Delete {claim.code}?\n\n{claim.text}",
                          QMessageBox.StandardButton.Cancel, self.parent_widget)
        box.setObjectName("deleteClaim")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(deletion_consequences(
            len(links), len({v.study.id for v in links}), claim))
        if links:
            box.setDetailedText("\n".join(
                f"{v.study.key}  {STANCE_LABELS[v.stance]}  ({v.reviewer})" for v in links))
        delete = box.addButton("&Delete Claim", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter keeps the claim
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _r: self._delete_answered(box, delete, claim))
        self.delete_box = box
        box.open()
        return box

    def _delete_answered(self, box: QMessageBox, delete: object, claim: Claim) -> None:
        if box.clickedButton() is not delete:
            return
        reviewer = self.context.reviewer.require(self.parent_widget)
        if reviewer is None:
            return
        try:
            claims_service.delete_claim(self.context.project, claim.id, reviewer=reviewer)
        except ClaimsError as exc:
            QMessageBox.warning(self.parent_widget, "Delete Claim", str(exc))
            return
        self.after_write()
        self.context.show_status(f"Deleted {claim.code} (its history keeps it).", 10000)

    def restore_claim(self) -> RestoreClaimDialog:
        """Claims ▸ Restore Deleted Claim…: choose one; it is shown once restored."""
        dialog = RestoreClaimDialog(self.context.project, self.context.reviewer,
                                    self.parent_widget)
        dialog.restored.connect(self._claim_restored)
        self.restore_dialog = dialog
        dialog.open()
        return dialog

    def _claim_restored(self, claim: Claim) -> None:
        self.after_write()
        self.show_claims()
        self.view.filter.clear()
        self.view.select_claim(claim.id)
        self.context.show_status(f"Restored {claim.code} with its links, GRADE and verdict.",
                                 10000)

    def show_claim_menu(self, claim_id: int, position: QPoint) -> QMenu:
        """The claims list's context menu: edit, delete, link the selected study, history."""
        menu = QMenu(self.parent_widget)
        menu.setObjectName("claimMenu")
        menu.addAction(self.action_edit)
        study = self._current_study()
        link = menu.addAction("&Link Selected Study…" if study else
                              "Link Study… (select one in the studies table first)")
        link.setEnabled(study is not None)
        link.triggered.connect(lambda _c=False: self.open_link_dialog(study or 0,
                                                                      claim_id=claim_id))
        if self.history_action is not None:
            menu.addAction(self.history_action)
        menu.addSeparator()
        menu.addAction(self.action_new)
        menu.addAction(self.action_delete)
        menu.addAction(self.action_restore)
        self.claim_menu = menu
        menu.popup(position)
        return menu

    def edit_inclusions(self, study_id: int | None = None) -> InclusionsDialog | None:
        """Ctrl+Shift+I: the studies the selected review includes."""
        study_id = study_id or self._current_study()
        if study_id is None:
            self.context.show_status(
                "Select a systematic review in the studies table first.", 8000)
            return None
        try:
            dialog = InclusionsDialog(self.context.project, study_id, self.context.reviewer,
                                      self.parent_widget)
        except ClaimsError as exc:
            QMessageBox.warning(self.parent_widget, "Included Studies", str(exc))
            return None
        dialog.accepted.connect(self.after_write)
        self.inclusions_dialog = dialog
        dialog.open()
        return dialog

    def extract_from_page(self) -> ExtractDialog:
        dialog = ExtractDialog(self.context.project, self.context.reviewer, self.parent_widget)
        dialog.changed.connect(self.after_write)
        self.extract_dialog = dialog
        dialog.open()
        return dialog

    def after_write(self) -> None:
        """Re-read what a write may have changed: claims, the page, the study pane."""
        self.context.judgement_recorded(claims_edited=True)
