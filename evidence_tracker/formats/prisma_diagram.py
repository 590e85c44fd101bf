"""The PRISMA 2020 flow diagram drawn from its counts: a layout (boxes, arrows, phase bands;
the main flow on the left, exclusions on the right) and that layout as inline SVG for the
HTML report (the PDF report draws the same layout with reportlab).

>>> lay = layout(PrismaCounts(records=3, included=2))
>>> [b.title for b in lay.boxes if b.phase]
['Identification', 'Screening', 'Included']
>>> svg(lay).count("<rect") == len(lay.boxes)
True
"""

from __future__ import annotations

import html

from evidence_tracker.formats.report_model import Arrow, Box, PrismaCounts, PrismaLayout

__all__ = ["fit", "layout", "svg"]


def _n(value: int) -> str:
    return f"(n = {value:,})"


def fit(text: str, width: float, font_size: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` points (DejaVu Sans is about 10%
    wider than Helvetica, whose metrics reportlab always has)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def w(t: str) -> float:
        return float(stringWidth(t, "Helvetica", font_size)) * 1.12

    if w(text) <= width:
        return text
    while text and w(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def layout(c: PrismaCounts, *, width: float = 500.0, font_size: float = 8.0) -> PrismaLayout:
    """Boxes and arrows of the diagram; the main flow on the left, exclusions on the right,
    the three phase bands at the far left."""
    band, gap = 22.0, 16.0
    col_w = (width - band - 3 * gap) / 2
    left, right = band + gap, band + 2 * gap + col_w
    line_h = font_size * 1.3

    def height(lines: int) -> float:
        return 10 + (lines + 1) * line_h

    ident_lines = [f"PubMed {_n(c.identified_database)}",
                   *(f"  {name}: {n:,}" for name, n in c.searches[:6])]
    if len(c.searches) > 6:
        ident_lines.append(f"  … and {len(c.searches) - 6} more searches")
    ident_lines.append(f"Imported files {_n(c.identified_files)}")
    removed_lines = [f"Duplicate records {_n(c.duplicates_removed)}",
                     f"Found but not retrieved {_n(c.not_retrieved)}"]
    excluded_lines = [f"{reason} {_n(n)}" for reason, n in c.exclusion_reasons[:5]]
    if len(c.exclusion_reasons) > 5:
        excluded_lines.append(f"Other reasons {_n(sum(n for _, n in c.exclusion_reasons[5:]))}")
    awaiting_lines = [f"Not yet screened {_n(c.unscreened)}", f"Marked maybe {_n(c.maybe)}",
                      f"Reviewers disagree {_n(c.conflicts)}"]
    y = 0.0
    boxes: list[Box] = []
    arrows: list[Arrow] = []

    h1 = max(height(len(ident_lines)), height(len(removed_lines)))
    inner = col_w - 12

    def fitted(lines: list[str]) -> tuple[str, ...]:
        return tuple(fit(line, inner, font_size) for line in lines)

    ident = Box(left, y, col_w, h1, "Records identified", fitted(ident_lines))
    removed = Box(right, y, col_w, h1, "Records removed before screening",
                  fitted(removed_lines))
    boxes += [ident, removed]
    y += h1 + 2 * gap
    h2 = max(height(1), height(len(excluded_lines)))
    screened = Box(left, y, col_w, h2, "Records screened", (_n(c.screened),))
    excluded = Box(right, y, col_w, h2, f"Records excluded {_n(c.excluded)}",
                   fitted(excluded_lines))
    boxes += [screened, excluded]
    y += h2 + gap
    h3 = height(len(awaiting_lines))
    awaiting = Box(right, y, col_w, h3, f"Awaiting a decision {_n(c.awaiting)}",
                   fitted(awaiting_lines))
    boxes.append(awaiting)
    y += h3 + gap
    h4 = height(2)
    included = Box(left, y, col_w, h4, "Studies included in the review",
                   (_n(c.included), f"linked to a claim {_n(c.linked)}"))
    boxes.append(included)
    y += h4

    mid = left + col_w / 2
    arrows.append(Arrow(((left + col_w, h1 / 2), (right, h1 / 2))))
    arrows.append(Arrow(((mid, h1), (mid, screened.y))))
    arrows.append(Arrow(((left + col_w, screened.y + h2 / 2), (right, screened.y + h2 / 2))))
    arrows.append(Arrow(((mid, screened.y + h2), (mid, included.y))))
    arrows.append(Arrow(((mid, awaiting.y + h3 / 2), (right, awaiting.y + h3 / 2))))
    phases = [("Identification", 0.0, h1), ("Screening", screened.y, awaiting.y + h3),
              ("Included", included.y, y)]
    for name, top, bottom in phases:
        boxes.append(Box(0, top, band, bottom - top, name, phase=True))
    return PrismaLayout(width, y + 1, tuple(boxes), tuple(arrows), font_size)


def svg(lay: PrismaLayout, *, title: str = "PRISMA 2020 flow diagram") -> str:
    """The diagram as inline SVG (scales with the page; text stays text)."""
    fs = lay.font_size
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 {lay.width + 4:.0f} '
        f'{lay.height + 4:.0f}" role="img" aria-label="{html.escape(title)}" '
        'class="prisma" font-family="DejaVu Sans, Verdana, sans-serif">',
        f"<title>{html.escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>'
        "</defs>",
    ]
    for b in lay.boxes:
        if b.phase:
            cx, cy = b.x + b.w / 2, b.y + b.h / 2
            parts.append(f'<rect x="{b.x}" y="{b.y:.1f}" width="{b.w}" height="{b.h:.1f}" '
                         'rx="3" fill="#dbe6f1" stroke="#5b7fa6"/>')
            parts.append(f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="{fs}" font-weight="bold" '
                         f'text-anchor="middle" dominant-baseline="middle" '
                         f'transform="rotate(-90 {cx:.1f} {cy:.1f})">{html.escape(b.title)}'
                         "</text>")
            continue
        parts.append(f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" '
                     'fill="#fff" stroke="#333"/>')
        ty = b.y + 6 + fs
        parts.append(f'<text x="{b.x + 6:.1f}" y="{ty:.1f}" font-size="{fs}" '
                     f'font-weight="bold">{html.escape(b.title)}</text>')
        for line in b.lines:
            ty += fs * 1.3
            parts.append(f'<text x="{b.x + 6:.1f}" y="{ty:.1f}" font-size="{fs}" '
                         f'xml:space="preserve">{html.escape(line)}</text>')
    for a in lay.arrows:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in a.points)
        parts.append(f'<polyline points="{points}" fill="none" stroke="#333" '
                     'marker-end="url(#arrow)"/>')
    parts.append("</svg>")
    return "".join(parts)
