"""Adding a condition from the GUI."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from evidence_tracker.services import project as project_service
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.ui.condition_dialog import NewConditionDialog


def test_new_condition_is_saved_under_its_parent(qtbot, tmp_path) -> None:
    project = project_service.open_or_create(tmp_path / "p.sqlite3")
    dialog = NewConditionDialog(project)
    qtbot.addWidget(dialog)
    dialog.name.setText("Trigeminal neuralgia")
    dialog.parent_condition.setCurrentIndex(dialog.parent_condition.findData("neuropathic-pain"))
    dialog.query.setPlainText('ketamine[tiab] AND "Trigeminal Neuralgia"[mh]')
    dialog.accept()
    assert dialog.result() == NewConditionDialog.DialogCode.Accepted
    added = condition_store.get_condition(project, "trigeminal-neuralgia")
    assert added.parent_slug == "neuropathic-pain" and "Trigeminal" in added.query
    project.close()


def test_unbalanced_query_is_refused_with_a_message(qtbot, tmp_path, monkeypatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    project = project_service.open_or_create(tmp_path / "p.sqlite3")
    dialog = NewConditionDialog(project)
    qtbot.addWidget(dialog)
    dialog.name.setText("Gout")
    # The pre-filled template ends with an empty group: the user must complete it.
    dialog.query.setPlainText('ketamine[tiab] AND (gout[tiab]')
    dialog.accept()
    assert warnings == ["The PubMed query has unbalanced parentheses."]
    with pytest.raises(Exception, match="No condition called 'gout'"):
        condition_store.get_condition(project, "gout")
    project.close()
