"""The audit report as one self-contained HTML page, from the Jinja templates in
resources/report/ (styles, the PRISMA diagram and the forest plots inline, as SVG).
"""

from __future__ import annotations

from pathlib import Path

from evidence_tracker.config import resources_dir
from evidence_tracker.domain.claims import VERDICT_LABELS
from evidence_tracker.domain.models import Verdict
from evidence_tracker.formats import prisma_diagram
from evidence_tracker.formats.forest_plot import forest_svg
from evidence_tracker.formats.report_model import (
    MAP_LABELS,
    REPORTED_STANCES,
    STANCE_HEADINGS,
    Report,
)
from evidence_tracker.formats.verdict_tables import SOF_COLUMNS, plotted, sof_cells

__all__ = ["render_html", "templates_dir"]


def templates_dir() -> Path:
    return resources_dir() / "report"


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (styles and diagrams inline)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["markup"] = lambda text: jinja2.utils.markupsafe.Markup(text)
    template = env.get_template("report.html.j2")
    assert report.prisma_layout is not None
    return template.render(
        report=report, prisma_svg=prisma_diagram.svg(report.prisma_layout),
        stances=[(s.value, STANCE_HEADINGS[s]) for s in REPORTED_STANCES],
        map_legend=[(v.value, MAP_LABELS[v], VERDICT_LABELS[v]) for v in Verdict],
        verdict_labels={v.value: VERDICT_LABELS[v] for v in Verdict},
        sof_columns=SOF_COLUMNS, sof_cells=sof_cells, plotted=plotted, forest_svg=forest_svg,
    )
