"""The claims side of the main window: the claims view and claim page, their menus and
actions, and the dialogs that write (links, verdicts, claims from a page).

Writes are quick local ones, made on the window's own connection on the GUI thread;
after each, the views are re-read from the project. Nothing here touches the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QMessageBox

from evidence_tracker.domain.claims import STANCE_LABELS, Claim, ClaimsError
from evidence_tracker.services import evidence, review
from evidence_tracker.services import settings as settings_service
from evidence_tracker.services.evidence import ClaimOverview
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.claim_page import (
    ClaimPage,
    VerdictDialog,
    history_text,
    study_links_html,
)
from evidence_tracker.ui.claims_view import ClaimsView, clinic_counts, reviewer_name
from evidence_tracker.ui.detail import study_html
from evidence_tracker.ui.extract_dialog import ExtractDialog
from evidence_tracker.ui.link_dialog import LinkDialog
from evidence_tracker.ui.sidebar import ALL_CLINICS, ALL_STUDIES

if TYPE_CHECKING:
    from evidence_tracker.ui.main_window import MainWindow

#: Share of the splitter's width for sidebar, list and claim page in claims mode.
CLAIMS_SPLIT = (0.16, 0.46, 0.38)


class ClaimsController(QObject):
    """Owns ``view`` (the centre in claims mode) and ``page`` (the right pane)."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.view = ClaimsView()
        self.page = ClaimPage()
        self.overviews: list[ClaimOverview] = []
        self.claims: dict[int, Claim] = {}
        self.active = False
        self._studies_sizes: list[int] = []
        self._claims_sizes: list[int] = []
        self._condition_names: dict[str, str] = {}
        self.link_dialog: LinkDialog | None = None
        self.verdict_dialog: VerdictDialog | None = None
        self.extract_dialog: ExtractDialog | None = None
        self.history_box: QMessageBox | None = None

        self.action_link = self._action("&Link to Claim…", "Ctrl+L", self.link_selected_study)
        self.action_link.setStatusTip("Link the selected study to a claim, with a stance and "
                                      "the abstract sentences that show it")
        self.action_show = self._action("Show &Claims", "Ctrl+2", self.show_claims)
        self.action_extract = self._action("&Extract from Page…", "Ctrl+Shift+E",
                                           self.extract_from_page)
        self.action_verdict = self._action("Confirm / Override &Verdict…", "Ctrl+Shift+V",
                                           self.confirm_verdict)

        self.view.claim_selected.connect(self.show_claim)
        self.page.link_requested.connect(
            lambda study_id, claim_id: self.open_link_dialog(study_id, claim_id=claim_id))
        self.page.withdraw_requested.connect(self.withdraw)
        self.page.verdict_requested.connect(self.confirm_verdict)
        self.page.study_requested.connect(self.show_study)
        self.page.history_requested.connect(self.show_link_history)
        window.sidebar.claims_selected.connect(self.activate)

    def _action(self, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def add_menus(self, menubar: QMenuBar) -> None:
        study = QMenu("&Study", menubar)
        study.addAction(self.action_link)
        claims = QMenu("&Claims", menubar)
        claims.addAction(self.action_show)
        claims.addAction(self.action_verdict)
        claims.addSeparator()
        claims.addAction(self.action_extract)
        menubar.addMenu(study)
        menubar.addMenu(claims)

    # -- reading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the claims (sidebar, list, page) from the project."""
        project = self.window.project
        self.overviews = evidence.list_claims(project)
        self.claims = {o.claim.id: o.claim for o in self.overviews}
        self._condition_names = {c.slug: c.name
                                 for c in condition_store.list_conditions(project)}
        self.window.sidebar.set_claims(
            [(c.id, c.name, c.claims) for c in clinic_counts(self.overviews)],
            total=len(self.overviews))
        self.view.set_overviews(self.overviews)
        self.show_claim(self.page.claim_id or 0)

    def show_claim(self, claim_id: int) -> None:
        if not claim_id or claim_id not in self.claims:
            self.page.show_detail(None)
            return
        project = self.window.project
        reviewer = settings_service.load_settings().reviewer_name.strip()
        # Blind mode: another reviewer's links stay hidden until this reviewer has judged.
        detail = review.blinded_detail(project, evidence.claim_detail(project, claim_id),
                                       reviewer)
        self.page.show_detail(detail, condition_names=self._condition_names, reviewer=reviewer)

    def show_study_detail(self, study_id: int | None) -> None:
        """The study detail pane: the record, then the claims it is linked to."""
        stored = study_store.get_study(self.window.project, study_id) if study_id else None
        if stored is None:
            self.window.detail.show_study(None)
            return
        reviewer = settings_service.load_settings().reviewer_name.strip()
        links = review.filter_links(
            self.window.project, evidence.current_links(self.window.project, study=study_id),
            reviewer,
        )
        self.window.detail.setHtml(study_html(stored) + study_links_html(links, self.claims))

    # -- modes -----------------------------------------------------------------------------
    def show_claims(self) -> None:
        clinic = self.window.sidebar.selected_clinic()
        self.window.sidebar.select_clinic(ALL_CLINICS if clinic is None else clinic)
        self.view.tree.setFocus()

    def activate(self, clinic_id: int) -> None:
        """Claims mode: the claims list in the centre, the claim page on the right."""
        w = self.window
        clinic = None if clinic_id == ALL_CLINICS else clinic_id
        name = next((c.name for c in clinic_counts(self.overviews) if c.id == clinic), "")
        self.view.set_clinic(clinic, name)
        if not self.active:
            self.active = True
            self._studies_sizes = w.splitter.sizes()
            w.centre.setCurrentWidget(self.view)
            w.right.setCurrentWidget(self.page)
            total = sum(self._studies_sizes)
            sizes = self._claims_sizes or [int(total * f) for f in CLAIMS_SPLIT]
            w.splitter.setSizes(sizes)
        w.statusBar().showMessage(
            f"{len(self.overviews)} claims · Ctrl+Shift+V records a verdict · "
            f"{w.project.path}")

    def deactivate(self) -> None:
        """Back to the studies: the table (or its hint) and the study detail pane."""
        if not self.active:
            return
        w = self.window
        self.active = False
        self._claims_sizes = w.splitter.sizes()
        if self._studies_sizes:
            w.splitter.setSizes(self._studies_sizes)
        w.right.setCurrentWidget(w.detail)

    def show_study(self, study_id: int) -> None:
        """Go to a study in the studies table (all studies, no search)."""
        w = self.window
        w.search_box.blockSignals(True)
        w.search_box.clear()
        w.search_box.blockSignals(False)
        w.sidebar.select_condition(ALL_STUDIES)
        w.apply_search()
        row = w.model.row_of(study_id)
        if row >= 0:
            index = w.model.index(row, 0)
            flags = (w.table.selectionModel().SelectionFlag.ClearAndSelect
                     | w.table.selectionModel().SelectionFlag.Rows)
            w.table.selectionModel().setCurrentIndex(index, flags)
            w.table.scrollTo(index)
            w.table.setFocus()

    def show_link_history(self, study_id: int, claim_id: int) -> QMessageBox:
        """Every judgement of this study against this claim, by every reviewer."""
        claim = self.claims.get(claim_id)
        events = evidence.link_history(self.window.project, study_id, claim_id)
        box = QMessageBox(QMessageBox.Icon.Information, "Link history",
                          f"{claim.code if claim else claim_id}: history of the link",
                          QMessageBox.StandardButton.Close, self.window)
        box.setObjectName("linkHistory")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(history_text(events))
        self.history_box = box
        box.open()
        return box

    # -- writing ---------------------------------------------------------------------------
    def _current_study(self) -> int | None:
        index = self.window.table.selectionModel().currentIndex()
        return self.window.model.study_id(index.row()) if index.isValid() else None

    def link_selected_study(self) -> None:
        """Ctrl+L: link the study selected in the table (the current claim preselected in
        claims mode; the detail pane's selected text offered as the quote)."""
        study_id = self._current_study()
        if study_id is None:
            self.window.statusBar().showMessage(
                "Select a study in the studies table first, then press Ctrl+L.", 8000)
            return
        selected = "" if self.active else self.window.detail.textCursor().selectedText()
        claim_id = self.page.claim_id if self.active else None
        self.open_link_dialog(study_id, claim_id=claim_id,
                              selected_text=selected.replace("\u2029", " "))

    def open_link_dialog(self, study_id: int, *, claim_id: int | None = None,
                         selected_text: str = "") -> LinkDialog | None:
        try:
            dialog = LinkDialog(self.window.project, study_id, list(self.claims.values()),
                                claim_id=claim_id, selected_text=selected_text,
                                parent=self.window)
        except ClaimsError as exc:
            QMessageBox.warning(self.window, "Link to Claim", str(exc))
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
            self.window.statusBar().showMessage(
                f"Linked {view.study.key} to {code}: {STANCE_LABELS[view.stance]}.", 10000)

    def withdraw(self, study_id: int, claim_id: int) -> None:
        claim = self.claims.get(claim_id)
        code = claim.code if claim else f"#{claim_id}"
        answer = QMessageBox.question(
            self.window, "Withdraw link",
            f"Withdraw your link between this study and {code}? The link's history keeps it.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        reviewer = reviewer_name(self.window)
        if reviewer is None:
            return
        try:
            evidence.withdraw_link(self.window.project, study_id, claim_id, reviewer=reviewer)
        except ClaimsError as exc:
            QMessageBox.warning(self.window, "Withdraw link", str(exc))
            return
        self.after_write()

    def confirm_verdict(self, claim_id: int | None = None) -> VerdictDialog | None:
        claim_id = claim_id or self.page.claim_id or self.view.selected_claim_id()
        if not self.active or claim_id is None or claim_id not in self.claims:
            self.window.statusBar().showMessage(
                "Select a claim in the claims view first (Claims → Show Claims).", 8000)
            return None
        status = evidence.verdict_status(self.window.project, claim_id)
        dialog = VerdictDialog(self.window.project, self.claims[claim_id], status, self.window)
        dialog.accepted.connect(self.after_write)
        self.verdict_dialog = dialog
        dialog.open()
        return dialog

    def extract_from_page(self) -> ExtractDialog:
        dialog = ExtractDialog(self.window.project, self.window)
        dialog.changed.connect(self.after_write)
        self.extract_dialog = dialog
        dialog.open()
        return dialog

    def after_write(self) -> None:
        """Re-read what a write may have changed: claims, the page, the study pane."""
        self.reload()
        if not self.active:
            self.show_study_detail(self._current_study())
