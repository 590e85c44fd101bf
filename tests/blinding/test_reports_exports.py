"""Blind mode, reports and exports: the HTML/PDF audit report, the CSV/XLSX study tables,
citations of a claim and ClaimReview carry only the judgements the viewer may see."""

from __future__ import annotations

import csv

from blinding.blind_scene import CLAIM, RATIONALE, ben_judges_everything
from openpyxl import load_workbook

from evidence_tracker.formats.report_html import render_html
from evidence_tracker.services import citations, claimreview, export, report


def _section(scene, viewer):
    built = report.build_report(scene.project, viewer=viewer)
    return built, next(s for s in built.claims if s.code == CLAIM)


def test_report_leaves_out_what_the_viewer_may_not_see(scene):
    built, section = _section(scene, "ben")
    assert section.rationale == "" and not section.confirmed and section.studies == ()
    assert section.certainty == "" and "ana" not in section.reviewers
    assert built.prisma.unscreened == 1 and built.prisma.included == 0  # Ana's vote hidden
    html = render_html(built)
    assert RATIONALE not in html and "Ana's footnote" not in html
    _, section = _section(scene, "ana")
    assert section.rationale == RATIONALE and len(section.studies) == 1
    ben_judges_everything(scene)
    _, section = _section(scene, "ben")
    assert len(section.studies) == 1 and set(section.reviewers) == {"ana", "ben"}


def test_claimreview_and_citations_hide_an_unseen_verdict(scene):
    p = scene.project
    graph = claimreview.claim_reviews(p, [CLAIM], viewer="ben")["@graph"]
    assert graph == []  # Ben has not seen a confirmed verdict
    assert len(claimreview.claim_reviews(p, [CLAIM], viewer="ana")["@graph"]) == 1
    assert citations.cite_claim(p, CLAIM, viewer="ben").study_ids == []
    assert citations.cite_claim(p, CLAIM, viewer="ana").study_ids == [scene.study_id]


def test_study_tables_carry_only_visible_claim_links(scene, tmp_path):
    p = scene.project
    for viewer, expected in (("ben", ""), ("ana", f"{CLAIM} supports")):
        out = tmp_path / f"{viewer}.csv"
        export.export_studies(p, "csv", out, viewer=viewer)
        with out.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert [r["claim_links"] for r in rows] == [expected]
    out = tmp_path / "ben.xlsx"
    export.export_studies(p, "xlsx", out, viewer="ben")
    sheet = load_workbook(out).active
    values = [str(c.value or "") for row in sheet.iter_rows() for c in row]
    assert not [v for v in values if CLAIM in v]
