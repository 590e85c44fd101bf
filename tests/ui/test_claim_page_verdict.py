"""The claim page shows the verdict's working: the claim's kind and scope, findings on
each link, the GRADE statement, the summary-of-findings table, forest plots, the steps and
the body of evidence (counted and left out); in the palette's colours; blind mode holds."""

from __future__ import annotations

from dataclasses import replace
from html import escape
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication

from evidence_tracker.domain.claims import LinkState
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.findings import Direction, EffectEstimate, EffectMeasure, Finding
from evidence_tracker.domain.grade import BodyStudy
from evidence_tracker.domain.models import Certainty, Stance, Verdict
from evidence_tracker.domain.verdicts import (
    EvidenceBody,
    Exclusion,
    ExclusionReason,
    PooledEffect,
    ScopeMatch,
    SofRow,
    StudyEffect,
    VerdictResult,
    VerdictStep,
)
from evidence_tracker.services import evidence, review
from evidence_tracker.services.claims import resolve_claim
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.events import append_event, ensure_reviewer
from evidence_tracker.store.studies import upsert_studies
from evidence_tracker.ui.claim_page import ClaimPage, claim_html, forest_url, plot_colours
from evidence_tracker.ui.theme import LIGHT, Colours

REVIEWER, OTHER = "Dr Ana Reviewer", "Dr Other"
QUOTE = "Pain fell more with ketamine at 4 weeks (MD -1.8, 95% CI -2.9 to -0.7)."
MD = EffectMeasure.MD
STATEMENT = "IV ketamine probably reduces pain in CRPS at 4 weeks; no evidence beyond 12 weeks."


@pytest.fixture
def project(tmp_path: Path) -> Project:
    from conftest import make_study

    p = open_or_create(tmp_path / "page.sqlite3")
    crps = next(c.id for c in condition_store.list_conditions(p) if c.slug == "crps")
    upsert_studies(p, [make_study(pmid="19000001", title="Ketamine <i>for</i> CRPS: an RCT",
                                  title_html="", abstract=QUOTE, abstract_sections=[])],
                   condition_id=crps)
    return p


def result(**kw: object) -> VerdictResult:
    effects = (StudyEffect(1, "PMID 19000001", MD, -1.8, -2.9, -0.7, 60),
               StudyEffect(2, "PMID <b>2</b>", MD, -1.0, -1.9, -0.1, 80))
    row = SofRow("Pain <NRS>", "4 weeks", 2, 140, "MD -1.3", Certainty.MODERATE,
                 "Probably reduces pain at 4 weeks", Direction.FAVOURS, effects,
                 PooledEffect(MD, -1.3, -2.0, -0.6, 2, 0.1, 0.02, "DerSimonian-Laird"))
    no_effect = SofRow("Pain <NRS>", "12 weeks", 1, 58, "no important difference",
                       Certainty.LOW, "May make little difference at 12 weeks")
    base = VerdictResult(
        Verdict.PARTLY_SUPPORTED, STATEMENT, Certainty.MODERATE, Direction.FAVOURS,
        ScopeMatch.PARTIAL,
        steps=(VerdictStep("Certainty", "Moderate", "RCTs, down one for <imprecision>"),
               VerdictStep("Scope", "Partial", "claim says months; evidence stops at 12 weeks")),
        body=EvidenceBody(
            (BodyStudy(1, "PMID 19000001", StudyDesign.COHORT, rob_overall="high",
                       participants=60, follow_up="12 weeks"),),
            (Exclusion(3, "PMID 3", ExclusionReason.COVERED_BY_REVIEW, "included in PMID 4"),
             Exclusion(5, "PMID 5", ExclusionReason.RETRACTED))),
        sof=(row, no_effect))
    return replace(base, **kw)  # type: ignore[arg-type]


def link_with_findings(p: Project, reviewer: str = REVIEWER) -> None:
    evidence.link_study(p, "19000001", "C011", stance="supports", quotes=[QUOTE],
                        reviewer=reviewer)
    c011 = resolve_claim(p, "C011").id
    finding = Finding("f1", outcome="Pain NRS", timepoint="4 weeks", direction=Direction.FAVOURS,
                      effect=EffectEstimate(MD, -1.8, -2.9, -0.7), analysed=60, quotes=(QUOTE,),
                      comparator="placebo")
    state = LinkState(Stance.SUPPORTS, (QUOTE,), findings=(finding,),
                      reported_certainty=Certainty.LOW)
    with p.transaction():  # what the findings service records
        append_event(p, "link", reviewer_id=ensure_reviewer(p, reviewer),
                     study_id=evidence.current_links(p, claim="C011")[0].study.id,
                     claim_id=c011, after=state.to_json())


def test_page_shows_kind_scope_statement_sof_steps_and_body(project: Project) -> None:
    link_with_findings(project)
    html = claim_html(evidence.claim_detail(project, "C011"), reviewer=REVIEWER,
                      result=result())
    doc = QTextDocument()
    doc.setHtml(html)
    text = doc.toPlainText()
    assert "C011 · Effect" in text
    assert "Kind" in text and "Population" in text and "Time frame" in text
    assert STATEMENT in text
    assert "Certainty of the evidence: ⊕⊕⊕◯ Moderate" in text
    assert "The claim is broader than the counted evidence" in text
    # the summary of findings, GRADEpro's columns, escaped
    for heading in ("Outcome", "Time point", "Participants (studies)", "Effect (95% CI)",
                    "Certainty", "What the evidence says"):
        assert heading in text
    assert "Pain <NRS>" in text and "&lt;NRS&gt;" in html and "<NRS>" not in html
    assert "140 (2 studies)" in text and "MD -1.30 (-2.00 to -0.60); 2 studies pooled" in text
    assert "⊕⊕◯◯ Low" in text and "May make little difference at 12 weeks" in text
    # one forest plot: the row with effects; not the one without
    assert html.count('src="et-forest:') == 1 and f'src="{forest_url(0)}"' in html
    # steps and body, with the reasons
    assert "RCTs, down one for <imprecision>" in text and "&lt;imprecision&gt;" in html
    assert "Body of evidence: 1 counted, 2 left out".upper() in text.upper()
    assert "PMID 19000001 · Cohort study · risk of bias high; 60 participants; " \
        "follow-up 12 weeks" in text
    assert "PMID 3 · Counted through a review that includes it (included in PMID 4)" in text
    assert "PMID 5 · Retracted" in text
    # the link's finding, its quote, the certainty the review reports; the appraised design
    assert "Pain NRS · 4 weeks · Favours the claim · vs placebo · " \
        "MD -1.8 (95% CI -2.9 to -0.7) · 60 analysed" in text
    assert f"“{QUOTE}”" in text
    assert "Certainty the review reports: ⊕⊕◯◯ Low" in text
    # PubMed indexes an RCT; the reviewer's appraisal (the body's design) is what shows
    links = text[text.upper().index("LINKED STUDIES"):]
    assert "Cohort study" in links and "Randomised controlled trial" not in links


def test_page_without_result_shows_the_methods_suggestion(project: Project) -> None:
    """Without a result given, the page shows the suggestion the claim's detail carries
    (the method's, never the old vote-counting rule)."""
    detail = evidence.claim_detail(project, "C011", viewer=REVIEWER)
    html = claim_html(detail, reviewer=REVIEWER)
    assert "The claim as a question" in html and "How the verdict was reached" in html
    assert escape(detail.verdict.suggested.statement) in html
    assert "The evidence rule suggests" not in html and "Testable form" not in html


def test_colours_come_from_the_palette() -> None:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#101010"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#f0f0f0"))
    dark = Colours.from_palette(palette)
    assert dark.text == "#f0f0f0" and dark.base == "#101010" and dark.dark
    assert plot_colours(dark).background == "#101010" and plot_colours(dark).ink == "#f0f0f0"
    assert not LIGHT.dark
    # muted text sits between text and base, so it reads on either
    assert int(dark.muted[1:3], 16) < 0xf0 and int(dark.muted[1:3], 16) > 0x10


def test_widget_serves_forest_plots_and_follows_palette(project: Project, qtbot) -> None:
    page = ClaimPage()
    qtbot.addWidget(page)
    page.resize(900, 700)
    page.show()
    qtbot.waitExposed(page)
    page.show_detail(evidence.claim_detail(project, "C011"), reviewer=REVIEWER,
                     result=result())
    image = page.browser.loadResource(QTextDocument.ResourceType.ImageResource.value,
                                      forest_url(0))
    assert isinstance(image, QImage) and not image.isNull()
    assert set(page.browser.images) == {forest_url(0)}
    light = page.browser.toHtml()
    dark = QPalette(page.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#111111"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
    page.setPalette(dark)
    QApplication.processEvents()
    assert page.browser.toHtml() != light and "#eeeeee" in page.browser.toHtml()
    # a narrower page redraws its plots at the new width instead of scrolling sideways
    before = page.browser.images[forest_url(0)].width()
    page.resize(560, 700)
    QApplication.processEvents()
    assert page.browser.images[forest_url(0)].width() < before
    assert page.browser.horizontalScrollBar().maximum() == 0


def test_bridge_verdict_counts_findings_and_hides_others_in_blind_mode(
        project: Project) -> None:
    link_with_findings(project, OTHER)
    seen = evidence.verdict_status(project, "C011", viewer=REVIEWER).suggested
    assert [b.key for b in seen.body.counted] == ["PMID 19000001"]
    [row] = seen.sof
    assert (row.outcome, row.timepoint, row.participants) == ("Pain NRS", "4 weeks", 60)
    assert [e.value for e in row.effects] == [-1.8] and row.pooled is None
    review.set_review_team(project, [REVIEWER, OTHER], reviewer=REVIEWER)
    review.set_blind_mode(project, True, reviewer=REVIEWER)
    blind = evidence.verdict_status(project, "C011", viewer=REVIEWER).suggested
    assert not blind.body.counted and not blind.sof
    assert blind.verdict is Verdict.INSUFFICIENT
    # the other sees their own
    assert evidence.verdict_status(project, "C011", viewer=OTHER).suggested.sof
