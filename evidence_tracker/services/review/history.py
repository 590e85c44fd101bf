"""The history of a study or claim as a viewer may see it (blind mode).

:func:`evidence_tracker.services.review.undo.history` words every event; this applies the
blind rule to each one (:meth:`Visibility.event_visible`), so that verdicts, withdrawn
judgements, undos and arbiters' resolutions of subjects the viewer has not judged stay
hidden too, not only the current judgements.
"""

from __future__ import annotations

from dataclasses import replace

from evidence_tracker.services.review.core import Visibility
from evidence_tracker.services.review.undo import HistoryView
from evidence_tracker.services.review.undo import history as worded_history
from evidence_tracker.store import Project
from evidence_tracker.store.events import history as raw_history


def history(
    project: Project, *, study_id: int | None = None, claim_id: int | None = None,
    viewer: str | None = None,
) -> HistoryView:
    """Every event about a study and/or claim, oldest first, in words; in blind mode only
    those ``viewer`` may see (None: every event), with how many are hidden."""
    view = worded_history(project, study_id=study_id, claim_id=claim_id)
    seen = Visibility.of(project, viewer)
    if not seen.blind:
        return view
    shown = {e.id for e in raw_history(project, study_id=study_id, claim_id=claim_id)
             if seen.event_visible(e.kind, e.study_id, e.claim_id, e.reviewer, e.after,
                                   e.before)}
    entries = [e for e in view.entries if e.event_id in shown]
    return replace(view, entries=entries, hidden=len(view.entries) - len(entries))
