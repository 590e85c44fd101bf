"""Render the README screenshot: a demo project fetched from a local fake PubMed.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/make_screenshot.py [OUT.png]
The records are synthetic demo data (made-up authors and results), served by the same
fake E-utilities server the tests use, and fetched through the real fetch service.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QItemSelectionModel
from screenshot_support import fetch_demo

from evidence_tracker.services import project as project_service
from evidence_tracker.ui.app import make_application, open_main_window

DEMO = [
    ("crps", "Low-dose intravenous ketamine infusions for complex regional pain syndrome: a "
     "randomized, double-blind, placebo-controlled trial.", 2009, ["Randomized Controlled Trial"],
     [("BACKGROUND", "Ketamine, an NMDA receptor antagonist, is used off-label for CRPS."),
      ("METHODS", "Sixty adults received 4-hour infusions of ketamine or saline on 10 days."),
      ("RESULTS", "Pain scores fell more with ketamine at 4 weeks (mean difference -1.8 on a "
       "0-10 scale); the difference was no longer significant at 12 weeks."),
      ("CONCLUSIONS", "Ketamine gave short-term relief; durable benefit was not shown.")]),
    ("crps", "Ketamine for complex regional pain syndrome: a systematic review and "
     "meta-analysis.", 2021, ["Systematic Review", "Meta-Analysis"], "Demo abstract."),
    ("crps", "Outpatient ketamine infusions in refractory CRPS: a retrospective cohort.", 2018,
     ["Observational Study"], "Demo abstract."),
    ("crps", "Retracted: oral ketamine maintenance after infusion in CRPS.", 2016,
     ["Retracted Publication"], "Demo abstract."),
    ("fibromyalgia", "Intravenous ketamine in fibromyalgia: a crossover trial of pain and "
     "muscle hyperalgesia.", 2014, ["Randomized Controlled Trial"], "Demo abstract."),
    ("fibromyalgia", "Esketamine nasal spray and widespread pain: a pilot study.", 2023,
     ["Clinical Trial"], "Demo abstract."),
    ("neuropathic-pain", "Ketamine for chronic neuropathic pain: Cochrane-style review.", 2020,
     ["Review"], "Demo abstract."),
    ("neuropathic-pain", "Topical ketamine-amitriptyline for postherpetic neuralgia.", 2012,
     ["Randomized Controlled Trial"], "Demo abstract."),
]


def build(out: Path) -> None:
    app = make_application()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ketamine-audit.sqlite3"
        project = project_service.open_or_create(db)
        fetch_demo(project, DEMO)
        project.close()
        window = open_main_window(db)
        window.resize(1400, 820)
        window.show()
        app.processEvents()
        model = window.model
        row = next(
            r for r in range(model.rowCount()) if "Low-dose" in str(model.index(r, 3).data())
        )
        window.table.selectionModel().setCurrentIndex(
            model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        app.processEvents()
        window.grab().save(str(out))
        window.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else
          Path(__file__).resolve().parents[2] / "resources" / "screenshots" / "main-window.png")
