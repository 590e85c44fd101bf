"""What can go wrong talking to NCBI, as exceptions with messages for people."""

from __future__ import annotations

# --------------------------------------------------------------------------- errors


class EutilsError(Exception):
    """A request to NCBI E-utilities failed; ``str(error)`` is a message for people."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class EutilsServerError(EutilsError):
    """NCBI failed to answer properly (5xx, truncated or malformed reply), even after retries."""


class EutilsConnectionError(EutilsServerError):
    """No complete answer: timeout, refused or dropped connection, even after retries."""


class RateLimitExceeded(EutilsError):
    """NCBI kept answering 429 "API rate limit exceeded", even after retries."""


class EutilsQueryError(EutilsError):
    """NCBI rejected the request itself (bad query, unknown field, too many records...)."""


class HistoryExpired(EutilsQueryError):
    """The WebEnv/query_key of a history search is no longer known to NCBI."""


class FetchCancelled(EutilsError):
    """The caller cancelled the work through its :class:`CancelToken`."""


class _Transient(Exception):
    """A reply that deserves a retry; ``error`` is raised if retries run out."""

    def __init__(self, error: EutilsError) -> None:
        super().__init__(error.message)
        self.error = error

