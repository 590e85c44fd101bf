"""How a claim's verdict is reached (pure): the body of evidence, GRADE for the claim's
question, and the verdict with its GRADE informative statement.

The method is ``shared/design/verdicts.md``: a claim is a question with a kind and a scope;
each linked study counts once (a systematic review or the trials it includes); findings
are read by outcome and time point; the certainty of the body at the claim's scope and the
direction of its effect decide the verdict (:data:`DECISION_TABLE`), written as a GRADE
informative statement (Santesso et al., J Clin Epidemiol 2020;119:126-135).

The types first (the contract the services, GUI and reports build on), then the method:
:func:`build_body`, :func:`sof_rows`, :func:`decide_verdict` (or :func:`assess`, all three)
and :func:`informative_statement`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from evidence_tracker.domain.appraisal import ROUTE_LABELS
from evidence_tracker.domain.claims import ClaimKind
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.findings import (
    DIRECTION_LABELS,
    AttributionMatch,
    Direction,
    Finding,
)
from evidence_tracker.domain.grade import (
    CERTAINTY_LABELS,
    IV_ROUTES,
    UMBRELLA_CONDITIONS,
    BodyStudy,
    ClaimScope,
    GradeSuggestion,
    days_text,
    detect_route,
    finding_days,
    suggest_grade,
    time_window,
)
from evidence_tracker.domain.meta import PooledEffect as PooledEffect
from evidence_tracker.domain.meta import StudyEffect as StudyEffect
from evidence_tracker.domain.meta import pool_effects
from evidence_tracker.domain.models import Certainty, Verdict


class ExclusionReason(enum.StrEnum):
    """Why a linked study does not count in the claim's body of evidence."""

    NOT_RELEVANT = "not_relevant"  # the reviewer's stance
    RETRACTED = "retracted"
    COVERED_BY_REVIEW = "covered_by_review"  # counted through a review that includes it
    OUTSIDE_TIME_FRAME = "outside_time_frame"
    OTHER_POPULATION = "other_population"
    OTHER_INTERVENTION = "other_intervention"  # route or dose outside the claim's scope
    WRONG_EVIDENCE = "wrong_evidence"  # cannot decide this kind of claim
    NO_FINDINGS = "no_findings"


EXCLUSION_LABELS: Mapping[ExclusionReason, str] = {
    ExclusionReason.NOT_RELEVANT: "Not relevant",
    ExclusionReason.RETRACTED: "Retracted",
    ExclusionReason.COVERED_BY_REVIEW: "Counted through a review that includes it",
    ExclusionReason.OUTSIDE_TIME_FRAME: "Outside the claim's time frame",
    ExclusionReason.OTHER_POPULATION: "Other population",
    ExclusionReason.OTHER_INTERVENTION: "Other intervention (route or dose)",
    ExclusionReason.WRONG_EVIDENCE: "Cannot decide this kind of claim",
    ExclusionReason.NO_FINDINGS: "No findings recorded",
}


class ScopeMatch(enum.StrEnum):
    """How far the counted evidence covers the claim's scope."""

    FULL = "full"  # population, intervention, outcome and time frame all covered
    PARTIAL = "partial"  # the claim is broader (longer, wider, a superlative...)
    NONE = "none"  # nothing counted covers it


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A linked study left out of the body, and why (shown with every verdict)."""

    study_id: int
    key: str  # "PMID 123" or the study's citation key
    reason: ExclusionReason
    detail: str = ""  # "included in PMID 456", "follow-up 4 weeks < 3 months", ...
    finding_id: str = ""  # set when one finding is left out and the study still counts


@dataclass(frozen=True, slots=True)
class SofRow:
    """One row of a claim's summary-of-findings table (GRADEpro's shape)."""

    outcome: str
    timepoint: str  # "" = time point not known
    studies: int
    participants: int | None
    effect: str  # the pooled or single effect as text, or the directions in words
    certainty: Certainty | None
    statement: str  # "IV ketamine probably reduces pain at 4 weeks"
    direction: Direction | None = None
    effects: tuple[StudyEffect, ...] = ()  # per study, for the forest plot
    pooled: PooledEffect | None = None


@dataclass(frozen=True, slots=True)
class VerdictStep:
    """One step of reaching the verdict, shown so a reviewer can check it line by line."""

    label: str  # "Certainty", "Direction", "Scope", "Kind rule", ...
    outcome: str  # what the step concluded
    reason: str  # why


@dataclass(frozen=True, slots=True)
class EvidenceBody:
    """The studies that count for the claim's question, each once, and those left out."""

    counted: tuple[BodyStudy, ...] = ()
    excluded: tuple[Exclusion, ...] = ()


@dataclass(frozen=True, slots=True)
class VerdictResult:
    """The suggested verdict with everything it rests on."""

    verdict: Verdict
    statement: str  # the GRADE informative statement, where the evidence stops included
    certainty: Certainty | None
    direction: Direction | None
    scope_match: ScopeMatch
    steps: tuple[VerdictStep, ...] = ()
    body: EvidenceBody = EvidenceBody()
    sof: tuple[SofRow, ...] = ()
    grade: GradeSuggestion | None = None  # the suggestion (None where GRADE does not apply)
    provisional: bool = False  # the certainty rests on unassessed domains (an upper bound)
    certainty_source: str = ""  # "suggested", "reviewer" or "" (GRADE does not apply)


# == the method ===========================================================================

#: Designs that can decide each kind of claim (the kind rule; ``verdicts.md``).
CLINICAL: frozenset[StudyDesign] = frozenset({
    StudyDesign.SYSTEMATIC_REVIEW, StudyDesign.RCT, StudyDesign.NON_RANDOMISED_TRIAL,
    StudyDesign.COHORT, StudyDesign.CASE_CONTROL, StudyDesign.CROSS_SECTIONAL,
    StudyDesign.CASE_SERIES, StudyDesign.CASE_REPORT, StudyDesign.OTHER,
})
#: Mechanistic and preclinical studies and reviews; human laboratory or imaging studies are
#: usually appraised as cross-sectional or "other".
MECHANISTIC: frozenset[StudyDesign] = frozenset({
    StudyDesign.ANIMAL, StudyDesign.NARRATIVE_REVIEW, StudyDesign.SYSTEMATIC_REVIEW,
    StudyDesign.CROSS_SECTIONAL, StudyDesign.OTHER,
})
#: Documents that can be an authority: guidelines, and labels or agency statements (which
#: are appraised as "other").
AUTHORITATIVE: frozenset[StudyDesign] = frozenset({StudyDesign.GUIDELINE, StudyDesign.OTHER})

#: Comparators that make a finding placebo-controlled rather than head-to-head.
_INACTIVE = re.compile(r"placebo|saline|sham|usual care|standard care|no treatment|"
                       r"no ketamine|no comparator|waiting list|wait[- ]list|none|baseline|"
                       r"before treatment|pre-?treatment", re.I)


def is_head_to_head(finding: Finding) -> bool:
    """True when the finding compares ketamine with an active treatment.

    >>> is_head_to_head(Finding("f", comparator="IV morphine"))
    True
    >>> is_head_to_head(Finding("f", comparator="Active placebo (midazolam)")), \\
    ...     is_head_to_head(Finding("f"))
    (False, False)
    """
    text = finding.comparator.strip()
    return bool(text) and not _INACTIVE.search(text)


def _kind_rule(kind: ClaimKind, s: BodyStudy) -> str:
    """Why the study cannot decide this kind of claim ("" when it can)."""
    label = s.design.label.lower()
    if kind is ClaimKind.MECHANISM:
        if s.design not in MECHANISTIC:
            return f"{label}: efficacy studies do not decide a mechanism"
        return ""
    if kind is ClaimKind.ATTRIBUTION:
        return "" if s.attribution is not None else \
            "not the cited document (no attribution match recorded on its link)"
    if kind is ClaimKind.REGULATORY:
        return "" if s.design in AUTHORITATIVE else \
            f"{label}: only an authoritative source (label, agency, guideline) decides it"
    if kind is ClaimKind.COMPARISON and s.design is StudyDesign.GUIDELINE:
        return "" if s.attribution is AttributionMatch.ACCURATE else \
            "a guideline counts only as an explicit designation (attribution accurate)"
    if s.design not in CLINICAL:
        return f"{label}: only clinical studies decide this kind of claim"
    return ""


def _designates(kind: ClaimKind, s: BodyStudy) -> bool:
    """An authority's explicit designation: a guideline whose link records that it says
    what a comparison or superlative claim says (attribution accurate)."""
    return kind is ClaimKind.COMPARISON and s.design is StudyDesign.GUIDELINE and \
        s.attribution is AttributionMatch.ACCURATE


def _in_frame(window: tuple[float, float] | None, days: float | None) -> bool:
    """Whether a finding's time point falls in the claim's time frame. An onset frame
    (within a day) takes findings up to a day; any other frame takes findings from its
    start on (later ones show durability). Unknown time points are kept."""
    if window is None or days is None:
        return True
    lo, hi = window
    if hi <= 1:
        return days <= 1
    return days >= lo


def _indirect_reason(scope: ClaimScope, s: BodyStudy) -> tuple[ExclusionReason, str] | None:
    if scope.conditions and not scope.umbrella and s.conditions and \
            not set(s.conditions) & scope.conditions:
        return ExclusionReason.OTHER_POPULATION, f"population ({', '.join(s.conditions)})"
    claim_route = detect_route(scope.intervention)
    if claim_route and s.route and s.route not in ("other", "not_reported") and not (
            s.route == claim_route or {s.route, claim_route} <= IV_ROUTES):
        return ExclusionReason.OTHER_INTERVENTION, f"route {ROUTE_LABELS.get(s.route, s.route)}"
    return None


def build_body(kind: ClaimKind, scope: ClaimScope, studies: Sequence[BodyStudy]) -> EvidenceBody:
    """The studies that count for the claim's question, each once, and the rest with why.

    In order: "not relevant" links and retracted studies never count; the kind rule
    (:func:`_kind_rule`) keeps only evidence that can decide this kind of claim; findings
    outside the claim's time frame are left out (a study with none inside is left out
    whole); a comparison keeps head-to-head findings when there are any (else the
    placebo-controlled ones count, and :func:`decide_verdict` caps the verdict).

    Population and route: GRADE counts indirect evidence but rates it down. When any study
    of the claim's own population and route counts, the others are left out
    (``OTHER_POPULATION``/``OTHER_INTERVENTION``); when none does, they count as indirect
    evidence (``BodyStudy.indirect``: rated down for indirectness, and the verdict is at
    most partly supported).

    A systematic review and the trials it includes are the same evidence: a review that
    counts (it has findings for the claim's question in its time frame) stands for the
    linked trials it includes, which are left out as ``COVERED_BY_REVIEW``; a review
    without usable findings is left out and its trials count.
    """
    excluded: list[Exclusion] = []
    kept: list[BodyStudy] = []
    window = time_window(scope.timepoint) if scope.timepoint.strip() else None
    for s in studies:
        def leave(reason: ExclusionReason, detail: str = "", s: BodyStudy = s) -> None:
            excluded.append(Exclusion(s.study_id, s.key, reason, detail))
        if s.stance == "not_relevant":
            leave(ExclusionReason.NOT_RELEVANT, "the reviewer judged it not relevant")
        elif s.retracted:
            leave(ExclusionReason.RETRACTED, "retracted: never counts")
        elif why := _kind_rule(kind, s):
            leave(ExclusionReason.WRONG_EVIDENCE, why)
        elif kind is ClaimKind.ATTRIBUTION or _designates(kind, s):
            kept.append(s)
        elif not s.findings:
            leave(ExclusionReason.NO_FINDINGS, "no findings recorded on its link")
        else:
            inside = [f for f in s.findings if _in_frame(window, finding_days(f.timepoint))]
            outside = [f for f in s.findings if f not in inside]
            detail = (f"measured at {{}}; the claim is about {scope.timepoint.strip()}"
                      if window else "")
            if not inside:
                leave(ExclusionReason.OUTSIDE_TIME_FRAME,
                      detail.format(", ".join(f.timepoint for f in outside)))
                continue
            for f in outside:
                excluded.append(Exclusion(s.study_id, s.key, ExclusionReason.OUTSIDE_TIME_FRAME,
                                          detail.format(f.timepoint), finding_id=f.id))
            kept.append(replace(s, findings=tuple(inside)))
    if kind is ClaimKind.COMPARISON:
        kept = _head_to_head(kept, excluded)
    if kind not in (ClaimKind.ATTRIBUTION, ClaimKind.REGULATORY, ClaimKind.MECHANISM):
        kept = _direct_first(scope, kept, excluded)
    counted = _once(kept, excluded)
    return EvidenceBody(tuple(counted), tuple(excluded))


def _head_to_head(kept: list[BodyStudy], excluded: list[Exclusion]) -> list[BodyStudy]:
    heads = [s for s in kept if s.design is StudyDesign.GUIDELINE
             or any(is_head_to_head(f) for f in s.findings)]
    if not heads:
        return kept
    for s in kept:
        if s not in heads:
            excluded.append(Exclusion(s.study_id, s.key, ExclusionReason.WRONG_EVIDENCE,
                                      "placebo-controlled: head-to-head evidence counts"))
    return [s if s.design is StudyDesign.GUIDELINE else
            replace(s, findings=tuple(f for f in s.findings if is_head_to_head(f)))
            for s in heads]


def _direct_first(scope: ClaimScope, kept: list[BodyStudy], excluded: list[Exclusion]
                  ) -> list[BodyStudy]:
    why = {s.study_id: _indirect_reason(scope, s) for s in kept}
    if any(w is None for w in why.values()):
        for s in kept:
            if (w := why[s.study_id]) is not None:
                excluded.append(Exclusion(s.study_id, s.key, w[0],
                                          f"{w[1]}; direct evidence counts"))
        return [s for s in kept if why[s.study_id] is None]
    return [replace(s, indirect=w[1]) if (w := why[s.study_id]) else s for s in kept]


def _once(kept: list[BodyStudy], excluded: list[Exclusion]) -> list[BodyStudy]:
    ids = {s.study_id for s in kept}
    covered: dict[int, BodyStudy] = {}
    for review in kept:
        if review.design is StudyDesign.SYSTEMATIC_REVIEW:
            for sid in sorted(review.includes & ids - {review.study_id}):
                covered.setdefault(sid, review)
    for s in kept:
        if s.study_id in covered and s.study_id not in {r.study_id for r in covered.values()}:
            excluded.append(Exclusion(s.study_id, s.key, ExclusionReason.COVERED_BY_REVIEW,
                                      f"included in {covered[s.study_id].key}"))
    reviews = {r.study_id for r in covered.values()}
    return [s for s in kept if s.study_id not in covered or s.study_id in reviews]


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
class _Row:
    """A SoF row with what the verdict needs beside it."""

    row: SofRow
    days: float | None
    studies: tuple[BodyStudy, ...]
    grade: GradeSuggestion | None


def _build_rows(kind: ClaimKind, scope: ClaimScope, body: EvidenceBody,
                uses_grade: bool) -> list[_Row]:
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
            crosses = _ci_crosses(direction, effects, pooled)
            grade = suggest_grade(studies, scope, ci_crosses=crosses,
                                  i_squared=pooled.i_squared if pooled else None)
        certainty = grade.certainty if grade else None
        first = findings[0]
        statement = informative_statement(
            kind, scope, certainty, direction, outcome=first.outcome,
            at=first.timepoint, provisional=bool(grade and grade.assessment.provisional))
        row = SofRow(first.outcome or "(outcome not recorded)", first.timepoint, len(items),
                     participants, effect_text, certainty, statement, direction, effects,
                     pooled)
        rows.append(_Row(row, finding_days(first.timepoint), studies, grade))
    rows.sort(key=lambda r: (r.row.outcome.lower(), r.days if r.days is not None else 1e9))
    return rows


def sof_rows(kind: ClaimKind, scope: ClaimScope, body: EvidenceBody) -> tuple[SofRow, ...]:
    """The summary-of-findings rows of a body: one per outcome and time point, with the
    studies, participants, effect (pooled by random effects when two or more studies
    report one), certainty (GRADE for that row) and the informative statement."""
    return tuple(r.row for r in _build_rows(kind, scope, body, _uses_grade(kind)))


def _uses_grade(kind: ClaimKind) -> bool:
    """GRADE rates evidence of effects; it does not apply to what a document says or to
    a mechanism."""
    return kind not in (ClaimKind.ATTRIBUTION, ClaimKind.REGULATORY, ClaimKind.MECHANISM)


# -- the decision table ------------------------------------------------------------------

#: (certainty band, direction of the body) -> verdict, for effect, onset/durability, harms
#: and comparison claims. "mixed" = the studies point different ways at the same outcome
#: and time. Basis: GRADE guidelines 26 (Santesso et al., J Clin Epidemiol
#: 2020;119:126-135) for what each certainty allows one to say ("reduces", "probably
#: reduces", "may reduce", "very uncertain"); Cochrane Handbook ch. 12 (synthesis without
#: vote counting: direction and certainty of the body, not a tally of studies) and ch. 14
#: (summary of findings, certainty per outcome); ``shared/design/verdicts.md``.
#: A claim broader than its evidence (longer time frame, wider population, a superlative
#: without head-to-head evidence or designation, indirect evidence only) is at most
#: partly supported; nothing counted is insufficient evidence.
DECISION_TABLE: Mapping[tuple[str, str], Verdict] = {
    ("high_moderate", Direction.FAVOURS.value): Verdict.SUPPORTED,
    ("high_moderate", Direction.NO_DIFFERENCE.value): Verdict.NOT_SUPPORTED,
    ("high_moderate", Direction.AGAINST.value): Verdict.CONTRADICTED,
    ("high_moderate", "mixed"): Verdict.NOT_SUPPORTED,
    ("low", Direction.FAVOURS.value): Verdict.PARTLY_SUPPORTED,
    ("low", Direction.NO_DIFFERENCE.value): Verdict.NOT_SUPPORTED,
    ("low", Direction.AGAINST.value): Verdict.NOT_SUPPORTED,
    ("low", "mixed"): Verdict.NOT_SUPPORTED,
    ("very_low", Direction.FAVOURS.value): Verdict.INSUFFICIENT,
    ("very_low", Direction.NO_DIFFERENCE.value): Verdict.INSUFFICIENT,
    ("very_low", Direction.AGAINST.value): Verdict.INSUFFICIENT,
    ("very_low", "mixed"): Verdict.INSUFFICIENT,
}

#: Attribution claims are decided by the cited document itself (the worst match of the
#: documents linked decides). A misattribution is "contradicted": the document shows the
#: clinic's statement about it to be false, not merely unsupported.
ATTRIBUTION_VERDICTS: Mapping[AttributionMatch, Verdict] = {
    AttributionMatch.ACCURATE: Verdict.SUPPORTED,
    AttributionMatch.OVERSTATED: Verdict.PARTLY_SUPPORTED,
    AttributionMatch.MISATTRIBUTED: Verdict.CONTRADICTED,
}

#: A certainty that rests on unassessed risk of bias or imprecision is an upper bound, not
#: a rating: the decision reads it as at most this band.
PROVISIONAL_BAND = "low"


def certainty_band(certainty: Certainty) -> str:
    """'high_moderate', 'low' or 'very_low': the rows of :data:`DECISION_TABLE`."""
    if certainty in (Certainty.HIGH, Certainty.MODERATE):
        return "high_moderate"
    return certainty.value


@dataclass(frozen=True, slots=True)
class _Course:
    """The direction of the body over its time points, and where the evidence stops."""

    direction: Direction | None  # None: mixed
    why: str
    upto: str = ""  # the latest time point at which the body favours the claim
    upto_days: float | None = None
    first_days: float | None = None  # the earliest time point at which it favours
    stop: str = ""  # "no important difference at 12 weeks"


def _course(rows: Sequence[_Row]) -> _Course:
    if not rows:
        return _Course(None, "no findings")
    split = [r for r in rows if r.row.direction is None]
    if split:
        where = ", ".join(f"{r.row.outcome}{' at ' + r.row.timepoint if r.row.timepoint else ''}"
                          for r in split)
        return _Course(None, f"the studies disagree ({where})")
    directions = {r.row.direction for r in rows}
    favouring = [r for r in rows if r.row.direction is Direction.FAVOURS]
    timed = [r for r in favouring if r.days is not None]
    last = max(timed, key=lambda r: r.days or 0.0) if timed else None
    first = min(timed, key=lambda r: r.days or 0.0) if timed else None
    upto = last.row.timepoint if last else ""
    upto_days = last.days if last else None
    first_days = first.days if first else None
    if len(directions) == 1:
        only = directions.pop()
        assert only is not None
        return _Course(only, f"every outcome and time point: {DIRECTION_LABELS[only].lower()}",
                       upto, upto_days, first_days)
    if Direction.FAVOURS in directions and last is not None:
        others = [r for r in rows if r.row.direction is not Direction.FAVOURS]
        if all(r.days is not None and r.days > (last.days or 0.0) for r in others):
            later = min(others, key=lambda r: r.days or 0.0)
            word = "no important difference" if later.row.direction is \
                Direction.NO_DIFFERENCE else "the effect reversed"
            stop = f"{word} at {later.row.timepoint}"
            return _Course(Direction.FAVOURS, f"favours the claim up to {upto}; {stop}",
                           upto, upto_days, first_days, stop)
    return _Course(None, "the outcomes or time points point different ways")


def _scope(kind: ClaimKind, scope: ClaimScope, body: EvidenceBody, course: _Course
           ) -> tuple[ScopeMatch, list[str], list[str]]:
    """(match, why the claim is broader, what the statement adds on where it stops)."""
    if not body.counted:
        return ScopeMatch.NONE, ["nothing counted covers the claim"], []
    broader: list[str] = []
    stops: list[str] = []
    if course.stop:
        stops.append(course.stop)
    direct = [s for s in body.counted if not s.indirect]
    if not direct:
        broader.append("only indirect evidence ("
                       + "; ".join(f"{s.key}: {s.indirect}" for s in body.counted) + ")")
    for claimed, covers in scope.claimed.items():
        wanted = {claimed} if claimed in UMBRELLA_CONDITIONS else covers
        if not any(set(s.conditions) & wanted for s in direct):
            broader.append(f"no evidence in {claimed.replace('-', ' ')} as a whole"
                           if claimed in UMBRELLA_CONDITIONS else f"no evidence in {claimed}")
            stops.append(broader[-1])
    window = time_window(scope.timepoint) if scope.timepoint.strip() else None
    if window and course.direction is Direction.FAVOURS:
        hi = window[1]
        if course.upto_days is None:
            broader.append(f"time points not recorded; the claim is about "
                           f"{scope.timepoint.strip()}")
        elif hi <= 1 and course.first_days is not None and course.first_days > hi:
            broader.append(f"earliest benefit shown at {days_text(course.first_days)}; the "
                           f"claim says {scope.timepoint.strip()}")
            stops.append(f"no evidence within {days_text(hi)}")
        elif hi > 1 and course.upto_days < hi:
            broader.append(f"benefit shown up to {course.upto}; the claim is about "
                           f"{scope.timepoint.strip()}")
            if not course.stop:
                stops.append(f"no evidence beyond {course.upto}")
        elif hi > 1 and course.stop:
            # A claim of lasting relief is not met by relief that is gone at a later time.
            broader.append(f"benefit shown up to {course.upto}, {course.stop}; the claim is "
                           f"about {scope.timepoint.strip()}")
    if kind is ClaimKind.COMPARISON and not any(
            s.design is StudyDesign.GUIDELINE or any(is_head_to_head(f) for f in s.findings)
            for s in body.counted):
        broader.append("no head-to-head evidence or explicit designation: placebo-controlled "
                       "benefit only")
        stops.append("no head-to-head comparison" + (
            f" with {scope.comparator.strip().lower()}" if scope.comparator.strip() else ""))
    return (ScopeMatch.PARTIAL if broader else ScopeMatch.FULL), broader, stops



# -- the verdict -------------------------------------------------------------------------

_KIND_RULES: Mapping[ClaimKind, str] = {
    ClaimKind.EFFECT: "decided by clinical studies of the claim's population, intervention "
                      "and outcome",
    ClaimKind.ONSET_DURABILITY: "decided by findings at the time points the claim names",
    ClaimKind.HARMS: "decided by harm findings: adverse events in trials, case series, cohorts",
    ClaimKind.COMPARISON: "decided by head-to-head evidence or an authority's explicit "
                          "designation; placebo-controlled benefit alone makes it overstated",
    ClaimKind.MECHANISM: "decided by mechanistic and preclinical studies and reviews; "
                         "efficacy trials do not decide it",
    ClaimKind.ATTRIBUTION: "decided by the cited document itself: does the paraphrase match?",
    ClaimKind.REGULATORY: "decided by an authoritative source (label, agency, guideline)",
}


def _body_step(body: EvidenceBody) -> VerdictStep:
    studies = {e.study_id for e in body.excluded if not e.finding_id}
    left = "; ".join(f"{e.key}: {'one finding ' if e.finding_id else ''}"
                     f"{EXCLUSION_LABELS[e.reason].lower()}"
                     + (f" ({e.detail})" if e.detail else "") for e in body.excluded)
    return VerdictStep("Body of evidence",
                       f"{len(body.counted)} counted, {len(studies)} left out",
                       ("Counted: " + ", ".join(s.key for s in body.counted) + ". "
                        if body.counted else "Nothing counted. ")
                       + (f"Left out: {left}." if left else "Nothing left out."))


def decide_verdict(
    kind: ClaimKind, scope: ClaimScope, body: EvidenceBody, *,
    stated: Certainty | None = None, stated_unassessed: frozenset[str] = frozenset(),
) -> VerdictResult:
    """The suggested verdict, its statement and every step, from the body of evidence.

    Effect, onset/durability, harms and comparison claims: the certainty (the reviewer's
    ``stated`` one, else the GRADE suggestion capped by the reviews' own certainty), the
    direction of the body over its outcomes and time points and the scope match give the
    verdict by :data:`DECISION_TABLE`. A certainty that rests on unassessed risk of bias or
    imprecision counts as at most low (it is not a rating yet). Attribution claims:
    :data:`ATTRIBUTION_VERDICTS`. Regulatory claims: the authoritative source's finding
    decides (favours: supported; against: contradicted). Mechanism claims (GRADE does not
    apply): a review, or two or more studies, favouring it and none against: supported;
    one study: partly supported; against: contradicted when a review says so, else not
    supported; disagreement: not supported.
    """
    uses_grade = _uses_grade(kind)
    rows = _build_rows(kind, scope, body, uses_grade)
    sof = tuple(r.row for r in rows)
    steps = [VerdictStep("Kind rule", KIND_LABEL_TEXT[kind], _KIND_RULES[kind]),
             _body_step(body)]
    if kind is ClaimKind.ATTRIBUTION:
        return _attribution(scope, body, steps)
    designations = [s for s in body.counted if _designates(kind, s)]
    if designations:
        keys = ", ".join(s.key for s in designations)
        steps.append(VerdictStep("Designation", "Explicit",
                                 f"{keys} designates it explicitly (attribution accurate): "
                                 "an authority's designation decides a superlative."))
        steps.append(VerdictStep("Verdict", VERDICT_TEXT[Verdict.SUPPORTED],
                                 "An authority designates it."))
        return VerdictResult(Verdict.SUPPORTED, f"An authority ({keys}) designates it "
                             "explicitly, as the claim says.", None, None, ScopeMatch.FULL,
                             tuple(steps), body, sof)
    deciding = _deciding_rows(rows, scope)
    if len(deciding) < len(rows):
        aside = ", ".join(sorted({r.row.outcome for r in rows if r not in deciding}))
        steps.append(VerdictStep("Outcomes", ", ".join(sorted({r.row.outcome
                                                               for r in deciding})),
                                 f"The claim's outcome decides; shown but not deciding: "
                                 f"{aside}."))
    rows = deciding
    course = _course(rows)
    if kind in (ClaimKind.REGULATORY, ClaimKind.MECHANISM):
        return _without_grade(kind, scope, body, course, steps, sof)
    match, broader, stops = _scope(kind, scope, body, course)
    if not body.counted:
        steps.append(VerdictStep("Verdict", "Insufficient evidence",
                                 "No linked study can decide this claim."))
        return VerdictResult(Verdict.INSUFFICIENT, informative_statement(
            kind, scope, None, None), None, None, ScopeMatch.NONE, tuple(steps), body, sof)
    in_rows = {s.study_id for r in rows for s in r.studies}
    main = [s for s in body.counted if s.study_id in in_rows] or list(body.counted)
    key = _key_row(rows, course)
    grade = suggest_grade(main, scope, ci_crosses=_ci_crosses(
        key.row.direction, key.row.effects, key.row.pooled) if key else None,
        inconsistency=_inconsistency(rows), precision_of=key.studies if key else None)
    if stated is not None:
        certainty, source = stated, "reviewer"
        provisional = bool(stated_unassessed & {"risk_of_bias", "imprecision"})
        steps.append(VerdictStep("Certainty", CERTAINTY_LABELS[certainty],
                                 "Stated by the reviewer's GRADE judgement."
                                 + (" Not assessed: " + ", ".join(sorted(stated_unassessed))
                                    + "." if stated_unassessed else "")))
    else:
        certainty, source = grade.certainty, "suggested"
        provisional = grade.assessment.provisional
        why = [grade.start_reason]
        why += [f"{k.replace('_', ' ').capitalize()} {v:+d}: {grade.assessment.footnotes[k]}"
                for k, v in grade.assessment.downgrades.items() if v]
        why += [f"{k.replace('_', ' ').capitalize()}: not assessed"
                for k in sorted(grade.assessment.unassessed)]
        if grade.cap_reason and grade.certainty is not grade.assessment.certainty:
            why.append(grade.cap_reason)
        steps.append(VerdictStep("Certainty", CERTAINTY_LABELS[certainty]
                                 + (" at most" if provisional else "")
                                 + " (suggested)", " ".join(why)))
    band = certainty_band(certainty)
    if provisional and band == "high_moderate":
        band = PROVISIONAL_BAND
        steps.append(VerdictStep("Provisional", "Read as low",
                                 "Risk of bias or imprecision is not assessed: the certainty "
                                 "is an upper bound, not a rating, so the decision reads it "
                                 "as at most low."))
    direction = course.direction
    steps.append(VerdictStep("Direction", DIRECTION_LABELS[direction] if direction
                             else "Mixed", course.why))
    steps.append(VerdictStep("Scope", match.value.capitalize(),
                             "; ".join(broader) if broader else
                             "The counted evidence covers the claim's population, "
                             "intervention and time frame."))
    verdict = DECISION_TABLE[(band, direction.value if direction else "mixed")]
    rule = f"{band.replace('_', '/')} certainty, {direction.value if direction else 'mixed'}"
    if match is ScopeMatch.PARTIAL and verdict is Verdict.SUPPORTED:
        verdict = Verdict.PARTLY_SUPPORTED
        rule += ", claim broader than its evidence: at most partly supported"
    steps.append(VerdictStep("Verdict", VERDICT_TEXT[verdict], f"Decision table: {rule}."))
    statement = informative_statement(
        kind, scope, certainty, direction, outcome=_main_outcome(rows),
        upto=course.upto if direction is Direction.FAVOURS else "", stops=stops,
        provisional=provisional)
    return VerdictResult(verdict, statement, certainty, direction, match, tuple(steps), body,
                         sof, grade, provisional, source)


def _ci_crosses(direction: Direction | None, effects: Sequence[StudyEffect],
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


#: Words that say nothing about which outcome a text names.
_OUTCOME_NOISE = frozenset({"proportion", "with", "clinically", "important", "significant",
                            "relief", "scores", "score", "e.g", "nrs", "vas", "change",
                            "incidence", "and", "the", "of", "or", "in"})


def _outcome_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{3,}", text.lower()) if w not in _OUTCOME_NOISE}


def _deciding_rows(rows: Sequence[_Row], scope: ClaimScope) -> list[_Row]:
    """The rows of the claim's own outcome (sharing a content word with it, e.g. "pain"):
    a trial's secondary outcomes do not decide a claim about pain. All rows when none
    matches or the claim names no outcome."""
    wanted = _outcome_words(scope.outcome)
    matching = [r for r in rows if wanted & _outcome_words(r.row.outcome)]
    return matching or list(rows)


def _key_row(rows: Sequence[_Row], course: _Course) -> _Row | None:
    """The row the verdict rests on, whose precision GRADE judges: when the body favours
    the claim, the latest time point at which it does (what "for up to ..." says);
    otherwise the best-informed row (most participants, then studies)."""
    if not rows:
        return None
    if course.direction is Direction.FAVOURS:
        favouring = [r for r in rows if r.row.direction is Direction.FAVOURS]
        at = [r for r in favouring if r.row.timepoint == course.upto] or favouring
        return max(at, key=lambda r: (r.row.participants or 0, r.row.studies))
    return max(rows, key=lambda r: (r.row.participants or 0, r.row.studies))


def _inconsistency(rows: Sequence[_Row]) -> tuple[int, str]:
    """The worst inconsistency of any row: studies are compared at the same outcome and
    time point, not across time points (relief at 4 weeks and none at 12 is a course,
    not a disagreement)."""
    judged = [(r.grade.assessment.downgrades.get("inconsistency", 0),
               r.grade.assessment.footnotes.get("inconsistency", ""), r)
              for r in rows if r.grade is not None]
    worst = min(judged, key=lambda j: j[0], default=None)
    if worst is None or worst[0] == 0:
        return 0, ("Within each outcome and time point the studies point the same way."
                   if any(r.row.studies > 1 for r in rows) else
                   "One study per outcome and time point: consistency cannot be judged.")
    value, note, row = worst
    where = f"{row.row.outcome}{' at ' + row.row.timepoint if row.row.timepoint else ''}"
    return value, f"{where}: {note}"


def _main_outcome(rows: Sequence[_Row]) -> str:
    counted: dict[str, int] = {}
    for r in rows:
        counted[r.row.outcome] = counted.get(r.row.outcome, 0) + r.row.studies
    return max(counted, key=lambda k: counted[k]) if counted else ""


def _attribution(scope: ClaimScope, body: EvidenceBody, steps: list[VerdictStep]
                 ) -> VerdictResult:
    docs = [s for s in body.counted if s.attribution is not None]
    if not docs:
        steps.append(VerdictStep("Verdict", "Insufficient evidence",
                                 "The cited document is not linked, or its paraphrase has "
                                 "not been checked against it."))
        return VerdictResult(Verdict.INSUFFICIENT, "The cited document has not been checked.",
                             None, None, ScopeMatch.NONE, tuple(steps), body)
    order = list(ATTRIBUTION_VERDICTS)
    worst = max(docs, key=lambda s: order.index(s.attribution or AttributionMatch.ACCURATE))
    match = worst.attribution or AttributionMatch.ACCURATE
    verdict = ATTRIBUTION_VERDICTS[match]
    words = {AttributionMatch.ACCURATE: "says what the clinic says it does",
             AttributionMatch.OVERSTATED: "says less than the clinic says it does",
             AttributionMatch.MISATTRIBUTED: "does not say what the clinic attributes to it"}
    quotes = [q for f in worst.findings for q in f.quotes]
    quoted = f": “{quotes[0]}”" if quotes else ""
    statement = f"The cited document ({worst.key}) {words[match]}{quoted}."
    steps.append(VerdictStep("Attribution", match.value.capitalize(),
                             f"{worst.key}: {words[match]}."))
    steps.append(VerdictStep("Verdict", VERDICT_TEXT[verdict],
                             f"Attribution {match.value}: {VERDICT_TEXT[verdict].lower()}."))
    return VerdictResult(verdict, statement, None, None,
                         ScopeMatch.FULL if match is AttributionMatch.ACCURATE
                         else ScopeMatch.PARTIAL, tuple(steps), body)


def _without_grade(kind: ClaimKind, scope: ClaimScope, body: EvidenceBody, course: _Course,
                   steps: list[VerdictStep], sof: tuple[SofRow, ...]) -> VerdictResult:
    n = len(body.counted)
    direction = course.direction
    reviews = [s for s in body.counted if s.design in (StudyDesign.SYSTEMATIC_REVIEW,
                                                       StudyDesign.NARRATIVE_REVIEW)]
    if not body.counted:
        verdict, why = Verdict.INSUFFICIENT, "nothing counted can decide it"
    elif direction is None:
        verdict, why = Verdict.NOT_SUPPORTED, course.why
    elif kind is ClaimKind.REGULATORY:
        verdict = {Direction.FAVOURS: Verdict.SUPPORTED, Direction.AGAINST:
                   Verdict.CONTRADICTED}.get(direction, Verdict.NOT_SUPPORTED)
        why = "the authoritative source decides"
    elif direction is Direction.FAVOURS:
        verdict = Verdict.SUPPORTED if reviews or n >= 2 else Verdict.PARTLY_SUPPORTED
        why = ("a review, or two or more studies, favour it" if verdict is Verdict.SUPPORTED
               else "a single mechanistic study favours it")
    elif direction is Direction.AGAINST and reviews:
        verdict, why = Verdict.CONTRADICTED, "a review points against it"
    else:
        verdict, why = Verdict.NOT_SUPPORTED, course.why
    steps.append(VerdictStep("Certainty", "Not applicable",
                             "GRADE rates evidence of effects on outcomes; it does not apply "
                             "to " + ("what an authority states." if kind is
                                      ClaimKind.REGULATORY else "a mechanism.")))
    steps.append(VerdictStep("Direction", DIRECTION_LABELS[direction] if direction else
                             "None", course.why))
    steps.append(VerdictStep("Verdict", VERDICT_TEXT[verdict], why.capitalize() + "."))
    statement = informative_statement(kind, scope, None, direction if n else None,
                                      sources=tuple(s.key for s in body.counted))
    return VerdictResult(verdict, statement, None, direction,
                         ScopeMatch.FULL if n else ScopeMatch.NONE, tuple(steps), body, sof)


def assess(
    kind: ClaimKind, scope: ClaimScope, studies: Sequence[BodyStudy], *,
    stated: Certainty | None = None, stated_unassessed: frozenset[str] = frozenset(),
) -> VerdictResult:
    """The whole method: :func:`build_body` then :func:`decide_verdict`."""
    return decide_verdict(kind, scope, build_body(kind, scope, studies), stated=stated,
                          stated_unassessed=stated_unassessed)


# -- the informative statement -----------------------------------------------------------

VERDICT_TEXT: Mapping[Verdict, str] = {
    Verdict.SUPPORTED: "Supported", Verdict.PARTLY_SUPPORTED: "Partly supported",
    Verdict.NOT_SUPPORTED: "Not supported", Verdict.CONTRADICTED: "Contradicted",
    Verdict.INSUFFICIENT: "Insufficient evidence",
}
KIND_LABEL_TEXT: Mapping[ClaimKind, str] = {
    ClaimKind.EFFECT: "Effect", ClaimKind.ONSET_DURABILITY: "Onset / durability",
    ClaimKind.HARMS: "Harms", ClaimKind.COMPARISON: "Comparison / superlative",
    ClaimKind.MECHANISM: "Mechanism", ClaimKind.ATTRIBUTION: "Attribution",
    ClaimKind.REGULATORY: "Regulatory",
}
_ROUTE_WORD = {"iv_infusion": "IV", "iv_bolus": "IV", "intranasal": "intranasal",
               "oral": "oral", "sublingual": "sublingual", "im": "intramuscular",
               "sc": "subcutaneous", "topical": "topical"}


def intervention_phrase(text: str) -> str:
    """'IV ketamine' from "Ketamine IV infusion"; 'ketamine' when no route is named.

    >>> intervention_phrase("Ketamine IV infusion"), intervention_phrase("Ketamine")
    ('IV ketamine', 'ketamine')
    """
    route = detect_route(text)
    return f"{_ROUTE_WORD[route]} ketamine" if route in _ROUTE_WORD else "ketamine"


def outcome_phrase(text: str, default: str = "pain") -> str:
    """The outcome as a noun phrase: 'pain intensity' from "Pain intensity (e.g. NRS/VAS)
    or proportion with relief".

    >>> outcome_phrase("Pain intensity (e.g. NRS/VAS) or proportion with relief")
    'pain intensity'
    """
    head = re.split(r"\s*(?:\(|;|,| or | and/or )\s*", text.strip(), maxsplit=1)[0].strip()
    if not head:
        return default
    return head if head[:2].isupper() else head[0].lower() + head[1:]


#: (favouring verb, its base form) by kind: what "favours the claim" means in words.
_VERBS: Mapping[ClaimKind, tuple[str, str]] = {
    ClaimKind.HARMS: ("causes few", "cause few"),
}
_DEFAULT_VERBS = ("reduces", "reduce")


def informative_statement(
    kind: ClaimKind, scope: ClaimScope, certainty: Certainty | None,
    direction: Direction | None, *, outcome: str = "", at: str = "", upto: str = "",
    stops: Sequence[str] = (), provisional: bool = False, sources: Sequence[str] = (),
) -> str:
    """The GRADE informative statement (Santesso et al. 2020): the certainty says the
    verb — high "reduces", moderate "probably reduces", low "may reduce", very low "we are
    very uncertain whether ... reduces" — built from the claim's scope (intervention with
    route, outcome, population) and time ("at 4 weeks" for one time point, "for up to 12
    weeks" for the body); ``stops`` say where the evidence stops. A provisional certainty
    (risk of bias or imprecision not assessed) is worded as low and says so.

    >>> crps = ClaimScope(intervention="Ketamine IV infusion", population="CRPS")
    >>> print(informative_statement(ClaimKind.EFFECT, crps, Certainty.MODERATE,
    ...     Direction.FAVOURS, outcome="pain", upto="12 weeks",
    ...     stops=["no evidence beyond 12 weeks"]))  # doctest: +NORMALIZE_WHITESPACE
    IV ketamine probably reduces pain in CRPS for up to 12 weeks (moderate certainty);
    no evidence beyond 12 weeks.
    >>> informative_statement(ClaimKind.EFFECT, crps, Certainty.VERY_LOW, Direction.FAVOURS,
    ...     outcome="pain")
    'We are very uncertain whether IV ketamine reduces pain in CRPS (very low certainty).'
    >>> print(informative_statement(ClaimKind.EFFECT, crps, Certainty.LOW,
    ...     Direction.NO_DIFFERENCE, outcome="pain", at="12 weeks"))
    ... # doctest: +NORMALIZE_WHITESPACE
    IV ketamine may result in little to no difference in pain in CRPS at 12 weeks
    (low certainty).
    """
    who = intervention_phrase(scope.intervention)
    default = "adverse events" if kind is ClaimKind.HARMS else "pain"
    what = outcome_phrase(outcome or scope.outcome, default)
    pop = f" in {scope.population.strip()}" if scope.population.strip() else ""
    when = f" at {at.strip()}" if at.strip() else (f" for up to {upto.strip()}"
                                                     if upto.strip() else "")
    tail = "".join(f"; {s}" for s in stops)
    if kind in (ClaimKind.REGULATORY, ClaimKind.MECHANISM):
        return _document_statement(kind, direction, sources)
    verb, base = _VERBS.get(kind, _DEFAULT_VERBS)
    if direction is None and certainty is None:
        return f"No study in the body of evidence shows whether {who} {verb} {what}{pop}."
    label = CERTAINTY_LABELS[certainty].lower() if certainty else ""
    level = certainty
    if provisional and certainty in (Certainty.HIGH, Certainty.MODERATE):
        level = Certainty.LOW
        grade = f"certainty not established: at most {label}, risk of bias or imprecision " \
                "not assessed"
    else:
        grade = f"{label} certainty"
    if direction is None:
        text = f"The studies disagree about whether {who} {verb} {what}{pop}{when}"
    elif level is Certainty.VERY_LOW:
        text = (f"We are very uncertain whether {who} {verb} {what}{pop}{when}"
                if direction is Direction.FAVOURS else
                f"The evidence is very uncertain about the effect of {who} on {what}{pop}{when}")
    else:
        hedge = {Certainty.HIGH: "", Certainty.MODERATE: "probably ",
                 Certainty.LOW: "may "}[level or Certainty.LOW]
        if direction is Direction.AGAINST and kind is ClaimKind.HARMS:
            # Santesso 2020 for harms: "increases", "probably increases", "may increase".
            phrase = f"{hedge}{'increase' if hedge == 'may ' else 'increases'}"
        elif direction is Direction.FAVOURS:
            phrase = f"{hedge}{base if hedge == 'may ' else verb}"
        elif direction is Direction.NO_DIFFERENCE:
            phrase = f"{hedge}{'result' if hedge == 'may ' else 'results'} in little to no " \
                     "difference in"
        else:
            phrase = f"{hedge}not {base}" if hedge == "may " else f"{hedge}does not {base}"
        text = f"{who} {phrase} {what}{pop}{when}"
    text = text[0].upper() + text[1:]
    return f"{text} ({grade}){tail}." if grade.strip() != "certainty" else f"{text}{tail}."


def _document_statement(kind: ClaimKind, direction: Direction | None,
                        sources: Sequence[str]) -> str:
    named = ", ".join(sources)
    if kind is ClaimKind.REGULATORY:
        if not sources:
            return "No authoritative source (label, agency statement, guideline) is linked."
        said = {Direction.FAVOURS: "confirms the claim",
                Direction.AGAINST: "contradicts the claim"}.get(direction,  # type: ignore[arg-type]
                                                                "does not settle the claim")
        return f"The authoritative source ({named}) {said}."
    if not sources:
        return "No mechanistic or preclinical study that could decide the mechanism is linked."
    said = {Direction.FAVOURS: "is consistent with the claimed mechanism",
            Direction.AGAINST: "points against the claimed mechanism",
            Direction.NO_DIFFERENCE: "does not show the claimed mechanism"}.get(
                direction, "disagrees about the claimed mechanism")  # type: ignore[arg-type]
    return f"Mechanistic and preclinical evidence ({named}) {said} (GRADE does not apply)."


# -- JSON --------------------------------------------------------------------------------


def body_study_json(s: BodyStudy) -> dict[str, Any]:
    return {"study_id": s.study_id, "key": s.key, "design": s.design.value,
            "design_label": s.design.label, "design_source": s.design_source,
            "stance": s.stance or None, "rob_overall": s.rob_overall or None,
            "participants": s.participants, "analysed": s.analysed,
            "conditions": list(s.conditions), "route": s.route or None,
            "follow_up": s.follow_up or None, "retracted": s.retracted,
            "includes": sorted(s.includes),
            "reported_certainty": s.reported_certainty.value if s.reported_certainty else None,
            "attribution": s.attribution.value if s.attribution else None,
            "indirect": s.indirect or None,
            "findings": [f.to_json() for f in s.findings]}


def body_json(body: EvidenceBody) -> dict[str, Any]:
    return {"counted": [body_study_json(s) for s in body.counted],
            "excluded": [{"study_id": e.study_id, "key": e.key, "reason": e.reason.value,
                          "label": EXCLUSION_LABELS[e.reason], "detail": e.detail or None,
                          "finding_id": e.finding_id or None} for e in body.excluded]}


def _effect_json(e: StudyEffect | PooledEffect) -> dict[str, Any]:
    out: dict[str, Any] = {"measure": e.measure.value, "value": e.value,
                           "ci_low": e.ci_low, "ci_high": e.ci_high}
    if isinstance(e, StudyEffect):
        out.update(study_id=e.study_id, key=e.key, analysed=e.analysed)
    else:
        out.update(studies=e.studies, i_squared=e.i_squared, tau_squared=e.tau_squared,
                   method=e.method)
    return out


def sof_json(row: SofRow) -> dict[str, Any]:
    return {"outcome": row.outcome, "timepoint": row.timepoint or None, "studies": row.studies,
            "participants": row.participants, "effect": row.effect,
            "certainty": row.certainty.value if row.certainty else None,
            "statement": row.statement,
            "direction": row.direction.value if row.direction else None,
            "effects": [_effect_json(e) for e in row.effects],
            "pooled": _effect_json(row.pooled) if row.pooled else None}


def result_json(r: VerdictResult) -> dict[str, Any]:
    """A suggested verdict as JSON (the ``suggestion`` of ``claims show --json``)."""
    return {"verdict": r.verdict.value, "statement": r.statement,
            "certainty": r.certainty.value if r.certainty else None,
            "certainty_source": r.certainty_source or None, "provisional": r.provisional,
            "direction": r.direction.value if r.direction else None,
            "scope_match": r.scope_match.value,
            "steps": [{"label": s.label, "outcome": s.outcome, "reason": s.reason}
                      for s in r.steps],
            "body": body_json(r.body), "sof": [sof_json(row) for row in r.sof],
            "grade": r.grade.to_json() if r.grade else None}


__all__ = ["DECISION_TABLE", "PooledEffect", "StudyEffect", "assess", "build_body",
           "decide_verdict", "informative_statement", "sof_rows"]
