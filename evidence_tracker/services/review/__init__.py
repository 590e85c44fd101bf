"""Dual independent review: blind mode, conflicts and their resolution by an arbiter
(:mod:`.core`), agreement statistics (:mod:`.agreement`), undo, redo and history
(:mod:`.undo`). Everything is re-exported here: ``review.conflicts(...)``,
``review.agreement(...)``, ``review.undo(...)``.
"""

from evidence_tracker.services.review.agreement import (
    MEASURES,
    AgreementReport,
    AgreementRow,
    agreement,
    agreement_json,
)
from evidence_tracker.services.review.core import (
    META_BLIND,
    META_TEAM,
    Conflict,
    Judgement,
    Resolution,
    Subject,
    SubjectState,
    Visibility,
    blind_mode,
    conflict_json,
    conflicts,
    filter_links,
    judgement_json,
    judgements,
    latest_visible_claim_event,
    parse_subject,
    resolutions,
    resolve,
    review_team,
    reviewer_names,
    set_blind_mode,
    set_review_team,
    subject_labels,
    subject_state,
    visible,
    visible_judgements,
)
from evidence_tracker.services.review.history import history
from evidence_tracker.services.review.undo import (
    HistoryEntry,
    HistoryView,
    UndoStep,
    history_json,
    redo,
    undo,
    undo_available,
)

__all__ = [
    "MEASURES", "META_BLIND", "META_TEAM", "AgreementReport", "AgreementRow", "Conflict",
    "HistoryEntry", "HistoryView", "Judgement", "Resolution", "Subject", "SubjectState",
    "UndoStep", "Visibility", "agreement", "agreement_json", "blind_mode",
    "conflict_json",
    "conflicts", "filter_links", "history", "history_json", "judgement_json", "judgements",
    "latest_visible_claim_event",
    "parse_subject", "redo", "resolutions", "resolve", "review_team", "reviewer_names",
    "set_blind_mode", "set_review_team", "subject_labels", "subject_state", "undo",
    "undo_available", "visible", "visible_judgements",
]
