"""Enforce a deadline on a blocking call that ignores its own timeout.

yfinance blocks ~130 s on a hung host whatever `timeout=` says; fredapi and
`feedparser.parse(url)` can wait forever. Python cannot kill a thread, so the call runs in a
daemon thread and the caller stops waiting at the deadline. A call abandoned this way may keep
running, so a dead upstream could pile up threads without bound: `HungCalls` caps them.

The cap is `refresh.max_hung_calls` per provider (the key), across every dataset it serves:
that many abandoned calls still running, and the provider is not called again until one ends.
It holds exactly: each call reserves one of the provider's slots before it starts (checked and
taken under one lock) and gives it back when its thread ends, answered or abandoned, so no more
calls than slots can ever be running, hung or not. A call finding every slot taken by a call
still within its deadline waits for one (its wait counts against its own deadline); finding
every slot taken by an abandoned call, it is refused at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from providers.errors import DeadlineExceeded, Unavailable

T = TypeVar("T")


class HungCalls:
    """Per key, slots for calls running (at most `limit`), and how many of those are hung."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._changed = threading.Condition()
        self._running: dict[str, int] = {}  # calls started and not ended, hung or not
        self._hung: dict[str, int] = {}  # of those, the ones their caller abandoned

    def count(self, key: str) -> int:
        """How many abandoned calls for `key` have not returned yet."""
        with self._changed:
            return self._hung.get(key, 0)

    def running(self, key: str) -> int:
        """How many calls for `key` are running (within their deadline or hung)."""
        with self._changed:
            return self._running.get(key, 0)

    def reserve(self, key: str, timeout_s: float) -> None:
        """Take one of `key`'s slots, waiting at most `timeout_s` for one to be given back.

        Raises Unavailable when every slot is held by a hung call (not calling again), and
        DeadlineExceeded when the calls holding them were still within their deadline at the
        end of the wait.
        """
        end = time.monotonic() + timeout_s
        with self._changed:
            while self._running.get(key, 0) >= self.limit:
                if (hung := self._hung.get(key, 0)) >= self.limit:
                    raise Unavailable(f"{hung} earlier calls still hung; not calling again")
                left = end - time.monotonic()
                if left <= 0:
                    raise DeadlineExceeded(
                        f"no answer within {timeout_s:g} s ({self.limit} calls already running)"
                    )
                self._changed.wait(left)
            self._running[key] = self._running.get(key, 0) + 1

    def abandon(self, key: str) -> None:
        """A call holding a slot was given up by its caller and runs on: it is hung."""
        with self._changed:
            self._hung[key] = self._hung.get(key, 0) + 1
            self._changed.notify_all()

    def release(self, key: str, *, hung: bool) -> None:
        """A call holding a slot ended (`hung`: after its caller abandoned it)."""
        with self._changed:
            self._running[key] -= 1
            if hung:
                self._hung[key] -= 1
            self._changed.notify_all()


def call_with_deadline(fn: Callable[[], T], deadline_s: float, *, key: str, hung: HungCalls) -> T:
    """Run `fn` and return its result, or raise DeadlineExceeded after `deadline_s` seconds
    (waiting for a free slot included); Unavailable when `key` has too many calls hung."""
    started = time.monotonic()
    hung.reserve(key, deadline_s)
    left = max(0.0, deadline_s - (time.monotonic() - started))

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
                hung.release(key, hung=abandoned.is_set())

    worker = threading.Thread(target=run, name=f"call:{key}", daemon=True)
    try:
        worker.start()
    except BaseException:  # no thread: give the slot back
        hung.release(key, hung=False)
        raise
    if not done.wait(left):
        with state_lock:
            if not done.is_set():
                abandoned.set()
                hung.abandon(key)
        if abandoned.is_set():
            raise DeadlineExceeded(f"no answer within {deadline_s:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
