"""From the body of evidence to the verdict: the decision table, the direction of the
body over its time points, the scope match, and every step."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evidence_tracker.domain.claims import ClaimKind
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.findings import (
    DIRECTION_LABELS,
    AttributionMatch,
    Direction,
)
from evidence_tracker.domain.grade import (
    CERTAINTY_LABELS,
    UMBRELLA_CONDITIONS,
    BodyStudy,
    ClaimScope,
    days_text,
    suggest_grade,
    time_window,
)
from evidence_tracker.domain.models import Certainty, Verdict
from evidence_tracker.domain.verdicts.body import build_body, designates, is_head_to_head
from evidence_tracker.domain.verdicts.sof import Row, build_rows, ci_crosses, uses_grade
from evidence_tracker.domain.verdicts.statement import (
    KIND_LABEL_TEXT,
    VERDICT_TEXT,
    informative_statement,
)
from evidence_tracker.domain.verdicts.types import (
    EXCLUSION_LABELS,
    EvidenceBody,
    ScopeMatch,
    SofRow,
    VerdictResult,
    VerdictStep,
)

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


def _course(rows: Sequence[Row]) -> _Course:
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
    if Direction.FAVOURS in directions and first is not None:
        others = [r for r in rows if r.row.direction is not Direction.FAVOURS]
        if all(r.days is not None and r.days > (first.days or 0.0) for r in others):
            # Benefit first, then none: a course over time, not a disagreement. The
            # benefit is shown up to the last favourable time point before the first
            # one without it; favourable findings after that (other studies, other
            # follow-up) do not carry the claim past it, and the sentence says so.
            later = min(others, key=lambda r: r.days or 0.0)
            before = [r for r in timed if (r.days or 0.0) < (later.days or 0.0)]
            last = max(before, key=lambda r: r.days or 0.0)
            word = "no important difference" if later.row.direction is \
                Direction.NO_DIFFERENCE else "the effect reversed"
            stop = f"{word} at {later.row.timepoint}"
            if any((r.days or 0.0) > (later.days or 0.0) for r in timed):
                stop += " (a later favourable finding disagrees)"
            return _Course(Direction.FAVOURS,
                           f"favours the claim up to {last.row.timepoint}; {stop}",
                           last.row.timepoint, last.days, first_days, stop)
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
            name = scope.names.get(claimed) or claimed.replace("-", " ")
            broader.append(f"no evidence in {name} as a whole"
                           if claimed in UMBRELLA_CONDITIONS else f"no evidence in {name}")
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
        comparator = scope.comparator.strip()
        # Lower-case the first letter only: "Other CRPS treatments" keeps its acronym.
        stops.append("no head-to-head comparison" + (
            f" with {comparator[:1].lower()}{comparator[1:]}" if comparator else ""))
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
    rows = build_rows(kind, scope, body, uses_grade(kind))
    sof = tuple(r.row for r in rows)
    steps = [VerdictStep("Kind rule", KIND_LABEL_TEXT[kind], _KIND_RULES[kind]),
             _body_step(body)]
    if kind is ClaimKind.ATTRIBUTION:
        return _attribution(scope, body, steps)
    designations = [s for s in body.counted if designates(kind, s)]
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
    grade = suggest_grade(main, scope, ci_crosses=ci_crosses(
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


#: Words that say nothing about which outcome a text names.
_OUTCOME_NOISE = frozenset({"proportion", "with", "clinically", "important", "significant",
                            "relief", "scores", "score", "e.g", "nrs", "vas", "change",
                            "incidence", "and", "the", "of", "or", "in"})


def _outcome_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{3,}", text.lower()) if w not in _OUTCOME_NOISE}


def _deciding_rows(rows: Sequence[Row], scope: ClaimScope) -> list[Row]:
    """The rows of the claim's own outcome (sharing a content word with it, e.g. "pain"):
    a trial's secondary outcomes do not decide a claim about pain. All rows when none
    matches or the claim names no outcome."""
    wanted = _outcome_words(scope.outcome)
    matching = [r for r in rows if wanted & _outcome_words(r.row.outcome)]
    return matching or list(rows)


def _key_row(rows: Sequence[Row], course: _Course) -> Row | None:
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


def _inconsistency(rows: Sequence[Row]) -> tuple[int, str]:
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


def _main_outcome(rows: Sequence[Row]) -> str:
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
    # The quote closes the sentence when it ends with its own full stop.
    quoted = f": “{quotes[0]}”" if quotes else ""
    end = "" if quoted.endswith((".”", "?”", "!”")) else "."
    statement = f"The cited document ({worst.key}) {words[match]}{quoted}{end}"
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
