"""The claims GUI, driven as a reviewer would: the claims view, the claim page, linking a
study by keyboard, verdicts, and claims extracted from a page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QUrl
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QInputDialog, QSplitter

from evidence_tracker.config import resources_dir
from evidence_tracker.domain.models import AbstractSection, MeshHeading, Stance, Verdict
from evidence_tracker.services import evidence
from evidence_tracker.services import settings as settings_service
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import claims as claims_store
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.studies import upsert_studies
from evidence_tracker.ui.claim_page import ClaimPage, claim_html, marked_html
from evidence_tracker.ui.claims_view import (
    CLAIM_ID_ROLE,
    KIND_ROLE,
    ClaimsModel,
    GroupBy,
)
from evidence_tracker.ui.sidebar import ALL_CLINICS, ALL_STUDIES

REVIEWER = "Dr Ana Reviewer"
RESULT = "Ketamine reduced pain intensity compared with placebo at 12 weeks."
SEED_PAGE = resources_dir() / "seeds" / "003_3ce2cd98bbce725a.txt"


@pytest.fixture
def seeded(tmp_path: Path) -> Project:
    """A new project (54 seeded claims) with two CRPS studies, one of them an RCT."""
    project = open_or_create(tmp_path / "claims.sqlite3")
    crps = next(c.id for c in condition_store.list_conditions(project) if c.slug == "crps")
    return _add_studies(project, crps)


def _add_studies(project: Project, condition_id: int) -> Project:
    from conftest import make_study

    rct = make_study(
        pmid="19000001",
        title="Intravenous ketamine for complex regional pain syndrome: a randomised trial",
        title_html="",
        abstract_sections=[
            AbstractSection(text="Sixty patients received ketamine infusions or placebo.",
                            label="METHODS", nlm_category="METHODS"),
            AbstractSection(text=f"{RESULT} Adverse effects were mild.", label="RESULTS",
                            nlm_category="RESULTS"),
        ],
        mesh=[MeshHeading("Ketamine"), MeshHeading("Complex Regional Pain Syndromes")],
    )
    cohort = make_study(
        pmid="19000002", title="<img src=x> Ketamine infusions for CRPS: a cohort",
        title_html="", publication_types=["Journal Article", "Observational Study"],
        abstract_sections=[AbstractSection(text="Half of the CRPS patients improved.")],
    )
    upsert_studies(project, [rct, cohort], condition_id=condition_id)
    return project


@pytest.fixture
def reviewer() -> str:
    settings_service.save_settings(settings_service.Settings(reviewer_name=REVIEWER))
    return REVIEWER


@pytest.fixture
def window(make_window, seeded: Project, reviewer: str, qtbot):
    w = make_window(seeded)
    w.activateWindow()
    qtbot.waitActive(w)
    return w


def _claim_id(project: Project, code: str) -> int:
    found = claims_store.find_claim_id(project, code)
    assert found is not None
    return found


def _rows(model, parent: QModelIndex | None = None) -> list[QModelIndex]:
    """Every column-0 index of the tree, depth first."""
    parent = parent or QModelIndex()
    out = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        out.append(index)
        out += _rows(model, index)
    return out


def _claim_rows(model) -> list[QModelIndex]:
    return [i for i in _rows(model) if i.data(KIND_ROLE) == "claim"]


def _select_study(window, pmid: str) -> None:
    model = window.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == pmid)
    window.table.selectionModel().setCurrentIndex(
        model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


# -- the claims view ---------------------------------------------------------------------


def test_claims_view_lists_the_seeded_claims_by_clinic_and_category(window, qtbot) -> None:
    claims = window.claims
    root = window.sidebar.topLevelItem(1)
    assert root.text(0) == "Claims"
    qtbot.mouseClick(window.sidebar.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.sidebar.visualItemRect(root).center())
    assert window.sidebar.selected_clinic() == ALL_CLINICS
    assert window.centre.currentWidget() is claims.view
    assert window.right.currentWidget() is claims.page
    model = claims.view.model
    seed = json.loads((resources_dir() / "claims.json").read_text(encoding="utf-8"))
    clinic_names = sorted((c["name"] for c in seed["clinics"]), key=str.casefold)
    top = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert [name.rsplit(" · ", 1)[0] for name in top] == clinic_names
    assert top[0] == f"{clinic_names[0]} · 16 claims"
    daydream = model.index(0, 0)
    categories = [model.index(r, 0, daydream).data() for r in range(model.rowCount(daydream))]
    assert categories[0].startswith("Efficacy for a condition · ")
    assert {i.data(CLAIM_ID_ROLE) for i in _claim_rows(model)} == {
        o.claim.id for o in claims.overviews}
    assert len(claims.overviews) == 54
    first = _claim_rows(model)[0]
    assert model.index(first.row(), 2, first.parent()).data() == (
        "Insufficient evidence (suggested)")
    assert model.index(first.row(), 1, first.parent()).data() == (
        "0 supporting, 0 partly supporting, 0 contradicting")
    assert "54 claims · 5 clinics" in claims.view.summary.text()

    claims.view.group.setCurrentIndex(claims.view.group.findData(GroupBy.CATEGORY.value))
    assert len(_claim_rows(model)) == 54  # each claim once
    assert model.index(0, 0).data() == "Efficacy for a condition · 14 claims"
    assert claims.view.tree.isFirstColumnSpanned(0, model.index(0, 0).parent())

    katy = next(c for c, name, _ in window.sidebar._clinics if name.startswith("Katy"))
    window.sidebar.select_clinic(katy)
    assert claims.view.heading.text() == "Katy Pain and Spine"
    assert len(_claim_rows(model)) == 12

    qtbot.keyClicks(claims.view.filter, "NMDA")
    shown = {claims.claims[i.data(CLAIM_ID_ROLE)].code for i in _claim_rows(model)}
    assert shown == {"C005", "C037", "C038"}  # NMDA is in their text or their quotes
    assert "12 claims" in claims.view.summary.text()
    assert "3 match the filter" in claims.view.summary.text()

    window.sidebar.select_condition(ALL_STUDIES)
    assert window.centre.currentWidget() is window.table
    assert window.right.currentWidget() is window.detail


def test_selecting_a_claim_shows_its_sources_quotes_and_testable_form(window, qtbot) -> None:
    claims = window.claims
    claims.show_claims()
    c011 = _claim_id(window.project, "C011")
    assert claims.view.select_claim(c011)
    # The page is whole at once; the suggested studies follow from the task runner.
    assert "Looking for studies that match the claim" in \
        claims.page.suggestions.toPlainText()
    text = claims.page.browser.toPlainText()
    claim = claims.claims[c011]
    assert claim.text in text
    assert len(claim.sources) >= 2
    for source in claim.sources:
        assert source.clinic_name in text
        assert f"“{source.quote}”" in text
    assert "Conditions: Complex regional pain syndrome (CRPS)" in text
    assert "Insufficient evidence" in text and "no reviewer has confirmed" in text
    assert "Population" in text and claim.pico.population in text
    assert "Suggested studies" not in text
    # The RCT in the claim's condition is suggested, with why.
    qtbot.waitUntil(lambda: claims.page.suggested is not None, timeout=10_000)
    suggested = claims.page.suggestions.toPlainText()
    assert "Intravenous ketamine for complex regional pain syndrome" in suggested
    assert "Why: matched" in suggested and "Link…" in suggested
    assert claims.page.browser.toPlainText() == text  # the page itself was left alone
    html = claims.page.browser.toHtml()
    assert "<img" not in html  # the cohort's title is shown as text


def test_claims_model_passes_qtmodeltester(qtmodeltester, seeded) -> None:
    overviews = evidence.list_claims(seeded)
    model = ClaimsModel()
    model.set_claims(overviews)
    qtmodeltester.check(model, force_py=True)  # and again on every change below
    model.set_claims(overviews, group_by=GroupBy.CATEGORY, text_filter="opioid")
    assert 0 < len(_claim_rows(model)) < 54
    clinic = overviews[0].claim.sources[0].clinic_id
    model.set_claims(overviews, clinic_id=clinic)
    model.set_claims(overviews, text_filter="no claim has these words zzzz")
    assert model.rowCount() == 0
    model.set_claims(overviews)
    assert len({i.data(CLAIM_ID_ROLE) for i in _claim_rows(model)}) == 54


# -- linking -----------------------------------------------------------------------------


def test_linking_a_study_by_keyboard(window, qtbot) -> None:
    _select_study(window, "19000001")
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = window.claims.link_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.study_id == window.model.study_id(window.table.currentIndex().row())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.filter, timeout=3000)

    qtbot.keyClicks(dialog.filter, "gold-standard CRPS")
    visible = [dialog.claim_list.item(r) for r in range(dialog.claim_list.count())
               if not dialog.claim_list.item(r).isHidden()]
    assert [i.text().split()[0] for i in visible] == ["C011", "C052"]
    # The selection follows the filter: the claim that states the words, not the first
    # one that quotes them; the arrow keys still choose another.
    assert dialog.current_claim().code == "C052"
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Up)
    assert dialog.current_claim().code == "C011"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # on to the stance
    assert dialog.isVisible()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1)
    assert dialog.stance() is Stance.SUPPORTS
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_3)
    assert dialog.stance() is Stance.CONTRADICTS
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1)

    quotes = [dialog.quote_list.item(r).text() for r in range(dialog.quote_list.count())]
    assert quotes == ["Sixty patients received ketamine infusions or placebo.", RESULT,
                      "Adverse effects were mild."]
    dialog.quote_list.setFocus()
    qtbot.keyClick(dialog.quote_list, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.quote_list, Qt.Key.Key_Space)
    assert dialog.checked_quotes() == [RESULT]
    qtbot.keyClicks(dialog.timepoint, "12 weeks")
    qtbot.keyClick(dialog.quote_list, Qt.Key.Key_Return)  # Enter saves
    assert not dialog.isVisible() and dialog.saved is not None

    project = window.project
    links = evidence.current_links(project, claim="C011")
    assert [(v.study.pmid, v.stance, v.state.quotes, v.state.timepoint, v.reviewer)
            for v in links] == [("19000001", Stance.SUPPORTS, (RESULT,), "12 weeks", REVIEWER)]
    assert "Linked 19000001 to C011: Supports" in window.statusBar().currentMessage()
    detail = window.detail.toPlainText()
    assert "LINKED CLAIMS" in detail.upper() and "C011 Supports" in detail and RESULT in detail

    window.claims.show_claims()
    window.claims.view.select_claim(_claim_id(project, "C011"))
    page = window.claims.page.browser.toPlainText()
    supports = page.index("Supports (1)")
    assert page.index("Intravenous ketamine for complex regional", supports) > supports
    assert f"“{RESULT}”" in page[supports:]
    # the link holds one finding made from the dialog: its time point shows with it
    assert "12 weeks · Favours the claim" in page
    row = window.claims.view.claim_index(_claim_id(project, "C011"))
    counts = row.model().index(row.row(), 1, row.parent()).data()
    assert counts == "1 supporting, 0 partly supporting, 0 contradicting"


def test_a_quote_not_in_the_abstract_is_refused_in_the_dialog(window, qtbot) -> None:
    _select_study(window, "19000001")
    dialog = window.claims.open_link_dialog(
        window.claims._current_study(), claim_id=_claim_id(window.project, "C011"),
        selected_text="Ketamine cured every patient.")
    assert dialog is not None
    assert dialog.checked_quotes() == ["Ketamine cured every patient."]
    dialog.save_button.click()
    assert dialog.isVisible() and "Choose a stance" in dialog.error.text()
    dialog.set_stance(Stance.SUPPORTS)
    dialog.save_button.click()
    assert dialog.isVisible()
    assert "does not occur in the study's title or abstract" in dialog.error.text()
    dialog.quote_list.item(0).setCheckState(Qt.CheckState.Unchecked)
    dialog.save_button.click()
    assert "Quote the sentence(s)" in dialog.error.text()
    assert claims_store.events_of_kind(window.project, "link") == []
    dialog.reject()


def test_selected_text_of_the_detail_pane_is_offered_and_ticked(window) -> None:
    _select_study(window, "19000001")
    cursor = window.detail.document().find("Ketamine reduced pain intensity")
    cursor.movePosition(cursor.MoveOperation.EndOfBlock, cursor.MoveMode.KeepAnchor)
    window.detail.setTextCursor(cursor)
    window.claims.link_selected_study()
    dialog = window.claims.link_dialog
    assert dialog is not None
    assert dialog.checked_quotes() == [RESULT, "Adverse effects were mild."]
    dialog.reject()


def test_link_from_a_suggestion_is_prefilled(window, qtbot) -> None:
    claims = window.claims
    claims.show_claims()
    c011 = _claim_id(window.project, "C011")
    claims.view.select_claim(c011)
    qtbot.waitUntil(lambda: bool(claims.page.suggested), timeout=10_000)
    assert claims.page.suggested is not None
    study = claims.page.suggested[0].study
    claims.page.suggestions.anchorClicked.emit(QUrl(f"et-link:{study.id}"))
    dialog = claims.link_dialog
    assert dialog is not None and dialog.study_id == study.id
    assert dialog.current_claim().id == c011
    dialog.reject()


# -- verdicts ----------------------------------------------------------------------------


def test_confirming_a_verdict_records_an_event(window, qtbot) -> None:
    project = window.project
    claims = window.claims
    claims.show_claims()
    c011 = _claim_id(project, "C011")
    claims.view.select_claim(c011)
    qtbot.keyClick(claims.view.tree, Qt.Key.Key_V,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = claims.verdict_dialog
    assert dialog is not None and dialog.isVisible()
    assert Verdict(dialog.choice.currentData()) is Verdict.INSUFFICIENT  # the suggestion
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.error.text() == "A verdict needs a rationale."
    dialog.choice.setCurrentIndex(dialog.choice.findData(Verdict.NOT_SUPPORTED.value))
    qtbot.keyClicks(dialog.rationale, "No trial in this project supports it yet.")
    dialog.save_button.click()
    assert not dialog.isVisible()

    status = evidence.verdict_status(project, c011)
    assert status.confirmed is Verdict.NOT_SUPPORTED and status.reviewer == REVIEWER
    assert status.rationale == "No trial in this project supports it yet."
    assert len(claims_store.events_of_kind(project, "verdict")) == 1
    page = claims.page.browser.toPlainText()
    assert "Overridden by Dr Ana Reviewer" in page
    assert "No trial in this project supports it yet." in page
    row = claims.view.claim_index(c011)
    assert row.model().index(row.row(), 2, row.parent()).data() == "Not supported (confirmed)"

    # New evidence reopens it.
    evidence.link_study(project, "19000001", c011, stance="supports", quotes=[RESULT],
                        reviewer=REVIEWER)
    claims.reload()
    row = claims.view.claim_index(c011)
    assert row.model().index(row.row(), 2, row.parent()).data() == (
        "Not supported (needs re-review)")
    assert "Needs re-review: a link changed after the verdict" in (
        claims.page.browser.toPlainText())
    assert "1 need re-review" in claims.view.summary.text()


def test_the_reviewer_name_is_asked_for_once(
    make_window, seeded: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def ask(*args, **kwargs):
        asked.append(args[1])
        return "Dr New Reviewer", True

    monkeypatch.setattr(QInputDialog, "getText", ask)
    window = make_window(seeded)
    window.claims.show_claims()
    window.claims.view.select_claim(_claim_id(seeded, "C001"))
    dialog = window.claims.confirm_verdict()
    assert dialog is not None
    dialog.rationale.setPlainText("Nothing links to it.")
    dialog.save_button.click()
    assert asked == ["Reviewer name"]
    assert settings_service.load_settings().reviewer_name == "Dr New Reviewer"
    assert evidence.verdict_status(seeded, "C001").reviewer == "Dr New Reviewer"
    dialog = window.claims.confirm_verdict()
    dialog.rationale.setPlainText("Still nothing.")
    dialog.save_button.click()
    assert asked == ["Reviewer name"]  # saved: not asked again


# -- claims from a page ------------------------------------------------------------------


def _open_candidate(dialog, predicate: Callable) -> int:
    row = next(i for i, c in enumerate(dialog.candidates)
               if c.status == "new" and i not in dialog.decisions and predicate(c))
    dialog.table.setCurrentItem(dialog.table.topLevelItem(row))
    return row


def test_extracting_claims_from_a_page(window, qtbot) -> None:
    project = window.project
    dialog = window.claims.extract_from_page()
    assert dialog.isVisible()
    assert dialog.load_file(SEED_PAGE)
    assert dialog.clinic.text() == "Katy Pain and Spine"  # a registered page
    assert dialog.page_title.text() == "Ketamine Therapy for Chronic Pain"
    assert len(dialog.candidates) >= 10
    table = dialog.table
    decisions = [table.topLevelItem(r).text(4) for r in range(table.topLevelItemCount())]
    assert "Already a source" in decisions and "New" in decisions
    assert all(c.reasons for c in dialog.candidates)

    row = _open_candidate(dialog, lambda c: True)
    sentence = dialog.candidates[row].sentence
    dialog.claim_text.setText("Ketamine therapy manages persistent pain")
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_A)
    assert dialog.table.topLevelItem(row).text(4) == "Accepted as C055"
    new = claims_store.get_claim(project, claims_store.find_claim_id(project, "C055"))
    assert new.text == "Ketamine therapy manages persistent pain"
    assert [s.quote for s in new.sources] == [sentence]
    assert len(window.claims.overviews) == 55  # the window re-read the claims
    assert any(item.text(0) == "All claims" and item.text(1) == "55"
               for item in _sidebar_items(window))

    row = _open_candidate(dialog, lambda c: c.match is not None)
    target = dialog.candidates[row].match
    before = len(claims_store.get_claim(project, target.claim_id).sources)
    qtbot.keyClick(dialog.table, Qt.Key.Key_M)
    assert dialog.table.topLevelItem(row).text(4) == f"Merged into {target.code}"
    assert len(claims_store.get_claim(project, target.claim_id).sources) == before + 1

    row = _open_candidate(dialog, lambda c: True)
    rejected = dialog.candidates[row].sentence
    qtbot.keyClick(dialog.table, Qt.Key.Key_R)
    assert dialog.table.topLevelItem(row).text(4) == "Rejected"
    events = claims_store.events_of_kind(project, "claim_candidate")
    assert [e["after"]["quote"] for e in events] == [rejected]
    qtbot.keyClick(dialog.table, Qt.Key.Key_R)  # the next open one; a decided one is kept
    dialog.find_candidates()  # run again: the decisions show
    statuses = {c.sentence: c.status for c in dialog.candidates}
    assert statuses[rejected] == "rejected" and statuses[sentence] == "source"
    dialog.reject()


def test_extracting_from_pasted_text_needs_a_clinic_and_title(window) -> None:
    dialog = window.claims.extract_from_page()
    dialog.text.setPlainText(
        "Ketamine infusions cure migraine in 90% of patients within one hour. "
        "Ketamine is also remarkably safe for everyone.")
    dialog.find_candidates()
    assert dialog.candidates
    dialog.accept_current()
    assert "Not saved: A page needs a clinic name and a title." in dialog.status.text()
    dialog.clinic.setText("Example Clinic")
    dialog.page_title.setText("Migraine")
    dialog.accept_current()
    assert dialog.status.text().startswith("Accepted as C055")
    assert claims_store.find_clinic(window.project, "Example Clinic") is not None
    dialog.reject()


def _sidebar_items(window) -> list:
    out = []

    def walk(item) -> None:
        out.append(item)
        for i in range(item.childCount()):
            walk(item.child(i))

    for i in range(window.sidebar.topLevelItemCount()):
        walk(window.sidebar.topLevelItem(i))
    return out


# -- pure HTML ---------------------------------------------------------------------------


def test_matched_terms_are_bold_and_everything_is_escaped() -> None:
    html = marked_html((("<script>", False), ("ketamine", True), (" & <b>pain</b>", False)))
    assert html == '&lt;script&gt;<b class="hit">ketamine</b> &amp; &lt;b&gt;pain&lt;/b&gt;'


def test_claim_page_html_escapes_claim_and_study_text(seeded: Project) -> None:
    c011 = _claim_id(seeded, "C011")
    evidence.link_study(seeded, "19000002", c011, stance="partly_supports",
                        quotes=["Half of the CRPS patients improved."], reviewer=REVIEWER,
                        note="<script>alert(1)</script>")
    html = claim_html(evidence.claim_detail(seeded, c011), reviewer=REVIEWER)
    assert "<img" not in html and "<script>" not in html
    assert "&lt;img src=x&gt; Ketamine infusions for CRPS" in html
    assert "Note: &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="et-withdraw:' in html  # the reviewer's own link can be withdrawn
    assert 'href="et-withdraw:' not in claim_html(evidence.claim_detail(seeded, c011),
                                                  reviewer="Someone Else")


def test_a_links_history_is_shown_from_the_claim_page(window) -> None:
    project = window.project
    c011 = _claim_id(project, "C011")
    evidence.link_study(project, "19000001", c011, stance="partly_supports", quotes=[RESULT],
                        reviewer=REVIEWER)
    evidence.link_study(project, "19000001", c011, stance="supports", quotes=[RESULT],
                        reviewer=REVIEWER, timepoint="12 weeks")
    window.claims.reload()
    window.claims.show_claims()
    window.claims.view.select_claim(c011)
    study = window.claims.page.detail.links[0].study
    window.claims.page.browser.anchorClicked.emit(QUrl(f"et-history:{study.id}"))
    box = window.claims.history_box
    assert box is not None and box.isVisible()
    text = box.informativeText()
    assert text.index("Partly supports") < text.index("Supports\n")
    assert f"“{RESULT}”" in text and "time point: 12 weeks" in text and REVIEWER in text
    box.close()


def test_ctrl_l_needs_a_study_and_preselects_the_claim_in_claims_mode(window, qtbot) -> None:
    window.table.clearSelection()
    window.table.selectionModel().clearCurrentIndex()
    window.claims.link_selected_study()
    assert window.claims.link_dialog is None
    assert "Select a study" in window.statusBar().currentMessage()
    _select_study(window, "19000001")
    window.claims.show_claims()
    c052 = _claim_id(window.project, "C052")
    window.claims.view.select_claim(c052)
    qtbot.keyClick(window.claims.view.tree, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = window.claims.link_dialog
    assert dialog is not None and dialog.current_claim().id == c052
    dialog.reject()


def test_extracting_from_a_saved_html_page(window, tmp_path: Path) -> None:
    page = tmp_path / "clinic.html"
    page.write_text(
        "<html><head><title>Ketamine for migraine | Example Clinic</title>"
        "<script>var ketamine = 'cures everything';</script></head><body>"
        "<h1>Ketamine for migraine</h1><p>Ketamine infusions stop migraine pain within "
        "one hour in 9 out of 10 patients.</p><p>Book a consultation today.</p>"
        "</body></html>", encoding="utf-8")
    dialog = window.claims.extract_from_page()
    assert dialog.load_file(page)
    assert dialog.page_title.text() == "Ketamine for migraine | Example Clinic"
    assert dialog.clinic.text() == ""  # a page the register does not know
    sentences = [c.sentence for c in dialog.candidates]
    assert sentences == ["Ketamine infusions stop migraine pain within one hour in 9 out of "
                         "10 patients."]
    assert "cures everything" not in dialog.text.toPlainText()
    dialog.reject()


def test_blind_mode_hides_another_reviewers_link_until_i_have_judged(window) -> None:
    from evidence_tracker.services import evidence, review

    project = window.project
    review.set_review_team(project, [REVIEWER, "Dr Other"], reviewer=REVIEWER)
    review.set_blind_mode(project, True, reviewer=REVIEWER)
    evidence.link_study(project, "19000001", "C011", stance="contradicts", quotes=[RESULT],
                        reviewer="Dr Other")
    claims = window.claims
    claims.show_claims()
    c011 = _claim_id(project, "C011")
    assert claims.view.select_claim(c011)
    assert "Dr Other" not in claims.page.browser.toPlainText()
    window.detail.show_study(study_store.find_study_id(project, "19000001"))
    assert "Contradicts" not in window.detail.toPlainText()
    # Once I have judged the same pair, both links are visible.
    evidence.link_study(project, "19000001", "C011", stance="supports", quotes=[RESULT],
                        reviewer=REVIEWER)
    claims.show_claim(c011)
    assert "Dr Other" in claims.page.browser.toPlainText()


# -- suggested studies (found on the task runner after the page is shown) ----------------


def test_the_page_shows_its_links_before_the_suggestions_arrive(window, qtbot) -> None:
    project, claims = window.project, window.claims
    c011 = _claim_id(project, "C011")
    evidence.link_study(project, "19000001", c011, stance="supports", quotes=[RESULT],
                        reviewer=REVIEWER)
    claims.reload()
    claims.show_claims()
    assert claims.view.select_claim(c011)
    page = claims.page.browser.toPlainText()
    assert "Supports (1)" in page and "Intravenous ketamine for complex regional" in page
    assert claims.page.suggested is None and claims.suggesting
    assert "Looking for studies that match the claim" in claims.page.suggestions.toPlainText()
    relaid: list[int] = []  # the page is not laid out again when the suggestions come
    claims.page.browser.document().contentsChange.connect(lambda at, *_: relaid.append(at))
    qtbot.waitUntil(lambda: not window.claims.suggesting, timeout=10_000)
    assert claims.page.suggested is not None and not relaid
    suggested = claims.page.suggestions.toPlainText()
    assert "Ketamine infusions for CRPS: a cohort" in suggested
    assert "Intravenous ketamine" not in suggested  # linked: no longer a suggestion
    assert claims.page.browser.toPlainText() == page


def test_suggestions_for_another_claim_are_dropped(window, qtbot) -> None:
    claims = window.claims
    claims.show_claims()
    c011 = _claim_id(window.project, "C011")
    assert claims.view.select_claim(c011)
    qtbot.waitUntil(lambda: not window.claims.suggesting, timeout=10_000)
    shown = claims.page.suggestions.toPlainText()
    other = next(i for i in claims.claims if i != c011)
    found = evidence.suggest_studies(window.project, other, viewer=REVIEWER)
    claims.page.show_suggestions(other, found[:0])  # late, for a claim no longer shown
    assert claims.page.suggestions.toPlainText() == shown
    assert claims.page.suggested


def test_a_new_link_leaves_the_other_suggestions_in_place_until_fresh_ones_come(
        window, qtbot) -> None:
    project, claims = window.project, window.claims
    claims.show_claims()
    c011 = _claim_id(project, "C011")
    assert claims.view.select_claim(c011)
    qtbot.waitUntil(lambda: not window.claims.suggesting, timeout=10_000)
    assert len(claims.page.suggested or []) == 2
    evidence.link_study(project, "19000001", c011, stance="supports", quotes=[RESULT],
                        reviewer=REVIEWER)
    claims.show_claim(c011)  # as after any write
    # No "looking" flicker, and the study just linked is offered no more.
    suggested = claims.page.suggestions.toPlainText()
    assert "Looking for" not in suggested and "Intravenous ketamine" not in suggested
    assert "Ketamine infusions for CRPS: a cohort" in suggested
    qtbot.waitUntil(lambda: not window.claims.suggesting, timeout=10_000)
    assert [s.study.pmid for s in claims.page.suggested or []] == ["19000002"]


def test_the_page_paints_as_a_fresh_one_once_suggestions_arrive(window, qtbot) -> None:
    """A stale copy of the page's head stayed painted when the page's HTML was set again
    for the suggestions: what is on screen after they arrive is what a new page paints."""
    window.resize(1280, 800)
    claims = window.claims
    claims.show_claims()
    c011 = _claim_id(window.project, "C011")
    assert claims.view.select_claim(c011)
    qtbot.waitUntil(lambda: not window.claims.suggesting, timeout=10_000)
    QApplication.processEvents()
    shown = claims.page.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    fresh = ClaimPage()
    qtbot.addWidget(fresh)
    fresh.setPalette(claims.page.palette())
    fresh.resize(claims.page.size())
    fresh.show()
    qtbot.waitExposed(fresh)
    fresh.findChild(QSplitter).setSizes(claims.page.findChild(QSplitter).sizes())
    detail = evidence.claim_detail(window.project, c011, viewer=REVIEWER)
    fresh.show_detail(detail, condition_names=claims._condition_names, reviewer=REVIEWER)
    QApplication.processEvents()
    assert fresh.suggestions.toPlainText() == claims.page.suggestions.toPlainText()
    for mine, theirs in ((fresh.browser, claims.page.browser),
                         (fresh.suggestions, claims.page.suggestions)):
        mine.verticalScrollBar().setValue(theirs.verticalScrollBar().value())
    QApplication.processEvents()
    assert fresh.grab().toImage().convertToFormat(QImage.Format.Format_RGB32) == shown
