"""Start the desktop application: logging, error dialogs, the single-instance lock."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from pathlib import Path
from types import TracebackType

import platformdirs
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from evidence_tracker import APP_ID, APP_NAME, __version__
from evidence_tracker.config import rate_limit_dir, resources_dir
from evidence_tracker.pubmed.eutils import RateLimiters
from evidence_tracker.services import project as project_service
from evidence_tracker.services import settings as settings_service
from evidence_tracker.services.settings import ApiKey, Settings
from evidence_tracker.store import StoreError
from evidence_tracker.ui.instance import ProjectLock, ProjectLocked
from evidence_tracker.ui.main_window import MainWindow, add_recent_project
from evidence_tracker.ui.theme import apply_theme, saved_choice

log = logging.getLogger(__name__)


def log_file() -> Path:
    return Path(platformdirs.user_log_dir(APP_ID, appauthor=False)) / "evidence-tracker.log"


def setup_logging() -> Path:
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    return path


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(message)
    if details:
        box.setDetailedText(details)
    box.exec()


def install_excepthook() -> None:
    """An unexpected exception is logged and shown; it never kills the app silently."""

    def hook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QCoreApplication.quit()
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unexpected error:\n%s", text)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            parent = app.activeWindow()
            show_error(
                parent,
                "Unexpected error",
                f"Something went wrong: {exc}\n\nYour data is safe; the details were written "
                f"to {log_file()}.",
                text,
            )

    sys.excepthook = hook


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    # Light or dark as chosen in Preferences (System: as the desktop, following its switch).
    apply_theme(saved_choice())
    # The taskbar and Wayland match the window to the installed evidence-tracker.desktop.
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(resources_dir() / "desktop" / f"{APP_ID}.svg")))
    return app


def open_main_window(db_path: Path, settings: Settings | None = None) -> MainWindow:
    """Lock and open the project at ``db_path``; raises ProjectLocked or StoreError.

    This is where the GUI is assembled: the settings are read here, once (unless given),
    and the window gets them with the process's one set of rate limiters; the API key is
    read from the keyring the first time a client or the Preferences need it.
    """
    settings = settings if settings is not None else settings_service.load_settings()
    lock = ProjectLock(db_path)
    lock.acquire()
    try:
        project = project_service.open_or_create(db_path)
    except BaseException:
        lock.release()
        raise
    add_recent_project(project.path)
    return MainWindow(project, lock, settings=settings, api_key=ApiKey(),
                      limiters=RateLimiters(rate_limit_dir()))


def run_gui(db_path: Path) -> int:
    app = make_application()
    setup_logging()
    install_excepthook()
    try:
        window = open_main_window(db_path)
    except (ProjectLocked, StoreError) as exc:
        show_error(None, f"Cannot open {db_path.name}", str(exc))
        return 1
    window.show()
    QTimer.singleShot(0, window.table.setFocus)
    return int(app.exec())
