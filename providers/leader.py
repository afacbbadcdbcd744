"""Who runs the refresher: exactly one process per host holds the leader lock.

Every gunicorn worker starts a refresher thread; only the one that holds an exclusive file
lock fetches. The OS drops the lock when its process dies, so another worker takes over at
its next poll.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout


class FileLeadership:
    """Leadership by an exclusive, non-blocking file lock (one leader per host)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # thread_local=False: the lock belongs to the process, whichever thread polls it.
        self._lock = FileLock(str(path), timeout=0, thread_local=False)

    def acquire(self) -> bool:
        """True when this process leads (taking the lock if it is free)."""
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def release(self) -> None:
        """Give up leadership (at shutdown)."""
        if self._lock.is_locked:
            self._lock.release(force=True)


class AlwaysLeader:
    """Leadership for a single process that needs no lock (tests, one-off tools)."""

    def acquire(self) -> bool:
        """Always leads."""
        return True

    def release(self) -> None:
        """Nothing to release."""
