"""Findings: what one study shows about one claim, outcome by outcome and time point by
time point (pure types, no I/O).

A link from a study to a claim holds one or more findings. A trial can favour the claim at
4 weeks and show no important difference at 12; a single "supports" cannot say that.
Directions are relative to the claim ("favours" = in the direction the claim states), so
a harms claim such as "very few side effects" is favoured by a finding of few adverse
events.

>>> f = Finding("f1", outcome="pain intensity", timepoint="4 weeks",
...             direction=Direction.FAVOURS,
...             effect=EffectEstimate(EffectMeasure.MD, -1.2, -2.0, -0.4), analysed=60)
>>> Finding.from_json(f.to_json()) == f
True
>>> f.effect.crosses_no_effect
False
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class Direction(enum.StrEnum):
    """Which way a finding points, relative to what the claim states."""

    FAVOURS = "favours"  # in the direction the claim states
    NO_DIFFERENCE = "no_difference"  # no important difference
    AGAINST = "against"  # opposite to what the claim states


DIRECTION_LABELS: Mapping[Direction, str] = {
    Direction.FAVOURS: "Favours the claim",
    Direction.NO_DIFFERENCE: "No important difference",
    Direction.AGAINST: "Against the claim",
}


class EffectMeasure(enum.StrEnum):
    MD = "MD"  # mean difference
    SMD = "SMD"  # standardised mean difference
    RR = "RR"  # risk ratio
    OR = "OR"  # odds ratio

    @property
    def is_ratio(self) -> bool:
        """Ratio measures have no effect at 1 and are pooled on the log scale."""
        return self in (EffectMeasure.RR, EffectMeasure.OR)

    @property
    def no_effect(self) -> float:
        return 1.0 if self.is_ratio else 0.0


@dataclass(frozen=True, slots=True)
class EffectEstimate:
    """An effect with its 95% confidence interval, as the study reports it."""

    measure: EffectMeasure
    value: float
    ci_low: float
    ci_high: float

    @property
    def crosses_no_effect(self) -> bool:
        """True when the 95% CI includes no effect (0, or 1 for a ratio)."""
        return self.ci_low <= self.measure.no_effect <= self.ci_high

    def to_json(self) -> dict[str, Any]:
        return {"measure": self.measure.value, "value": self.value,
                "ci_low": self.ci_low, "ci_high": self.ci_high}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EffectEstimate:
        return cls(EffectMeasure(data["measure"]), float(data["value"]),
                   float(data["ci_low"]), float(data["ci_high"]))

    def __str__(self) -> str:
        return f"{self.measure.value} {self.value:g} (95% CI {self.ci_low:g} to {self.ci_high:g})"


@dataclass(frozen=True, slots=True)
class Finding:
    """One outcome at one time point of one study, for one claim."""

    id: str  # stable within the link: edits and withdrawals name it
    outcome: str = ""
    timepoint: str = ""  # "" = not known (links made before findings existed)
    direction: Direction = Direction.FAVOURS
    effect: EffectEstimate | None = None
    analysed: int | None = None  # participants analysed for this outcome
    quotes: tuple[str, ...] = ()  # sentence(s) from the title or abstract that show it
    comparator: str = ""  # what the study compared with ("placebo", "IV lidocaine", ...)

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex[:12]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "outcome": self.outcome, "timepoint": self.timepoint,
                "direction": self.direction.value,
                "effect": self.effect.to_json() if self.effect else None,
                "analysed": self.analysed, "quotes": list(self.quotes),
                "comparator": self.comparator}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        effect = data.get("effect")
        analysed = data.get("analysed")
        return cls(
            id=str(data.get("id") or ""),
            outcome=str(data.get("outcome") or ""),
            timepoint=str(data.get("timepoint") or ""),
            direction=Direction(data.get("direction") or Direction.FAVOURS.value),
            effect=EffectEstimate.from_json(effect) if effect else None,
            analysed=int(analysed) if analysed is not None else None,
            quotes=tuple(data.get("quotes") or ()),
            comparator=str(data.get("comparator") or ""),
        )


class AttributionMatch(enum.StrEnum):
    """For an attribution claim: does the clinic's paraphrase match the cited document?"""

    ACCURATE = "accurate"
    OVERSTATED = "overstated"  # the document says less than the clinic says it does
    MISATTRIBUTED = "misattributed"  # the document does not say it (or says the opposite)


ATTRIBUTION_LABELS: Mapping[AttributionMatch, str] = {
    AttributionMatch.ACCURATE: "Accurate",
    AttributionMatch.OVERSTATED: "Overstated",
    AttributionMatch.MISATTRIBUTED: "Misattributed",
}
