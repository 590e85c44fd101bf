"""Undo and redo of a reviewer's judgements (new events that name what they revert), and
the history of a study or claim in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evidence_tracker.domain.review import (
    JUDGEMENT_KINDS,
    KIND_LABELS,
    RESOLUTION,
    UNDOABLE_KINDS,
    StackEvent,
    can_see_others,
    is_arbitration,
    undo_stacks,
    value_text,
)
from evidence_tracker.services.claims import require_reviewer
from evidence_tracker.services.review.core import (
    Subject,
    blind_mode,
    by_subject,
    carry_resolution,
    judgements,
    resolutions,
    review_team,
)
from evidence_tracker.store import Project
from evidence_tracker.store import judgements as store
from evidence_tracker.store.events import append_event
from evidence_tracker.store.events import history as raw_history


@dataclass(frozen=True)
class UndoStep:
    """What undo or redo did (or would do): the event it reverts and the new event."""

    reverted: StackEvent
    event_id: int = 0

    @property
    def kind(self) -> str:
        return self.reverted.kind

    @property
    def description(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind).lower()


#: How many of a reviewer's newest events undo and redo read first (doubled while that
#: window cannot tell the tops of the stacks).
UNDO_WINDOW = 256


def _stacks(
    project: Project, reviewer: str, kinds: Sequence[str]
) -> tuple[list[StackEvent], list[StackEvent]]:
    """The reviewer's (done, undone) stacks, exact at their tops (what undo and redo
    use), from the newest events only: a window of them is enough once it holds the
    events on top of both stacks, so the work does not grow with the reviewer's history."""
    reviewer_id = store.reviewer_id(project, reviewer)
    if reviewer_id is None:
        return [], []
    window = UNDO_WINDOW
    while True:
        events = [StackEvent.from_row(r)
                  for r in store.reviewer_events(project, reviewer_id, kinds, last=window)]
        stacks = undo_stacks(events)
        if len(events) < window or _tops_known(events, *stacks):
            return stacks
        window *= 4


def _tops_known(
    events: Sequence[StackEvent], done: Sequence[StackEvent], undone: Sequence[StackEvent],
) -> bool:
    """Whether stacks built from ``events`` (the newest of a longer history) have the
    tops the whole history gives: nothing in them reverts an older event, the done stack
    is not empty, and a new judgement among them cleared any older undone stack."""
    window = {e.id for e in events}
    if any(e.reverts is not None and e.reverts not in window for e in events) or not done:
        return False
    return bool(undone) or any(e.reverts is None and not is_arbitration(e.after)
                               for e in events)


def undo_available(
    project: Project, reviewer: str, kinds: Sequence[str] = UNDOABLE_KINDS,
) -> tuple[StackEvent | None, StackEvent | None]:
    """(what undo would revert, what redo would revert) for ``reviewer``."""
    done, undone = _stacks(project, reviewer, kinds)
    return (done[-1] if done else None), (undone[-1] if undone else None)


def _revert(project: Project, reviewer_id: int, top: StackEvent, label: str) -> int:
    """Append the event that restores ``top.before`` (reverts = ``top.id``)."""
    subject = Subject(top.kind, top.study_id, top.claim_id)
    if top.kind != RESOLUTION:
        return append_event(project, top.kind, reviewer_id=reviewer_id,
                            study_id=top.study_id, claim_id=top.claim_id, after=top.before,
                            note=label, reverts=top.id)
    new_id = store.insert_event(project, RESOLUTION, reviewer_id=reviewer_id, before=top.after,
                                after=top.before, study_id=top.study_id,
                                claim_id=top.claim_id, note=label, reverts=top.id)
    for record in (top.after, top.before):
        if record and record.get("of") in ("grade", "link"):
            of = Subject(record["of"], subject.study_id, subject.claim_id)
            final = top.before["final"] if top.before else None
            carry_resolution(project, of, final, new_id, reviewer_id)
            break
    return new_id


def undo(
    project: Project, reviewer: str, kinds: Sequence[str] = UNDOABLE_KINDS,
) -> UndoStep | None:
    """Undo ``reviewer``'s latest judgement of ``kinds``: a new event restoring the
    previous state (its ``reverts`` names the undone event). None if nothing to undo."""
    with project.transaction():
        done, _ = _stacks(project, reviewer, kinds)
        if not done:
            return None
        reviewer_id = require_reviewer(project, reviewer)
        return UndoStep(done[-1], _revert(project, reviewer_id, done[-1], "undo"))


def redo(
    project: Project, reviewer: str, kinds: Sequence[str] = UNDOABLE_KINDS,
) -> UndoStep | None:
    """Redo the judgement ``reviewer`` last undid (a new event; None if nothing to redo)."""
    with project.transaction():
        _, undone = _stacks(project, reviewer, kinds)
        if not undone:
            return None
        reviewer_id = require_reviewer(project, reviewer)
        return UndoStep(undone[-1], _revert(project, reviewer_id, undone[-1], "redo"))


# -- history -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    event_id: int
    occurred_at: str
    reviewer: str
    kind: str
    study_id: int | None
    claim_id: int | None
    before: str
    after: str
    note: str
    reverts: int | None


@dataclass(frozen=True)
class HistoryView:
    entries: list[HistoryEntry]
    hidden: int = 0  # other reviewers' events blind mode keeps from the viewer


def history(
    project: Project, *, study_id: int | None = None, claim_id: int | None = None,
    viewer: str | None = None,
) -> HistoryView:
    """Every event about a study and/or claim, oldest first, in words. In blind mode a
    ``viewer`` does not see other reviewers' judgements of subjects not yet complete."""
    events = raw_history(project, study_id=study_id, claim_id=claim_id)
    hidden_subjects: set[Subject] = set()
    if viewer is not None and blind_mode(project):
        team = review_team(project)
        standing = resolutions(project)
        for kind in JUDGEMENT_KINDS:
            # A deleted claim's judgements stay hidden too (its events are in the history).
            for subject, group in by_subject(judgements(
                    project, kind, study_id=study_id, claim_id=claim_id,
                    include_deleted_claims=True)).items():
                judged_by = {j.reviewer for j in group}
                if subject not in standing and not can_see_others(judged_by, viewer, team):
                    hidden_subjects.add(subject)
    entries, hidden = [], 0
    for e in events:
        if e.reviewer != viewer and Subject(e.kind, e.study_id, e.claim_id) in hidden_subjects:
            hidden += 1
            continue
        entries.append(HistoryEntry(e.id, e.occurred_at, e.reviewer, e.kind, e.study_id,
                                    e.claim_id, value_text(e.kind, e.before),
                                    value_text(e.kind, e.after), e.note, e.reverts))
    return HistoryView(entries, hidden)


def history_json(view: HistoryView) -> dict[str, Any]:
    return {"hidden": view.hidden, "events": [
        {"id": e.event_id, "occurred_at": e.occurred_at, "reviewer": e.reviewer or None,
         "kind": e.kind, "study_id": e.study_id, "claim_id": e.claim_id,
         "before": e.before, "after": e.after, "note": e.note, "reverts": e.reverts}
        for e in view.entries]}
