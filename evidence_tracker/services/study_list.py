"""The studies list as the GUI shows it: windows of a filtered list, each study's screening
status for the reviewer looking at it, and what a write touched.

Blind mode holds here as everywhere: a reviewer sees another reviewer's decision (and so a
conflict) only when :func:`evidence_tracker.services.review.visible` lets them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from evidence_tracker.services import review
from evidence_tracker.services.review import Judgement
from evidence_tracker.store import Project, study_window
from evidence_tracker.store import judgements as judgement_store
from evidence_tracker.store.studies import SCREENING_GROUPS, StudyFilter
from evidence_tracker.store.study_window import (
    Touched,
    condition_tree,
    count_between,
    last_event_id,
    neighbour,
    position_of,
)

__all__ = ["SCREENING_GROUPS", "Touched", "condition_tree", "count_between", "last_event_id",
           "neighbour", "position_of", "screening_status", "touched_since",
           "with_screening_group"]

#: What the decision column can say about a study.
CONFLICT = "conflict"
UNSCREENED = "unscreened"


def with_screening_group(project: Project, flt: StudyFilter, group: str,
                         reviewer: str) -> StudyFilter:
    """``flt`` narrowed to the studies ``reviewer`` put in ``group`` (see
    :data:`SCREENING_GROUPS`; "" for every study)."""
    if not group:
        return replace(flt, decision="", reviewer_id=None)
    return replace(flt, decision=group,
                   reviewer_id=judgement_store.reviewer_id(project, reviewer))


def screening_status(project: Project, study_ids: Iterable[int], viewer: str
                     ) -> dict[int, str]:
    """Each study's screening status for ``viewer``: "include", "exclude" or "maybe"
    (their own decision), "conflict" (the decisions ``viewer`` may see disagree and no
    arbiter resolved them) or "unscreened" (no decision of theirs)."""
    ids = list(study_ids)
    items = [Judgement.from_row(r) for r in judgement_store.current_screening(project, ids)]
    out = dict.fromkeys(ids, UNSCREENED)
    if not items:
        return out
    done = {s for s in review.resolutions(project) if s.kind == "screening"}
    shown, _hidden = review.visible(project, items, viewer)  # resolved subjects are open
    by_study: dict[int, list[Judgement]] = {}
    for j in shown:
        if j.study_id is not None:
            by_study.setdefault(j.study_id, []).append(j)
    for study_id, group in by_study.items():
        decided = {str(j.after.get("decision", "")) for j in group}
        resolved = group[0].subject in done
        mine = [j for j in group if j.reviewer == viewer]
        if len(decided) > 1 and not resolved:
            out[study_id] = CONFLICT
        elif mine:
            out[study_id] = str(mine[-1].after.get("decision", UNSCREENED))
    return out


def touched_since(project: Project, since: int) -> Touched:
    """The studies and claims the events after ``since`` are about (see
    :func:`evidence_tracker.store.study_window.touched_since`)."""
    return study_window.touched_since(project, since)
