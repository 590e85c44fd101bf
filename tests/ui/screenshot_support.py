"""What the screenshot scripts share (not collected by pytest: no test_ prefix).

Demo records served by the fake E-utilities server and fetched through the real fetch
service; settings and QSettings in a temporary folder; settling and saving grabs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fake_eutils import FakeEutils, make_pubmed_article
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from evidence_tracker.store import Project

#: The conditions the demo records belong to, fetched in this order.
DEMO_CONDITIONS = ("crps", "fibromyalgia", "neuropathic-pain")


def fetch_demo(project: Project, demo: Sequence[tuple[str, str, int, list[str], Any]]) -> None:
    """Serve ``demo`` records (condition, title, year, publication types, abstract) from a
    fake PubMed, condition by condition, and fetch them; PMIDs from 31000001 in order."""
    from evidence_tracker.pubmed.eutils import EutilsClient, EutilsConfig
    from evidence_tracker.services.fetch import fetch_condition

    with FakeEutils.running() as fake:
        pmid = 31000001
        for slug in DEMO_CONDITIONS:
            ids = []
            for cond, title, year, types, abstract in demo:
                if cond != slug:
                    continue
                kw: dict[str, Any] = {}
                if "Retracted Publication" in types:
                    kw["comments_corrections"] = (("RetractionIn", "39999999"),)
                fake.add_record(pmid, f"{year}/06/01", make_pubmed_article(
                    pmid, title=title, year=year, abstract=abstract,
                    publication_types=("Journal Article", *types),
                    mesh_terms=("Ketamine", "Chronic Pain", "Humans"), **kw))
                ids.append(str(pmid))
                pmid += 1
            query = project.conn.execute(
                "SELECT query FROM conditions WHERE slug = ?", (slug,)).fetchone()[0]
            fake.term_map[query] = set(ids)
            with EutilsClient(EutilsConfig(base_url=fake.base_url,
                                           requests_per_second=20)) as client:
                fetch_condition(project, slug, client)


def isolate_settings(tmp: Path, reviewer: str) -> None:
    """Settings, and QSettings, in ``tmp``; ``reviewer`` is the one working."""
    os.environ["EVIDENCE_TRACKER_SETTINGS"] = str(tmp / "settings.json")
    from evidence_tracker.services import settings as settings_service

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "qs"))
    settings_service.save_settings(settings_service.Settings(reviewer_name=reviewer))


def settle(app: QApplication) -> None:
    for _ in range(6):
        app.processEvents()


def settle_until(app: QApplication, done: Callable[[], bool], timeout: float = 30.0) -> None:
    """Process events until ``done()`` (a background result has arrived), then settle."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents()
        time.sleep(0.01)
    settle(app)


def save(widget: QWidget, out: Path, name: str) -> Path:
    path = out / name
    widget.grab().save(str(path))
    print(f"wrote {path}")
    return path
