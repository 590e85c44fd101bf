"""The main window: sidebar | studies table | detail pane, with menus and a search box.

The window assembles the GUI: it builds the application context and hands it to each part
it builds (the claims and grading controllers, the import, export and citation actions,
the study pane), places their menus, docks and views, and keeps the context's selection
in step with the table and sidebar. The parts never reach back into the window.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QWidget,
)

from evidence_tracker import APP_NAME, __version__
from evidence_tracker.config import resolve_db_path
from evidence_tracker.domain.models import Condition
from evidence_tracker.pubmed.eutils import RateLimiters
from evidence_tracker.services import project as project_service
from evidence_tracker.services import study_list
from evidence_tracker.services.export import ExportFormat
from evidence_tracker.services.settings import ApiKey, Settings
from evidence_tracker.store import Project, StoreError
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.event_chain import ChainCheck
from evidence_tracker.store.studies import StudyFilter
from evidence_tracker.ui.citation_actions import CitationActions
from evidence_tracker.ui.claims_controller import ClaimsController
from evidence_tracker.ui.condition_dialog import NewConditionDialog
from evidence_tracker.ui.context import AppContext
from evidence_tracker.ui.detail import StudyDetail
from evidence_tracker.ui.export_actions import ChoiceDialog, ExportActions
from evidence_tracker.ui.fetch_dialog import FetchDialog
from evidence_tracker.ui.grading import DOCK_WIDTH, GradingController
from evidence_tracker.ui.help_dialog import HelpDialog, ShortcutsDialog, shortcut_rows
from evidence_tracker.ui.import_actions import ImportActions
from evidence_tracker.ui.instance import ProjectLock, ProjectLocked
from evidence_tracker.ui.preferences import PreferencesDialog
from evidence_tracker.ui.sidebar import ALL_STUDIES, Sidebar
from evidence_tracker.ui.studies_model import StudiesTableModel
from evidence_tracker.ui.study_menu import StudyMenu
from evidence_tracker.ui.sync_controller import SyncController

log = logging.getLogger(__name__)

MAX_RECENT = 8
SEARCH_DELAY_MS = 250
#: Share of the splitter's width for sidebar, list and claim page in claims mode.
CLAIMS_SPLIT = (0.16, 0.46, 0.38)
#: On a wide window the claim page (SoF table, forest plots) gets the extra room.
CLAIMS_SPLIT_WIDE = (0.17, 0.44, 0.39)
WIDE_WINDOW = 1700
#: The claims are read after the window's first paint, or after this if it is not shown.
FIRST_PAINT_WAIT_MS = 300
#: The screening filter: (label, group of services.study_list.SCREENING_GROUPS or "").
SCREENING_FILTERS = (("All decisions", ""), ("Included", "include"), ("Excluded", "exclude"),
                     ("Maybe", "maybe"), ("Unscreened", "unscreened"))


#: View menu: show or close the appraisal and GRADE docks.
DOCK_SHORTCUTS = ("Ctrl+Alt+A", "Ctrl+Alt+G")


def focus_dock(dock: QDockWidget) -> None:
    """Bring a dock to the front and put the keyboard in its first field."""
    dock.raise_()
    inner = dock.widget()
    if inner is None:
        return
    widget = inner.nextInFocusChain()
    for _ in range(1000):  # the focus chain is a ring; the guard only bounds a broken one
        if widget is None or widget is inner:
            break
        if inner.isAncestorOf(widget) and widget.focusPolicy() & Qt.FocusPolicy.TabFocus \
                and widget.isVisibleTo(inner) and widget.isEnabled():
            widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        widget = widget.nextInFocusChain()
    inner.setFocus(Qt.FocusReason.ShortcutFocusReason)
#: How the sidebar, the list and the right pane share a change of the window's width.
PANE_STRETCH = (1, 4, 3)
#: In claims mode the claim page gives way first (a dock beside it grades the same claim):
#: the claims' text keeps a readable column.
CLAIMS_PANE_STRETCH = (0, 1, 3)
#: The claims list's width that leaves its text column about 360 px beside the counts and
#: verdicts; a dock takes its room from the claim page until the page is at its minimum.
CLAIMS_LIST_WIDTH = 800


class MainWindow(QMainWindow):
    """Owns the context: the open project (its connection lives on the GUI thread), the
    task runner, and the settings read once where the application was started."""

    def __init__(self, project: Project, lock: ProjectLock | None = None, *,
                 settings: Settings, api_key: ApiKey | None = None,
                 limiters: RateLimiters | None = None):
        super().__init__()
        self.context = context = AppContext(project, settings, api_key=api_key,
                                            limiters=limiters, parent=self)
        self._lock = lock
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.fetch_dialog: FetchDialog | None = None
        self.help_dialog: HelpDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self.export_shown_dialog: ChoiceDialog | None = None
        self.resize(1280, 800)

        # The project is shown by reload() (one count for the filter the sidebar sets).
        self.model = StudiesTableModel(None, self, reviewer=context.reviewer.name)
        self.table = QTableView()
        self.table.setObjectName("studiesTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for col, width in enumerate((72, 44, 120, 300, 110, 110, 90)):
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(1, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)  # a reset clears it silently

        self.sidebar = Sidebar()
        self._filling_sidebar = False  # reload() fills it and filters the table once
        self.sidebar.condition_selected.connect(self._condition_selected)
        self.detail = StudyDetail(context)
        self.claims = ClaimsController(context, self.sidebar, self.detail, self)
        self.claims.mode_changed.connect(self._claims_mode_changed)
        self._studies_sizes: list[int] = []
        self._claims_sizes: list[int] = []
        self.grading = GradingController(context, self)
        self.claims.history_action = self.grading.action_history_claim  # claims' context menu
        self.imports = ImportActions(context, self)
        self.imports.imported.connect(self._studies_added)
        # A write redraws what it touched: rows of the table, the study pane, the counts.
        context.studies_changed.connect(self._studies_written)
        context.claims_changed.connect(self._claims_written)
        context.reviewer.changed.connect(self._reviewer_changed)
        self.installEventFilter(self.imports)  # reference files dropped on the window
        self.exports = ExportActions(context, self.current_filter, self)
        self.citations = CitationActions(context, self)
        self.study_menu = StudyMenu(
            context, self.table, parent=self, export_selection=self.exports.export_dialog,
            shared=(self.citations.action_copy_ama, self.citations.action_copy_vancouver,
                    self.claims.action_link))
        self.team_sync = SyncController(context, self)
        self.statusBar().addPermanentWidget(self.team_sync.widget)

        self.empty_hint = QLabel()
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("mainSplitter")
        splitter.addWidget(self.sidebar)
        self.centre = QStackedWidget()
        self.centre.addWidget(self.table)
        self.centre.addWidget(self.empty_hint)
        self.centre.addWidget(self.claims.view)
        splitter.addWidget(self.centre)
        self.right = QStackedWidget()
        self.right.addWidget(self.detail)
        self.right.addWidget(self.claims.page)
        splitter.addWidget(self.right)
        for stack in (self.centre, self.right):
            stack.currentChanged.connect(partial(_size_by_current_page, stack))
            _size_by_current_page(stack)
        splitter.setSizes([250, 650, 380])
        # A wider window widens every pane (a narrower one, or an open dock, narrows them),
        # the list most, so the sidebar's names and the pane's text gain room too.
        for pane, factor in enumerate(PANE_STRETCH):
            splitter.setStretchFactor(pane, factor)
        splitter.setCollapsible(0, False)
        # Docks (appraisal, GRADE) take room from the panes: the condition and clinic names
        # stay readable, the table and the claim page give way instead.
        self.sidebar.setMinimumWidth(200)
        self.setCentralWidget(splitter)
        self.splitter = splitter

        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText("Search title, abstract, authors, journal, MeSH…")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(380)  # other toolbars share the row
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_box.returnPressed.connect(self.apply_search)
        self.screening_filter = QComboBox()
        self.screening_filter.setObjectName("screeningFilter")
        self.screening_filter.setToolTip("Show the studies by your screening decision")
        for label, group in SCREENING_FILTERS:
            self.screening_filter.addItem(label, group)
        self.screening_filter.activated.connect(lambda _i: self.apply_search())
        self.action_export_shown = QAction("Export &These Studies…", self)
        self.action_export_shown.setObjectName("exportShownAction")
        self.action_export_shown.setStatusTip("Export exactly the studies the table shows "
                                              "(condition, search and screening filter)")
        self.action_export_shown.triggered.connect(lambda _c=False: self.export_shown())

        self._build_menus()
        self._place_grading()
        self.citations.choose_shortcut(
            a.shortcut() for a in self.findChildren(QAction)
            if a is not self.citations.action_copy_ama and not a.shortcut().isEmpty())
        context.status_message.connect(self._show_status)
        context.study_requested.connect(self.go_to_study)
        context.judgements_changed.connect(self.grading.refresh_panels)
        self._restore_state()
        self._counting = False  # the condition counts are being read in the background
        self._count_again = False
        self._claims_stale = False
        self.claims_loaded = False
        self.claims.mode_changed.connect(self._claims_shown)
        self.reload(defer_claims=True)
        self.audit_check: ChainCheck | None = None
        self.audit_warning: QMessageBox | None = None
        self.check_audit_trail()
        self.team_sync.start()

    # -- construction ----------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.context.project

    def _place_grading(self) -> None:
        """The Review toolbar, and the appraisal and GRADE docks tabbed and hidden."""
        self.addToolBar(self.grading.toolbar)
        for dock in self.grading.docks:
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.tabifyDockWidget(*self.grading.docks)
        for dock in self.grading.docks:
            dock.hide()
            dock.visibilityChanged.connect(partial(self._dock_visibility, dock))
            dock.topLevelChanged.connect(self._fit_to_screen_soon)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        keys = QKeySequence.StandardKey
        self.action_new = self._action("&New Project…", keys.New, self.new_project)
        self.action_open = self._action("&Open Project…", keys.Open, self.open_project_dialog)
        file_menu.addAction(self.action_new)
        file_menu.addAction(self.action_open)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        for action in (self.imports.action_import, self.exports.action_export,
                       self.exports.action_claimreview, self.exports.action_report):
            file_menu.addAction(action)
            if action is self.exports.action_export:
                file_menu.addAction(self.action_export_shown)
        file_menu.addSeparator()
        file_menu.addAction(self.team_sync.action_sync_now)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.close))

        pubmed_menu = self.menuBar().addMenu("&PubMed")
        self.action_fetch = self._action("&Fetch Condition…", None, self.show_fetch_dialog)
        self.action_fetch.setShortcut(QKeySequence("Ctrl+Shift+F"))
        pubmed_menu.addAction(self.action_fetch)
        self.action_import = self._action("&Import Files…", None, self.import_files_dialog)
        self.action_import.setStatusTip("PubMed XML, MEDLINE/NBIB, RIS, BibTeX or CSL-JSON, "
                                        "with a preview of what will be added and merged")
        self.action_import.setShortcut(QKeySequence("Ctrl+I"))
        pubmed_menu.addAction(self.action_import)
        pubmed_menu.addSeparator()
        pubmed_menu.addAction(self._action("&New Condition…", None, self.new_condition))

        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self.citations.action_copy_ama)
        edit_menu.addAction(self.citations.action_copy_vancouver)
        edit_menu.addSeparator()
        find = self._action("&Find Studies", QKeySequence.StandardKey.Find, self.focus_search)
        edit_menu.addAction(find)
        show_studies = self._action("Show &Studies", None, self.show_studies)
        show_studies.setShortcut(QKeySequence("Ctrl+1"))
        edit_menu.addAction(show_studies)
        edit_menu.addSeparator()
        prefs = self._action("&Preferences…", keys.Preferences, self.show_preferences)
        prefs.setMenuRole(QAction.MenuRole.PreferencesRole)
        if prefs.shortcut().isEmpty():
            prefs.setShortcut(QKeySequence("Ctrl+,"))
        edit_menu.addAction(prefs)
        self._build_view_menu()
        self.claims.add_menus(self.menuBar())
        self.menuBar().addMenu(self.grading.menu)

        help_menu = self.menuBar().addMenu("&Help")
        guide = self._action("&User Guide", QKeySequence.StandardKey.HelpContents,
                             self.show_guide)
        if guide.shortcut().isEmpty():
            guide.setShortcut(QKeySequence("F1"))
        help_menu.addAction(guide)
        sheet = self._action("&Keyboard Shortcuts", None, self.show_shortcuts)
        sheet.setShortcut(QKeySequence("Ctrl+/"))
        help_menu.addAction(sheet)
        help_menu.addSeparator()
        about = self._action("&About Evidence Tracker", None, self.show_about)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        help_menu.addAction(about)

        toolbar = QToolBar("Search")
        toolbar.setObjectName("searchToolbar")
        toolbar.setMovable(False)
        toolbar.addAction(self.action_fetch)
        toolbar.addAction(self.action_import)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Search: "))
        toolbar.addWidget(self.search_box)
        toolbar.addWidget(self.screening_filter)
        self.addToolBar(toolbar)

    def _build_view_menu(self) -> None:
        """View: each dock shown (and focused) or closed by its shortcut."""
        view_menu = self.menuBar().addMenu("&View")
        view_menu.setObjectName("viewMenu")
        for dock, key in zip(self.grading.docks, DOCK_SHORTCUTS, strict=True):
            toggle = dock.toggleViewAction()
            toggle.setText(f"&{dock.windowTitle()} Panel")
            toggle.setShortcut(QKeySequence(key))
            toggle.setStatusTip(f"Show or close the {dock.windowTitle()} panel ({key})")
            toggle.toggled.connect(lambda shown, d=dock: focus_dock(d) if shown else None)
            view_menu.addAction(toggle)
        self.view_menu = view_menu

    def _action(
        self, text: str, shortcut: QKeySequence.StandardKey | None, slot: object
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    # -- state -----------------------------------------------------------------------------
    def reload(self, *, defer_claims: bool = False) -> None:
        """Re-read everything shown from the project (after open, fetch, import): the
        table's count now (its rows as they are drawn), the condition counts in the
        background, the claims now or, when the window opens, just after it is drawn."""
        self.context.project_opened(self.project)
        self._filling_sidebar = True  # the table is filtered once, below
        try:
            self.sidebar.set_conditions(study_list.condition_tree(self.project), total=None)
        finally:
            self._filling_sidebar = False
        selected = self.sidebar.selected_condition()
        self.context.condition_id = None if selected in (None, ALL_STUDIES) else selected
        self.model.show_project(self.project, self.current_filter())
        self._update_title()
        self._update_status()
        self.refresh_counts()
        self.claims_loaded = False
        if defer_claims:  # once the centre has been painted (or soon, if never shown)
            self.centre.installEventFilter(self)
            QTimer.singleShot(FIRST_PAINT_WAIT_MS, self._project_shown)
        else:
            self._project_shown()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The window's first paint: the claims are read just after it."""
        if watched is self.centre and event.type() == QEvent.Type.Paint:
            self.centre.removeEventFilter(self)
            QTimer.singleShot(0, self._project_shown)
        return super().eventFilter(watched, event)

    def _project_shown(self) -> None:
        """The claims and panels read the project (after the window's first paint when it
        opens: the claims overview reads every claim's evidence)."""
        if self.claims_loaded:
            return  # the first paint came before the fallback timer
        self.context.project_changed.emit()
        self._claims_stale = False
        self.claims_loaded = True

    def refresh_counts(self) -> None:
        """Count the studies of each condition on a connection of its own (the counts
        scan the project) and write them beside the conditions when done; a request
        while counting counts again afterwards."""
        if self._counting:
            self._count_again = True
            return
        self._counting, self._count_again = True, False
        path = self.project.path

        def work(_report: object) -> tuple[list[Condition], int]:
            with project_service.open_for_reading(path) as project:
                return (condition_store.list_conditions(project),
                        study_store.count_studies(project))

        def done(result: tuple[list[Condition], int]) -> None:
            self._counting = False
            if path == self.project.path:
                conditions, total = result
                self.sidebar.update_counts(conditions, total=total)
            if self._count_again:
                self.refresh_counts()

        def failed(exc: BaseException, _tb: str) -> None:
            self._counting = False
            log.warning("could not count the studies of %s: %s", path, exc)

        self.context.tasks.run(work, done, failed)

    def _studies_written(self, study_ids: frozenset[int]) -> None:
        """Judgements about these studies were recorded: redraw their rows (and the study
        pane if it shows one), recount in the background; the claims catch up when shown."""
        self.model.update_studies(study_ids)
        if self.model.study_filter.decision:  # the list was counted again
            self._reselect()
            self._update_status()
        if self.detail.study_id in study_ids:
            self.detail.refresh()
        self.refresh_counts()
        if self.claims.active:
            self.claims.reload()
        else:
            self._claims_stale = True

    def _studies_added(self) -> None:
        """An import or a fetch stored studies: the table counts again (its rows are read
        as drawn), the condition counts follow in the background, and the claims (which
        read every claim's evidence: O(project)) re-read now only if shown, else when
        next shown. Not ``reload``: that re-reads everything on the GUI thread."""
        self.context.project_opened(self.project)  # the import's events are shown
        self.model.refresh()
        self._update_status()
        if self.detail.study_id is not None:
            self.detail.refresh()  # a merge may have changed it
        self.refresh_counts()
        if self.claims.active:
            self.claims.reload()
        else:
            self._claims_stale = True

    def _claims_written(self, _claim_ids: frozenset[int]) -> None:
        """Claims or judgements about them (links, grades, verdicts) were recorded: the
        claims re-read (the studies' rows were redrawn by ``_studies_written``)."""
        self.claims.reload()
        self._claims_stale = False

    def _reviewer_changed(self, name: str) -> None:
        """The screening column (and a screening filter) follow the new reviewer."""
        self.model.set_reviewer(name)
        if self.model.study_filter.decision:  # another reviewer's decisions: recounted
            self._update_status()

    def _claims_shown(self, shown: bool) -> None:
        if shown and self._claims_stale:
            self._claims_stale = False
            self.claims.reload()

    def _reselect(self) -> None:
        """Select the context's study again after the list was re-read, if still shown."""
        study_id = self.context.study_id
        if study_id is not None:
            self._select_row_of(study_id)

    def _show_status(self, text: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.project.path.name} — {APP_NAME}")

    def _update_status(self) -> None:
        """"N studies", or under a search or a screening filter "shown of M", M being the
        studies of the condition chosen in the sidebar (or of the project)."""
        if self.claims.active:
            return
        shown = self.model.rowCount()
        flt = self.model.study_filter
        scope = StudyFilter(condition_id=flt.condition_id)
        narrowed = bool(flt.search.strip() or flt.decision)
        scope_total = study_store.count_studies(self.project, scope) if narrowed else shown
        text = f"{shown} of {scope_total} studies" if narrowed else f"{shown} studies"
        if flt.condition_id is not None:
            text += f" in {self.sidebar.selected_name()}"
        if self.model.last_error:
            text = self.model.last_error
        self.statusBar().showMessage(f"{text}   ·   {self.project.path}")
        if shown == 0 and (scope_total == 0 if flt.condition_id is None
                           else study_store.count_studies(self.project) == 0):
            self.empty_hint.setText(
                "<h3>This project has no studies yet</h3>"
                "<p>Fetch PubMed records by condition, or import a PubMed XML, MEDLINE "
                "or RIS file. Conditions in the sidebar hold the PubMed queries.</p>"
            )
            self.centre.setCurrentWidget(self.empty_hint)
        elif shown == 0:
            self.empty_hint.setText(
                "<h3>No study matches</h3><p>Try fewer words, or choose All studies.</p>"
            )
            self.centre.setCurrentWidget(self.empty_hint)
        else:
            self.centre.setCurrentWidget(self.table)

    def current_filter(self) -> StudyFilter:
        """What the table shows: the sidebar's condition, the search, the screening
        filter (for the current reviewer), in the table's sort order."""
        condition = self.sidebar.selected_condition()
        old = self.model.study_filter
        flt = StudyFilter(
            search=self.search_box.text(),
            condition_id=None if condition in (None, ALL_STUDIES) else condition,
            sort=old.sort,
            descending=old.descending,
        )
        return study_list.with_screening_group(self.project, flt,
                                               self.screening_filter.currentData() or "",
                                               self.context.reviewer.name)

    def export_shown(self) -> ChoiceDialog | None:
        """Export exactly the studies the table shows: a format, a file, then the export
        (its ids read and the file written in the background)."""
        flt = self.current_filter()
        dialog = ChoiceDialog("Export These Studies", [
            ("format", f"{self.model.rowCount()} studies as:",
             [(f"{f.label} ({f.extension})", f) for f in ExportFormat])], self)
        dialog.setObjectName("exportShownDialog")
        self.export_shown_dialog = dialog
        if not dialog.exec():
            return dialog
        fmt = ExportFormat(dialog.value("format"))  # Qt may hand the enum back as a str
        path, _ = QFileDialog.getSaveFileName(
            self, "Export These Studies", str(Path.home() / f"studies{fmt.extension}"),
            f"{fmt.label} (*{fmt.extension})")
        if not path:
            return dialog
        self.exports.export_to(Path(path), fmt, ("filter", flt))
        return dialog

    # -- slots -----------------------------------------------------------------------------
    def apply_search(self) -> None:
        self._search_timer.stop()
        if self.claims.active:  # searching studies leaves the claims for all studies
            self.sidebar.select_condition(ALL_STUDIES)
            return
        self.model.set_filter(self.current_filter())
        self._update_status()

    def show_studies(self) -> None:
        """Back to the studies table (Ctrl+1; Ctrl+2 shows the claims)."""
        selected = self.sidebar.selected_condition()
        self.sidebar.select_condition(ALL_STUDIES if selected is None else selected)
        self.table.setFocus()

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _condition_selected(self, condition_id: int) -> None:
        if self._filling_sidebar:
            return
        self.context.condition_id = None if condition_id == ALL_STUDIES else condition_id
        self.claims.deactivate()
        self.apply_search()
        if condition_id != ALL_STUDIES:
            condition_store.mark_condition_viewed(self.project, condition_id)

    def _selection_changed(self, *_args: object) -> None:
        """Tell the context which study is current and which are selected."""
        sel = self.table.selectionModel()
        current = sel.currentIndex()
        rows = sorted(i.row() for i in sel.selectedRows())
        index = current if current.isValid() else (self.model.index(rows[0], 0) if rows
                                                  else None)
        study_id = self.model.study_id(index.row()) if index is not None else None
        selected = [i for i in (self.model.study_id(r) for r in rows) if i is not None]
        self.context.select_studies(study_id, selected)

    def _select_row_of(self, study_id: int) -> bool:
        row = self.model.row_of(study_id)
        if row < 0:
            return False
        sel = self.table.selectionModel()
        sel.setCurrentIndex(self.model.index(row, 0),
                            sel.SelectionFlag.ClearAndSelect | sel.SelectionFlag.Rows)
        return True

    def go_to_study(self, study_id: int) -> None:
        """Show a study in the studies table (all studies, no search)."""
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self.sidebar.select_condition(ALL_STUDIES)
        self.apply_search()
        if self._select_row_of(study_id):
            self.table.scrollTo(self.model.index(self.model.row_of(study_id), 0))
            self.table.setFocus()

    def _set_pane_stretch(self, stretch: tuple[int, int, int]) -> None:
        for pane, factor in enumerate(stretch):
            self.splitter.setStretchFactor(pane, factor)

    def _claims_mode_changed(self, claims: bool) -> None:
        """Claims mode: the claims list in the centre and the claim page on the right, each
        mode keeping its own splitter sizes."""
        if claims:
            self.context.condition_id = None
            self._studies_sizes = self.splitter.sizes()
            self.centre.setCurrentWidget(self.claims.view)
            self.right.setCurrentWidget(self.claims.page)
            total = sum(self._studies_sizes)
            split = CLAIMS_SPLIT_WIDE if total >= WIDE_WINDOW else CLAIMS_SPLIT
            sizes = self._claims_sizes or [int(total * f) for f in split]
            self.splitter.setSizes(sizes)
            self._set_pane_stretch(CLAIMS_PANE_STRETCH)
            self._balance_claims_panes()  # a dock may be open already
        else:
            self._set_pane_stretch(PANE_STRETCH)
            self.right.show()  # folded for a dock in claims mode
            self._claims_sizes = self.splitter.sizes()
            if self._studies_sizes:
                self.splitter.setSizes(self._studies_sizes)
            self.right.setCurrentWidget(self.detail)

    # -- PubMed ----------------------------------------------------------------------------
    def show_fetch_dialog(self) -> None:
        conditions = condition_store.list_conditions(self.project)
        if not conditions:
            QMessageBox.information(self, "Fetch", "This project has no conditions to fetch.")
            return
        selected = self.sidebar.selected_condition()
        dialog = FetchDialog(self.context, conditions, self, selected=selected)
        dialog.fetched.connect(self._studies_added)
        self.fetch_dialog = dialog
        dialog.show()

    def new_condition(self) -> None:
        dialog = NewConditionDialog(self.project, self)
        if dialog.exec():
            self.reload()

    def import_files_dialog(self) -> None:
        """Ctrl+I: choose files, see what will be added and merged, then import."""
        self.imports.import_dialog()

    # -- projects --------------------------------------------------------------------------
    def new_project(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "New Project", str(resolve_db_path().parent / "project.sqlite3"),
            "Evidence Tracker projects (*.sqlite3 *.db);;All files (*)",
        )
        if path:
            if Path(path).exists():
                QMessageBox.warning(self, "New Project", f"{path} already exists.")
                return
            self.switch_project(Path(path))

    def open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open Project", str(self.project.path.parent),
            "Evidence Tracker projects (*.sqlite3 *.db);;All files (*)",
        )
        if path:
            self.switch_project(Path(path))

    def switch_project(self, path: Path) -> bool:
        """Close the current project and open ``path``; on failure keep the current one."""
        path = path.resolve()
        if path == self.project.path:
            return True
        lock = ProjectLock(path)
        try:
            lock.acquire()
            project = project_service.open_or_create(path)
        except (ProjectLocked, StoreError) as exc:
            lock.release()
            QMessageBox.warning(self, "Cannot open project", str(exc))
            return False
        self.project.close()
        if self._lock:
            self._lock.release()
        self.context.project, self._lock = project, lock
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        add_recent_project(path)
        self.reload()
        self.check_audit_trail()
        return True

    def check_audit_trail(self) -> None:
        """Walk the events' hash chain off the GUI thread (about 2 s for 100,000 events,
        bench/bench_event_chain.py) and warn when a link is broken."""
        path = self.project.path
        self.audit_check = None

        def work(_report: object) -> ChainCheck:
            with project_service.open_for_reading(path) as project:
                return project_service.verify_audit_trail(project)

        def failed(exc: BaseException, _tb: str) -> None:
            log.warning("could not check the audit trail of %s: %s", path, exc)

        self.context.tasks.run(work, lambda check: self._audit_trail_checked(path, check),
                               failed)

    def _audit_trail_checked(self, path: Path, check: ChainCheck) -> None:
        if path != self.project.path:
            return  # another project was opened meanwhile
        self.audit_check = check
        if check.ok:
            return
        log.warning("audit trail of %s: %s", path, check.message())
        box = QMessageBox(QMessageBox.Icon.Warning, "Audit trail broken",
                          f"{check.message()}\n\nThe history of judgements in {path.name} was "
                          "changed outside Evidence Tracker. The project still opens, but its "
                          "audit trail cannot be trusted from that event on; compare it with a "
                          "backup or a published report (evidence-tracker verify --head).",
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("auditTrailWarning")
        box.open()  # window-modal, without a nested event loop
        self.audit_warning = box

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = [p for p in recent_projects() if Path(p) != self.project.path]
        if not recent:
            none = self.recent_menu.addAction("No recent projects")
            none.setEnabled(False)
        for p in recent:
            action = self.recent_menu.addAction(p)
            action.triggered.connect(lambda _c=False, p=p: self.switch_project(Path(p)))

    # -- dialogs ---------------------------------------------------------------------------
    def show_preferences(self) -> None:
        """Edit the settings in place; a new reviewer name switches the reviewer."""
        if PreferencesDialog(self.context.settings, self.context.api_key, self).exec():
            self.context.reviewer.set(self.context.settings.reviewer_name)

    def show_guide(self) -> HelpDialog:
        """F1: the bundled user guide (one window, brought back if open)."""
        if self.help_dialog is None:
            self.help_dialog = HelpDialog(self)
        elif self.help_dialog.isVisible():
            self.help_dialog.raise_()  # one already open comes to the front
        self.help_dialog.show()
        self.help_dialog.activateWindow()
        return self.help_dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        """Every shortcut, read from the menus and actions as they are now."""
        extra = self.findChildren(QAction, options=Qt.FindChildOption.FindDirectChildrenOnly)
        dialog = ShortcutsDialog(shortcut_rows(self.menuBar(), extra), self)
        self.shortcuts_dialog = dialog
        dialog.show()
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Audits what ketamine clinics claim about chronic pain against the "
            "published literature.</p>"
            f"<p>Project: {self.project.path}<br>Schema version: {self.project.schema_version}</p>",
        )

    # -- window state ----------------------------------------------------------------------
    def fit_to_screen(self) -> None:
        """Keep the whole window on its screen's available area: a dock opening, or a
        geometry saved on a larger monitor, shrinks the panes rather than the screen."""
        screen = self.screen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        available = screen.availableGeometry()
        frame = self.frameGeometry()
        border_w, border_h = frame.width() - self.width(), frame.height() - self.height()
        width = min(self.width(), available.width() - border_w)
        height = min(self.height(), available.height() - border_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        left = max(available.left(), min(frame.left(), available.right() + 1 - frame.width()))
        top = max(available.top(), min(frame.top(), available.bottom() + 1 - frame.height()))
        if (left, top) != (frame.left(), frame.top()):
            self.move(left, top)

    def _dock_visibility(self, dock: QDockWidget, shown: bool) -> None:
        """A dock opens at its preferred width where the panes leave room for it; on a
        narrow window in claims mode it stands in for the claim page (the page folds away
        while a dock is open; its splitter handle brings it back)."""
        if shown and not dock.isFloating():
            narrow = self.width() < WIDE_WINDOW
            if narrow and self.claims.active:
                self.right.hide()  # hidden, its minimum width no longer holds the dock back
            # the panels' full width (a form scrolling sideways is worse than narrower panes)
            self.resizeDocks([dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
        self._fit_to_screen_soon()  # once the dock's size hints have reached the layout
        QTimer.singleShot(0, self._balance_claims_panes)

    def _balance_claims_panes(self) -> None:
        """With a dock open in claims mode the list keeps ``CLAIMS_LIST_WIDTH`` while the
        page can give it; a page folded for a dock comes back, in the mode's proportions,
        when no dock is open."""
        if not self.claims.active:
            return
        docked = [d for d in self.grading.docks if d.isVisible() and not d.isFloating()]
        if self.right.isHidden():
            if docked:  # the room the page left goes to the dock, up to its width
                self.resizeDocks(docked, [DOCK_WIDTH] * len(docked), Qt.Orientation.Horizontal)
                return
            self.right.show()
            side, claims, _page = self.splitter.sizes()
            total = side + claims
            split = CLAIMS_SPLIT_WIDE if total >= WIDE_WINDOW else CLAIMS_SPLIT
            page = int(total * split[2])
            self.splitter.setSizes([side, claims - page, page])
            return
        if not docked:
            return
        side, claims, page = self.splitter.sizes()
        wanted = min(CLAIMS_LIST_WIDTH,
                     claims + page - self.claims.page.minimumSizeHint().width())
        if claims < wanted:
            self.splitter.setSizes([side, wanted, claims + page - wanted])

    def _fit_to_screen_soon(self, *_args: object) -> None:
        QTimer.singleShot(0, self.fit_to_screen)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_to_screen_soon()

    def _restore_state(self) -> None:
        s = QSettings()
        geometry = s.value("mainWindow/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = s.value("mainWindow/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.claims.deactivate()  # the splitter state saved is the studies layout
        s = QSettings()
        s.setValue("mainWindow/geometry", self.saveGeometry())
        s.setValue("mainWindow/splitter", self.splitter.saveState())
        if self.fetch_dialog is not None:
            self.fetch_dialog.cancel()
        self.team_sync.stop()
        self.context.tasks.shutdown()
        self.project.close()
        if self._lock:
            self._lock.release()
        super().closeEvent(event)


def _size_by_current_page(stack: QStackedWidget, _index: int = 0) -> None:
    """A stack as small as its current page allows (not as its largest page: the claims
    view's minimum kept the studies table wide, and a dock beside it narrow)."""
    for i in range(stack.count()):
        page = stack.widget(i)
        policy = (QSizePolicy.Policy.Preferred if page is stack.currentWidget()
                  else QSizePolicy.Policy.Ignored)
        if page is not None:
            page.setSizePolicy(policy, policy)
    stack.updateGeometry()


def recent_projects() -> list[str]:
    value = QSettings().value("recentProjects", [])
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
    return [str(v) for v in items if Path(str(v)).exists()]


def add_recent_project(path: Path) -> None:
    items = [str(path)] + [p for p in recent_projects() if p != str(path)]
    QSettings().setValue("recentProjects", items[:MAX_RECENT])


def main_window_widget(window: MainWindow, name: str) -> QWidget:
    """Find a named child (for tests and screenshots)."""
    child = window.findChild(QWidget, name)
    assert child is not None, name
    return child
