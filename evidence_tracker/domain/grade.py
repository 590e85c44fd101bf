"""GRADE certainty of a claim's body of evidence: the arithmetic and the suggestions (pure).

The body starts high when it rests on randomised evidence and low when it rests on
observational studies (very low for case series and reports). Each of the five
downgrading domains takes 0, -1 (serious) or -2 (very serious); the three upgrading
domains take 0, +1 (or +2 for a very large effect) and count only for observational
evidence. The result is floored at very low and capped at high. Every judgement carries
a footnote. A grade is stored as the ``after`` of a ``grade`` event; ``after["certainty"]``
is what :func:`evidence_tracker.domain.claims.suggest_verdict` reads.

>>> GradeAssessment(Certainty.HIGH, {"risk_of_bias": -1, "imprecision": -1},
...                 footnotes={"risk_of_bias": "a", "imprecision": "b"}).certainty
<Certainty.LOW: 'low'>
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evidence_tracker.domain.appraisal import ROUTE_LABELS
from evidence_tracker.domain.design import STARTING_LEVEL, StudyDesign
from evidence_tracker.domain.models import Certainty

DOWNGRADE_DOMAINS: tuple[tuple[str, str], ...] = (
    ("risk_of_bias", "Risk of bias"),
    ("inconsistency", "Inconsistency"),
    ("indirectness", "Indirectness"),
    ("imprecision", "Imprecision"),
    ("publication_bias", "Publication bias"),
)
UPGRADE_DOMAINS: tuple[tuple[str, str], ...] = (
    ("large_effect", "Large effect"),
    ("dose_response", "Dose-response gradient"),
    ("confounding", "Plausible confounding would reduce the effect"),
)
DOMAIN_LABELS = dict(DOWNGRADE_DOMAINS + UPGRADE_DOMAINS)
MAX_UPGRADE: Mapping[str, int] = {"large_effect": 2, "dose_response": 1, "confounding": 1}

#: Certainty levels from lowest to highest (their index is the GRADE level 0..3).
CERTAINTY_ORDER: tuple[Certainty, ...] = (
    Certainty.VERY_LOW, Certainty.LOW, Certainty.MODERATE, Certainty.HIGH)
CERTAINTY_LABELS: Mapping[Certainty, str] = {
    Certainty.HIGH: "High", Certainty.MODERATE: "Moderate", Certainty.LOW: "Low",
    Certainty.VERY_LOW: "Very low"}
CERTAINTY_SYMBOLS: Mapping[Certainty, str] = {
    Certainty.HIGH: "⊕⊕⊕⊕", Certainty.MODERATE: "⊕⊕⊕◯", Certainty.LOW: "⊕⊕◯◯",
    Certainty.VERY_LOW: "⊕◯◯◯"}

#: Below this many participants in total the estimate is imprecise (a rule of thumb for
#: GRADE's optimal information size with a continuous pain outcome).
OPTIMAL_INFORMATION_SIZE = 400
VERY_SMALL_BODY = 100
#: A funnel plot needs about this many studies before publication bias can be judged.
FUNNEL_MIN_STUDIES = 10
#: Conditions that take in every other (a claim about chronic pain in general).
UMBRELLA_CONDITIONS = frozenset({"chronic-pain"})


class GradeError(ValueError):
    """A GRADE judgement that cannot be recorded, explained for the user."""


def parse_certainty(value: str | Certainty) -> Certainty:
    """A certainty from its value or label ("very low", "Very_Low", "moderate")."""
    if isinstance(value, Certainty):
        return value
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return Certainty(key)
    except ValueError:
        choices = ", ".join(c.value for c in CERTAINTY_ORDER)
        raise GradeError(f"Unknown certainty {value!r}: choose one of {choices}.") from None


def shift(level: Certainty, steps: int) -> Certainty:
    """Move ``steps`` levels up (+) or down (-), floored at very low, capped at high."""
    i = CERTAINTY_ORDER.index(level) + steps
    return CERTAINTY_ORDER[max(0, min(len(CERTAINTY_ORDER) - 1, i))]


@dataclass(frozen=True, slots=True)
class StartingLevel:
    certainty: Certainty
    reason: str
    counted: int = 0


def starting_level(designs: Iterable[StudyDesign]) -> StartingLevel:
    """High if randomised evidence is in the body, low for observational studies, very
    low for case series and reports only; guidelines, narrative reviews, editorials and
    animal studies are not counted.

    >>> starting_level([StudyDesign.COHORT, StudyDesign.RCT]).certainty
    <Certainty.HIGH: 'high'>
    """
    designs = list(designs)
    counted = [d for d in designs if d in STARTING_LEVEL]
    ignored = len(designs) - len(counted)
    if not counted:
        return StartingLevel(Certainty.VERY_LOW, "No primary study in the body of evidence"
                             + (f" ({ignored} not counted: reviews, guidelines, editorials "
                                "or animal studies)." if ignored else "."))
    best = max(counted, key=lambda d: CERTAINTY_ORDER.index(STARTING_LEVEL[d]))
    start = STARTING_LEVEL[best]
    tally: dict[str, int] = {}
    for d in counted:
        tally[d.label] = tally.get(d.label, 0) + 1
    parts = ", ".join(f"{n} × {label.lower()}" for label, n in tally.items())
    why = {Certainty.HIGH: "randomised evidence starts high",
           Certainty.LOW: "observational evidence starts low",
           Certainty.VERY_LOW: "case series and reports start very low"}[start]
    reason = f"{parts}: {why}."
    if ignored:
        reason += f" {ignored} not counted (reviews, guidelines, editorials or animal studies)."
    return StartingLevel(start, reason, len(counted))


@dataclass(frozen=True, slots=True)
class GradeAssessment:
    """One reviewer's GRADE judgement of a claim's body of evidence."""

    start: Certainty
    downgrades: Mapping[str, int] = field(default_factory=dict)  # 0, -1, -2
    upgrades: Mapping[str, int] = field(default_factory=dict)  # 0, +1 (+2 large effect)
    footnotes: Mapping[str, str] = field(default_factory=dict)
    study_ids: tuple[int, ...] = ()
    note: str = ""

    @property
    def upgrades_apply(self) -> bool:
        """Upgrading is for observational evidence only (a body that starts below high)."""
        return self.start is not Certainty.HIGH

    @property
    def down(self) -> int:
        return sum(self.downgrades.get(k, 0) for k, _ in DOWNGRADE_DOMAINS)

    @property
    def up(self) -> int:
        if not self.upgrades_apply:
            return 0
        return sum(self.upgrades.get(k, 0) for k, _ in UPGRADE_DOMAINS)

    @property
    def certainty(self) -> Certainty:
        return shift(self.start, self.down + self.up)

    def problems(self) -> list[str]:
        """What stops this judgement being recorded ([] when it is complete)."""
        out = []
        for key, value in self.downgrades.items():
            if key not in dict(DOWNGRADE_DOMAINS):
                out.append(f"{key!r} is not a downgrading domain")
            elif value not in (0, -1, -2):
                out.append(f"{DOMAIN_LABELS[key]}: rate 0, -1 or -2 (not {value})")
        for key, value in self.upgrades.items():
            if key not in MAX_UPGRADE:
                out.append(f"{key!r} is not an upgrading domain")
            elif not 0 <= value <= MAX_UPGRADE[key]:
                out.append(f"{DOMAIN_LABELS[key]}: rate 0 to +{MAX_UPGRADE[key]} (not {value})")
            elif value and not self.upgrades_apply:
                out.append(f"{DOMAIN_LABELS[key]}: randomised evidence is not rated up")
        for key, value in [*self.downgrades.items(), *self.upgrades.items()]:
            if value and not self.footnotes.get(key, "").strip():
                out.append(f"{DOMAIN_LABELS.get(key, key)}: a footnote must explain the "
                           "judgement")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "certainty": self.certainty.value, "start": self.start.value,
            "downgrades": {k: int(self.downgrades.get(k, 0)) for k, _ in DOWNGRADE_DOMAINS},
            "upgrades": {k: int(self.upgrades.get(k, 0)) for k, _ in UPGRADE_DOMAINS},
            "footnotes": {k: v for k, v in self.footnotes.items() if v.strip()},
            "study_ids": list(self.study_ids), "note": self.note,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GradeAssessment:
        return cls(
            start=Certainty(data.get("start") or data["certainty"]),
            downgrades={str(k): int(v) for k, v in (data.get("downgrades") or {}).items()},
            upgrades={str(k): int(v) for k, v in (data.get("upgrades") or {}).items()},
            footnotes={str(k): str(v) for k, v in (data.get("footnotes") or {}).items()},
            study_ids=tuple(int(i) for i in data.get("study_ids") or ()),
            note=str(data.get("note") or ""),
        )


# -- suggestions -------------------------------------------------------------------------

_ROUTE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("intranasal", re.compile(r"\bintra-?nasal|\bnasal spray|\bnasal\b", re.I)),
    ("iv_infusion", re.compile(r"\bi\.?v\.?\b|\bintravenous|\binfusions?\b", re.I)),
    ("oral", re.compile(r"\boral(ly)?\b|\blozenges?\b|\btablets?\b|\bcapsules?\b", re.I)),
    ("sublingual", re.compile(r"\bsublingual|\bbuccal|\btroche", re.I)),
    ("im", re.compile(r"\bintramuscular|\bi\.?m\.?\s+inject", re.I)),
    ("sc", re.compile(r"\bsubcutaneous", re.I)),
    ("topical", re.compile(r"\btopical|\bcream\b|\bgel\b", re.I)),
)
_IV = frozenset({"iv_infusion", "iv_bolus"})


def detect_route(text: str) -> str | None:
    """The route a claim's intervention names ("usually IV infusion" -> iv_infusion)."""
    for route, pattern in _ROUTE_WORDS:
        if pattern.search(text):
            return route
    return None


_UNIT_DAYS = {"min": 1 / 1440, "minute": 1 / 1440, "h": 1 / 24, "hr": 1 / 24, "hour": 1 / 24,
              "d": 1.0, "day": 1.0, "wk": 7.0, "week": 7.0, "mo": 30.0, "month": 30.0,
              "yr": 365.0, "year": 365.0}
_NUMBER_UNIT = re.compile(
    r"(\d+(?:\.\d+)?)\s*-?\s*(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|months?|mo|"
    r"years?|yrs?)\b", re.I)
_WORD_UNIT = re.compile(r"\b(minutes|hours|days|weeks|months|years|long[- ]term|lasting|"
                        r"durable|sustained)\b", re.I)
_WORD_DAYS = {"minutes": 0.0, "hours": 0.0, "days": 1.0, "weeks": 7.0, "months": 30.0,
              "years": 365.0, "long-term": 90.0, "lasting": 90.0,
              "durable": 90.0, "sustained": 90.0}


def _unit_days(unit: str) -> float:
    return _UNIT_DAYS.get(unit.lower().rstrip("s"), 0.0)


def duration_days(text: str) -> float | None:
    """The longest duration a follow-up text states, in days ("12 weeks" -> 84.0)."""
    found = [float(n) * _unit_days(u) for n, u in _NUMBER_UNIT.findall(text)]
    return max(found) if found else None


def horizon_days(text: str) -> float | None:
    """The earliest time a claim's time point refers to, in days (None if it names none).

    >>> horizon_days("Weeks to several months after the initial series")
    7.0
    >>> horizon_days("Long-term (months)")
    30.0
    """
    found = [float(n) * _unit_days(u) for n, u in _NUMBER_UNIT.findall(text)]
    found += [_WORD_DAYS[w.lower().replace(" ", "-")] for w in _WORD_UNIT.findall(text)]
    return min(found) if found else None


def _days_text(days: float) -> str:
    if days >= 60:
        return f"{days / 30:.0f} months"
    if days >= 14:
        return f"{days / 7:.0f} weeks"
    if days >= 1:
        return f"{days:.0f} days"
    return f"{days * 24:.0f} hours"


@dataclass(frozen=True, slots=True)
class BodyStudy:
    """What the suggestions need to know about one study linked to the claim."""

    study_id: int
    key: str
    design: StudyDesign
    stance: str = ""
    rob_severity: int | None = None
    rob_overall: str = ""
    participants: int | None = None
    conditions: tuple[str, ...] = ()
    route: str = ""
    follow_up: str = ""


@dataclass(frozen=True, slots=True)
class ClaimScope:
    """The parts of a claim's testable form that indirectness is checked against."""

    conditions: frozenset[str] = frozenset()  # the claim's conditions and descendants
    intervention: str = ""
    timepoint: str = ""


@dataclass(frozen=True, slots=True)
class GradeSuggestion:
    assessment: GradeAssessment
    start_reason: str
    counted: tuple[BodyStudy, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {**self.assessment.to_json(), "start_reason": self.start_reason}


def _weight(studies: Sequence[BodyStudy]) -> tuple[list[float], str]:
    if studies and all(s.participants for s in studies):
        return [float(s.participants or 0) for s in studies], "participants"
    return [1.0] * len(studies), "studies"


def _rob(body: Sequence[BodyStudy]) -> tuple[int, str]:
    judged = [s for s in body if s.rob_severity is not None]
    if not judged:
        return 0, ("No study in the body has a risk-of-bias appraisal yet: appraise them, "
                   "or judge from the reports.")
    weights, unit = _weight(judged)
    total = sum(weights)
    high = sum(w for w, s in zip(weights, judged, strict=True) if s.rob_severity == 2)
    some = sum(w for w, s in zip(weights, judged, strict=True) if (s.rob_severity or 0) >= 1)
    worst = [f"{s.key} ({s.rob_overall.replace('_', ' ')})" for s in judged
             if (s.rob_severity or 0) >= 1]
    share = f"{some / total:.0%} of the {unit}" if unit == "participants" else \
        f"{sum(1 for s in judged if (s.rob_severity or 0) >= 1)} of {len(judged)} appraised " \
        "studies"
    if high / total > 0.5:
        return -2, f"Most of the evidence is at high risk of bias: {', '.join(worst)}."
    if high > 0 or some / total >= 0.5:
        return -1, f"Risk-of-bias concerns in {share}: {', '.join(worst)}."
    note = f" ({len(body) - len(judged)} not yet appraised)" if len(judged) < len(body) else ""
    return 0, f"All appraised studies at low risk of bias{note}."


def _inconsistency(body: Sequence[BodyStudy]) -> tuple[int, str]:
    pro = [s for s in body if s.stance in ("supports", "partly_supports")]
    con = [s for s in body if s.stance == "contradicts"]
    if pro and con:
        return -1, (f"Studies point different ways: {len(pro)} support(s), {len(con)} "
                    f"contradict(s) ({', '.join(s.key for s in con)}).")
    if len(body) < 2:
        return 0, "A single study: consistency cannot be judged."
    return 0, "The studies point the same way."


def _indirectness(body: Sequence[BodyStudy], scope: ClaimScope) -> tuple[int, str]:
    claim_route = detect_route(scope.intervention)
    horizon = horizon_days(scope.timepoint) if scope.timepoint else None
    umbrella = bool(scope.conditions & UMBRELLA_CONDITIONS)
    issues: list[str] = []
    for s in body:
        why = []
        if scope.conditions and not umbrella and s.conditions and \
                not set(s.conditions) & scope.conditions:
            why.append(f"population ({', '.join(s.conditions)})")
        if claim_route and s.route and s.route not in ("other", "not_reported") and not (
                s.route == claim_route or {s.route, claim_route} <= _IV):
            why.append(f"route {ROUTE_LABELS.get(s.route, s.route)}")
        days = duration_days(s.follow_up) if s.follow_up else None
        if horizon and days is not None and days < horizon:
            why.append(f"follow-up {s.follow_up.strip()}")
        if why:
            issues.append(f"{s.key}: {', '.join(why)}")
    if not issues:
        return 0, "The studies' populations, route and time points match the claim."
    target = []
    if claim_route:
        target.append(f"route {ROUTE_LABELS[claim_route]}")
    if horizon:
        target.append(f"time point ≥ {_days_text(horizon)}")
    against = f" (claim: {', '.join(target)})" if target else ""
    return -1, f"Differs from the claim's PICO{against}: {'; '.join(issues)}."


def _imprecision(body: Sequence[BodyStudy]) -> tuple[int, str]:
    if not body:
        return 0, "No studies to judge."
    known = [s.participants for s in body if s.participants]
    total = sum(known)
    missing = len(body) - len(known)
    gap = f" ({missing} stud{'y' if missing == 1 else 'ies'} without a participant count)" \
        if missing else ""
    if not known:
        return -1, "Participant numbers are not recorded in the appraisals; few studies."
    if total < VERY_SMALL_BODY:
        return -2, f"Very few participants: {total} in {len(body)} stud" \
            f"{'y' if len(body) == 1 else 'ies'}{gap}."
    if total < OPTIMAL_INFORMATION_SIZE or len(body) < 2:
        return -1, (f"{total} participants in {len(body)} stud"
                    f"{'y' if len(body) == 1 else 'ies'}{gap}: below the optimal "
                    f"information size of about {OPTIMAL_INFORMATION_SIZE}.")
    return 0, f"{total} participants in {len(body)} studies{gap}."


def suggest_grade(studies: Sequence[BodyStudy], scope: ClaimScope) -> GradeSuggestion:
    """Pre-filled GRADE judgements for a claim's body of evidence; the reviewer decides.

    Risk of bias from the studies' appraisals (weighted by participants when all are
    known); inconsistency when studies support and contradict; indirectness where a
    study's condition, route or follow-up differs from the claim's; imprecision when the
    total is under 400 participants (-2 under 100) or rests on one study; publication bias
    is left to the reviewer (a funnel plot needs 10 studies); no upgrades.
    """
    body = [s for s in studies if s.design in STARTING_LEVEL]
    start = starting_level(s.design for s in studies)
    downs: dict[str, int] = {}
    notes: dict[str, str] = {}
    for key, (value, note) in (("risk_of_bias", _rob(body)),
                               ("inconsistency", _inconsistency(body)),
                               ("indirectness", _indirectness(body, scope)),
                               ("imprecision", _imprecision(body))):
        downs[key] = value
        notes[key] = note
    downs["publication_bias"] = 0
    notes["publication_bias"] = (
        f"Not assessable with fewer than {FUNNEL_MIN_STUDIES} studies; check for small "
        "industry-funded studies." if len(body) < FUNNEL_MIN_STUDIES
        else "Look at the funnel plot and unpublished trials.")
    ups = dict.fromkeys(MAX_UPGRADE, 0)
    if start.certainty is Certainty.HIGH:
        for key in MAX_UPGRADE:
            notes[key] = "Not applicable: randomised evidence is not rated up."
    assessment = GradeAssessment(start.certainty, downs, ups, notes,
                                 tuple(s.study_id for s in studies))
    return GradeSuggestion(assessment, start.reason, tuple(body))


def certainty_text(c: Certainty | str | None) -> str:
    """'⊕⊕◯◯ Low' for display; '' for None."""
    if c is None or c == "":
        return ""
    cert = Certainty(c)
    return f"{CERTAINTY_SYMBOLS[cert]} {CERTAINTY_LABELS[cert]}"

