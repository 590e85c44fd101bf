"""After a background import or fetch the GUI thread does work proportional to what changed,
not to the project: no full ``MainWindow.reload`` (which re-read every claim's evidence and
the condition tree on the GUI thread) and no condition recount on the GUI thread."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_study
from fake_eutils import FakeEutils, make_pubmed_article
from report_project import audited_project

from evidence_tracker.formats import ris
from evidence_tracker.services import evidence
from evidence_tracker.services import project as project_service
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.import_actions import ImportActions
from evidence_tracker.ui.tasks import TaskRunner


def spy(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[bool]:
    """Record, for each call of the real ``module.name``, whether it ran on the GUI thread."""
    real: Callable[..., Any] = getattr(module, name)
    calls: list[bool] = []

    def recorded(*args: Any, **kwargs: Any) -> Any:
        calls.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recorded)
    return calls


def test_an_import_refreshes_the_table_without_rereading_the_claims(
        make_window, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(audited_project(tmp_path / "audit.sqlite3"))
    before = study_store.count_studies(window.project)
    path = tmp_path / "new.ris"
    with path.open("w", encoding="utf-8") as out:
        ris.write_ris([make_study(pmid=p, title=f"Imported {p}", doi=f"10.7/{p}")
                       for p in ("40000001", "40000002")], out)
    claim_reads = spy(monkeypatch, evidence, "list_claims")
    reloads: list[bool] = []
    window.context.project_changed.connect(lambda: reloads.append(True))
    imports = window.findChild(ImportActions)
    with qtbot.waitSignal(imports.imported, timeout=20000):
        imports.commit_import([path])
    # The table shows the new studies at once; the hidden claims were not re-read.
    assert window.model.rowCount() == before + 2
    assert claim_reads == [] and reloads == []
    # Shown later, the claims catch up.
    window.claims.show_claims()
    assert claim_reads == [True]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEutils]:
    with FakeEutils.running() as server:
        monkeypatch.setenv("EVIDENCE_TRACKER_EUTILS_URL", server.base_url)
        yield server


def test_a_fetch_counts_the_conditions_off_the_gui_thread(
        make_window, fake, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.add_records((p, "2019/01/10", make_pubmed_article(p, title=f"Ketamine {p}"))
                     for p in range(4000, 4012))
    with project_service.open_or_create(tmp_path / "gui.sqlite3") as project:
        window = make_window(project)
        window.show_fetch_dialog()
        dialog = window.fetch_dialog
        assert dialog is not None
        dialog.update_only.setChecked(False)
        counts = spy(monkeypatch, condition_store, "list_conditions")
        dialog.fetch_button.click()
        qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
        assert dialog.status.text().startswith("Done: 12 records checked, 12 new")
        assert window.model.rowCount() == 12  # the table counted again
        # The combo box's count follows, read on a worker's connection.
        label = f"({12:,} in project)"
        qtbot.waitUntil(lambda: dialog.condition.currentText().endswith(label),
                        timeout=10000)
        assert counts and not any(counts)
        dialog.close()


def test_a_worker_collects_garbage_without_scanning_the_gui_threads_objects(qtbot) -> None:
    """A full collection a worker triggers scans only what it made, not the objects the GUI
    keeps (holding the GIL over a large project's objects stalled the GUI 0.1 s); the GUI's
    objects are collected again once no task runs."""
    kept = [[i] for i in range(10_000)]  # objects alive before the task starts
    runner = TaskRunner()
    seen: list[int] = []

    def work(_report: Any) -> int:
        return gc.get_freeze_count()

    runner.run(work, seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert seen[0] >= len(kept) and not runner.busy
    assert gc.get_freeze_count() == 0
    assert runner.shutdown()
