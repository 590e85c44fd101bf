"""Study design suggested from PubMed publication types and MeSH headings (pure rules).

The suggestion is what a reviewer confirms or corrects in the appraisal; the appraised
design replaces it wherever a design is used (suggestions, GRADE, verdicts, reports).

>>> suggest_design(["Journal Article", "Randomized Controlled Trial"]).design
<StudyDesign.RCT: 'rct'>
>>> suggest_design(["Review"], ["Humans"]).design
<StudyDesign.NARRATIVE_REVIEW: 'narrative_review'>
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from evidence_tracker.domain.models import Certainty


class StudyDesign(enum.StrEnum):
    """What kind of study a record reports, strongest evidence first."""

    SYSTEMATIC_REVIEW = "systematic_review"
    RCT = "rct"
    NON_RANDOMISED_TRIAL = "non_randomised_trial"
    COHORT = "cohort"
    CASE_CONTROL = "case_control"
    CROSS_SECTIONAL = "cross_sectional"
    CASE_SERIES = "case_series"
    CASE_REPORT = "case_report"
    GUIDELINE = "guideline"
    NARRATIVE_REVIEW = "narrative_review"
    ANIMAL = "animal"
    EDITORIAL = "editorial"
    OTHER = "other"

    @property
    def label(self) -> str:
        return DESIGN_LABELS[self]


DESIGN_LABELS: Mapping[StudyDesign, str] = {
    StudyDesign.SYSTEMATIC_REVIEW: "Systematic review / meta-analysis",
    StudyDesign.RCT: "Randomised controlled trial",
    StudyDesign.NON_RANDOMISED_TRIAL: "Non-randomised trial",
    StudyDesign.COHORT: "Cohort study",
    StudyDesign.CASE_CONTROL: "Case-control study",
    StudyDesign.CROSS_SECTIONAL: "Cross-sectional study",
    StudyDesign.CASE_SERIES: "Case series",
    StudyDesign.CASE_REPORT: "Case report",
    StudyDesign.GUIDELINE: "Guideline",
    StudyDesign.NARRATIVE_REVIEW: "Narrative review",
    StudyDesign.ANIMAL: "Animal or in vitro study",
    StudyDesign.EDITORIAL: "Editorial, letter or comment",
    StudyDesign.OTHER: "Other or unclear design",
}

#: Non-randomised studies of interventions: appraised with ROBINS-I.
NON_RANDOMISED = frozenset({
    StudyDesign.NON_RANDOMISED_TRIAL, StudyDesign.COHORT, StudyDesign.CASE_CONTROL,
})

#: GRADE's starting level for a body of evidence of one design.
STARTING_LEVEL: Mapping[StudyDesign, Certainty] = {
    StudyDesign.SYSTEMATIC_REVIEW: Certainty.HIGH,  # of randomised trials, as a rule
    StudyDesign.RCT: Certainty.HIGH,
    StudyDesign.NON_RANDOMISED_TRIAL: Certainty.LOW,
    StudyDesign.COHORT: Certainty.LOW,
    StudyDesign.CASE_CONTROL: Certainty.LOW,
    StudyDesign.CROSS_SECTIONAL: Certainty.LOW,
    StudyDesign.OTHER: Certainty.LOW,
    StudyDesign.CASE_SERIES: Certainty.VERY_LOW,
    StudyDesign.CASE_REPORT: Certainty.VERY_LOW,
}

#: Multiplier on full-text relevance when ranking studies to suggest for a claim.
SUGGESTION_BOOST: Mapping[StudyDesign, float] = {
    StudyDesign.SYSTEMATIC_REVIEW: 1.6,
    StudyDesign.RCT: 1.45,
    StudyDesign.NON_RANDOMISED_TRIAL: 1.3,
    StudyDesign.COHORT: 1.15,
    StudyDesign.CASE_CONTROL: 1.15,
    StudyDesign.CROSS_SECTIONAL: 1.15,
    StudyDesign.CASE_SERIES: 1.0,
    StudyDesign.GUIDELINE: 1.0,
    StudyDesign.OTHER: 1.0,
    StudyDesign.CASE_REPORT: 0.8,
    StudyDesign.NARRATIVE_REVIEW: 0.8,
    StudyDesign.ANIMAL: 0.8,
    StudyDesign.EDITORIAL: 0.8,
}


def parse_design(value: str | StudyDesign) -> StudyDesign:
    """A design from its value or label, loosely spelt ("RCT", "case-control", "SR")."""
    if isinstance(value, StudyDesign):
        return value
    key = value.strip().lower().replace("-", "_").replace(" ", "_").replace("/", "_")
    aliases = {"sr": StudyDesign.SYSTEMATIC_REVIEW, "meta_analysis": StudyDesign.SYSTEMATIC_REVIEW,
               "sr_ma": StudyDesign.SYSTEMATIC_REVIEW, "nrs": StudyDesign.NON_RANDOMISED_TRIAL,
               "non_randomized_trial": StudyDesign.NON_RANDOMISED_TRIAL,
               "review": StudyDesign.NARRATIVE_REVIEW, "letter": StudyDesign.EDITORIAL,
               "in_vitro": StudyDesign.ANIMAL}
    if key in aliases:
        return aliases[key]
    for design in StudyDesign:
        if key in (design.value, design.label.lower().replace(" ", "_")):
            return design
    choices = ", ".join(d.value for d in StudyDesign)
    raise ValueError(f"Unknown study design {value!r}: choose one of {choices}.")


@dataclass(frozen=True, slots=True)
class DesignSuggestion:
    """A suggested design and the record facts it rests on (for the reviewer to check)."""

    design: StudyDesign
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"design": self.design.value, "label": self.design.label, "reason": self.reason}


_SR = ("meta-analysis", "systematic review", "network meta-analysis")
_GUIDELINE = ("practice guideline", "guideline", "consensus development conference",
              "consensus development conference, nih")
_RCT = ("randomized controlled trial", "equivalence trial")
_TRIAL = ("clinical trial", "controlled clinical trial", "clinical trial, phase i",
          "clinical trial, phase ii", "clinical trial, phase iii", "clinical trial, phase iv",
          "pragmatic clinical trial", "adaptive clinical trial")
_VETERINARY = ("randomized controlled trial, veterinary", "clinical trial, veterinary",
               "observational study, veterinary")
_EDITORIAL = ("letter", "editorial", "comment", "news", "newspaper article", "interview",
              "lecture", "published erratum", "retraction of publication",
              "expression of concern", "biography", "historical article", "portrait")
_CASE_CONTROL_MESH = ("case-control studies",)
_COHORT_MESH = ("cohort studies", "prospective studies", "retrospective studies",
                "longitudinal studies", "follow-up studies")
_CROSS_SECTIONAL_MESH = ("cross-sectional studies",)
_IN_VITRO_MESH = ("in vitro techniques", "cells, cultured", "cell line")
_CASE_SERIES = re.compile(r"\bcase[- ]series\b|\bchart review\b", re.I)


def _first(found: set[str], names: Iterable[str]) -> str | None:
    return next((n for n in names if n in found), None)


def _named(names: Iterable[str], original: Mapping[str, str]) -> str:
    return ", ".join(f'"{original[n]}"' for n in names)


def suggest_design(
    publication_types: Iterable[str], mesh: Iterable[str] = (), title: str = "",
) -> DesignSuggestion:
    """The design the record's indexing suggests, with the reason.

    Rules, first match wins: veterinary trial types or MeSH "Animals" without "Humans"
    (or in-vitro MeSH without "Humans") -> animal/in vitro; guideline types -> guideline;
    "Meta-Analysis"/"Systematic Review" -> SR/MA; "Randomized Controlled Trial" -> RCT;
    "Clinical Trial" (any phase, not randomised) -> non-randomised trial; "Case Reports" ->
    case report; editorial, letter, comment... -> editorial; "Review" -> narrative review;
    then the design MeSH: "Case-Control Studies" -> case-control, cohort MeSH
    ("Cohort", "Prospective", "Retrospective", "Longitudinal", "Follow-Up Studies") or the
    "Observational Study" type -> cohort, "Cross-Sectional Studies" -> cross-sectional;
    "case series" or "chart review" in the title -> case series; otherwise other/unclear.
    MeSH "... as Topic" headings describe a subject, not the study, and are ignored.
    """
    pt_original = {t.strip().lower(): t.strip() for t in publication_types if t.strip()}
    mesh_original = {m.strip().lower(): m.strip() for m in mesh if m.strip()}
    pts, headings = set(pt_original), set(mesh_original)

    def pt(names: Iterable[str]) -> str | None:
        return _first(pts, names)

    humans = "humans" in headings
    if hit := pt(_VETERINARY):
        return DesignSuggestion(StudyDesign.ANIMAL, f'publication type "{pt_original[hit]}"')
    if "animals" in headings and not humans:
        return DesignSuggestion(StudyDesign.ANIMAL, 'MeSH "Animals" without "Humans"')
    if (hit := _first(headings, _IN_VITRO_MESH)) and not humans:
        return DesignSuggestion(StudyDesign.ANIMAL,
                                f'MeSH "{mesh_original[hit]}" without "Humans"')
    if hit := pt(_GUIDELINE):
        return DesignSuggestion(StudyDesign.GUIDELINE, f'publication type "{pt_original[hit]}"')
    sr = [n for n in _SR if n in pts]
    if sr:
        return DesignSuggestion(StudyDesign.SYSTEMATIC_REVIEW,
                                f"publication type {_named(sr, pt_original)}")
    if hit := pt(_RCT):
        return DesignSuggestion(StudyDesign.RCT, f'publication type "{pt_original[hit]}"')
    if hit := pt(_TRIAL):
        if "random allocation" in headings:
            return DesignSuggestion(StudyDesign.RCT, f'publication type "{pt_original[hit]}" '
                                    'with MeSH "Random Allocation"')
        return DesignSuggestion(StudyDesign.NON_RANDOMISED_TRIAL,
                                f'publication type "{pt_original[hit]}" without a '
                                "randomised-trial type")
    if "case reports" in pts:
        return DesignSuggestion(StudyDesign.CASE_REPORT, 'publication type "Case Reports"')
    observational = "observational study" in pts
    if not observational:
        if hit := pt(_EDITORIAL):
            return DesignSuggestion(StudyDesign.EDITORIAL,
                                    f'publication type "{pt_original[hit]}"')
        if "review" in pts or "scoping review" in pts:
            return DesignSuggestion(StudyDesign.NARRATIVE_REVIEW,
                                    'publication type "Review" without "Systematic Review" '
                                    'or "Meta-Analysis"')
    if hit := _first(headings, _CASE_CONTROL_MESH):
        return DesignSuggestion(StudyDesign.CASE_CONTROL, f'MeSH "{mesh_original[hit]}"')
    if hit := _first(headings, _COHORT_MESH):
        return DesignSuggestion(StudyDesign.COHORT, f'MeSH "{mesh_original[hit]}"')
    if hit := _first(headings, _CROSS_SECTIONAL_MESH):
        return DesignSuggestion(StudyDesign.CROSS_SECTIONAL, f'MeSH "{mesh_original[hit]}"')
    if _CASE_SERIES.search(title):
        return DesignSuggestion(StudyDesign.CASE_SERIES, '"case series" in the title')
    if observational:
        return DesignSuggestion(StudyDesign.COHORT,
                                'publication type "Observational Study" (no case-control MeSH)')
    if "clinical trial protocol" in pts:
        return DesignSuggestion(StudyDesign.OTHER, "a trial protocol: no results yet")
    return DesignSuggestion(StudyDesign.OTHER, "no design in the publication types or MeSH")
