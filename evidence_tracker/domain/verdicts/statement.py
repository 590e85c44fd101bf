"""The GRADE informative statement (Santesso et al., J Clin Epidemiol 2020;119:126-135)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from evidence_tracker.domain.claims import ClaimKind
from evidence_tracker.domain.findings import (
    Direction,
)
from evidence_tracker.domain.grade import (
    CERTAINTY_LABELS,
    ClaimScope,
    detect_route,
)
from evidence_tracker.domain.models import Certainty, Verdict

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


#: Outcomes that count a benefit (more is better): "reduces" cannot take them as object.
_BENEFIT_COUNT = re.compile(r"respond|responder|relief|improve|success", re.IGNORECASE)


def outcome_phrase(text: str, default: str = "pain") -> str:
    """The outcome as a noun phrase: 'pain intensity' from "Pain intensity (e.g. NRS/VAS)
    or proportion with relief".

    >>> outcome_phrase("Pain intensity (e.g. NRS/VAS) or proportion with relief")
    'pain intensity'

    A responder or relief outcome counts what goes up when pain goes down: the sentence
    ("reduces ...") names the default instead.

    >>> outcome_phrase("Pain responders (>50% VAS reduction)")
    'pain'
    """
    head = re.split(r"\s*(?:\(|;|,| or | and/or )\s*", text.strip(), maxsplit=1)[0].strip()
    if not head or _BENEFIT_COUNT.search(head):
        return default
    return head if head[:2].isupper() else head[0].lower() + head[1:]


#: (favouring verb, its base form) by kind: what "favours the claim" means in words.
_VERBS: Mapping[ClaimKind, tuple[str, str]] = {
    ClaimKind.HARMS: ("causes few", "cause few"),
}
_DEFAULT_VERBS = ("reduces", "reduce")


def _bare(time_point: str, *lead: str) -> str:
    """A time point without the words the sentence puts before it (a finding recorded as
    "up to 4 weeks" made "for up to up to 4 weeks").

    >>> _bare("Up to 4 weeks", "for", "up to"), _bare("at 12 weeks", "at"), _bare(" 8 weeks")
    ('4 weeks', '12 weeks', '8 weeks')
    """
    text = time_point.strip()
    for word in lead:
        if text.lower().startswith(word + " "):
            text = text[len(word):].strip()
    return text


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
    when = f" at {_bare(at, 'at')}" if at.strip() else (
        f" for up to {_bare(upto, 'for', 'up to')}" if upto.strip() else "")
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
