"""A forest plot for one outcome at one time point: a row per study (a square sized by its
weight, the 95% CI as a line), the pooled diamond, the line of no effect, and the
numbers beside them; drawn with matplotlib from a summary-of-findings row.

Drawn on a :class:`matplotlib.figure.Figure` with the Agg canvas (no pyplot, no global
figure registry) and set in the DejaVu fonts the report ships, so the same row gives
the same bytes: SVG for the HTML report, PNG for the PDF and the claim page.

Square sizes follow the random-effects weights, 1 / (SE² + τ²), with each study's SE
recovered from its 95% CI (on the log scale for ratios); this is the display RevMan and
GRADEpro use. The pooling itself is not done here: the pooled estimate comes with the row.

>>> from evidence_tracker.domain.findings import EffectMeasure
>>> from evidence_tracker.domain.verdicts import StudyEffect
>>> rows = [StudyEffect(1, "PMID 1", EffectMeasure.MD, -1.0, -2.0, 0.0),
...         StudyEffect(2, "PMID 2", EffectMeasure.MD, -1.0, -1.5, -0.5)]
>>> [round(w, 3) for w in study_weights(rows, tau_squared=0.0)]
[0.2, 0.8]
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from evidence_tracker.config import resources_dir
from evidence_tracker.domain.findings import EffectMeasure
from evidence_tracker.domain.verdicts import PooledEffect, SofRow, StudyEffect

__all__ = ["MEASURE_LABELS", "PlotColours", "can_plot", "forest_png", "forest_svg",
           "study_weights"]

MEASURE_LABELS = {
    EffectMeasure.MD: "Mean difference",
    EffectMeasure.SMD: "Standardised mean difference",
    EffectMeasure.RR: "Risk ratio",
    EffectMeasure.OR: "Odds ratio",
}
FULL_WIDTH = 7.6  # inches: the report's plots
MIN_WIDTH = 5.0
_Z = 1.959963984540054  # the 97.5th centile of the normal distribution
#: Fixed so that the SVG's generated ids, and so its bytes, repeat from run to run.
_RC: Any = {"svg.hashsalt": "evidence-tracker-forest", "svg.fonttype": "none",
                       "path.simplify": False}


@dataclass(frozen=True, slots=True)
class PlotColours:
    """The plot's colours; the claim page passes its palette's, the report the defaults."""

    ink: str = "#1d1d1f"
    muted: str = "#5a5a60"
    study: str = "#2f5d8a"
    pooled: str = "#1d1d1f"
    background: str | None = None  # None: transparent


@cache
def _fonts() -> tuple[Any, Any]:
    from matplotlib.font_manager import FontProperties

    folder: Path = resources_dir() / "fonts"
    return (FontProperties(fname=str(folder / "DejaVuSans.ttf")),
            FontProperties(fname=str(folder / "DejaVuSans-Bold.ttf")))


def can_plot(row: SofRow) -> bool:
    """True when the row has at least one study effect, all on one measure."""
    return bool(row.effects) and len({e.measure for e in row.effects}) == 1


def _se(effect: StudyEffect) -> float | None:
    """The standard error a symmetric 95% CI implies (log scale for ratios)."""
    if effect.measure.is_ratio:
        if effect.ci_low <= 0 or effect.ci_high <= 0:
            return None
        width = math.log(effect.ci_high) - math.log(effect.ci_low)
    else:
        width = effect.ci_high - effect.ci_low
    return width / (2 * _Z) if width > 0 else None


def study_weights(effects: Sequence[StudyEffect], *,
                  tau_squared: float | None = None) -> list[float]:
    """Each study's share of the random-effects weight (summing to 1); the numbers
    analysed stand in when a CI gives no standard error, equal shares as a last resort."""
    ses = [_se(e) for e in effects]
    tau2 = tau_squared or 0.0
    if effects and all(s is not None for s in ses):
        raw = [1.0 / ((s or 0.0) ** 2 + tau2) for s in ses]
    elif effects and all(e.analysed for e in effects):
        raw = [float(e.analysed or 0) for e in effects]
    else:
        raw = [1.0] * len(effects)
    total = sum(raw)
    return [w / total for w in raw] if total else raw


def _number(value: float) -> str:
    return f"{value:.2f}"


def _interval(value: float, low: float, high: float) -> str:
    return f"{_number(value)} [{_number(low)}, {_number(high)}]"


def _footer(row: SofRow, pooled: PooledEffect | None) -> str:
    n = sum(e.analysed or 0 for e in row.effects)
    people = f"; {n} participants analysed" if n else ""
    if pooled is None:
        k = len(row.effects)
        return (f"{k} stud{'y' if k == 1 else 'ies'}{people}; not pooled"
                if k > 1 else f"Single study{people}")
    bits = [pooled.method or "Random effects"]
    if pooled.i_squared is not None:
        bits.append(f"I² = {pooled.i_squared * 100:.0f}%")
    if pooled.tau_squared is not None:
        bits.append(f"τ² = {pooled.tau_squared:.3g}")
    return " · ".join(bits) + f" · {pooled.studies} studies{people}"


def _figure(row: SofRow, colours: PlotColours, width: float = FULL_WIDTH) -> Any:
    """The forest plot of ``row`` as a matplotlib Figure on an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon
    from matplotlib.ticker import FixedLocator, NullLocator

    regular, bold = _fonts()
    effects = list(row.effects)
    measure = effects[0].measure
    pooled = row.pooled if row.pooled and row.pooled.measure is measure else None
    weights = study_weights(effects, tau_squared=pooled.tau_squared if pooled else None)
    n = len(effects)
    lines = n + (2 if pooled else 0)  # a blank line, then the pooled row
    height = 1.25 + 0.3 * (lines + 1)
    fig = Figure(figsize=(width, height), dpi=100)
    # Narrow figures (a narrow claim page) drop the weight column; the squares still show it.
    weights_shown = width >= 6.5
    FigureCanvasAgg(fig)
    fig.patch.set_alpha(0.0 if colours.background is None else 1.0)
    if colours.background is not None:
        fig.patch.set_facecolor(colours.background)
    bottom = 0.62 / height
    top = 1 - 0.55 / height
    ax = fig.add_axes((0.30, bottom, 0.40, top - bottom) if weights_shown
                      else (0.34, bottom, 0.36, top - bottom))
    ax.patch.set_alpha(0.0)

    ys = [float(lines - i) for i in range(n)]  # first study at the top
    pooled_y = 1.0
    ax.set_ylim(0.3, lines + 0.9)
    values = [v for e in effects for v in (e.ci_low, e.ci_high)]
    if pooled:
        values += [pooled.ci_low, pooled.ci_high]
    no_effect = measure.no_effect
    if measure.is_ratio:
        ax.set_xscale("log")
        logs = [math.log(v) for v in values if v > 0] + [0.0]
        lo, hi = min(logs), max(logs)
        pad = max(0.1, (hi - lo) * 0.08)
        ax.set_xlim(math.exp(lo - pad), math.exp(hi + pad))
        ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
                 if math.exp(lo - pad) <= t <= math.exp(hi + pad)]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([f"{t:g}" for t in ticks])
    else:
        lo, hi = min([*values, no_effect]), max([*values, no_effect])
        pad = max(0.1, (hi - lo) * 0.08)
        ax.set_xlim(lo - pad, hi + pad)
    ax.axvline(no_effect, color=colours.muted, linewidth=0.9, zorder=1)

    biggest = max(weights) if weights else 1.0
    for y, effect, weight in zip(ys, effects, weights, strict=True):
        ax.plot([effect.ci_low, effect.ci_high], [y, y], color=colours.ink, linewidth=1.1,
                solid_capstyle="butt", zorder=2)
        size = 4 + 9 * math.sqrt(weight / biggest)  # area grows with weight
        ax.plot([effect.value], [y], marker="s", markersize=size, color=colours.study,
                markeredgewidth=0, linestyle="none", zorder=3)
    if pooled:
        diamond = Polygon([(pooled.ci_low, pooled_y), (pooled.value, pooled_y + 0.28),
                           (pooled.ci_high, pooled_y), (pooled.value, pooled_y - 0.28)],
                          closed=True, facecolor=colours.pooled, edgecolor=colours.pooled,
                          zorder=3)
        ax.add_patch(diamond)

    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(colours.muted)
    ax.tick_params(axis="x", colors=colours.muted, labelsize=8)
    for tick in ax.get_xticklabels():
        tick.set_fontproperties(regular)
        tick.set_fontsize(8)
        tick.set_color(colours.ink)
    scale = " (log scale)" if measure.is_ratio else ""
    ax.set_xlabel(f"{MEASURE_LABELS[measure]} ({measure.value}), 95% CI{scale}",
                  fontproperties=regular, fontsize=8, color=colours.muted)

    # The text columns sit in figure x and data y, so they line up with the rows.
    trans = ax.get_yaxis_transform()  # x in axes, y in data
    head_y = lines + 0.75

    def column(x: float, y: float, text: str, *, strong: bool = False,
               align: str = "left", colour: str | None = None) -> None:
        fx = fig.transFigure + ax.transAxes.inverted()
        ax_x = fx.transform((x, 0))[0]
        ax.text(ax_x, y, text, transform=trans, ha=align, va="center", fontsize=8.5,
                fontproperties=bold if strong else regular, color=colour or colours.ink,
                clip_on=False)

    column(0.02, head_y, "Study", strong=True)
    column(0.99, head_y, f"{measure.value} [95% CI]", strong=True, align="right")
    if weights_shown:
        column(0.79, head_y, "Weight", strong=True, align="right")
    for y, effect, weight in zip(ys, effects, weights, strict=True):
        label = effect.key if len(effect.key) <= 34 else effect.key[:33] + "…"
        if effect.analysed:
            label += f" (n={effect.analysed})"
        column(0.02, y, label)
        if weights_shown:
            column(0.79, y, f"{weight * 100:.0f}%", colour=colours.muted, align="right")
        column(0.99, y, _interval(effect.value, effect.ci_low, effect.ci_high), align="right")
    if pooled:
        column(0.02, pooled_y, "Pooled (random effects)", strong=True)
        if weights_shown:
            column(0.79, pooled_y, "100%", colour=colours.muted, align="right")
        column(0.99, pooled_y, _interval(pooled.value, pooled.ci_low, pooled.ci_high),
               strong=True, align="right")
    when = row.timepoint or "time point not known"
    fig.text(0.02, 1 - 0.22 / height, f"{row.outcome or 'Outcome not named'} — {when}",
             fontproperties=bold, fontsize=10, color=colours.ink, va="center")
    fig.text(0.02, 0.13 / height, _footer(row, pooled), fontproperties=regular, fontsize=7.5,
             color=colours.muted, va="center")
    return fig


def forest_svg(row: SofRow, colours: PlotColours | None = None) -> str:
    """The plot as an SVG document (text kept as text, no date, stable ids)."""
    import matplotlib

    if not can_plot(row):
        raise ValueError("a forest plot needs study effects on one measure")
    with matplotlib.rc_context(_RC):
        fig = _figure(row, colours or PlotColours())
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = out.getvalue()
    return svg[svg.index("<svg"):]  # no XML prologue or doctype: it sits inside HTML


def forest_png(row: SofRow, colours: PlotColours | None = None, *, dpi: float = 150,
               width: float = FULL_WIDTH) -> bytes:
    """The plot as PNG bytes (no software or date in its metadata); ``width`` in inches,
    at least :data:`MIN_WIDTH` (below 6.5 the weight column is left out)."""
    import matplotlib

    if not can_plot(row):
        raise ValueError("a forest plot needs study effects on one measure")
    with matplotlib.rc_context(_RC):
        fig = _figure(row, colours or PlotColours(), max(MIN_WIDTH, width))
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
    if (colours or PlotColours()).background is None:
        return out.getvalue()
    # Opaque: drop the alpha channel Agg always writes (a PDF would carry it as a mask).
    from PIL import Image

    rgb = io.BytesIO()
    Image.open(io.BytesIO(out.getvalue())).convert("RGB").save(rgb, format="PNG")
    return rgb.getvalue()
