"""The types of a claim's verdict (the contract the services, GUI and reports build on):
what counted and what did not, summary-of-findings rows, the steps and the result.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from evidence_tracker.domain.findings import (
    Direction,
)
from evidence_tracker.domain.grade import (
    BodyStudy,
    GradeSuggestion,
)
from evidence_tracker.domain.meta import PooledEffect as PooledEffect
from evidence_tracker.domain.meta import StudyEffect as StudyEffect
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
    #: The certainty rests on risk of bias or imprecision nobody assessed: an upper bound.
    provisional: bool = False


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
