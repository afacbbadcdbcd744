"""Enforce a deadline on a blocking call that ignores its own timeout.

yfinance blocks ~130 s on a hung host whatever `timeout=` says; fredapi and
`feedparser.parse(url)` can wait forever. Python cannot kill a thread, so the call runs in a
daemon thread and the caller stops waiting at the deadline. A call abandoned this way may keep
running; `HungCalls` counts those per provider and refuses new calls while too many are still
hung, so a dead upstream cannot pile up threads without bound.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from providers.errors import DeadlineExceeded, Unavailable

T = TypeVar("T")


class HungCalls:
    """Counts abandoned calls per key that are still running."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}

    def count(self, key: str) -> int:
        """How many abandoned calls for `key` have not returned yet."""
        with self._lock:
            return self._running.get(key, 0)

    def _add(self, key: str, delta: int) -> None:
        with self._lock:
            self._running[key] = self._running.get(key, 0) + delta


def call_with_deadline(fn: Callable[[], T], deadline_s: float, *, key: str, hung: HungCalls) -> T:
    """Run `fn` and return its result, or raise DeadlineExceeded after `deadline_s` seconds."""
    if hung.count(key) >= hung.limit:
        raise Unavailable(f"{hung.count(key)} earlier calls still hung; not calling again")

    outcome: dict[str, object] = {}
    done = threading.Event()
    abandoned = threading.Event()
    state_lock = threading.Lock()

    def run() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread as is
            outcome["error"] = exc
        finally:
            with state_lock:
                done.set()
                if abandoned.is_set():
                    hung._add(key, -1)

    worker = threading.Thread(target=run, name=f"call:{key}", daemon=True)
    worker.start()
    if not done.wait(deadline_s):
        with state_lock:
            if not done.is_set():
                abandoned.set()
                hung._add(key, +1)
        if abandoned.is_set():
            raise DeadlineExceeded(f"no answer within {deadline_s:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
