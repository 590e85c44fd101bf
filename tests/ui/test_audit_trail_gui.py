"""The main window checks the audit trail when a project opens, off the GUI thread."""

from __future__ import annotations

import sqlite3

from evidence_tracker.store import Project
from evidence_tracker.store.events import append_event, ensure_reviewer


def _events(project: Project, n: int = 4) -> list[int]:
    ana = ensure_reviewer(project, "Ana")
    return [append_event(project, "screening", reviewer_id=ana, after={"decision": "include"},
                         note=str(i)) for i in range(n)]


def test_an_intact_trail_opens_without_a_warning(make_window, project: Project, qtbot) -> None:
    _events(project)
    window = make_window(project)
    qtbot.waitUntil(lambda: window.audit_check is not None, timeout=10_000)
    assert window.audit_check.ok and window.audit_check.events == 4
    assert window.audit_warning is None


def test_an_edited_trail_shows_a_warning(make_window, project: Project, qtbot) -> None:
    ids = _events(project)
    conn = sqlite3.connect(project.path, isolation_level=None)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events_append_only_update'"
                       ).fetchone()[0]
    conn.execute("DROP TRIGGER events_append_only_update")
    conn.execute("UPDATE events SET note = 'nothing to see' WHERE id = ?", (ids[1],))
    conn.execute(sql)
    conn.close()
    window = make_window(project)
    qtbot.waitUntil(lambda: window.audit_warning is not None, timeout=10_000)
    box = window.audit_warning
    assert box.isVisible() and box.windowTitle() == "Audit trail broken"
    assert f"broken at event #{ids[1]}" in box.text()
    box.accept()
