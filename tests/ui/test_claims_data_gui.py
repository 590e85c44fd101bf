"""Capturing a verdict's inputs in the GUI, as a reviewer would: findings in the link
dialog, a review's reported certainty and an attribution match, a claim's kind and scope,
the studies a review includes, and the kind suggested for an extracted claim."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from evidence_tracker.domain.claims import ClaimKind
from evidence_tracker.domain.findings import AttributionMatch, Direction, EffectMeasure
from evidence_tracker.domain.models import AbstractSection, Certainty, Stance
from evidence_tracker.pubmed.parser import iter_pubmed_xml
from evidence_tracker.services import evidence
from evidence_tracker.services import settings as settings_service
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import claims as claims_store
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.events import history
from evidence_tracker.store.studies import upsert_studies

REVIEWER = "Dr Ana Reviewer"
LATE = "Pain intensity did not differ from placebo at 12 weeks."
EARLY = "Ketamine reduced pain intensity compared with placebo at 4 weeks."
PUBMED7 = Path(__file__).resolve().parent.parent / "data" / "ncbi" / "pubmed7.xml"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A seeded project with a CRPS trial, two studies a real review cites, and the review
    (a real PubMed record with a reference list)."""
    from conftest import make_study

    project = open_or_create(tmp_path / "data.sqlite3")
    crps = next(c.id for c in condition_store.list_conditions(project) if c.slug == "crps")
    trial = make_study(
        pmid="19100001", title="Ketamine infusions for CRPS: a randomised trial",
        title_html="", abstract_sections=[AbstractSection(text=f"{EARLY} {LATE}")])
    cited = [make_study(pmid=p, title=f"Cited trial {p}", title_html="",
                        abstract_sections=[AbstractSection(text="A trial.")])
             for p in ("25144646", "8028666")]
    upsert_studies(project, [trial, *cited], condition_id=crps)
    upsert_studies(project, list(iter_pubmed_xml(PUBMED7)))
    return project


@pytest.fixture
def window(make_window, project: Project, qtbot):
    settings_service.save_settings(settings_service.Settings(reviewer_name=REVIEWER))
    w = make_window(project)
    w.activateWindow()
    qtbot.waitActive(w)
    return w


def _claim_id(project: Project, code: str) -> int:
    found = claims_store.find_claim_id(project, code)
    assert found is not None
    return found


def _study_id(project: Project, pmid: str) -> int:
    return evidence.resolve_study(project, pmid)


def _select_study(window, pmid: str) -> None:
    model = window.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == pmid)
    window.table.selectionModel().setCurrentIndex(
        model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def _tick(list_widget, text: str) -> None:
    for r in range(list_widget.count()):
        if list_widget.item(r).text() == text:
            list_widget.item(r).setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(f"{text!r} not listed")


def test_findings_by_time_point_are_recorded_with_the_link(window, qtbot) -> None:
    project = window.project
    trial = _study_id(project, "19100001")
    dialog = window.claims.open_link_dialog(trial, claim_id=_claim_id(project, "C017"))
    assert dialog is not None
    dialog.set_stance(Stance.PARTLY_SUPPORTS)
    _tick(dialog.quote_list, EARLY)
    _tick(dialog.quote_list, LATE)
    editor = dialog.findings
    assert editor.table.rowCount() == 0 and "No findings" in editor.hint.text()

    first = editor.add()
    first.outcome.setText("pain intensity")
    first.timepoint.setText("4 weeks")
    first.measure.setCurrentIndex(first.measure.findData("MD"))
    first.value.setText("-1.2")
    first.ci_low.setText("-0.4")  # the CI does not contain the estimate: refused
    first.ci_high.setText("-2.0")
    _tick(first.quotes, EARLY)
    first.accept()
    assert first.isVisible() and "lower limit" in first.error.text()
    first.ci_low.setText("-2.0")
    first.ci_high.setText("-0.4")
    first.analysed.setValue(60)
    first.comparator.setText("placebo")
    first.accept()
    assert not first.isVisible()

    second = editor.add()
    second.outcome.setText("pain intensity")
    second.timepoint.setText("12 weeks")
    second.direction.setCurrentIndex(second.direction.findData("no_difference"))
    _tick(second.quotes, LATE)
    qtbot.keyClick(second.outcome, Qt.Key.Key_Return)  # Enter accepts the finding
    assert not second.isVisible()
    cells = [[editor.table.item(r, c).text() for c in range(4)] for r in range(2)]
    assert cells == [["4 weeks", "pain intensity", "Favours the claim",
                      "MD -1.2 (95% CI -2 to -0.4)"],
                     ["12 weeks", "pain intensity", "No important difference", "—"]]
    dialog.save_button.click()
    assert not dialog.isVisible()

    (link,) = evidence.current_links(project, claim="C017")
    assert [(f.timepoint, f.direction, f.analysed, f.quotes) for f in link.state.findings] == [
        ("4 weeks", Direction.FAVOURS, 60, (EARLY,)),
        ("12 weeks", Direction.NO_DIFFERENCE, None, (LATE,))]
    assert link.state.findings[0].effect is not None
    assert link.state.findings[0].effect.measure is EffectMeasure.MD

    # Opened again, the link's findings are shown; removing one and saving records that.
    dialog = window.claims.open_link_dialog(trial, claim_id=_claim_id(project, "C017"))
    assert dialog is not None and dialog.findings.table.rowCount() == 2
    dialog.findings.table.selectRow(0)
    dialog.findings.remove_current()
    dialog.save_button.click()
    (link,) = evidence.current_links(project, claim="C017")
    assert [f.timepoint for f in link.state.findings] == ["12 weeks"]
    events = evidence.link_history(project, trial, _claim_id(project, "C017"))
    assert [len(e.after["findings"]) for e in events] == [2, 1]


def test_a_new_link_without_findings_gets_one_and_appraisal_fields_save(window) -> None:
    project = window.project
    review = _study_id(project, "29963580")
    dialog = window.claims.open_link_dialog(review, claim_id=_claim_id(project, "C050"))
    assert dialog is not None
    assert dialog.attribution.isEnabled()  # C050 is an attribution claim
    dialog.set_stance(Stance.SUPPORTS)
    dialog.quote_list.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.reported_certainty.setCurrentIndex(
        dialog.reported_certainty.findData(Certainty.VERY_LOW.value))
    dialog.attribution.setCurrentIndex(
        dialog.attribution.findData(AttributionMatch.OVERSTATED.value))
    dialog.outcome.setText("guideline conclusion")
    dialog.save_button.click()
    assert not dialog.isVisible(), dialog.error.text()
    (link,) = evidence.current_links(project, claim="C050")
    assert (link.state.reported_certainty, link.state.attribution) == (
        Certainty.VERY_LOW, AttributionMatch.OVERSTATED)
    assert [(f.outcome, f.direction) for f in link.state.findings] == [
        ("guideline conclusion", Direction.FAVOURS)]
    dialog = window.claims.open_link_dialog(review, claim_id=_claim_id(project, "C011"))
    assert dialog is not None and not dialog.attribution.isEnabled()  # an effect claim


def test_editing_a_claims_kind_and_scope(window, qtbot) -> None:
    project = window.project
    claims = window.claims
    claims.show_claims()
    c011 = _claim_id(project, "C011")
    claims.view.select_claim(c011)
    qtbot.keyClick(claims.view.tree, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = claims.edit_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.kind.currentData() == "effect" and dialog.kind_note.text() == ""
    assert dialog.fields["population"].text() == "Adults with CRPS"
    dialog.kind.setCurrentIndex(dialog.kind.findData("onset_durability"))
    dialog.fields["intervention"].setText("IV ketamine 0.35 mg/kg/h, 4 hours daily")
    dialog.fields["timepoint"].setText("up to 12 weeks")
    dialog.save_button.click()
    assert not dialog.isVisible()
    claim = claims_store.get_claim(project, c011)
    assert claim is not None and claim.kind is ClaimKind.ONSET_DURABILITY
    assert (claim.pico.intervention, claim.pico.timepoint) == (
        "IV ketamine 0.35 mg/kg/h, 4 hours daily", "up to 12 weeks")
    assert [e.note for e in history(project, claim_id=c011) if e.kind == "claim"] == ["edited"]
    assert claims.claims[c011].kind is ClaimKind.ONSET_DURABILITY  # the window re-read


def test_included_studies_are_proposed_from_the_reference_list(window, qtbot) -> None:
    project = window.project
    _select_study(window, "29963580")
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_I,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.claims.inclusions_dialog
    assert dialog is not None and dialog.isVisible()
    cited = [_study_id(project, p) for p in ("25144646", "8028666")]
    assert dialog.checked_ids() == cited
    assert "2 studies of this project cited" in dialog.hint.text()
    dialog.studies.item(1).setCheckState(Qt.CheckState.Unchecked)
    dialog.save_button.click()
    assert not dialog.isVisible()
    review = _study_id(project, "29963580")
    assert evidence.review_inclusions(project, [review]) == {review: frozenset(cited[:1])}
    again = window.claims.edit_inclusions(review)
    assert again is not None and again.checked_ids() == cited[:1]
    assert again.hint.text() == "Ticked: the studies recorded as included."
    again.reject()


def test_extract_dialog_suggests_kind_and_time_frame(window) -> None:
    dialog = window.claims.extract_from_page()
    dialog.clinic.setText("Example Clinic")
    dialog.page_title.setText("Ketamine")
    dialog.text.setPlainText("Ketamine infusions relieve fibromyalgia pain for weeks to "
                             "months after a short series of treatments.")
    dialog.find_candidates()
    assert dialog.candidates
    dialog.table.setCurrentItem(dialog.table.topLevelItem(0))
    assert dialog.kind.currentData() == "onset_durability"
    assert dialog.time_frame.text() == "weeks to months"
    dialog.time_frame.setText("weeks to several months")
    dialog.accept_current()
    assert dialog.status.text().startswith("Accepted as C055")
    new = claims_store.get_claim(window.project, _claim_id(window.project, "C055"))
    assert new is not None and new.kind is ClaimKind.ONSET_DURABILITY
    assert new.pico.timepoint == "weeks to several months"
    dialog.reject()
