"""GRADE for a claim's body of evidence: suggestions from the linked studies' appraisals,
the reviewer's judgement, and the certainty that verdicts read.

A judgement is a ``grade`` event about the claim (``after`` =
:meth:`GradeAssessment.to_json`, whose ``certainty`` ``suggest_verdict`` caps verdicts by).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from evidence_tracker.domain.claims import Claim
from evidence_tracker.domain.grade import (
    MAX_UPGRADE,
    BodyStudy,
    ClaimScope,
    GradeAssessment,
    GradeError,
    GradeSuggestion,
    suggest_grade,
)
from evidence_tracker.domain.models import Certainty, EventKind, Stance
from evidence_tracker.services import review
from evidence_tracker.services.appraisal import (
    design_of,
    design_suggestions,
    effective_appraisals,
    indexed_routes,
)
from evidence_tracker.services.claims import require_reviewer, resolve_claim
from evidence_tracker.services.evidence import LinkView, current_links, effective_links
from evidence_tracker.store import Project
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store import judgements as store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.events import append_event

KIND = EventKind.GRADE.value


def body_links(project: Project, claim: str | int | Claim, viewer: str | None) -> list[LinkView]:
    """The links that make up the claim's body of evidence, as ``viewer`` may see them:
    one per study (the most recent), "not relevant" ones left out."""
    links = current_links(project, claim=claim)
    if viewer is not None:
        links = review.filter_links(project, links, viewer)
    return [v for v in effective_links(links) if v.stance is not Stance.NOT_RELEVANT]


def body_of_evidence(
    project: Project, claim: str | int | Claim, viewer: str | None = None
) -> list[BodyStudy]:
    """The studies linked to the claim with what GRADE needs: design (confirmed, else
    suggested), risk of bias, participants, conditions, route (appraised, else from the
    MeSH headings) and follow-up (the link's time point if it records one)."""
    links = body_links(project, claim, viewer)
    ids = [v.study.id for v in links]
    suggestions = design_suggestions(project, ids)
    appraised = effective_appraisals(project, ids, viewer)
    indexed = indexed_routes(project, ids)
    conditions = study_store.study_conditions(project, ids)
    out = []
    for link in links:
        sid = link.study.id
        state = appraised.get(sid)
        out.append(BodyStudy(
            study_id=sid, key=f"PMID {link.study.pmid}" if link.study.pmid else link.study.key,
            design=design_of(state, suggestions[sid]), stance=link.stance.value,
            rob_severity=state.rob_severity if state else None,
            rob_overall=state.rob_overall if state else "",
            participants=state.participants if state else None,
            conditions=tuple(conditions.get(sid, ())),
            route=(state.route if state else "") or indexed.get(sid, ""),
            follow_up=link.state.timepoint or (state.follow_up if state else ""),
        ))
    return out


def claim_scope(project: Project, claim: Claim) -> ClaimScope:
    """The claim's conditions (with their sub-conditions), intervention and time point."""
    ids = set(claim_store.condition_ids(project, claim.conditions))
    slugs = frozenset(slug for cid, slug, _, _ in store.condition_rows(project) if cid in ids)
    return ClaimScope(slugs, claim.pico.intervention, claim.pico.timepoint)


def suggest(project: Project, claim: str | int | Claim, viewer: str | None = None
            ) -> GradeSuggestion:
    """Pre-filled GRADE judgements for the claim (the reviewer decides)."""
    target = resolve_claim(project, claim)
    return suggest_grade(body_of_evidence(project, target, viewer),
                         claim_scope(project, target))


@dataclass(frozen=True)
class GradeView:
    event_id: int
    claim_id: int
    reviewer: str
    assessment: GradeAssessment

    @property
    def certainty(self) -> Certainty:
        return self.assessment.certainty


def record_grade(
    project: Project, claim: str | int | Claim, assessment: GradeAssessment, *, reviewer: str,
) -> GradeView:
    """Save ``reviewer``'s GRADE judgement of the claim; every non-zero rating needs a
    footnote, and upgrades apply only to observational evidence."""
    target = resolve_claim(project, claim)
    problems = assessment.problems()
    if problems:
        raise GradeError("; ".join(problems) + ".")
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        event_id = append_event(project, KIND, reviewer_id=reviewer_id, claim_id=target.id,
                                after=assessment.to_json(), note=assessment.note)
    return GradeView(event_id, target.id, reviewer.strip(), assessment)


def grade_with(
    project: Project, claim: str | int | Claim, *, reviewer: str,
    ratings: Mapping[str, int] | None = None, footnotes: Mapping[str, str] | None = None,
    start: Certainty | None = None, note: str = "",
) -> GradeView:
    """Record a grade that starts from the suggestions and changes the given ratings and
    footnotes (what the CLI's ``grade`` does)."""
    target = resolve_claim(project, claim)
    base = suggest(project, target, reviewer).assessment
    downs, ups = dict(base.downgrades), dict(base.upgrades)
    notes = dict(base.footnotes)
    for key, value in (ratings or {}).items():
        if key in MAX_UPGRADE:
            changed, ups[key] = ups.get(key, 0) != value, value
        elif key in downs:
            changed, downs[key] = downs[key] != -abs(value), -abs(value)
        else:
            raise GradeError(f"Unknown GRADE domain {key!r}.")
        if changed:  # the suggestion's footnote does not explain another rating
            notes.pop(key, None)
    notes.update(footnotes or {})
    assessment = replace(base, start=start or base.start, downgrades=downs, upgrades=ups,
                         footnotes=notes, note=note)
    return record_grade(project, target, assessment, reviewer=reviewer)


def my_grade(project: Project, claim: str | int | Claim, reviewer: str
             ) -> GradeAssessment | None:
    target = resolve_claim(project, claim)
    reviewer_id = store.reviewer_id(project, reviewer)
    if reviewer_id is None:
        return None
    rows = [r for r in store.current_judgements(project, KIND, claim_id=target.id,
                                                reviewer_id=reviewer_id)
            if r["study_id"] is None]
    return GradeAssessment.from_json(rows[-1]["after"]) if rows else None


def grades(project: Project, claim: str | int | Claim, viewer: str
           ) -> tuple[list[tuple[str, GradeAssessment]], int]:
    """(reviewer, assessment) pairs ``viewer`` may see (blind mode), and how many hidden."""
    target = resolve_claim(project, claim)
    shown, hidden = review.visible_judgements(project, KIND, viewer, claim_id=target.id)
    return [(j.reviewer, GradeAssessment.from_json(j.after)) for j in shown
            if j.study_id is None], hidden


def final_certainty(project: Project, claim: str | int | Claim) -> Certainty | None:
    """The claim's certainty once settled: resolved, or agreed by the reviewers (or the
    only grade); None while they disagree or nobody has graded."""
    target = resolve_claim(project, claim)
    state = review.subject_state(project, review.Subject(KIND, None, target.id))
    final = state.final
    return Certainty(final["certainty"]) if final else None


def grade_json(view: GradeView) -> dict[str, Any]:
    return {"event_id": view.event_id, "claim_id": view.claim_id, "reviewer": view.reviewer,
            **view.assessment.to_json()}


def body_json(studies: list[BodyStudy]) -> list[dict[str, Any]]:
    return [{"study_id": s.study_id, "key": s.key, "design": s.design.value,
             "stance": s.stance, "rob_overall": s.rob_overall or None,
             "participants": s.participants, "conditions": list(s.conditions),
             "route": s.route or None, "follow_up": s.follow_up or None} for s in studies]
