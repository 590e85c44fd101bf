"""The audit report as PDF, drawn with reportlab from the same :class:`Report` as the HTML
(:mod:`evidence_tracker.formats.report_html`).

Text is set in DejaVu Sans (shipped in resources/fonts, embedded in the PDF) so Greek
letters, accents and symbols print; Chinese, Japanese and Korean runs fall back to the
Adobe CID fonts every PDF reader has. The evidence map gets a landscape page of its own.
"""

from __future__ import annotations

import functools
import html
import io
import re
from typing import IO, Any

from reportlab.graphics.shapes import Drawing, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from evidence_tracker.config import resources_dir
from evidence_tracker.domain.claims import VERDICT_LABELS
from evidence_tracker.domain.models import Verdict
from evidence_tracker.domain.verdicts import SofRow
from evidence_tracker.formats.forest_plot import PlotColours, forest_png
from evidence_tracker.formats.report_model import (
    MAP_LABELS,
    STANCE_HEADINGS,
    ClaimSection,
    PrismaLayout,
    Report,
)
from evidence_tracker.formats.verdict_tables import SOF_COLUMNS, plotted, sof_cells

FONT = "DejaVuSans"
VERDICT_FILL = {
    "supported": "#d9efd9", "partly_supported": "#eef5d0", "not_supported": "#f6e4cf",
    "contradicted": "#f5d0d0", "insufficient_evidence": "#e6e6ea",
}
MUTED = colors.HexColor("#5a5a60")
RULE = colors.HexColor("#c9ccd1")
WARN = colors.HexColor("#9b1c1c")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")
_HAN_KANA = re.compile(r"[\u2e80-\u2fdf\u3000-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
                       r"\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
CJK_FONTS = {"ko": "HYSMyeongJo-Medium", "ja": "HeiseiMin-W3", "zh": "STSong-Light"}


@functools.cache
def register_fonts() -> str:
    """Register DejaVu Sans (regular, bold, oblique) and the CJK fallbacks; returns the
    family name."""
    folder = resources_dir() / "fonts"
    for name, file in ((FONT, "DejaVuSans.ttf"), (f"{FONT}-Bold", "DejaVuSans-Bold.ttf"),
                       (f"{FONT}-Oblique", "DejaVuSans-Oblique.ttf"),
                       (f"{FONT}-BoldOblique", "DejaVuSans-BoldOblique.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=f"{FONT}-Bold",
                                  italic=f"{FONT}-Oblique", boldItalic=f"{FONT}-BoldOblique")
    for cid in CJK_FONTS.values():
        pdfmetrics.registerFont(UnicodeCIDFont(cid))
    return FONT


def text(value: str) -> str:
    """Plain text as reportlab paragraph markup (escaped; CJK runs in a CJK font)."""
    out = html.escape(value, quote=False)
    out = _HANGUL.sub(lambda m: f'<font face="{CJK_FONTS["ko"]}">{m.group(0)}</font>', out)

    def han(m: re.Match[str]) -> str:
        font = CJK_FONTS["ja" if _KANA.search(m.group(0)) else "zh"]
        return f'<font face="{font}">{m.group(0)}</font>'

    return _HAN_KANA.sub(han, out)


_ALLOWED = re.compile(r"</?(?:i|b|sup|sub)>")


def markup(fragment: str) -> str:
    """An HTML fragment (citeproc's: escaped text with <i>) as paragraph markup."""
    kept = []
    for part in re.split(r"(<[^>]+>)", fragment):
        if part.startswith("<"):
            if _ALLOWED.fullmatch(part):
                kept.append(part)
            continue
        kept.append(text(html.unescape(part)))
    return "".join(kept)


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    font = register_fonts()
    base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13)
    return {
        "body": base,
        "title": ParagraphStyle("title", base, fontName=f"{font}-Bold", fontSize=17,
                                leading=21, spaceAfter=4),
        "scope": ParagraphStyle("scope", base, fontName=f"{font}-Bold", fontSize=12.5,
                                leading=16, spaceAfter=4),
        "h2": ParagraphStyle("h2", base, fontName=f"{font}-Bold", fontSize=13, leading=17,
                             spaceBefore=10, spaceAfter=5, keepWithNext=1),
        "h3": ParagraphStyle("h3", base, fontName=f"{font}-Bold", fontSize=11, leading=14.5,
                             spaceBefore=4, spaceAfter=3, keepWithNext=1),
        "h4": ParagraphStyle("h4", base, fontName=f"{font}-Bold", fontSize=9.5, leading=13,
                             textColor=MUTED, spaceBefore=6, spaceAfter=2, keepWithNext=1),
        "muted": ParagraphStyle("muted", base, fontSize=8.5, leading=11.5, textColor=MUTED),
        "quote": ParagraphStyle("quote", base, leftIndent=12, borderPadding=(0, 0, 0, 6),
                                fontSize=9, leading=12.5, spaceAfter=3),
        "ref": ParagraphStyle("ref", base, leftIndent=18, firstLineIndent=-18, spaceBefore=4),
        "evidence": ParagraphStyle("evidence", base, leftIndent=30, fontSize=8.5, leading=12,
                                   textColor=colors.HexColor("#2b3f57"), spaceAfter=2),
        "warning": ParagraphStyle("warning", base, textColor=WARN, backColor="#fdecea",
                                  borderColor="#e7a5a0", borderWidth=0.5, borderPadding=4,
                                  spaceBefore=4, spaceAfter=6),
        "statement": ParagraphStyle("statement", base, fontSize=10.5, leading=14,
                                    backColor="#f1f3f6", borderColor="#5b7fa6",
                                    borderWidth=0, borderPadding=5, spaceBefore=3,
                                    spaceAfter=6),
        "item": ParagraphStyle("item", base, leftIndent=18, fontSize=8.5, leading=11.5),
        "cell": ParagraphStyle("cell", base, fontSize=6.5, leading=8),
        "cellc": ParagraphStyle("cellc", base, fontSize=6.5, leading=8, alignment=TA_CENTER),
        "head": ParagraphStyle("head", base, fontName=f"{font}-Bold", fontSize=6.5, leading=8,
                               alignment=TA_CENTER),
    }


# -- the PRISMA diagram ------------------------------------------------------------------


class PrismaFlowable(Flowable):
    """The PRISMA layout drawn as vector graphics, scaled to the frame width."""

    def __init__(self, lay: PrismaLayout, width: float):
        super().__init__()
        self.lay = lay
        self.scale = min(1.0, width / lay.width)
        self.width = lay.width * self.scale
        self.height = lay.height * self.scale

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        drawing = prisma_drawing(self.lay)
        drawing.scale(self.scale, self.scale)
        drawing.drawOn(self.canv, 0, 0)


def prisma_drawing(lay: PrismaLayout) -> Drawing:
    font = register_fonts()
    fs = lay.font_size
    d = Drawing(lay.width, lay.height)

    def y(top: float) -> float:
        return lay.height - top

    for b in lay.boxes:
        if b.phase:
            d.add(Rect(b.x, y(b.y + b.h), b.w, b.h, rx=3, ry=3,
                       fillColor=colors.HexColor("#dbe6f1"),
                       strokeColor=colors.HexColor("#5b7fa6")))
            label = String(0, 0, b.title, fontName=f"{font}-Bold", fontSize=fs,
                           textAnchor="middle")
            from reportlab.graphics.shapes import Group

            group = Group(label)
            group.translate(b.x + b.w / 2 + fs / 3, y(b.y + b.h / 2))
            group.rotate(90)
            d.add(group)
            continue
        d.add(Rect(b.x, y(b.y + b.h), b.w, b.h, fillColor=colors.white,
                   strokeColor=colors.HexColor("#333333"), strokeWidth=0.8))
        ty = b.y + 6 + fs
        d.add(String(b.x + 6, y(ty), b.title, fontName=f"{font}-Bold", fontSize=fs))
        for line in b.lines:
            ty += fs * 1.3
            d.add(String(b.x + 6, y(ty), line, fontName=font, fontSize=fs))
    for a in lay.arrows:
        points = [c for x0, y0 in a.points for c in (x0, y(y0))]
        d.add(PolyLine(points, strokeColor=colors.HexColor("#333333"), strokeWidth=0.8))
        (x1, _), (x2, y2) = a.points[-2], a.points[-1]
        if x1 == x2:  # vertical, pointing down
            head = [x2, y(y2), x2 - 3, y(y2) + 6, x2 + 3, y(y2) + 6]
        else:  # horizontal, pointing right
            head = [x2, y(y2), x2 - 6, y(y2) + 3, x2 - 6, y(y2) - 3]
        d.add(Polygon(head, fillColor=colors.HexColor("#333333"), strokeWidth=0))
    return d


class VerticalLabel(Flowable):
    """A column heading set bottom to top, wrapped onto as many lines as it needs."""

    def __init__(self, label: str, *, height: float = 92.0, font_size: float = 6.5):
        super().__init__()
        self.font = f"{register_fonts()}-Bold"
        self.font_size = font_size
        self.lines: list[str] = []
        for word in label.split():
            candidate = f"{self.lines[-1]} {word}" if self.lines else word
            if self.lines and pdfmetrics.stringWidth(candidate, self.font, font_size) <= height:
                self.lines[-1] = candidate
            else:
                self.lines.append(word)
        self.height = height
        self.width = len(self.lines) * font_size * 1.2

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setFont(self.font, self.font_size)
        canvas.rotate(90)
        for n, line in enumerate(self.lines):
            canvas.drawString(0, -(n + 1) * self.font_size * 1.2 + self.font_size * 0.25, line)
        canvas.restoreState()


# -- page furniture ----------------------------------------------------------------------


def _footer(report: Report) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        width, _ = canvas._pagesize
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(doc.leftMargin, 10 * mm, report.footer)
        canvas.drawRightString(width - doc.rightMargin, 10 * mm, f"Page {doc.page}")
        if doc.page > 1:
            canvas.drawString(doc.leftMargin, canvas._pagesize[1] - 10 * mm,
                              f"Audit of clinic claims — {report.scope}")
        canvas.restoreState()

    return draw


def _doc(path: str | IO[bytes], report: Report) -> BaseDocTemplate:
    doc = BaseDocTemplate(path, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                          topMargin=16 * mm, bottomMargin=18 * mm, title=report.title,
                          author="Evidence Tracker", subject="Audit report",
                          creator=report.footer)
    portrait = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="portrait")
    lw, lh = landscape(A4)
    wide = Frame(14 * mm, 16 * mm, lw - 28 * mm, lh - 30 * mm, id="landscape")
    doc.addPageTemplates([
        PageTemplate("portrait", [portrait], onPage=_footer(report), pagesize=A4),
        PageTemplate("landscape", [wide], onPage=_footer(report), pagesize=landscape(A4)),
    ])
    return doc


# -- content -----------------------------------------------------------------------------


def _map_table(report: Report, width: float) -> Table:
    st = styles()
    columns = report.evidence_map.columns
    col, last = 42.0, 34.0
    first = max(150.0, width - last - col * len(columns))
    if first + last + col * len(columns) > width:
        col = max(30.0, (width - first - last) / max(1, len(columns)))
    head: list[Any] = [Paragraph("Claim", ParagraphStyle("hl", st["head"], alignment=0))]
    head += [VerticalLabel(c) for c in columns]
    head.append(VerticalLabel("Linked studies"))
    data: list[list[Any]] = [head]
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("ALIGN", (1, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for r, row in enumerate(report.evidence_map.rows, start=1):
        limit = int(first / 2.6)
        short = row.text if len(row.text) <= limit else row.text[: limit - 2].rstrip() + "…"
        line: list[Any] = [Paragraph(f"<b>{row.code}</b> {text(short)}", st["cell"])]
        for c, (value, label) in enumerate(row.cells, start=1):
            line.append(Paragraph(text(label), st["cellc"]))
            if value:
                commands.append(("BACKGROUND", (c, r), (c, r),
                                 colors.HexColor(VERDICT_FILL[value])))
        line.append(Paragraph(str(row.studies), st["cellc"]))
        data.append(line)
    return Table(data, colWidths=[first] + [col] * len(columns) + [last], repeatRows=1,
                 splitInRow=1, style=TableStyle(commands))


def _legend() -> Paragraph:
    parts = [f"<b>{MAP_LABELS[v]}</b> = {VERDICT_LABELS[v]}" for v in Verdict]
    return Paragraph(" · ".join(parts) + " · <b>*</b> = suggested by the linked studies, "
                     "not yet confirmed by a reviewer", styles()["muted"])


def _facts(claim: ClaimSection) -> Table:
    st = styles()
    verdict = claim.verdict_label
    if claim.confirmed:
        verdict += f", confirmed by {claim.verdict_reviewer} on {claim.decided_at}"
        if claim.suggested_label != claim.verdict_label:
            verdict += f" (the links suggested {claim.suggested_label})"
    else:
        verdict += ", suggested by the linked studies; no reviewer has confirmed it"
    certainty = claim.certainty_label
    if claim.certainty_reviewer:
        certainty += f", judged by {claim.certainty_reviewer} on {claim.certainty_at}"
    rows = [("Verdict", verdict)]
    if claim.rationale:
        rows.append(("Rationale", claim.rationale))
    rows.append(("GRADE certainty", certainty))
    if claim.certainty_rationale:
        rows.append(("Certainty rationale", claim.certainty_rationale))
    rows.append(("Reviewers", ", ".join(claim.reviewers) or "none yet"))
    data = [[Paragraph(text(k), st["muted"]), Paragraph(text(v), st["body"])] for k, v in rows]
    return Table(data, colWidths=[32 * mm, None], style=TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))


def _grid(data: list[list[Any]], widths: list[float]) -> Table:
    # splitInRow: a row taller than a page (a step naming hundreds of studies) continues on
    # the next page instead of failing the whole report.
    return Table(data, colWidths=widths, repeatRows=1, splitInRow=1, style=TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))


def forest_image(row: SofRow, width: float) -> Image:
    """A forest plot as a PNG image ``width`` points wide (drawn at 200 dpi)."""
    png = forest_png(row, PlotColours(background="#ffffff"), dpi=200)  # opaque: no mask
    image = Image(io.BytesIO(png))
    scale = width / image.imageWidth
    image.drawWidth, image.drawHeight = width, image.imageHeight * scale
    return image


def _working(claim: ClaimSection, width: float) -> list[Any]:
    """The verdict's working: the question, the GRADE statement, the summary of findings
    with its forest plots, the steps and the body of evidence."""
    st = styles()
    small = ParagraphStyle("sofcell", st["body"], fontSize=7.5, leading=9.5)
    head = ParagraphStyle("sofhead", small, fontName=f"{FONT}-Bold")
    out: list[Any] = [Paragraph("The claim as a question", st["h4"])]
    rows = [("Kind", claim.kind), *((k, v or "—") for k, v in claim.scope)]
    out.append(Table([[Paragraph(text(k), st["muted"]), Paragraph(text(v), st["body"])]
                      for k, v in rows], colWidths=[32 * mm, None], style=TableStyle([
                          ("VALIGN", (0, 0), (-1, -1), "TOP"),
                          ("LEFTPADDING", (0, 0), (-1, -1), 0),
                          ("TOPPADDING", (0, 0), (-1, -1), 1),
                          ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])))
    out.append(Paragraph("What the evidence says", st["h4"]))
    out.append(Paragraph(f"<b>{text(claim.grade_statement)}</b>", st["statement"]))
    out.append(Paragraph(text(f"Certainty of the evidence: {claim.grade_certainty} · "
                              f"{claim.scope_match} · suggested verdict: "
                              f"{claim.suggested_verdict}"), st["muted"]))
    if claim.sof:
        out.append(Paragraph("Summary of findings", st["h4"]))
        data = [[Paragraph(text(c), head) for c in SOF_COLUMNS]]
        data += [[Paragraph(text(cell), small) for cell in sof_cells(row)] for row in claim.sof]
        shares = (0.16, 0.11, 0.13, 0.2, 0.13, 0.27)
        out.append(_grid(data, [width * f for f in shares]))
        for row in plotted(claim.sof):
            out += [Spacer(1, 4), KeepTogether([forest_image(row, min(width, 150 * mm))])]
    if claim.steps:
        out.append(Paragraph("How the verdict was reached", st["h4"]))
        data = [[Paragraph(text(c), head) for c in ("Step", "Outcome", "Why")]]
        data += [[Paragraph(f"<b>{text(s.label)}</b>", small), Paragraph(text(s.outcome), small),
                  Paragraph(text(s.reason), small)] for s in claim.steps]
        out.append(_grid(data, [width * 0.2, width * 0.2, width * 0.6]))
    out.append(Paragraph(f"Body of evidence: {len(claim.counted)} counted, "
                         f"{len(claim.excluded)} left out", st["h4"]))
    if not claim.counted:
        out.append(Paragraph("No study counts for this claim yet.", st["muted"]))
    out += [Paragraph(f"<b>{text(k)}</b> · {text(d)} · {text(x)}", st["item"])
            for k, d, x in claim.counted]
    if claim.excluded:
        out.append(Paragraph("Not counted:", st["muted"]))
        out += [Paragraph(f"<b>{text(k)}</b> · {text(why)}", st["item"])
                for k, why in claim.excluded]
    return out


def _claim(claim: ClaimSection, width: float = 174 * mm) -> list[Any]:
    st = styles()
    badge = (f'<font backColor="{VERDICT_FILL[claim.verdict]}"> Verdict: '
             f"{text(claim.verdict_label)}{'' if claim.confirmed else ' (suggested)'} </font>"
             f"   Certainty: {text(claim.certainty_label)}   ·   {text(claim.category)}")
    if claim.conditions:
        badge += "   ·   " + text(", ".join(claim.conditions))
    out: list[Any] = [KeepTogether([
        Paragraph(f"{claim.code}  {text(claim.text)}", st["h3"]),
        Paragraph(badge, st["muted"])])]
    out += [Paragraph(f"<b>Warning:</b> {text(w)}", st["warning"]) for w in claim.warnings]
    out.append(Paragraph("What the clinic says", st["h4"]))
    for source in claim.sources:
        out.append(Paragraph(f"“{text(source.quote)}”<br/><font color='#5a5a60' size='8'>— "
                             f"{text(source.clinic)}, <i>{text(source.page)}</i></font>",
                             st["quote"]))
    out.append(Paragraph("Verdict and certainty", st["h4"]))
    out.append(Paragraph(f"<b>{text(claim.statement)}</b>", st["body"]))
    out.append(Spacer(1, 3))
    out.append(_facts(claim))
    if claim.grade_statement:
        out += _working(claim, width)
    for stance, heading in STANCE_HEADINGS.items():
        group = claim.by_stance(stance.value)
        if not group:
            continue
        out.append(Paragraph(f"{heading} ({len(group)})", st["h4"]))
        for s in group:
            cite = markup(s.citation_html)
            if s.retracted:
                cite = f"<strike>{cite}</strike> <font color='#9b1c1c'><b>[RETRACTED]</b></font>"
            meta = f"{s.design} · linked {s.linked_at} by {', '.join(s.reviewers)}"
            if s.outcome:
                meta += f" · outcome: {s.outcome}"
            if s.timepoint:
                meta += f" · time point: {s.timepoint}"
            block = [Paragraph(f"{s.number}.&nbsp;&nbsp;{cite}", st["ref"]),
                     Paragraph(text(meta), ParagraphStyle("m", st["muted"], leftIndent=18))]
            block += [Paragraph(text(n), ParagraphStyle("n", st["muted"], leftIndent=18,
                                                        textColor=colors.HexColor("#7a4b00")))
                      for n in s.notices]
            block += [Paragraph(f"▸ {text(f)}", st["item"]) for f in s.findings]
            block += [Paragraph(f"“{text(q)}”", st["evidence"]) for q in s.quotes]
            out.append(KeepTogether(block))
    if not claim.studies:
        out.append(Paragraph("No study has been linked to this claim yet.", st["muted"]))
    out.append(Spacer(1, 10))
    return out


def story(report: Report, frame_width: float, wide_width: float) -> list[Any]:
    st = styles()
    out: list[Any] = [
        Paragraph("Audit of clinic claims about ketamine for chronic pain", st["title"]),
        Paragraph(text(report.scope), st["scope"]),
        Paragraph(f"Generated {report.generated_at} from project "
                  f"{text(report.project_name)}. Citations in {report.style} style.",
                  st["muted"]),
        Paragraph(text(report.chain_text), st["muted"]),
        Paragraph("Summary", st["h2"]),
    ]
    counts = "; ".join(f"{k}: {v}" for k, v in report.verdict_counts.items() if v)
    n = len(report.claims)
    out.append(Paragraph(f"{n} claim{'' if n == 1 else 's'} audited. {text(counts)}.",
                         st["body"]))
    if report.retracted_count:
        many = report.retracted_count != 1
        out.append(Paragraph(
            f"<b>Warning:</b> {report.retracted_count} cited reference"
            f"{'s are' if many else ' is'} retracted; see the claims marked below.",
            st["warning"]))
    out.append(Paragraph("Reviewers: " + text(", ".join(report.reviewers) or
                                             "none recorded yet") + ".", st["body"]))
    out.append(Paragraph("PRISMA 2020 flow diagram", st["h2"]))
    assert report.prisma_layout is not None
    out.append(PrismaFlowable(report.prisma_layout, frame_width))
    out.append(Spacer(1, 6))
    last = f" (last search {report.prisma.last_search})" if report.prisma.last_search else ""
    out.append(Paragraph(
        f"Records identified by the project's PubMed searches{last} and imported files, and "
        "the title and abstract screening decisions. Full-text retrieval is not recorded "
        "by this tool.", st["muted"]))
    out += [NextPageTemplate("landscape"), PageBreak(),
            Paragraph("Evidence map", st["h2"]),
            Paragraph("Each row is a claim, each column a condition it is about. The cell "
                      "gives the verdict in words; colour only repeats it.", st["muted"]),
            Spacer(1, 4), _map_table(report, wide_width), Spacer(1, 4), _legend(),
            NextPageTemplate("portrait"), PageBreak(), Paragraph("Claims", st["h2"])]
    if not report.reviewed_claims:
        out.append(Paragraph("No claim has been reviewed yet.", st["muted"]))
    for claim in report.reviewed_claims:
        out.append(CondPageBreak(60 * mm))
        out += _claim(claim, frame_width)
    if report.unreviewed_claims:
        out += _unreviewed(report, frame_width)
    return out


def _unreviewed(report: Report, width: float) -> list[Any]:
    """Claims nobody has judged yet: the claim and where the clinic makes it."""
    st = styles()
    claims = report.unreviewed_claims
    out: list[Any] = [
        CondPageBreak(50 * mm), Paragraph(f"Claims not yet reviewed ({len(claims)})", st["h2"]),
        Paragraph("No study has been linked to these claims and no verdict or certainty has "
                  "been recorded; their verdict stands at Insufficient evidence.", st["muted"]),
        Spacer(1, 4)]
    small = ParagraphStyle("small", st["body"], fontSize=8, leading=10.5)
    data: list[list[Any]] = [[Paragraph("<b>Claim</b>", small),
                              Paragraph("<b>What the clinic says</b>", small)]]
    for c in claims:
        quotes = "<br/>".join(f"“{text(s.quote)}” <font color='#5a5a60'>— {text(s.clinic)}"
                              "</font>" for s in c.sources)
        data.append([Paragraph(f"<b>{c.code}</b> {text(c.text)}", small),
                     Paragraph(quotes or "—", small)])
    out.append(Table(data, colWidths=[width * 0.38, width * 0.62], repeatRows=1, splitInRow=1,
                     style=TableStyle([
                         ("VALIGN", (0, 0), (-1, -1), "TOP"),
                         ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                         ("LEFTPADDING", (0, 0), (-1, -1), 2),
                         ("TOPPADDING", (0, 0), (-1, -1), 3),
                         ("BOTTOMPADDING", (0, 0), (-1, -1), 3)])))
    return out


def write_pdf(report: Report, path: str | IO[bytes]) -> None:
    """Render ``report`` as PDF to ``path`` (a file name or a binary file)."""
    doc = _doc(path, report)
    wide = landscape(A4)[0] - 28 * mm
    doc.build(story(report, doc.width, wide))
