"""Summary-of-findings rows: one per outcome and time point, with the studies, the
participants, the (random-effects pooled) effect, the certainty and the statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from evidence_tracker.domain.claims import ClaimKind
from evidence_tracker.domain.findings import (
    DIRECTION_LABELS,
    Direction,
    Finding,
)
from evidence_tracker.domain.grade import (
    BodyStudy,
    ClaimScope,
    GradeSuggestion,
    finding_days,
    suggest_grade,
)
from evidence_tracker.domain.meta import PooledEffect, StudyEffect, pool_effects
from evidence_tracker.domain.verdicts.statement import informative_statement
from evidence_tracker.domain.verdicts.types import (
    EvidenceBody,
    SofRow,
)

# -- summary of findings -----------------------------------------------------------------


def _row_key(f: Finding) -> tuple[str, str]:
    days = finding_days(f.timepoint)
    when = f"{days:.4f}" if days is not None else f.timepoint.strip().lower()
    return " ".join(f.outcome.lower().split()), when


def _row_direction(findings: Sequence[Finding], pooled: PooledEffect | None
                   ) -> Direction | None:
    """The row's direction: the findings' when they agree; when they do not, a pooled
    estimate decides (CI excluding no effect: the side the pooled effect is on; crossing:
    no important difference); otherwise None (the studies disagree)."""
    directions = {f.direction for f in findings}
    if len(directions) == 1:
        return directions.pop()
    if pooled is None:
        return None
    if pooled.crosses_no_effect:
        return None if {Direction.FAVOURS, Direction.AGAINST} <= directions \
            else Direction.NO_DIFFERENCE
    side = pooled.value - pooled.measure.no_effect
    for f in findings:
        if f.effect and f.direction is not Direction.NO_DIFFERENCE and \
                (f.effect.value - f.effect.measure.no_effect) * side > 0:
            return f.direction
    return None


def _directions_text(findings: Sequence[Finding]) -> str:
    tally: dict[Direction, int] = {}
    for f in findings:
        tally[f.direction] = tally.get(f.direction, 0) + 1
    return "; ".join(f"{n} {DIRECTION_LABELS[d].lower()}" for d, n in tally.items())


@dataclass(frozen=True, slots=True)
class Row:
    """A SoF row with what the verdict needs beside it."""

    row: SofRow
    days: float | None
    studies: tuple[BodyStudy, ...]
    grade: GradeSuggestion | None


def build_rows(kind: ClaimKind, scope: ClaimScope, body: EvidenceBody,
                uses_grade: bool) -> list[Row]:
    groups: dict[tuple[str, str], list[tuple[BodyStudy, Finding]]] = {}
    for s in body.counted:
        seen: set[tuple[str, str]] = set()
        for f in s.findings:
            key = _row_key(f)
            if key not in seen:  # a study counts once per row
                seen.add(key)
                groups.setdefault(key, []).append((s, f))
    rows = []
    for items in groups.values():
        findings = [f for _, f in items]
        effects = tuple(StudyEffect(s.study_id, s.key, f.effect.measure, f.effect.value,
                                    f.effect.ci_low, f.effect.ci_high, f.analysed or s.analysed)
                        for s, f in items if f.effect)
        pooled = pool_effects(effects) if len(effects) >= 2 else None
        counts = [f.analysed or s.analysed for s, f in items]
        participants = sum(n for n in counts if n) if any(counts) else None
        if pooled is not None:
            effect_text = str(pooled)
        elif len(effects) == 1 and len(items) == 1:
            effect_text = str(next(f.effect for f in findings if f.effect))
        else:
            effect_text = _directions_text(findings)
        direction = _row_direction(findings, pooled)
        studies = tuple(replace(s, findings=(f,)) for s, f in items)
        grade = None
        if uses_grade:
            crosses = ci_crosses(direction, effects, pooled)
            grade = suggest_grade(studies, scope, ci_crosses=crosses,
                                  i_squared=pooled.i_squared if pooled else None)
        certainty = grade.certainty if grade else None
        first = findings[0]
        provisional = bool(grade and grade.assessment.provisional)
        statement = informative_statement(
            kind, scope, certainty, direction, outcome=first.outcome,
            at=first.timepoint, provisional=provisional)
        row = SofRow(first.outcome or "(outcome not recorded)", first.timepoint, len(items),
                     participants, effect_text, certainty, statement, direction, effects,
                     pooled, provisional)
        rows.append(Row(row, finding_days(first.timepoint), studies, grade))
    rows.sort(key=lambda r: (r.row.outcome.lower(), r.days if r.days is not None else 1e9))
    return rows


def sof_rows(kind: ClaimKind, scope: ClaimScope, body: EvidenceBody) -> tuple[SofRow, ...]:
    """The summary-of-findings rows of a body: one per outcome and time point, with the
    studies, participants, effect (pooled by random effects when two or more studies
    report one), certainty (GRADE for that row) and the informative statement."""
    return tuple(r.row for r in build_rows(kind, scope, body, uses_grade(kind)))


def uses_grade(kind: ClaimKind) -> bool:
    """GRADE rates evidence of effects; it does not apply to what a document says or to
    a mechanism."""
    return kind not in (ClaimKind.ATTRIBUTION, ClaimKind.REGULATORY, ClaimKind.MECHANISM)


def ci_crosses(direction: Direction | None, effects: Sequence[StudyEffect],
                pooled: PooledEffect | None) -> bool | None:
    """Whether the (pooled, else single) 95% CI crosses no effect, where that makes an
    estimate imprecise: for an effect in either direction. For "no important difference"
    a CI around no effect is the finding itself (GRADE judges it on the participants);
    None when there is no effect to judge."""
    if direction is Direction.NO_DIFFERENCE:
        return None
    if pooled is not None:
        return pooled.crosses_no_effect
    if len(effects) == 1:
        e = effects[0]
        return e.ci_low <= e.measure.no_effect <= e.ci_high
    return None
