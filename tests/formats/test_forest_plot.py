"""Forest plots: one row per study, the pooled diamond, the line of no effect, the numbers
beside them; the same row gives the same bytes."""

from __future__ import annotations

import struct

import pytest
from lxml import etree

from evidence_tracker.domain.findings import Direction, EffectMeasure
from evidence_tracker.domain.models import Certainty
from evidence_tracker.domain.verdicts import PooledEffect, SofRow, StudyEffect
from evidence_tracker.formats.forest_plot import (
    PlotColours,
    can_plot,
    forest_png,
    forest_svg,
    study_weights,
)

MD = EffectMeasure.MD
EFFECTS = (StudyEffect(1, "PMID 19783371", MD, -1.8, -2.9, -0.7, 60),
           StudyEffect(2, "PMID 30000999", MD, -1.1, -1.7, -0.5, 312),
           StudyEffect(3, "Smith <i>&</i> Jones", MD, -0.4, -1.6, 0.8, 40))
POOLED = PooledEffect(MD, -1.2, -1.8, -0.6, 3, 0.21, 0.05, "DerSimonian-Laird random effects")


def row(effects: tuple[StudyEffect, ...] = EFFECTS, pooled: PooledEffect | None = POOLED,
        timepoint: str = "4 weeks") -> SofRow:
    return SofRow("Pain intensity (0-10)", timepoint, len(effects), 412, "MD -1.2",
                  Certainty.MODERATE, "Ketamine probably reduces pain at 4 weeks.",
                  Direction.FAVOURS, effects, pooled)


def svg_text(svg: str) -> str:
    tree = etree.fromstring(svg.encode())
    return " ".join(" ".join(t.itertext()) for t in tree.iter("{*}text"))


def test_svg_has_every_study_pooled_estimate_heterogeneity_and_title() -> None:
    svg = forest_svg(row())
    words = svg_text(svg)
    assert "Pain intensity (0-10) — 4 weeks" in words
    for label in ("PMID 19783371 (n=60)", "PMID 30000999 (n=312)", "Smith <i>&</i> Jones"):
        assert label in words
    assert "-1.80 [-2.90, -0.70]" in words and "-1.20 [-1.80, -0.60]" in words
    assert "Pooled (random effects)" in words
    assert "I² = 21%" in words and "DerSimonian-Laird random effects" in words
    assert "Mean difference (MD), 95% CI" in words
    # study text is escaped by the SVG writer, never markup
    assert "<i>&</i>" not in svg and "&lt;i&gt;&amp;&lt;/i&gt;" in svg


def test_output_is_deterministic_and_dateless() -> None:
    svg = forest_svg(row())
    assert svg == forest_svg(row())
    assert svg.startswith("<svg") and "<dc:date>" not in svg
    png = forest_png(row())
    assert png == forest_png(row())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"matplotlib" not in png.lower()  # no Software chunk


def test_png_size_follows_rows_and_dpi() -> None:
    def size(png: bytes) -> tuple[int, int]:
        return struct.unpack(">II", png[16:24])

    three = size(forest_png(row(), dpi=100))
    one = size(forest_png(row(EFFECTS[:1], None), dpi=100))
    assert three[0] == one[0] == 760
    assert three[1] > one[1]
    assert size(forest_png(row(), dpi=200))[0] == 1520


def test_single_study_without_pooling_says_so_and_has_no_diamond() -> None:
    words = svg_text(forest_svg(row(EFFECTS[:1], None, timepoint="")))
    assert "Single study; 60 participants analysed" in words
    assert "Pooled" not in words
    assert "time point not known" in words


def test_ratios_use_a_log_axis_around_one() -> None:
    effects = (StudyEffect(1, "PMID 1", EffectMeasure.RR, 1.8, 1.1, 2.9, 60),
               StudyEffect(2, "PMID 2", EffectMeasure.RR, 0.9, 0.5, 1.6, 80))
    words = svg_text(forest_svg(row(effects, None)))
    assert "Risk ratio (RR), 95% CI (log scale)" in words
    assert "2 studies; 140 participants analysed; not pooled" in words
    assert "RR [95% CI]" in words and "1.80 [1.10, 2.90]" in words


def test_weights_follow_precision_and_heterogeneity() -> None:
    narrow = StudyEffect(1, "a", MD, 0.0, -0.5, 0.5)
    wide = StudyEffect(2, "b", MD, 0.0, -2.0, 2.0)
    fixed = study_weights([narrow, wide], tau_squared=0.0)
    random = study_weights([narrow, wide], tau_squared=1.0)
    assert fixed[0] == pytest.approx(16 / 17)
    assert 0.5 < random[0] < fixed[0]  # tau² evens the weights out
    assert sum(random) == pytest.approx(1.0)
    # no usable CI: the numbers analysed, then equal shares
    flat = StudyEffect(3, "c", MD, 0.0, 0.0, 0.0, 30)
    assert study_weights([flat, StudyEffect(4, "d", MD, 0, 0, 0, 90)]) == [0.25, 0.75]
    assert study_weights([StudyEffect(5, "e", MD, 0, 0, 0)] * 2) == [0.5, 0.5]


def test_colours_reach_the_drawing() -> None:
    svg = forest_svg(row(), PlotColours(ink="#eeeeee", study="#88bbff", background="#202124"))
    assert "#eeeeee" in svg and "#88bbff" in svg and "#202124" in svg
    assert "#2f5d8a" not in svg


def test_rows_without_effects_or_with_mixed_measures_are_not_plotted() -> None:
    assert can_plot(row())
    assert not can_plot(row((), None))
    mixed = (EFFECTS[0], StudyEffect(9, "x", EffectMeasure.SMD, -0.5, -0.9, -0.1))
    assert not can_plot(row(mixed, None))
    with pytest.raises(ValueError):
        forest_svg(row((), None))


def test_png_is_transparent_unless_a_background_is_given() -> None:
    colour_type = 25  # byte of the IHDR chunk: 6 = RGBA, 2 = RGB
    assert forest_png(row())[colour_type] == 6
    opaque = forest_png(row(), PlotColours(background="#ffffff"))
    assert opaque[colour_type] == 2
    assert opaque == forest_png(row(), PlotColours(background="#ffffff"))
