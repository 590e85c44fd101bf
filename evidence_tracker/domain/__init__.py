"""Pure domain types and rules; no I/O, no Qt."""

from evidence_tracker.domain.models import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    Study,
)

__all__ = ["AbstractSection", "Author", "CommentCorrection", "MeshHeading", "Study"]
