"""The rate limiter, the per-process set of shared limiters, and the cancel token every
request checks."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from evidence_tracker.pubmed.eutils.errors import FetchCancelled

# --------------------------------------------------------------------------- cancel & rate


class CancelToken:
    """A thread-safe cancel flag; waiting on it wakes up as soon as it is cancelled."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask every operation using this token to stop with :class:`FetchCancelled`."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise FetchCancelled("PubMed download cancelled")

    def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds``; raise :class:`FetchCancelled` if cancelled meanwhile."""
        if seconds > 0 and self._event.wait(seconds):
            self.raise_if_cancelled()
        self.raise_if_cancelled()


class RateLimiter:
    """Thread-safe limiter: at most ``capacity`` requests in any sliding window.

    Requests are spaced at least ``1 / rate`` apart, and request *i* and *i + capacity* at
    least ``window * (1 + margin)`` apart, so no 1-second window ever holds more than
    ``floor(rate)`` requests even with some network jitter. Slots are reserved under a
    lock, then waited for outside it.
    """

    def __init__(
        self,
        requests_per_second: float,
        *,
        window: float = 1.0,
        margin: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_second <= 0 or window <= 0 or margin < 0:
            raise ValueError("requests_per_second and window must be > 0, margin >= 0")
        self.rate = requests_per_second
        self.capacity = max(1, math.floor(requests_per_second * window + 1e-9))
        self.min_interval = 1.0 / requests_per_second
        self.span = max(window, self.capacity / requests_per_second) * (1.0 + margin)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: deque[float] = deque(maxlen=self.capacity)
        self._not_before = -math.inf

    def reserve(self) -> float:
        """Reserve the next slot; return how long the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._not_before)
            if self._slots:
                slot = max(slot, self._slots[-1] + self.min_interval)
            if len(self._slots) == self.capacity:
                slot = max(slot, self._slots[0] + self.span)
            self._slots.append(slot)
            return slot - now

    def acquire(self, cancel: CancelToken | None = None) -> float:
        """Wait for the next slot (cancellable through ``cancel``); return the wait."""
        if cancel is not None:
            cancel.raise_if_cancelled()
        delay = self.reserve()
        if delay > 0:
            if cancel is not None:
                cancel.sleep(delay)
            else:
                self._sleep(delay)
        return max(delay, 0.0)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (after a 429 or Retry-After)."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)



class RateLimiters:
    """One :class:`RateLimiter` per (host, rate, margin), handed to every client made with it.

    NCBI counts requests per user, not per client: the count request of one dialog and the
    fetch of another must wait on the same limiter. The application creates one of these
    where it is assembled (GUI or CLI) and passes it down; nothing is kept in a module
    global, so tests and embedding programs get their own.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._limiters: dict[tuple[str, float, float], RateLimiter] = {}

    def limiter(self, host: str, requests_per_second: float, margin: float = 0.05) -> RateLimiter:
        """The limiter for ``host`` at this rate, created on first use."""
        key = (host.lower(), float(requests_per_second), float(margin))
        with self._lock:
            found = self._limiters.get(key)
            if found is None:
                found = self._limiters[key] = RateLimiter(requests_per_second, margin=margin)
            return found
