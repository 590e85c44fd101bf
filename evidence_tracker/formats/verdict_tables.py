"""A verdict's working as rows of plain text: the claim's question (kind and scope), the
summary-of-findings table in GRADEpro's shape, the body of evidence and the steps. The
claim page and both report renderers draw these rows, so they say the same thing.

>>> from evidence_tracker.domain.models import Certainty
>>> certainty_text(Certainty.MODERATE), certainty_text(None)
('⊕⊕⊕◯ Moderate', 'Not graded')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evidence_tracker.domain.claims import KIND_LABELS, PICO_FIELDS, Claim
from evidence_tracker.domain.findings import DIRECTION_LABELS, Finding
from evidence_tracker.domain.grade import CERTAINTY_LABELS, CERTAINTY_SYMBOLS
from evidence_tracker.domain.models import Certainty
from evidence_tracker.domain.verdicts import (
    EXCLUSION_LABELS,
    EvidenceBody,
    ScopeMatch,
    SofRow,
)
from evidence_tracker.formats.forest_plot import can_plot

#: GRADEpro's columns; participants and studies share one, as GRADEpro's "№ of
#: participants (studies)" does.
SOF_COLUMNS = ("Outcome", "Time point", "Participants (studies)", "Effect (95% CI)",
               "Certainty", "What the evidence says")
SCOPE_LABELS = {"population": "Population", "intervention": "Intervention",
                "comparator": "Comparator", "outcome": "Outcome", "timepoint": "Time frame"}
SCOPE_MATCH_LABELS = {
    ScopeMatch.FULL: "The counted evidence covers the claim's scope",
    ScopeMatch.PARTIAL: "The claim is broader than the counted evidence",
    ScopeMatch.NONE: "No counted evidence covers the claim's scope",
}
NOT_KNOWN = "not known"


def certainty_text(certainty: Certainty | None) -> str:
    """GRADE's symbols and the word: "⊕⊕◯◯ Low"."""
    if certainty is None:
        return "Not graded"
    return f"{CERTAINTY_SYMBOLS[certainty]} {CERTAINTY_LABELS[certainty]}"


def kind_text(claim: Claim) -> str:
    """The claim's kind, saying when it only follows from the category."""
    label = KIND_LABELS[claim.question_kind]
    return label if claim.kind is not None else f"{label} (from its category; not classified)"


def scope_rows(claim: Claim) -> list[tuple[str, str]]:
    """(label, value) for population, intervention, comparator, outcome and time frame."""
    return [(SCOPE_LABELS[name], getattr(claim.pico, name)) for name in PICO_FIELDS]


def effect_text(row: SofRow) -> str:
    """The pooled estimate when there is one, else the row's own text."""
    p = row.pooled
    if p is None:
        return row.effect or "—"
    return (f"{p.measure.value} {p.value:.2f} ({p.ci_low:.2f} to {p.ci_high:.2f}); "
            f"{p.studies} studies pooled")


def sof_cells(row: SofRow) -> tuple[str, ...]:
    """One SoF row as the texts of :data:`SOF_COLUMNS`."""
    people = f"{row.participants}" if row.participants else "not reported"
    studies = f"{row.studies} {'study' if row.studies == 1 else 'studies'}"
    certainty = certainty_text(row.certainty)
    if row.provisional and row.certainty is not None:
        # Risk of bias or imprecision not assessed: the level is only an upper bound.
        certainty = f"at most {certainty} (not assessed)"
    return (row.outcome or "Outcome not named", row.timepoint or NOT_KNOWN,
            f"{people} ({studies})", effect_text(row), certainty, row.statement or "—")


def finding_text(finding: Finding) -> str:
    """One finding in a line: outcome, time point, direction, effect, numbers analysed."""
    bits = [finding.outcome or "Outcome not named",
            finding.timepoint or f"time point {NOT_KNOWN}", DIRECTION_LABELS[finding.direction]]
    if finding.comparator:
        bits.append(f"vs {finding.comparator}")
    if finding.effect:
        bits.append(str(finding.effect))
    if finding.analysed:
        bits.append(f"{finding.analysed} analysed")
    return " · ".join(bits)


@dataclass(frozen=True, slots=True)
class BodyRows:
    counted: list[tuple[str, str, str]]  # key, design, what else GRADE uses
    excluded: list[tuple[str, str]]  # key, why


def body_rows(body: EvidenceBody) -> BodyRows:
    """The body of evidence as text: what counted (design, risk of bias, participants,
    follow-up) and what did not, with the reason."""
    counted = []
    for s in body.counted:
        extra = [f"risk of bias {s.rob_overall}" if s.rob_overall else "risk of bias not assessed"]
        if s.participants:
            extra.append(f"{s.participants} participants")
        if s.follow_up:
            extra.append(f"follow-up {s.follow_up}")
        counted.append((s.key, s.design.label, "; ".join(extra)))
    excluded = [(e.key, EXCLUSION_LABELS[e.reason] + (f" ({e.detail})" if e.detail else ""))
                for e in body.excluded]
    return BodyRows(counted, excluded)


def plotted(rows: Sequence[SofRow]) -> list[SofRow]:
    """The rows a forest plot can be drawn for (effects on one measure)."""
    return [r for r in rows if can_plot(r)]
