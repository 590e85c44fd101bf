"""The audit report in HTML: every required part, escaped, for all clinics or one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html as lxml_html
from report_project import (
    ADA,
    BEN,
    C011_RATIONALE,
    FM_QUOTE,
    GRADE_RATIONALE,
    REVIEW_QUOTE,
    audited_project,
)

from evidence_tracker import __version__
from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.formats.report_html import render_html
from evidence_tracker.services import evidence
from evidence_tracker.services.report import build_report, write_report
from evidence_tracker.store import Project, latest_schema_version


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[Project]:
    project = audited_project(tmp_path / "audit.sqlite3")
    yield project
    project.close()


@pytest.fixture
def page(audited: Project) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(render_html(build_report(audited, today=dt.date(2026, 3, 1))))


def text_of(el: lxml_html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def test_each_reviewed_claim_has_quote_verdict_certainty_and_rationale(
        page: lxml_html.HtmlElement) -> None:
    c011 = text_of(page.get_element_by_id("claim-C011"))
    assert "IV ketamine reduces pain in complex regional pain syndrome (CRPS)" in c011
    assert "“IV ketamine infusions are the gold-standard treatment" in c011  # the clinic's quote
    assert "Palo Alto Mind Body" in c011
    assert "Verdict: Supported" in c011 and f"confirmed by {ADA} on" in c011
    assert C011_RATIONALE in c011
    assert "Certainty: Low" in c011 and GRADE_RATIONALE in c011
    assert "Low-certainty evidence suggests that IV ketamine reduces pain in complex " \
        "regional pain syndrome (CRPS)." in c011
    assert re.search(rf"Reviewers\s*{ADA}, {BEN}", c011)


def test_supporting_and_contradicting_studies_with_citations_and_evidence(
        page: lxml_html.HtmlElement) -> None:
    c011 = text_of(page.get_element_by_id("claim-C011"))
    assert "Studies that support the claim (1)" in c011
    assert "Studies that partly support the claim (1)" in c011
    assert "Intravenous ketamine for complex regional pain syndrome: a randomised trial. " \
        "Pain. 2009;147(1-3):107-115. doi:10.1016/j.pain.2009.08.015" in c011
    # both reviewers' quoted sentences, with who linked the study and when
    assert "“Intravenous ketamine relieved pain in complex regional pain syndrome.”" in c011
    assert "“Ketamine reduced pain intensity compared with placebo at 12 weeks.”" in c011
    assert re.search(rf"Randomised controlled trial · linked \d{{4}}-\d\d-\d\d by {ADA}, {BEN}",
                     c011)
    assert f"“{REVIEW_QUOTE}”" in c011
    c008 = text_of(page.get_element_by_id("claim-C008"))
    assert "Studies that contradict the claim (1)" in c008 and f"“{FM_QUOTE}”" in c008
    assert "Noppers I. Ketamine in fibromyalgia" in c008
    assert "Clin J Pain. 2014;30(2):1211-1216." in c008
    assert page.xpath("//article[@id='claim-C008']//i[text()='Clin J Pain']")


def test_retracted_references_are_flagged(page: lxml_html.HtmlElement) -> None:
    c005 = text_of(page.get_element_by_id("claim-C005"))
    assert "Warning: Reference 1 (PMID 21111111) is retracted; it supports this claim" in c005
    assert "[RETRACTED]" in c005 and "Retracted: Pain. 2012;153:1" in c005
    assert "1 cited reference is retracted" in text_of(page.get_element_by_id("summary"))


def test_unreviewed_claims_are_listed_with_their_quotes(page: lxml_html.HtmlElement) -> None:
    section = page.get_element_by_id("unreviewed")
    rows = section.xpath(".//tbody/tr")
    assert len(rows) == 54 - 3
    assert text_of(page.get_element_by_id("claim-C002")).startswith(
        "C002 Ketamine relieves chronic pain that has not responded")


def test_evidence_map_uses_words_not_colour_alone(page: lxml_html.HtmlElement) -> None:
    table = page.xpath("//table[@class='evidence-map']")[0]
    header = [text_of(th) for th in table.xpath(".//thead/th | .//thead/tr/th")]
    assert "Complex regional pain syndrome (CRPS)" in header and "(no condition)" in header
    crps = header.index("Complex regional pain syndrome (CRPS)")
    row = next(r for r in table.xpath(".//tbody/tr") if text_of(r).startswith("C011"))
    cells = row.xpath("./th|./td")
    assert text_of(cells[crps]) == "Supported" and cells[crps].get("class") == "v-supported"
    assert cells[crps].get("title") == "Supported"
    c001 = next(r for r in table.xpath(".//tbody/tr") if text_of(r).startswith("C001"))
    marked = [c for c in c001.xpath("./td") if text_of(c)]
    assert [text_of(c) for c in marked] == ["Insuff.*", "0"]
    assert marked[0].get("title") == "Insufficient evidence (suggested, not confirmed)"
    legend = text_of(page.get_element_by_id("evidence-map"))
    assert "Insuff. = Insufficient evidence" in legend and "Contra. = Contradicted" in legend
    assert "* = suggested by the linked studies, not yet confirmed" in legend


def test_prisma_diagram_counts_searches_and_screening(page: lxml_html.HtmlElement) -> None:
    svg = page.xpath("//section[@id='prisma']//*[local-name()='svg']")[0]
    words = " ".join(t.text_content() for t in svg.xpath(".//*[local-name()='text']"))
    assert "PubMed (n = 660)" in words  # 180 + 60 + 420 found by the three searches
    assert "Found but not retrieved (n = 20)" in words
    assert "Duplicate records (n = 636)" in words  # 660 - 20 - 4 studies held
    assert "Records screened" in words and "(n = 4)" in words
    assert "Records excluded (n = 0)" in words  # the reviewers disagree on the one exclusion
    assert "Reviewers disagree (n = 1)" in words
    assert "Studies included in the review" in words and "linked to a claim (n = 3)" in words
    for phase in ("Identification", "Screening", "Included"):
        assert phase in words
    assert svg.get("role") == "img" and svg.get("aria-label")


def test_footer_has_versions_and_date(page: lxml_html.HtmlElement) -> None:
    footer = text_of(page.xpath("//footer[@class='report-footer']")[0])
    assert footer == f"Evidence Tracker {__version__} · schema version " \
        f"{latest_schema_version()} · generated 2026-03-01"


def test_one_clinic(audited: Project) -> None:
    report = build_report(audited, clinic="palo alto mind body")
    assert report.scope == "Palo Alto Mind Body"
    assert all(s.clinic == "Palo Alto Mind Body" for c in report.claims for s in c.sources)
    assert "C011" in [c.code for c in report.claims]
    assert "C008" not in [c.code for c in report.claims]  # PointHealth's claim
    page = build_report(audited, clinic="pointhealth-guide-2025")
    assert page.scope.startswith("PointHealth Clinic (PointKetamine): How Does Ketamine")
    with pytest.raises(ClaimsError, match="No claims from a clinic or page called 'Nowhere'"):
        build_report(audited, clinic="Nowhere")


def test_what_reviewers_wrote_is_escaped(audited: Project) -> None:
    evidence.record_verdict(audited, "C008", "contradicted", reviewer="<b>Eve</b>",
                            rationale="<script>alert(1)</script> & more")
    out = render_html(build_report(audited))
    assert "<script>alert" not in out and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in out
    assert "&lt;b&gt;Eve&lt;/b&gt;" in out


def test_write_report_html_and_refuses_other_suffixes(audited: Project, tmp_path: Path) -> None:
    out = tmp_path / "audit.html"
    write_report(audited, out, style="vancouver")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Pain. 2009 Dec 15;147(1-3):107-15." in text
    assert out.stat().st_mode & 0o044  # readable like any new file, not 0600
    with pytest.raises(ClaimsError, match=r"FILE\.html or FILE\.pdf"):
        write_report(audited, tmp_path / "audit.docx")
    assert not list(tmp_path.glob(".audit*"))  # no temporary file left behind
