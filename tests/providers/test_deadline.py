"""The deadline on blocking calls and the cap on abandoned ones (`refresh.max_hung_calls`)."""

from __future__ import annotations

import threading
import time

import pytest

from providers.deadline import HungCalls, call_with_deadline
from providers.errors import DeadlineExceeded, Unavailable


def outcome(fn):
    """What a call ended with: its value, or the type of what it raised."""
    try:
        return fn()
    except Exception as exc:
        return type(exc)


def message(fn):
    """What a call raised, as its type name and message."""
    try:
        return f"returned {fn()!r}"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def test_an_answer_within_the_deadline_is_returned_and_frees_its_slot():
    hung = HungCalls(2)
    assert call_with_deadline(lambda: 42, 1, key="a", hung=hung) == 42
    with pytest.raises(KeyError):
        call_with_deadline(lambda: {}["x"], 1, key="a", hung=hung)
    assert (hung.count("a"), hung.running("a")) == (0, 0)


def test_concurrent_hung_calls_never_exceed_the_cap_and_it_is_per_provider():
    hung = HungCalls(2)
    release = threading.Event()
    started: list[int] = []
    peak = {"hung": 0, "running": 0}

    def blocked():
        started.append(1)
        release.wait(10)
        return "late"

    def watch(stop):
        while not stop.is_set():
            peak["hung"] = max(peak["hung"], hung.count("yahoo"))
            peak["running"] = max(peak["running"], hung.running("yahoo"))
            time.sleep(0.001)

    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(stop,))
    watcher.start()
    results: list[object] = []
    # eight datasets asking the same hung provider at once, as the refresh pool does
    callers = [
        threading.Thread(
            target=lambda: results.append(
                message(lambda: call_with_deadline(blocked, 0.3, key="yahoo", hung=hung))
            )
        )
        for _ in range(8)
    ]
    try:
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(5)
        assert len(started) == 2, "only as many calls as the cap may ever be started"
        assert hung.count("yahoo") == 2
        abandoned = [r for r in results if r == "DeadlineExceeded: no answer within 0.3 s"]
        # the rest were never started: refused (hung) or out of time waiting for a slot
        refused = [r for r in results if "still hung" in r or "calls already running" in r]
        assert (len(abandoned), len(refused)) == (2, 6), results
        # another provider is not held back by this one's hung calls
        assert call_with_deadline(lambda: "ok", 1, key="stooq", hung=hung) == "ok"
        assert outcome(lambda: call_with_deadline(blocked, 1, key="yahoo", hung=hung)) is (
            Unavailable
        )
    finally:
        release.set()
        deadline = time.monotonic() + 5
        while hung.running("yahoo") and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        watcher.join()
    assert peak["hung"] <= 2 and peak["running"] <= 2, peak  # never beyond the cap
    assert (hung.count("yahoo"), hung.running("yahoo")) == (0, 0)
    assert call_with_deadline(lambda: "back", 1, key="yahoo", hung=hung) == "back"


def test_a_call_waits_for_a_slot_within_its_own_deadline():
    hung = HungCalls(1)
    busy = threading.Event()
    slow = threading.Thread(
        target=lambda: call_with_deadline(
            lambda: (busy.set(), time.sleep(0.2)), 2, key="a", hung=hung
        )
    )
    slow.start()
    busy.wait(2)
    started = time.monotonic()
    assert call_with_deadline(lambda: "next", 2, key="a", hung=hung) == "next"  # waited
    assert 0.05 < time.monotonic() - started < 1.5
    slow.join()

    gate = threading.Event()
    holder = threading.Thread(
        target=lambda: call_with_deadline(lambda: gate.wait(3), 3, key="a", hung=hung)
    )
    holder.start()
    while not hung.running("a"):
        time.sleep(0.005)
    try:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="1 calls already running"):
            call_with_deadline(lambda: "never", 0.2, key="a", hung=hung)
        assert time.monotonic() - started < 1, "the wait counts against the caller's deadline"
    finally:
        gate.set()
        holder.join()
