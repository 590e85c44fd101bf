"""Qt fixtures: offscreen application, isolated QSettings, no stray dialogs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from evidence_tracker import APP_ID, APP_NAME
from evidence_tracker.services.settings import load_settings
from evidence_tracker.store import Project
from evidence_tracker.ui.instance import ProjectLock
from evidence_tracker.ui.main_window import MainWindow


@pytest.fixture(scope="session", autouse=True)
def clipboard_emptied_at_exit(qapp: QApplication) -> Iterator[None]:
    """Empty the clipboard before Python exits: with the offscreen platform, Qt frees
    clipboard data set with setMimeData() after its platform plugin is gone and the
    process segfaults at exit (PySide6 6.11; reproduced with 5 lines, no app code)."""
    yield
    qapp.clipboard().clear()


@pytest.fixture(autouse=True)
def isolated_qsettings(qapp: QApplication, tmp_path: Path) -> Iterator[None]:
    qapp.setApplicationName(APP_NAME)
    qapp.setOrganizationName(APP_ID)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    yield
    QSettings().clear()


@pytest.fixture
def make_window(qtbot):
    """Open a MainWindow on a project the way the app does (with its lock, and the settings
    read once), and wait until what it reads after the first paint (the condition counts,
    the claims, the audit-trail check) has arrived."""

    def make(project: Project) -> MainWindow:
        lock = ProjectLock(project.path)
        lock.acquire()
        window = MainWindow(project, lock, settings=load_settings())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.claims_loaded and not window.context.tasks.busy,
                        timeout=10000)
        return window

    return make
