"""Dual review rules: what counts as disagreement, blind visibility, undo and redo (pure)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evidence_tracker.domain.appraisal import rob_label
from evidence_tracker.domain.blinding import SubjectProgress, may_see
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.grade import CERTAINTY_LABELS
from evidence_tracker.domain.models import Certainty

#: Kinds two reviewers judge independently (and an arbiter may resolve).
JUDGEMENT_KINDS: tuple[str, ...] = ("screening", "appraisal", "grade", "link")
RESOLUTION = "resolution"
SETTINGS_EVENT = "review_settings"
#: What undo and redo walk through, per reviewer.
UNDOABLE_KINDS: tuple[str, ...] = (*JUDGEMENT_KINDS, "verdict", RESOLUTION, "inclusion")
KIND_LABELS: Mapping[str, str] = {
    "screening": "Screening", "appraisal": "Appraisal", "grade": "GRADE", "link": "Stance",
    "verdict": "Verdict", RESOLUTION: "Resolution", SETTINGS_EVENT: "Review settings",
    "rereview": "Re-review", "claim": "Claim", "claim_candidate": "Claim candidate",
    "inclusion": "Included studies",
}


class ReviewError(ValueError):
    """A review request that cannot be honoured, explained for the user."""


def compared_value(kind: str, after: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """The part of a judgement two reviewers must agree on (None if there is none).

    Screening: the decision (not the exclusion reason); appraisal: the design and the
    overall risk of bias; GRADE: the certainty; link: the stance.
    """
    if not after:
        return None
    if kind == "screening":
        return (str(after.get("decision", "")),)
    if kind == "appraisal":
        return (str(after.get("design", "")), str(after.get("rob_overall", "")))
    if kind == "grade":
        return (str(after.get("certainty", "")),)
    if kind == "link":
        return (str(after.get("stance", "")),)
    return None


def value_text(kind: str, after: Mapping[str, Any] | None) -> str:
    """A judgement in a few words, for lists and history."""
    if after is None:
        return "—"
    if kind == "screening":
        text = str(after.get("decision", "")).capitalize()
        return f"{text}: {after['reason']}" if after.get("reason") else text
    if kind == "appraisal":
        design = after.get("design", "")
        label = StudyDesign(design).label if design in set(StudyDesign) else str(design)
        rob = rob_label(after.get("rob_tool") or "none", str(after.get("rob_overall") or ""))
        return f"{label}; risk of bias {rob.lower()}" if rob else label
    if kind == "grade":
        value = after.get("certainty", "")
        return CERTAINTY_LABELS[Certainty(value)] if value in set(Certainty) else str(value)
    if kind == "link":
        return str(after.get("stance", "")).replace("_", " ")
    if kind == "verdict":
        return str(after.get("verdict", "")).replace("_", " ")
    if kind == "inclusion":
        ids = after.get("included_study_ids") or []
        return f"includes {len(ids)} stud{'y' if len(ids) == 1 else 'ies'}: " \
            + ", ".join(f"#{i}" for i in ids) if ids else "includes none of the studies"
    if kind == RESOLUTION:
        return f"{KIND_LABELS.get(str(after.get('of')), after.get('of'))} resolved: " \
            f"{value_text(str(after.get('of')), after.get('final'))}"
    if kind == SETTINGS_EVENT:
        return ", ".join(f"{k}: {v}" for k, v in after.items())
    return ", ".join(f"{k}={v}" for k, v in after.items() if not isinstance(v, dict | list))


def can_see_others(judged_by: Collection[str], viewer: str, team: Sequence[str]) -> bool:
    """Blind mode: may ``viewer`` see the other reviewers' judgements of a subject?

    Kept for callers not yet moved to :func:`evidence_tracker.domain.blinding.may_see`,
    which is the rule (this asks it about a judgement by someone other than ``viewer``).
    """
    return may_see(viewer, "\x00other", SubjectProgress.of(judged_by, team))


# -- undo and redo -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StackEvent:
    """An event as undo and redo need it."""

    id: int
    kind: str
    study_id: int | None
    claim_id: int | None
    before: Any
    after: Any
    reverts: int | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> StackEvent:
        return cls(int(row["id"]), str(row["kind"]), row["study_id"], row["claim_id"],
                   row["before"], row["after"], row.get("reverts"))


def is_arbitration(after: Any) -> bool:
    """An event an arbiter appended to carry a resolution into a judgement kind."""
    return isinstance(after, dict) and "arbitrated" in after


def undo_stacks(events: Sequence[StackEvent]) -> tuple[list[StackEvent], list[StackEvent]]:
    """(done, undone) stacks of one reviewer's events, oldest first.

    An event that reverts the top of ``done`` is an undo (it moves to ``undone``); one that
    reverts the top of ``undone`` is a redo (back onto ``done``); any other event is a new
    judgement, which clears ``undone``. Arbitration events, and events reverting them, are
    carried along with their resolution and never stand alone on a stack.
    """
    done: list[StackEvent] = []
    undone: list[StackEvent] = []
    skipped: set[int] = set()
    for e in events:
        if is_arbitration(e.after) or (e.reverts is not None and e.reverts in skipped):
            skipped.add(e.id)
            continue
        if e.reverts is not None and done and done[-1].id == e.reverts:
            done.pop()
            undone.append(e)
        elif e.reverts is not None and undone and undone[-1].id == e.reverts:
            undone.pop()
            done.append(e)
        else:
            done.append(e)
            undone.clear()
    return done, undone
