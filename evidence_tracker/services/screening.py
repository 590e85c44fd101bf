"""Screening: include, exclude (with a reason) or maybe, one ``screening`` event each.

Each reviewer screens independently; counts and progress are per reviewer and condition.
The exclusion reasons are a per-project list the team can edit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evidence_tracker.domain.models import EventKind, ScreeningDecision
from evidence_tracker.domain.screening import (
    DEFAULT_EXCLUSION_REASONS,
    ScreeningError,
    ScreeningState,
    clean_reasons,
    parse_decision,
    query_terms,
)
from evidence_tracker.services import review
from evidence_tracker.services.claims import require_reviewer, resolve_study
from evidence_tracker.store import Project
from evidence_tracker.store import judgements as store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.events import append_event
from evidence_tracker.store.studies import StudyFilter

META_REASONS = "exclusion_reasons"
KIND = EventKind.SCREENING.value


def exclusion_reasons(project: Project) -> list[str]:
    """The project's exclusion reasons (the defaults until the team edits them)."""
    raw = project.meta(META_REASONS)
    if raw:
        try:
            reasons = clean_reasons(str(r) for r in json.loads(raw))
        except (ValueError, TypeError):
            reasons = []
        if reasons:
            return reasons
    return list(DEFAULT_EXCLUSION_REASONS)


def set_exclusion_reasons(project: Project, reasons: Sequence[str]) -> list[str]:
    cleaned = clean_reasons(reasons)
    if not cleaned:
        raise ScreeningError("Keep at least one exclusion reason.")
    project.set_meta(META_REASONS, json.dumps(cleaned, ensure_ascii=False))
    return cleaned


@dataclass(frozen=True)
class ScreeningView:
    event_id: int
    study_id: int
    reviewer: str
    state: ScreeningState


def screen(
    project: Project, study: str | int, decision: str | ScreeningDecision, *, reviewer: str,
    reason: str = "", note: str = "",
) -> ScreeningView:
    """Record ``reviewer``'s decision about a study; an exclusion needs a reason."""
    study_id = resolve_study(project, study)
    chosen = parse_decision(decision)
    reason = " ".join(reason.split())
    if chosen is ScreeningDecision.EXCLUDE and not reason:
        raise ScreeningError("An exclusion needs a reason (e.g. "
                             f"{', '.join(exclusion_reasons(project)[:3]).lower()}…).")
    if chosen is not ScreeningDecision.EXCLUDE:
        reason = ""
    state = ScreeningState(chosen, reason, note.strip())
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        event_id = append_event(project, KIND, reviewer_id=reviewer_id, study_id=study_id,
                                after=state.to_json(), note=note.strip())
    return ScreeningView(event_id, study_id, reviewer.strip(), state)


def my_decision(project: Project, study_id: int, reviewer: str) -> ScreeningState | None:
    """The reviewer's current decision about a study, or None."""
    reviewer_id = store.reviewer_id(project, reviewer)
    if reviewer_id is None:
        return None
    rows = store.current_judgements(project, KIND, study_id=study_id, reviewer_id=reviewer_id)
    rows = [r for r in rows if r["claim_id"] is None]
    return ScreeningState.from_json(rows[-1]["after"]) if rows else None


def decisions(
    project: Project, study_id: int, viewer: str
) -> tuple[list[review.Judgement], int]:
    """Every reviewer's decision about a study as ``viewer`` may see it (blind mode), and
    how many are hidden."""
    return review.visible_judgements(project, KIND, viewer, study_id=study_id)


@dataclass(frozen=True)
class Progress:
    total: int
    include: int = 0
    exclude: int = 0
    maybe: int = 0

    @property
    def screened(self) -> int:
        return self.include + self.exclude + self.maybe

    @property
    def text(self) -> str:
        return f"{self.screened} of {self.total} screened"

    def to_json(self) -> dict[str, int]:
        return {"total": self.total, "screened": self.screened, "include": self.include,
                "exclude": self.exclude, "maybe": self.maybe}


def _condition_id(project: Project, condition: str | None) -> int | None:
    if condition is None:
        return None
    for cid, slug, _, _ in store.condition_rows(project):
        if slug == condition:
            return cid
    raise ScreeningError(f"No condition called {condition!r}.")


def progress(project: Project, reviewer: str, condition: str | None = None) -> Progress:
    """How far ``reviewer`` has screened a condition's studies (or all studies)."""
    counts = store.screening_counts(project, store.reviewer_id(project, reviewer),
                                    _condition_id(project, condition))
    return Progress(**counts)


@dataclass(frozen=True)
class ConditionProgress:
    slug: str
    name: str
    progress: Progress


def progress_by_condition(project: Project, reviewer: str) -> list[ConditionProgress]:
    """Screening progress for every condition with studies, in catalogue order."""
    counts = store.screening_counts_by_condition(project, store.reviewer_id(project, reviewer))
    return [ConditionProgress(slug, name, Progress(**counts[cid]))
            for cid, slug, name, _ in store.condition_rows(project) if cid in counts]


def queue(project: Project, condition: str | None = None) -> list[int]:
    """The study ids to screen for a condition (or all), in the order they arrived."""
    flt = StudyFilter(condition_id=_condition_id(project, condition), sort="id",
                      descending=False)
    return study_store.query_study_ids(project, flt)


def screened_ids(project: Project, reviewer: str) -> dict[int, ScreeningState]:
    """Every study the reviewer has a current decision about."""
    reviewer_id = store.reviewer_id(project, reviewer)
    if reviewer_id is None:
        return {}
    return {r["study_id"]: ScreeningState.from_json(r["after"])
            for r in store.screening_decisions(project, reviewer_id)}


def next_to_screen(
    project: Project, reviewer: str, condition: str | None = None, after: int | None = None,
) -> int | None:
    """The first study of the queue after ``after`` (None: from the start) that
    ``reviewer`` has not decided, wrapping round to the first one; None when every study
    is decided. An index seek per decision, whatever the project's size."""
    condition_id = _condition_id(project, condition)
    reviewer_id = store.reviewer_id(project, reviewer)
    if reviewer_id is None:  # has decided nothing
        return store.queue_step(project, condition_id, after) or \
            store.queue_step(project, condition_id, None)
    found = store.queue_step(project, condition_id, after, unscreened_by=reviewer_id)
    if found is None and after is not None:
        found = store.queue_step(project, condition_id, None, unscreened_by=reviewer_id)
    return found


def queue_neighbour(
    project: Project, study_id: int | None, condition: str | None = None, *,
    forward: bool = True,
) -> int | None:
    """The study after (or before) ``study_id`` in the queue, decided or not (None: the
    first or last one); None past the end."""
    return store.queue_step(project, _condition_id(project, condition), study_id,
                            forward=forward)


def queue_position(project: Project, study_id: int, condition: str | None = None
                   ) -> tuple[int, int]:
    """(0-based position of ``study_id`` in the queue, queue length), from indexes."""
    condition_id = _condition_id(project, condition)
    return (store.queue_position(project, condition_id, study_id),
            store.queue_size(project, condition_id))


def highlight_terms(project: Project, study_id: int | None = None,
                    condition: str | None = None) -> list[str]:
    """The words and phrases of the PubMed queries that found a study (its conditions'
    queries), or of one condition's query, for highlighting."""
    queries = []
    rows = store.condition_rows(project)
    if condition is not None:
        queries = [q for _, slug, _, q in rows if slug == condition]
    if study_id is not None:
        slugs = set(study_store.study_conditions(project, [study_id]).get(study_id, []))
        queries += [q for _, slug, _, q in rows if slug in slugs]
    terms: dict[str, str] = {}
    for q in queries:
        for t in query_terms(q):
            terms.setdefault(t.lower(), t)
    return list(terms.values())


def screening_json(view: ScreeningView) -> dict[str, Any]:
    return {"event_id": view.event_id, "study_id": view.study_id, "reviewer": view.reviewer,
            **view.state.to_json()}
