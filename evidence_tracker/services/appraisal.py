"""Appraisal of a study: design (suggested, then confirmed), participants, follow-up, dose
and route, comparator, risk of bias (RoB 2 or ROBINS-I), funding, conflicts, note.

Each save is one ``appraisal`` event per reviewer and study (``after`` =
:meth:`AppraisalState.to_json`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from evidence_tracker.domain.appraisal import (
    AppraisalError,
    AppraisalState,
    rob_tool_for,
    route_from_mesh,
)
from evidence_tracker.domain.design import (
    DesignSuggestion,
    StudyDesign,
    parse_design,
    suggest_design,
)
from evidence_tracker.domain.models import EventKind
from evidence_tracker.services import review
from evidence_tracker.services.claims import require_reviewer, resolve_study
from evidence_tracker.store import Project
from evidence_tracker.store import judgements as store
from evidence_tracker.store.events import append_event
from evidence_tracker.store.study_facts import studies_current_judgements

KIND = EventKind.APPRAISAL.value


def design_suggestion(project: Project, study: str | int) -> DesignSuggestion:
    """The design the study's publication types and MeSH suggest."""
    study_id = resolve_study(project, study)
    facts = store.design_facts(project, [study_id])[study_id]
    return suggest_design(facts["publication_types"], facts["mesh"], facts["title"] or "")


def design_readings(
    project: Project, study_ids: list[int]
) -> tuple[dict[int, DesignSuggestion], dict[int, str]]:
    """The design each study's publication types and MeSH suggest, and the route its MeSH
    headings name (studies without one left out), from one read of the studies."""
    facts = store.design_facts(project, study_ids)
    suggestions = {sid: suggest_design(f["publication_types"], f["mesh"], f["title"] or "")
                   for sid, f in facts.items()}
    routes = {sid: route for sid, f in facts.items() if (route := route_from_mesh(f["mesh"]))}
    return suggestions, routes


def new_appraisal(project: Project, study: str | int) -> AppraisalState:
    """An empty appraisal with the suggested design and its risk-of-bias tool, and the
    route when the MeSH headings name one."""
    study_id = resolve_study(project, study)
    suggestion = design_suggestion(project, study_id)
    mesh = store.design_facts(project, [study_id])[study_id]["mesh"]
    return AppraisalState(design=suggestion.design, suggested_design=suggestion.design,
                          rob_tool=rob_tool_for(suggestion.design),
                          route=route_from_mesh(mesh))


def my_appraisal(project: Project, study: str | int, reviewer: str) -> AppraisalState | None:
    """The reviewer's current appraisal of a study, or None."""
    study_id = resolve_study(project, study)
    reviewer_id = store.reviewer_id(project, reviewer)
    if reviewer_id is None:
        return None
    rows = [r for r in store.current_judgements(project, KIND, study_id=study_id,
                                                reviewer_id=reviewer_id)
            if r["claim_id"] is None]
    return AppraisalState.from_json(rows[-1]["after"]) if rows else None


@dataclass(frozen=True)
class AppraisalView:
    event_id: int
    study_id: int
    reviewer: str
    state: AppraisalState


def appraise(
    project: Project, study: str | int, state: AppraisalState, *, reviewer: str,
) -> AppraisalView:
    """Save ``reviewer``'s appraisal (validated; the overall risk of bias is filled in from
    the domains when left empty). The suggested design is recorded beside the chosen one."""
    study_id = resolve_study(project, study)
    if state.suggested_design is None:
        state = replace(state, suggested_design=design_suggestion(project, study_id).design)
    checked = state.validated()
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        event_id = append_event(project, KIND, reviewer_id=reviewer_id, study_id=study_id,
                                after=checked.to_json(), note=checked.note)
    return AppraisalView(event_id, study_id, reviewer.strip(), checked)


_FIELDS = ("participants", "follow_up", "dose", "route", "comparator", "rob_overall",
           "funding", "conflicts", "note")


def update_appraisal(
    project: Project, study: str | int, *, reviewer: str, design: str | None = None,
    rob: dict[str, str] | None = None, **fields: Any,
) -> AppraisalView:
    """Change some fields of the reviewer's appraisal (a new one starts from the
    suggestion): what the CLI's ``appraise`` does. Changing the design to one with another
    risk-of-bias tool starts the domains afresh."""
    unknown = set(fields) - set(_FIELDS)
    if unknown:
        raise AppraisalError(f"Unknown appraisal field(s): {', '.join(sorted(unknown))}.")
    current = my_appraisal(project, study, reviewer) or new_appraisal(project, study)
    if design is not None:
        try:
            chosen = parse_design(design)
        except ValueError as exc:
            raise AppraisalError(str(exc)) from None
        tool = rob_tool_for(chosen)
        if tool is not current.rob_tool:
            current = replace(current, rob_tool=tool, rob_domains={}, rob_overall="")
        current = replace(current, design=chosen)
    if rob:
        domains = dict(current.rob_domains)
        domains.update({k.strip(): v.strip() for k, v in rob.items()})
        current = replace(current, rob_domains=domains,
                          rob_overall="" if "rob_overall" not in fields else current.rob_overall)
    values = {k: v for k, v in fields.items() if v is not None}
    return appraise(project, study, replace(current, **values), reviewer=reviewer)


def appraisals(
    project: Project, study: str | int, viewer: str
) -> tuple[list[tuple[str, AppraisalState]], int]:
    """(reviewer, appraisal) pairs ``viewer`` may see (blind mode), and how many are hidden."""
    study_id = resolve_study(project, study)
    shown, hidden = review.visible_judgements(project, KIND, viewer, study_id=study_id)
    return [(j.reviewer, AppraisalState.from_json(j.after)) for j in shown], hidden


#: Up to this many studies, only their appraisals are read (the claims list asks
#: for each claim's few linked studies: reading every appraisal per claim was claims x
#: appraisals JSON decodes); more, and one read of every appraisal is cheaper.
FEW_STUDIES = 500


def effective_appraisals(
    project: Project, study_ids: list[int], viewer: str | None
) -> dict[int, AppraisalState]:
    """The appraisal that counts for each study, as ``viewer`` may see it: an arbiter's
    resolution, else the viewer's own, else (when visible) the latest by anyone."""
    wanted = set(study_ids)
    standing = {s.study_id: r for s, r in review.resolutions(project).items()
                if s.kind == KIND and s.study_id in wanted}
    if len(wanted) <= FEW_STUDIES:  # these studies' rows, from the events index
        items = [review.Judgement.from_row(r)
                 for r in studies_current_judgements(project, KIND, sorted(wanted))]
    else:
        items = [j for j in review.judgements(project, KIND) if j.study_id in wanted]
    shown, _ = review.visible(project, items, viewer)
    out: dict[int, AppraisalState] = {}
    for j in shown:  # oldest first: later ones win, then the viewer's own
        out[j.study_id or 0] = AppraisalState.from_json(j.after)
    for j in shown:
        if j.reviewer == viewer:
            out[j.study_id or 0] = AppraisalState.from_json(j.after)
    for study_id, resolution in standing.items():
        if study_id is not None:
            out[study_id] = AppraisalState.from_json(resolution.final)
    return out


def appraisal_json(view: AppraisalView) -> dict[str, Any]:
    return {"event_id": view.event_id, "study_id": view.study_id, "reviewer": view.reviewer,
            **view.state.to_json()}


def design_of(state: AppraisalState | None, suggestion: DesignSuggestion) -> StudyDesign:
    """The confirmed design if appraised, else the suggestion."""
    return state.design if state is not None else suggestion.design
