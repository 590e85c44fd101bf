"""One running Evidence Tracker per project database (QLockFile beside the database).

QLockFile records the holder's PID and host, and treats the lock of a dead process as
stale, so a killed instance never locks a project out.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile


class ProjectLocked(Exception):
    """The project is open in another running instance."""


class ProjectLock:
    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.lock_path = db_path.with_name(db_path.name + ".lock")
        self._lock = QLockFile(str(self.lock_path))
        self._lock.setStaleLockTime(0)  # staleness by dead PID only, never by age

    def acquire(self) -> None:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        if self._lock.tryLock(200):
            return
        if self._lock.error() == QLockFile.LockError.LockFailedError:
            info = self._lock.getLockInfo()  # (pid, host, app) in PySide6
            pid, host = (info[0], info[1]) if len(info) >= 2 else (0, "")
            who = f"process {pid} on {host or 'this computer'}" if pid else "another program"
            raise ProjectLocked(
                f"{self.db_path.name} is already open in another Evidence Tracker window "
                f"({who}). Switch to that window, or close it and try again."
            )
        raise ProjectLocked(
            f"Cannot create the lock file {self.lock_path}: check that the folder is writable."
        )

    def release(self) -> None:
        if self._lock.isLocked():
            self._lock.unlock()
