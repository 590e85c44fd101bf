"""GRADE for a claim's body of evidence: the body built from the links (findings, the
reviews' inclusions, appraised designs), suggestions with reasons, the reviewer's
judgement, and the verdict the method reaches from them.

A judgement is a ``grade`` event about the claim (``after`` =
:meth:`GradeAssessment.to_json`, whose ``certainty`` the verdict reads when a reviewer has
graded; its ``unassessed`` domains stay not assessed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from evidence_tracker.domain.claims import Claim
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.grade import (
    MAX_UPGRADE,
    BodyStudy,
    ClaimScope,
    GradeAssessment,
    GradeError,
    GradeSuggestion,
    suggest_grade,
)
from evidence_tracker.domain.models import Certainty, EventKind
from evidence_tracker.domain.verdicts import VerdictResult, assess, body_study_json
from evidence_tracker.services import review
from evidence_tracker.services.appraisal import (
    design_of,
    design_readings,
    effective_appraisals,
)
from evidence_tracker.services.claims import require_reviewer, resolve_claim
from evidence_tracker.services.evidence import (
    LinkView,
    current_links,
    effective_links,
    review_inclusions,
)
from evidence_tracker.store import Project
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store import judgements as store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.events import append_event

KIND = EventKind.GRADE.value


def body_of_evidence(
    project: Project, claim: str | int | Claim, viewer: str | None = None, *,
    links: Sequence[LinkView] | None = None,
) -> list[BodyStudy]:
    """The studies linked to the claim, as ``viewer`` may see them, with what the method
    needs: the link's findings (a stance-only link reads as one finding), the studies a
    review includes, retraction, the review's own reported certainty, the attribution
    match; the appraised design (else the one the publication types suggest), risk of
    bias, participants, conditions, route (appraised, else from the MeSH headings) and
    follow-up (the link's time point if it records one). "Not relevant" links are kept so
    that the verdict can list them as left out. ``links``: the claim's links as ``viewer``
    may see them (:func:`~evidence_tracker.services.evidence.visible_links`), when the
    caller has read them already."""
    if links is None:
        links = current_links(project, claim=claim)
        if viewer is not None:
            links = review.filter_links(project, links, viewer)
    links = effective_links(links)
    ids = [v.study.id for v in links]
    suggestions, indexed = design_readings(project, ids)
    appraised = effective_appraisals(project, ids, viewer)
    conditions = study_store.study_conditions(project, ids)
    reviews = [sid for sid in ids if design_of(appraised.get(sid), suggestions[sid])
               is StudyDesign.SYSTEMATIC_REVIEW]
    includes = review_inclusions(project, reviews, viewer)
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
            findings=link.state.counted_findings, includes=includes.get(sid, frozenset()),
            retracted=link.study.retracted, reported_certainty=link.state.reported_certainty,
            attribution=link.state.attribution,
            design_source="appraisal" if state is not None else "publication type",
        ))
    return out


def claim_scope(project: Project, claim: Claim) -> ClaimScope:
    """The claim's question: its conditions (with their sub-conditions, and each named
    condition's own tree), intervention, comparator, outcome, time frame, and the
    population in words (the conditions' names, else the PICO population)."""
    rows = store.condition_rows(project)
    slug_of = {cid: slug for cid, slug, _, _ in rows}
    name_of = {slug: name for _, slug, name, _ in rows}
    claimed = {c: frozenset(slug_of[i] for i in claim_store.condition_ids(project, [c])
                            if i in slug_of) for c in claim.conditions}
    slugs = frozenset().union(*claimed.values()) if claimed else frozenset()
    names = {c: _short(name_of.get(c, c)) for c in claim.conditions}
    population = ", ".join(names.values()) if names else \
        _short(claim.pico.population.strip())
    return ClaimScope(slugs, claim.pico.intervention, claim.pico.timepoint,
                      claimed=claimed, population=population,
                      comparator=claim.pico.comparator, outcome=claim.pico.outcome,
                      names=names)


def _short(name: str) -> str:
    """'CRPS' from "Complex regional pain syndrome (CRPS)"; other names in lower case."""
    if name.endswith(")") and "(" in name:
        inner = name[name.rindex("(") + 1:-1]
        if inner.isupper():
            return inner
        name = name[:name.rindex("(")].strip()  # "Chronic pain (general)" -> chronic pain
    return name[:1].lower() + name[1:] if name and not name[:2].isupper() else name


def stated_certainty(project: Project, claim_id: int, viewer: str | None = None
                     ) -> tuple[Certainty | None, frozenset[str]]:
    """The certainty a reviewer's grade states (the latest ``grade`` event of the claim
    ``viewer`` may see, an arbiter's resolution included) and the domains it left not
    assessed."""
    event = review.latest_visible_claim_event(project, KIND, claim_id, viewer)
    after = event["after"] if event and isinstance(event["after"], dict) else {}
    value = after.get("certainty")
    if value not in {c.value for c in Certainty}:
        return None, frozenset()
    return Certainty(value), frozenset(str(k) for k in after.get("unassessed") or ())


def verdict_result(project: Project, claim: str | int | Claim, viewer: str | None = None,
                   *, links: Sequence[LinkView] | None = None) -> VerdictResult:
    """The method on the claim's body as ``viewer`` may see it: body, GRADE, SoF rows,
    verdict, statement and steps. A reviewer's grade states the certainty. ``links`` as in
    :func:`body_of_evidence`."""
    target = resolve_claim(project, claim)
    stated, unassessed = stated_certainty(project, target.id, viewer)
    return assess(target.question_kind, claim_scope(project, target),
                  body_of_evidence(project, target, viewer, links=links), stated=stated,
                  stated_unassessed=unassessed)


def suggest(project: Project, claim: str | int | Claim, viewer: str | None = None
            ) -> GradeSuggestion:
    """Pre-filled GRADE judgements for the claim's body of evidence (the studies that
    count, each once); the reviewer decides."""
    target = resolve_claim(project, claim)
    result = verdict_result(project, target, viewer)
    if result.grade is not None:
        return result.grade
    # Kinds GRADE does not decide (mechanism, attribution, regulatory): still shown.
    return suggest_grade(result.body.counted, claim_scope(project, target))


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
    unassessed = set(base.unassessed)
    for key, value in (ratings or {}).items():
        if key in MAX_UPGRADE:
            changed, ups[key] = ups.get(key, 0) != value, value
        elif key in downs:
            changed, downs[key] = downs[key] != -abs(value), -abs(value)
        else:
            raise GradeError(f"Unknown GRADE domain {key!r}.")
        unassessed.discard(key)  # the reviewer judged it
        if changed:  # the suggestion's footnote does not explain another rating
            notes.pop(key, None)
    notes.update(footnotes or {})
    unassessed -= set(footnotes or {})
    # What the reviewer did not touch stays "not assessed" (never read as "not serious").
    assessment = replace(base, start=start or base.start, downgrades=downs, upgrades=ups,
                         footnotes=notes, note=note, unassessed=frozenset(unassessed))
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
    """The linked studies as the method reads them (see :func:`body_study_json`)."""
    return [body_study_json(s) for s in studies]
