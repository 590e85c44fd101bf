"""The audit report as PDF: it renders, embeds its fonts, gives the evidence map a landscape
page, and (where poppler is installed) says what the HTML says."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from report_project import FM_QUOTE, audited_project

from evidence_tracker.domain.verdicts.types import VerdictStep
from evidence_tracker.formats.prisma_diagram import layout, svg
from evidence_tracker.formats.report_model import PrismaCounts
from evidence_tracker.formats.report_pdf import markup, text, write_pdf
from evidence_tracker.services.report import build_report, write_report
from evidence_tracker.store import Project


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("pdf")
    project = audited_project(folder / "audit.sqlite3")
    out = folder / "audit.pdf"
    write_report(project, out)
    project.close()
    yield out


def test_the_pdf_renders_with_embedded_fonts(pdf: Path) -> None:
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type /Page\b", data)
    assert len(pages) >= 4
    assert b"DejaVuSans" in data and b"/FontFile2" in data  # TrueType subsets embedded
    # A4 portrait pages and one or more landscape pages for the evidence map
    assert re.search(rb"/MediaBox \[ 0 0 595\.2756 841\.8898 \]", data)
    assert re.search(rb"/MediaBox \[ 0 0 841\.8898 595\.2756 \]", data)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_pdf_says_what_the_report_says(pdf: Path) -> None:
    words = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                                    capture_output=True, text=True).stdout.split())
    for expected in ("PRISMA 2020 flow diagram", "Evidence map", "Claims not yet reviewed",
                     "Low-certainty evidence suggests that IV ketamine reduces pain",
                     "Reference 1 (PMID 21111111) is retracted", "[RETRACTED]",
                     FM_QUOTE, "Studies that contradict the claim (1)",
                     "Evidence Tracker 0.1.0 · schema version"):
        assert expected in words, expected


def test_report_text_is_escaped_for_reportlab() -> None:
    assert text("a < b & c") == "a &lt; b &amp; c"
    assert text("痛み 통증") == ('<font face="HeiseiMin-W3">痛み</font> '
                               '<font face="HYSMyeongJo-Medium">통증</font>')
    assert markup('<i>Pain</i> &amp; <span style="x">gain</span> <script>') == \
        "<i>Pain</i> &amp; gain "


def test_prisma_layout_keeps_every_box_inside_the_drawing() -> None:
    counts = PrismaCounts(searches=[(f"A very long condition name number {n} " * 3, n * 100)
                                    for n in range(9)],
                          identified_database=3600, records=1200, unscreened=100,
                          excluded=900, included=200, exclusion_reasons=[
                              ("Wrong population " * 8, 500), ("Animal study", 300),
                              ("Not ketamine", 50), ("Review", 20), ("Case report", 20),
                              ("Duplicate", 5), ("Other", 5)])
    lay = layout(counts)
    for box in lay.boxes:
        assert box.x >= 0 and box.x + box.w <= lay.width + 0.01
        assert box.y >= 0 and box.y + box.h <= lay.height + 0.01
    lines = [line for box in lay.boxes for line in box.lines]
    assert "  … and 3 more searches" in lines and "Other reasons (n = 10)" in lines
    assert any(line.endswith("…") for line in lines)  # long names are cut, not overflowing
    assert svg(lay).count("<rect") == len(lay.boxes)


def test_empty_project_report(tmp_path: Path, project: Project) -> None:
    report = build_report(project)
    assert report.claims == [] or all(not c.studies for c in report.claims)
    write_report(project, tmp_path / "empty.pdf")
    assert (tmp_path / "empty.pdf").read_bytes().startswith(b"%PDF-")


def test_a_step_taller_than_a_page_splits_across_pages(tmp_path: Path) -> None:
    """At 100k studies a claim with 334 links gave a verdict step whose reason was taller
    than a page, and reportlab raised LayoutError: the report must split the row."""
    project = audited_project(tmp_path / "audit.sqlite3")
    report = build_report(project)
    project.close()
    long_reason = " ".join(f"PMID {30000000 + i} (randomised trial, low risk of bias) "
                           "supports the claim at 4 weeks." for i in range(400))
    claim = report.reviewed_claims[0]
    tall = replace(claim, steps=(*claim.steps, VerdictStep("Studies", "334 counted",
                                                           long_reason)))
    report = replace(report, claims=tuple(tall if c is claim else c for c in report.claims))
    out = tmp_path / "tall.pdf"
    write_pdf(report, str(out))
    assert len(re.findall(rb"/Type /Page\b", out.read_bytes())) >= 6
