"""The report shows each claim's working: kind and scope, the GRADE statement, the
summary-of-findings table with a forest plot per outcome and time point (SVG in HTML, an
image in the PDF), the verdict steps and the body of evidence; findings on each study."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html as lxml_html
from report_project import ADA, audited_project

from evidence_tracker.domain.claims import LinkState
from evidence_tracker.domain.findings import Direction, EffectEstimate, EffectMeasure, Finding
from evidence_tracker.formats.report_html import render_html
from evidence_tracker.services import evidence
from evidence_tracker.services.report import build_report, write_report
from evidence_tracker.store import Project
from evidence_tracker.store.events import append_event, ensure_reviewer

QUOTE = "Ketamine reduced pain intensity compared with placebo at 12 weeks."


def add_finding(p: Project) -> None:
    """Ada's link on the RCT gets a finding with an effect, as the findings service
    records it (a new ``link`` event with the findings)."""
    mine = next(v for v in evidence.current_links(p, claim="C011", study="19783371")
                if v.reviewer == ADA)
    finding = Finding("f1", outcome="Pain <NRS>", timepoint="12 weeks",
                      direction=Direction.FAVOURS, comparator="placebo",
                      effect=EffectEstimate(EffectMeasure.MD, -1.4, -2.3, -0.5), analysed=60,
                      quotes=(QUOTE,))
    state = LinkState(mine.state.stance, mine.state.quotes, findings=(finding,))
    with p.transaction():
        append_event(p, "link", reviewer_id=ensure_reviewer(p, ADA), study_id=mine.study.id,
                     claim_id=mine.claim_id, after=state.to_json())


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[Project]:
    project = audited_project(tmp_path / "audit.sqlite3")
    add_finding(project)
    yield project
    project.close()


def text_of(el: lxml_html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def test_html_claim_has_question_statement_sof_plot_steps_and_body(audited: Project) -> None:
    page = render_html(build_report(audited, today=dt.date(2026, 3, 1)))
    tree = lxml_html.fromstring(page)
    c011 = tree.get_element_by_id("claim-C011")
    words = text_of(c011)
    assert "The claim as a question" in words and "Kind" in words and "Time frame" in words
    assert "What the evidence says" in words and "Certainty of the evidence:" in words
    # the summary of findings, escaped; the forest plot inline as SVG, escaped too
    [sof] = c011.xpath(".//table[@class='sof']")
    header = [text_of(th) for th in sof.xpath(".//thead/tr/th")]
    assert header == ["Outcome", "Time point", "Participants (studies)", "Effect (95% CI)",
                      "Certainty", "What the evidence says"]
    rows = [[text_of(td) for td in tr.xpath("./td")] for tr in sof.xpath(".//tbody/tr")]
    [cells] = [r for r in rows if r[0] == "Pain <NRS>"]
    assert cells[:3] == ["Pain <NRS>", "12 weeks", "60 (1 study)"]
    assert cells[3] == "MD -1.4 (95% CI -2.3 to -0.5)"
    assert "<NRS>" not in page.replace("&lt;NRS&gt;", "")
    [figure] = c011.xpath(".//figure[@class='forest']")
    svg_words = " ".join(" ".join(t.itertext()) for t in figure.iter("{*}text", "text"))
    assert "Pain <NRS> — 12 weeks" in svg_words and "PMID 19783371 (n=60)" in svg_words
    assert "Single study; 60 participants analysed" in svg_words
    # steps and the body: the review and the RCT counted, their designs
    assert c011.xpath(".//table[@class='steps']")
    assert "Body of evidence: 2 counted, 0 left out" in words
    assert "PMID 19783371 · Randomised controlled trial" in words
    # the finding under the study it belongs to
    assert "▸ Pain <NRS> · 12 weeks · Favours the claim · vs placebo · " \
        "MD -1.4 (95% CI -2.3 to -0.5) · 60 analysed" in words
    # a claim without effects gets no plot; a retracted study is left out with its reason
    c005 = text_of(tree.get_element_by_id("claim-C005"))
    assert "Body of evidence: 0 counted, 1 left out" in c005 and "PMID 21111111 · Retracted" \
        in c005
    assert not tree.get_element_by_id("claim-C005").xpath(".//figure[@class='forest']")


def test_the_html_report_is_deterministic(audited: Project) -> None:
    one = render_html(build_report(audited, today=dt.date(2026, 3, 1)))
    assert one == render_html(build_report(audited, today=dt.date(2026, 3, 1)))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_claim_has_the_same_working(audited: Project, tmp_path: Path) -> None:
    out = tmp_path / "audit.pdf"
    write_report(audited, out)
    words = " ".join(subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True,
                                    capture_output=True, text=True).stdout.split())
    for expected in ("The claim as a question", "What the evidence says",
                     "Summary of findings", "Participants", "60 (1 study)",
                     "How the verdict was reached", "Body of evidence: 2 counted, 0 left out",
                     "PMID 21111111 · Retracted", "Pain <NRS> · 12 weeks · Favours the claim"):
        assert expected in words, expected
    images = subprocess.run(["pdfimages", "-list", str(out)], check=True, capture_output=True,
                            text=True).stdout.splitlines()[2:]
    assert [line.split()[2] for line in images] == ["image"]  # C011's plot, opaque
