"""The fetch dialog against a real local E-utilities server, off the GUI thread."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_eutils import FakeEutils, Fault, make_pubmed_article

from evidence_tracker.services import project as project_service
from evidence_tracker.store import Project
from evidence_tracker.store import search_runs as run_store


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEutils]:
    with FakeEutils.running() as server:
        monkeypatch.setenv("EVIDENCE_TRACKER_EUTILS_URL", server.base_url)
        yield server


@pytest.fixture
def seeded(tmp_path) -> Iterator[Project]:
    with project_service.open_or_create(tmp_path / "gui.sqlite3") as project:
        yield project


def _crps_id(project: Project) -> int:
    return project.conn.execute("SELECT id FROM conditions WHERE slug = 'crps'").fetchone()[0]


def test_fetch_from_the_dialog_fills_the_window(make_window, seeded, fake, qtbot) -> None:
    fake.add_records(
        (p, f"2019/0{1 + i % 9}/10", make_pubmed_article(p, title=f"Ketamine for CRPS {p}"))
        for i, p in enumerate(range(4000, 4030))
    )
    fake.add_record(4099, "2020/01/01", make_pubmed_article(
        4099, title="A retracted ketamine trial",
        publication_types=("Journal Article", "Retracted Publication"),
        comments_corrections=(("RetractionIn", "5000000"),),
    ))
    window = make_window(seeded)
    window.sidebar.select_condition(_crps_id(seeded))
    window.show_fetch_dialog()
    dialog = window.fetch_dialog
    assert dialog is not None and dialog.current().slug == "crps"
    assert "Complex Regional Pain Syndromes" in dialog.query.toPlainText()
    qtbot.waitUntil(lambda: "31 records" in dialog.count_label.text(), timeout=10000)
    assert not dialog.update_only.isChecked()  # nothing fetched yet: a full fetch
    dialog.fetch_button.click()
    assert dialog.running and not dialog.close_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
    assert dialog.status.text().startswith("Done: 31 records checked, 31 new")
    assert "1 newly retracted: 4099" in dialog.status.text()
    assert dialog.progress.value() == dialog.progress.maximum() == 31
    # The window re-read the project: the condition's studies are in the table.
    assert window.model.rowCount() == 31
    titles = [window.model.index(r, 3).data() for r in range(31)]
    assert "[RETRACTED] A retracted ketamine trial" in titles
    dialog.close()


def test_cancel_stops_the_fetch_and_keeps_what_was_stored(
    make_window, seeded, fake, qtbot
) -> None:
    fake.add_records((p, "2019/05/05") for p in range(6000, 7500))
    fake.inject(Fault.delay(0.4), endpoint="efetch", times=None)
    window = make_window(seeded)
    window.show_fetch_dialog()
    dialog = window.fetch_dialog
    assert dialog is not None
    dialog.condition.setCurrentIndex(dialog.condition.findData(_crps_id(seeded)))
    dialog.fetch_button.click()
    qtbot.waitUntil(lambda: dialog.progress.maximum() == 1500, timeout=15000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=15000)
    assert dialog.status.text().startswith("Cancelled.")
    (run,) = run_store.list_runs(seeded)
    assert run.status == "cancelled"
    assert window.model.rowCount() == run.fetched_count < 1500
    dialog.close()


def test_a_broken_server_gives_a_clear_message(make_window, seeded, fake, qtbot, monkeypatch):
    from evidence_tracker.pubmed import eutils

    original = eutils.EutilsConfig.__init__

    def fast(self, *args, **kwargs):  # few, quick retries so the test is short
        kwargs.update(max_retries=1, backoff_base=0.01, backoff_cap=0.01)
        original(self, *args, **kwargs)

    monkeypatch.setattr(eutils.EutilsConfig, "__init__", fast)
    fake.add_records((p, "2019/05/05") for p in range(8000, 8010))
    fake.inject(Fault.http(503), endpoint="efetch", times=None)
    window = make_window(seeded)
    window.show_fetch_dialog()
    dialog = window.fetch_dialog
    assert dialog is not None
    dialog.fetch_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=15000)
    assert dialog.status.text().startswith("Stopped:")
    assert "503" in dialog.status.text() and "resume" in dialog.status.text()
    dialog.close()
