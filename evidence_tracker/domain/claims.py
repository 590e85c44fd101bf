"""Claims, evidence links and verdicts: the pure types and rules (no I/O).

A claim is a checkable statement a clinic makes, with its verbatim sources. A reviewer
links studies to it with a stance, findings and the abstract sentences that justify them;
the suggested verdict follows from the body of evidence by the method in
:mod:`evidence_tracker.domain.verdicts` (not by counting stances).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from evidence_tracker.domain.findings import (
    AttributionMatch,
    Direction,
    EffectEstimate,
    EffectMeasure,
    Finding,
)
from evidence_tracker.domain.models import Certainty, Stance, Verdict
from evidence_tracker.domain.sentences import contains_normalised, content_words, normalise


class ClaimsError(ValueError):
    """A claims or links request that cannot be honoured, explained for the user."""


class Category(enum.StrEnum):
    EFFICACY = "efficacy"
    ONSET = "onset"
    DURABILITY = "durability"
    SAFETY = "safety"
    DEPENDENCY = "dependency"
    OPIOID_SPARING = "opioid_sparing"
    MECHANISM = "mechanism"
    MOOD_COMORBIDITY = "mood_comorbidity"
    GUIDELINE = "guideline"
    REGULATORY = "regulatory"
    COMPARISON = "comparison"


CATEGORY_LABELS: Mapping[Category, str] = {
    Category.EFFICACY: "Efficacy for a condition",
    Category.ONSET: "Onset",
    Category.DURABILITY: "Durability",
    Category.SAFETY: "Safety and adverse effects",
    Category.DEPENDENCY: "Dependency",
    Category.OPIOID_SPARING: "Opioid sparing",
    Category.MECHANISM: "Mechanism",
    Category.MOOD_COMORBIDITY: "Mood and comorbidity",
    Category.GUIDELINE: "Guideline",
    Category.REGULATORY: "Regulatory",
    Category.COMPARISON: "Comparison with other treatments",
}

#: Words for badges and headings (the GUI shows text as well as colour).
VERDICT_LABELS: Mapping[Verdict, str] = {
    Verdict.SUPPORTED: "Supported",
    Verdict.PARTLY_SUPPORTED: "Partly supported",
    Verdict.NOT_SUPPORTED: "Not supported",
    Verdict.CONTRADICTED: "Contradicted",
    Verdict.INSUFFICIENT: "Insufficient evidence",
}
STANCE_LABELS: Mapping[Stance, str] = {
    Stance.SUPPORTS: "Supports",
    Stance.PARTLY_SUPPORTS: "Partly supports",
    Stance.CONTRADICTS: "Contradicts",
    Stance.NOT_RELEVANT: "Not relevant",
}

class ClaimKind(enum.StrEnum):
    """What sort of question a claim asks; the kind decides which evidence can answer it
    (see ``shared/design/verdicts.md``)."""

    EFFECT = "effect"  # "reduces pain in CRPS": clinical studies of that scope
    ONSET_DURABILITY = "onset_durability"  # "relief within hours", "lasts months"
    HARMS = "harms"  # "very few side effects": harm findings
    COMPARISON = "comparison"  # "gold standard", "better than opioids": head-to-head
    MECHANISM = "mechanism"  # "blocks NMDA receptors": mechanistic studies, reviews
    ATTRIBUTION = "attribution"  # "the 2018 guidelines concluded...": the cited document
    REGULATORY = "regulatory"  # "not FDA-approved": an authoritative source


KIND_LABELS: Mapping[ClaimKind, str] = {
    ClaimKind.EFFECT: "Effect",
    ClaimKind.ONSET_DURABILITY: "Onset / durability",
    ClaimKind.HARMS: "Harms",
    ClaimKind.COMPARISON: "Comparison / superlative",
    ClaimKind.MECHANISM: "Mechanism",
    ClaimKind.ATTRIBUTION: "Attribution",
    ClaimKind.REGULATORY: "Regulatory",
}

#: The kind a claim takes from its category until a reviewer classifies it.
KIND_FOR_CATEGORY: Mapping[str, ClaimKind] = {
    Category.EFFICACY: ClaimKind.EFFECT,
    Category.ONSET: ClaimKind.ONSET_DURABILITY,
    Category.DURABILITY: ClaimKind.ONSET_DURABILITY,
    Category.SAFETY: ClaimKind.HARMS,
    Category.DEPENDENCY: ClaimKind.HARMS,
    Category.OPIOID_SPARING: ClaimKind.EFFECT,
    Category.MECHANISM: ClaimKind.MECHANISM,
    Category.MOOD_COMORBIDITY: ClaimKind.EFFECT,
    Category.GUIDELINE: ClaimKind.ATTRIBUTION,
    Category.REGULATORY: ClaimKind.REGULATORY,
    Category.COMPARISON: ClaimKind.COMPARISON,
}

PICO_FIELDS = ("population", "intervention", "comparator", "outcome", "timepoint")

def parse_kind(value: str | ClaimKind) -> ClaimKind:
    """A ClaimKind from its value or a loose spelling ("onset/durability", "Harms").

    >>> parse_kind("onset / durability")
    <ClaimKind.ONSET_DURABILITY: 'onset_durability'>
    """
    if isinstance(value, ClaimKind):
        return value
    key = "_".join(value.strip().lower().replace("/", " ").replace("-", " ").split())
    try:
        return ClaimKind(key)
    except ValueError:
        choices = ", ".join(k.value for k in ClaimKind)
        raise ClaimsError(f"Unknown claim kind {value!r}: choose one of {choices}.") from None


#: Keyword rules for :func:`suggest_kind`, most specific first (a guideline quoted about
#: efficacy is attribution; a superlative about side effects is a comparison).
_KIND_RULES: tuple[tuple[ClaimKind, re.Pattern[str]], ...] = (
    (ClaimKind.REGULATORY, re.compile(
        r"\b(fda|food and drug administration|approved|approval|off[- ]label|licen[cs]ed|"
        r"label(l)?ed|schedule iii|controlled substance|ema)\b", re.I)),
    (ClaimKind.ATTRIBUTION, re.compile(
        r"\b(guidelines?|consensus|according to|recommend(s|ed|ation)?|concluded|"
        r"endorsed?|society|academy|association|researchers at|study (found|showed))\b",
        re.I)),
    (ClaimKind.COMPARISON, re.compile(
        r"\b(gold[- ]standard|best|most effective|superior|better than|more effective|"
        r"safer than|unlike|compared (to|with)|versus|vs\.?|than (opioids|antidepressants|"
        r"conventional|traditional)|first[- ]line|alternative to|(fewer|less|lower|more|"
        r"greater|faster|longer|safer)\b[^.]{0,40}\bthan)\b", re.I)),
    (ClaimKind.MECHANISM, re.compile(
        r"\b(nmda|receptors?|glutamate|neuroplasticity|plasticity|synap\w*|neural "
        r"pathways?|central sensiti[sz]ation|microglia\w*|astrocyt\w*|cytokines?|"
        r"inflammat\w*|mechanism|works by|acts on|binds?)\b", re.I)),
    (ClaimKind.HARMS, re.compile(
        r"\b(side[- ]effects?|adverse|safe(ty|ly)?|risks?|dependen(cy|ce)|addict\w*|"
        r"abuse|misuse|tolerance|toxicity|well[- ]tolerated|harm\w*)\b", re.I)),
    (ClaimKind.ONSET_DURABILITY, re.compile(
        r"\b(within (minutes|hours|days|\d+)|in as little as|minutes|hours|immediate(ly)?|"
        r"rapid(ly)?|fast[- ]acting|quick(ly)?|long[- ](term|lasting)|lasting|sustained|"
        r"weeks|months|years|durable|for up to)\b", re.I)),
)


def suggest_kind(text: str) -> ClaimKind:
    """The kind a claim's wording suggests (a keyword rule; the reviewer decides).

    >>> suggest_kind("IV ketamine is the gold standard for CRPS")
    <ClaimKind.COMPARISON: 'comparison'>
    >>> suggest_kind("The 2018 guidelines concluded the evidence supports ketamine")
    <ClaimKind.ATTRIBUTION: 'attribution'>
    >>> suggest_kind("Relief lasts weeks to months")
    <ClaimKind.ONSET_DURABILITY: 'onset_durability'>
    >>> suggest_kind("Ketamine infusions are not FDA approved")
    <ClaimKind.REGULATORY: 'regulatory'>
    >>> suggest_kind("Ketamine blocks NMDA receptors")
    <ClaimKind.MECHANISM: 'mechanism'>
    >>> suggest_kind("Ketamine has fewer side effects than many antidepressants")
    <ClaimKind.COMPARISON: 'comparison'>
    >>> suggest_kind("Ketamine has a low risk of dependency")
    <ClaimKind.HARMS: 'harms'>
    >>> suggest_kind("Ketamine reduces pain in fibromyalgia")
    <ClaimKind.EFFECT: 'effect'>
    """
    for kind, pattern in _KIND_RULES:
        if pattern.search(text):
            return kind
    return ClaimKind.EFFECT


_NUMBER = r"(?:\d+(?:\.\d+)?|a few|several|one|two|three|four|five|six|twelve)"
_UNIT = r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
_TIME_FRAME = re.compile(
    rf"\b(?:(?:with)?in (?:as little as )?{_NUMBER} {_UNIT}"
    rf"|(?:for |lasting )?up to {_NUMBER} {_UNIT}"
    rf"|{_NUMBER} {_UNIT}(?: (?:to|or) {_NUMBER} {_UNIT})?"
    rf"|{_UNIT} (?:or even |to |or )(?:several )?{_UNIT}"
    rf"|within (?:minutes|hours|days|weeks) (?:to|or) (?:minutes|hours|days|weeks)"
    rf"|within (?:minutes|hours|days|weeks)"
    rf"|long[- ]term|long[- ]lasting)\b",
    re.I,
)


def detect_time_frame(text: str) -> str:
    """The time frame a claim states, as written ("" when it states none).

    >>> detect_time_frame("It provides relief in as little as 40 minutes after the infusion")
    'in as little as 40 minutes'
    >>> detect_time_frame("Most patients experience relief lasting weeks to months")
    'weeks to months'
    >>> detect_time_frame("relieving pain within a few hours of an infusion")
    'within a few hours'
    >>> detect_time_frame("Ketamine reduces pain in CRPS")
    ''
    """
    m = _TIME_FRAME.search(text)
    return " ".join(m.group(0).split()) if m else ""



@dataclass(slots=True)
class Pico:
    """The testable form of a claim: population, intervention, comparator, outcome, time."""

    population: str = ""
    intervention: str = ""
    comparator: str = ""
    outcome: str = ""
    timepoint: str = ""

    def as_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in PICO_FIELDS}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Pico:
        data = data or {}
        return cls(**{f: str(data.get(f) or "") for f in PICO_FIELDS})


@dataclass(frozen=True, slots=True)
class ClaimSource:
    """Where a clinic makes the claim: the page and the verbatim quote."""

    id: int
    page_id: int
    page_slug: str
    page_title: str
    clinic_id: int
    clinic_slug: str
    clinic_name: str
    quote: str


@dataclass(slots=True)
class Claim:
    id: int
    code: str
    text: str
    category: str
    pico: Pico = field(default_factory=Pico)
    conditions: list[str] = field(default_factory=list)  # condition slugs
    sources: list[ClaimSource] = field(default_factory=list)
    created_at: str = ""
    kind: ClaimKind | None = None  # None: not classified yet (see :attr:`question_kind`)

    @property
    def question_kind(self) -> ClaimKind:
        """The claim's kind; until a reviewer classifies it, the one its category implies."""
        return self.kind or KIND_FOR_CATEGORY.get(self.category, ClaimKind.EFFECT)

    @property
    def quotes(self) -> list[str]:
        """The distinct quotes, in source order."""
        return list(dict.fromkeys(s.quote for s in self.sources))

    @property
    def clinics(self) -> list[str]:
        return list(dict.fromkeys(s.clinic_name for s in self.sources))


@dataclass(frozen=True, slots=True)
class DeletedClaim:
    """A deleted claim (as stored, links and judgements kept) and who deleted it, when and
    why: what a reviewer chooses from to restore one."""

    claim: Claim
    deleted_at: str
    deleted_by: str
    reason: str = ""
    links: int = 0  # its links (every reviewer's), kept and restored with it
    studies: int = 0  # the studies they link


def deletion_consequences(links: int, studies: int, claim: Claim) -> str:
    """What goes with a deleted claim, in words for the confirmation (GUI and CLI)."""
    to = f"{studies} stud{'y' if studies == 1 else 'ies'}"
    linked = (f"Its {links} link{'s' if links != 1 else ''} to {to}, its GRADE and its "
              "verdict go with it" if links else "It has no links to studies; its GRADE and "
              "verdict (if any) go with it")
    sources = len(claim.sources)
    quoted = (f" It is quoted from {sources} clinic page{'s' if sources != 1 else ''}."
              if sources else "")
    return (f"{linked}.{quoted} The audit trail keeps the claim and every judgement about "
            "it; nothing is erased, and it can be restored.")


# -- links -------------------------------------------------------------------------------


#: The direction a link made before findings existed stands for (its one finding).
_LEGACY_DIRECTION: Mapping[Stance, Direction] = {
    Stance.SUPPORTS: Direction.FAVOURS,
    Stance.PARTLY_SUPPORTS: Direction.FAVOURS,
    Stance.CONTRADICTS: Direction.AGAINST,
}


@dataclass(frozen=True, slots=True)
class LinkState:
    """The state of one evidence link, as stored in a ``link`` event's ``after``.

    ``stance`` is the reviewer's summary; ``findings`` say what the study shows, outcome
    by outcome and time point by time point. A review's link may record the certainty the
    review itself reports (``reported_certainty``, which caps the GRADE suggestion); the
    link of a cited document to an attribution claim records whether the clinic's
    paraphrase matches it (``attribution``).

    A link stored before findings existed reads as one finding (time point unknown):

    >>> state = LinkState.from_json({"stance": "supports", "quotes": ["Pain fell."],
    ...                              "outcome": "pain", "timepoint": ""})
    >>> [(f.id, f.direction.value, f.timepoint, f.quotes) for f in state.findings]
    [('legacy', 'favours', '', ('Pain fell.',))]
    """

    stance: Stance
    quotes: tuple[str, ...] = ()
    outcome: str = ""
    timepoint: str = ""
    note: str = ""
    findings: tuple[Finding, ...] = ()
    reported_certainty: Certainty | None = None
    attribution: AttributionMatch | None = None

    @property
    def counted_findings(self) -> tuple[Finding, ...]:
        """The findings the verdict reads: the recorded ones, else (a link saved with a
        stance only) one finding in the stance's direction, time point as the link says.

        >>> LinkState(Stance.CONTRADICTS, ("No effect.",), "pain").counted_findings[0].direction
        <Direction.AGAINST: 'against'>
        """
        if self.findings or self.stance not in _LEGACY_DIRECTION:
            return self.findings
        return (Finding("legacy", outcome=self.outcome, timepoint=self.timepoint,
                        direction=_LEGACY_DIRECTION[self.stance], quotes=self.quotes),)

    def to_json(self) -> dict[str, Any]:
        return {"stance": self.stance.value, "quotes": list(self.quotes),
                "outcome": self.outcome, "timepoint": self.timepoint, "note": self.note,
                "findings": [f.to_json() for f in self.findings],
                "reported_certainty": self.reported_certainty.value
                if self.reported_certainty else None,
                "attribution": self.attribution.value if self.attribution else None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinkState:
        stance = Stance(data["stance"])
        quotes = tuple(data.get("quotes") or ())
        outcome = str(data.get("outcome") or "")
        timepoint = str(data.get("timepoint") or "")
        if "findings" in data:
            findings = tuple(Finding.from_json(f) for f in data["findings"] or ())
        elif stance in _LEGACY_DIRECTION:
            # Links made before findings existed: one finding each, as the link said it.
            findings = (Finding("legacy", outcome=outcome, timepoint=timepoint,
                                direction=_LEGACY_DIRECTION[stance], quotes=quotes),)
        else:
            findings = ()
        certainty = data.get("reported_certainty")
        attribution = data.get("attribution")
        return cls(
            stance=stance, quotes=quotes, outcome=outcome, timepoint=timepoint,
            note=str(data.get("note") or ""), findings=findings,
            reported_certainty=Certainty(certainty) if certainty else None,
            attribution=AttributionMatch(attribution) if attribution else None,
        )


def parse_stance(value: str | Stance) -> Stance:
    """A Stance from its value or a loose spelling ("partly supports", "partly-supports")."""
    if isinstance(value, Stance):
        return value
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Stance(key)
    except ValueError:
        choices = ", ".join(s.value for s in Stance)
        raise ClaimsError(f"Unknown stance {value!r}: choose one of {choices}.") from None


def validate_quotes(quotes: Sequence[str], *, title: str, abstract: str) -> tuple[str, ...]:
    """Check that every quote occurs in the study's title or abstract.

    Comparison ignores differences of whitespace, typographic quotes and dashes. Returns the
    quotes stripped; raises :class:`ClaimsError` naming the first one that does not occur.

    >>> validate_quotes([" Pain fell. "], title="T", abstract="Results:  Pain fell.")
    ('Pain fell.',)
    """
    cleaned = tuple(q.strip() for q in quotes if q.strip())
    for quote in cleaned:
        if not (contains_normalised(abstract, quote) or contains_normalised(title, quote)):
            short = quote if len(quote) <= 80 else quote[:77] + "..."
            raise ClaimsError(
                f"The quote {short!r} does not occur in the study's title or abstract "
                "(copy the sentence exactly; spacing does not matter)."
            )
    return cleaned


def validate_finding(finding: Finding, *, title: str, abstract: str) -> Finding:
    """Check a finding before it is recorded; returns it with its quotes stripped.

    Its quotes must occur in the study's title or abstract (:func:`validate_quotes`); an
    effect's 95% CI must contain its estimate, and a ratio (RR, OR) must be positive; the
    numbers analysed, when given, are at least 1.

    >>> from evidence_tracker.domain.findings import EffectEstimate, EffectMeasure
    >>> validate_finding(Finding("f", effect=EffectEstimate(EffectMeasure.RR, 0.8, 0.9,
    ...                  1.2)), title="", abstract="")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    evidence_tracker.domain.claims.ClaimsError: The 95% CI (0.9 to 1.2) does not contain...
    """
    quotes = validate_quotes(finding.quotes, title=title, abstract=abstract)
    effect = finding.effect
    if effect is not None:
        if effect.ci_low > effect.ci_high:
            raise ClaimsError(f"The CI's lower limit {effect.ci_low:g} is above its upper "
                              f"limit {effect.ci_high:g}.")
        if not effect.ci_low <= effect.value <= effect.ci_high:
            raise ClaimsError(f"The 95% CI ({effect.ci_low:g} to {effect.ci_high:g}) does "
                              f"not contain the estimate {effect.value:g}.")
        if effect.measure.is_ratio and min(effect.value, effect.ci_low) <= 0:
            raise ClaimsError(f"A {effect.measure.value} and its CI must be above 0.")
    if finding.analysed is not None and finding.analysed < 1:
        raise ClaimsError("The number analysed must be at least 1.")
    return replace(finding, outcome=finding.outcome.strip(),
                   timepoint=finding.timepoint.strip(), comparator=finding.comparator.strip(),
                   quotes=quotes)


def parse_direction(value: str | Direction) -> Direction:
    """A Direction from its value or a loose spelling ("no difference", "Favours").

    >>> parse_direction("no difference")
    <Direction.NO_DIFFERENCE: 'no_difference'>
    """
    if isinstance(value, Direction):
        return value
    key = "_".join(value.strip().lower().replace("-", " ").split())
    key = {"favors": "favours", "favour": "favours", "for": "favours"}.get(key, key)
    try:
        return Direction(key)
    except ValueError:
        choices = ", ".join(d.value for d in Direction)
        raise ClaimsError(f"Unknown direction {value!r}: choose one of {choices}.") from None


def parse_effect(text: str) -> EffectEstimate:
    """An effect from ``MEASURE:VALUE:LOW:HIGH`` (what the CLI's ``--effect`` takes).

    >>> str(parse_effect("md:-1.2:-2.0:-0.4"))
    'MD -1.2 (95% CI -2 to -0.4)'
    """
    parts = text.strip().split(":")
    try:
        measure = EffectMeasure(parts[0].strip().upper())
        value, low, high = (float(p) for p in parts[1:])
    except ValueError:
        choices = "/".join(m.value for m in EffectMeasure)
        raise ClaimsError(f"Give an effect as MEASURE:VALUE:LOW:HIGH ({choices}), e.g. "
                          f"MD:-1.2:-2.0:-0.4; not {text!r}.") from None
    return EffectEstimate(measure, value, low, high)


#: The direction of the one finding a link made with only a stance records.
STANCE_DIRECTION: Mapping[Stance, Direction] = _LEGACY_DIRECTION


# -- re-review -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceState:
    """What a confirmed verdict rested on, or what there is now (to compare the two)."""

    retracted_study_ids: frozenset[int] = frozenset()
    condition_study_count: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"retracted_study_ids": sorted(self.retracted_study_ids),
                "condition_study_count": self.condition_study_count}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> EvidenceState:
        data = data or {}
        return cls(frozenset(int(i) for i in data.get("retracted_study_ids", ())),
                   int(data.get("condition_study_count", 0)))


def rereview_reasons(
    *,
    verdict_ordinal: int,
    verdict_at: str,
    then: EvidenceState,
    now: EvidenceState,
    last_link_ordinal: int,
    last_rereview_ordinal: int,
    last_condition_added_at: str,
) -> list[str]:
    """Why a confirmed verdict needs re-review ([] when it does not).

    The evidence changed if a link for the claim was made, changed or withdrawn after the
    verdict; a linked study was retracted since; a linked study (or the claim) got a
    ``rereview`` event since; or studies were added to the claim's conditions since.
    "After" and "since" follow the events' ordinals: their places in the order every
    machine of a team agrees on.
    """
    reasons = []
    if last_link_ordinal > verdict_ordinal:
        reasons.append("a link changed after the verdict")
    newly = sorted(now.retracted_study_ids - then.retracted_study_ids)
    if newly:
        reasons.append("linked stud" + ("y " if len(newly) == 1 else "ies ")
                       + ", ".join(f"#{i}" for i in newly) + " retracted since")
    if last_rereview_ordinal > verdict_ordinal:
        reasons.append("a linked study was flagged for re-review")
    if now.condition_study_count > then.condition_study_count or (
        last_condition_added_at and last_condition_added_at > verdict_at
    ):
        reasons.append("new studies in the claim's conditions")
    return reasons


# -- suggestions -------------------------------------------------------------------------

MAX_QUERY_TERMS = 40


def query_terms(text: str, pico: Pico | None = None) -> list[str]:
    """The distinct content words of a claim and its testable form, for a full-text query.

    >>> query_terms("Ketamine reduces pain in CRPS", Pico(outcome="Pain scores"))
    ['ketamine', 'reduces', 'pain', 'crps', 'scores']
    """
    parts = [text]
    if pico is not None:
        parts += [pico.population, pico.intervention, pico.comparator, pico.outcome,
                  pico.timepoint]
    words: dict[str, None] = {}
    for part in parts:
        for w in content_words(normalise(part)):
            if not w.isdigit():
                words.setdefault(w, None)
    return list(words)[:MAX_QUERY_TERMS]
