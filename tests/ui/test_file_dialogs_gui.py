"""Every export and import action driven through its real dialogs (Qt's own file dialog,
filled in by a timer): the choice dialog, the file dialog, then the file written or the rows
imported are checked; not only the services behind them."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_study
from modal_driver import ModalDriver, choose_file, driven_modals
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QComboBox, QFileDialog
from report_project import audited_project

from evidence_tracker.formats import ris
from evidence_tracker.services import imports as import_service
from evidence_tracker.services.export import ExportFormat
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.export_actions import ChoiceDialog, ExportActions
from evidence_tracker.ui.import_actions import ImportActions, ImportPreviewDialog

PMIDS = {"19783371", "30000999", "24101234", "21111111"}


@pytest.fixture
def modals(qapp) -> Iterator[ModalDriver]:
    yield from driven_modals(qapp)


@pytest.fixture
def window(make_window, tmp_path: Path):
    return make_window(audited_project(tmp_path / "audit.sqlite3"))


def choose(**texts: str):
    """A ChoiceDialog handler: pick the item starting with each text, then OK."""
    def handle(dialog: ChoiceDialog) -> None:
        for key, text in texts.items():
            combo: QComboBox = dialog.combos[key]
            index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
            combo.setCurrentIndex(index)
        dialog.accept()
    return handle


def pmids_in(path: Path, fmt: ExportFormat, project) -> set[str]:
    """The PMIDs a written file holds, read back the way a user's tool would."""
    if fmt is ExportFormat.CSV:
        return {row["pmid"] for row in csv.DictReader(io.StringIO(
            path.read_text(encoding="utf-8-sig")))}
    if fmt is ExportFormat.XLSX:
        with zipfile.ZipFile(path) as book:
            text = "".join(book.read(n).decode() for n in book.namelist()
                           if n.startswith("xl/") and n.endswith(".xml"))
        return {p for p in PMIDS if p in text}
    preview = import_service.preview_file(project, path)
    # Each record is matched to the study it was written from (merged: a lossy format).
    assert {r.action for r in preview.records} <= {"unchanged", "merge"}
    return {study_store.get_study(project, r.study_id).study.pmid for r in preview.records}


def test_export_studies_in_every_format_through_the_dialogs(window, qtbot, modals: ModalDriver,
                                                            tmp_path: Path) -> None:
    """File → Export Studies… failed with "'str' object has no attribute 'extension'"
    (the format came back from the combo box as a plain str)."""
    actions = window.findChild(ExportActions)
    for fmt in ExportFormat:
        out = tmp_path / f"all{fmt.extension}"
        modals.expect(ChoiceDialog, choose(scope="All studies", format=fmt.label + " ("))
        modals.expect(QFileDialog, choose_file(out))
        actions.action_export.trigger()
        assert modals.done
        qtbot.waitUntil(out.exists, timeout=10000)
        qtbot.waitUntil(lambda: "Exported 4 studies" in actions.last_message, timeout=10000)
        assert pmids_in(out, fmt, window.project) == PMIDS, fmt
        actions.last_message = ""


def test_export_studies_of_a_claim_through_the_dialogs(window, qtbot, modals: ModalDriver,
                                                      tmp_path: Path) -> None:
    actions = window.findChild(ExportActions)
    out = tmp_path / "c011.ris"
    modals.expect(ChoiceDialog, choose(scope="Studies linked to C011", format="RIS"))
    modals.expect(QFileDialog, choose_file(out))
    actions.action_export.trigger()
    qtbot.waitUntil(out.exists, timeout=10000)
    written = list(ris.read_ris(out.read_text(encoding="utf-8")))
    assert {s.pmid for s in written} == {"19783371", "30000999"}


def test_claimreview_export_through_the_file_dialog(window, qtbot, modals: ModalDriver,
                                                    tmp_path: Path) -> None:
    actions = window.findChild(ExportActions)
    out = tmp_path / "reviews.jsonld"
    modals.expect(QFileDialog, choose_file(out))
    actions.action_claimreview.trigger()
    qtbot.waitUntil(lambda: "ClaimReview" in actions.last_message, timeout=10000)
    doc = json.loads(out.read_text(encoding="utf-8"))
    reviews = doc.get("@graph", doc if isinstance(doc, list) else [doc])
    assert actions.last_message.startswith(f"Wrote {len(reviews)} ClaimReview")
    assert all(r["@type"] == "ClaimReview" for r in reviews)


@pytest.mark.parametrize("suffix", [".html", ".pdf"])
def test_audit_report_through_the_dialogs_opens_it(window, qtbot, modals: ModalDriver,
                                                  tmp_path: Path, suffix: str) -> None:
    actions = window.findChild(ExportActions)
    opened: list[QUrl] = []
    actions.open_file = lambda url: opened.append(url) or True
    out = tmp_path / f"katy{suffix}"
    modals.expect(ChoiceDialog, choose(scope="Katy Pain and Spine", style="Vancouver",
                                       format=suffix[1:].upper()))
    modals.expect(QFileDialog, choose_file(out))
    actions.action_report.trigger()
    qtbot.waitUntil(lambda: bool(opened), timeout=30000)
    assert opened == [QUrl.fromLocalFile(str(out))]
    data = out.read_bytes()
    if suffix == ".pdf":
        assert data.startswith(b"%PDF")
    else:
        assert "Katy Pain and Spine" in data.decode("utf-8")
    assert actions.open_failed_box is None


def test_a_report_no_application_opens_says_so(window, qtbot, tmp_path: Path) -> None:
    """The auto-open failed in silence; now a message names the written file."""
    actions = window.findChild(ExportActions)
    actions.open_file = lambda _url: False
    out = tmp_path / "report.html"
    from evidence_tracker.formats.citations import CitationStyle
    actions.write_report(out, None, CitationStyle.AMA)
    qtbot.waitUntil(lambda: actions.open_failed_box is not None, timeout=30000)
    box = actions.open_failed_box
    assert box.isVisible() and str(out) in box.text()
    assert "no application opened it" in actions.last_message
    box.accept()


def write_ris(path: Path, pmids: list[str]) -> Path:
    out = io.StringIO()
    ris.write_ris([make_study(pmid=p, title=f"Imported study {p}", doi=f"10.7/{p}")
                   for p in pmids], out)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("menu_action", ["file", "pubmed"])
def test_import_through_the_file_dialog_and_preview(window, qtbot, modals: ModalDriver,
                                                   tmp_path: Path, menu_action: str) -> None:
    """File → Import with Preview… and PubMed → Import Files… (Ctrl+I), two files at once."""
    first = write_ris(tmp_path / "first.ris", ["40000001", "19783371"])
    second = write_ris(tmp_path / "second.ris", ["40000002"])
    imports = window.findChild(ImportActions)
    modals.expect(QFileDialog, choose_file([first, second]))
    action = imports.action_import if menu_action == "file" else window.action_import
    action.trigger()
    qtbot.waitUntil(lambda: imports.preview_dialog is not None, timeout=10000)
    dialog = imports.preview_dialog
    assert isinstance(dialog, ImportPreviewDialog)
    assert dialog.table.model().rowCount() == 3
    dialog.import_button.click()
    qtbot.waitUntil(lambda: study_store.count_studies(window.project) == 6, timeout=10000)
    for pmid in ("40000001", "40000002"):
        stored = study_store.get_study(window.project,
                                       study_store.find_study_id(window.project, pmid))
        assert stored.study.title == f"Imported study {pmid}"
    qtbot.waitUntil(lambda: window.model.rowCount() == 6, timeout=10000)


def test_cancelled_file_dialogs_write_nothing(window, modals: ModalDriver, tmp_path: Path,
                                              ) -> None:
    actions = window.findChild(ExportActions)
    modals.expect(ChoiceDialog, choose(format="RIS"))
    modals.expect(QFileDialog, lambda d: d.reject())
    actions.action_export.trigger()
    imports = window.findChild(ImportActions)
    modals.expect(QFileDialog, lambda d: d.reject())
    imports.action_import.trigger()
    assert imports.preview_dialog is None
    assert actions.last_message == "" and list(tmp_path.glob("*.ris")) == []


def test_a_saved_clinic_page_is_opened_through_the_file_dialog(window, modals: ModalDriver,
                                                              tmp_path: Path) -> None:
    """Claims → Extract from Page → Open Saved Page…: the page's text and its claims."""
    page = tmp_path / "new-clinic.html"
    page.write_text(
        "<html><head><title>Ketamine for pain | New Clinic</title></head><body>"
        "<p>Ketamine infusions relieve fibromyalgia pain for months.</p>"
        "<p>Call us today to book your visit.</p></body></html>", encoding="utf-8")
    dialog = window.claims.extract_from_page()
    modals.expect(QFileDialog, choose_file(page))
    dialog.open_button.click()
    assert dialog.file_label.text() == str(page)
    assert dialog.page_title.text() == "Ketamine for pain | New Clinic"
    assert "relieve fibromyalgia pain" in dialog.text.toPlainText()
    sentences = [c.sentence for c in dialog.candidates]
    assert "Ketamine infusions relieve fibromyalgia pain for months." in sentences
    dialog.reject()


def test_new_and_open_project_through_the_file_dialogs(window, qtbot, modals: ModalDriver,
                                                       tmp_path: Path) -> None:
    first = window.project.path
    fresh = tmp_path / "second.sqlite3"
    modals.expect(QFileDialog, choose_file(fresh))
    window.action_new.trigger()
    assert window.project.path == fresh.resolve() and fresh.exists()
    assert study_store.count_studies(window.project) == 0
    modals.expect(QFileDialog, choose_file(first))
    window.action_open.trigger()
    assert window.project.path == first
    assert window.model.rowCount() == 4
