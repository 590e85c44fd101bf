"""The rate limiter, the set of limiters an application shares (across its processes on
one machine too), and the cancel token every request checks."""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from evidence_tracker.pubmed.eutils.errors import FetchCancelled

try:
    import fcntl
except ImportError:  # Windows: a lock file stands in (see SharedSlots)
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

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


class SharedSlots:
    """The reserved slots of one rate, kept in a small file that every process on this
    machine reads and writes under a lock, so that their requests together keep the rate.

    The file holds one line: ``not_before`` and the last slots, as wall-clock seconds
    (``time.time``, the clock all processes share). Locking is ``fcntl.flock`` where there
    is one (Linux, macOS): the kernel drops the lock of a process that dies. Elsewhere (or
    with ``locking="lockfile"``) a lock file created exclusively beside it stands in, and one
    left by a killed process is broken after :attr:`STALE_LOCK` seconds. A file that cannot
    be read (cut short, garbage) counts as empty; one that cannot be written at all (no
    cache folder) leaves the limiter working for this process alone, with a warning.
    """

    #: A lock file older than this (seconds) was left by a process that died holding it.
    STALE_LOCK = 5.0
    #: Slots or pauses further ahead than this (seconds) are a clock that jumped: dropped.
    HORIZON = 600.0

    def __init__(self, path: Path, *, locking: str = "auto") -> None:
        if locking == "auto":
            locking = "flock" if fcntl is not None else "lockfile"
        if locking not in ("flock", "lockfile"):
            raise ValueError(f"locking must be 'auto', 'flock' or 'lockfile', not {locking!r}")
        if locking == "flock" and fcntl is None:
            raise ValueError("fcntl.flock is not available on this system")
        self.path = path
        self.locking = locking
        self._broken = False

    def update(
        self, change: Callable[[float, list[float]], tuple[float, list[float]]], now: float
    ) -> tuple[float, list[float]] | None:
        """Apply ``change(not_before, slots)`` to the file's state under the lock and store
        what it returns; None (and nothing changed) if the file cannot be used."""
        if self._broken:
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            self._give_up(exc)
            return None
        try:
            with self._locked(fd):
                os.lseek(fd, 0, os.SEEK_SET)  # (no pread/pwrite on Windows)
                not_before, slots = self._parse(os.read(fd, 4096), now)
                not_before, slots = change(not_before, slots)
                values = (max(not_before, 0.0), *slots)  # -inf: no pause
                data = " ".join(f"{v:.6f}" for v in values).encode() + b"\n"
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, data)
                return not_before, slots
        except OSError as exc:
            self._give_up(exc)
            return None
        finally:
            os.close(fd)

    def _give_up(self, exc: OSError) -> None:
        self._broken = True
        log.warning("the rate limit is kept for this process only: cannot use %s (%s)",
                    self.path, exc.strerror or exc)

    @classmethod
    def _parse(cls, data: bytes, now: float) -> tuple[float, list[float]]:
        try:
            values = [float(v) for v in data.split()]
        except ValueError:
            values = []
        if not values or not all(math.isfinite(v) for v in values):
            return -math.inf, []
        ahead = now + cls.HORIZON
        not_before = values[0] if values[0] <= ahead else -math.inf
        return not_before, [v for v in values[1:] if v <= ahead]

    @contextmanager
    def _locked(self, fd: int) -> Iterator[None]:
        if self.locking == "flock":
            assert fcntl is not None
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            return
        lock = self.path.with_name(self.path.name + ".lock")
        while True:
            try:
                os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                break
            except FileExistsError:
                try:
                    if time.time() - lock.stat().st_mtime > self.STALE_LOCK:
                        lock.unlink()  # its owner died holding it
                        continue
                except FileNotFoundError:
                    continue
                time.sleep(0.002)
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)


class RateLimiter:
    """Thread-safe limiter: at most ``capacity`` requests in any sliding window.

    Requests are spaced at least ``1 / rate`` apart, and request *i* and *i + capacity* at
    least ``window * (1 + margin)`` apart, so no 1-second window ever holds more than
    ``floor(rate)`` requests even with some network jitter. Slots are reserved under a
    lock, then waited for outside it.

    With ``shared`` (see :class:`SharedSlots`), the slots live in a file that the limiters
    of other processes share too, and the clock is the wall clock they all read.
    """

    def __init__(
        self,
        requests_per_second: float,
        *,
        window: float = 1.0,
        margin: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        shared: SharedSlots | None = None,
    ) -> None:
        if requests_per_second <= 0 or window <= 0 or margin < 0:
            raise ValueError("requests_per_second and window must be > 0, margin >= 0")
        self.rate = requests_per_second
        self.capacity = max(1, math.floor(requests_per_second * window + 1e-9))
        self.min_interval = 1.0 / requests_per_second
        self.span = max(window, self.capacity / requests_per_second) * (1.0 + margin)
        self.shared = shared
        self._clock = time.time if shared is not None else clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: deque[float] = deque(maxlen=self.capacity)
        self._not_before = -math.inf

    def _next_slot(self, now: float, not_before: float, slots: deque[float]) -> float:
        slot = max(now, not_before)
        if slots:
            slot = max(slot, slots[-1] + self.min_interval)
        if len(slots) == self.capacity:
            slot = max(slot, slots[0] + self.span)
        return slot

    def reserve(self) -> float:
        """Reserve the next slot; return how long the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            if self.shared is not None:
                reserved: list[float] = []

                def take(not_before: float, stored: list[float]) -> tuple[float, list[float]]:
                    slots = deque(stored, maxlen=self.capacity)
                    reserved.append(self._next_slot(now, not_before, slots))
                    slots.append(reserved[0])
                    return not_before, list(slots)

                if self.shared.update(take, now) is not None:
                    return reserved[0] - now
            slot = self._next_slot(now, self._not_before, self._slots)
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
        """Hold every caller back for ``seconds`` (after a 429 or Retry-After); with
        ``shared``, the callers of other processes too."""
        with self._lock:
            now = self._clock()
            self._not_before = max(self._not_before, now + seconds)
            if self.shared is not None:
                until = self._not_before
                self.shared.update(lambda not_before, slots: (max(not_before, until), slots),
                                   now)


class RateLimiters:
    """One :class:`RateLimiter` per (host, rate, margin), handed to every client made with it.

    NCBI counts requests per user, not per client: the count request of one dialog and the
    fetch of another must wait on the same limiter. The application creates one of these
    where it is assembled (GUI or CLI) and passes it down; nothing is kept in a module
    global, so tests and embedding programs get their own.

    NCBI counts per machine too (its address, or its API key), so the application gives a
    ``shared_dir`` (the user cache folder, see ``config.rate_limit_dir``): each limiter then
    keeps its slots in a file there (:class:`SharedSlots`), and a GUI and a CLI fetch, or
    two CLI fetches, keep the rate together. Without one the limiters are this process's.
    """

    def __init__(self, shared_dir: Path | None = None, *, locking: str = "auto") -> None:
        self.shared_dir = shared_dir
        self.locking = locking
        self._lock = threading.Lock()
        self._limiters: dict[tuple[str, float, float], RateLimiter] = {}

    def limiter(self, host: str, requests_per_second: float, margin: float = 0.05) -> RateLimiter:
        """The limiter for ``host`` at this rate, created on first use."""
        key = (host.lower(), float(requests_per_second), float(margin))
        with self._lock:
            found = self._limiters.get(key)
            if found is None:
                found = self._limiters[key] = RateLimiter(
                    requests_per_second, margin=margin, shared=self._shared(*key))
            return found

    def _shared(self, host: str, rate: float, margin: float) -> SharedSlots | None:
        if self.shared_dir is None:
            return None
        name = re.sub(r"[^a-z0-9.-]+", "_", host) or "host"
        return SharedSlots(self.shared_dir / f"{name}-{rate:g}-{margin:g}.slots",
                           locking=self.locking)
