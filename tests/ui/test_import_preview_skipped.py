"""The GUI import preview shows records that cannot be stored as skipped, with where and
why (issue 15, item 1): the same planner as the import, so the two agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_project import audited_project

from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.import_actions import ImportActions, ImportPreviewDialog


@pytest.fixture
def window(make_window, tmp_path: Path):
    return make_window(audited_project(tmp_path / "audit.sqlite3"))


def test_preview_shows_the_skipped_record_and_import_skips_it(window, qtbot,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "zotero.ris"
    path.write_text("TY  - JOUR\nPY  - 2021\nVL  - 4\nER  - \n\n"
                    "TY  - JOUR\nTI  - Ketamine infusions for refractory migraine\nPY  - 2021\n"
                    "ER  - \n", encoding="utf-8")
    actions = window.findChild(ImportActions)
    assert actions is not None
    actions.preview_import([path])
    qtbot.waitUntil(lambda: actions.preview_dialog is not None, timeout=10000)
    dialog = actions.preview_dialog
    assert isinstance(dialog, ImportPreviewDialog)
    assert dialog.summary.text().endswith(", 1 skipped (cannot be stored)")
    plan = dialog.table.model()
    assert [dialog.cell(r, 1) for r in range(plan.rowCount())] == ["Skipped", "Add"]
    assert dialog.cell(0, 4) == "record 1: no title, no DOI and no PMID"
    assert dialog.import_button.isEnabled()
    before = study_store.count_studies(window.project)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "1 skipped" in actions.last_message, timeout=10000)
    assert "1 new" in actions.last_message
    assert study_store.count_studies(window.project) == before + 1
