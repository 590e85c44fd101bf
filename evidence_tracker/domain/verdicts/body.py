"""The body of evidence: which linked studies count for the claim's question, each
once, and why the others do not (kind rules, time frame, population, reviews)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from evidence_tracker.domain.appraisal import ROUTE_LABELS
from evidence_tracker.domain.claims import ClaimKind
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.findings import (
    AttributionMatch,
    Finding,
)
from evidence_tracker.domain.grade import (
    IV_ROUTES,
    BodyStudy,
    ClaimScope,
    detect_route,
    finding_days,
    time_window,
)
from evidence_tracker.domain.verdicts.types import (
    EvidenceBody,
    Exclusion,
    ExclusionReason,
)

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


def designates(kind: ClaimKind, s: BodyStudy) -> bool:
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
        elif kind is ClaimKind.ATTRIBUTION or designates(kind, s):
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
