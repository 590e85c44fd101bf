"""One citeproc run gives both forms of a reference: the plain text derived from the HTML
is exactly what the plain formatter gives (the report no longer formats twice)."""

from __future__ import annotations

from formats.test_format_roundtrip import studies
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_tracker.domain.models import Study
from evidence_tracker.formats.citations import (
    CitationStyle,
    format_citation_pairs,
    format_citations,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(studies(), min_size=1, max_size=4), st.sampled_from(list(CitationStyle)))
def test_pairs_equal_the_two_separate_runs(records: list[Study], style: CitationStyle) -> None:
    pairs = format_citation_pairs(records, style)
    assert [plain for plain, _ in pairs] == format_citations(records, style)
    assert [markup for _, markup in pairs] == format_citations(records, style, as_html=True)


def test_markup_and_escapes_become_plain_text() -> None:
    study = Study(pmid="1", title="IL-6 <10 pg/mL & pain", journal="Pain Med", year=2020,
                  volume="3", pages="e1-e12")
    ((plain, markup),) = format_citation_pairs([study], CitationStyle.AMA)
    assert "&lt;10 pg/mL &amp; pain" in markup and "<i>Pain Med</i>" in markup
    assert "<10 pg/mL & pain" in plain and "<i>" not in plain
    assert "e1-e12" in plain
    assert format_citations([study], CitationStyle.AMA) == [plain]
