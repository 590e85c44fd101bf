"""GRADE certainty of a claim's body of evidence: the arithmetic and the suggestions (pure).

The body starts high when it rests on randomised evidence and low when it rests on
observational studies (very low for case series and reports). Each of the five
downgrading domains takes 0, -1 (serious) or -2 (very serious); the three upgrading
domains take 0, +1 (or +2 for a very large effect) and count only for observational
evidence. The result is floored at very low and capped at high. Every judgement carries
a footnote. A grade is stored as the ``after`` of a ``grade`` event; ``after["certainty"]``
is what :func:`evidence_tracker.domain.verdicts.decide_verdict` reads. Domains nobody
judged are listed in ``after["unassessed"]``: "not assessed" is never "not serious".

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
from evidence_tracker.domain.findings import AttributionMatch, Direction, Finding
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
VERY_SMALL_BODY = OPTIMAL_INFORMATION_SIZE // 8  # 50 participants
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
    #: Domains nobody judged (e.g. risk of bias without appraisals): shown as "not
    #: assessed", never read as "not serious"; rating a domain takes it off the list.
    unassessed: frozenset[str] = frozenset()

    @property
    def provisional(self) -> bool:
        """True while risk of bias or imprecision is not assessed: the certainty is then
        an upper bound, not a GRADE rating."""
        return bool(self.unassessed & PROVISIONAL_DOMAINS)

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
            "unassessed": sorted(self.unassessed),
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
            unassessed=frozenset(str(k) for k in data.get("unassessed") or ()),
        )


#: Without these the certainty is not a rating (GRADE Handbook 5.2: every domain judged).
PROVISIONAL_DOMAINS = frozenset({"risk_of_bias", "imprecision"})


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
IV_ROUTES = frozenset({"iv_infusion", "iv_bolus"})


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
_WORD_UNIT = re.compile(r"\b(several months|minutes|hours|days|weeks|months|years|"
                        r"long[- ]term|lasting|durable|sustained)\b", re.I)
#: Words for a time, in days. "Several months", "long-term" and the like are read as about
#: 3 months (12 weeks), the usual end of a "long-term" pain trial's follow-up.
_WORD_DAYS = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1.0, "weeks": 7.0, "months": 30.0,
              "years": 365.0, "several-months": 84.0, "long-term": 84.0, "lasting": 84.0,
              "durable": 84.0, "sustained": 84.0}


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


def time_window(text: str) -> tuple[float, float] | None:
    """The earliest and latest times a claim's time frame names, in days (None: none).

    >>> time_window("Weeks to several months after the initial series")
    (7.0, 84.0)
    >>> time_window("40 minutes after infusion")[1] < 1
    True
    """
    found = [float(n) * _unit_days(u) for n, u in _NUMBER_UNIT.findall(text)]
    found += [_WORD_DAYS[w.lower().replace(" ", "-")] for w in _WORD_UNIT.findall(text)]
    return (min(found), max(found)) if found else None


def finding_days(timepoint: str) -> float | None:
    """When a finding was measured, in days ("12 weeks" -> 84.0; "" -> None).

    >>> finding_days("at 4 weeks"), finding_days("40 minutes") < 1, finding_days("")
    (28.0, True, None)
    """
    window = time_window(timepoint) if timepoint.strip() else None
    return window[1] if window else None


def days_text(days: float) -> str:
    """A number of days in the unit a reader expects ("12 weeks", "6 months", "40 minutes").

    >>> days_text(84.0), days_text(1 / 24), days_text(180.0), days_text(40 / 1440)
    ('12 weeks', '1 hour', '6 months', '40 minutes')
    """
    for limit, size, unit in ((1 / 24, 1 / 1440, "minute"), (1, 1 / 24, "hour"),
                              (14, 1, "day"), (180, 7, "week")):
        if days < limit:
            n = round(days / size)
            return f"{n} {unit}{'' if n == 1 else 's'}"
    n = round(days / 30)
    return f"{n} month{'' if n == 1 else 's'}"


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
    """What the method needs to know about one study linked to the claim.

    ``design`` is the reviewer's appraised design, else the one PubMed's publication types
    suggest (``design_source`` says which). ``includes`` are the linked studies a
    systematic review includes; ``findings`` are the link's findings (outcome, time point,
    direction, effect); ``reported_certainty`` is the certainty a review reports itself;
    ``attribution`` is, for the cited document of an attribution claim, whether the
    clinic's paraphrase matches it.
    """

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
    findings: tuple[Finding, ...] = ()
    includes: frozenset[int] = frozenset()
    retracted: bool = False
    reported_certainty: Certainty | None = None
    attribution: AttributionMatch | None = None
    design_source: str = "publication type"  # or "appraisal"
    indirect: str = ""  # why the study is only indirect evidence ("" = direct)

    @property
    def analysed(self) -> int | None:
        """Participants analysed: the largest number a finding reports, else the
        appraisal's participants."""
        counts = [f.analysed for f in self.findings if f.analysed]
        return max(counts) if counts else self.participants


@dataclass(frozen=True, slots=True)
class ClaimScope:
    """The claim's question: the parts the body and indirectness are checked against.

    ``conditions`` are the claim's conditions with their sub-conditions; ``claimed`` maps
    each condition the claim names to itself and its sub-conditions (to tell whether the
    evidence covers every population the claim speaks of); ``population`` is how the
    statement names the population ("CRPS").
    """

    conditions: frozenset[str] = frozenset()
    intervention: str = ""
    timepoint: str = ""
    claimed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    population: str = ""
    comparator: str = ""
    outcome: str = ""
    #: How a sentence names each claimed condition ("CRPS" for "crps").
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def umbrella(self) -> bool:
        return bool(self.conditions & UMBRELLA_CONDITIONS)


@dataclass(frozen=True, slots=True)
class GradeSuggestion:
    assessment: GradeAssessment
    start_reason: str
    counted: tuple[BodyStudy, ...] = ()
    cap: Certainty | None = None  # the lowest certainty a counted review reports itself
    cap_reason: str = ""

    @property
    def certainty(self) -> Certainty:
        """The suggested certainty, capped by what the body's reviews report."""
        level = self.assessment.certainty
        if self.cap is not None and CERTAINTY_ORDER.index(self.cap) < CERTAINTY_ORDER.index(
                level):
            return self.cap
        return level

    def to_json(self) -> dict[str, Any]:
        return {**self.assessment.to_json(), "start_reason": self.start_reason,
                "suggested_certainty": self.certainty.value,
                "provisional": self.assessment.provisional,
                "cap": self.cap.value if self.cap else None, "cap_reason": self.cap_reason or None}


def _label(c: Certainty | None) -> str:
    return CERTAINTY_LABELS[c].lower() if c else ""


def _weight(studies: Sequence[BodyStudy]) -> tuple[list[float], str]:
    if studies and all(s.analysed for s in studies):
        return [float(s.analysed or 0) for s in studies], "participants"
    return [1.0] * len(studies), "studies"


def _rob(body: Sequence[BodyStudy]) -> tuple[int, str, bool]:
    """(rating, footnote, assessed) from the appraisals; reviews that report their own
    certainty have judged the risk of bias of their trials (the cap carries it)."""
    reviews = [s for s in body if s.reported_certainty is not None]
    primary = [s for s in body if s.reported_certainty is None]
    judged = [s for s in primary if s.rob_severity is not None]
    if not judged:
        if reviews and not primary:
            said = ", ".join(f"{s.key} reports {_label(s.reported_certainty)} certainty"
                             for s in reviews)
            return 0, f"Judged by the review(s) themselves: {said}.", True
        return 0, ("Not assessed: no study in the body has a risk-of-bias appraisal yet "
                   "(appraise them, or judge from the reports)."), False
    weights, unit = _weight(judged)
    total = sum(weights)
    high = sum(w for w, s in zip(weights, judged, strict=True) if s.rob_severity == 2)
    some = sum(w for w, s in zip(weights, judged, strict=True) if (s.rob_severity or 0) >= 1)
    worst = [f"{s.key} ({s.rob_overall.replace('_', ' ')})" for s in judged
             if (s.rob_severity or 0) >= 1]
    gap = f" ({len(primary) - len(judged)} not yet appraised)" if len(judged) < len(primary) \
        else ""
    share = f"{some / total:.0%} of the {unit}" if unit == "participants" else \
        f"{sum(1 for s in judged if (s.rob_severity or 0) >= 1)} of {len(judged)} appraised " \
        "studies"
    if high / total > 0.5:
        return -2, f"Most of the evidence is at high risk of bias: {', '.join(worst)}{gap}.", True
    if high > 0 or some / total >= 0.5:
        return -1, f"Risk-of-bias concerns in {share}: {', '.join(worst)}{gap}.", True
    return 0, f"All appraised studies at low risk of bias{gap}.", True


#: I² thresholds (Cochrane Handbook 10.10.2: 50-90% "may represent substantial", 75-100%
#: "considerable" heterogeneity).
I2_SERIOUS, I2_VERY_SERIOUS = 0.50, 0.75


def _directions(s: BodyStudy) -> set[Direction]:
    if s.findings:
        return {f.direction for f in s.findings}
    legacy = {"supports": Direction.FAVOURS, "partly_supports": Direction.FAVOURS,
              "contradicts": Direction.AGAINST}
    return {legacy[s.stance]} if s.stance in legacy else set()


def _inconsistency(body: Sequence[BodyStudy], i_squared: float | None) -> tuple[int, str]:
    if i_squared is not None and i_squared > I2_VERY_SERIOUS:
        return -2, f"Considerable heterogeneity: I² {i_squared:.0%} (> 75%)."
    if i_squared is not None and i_squared > I2_SERIOUS:
        return -1, f"Substantial heterogeneity: I² {i_squared:.0%} (> 50%)."
    if i_squared is not None:
        # With effects to pool, overlap of the estimates decides, not the labels: a trial
        # that missed significance does not disagree with one that reached it.
        return 0, f"I² {i_squared:.0%}: the effects are consistent."
    pro = [s for s in body if Direction.FAVOURS in _directions(s)]
    con = [s for s in body if _directions(s) & {Direction.AGAINST, Direction.NO_DIFFERENCE}
           and Direction.FAVOURS not in _directions(s)]
    if pro and con:
        return -1, (f"Studies point different ways: {len(pro)} favour(s) the claim, "
                    f"{len(con)} do(es) not ({', '.join(s.key for s in con)}).")
    i2 = f" (I² {i_squared:.0%})" if i_squared is not None else ""
    if len(body) < 2:
        return 0, "A single study: consistency cannot be judged."
    return 0, f"The studies point the same way{i2}."


def _indirectness(body: Sequence[BodyStudy], scope: ClaimScope) -> tuple[int, str]:
    claim_route = detect_route(scope.intervention)
    horizon = horizon_days(scope.timepoint) if scope.timepoint else None
    issues: list[str] = []
    for s in body:
        why = [s.indirect] if s.indirect else []
        if not s.indirect and scope.conditions and not scope.umbrella and s.conditions and \
                not set(s.conditions) & scope.conditions:
            why.append(f"population ({', '.join(s.conditions)})")
        if not s.indirect and claim_route and s.route and \
                s.route not in ("other", "not_reported") and not (
                s.route == claim_route or {s.route, claim_route} <= IV_ROUTES):
            why.append(f"route {ROUTE_LABELS.get(s.route, s.route)}")
        times = [d for f in s.findings if (d := finding_days(f.timepoint)) is not None]
        days = max(times) if times else (duration_days(s.follow_up) if s.follow_up else None)
        if horizon and days is not None and days < horizon:
            shown = max((f.timepoint for f in s.findings if f.timepoint), default="") \
                or s.follow_up
            why.append(f"follow-up {shown.strip()}")
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


def _imprecision(body: Sequence[BodyStudy], ci_crosses: bool | None
                 ) -> tuple[int, str, bool]:
    """(rating, footnote, assessed): participants against the optimal information size and
    whether the (pooled) 95% CI crosses no effect."""
    if not body:
        return 0, "No studies to judge.", False
    known = [s.analysed for s in body if s.analysed]
    total = sum(n for n in known if n)
    missing = len(body) - len(known)
    gap = f" ({missing} stud{'y' if missing == 1 else 'ies'} without a participant count)" \
        if missing else ""
    studies = f"{len(body)} stud{'y' if len(body) == 1 else 'ies'}"
    crosses = " and the 95% CI crosses no effect" if ci_crosses else ""
    if not known:
        if ci_crosses is None:
            return 0, ("Not assessed: no participant numbers or confidence intervals "
                       "recorded (add them to the findings or appraisals)."), False
        if ci_crosses:
            return -1, "The 95% CI crosses no effect (participants not recorded).", True
        return 0, "The 95% CI excludes no effect (participants not recorded).", True
    # Missing the optimal information size is one level; twice when the 95% CI also crosses
    # no effect (GRADE Handbook 5.2.6, the rule verdicts.md cites), or when the body is so
    # far below it that its estimate cannot be trusted whatever its CI (GRADE guidance 34:
    # under an eighth of the OIS) unless a recorded CI excludes no effect. The old "under
    # 100: twice" rated two CRPS trials (79 patients, a clear effect) "very low" where the
    # 2018 guideline says moderate and the Cochrane overview low.
    very_small = total < VERY_SMALL_BODY and ci_crosses is not False
    if very_small or (total < OPTIMAL_INFORMATION_SIZE and ci_crosses):
        return -2, f"Very imprecise: {total} participants in {studies}{gap}{crosses}.", True
    # One trial carries it (a systematic review pools several: not "a single study").
    single = len(body) < 2 and body[0].design is not StudyDesign.SYSTEMATIC_REVIEW
    if total < OPTIMAL_INFORMATION_SIZE or ci_crosses or single:
        return -1, (f"{total} participants in {studies}{gap}{crosses}: below the optimal "
                    f"information size of about {OPTIMAL_INFORMATION_SIZE}"
                    + (" or a single trial" if single else "") + "."), True
    return 0, f"{total} participants in {studies}{gap}; the CI excludes no effect." \
        if ci_crosses is False else f"{total} participants in {studies}{gap}.", True


def suggest_grade(
    studies: Sequence[BodyStudy], scope: ClaimScope, *, i_squared: float | None = None,
    ci_crosses: bool | None = None, inconsistency: tuple[int, str] | None = None,
    precision_of: Sequence[BodyStudy] | None = None,
) -> GradeSuggestion:
    """Pre-filled GRADE judgements for a claim's body of evidence; the reviewer decides.

    Start from the (appraised) designs. Risk of bias from the studies' appraisals (weighted
    by participants when all are known); none appraised: "not assessed", listed in
    ``unassessed``, never "not serious". Inconsistency from I² (> 50% serious, > 75% very
    serious: Cochrane Handbook 10.10.2) or studies pointing different ways. Indirectness
    where a study's condition, route or time point differs from the claim's. Imprecision
    when the total analysed is under about 400 (the optimal information size of a
    continuous outcome; -2 under 100, or under 400 with a CI crossing no effect), when the
    (pooled) 95% CI crosses no effect, or when one study carries it. Publication bias is
    left to the reviewer (a funnel plot needs 10 studies); no upgrades. A review's own
    reported certainty caps the suggestion (:attr:`GradeSuggestion.certainty`).
    ``inconsistency`` replaces the judgement from the studies (a claim's body judges it
    within each outcome and time point: findings at different times do not disagree);
    ``precision_of`` are the studies whose participants the imprecision counts (those of
    the outcome and time point the verdict rests on), by default the whole body.
    """
    body = [s for s in studies if s.design in STARTING_LEVEL]
    start = starting_level(s.design for s in studies)
    downs: dict[str, int] = {}
    notes: dict[str, str] = {}
    unassessed: set[str] = set()
    rob, rob_note, rob_ok = _rob(body)
    prec, prec_note, prec_ok = _imprecision(
        body if precision_of is None else [s for s in precision_of
                                           if s.design in STARTING_LEVEL], ci_crosses)
    for key, (value, note) in (("risk_of_bias", (rob, rob_note)),
                               ("inconsistency", inconsistency
                                or _inconsistency(body, i_squared)),
                               ("indirectness", _indirectness(body, scope)),
                               ("imprecision", (prec, prec_note))):
        downs[key] = value
        notes[key] = note
    if not rob_ok and body:
        unassessed.add("risk_of_bias")
    if not prec_ok and body:
        unassessed.add("imprecision")
    downs["publication_bias"] = 0
    notes["publication_bias"] = (
        f"Left to the reviewer: not assessable with fewer than {FUNNEL_MIN_STUDIES} studies; "
        "check for small industry-funded studies." if len(body) < FUNNEL_MIN_STUDIES
        else "Left to the reviewer: look at the funnel plot and unpublished trials.")
    ups = dict.fromkeys(MAX_UPGRADE, 0)
    if start.certainty is Certainty.HIGH:
        for key in MAX_UPGRADE:
            notes[key] = "Not applicable: randomised evidence is not rated up."
    assessment = GradeAssessment(start.certainty, downs, ups, notes,
                                 tuple(s.study_id for s in studies),
                                 unassessed=frozenset(unassessed))
    reported = [s for s in studies if s.reported_certainty is not None]
    cap = min((s.reported_certainty for s in reported if s.reported_certainty),
              key=CERTAINTY_ORDER.index, default=None)
    cap_reason = "; ".join(f"{s.key} reports {_label(s.reported_certainty)} certainty itself"
                           for s in reported)
    return GradeSuggestion(assessment, start.reason, tuple(body), cap,
                           f"Capped: {cap_reason}." if cap else "")


def certainty_text(c: Certainty | str | None) -> str:
    """'⊕⊕◯◯ Low' for display; '' for None."""
    if c is None or c == "":
        return ""
    cert = Certainty(c)
    return f"{CERTAINTY_SYMBOLS[cert]} {CERTAINTY_LABELS[cert]}"

