"""The refresher: chain order, retries with backoff, last good kept, deadline, single flight."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from flask_caching.backends import SimpleCache

from providers.board import Board
from providers.errors import BadPayload, EmptyResult, RateLimited, Unavailable
from providers.leader import FileLeadership
from providers.models import Status
from providers.refresher import Refresher
from providers.store import SnapshotStore
from tests.providers.fakes import (
    T0,
    HangingProvider,
    ScriptedProvider,
    quotes_for,
    settings_with,
)


def fails(error: Exception):
    def script(request, call):
        raise error

    return script


def answers(price: float = 100.0):
    return lambda request, call: quotes_for(request, price)


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


def make(tmp_path: Path, settings, *providers, sleeps=None, clock=None):
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=tmp_path / "snaps")
    sleeps = sleeps if sleeps is not None else []
    refresher = Refresher(
        settings,
        {p.name: p for p in providers},
        store,
        clock=clock or Clock(),
        sleep=sleeps.append,
    )
    return refresher, store


def test_primary_answers_status_ok_and_persisted(tmp_path):
    primary = ScriptedProvider("a", answers(101.5))
    refresher, store = make(tmp_path, settings_with(["a", "b"]), primary)
    snap = refresher.refresh("fx")
    assert (snap.status, snap.source, snap.failures, snap.fetch_count) == (Status.OK, "a", 0, 1)
    assert [q.price for q in snap.records] == [101.5, 101.5]
    assert snap.as_of == T0 and snap.fetched_at == T0
    assert store.read("fx") == snap
    assert (tmp_path / "snaps" / "open" / "fx.json").exists()


def test_falls_back_in_chain_order_after_retries(tmp_path):
    primary = ScriptedProvider("a", fails(Unavailable("HTTP 503")))
    secondary = ScriptedProvider("b", answers(99.0))
    third = ScriptedProvider("c", answers(1.0))
    sleeps: list[float] = []
    refresher, _ = make(
        tmp_path, settings_with(["a", "b", "c"]), primary, secondary, third, sleeps=sleeps
    )
    snap = refresher.refresh("fx")
    assert (snap.status, snap.source) == (Status.FALLBACK, "b")
    assert snap.records[0].price == 99.0
    assert "a: HTTP 503" in snap.error
    assert (primary.calls, secondary.calls, third.calls) == (2, 1, 0)
    assert sleeps == [0.5]


def test_backoff_is_exponential_and_only_for_retryable_errors(tmp_path):
    flaky = ScriptedProvider("a", fails(Unavailable("down")))
    sleeps: list[float] = []
    refresher, _ = make(tmp_path, settings_with(["a"], attempts=4), flaky, sleeps=sleeps)
    refresher.refresh("fx")
    assert sleeps == [0.5, 1.0, 2.0]
    assert flaky.calls == 4

    broken = ScriptedProvider("a", fails(BadPayload("not JSON")))
    sleeps.clear()
    refresher, _ = make(tmp_path, settings_with(["a"], attempts=4), broken, sleeps=sleeps)
    refresher.refresh("fx")
    assert (broken.calls, sleeps) == (1, [])


def test_retry_after_is_honoured_or_provider_skipped_while_it_lasts(tmp_path):
    short = ScriptedProvider("a", fails(RateLimited("429", retry_after_s=3)))
    sleeps: list[float] = []
    refresher, _ = make(tmp_path, settings_with(["a"]), short, sleeps=sleeps)
    refresher.refresh("fx")
    assert sleeps == [3]

    long = ScriptedProvider("a", fails(RateLimited("429", retry_after_s=600)))
    backup = ScriptedProvider("b", answers())
    sleeps.clear()
    refresher, _ = make(tmp_path, settings_with(["a", "b"]), long, backup, sleeps=sleeps)
    assert refresher.refresh("fx").source == "b"
    assert (long.calls, sleeps) == (1, [])
    again = refresher.refresh("fx")
    assert long.calls == 1, "provider must not be called again before its Retry-After"
    assert "rate limited; retrying after" in again.error


def test_all_failing_keeps_last_good_as_stale(tmp_path):
    script = {"fail": False}

    def primary_script(request, call):
        if script["fail"]:
            raise Unavailable("connection refused")
        return quotes_for(request, 123.0)

    primary = ScriptedProvider("a", primary_script)
    secondary = ScriptedProvider("b", fails(EmptyResult("nothing")))
    clock = Clock()
    refresher, store = make(tmp_path, settings_with(["a", "b"]), primary, secondary, clock=clock)
    good = refresher.refresh("fx")
    script["fail"] = True
    clock.now = T0.replace(minute=1)
    snap = refresher.refresh("fx")
    assert snap.status is Status.STALE
    assert snap.records == good.records and snap.fetched_at == good.fetched_at
    assert snap.source == "a"
    assert "a: connection refused" in snap.error and "b: nothing" in snap.error
    assert (snap.failures, snap.fetch_count) == (1, 2)
    assert refresher.refresh("fx").failures == 2
    assert refresher.next_delay("fx", store.read("fx")) == 60  # 15 s cadence, doubled twice


def test_nothing_ever_fetched_is_error_or_empty(tmp_path):
    refresher, _ = make(
        tmp_path, settings_with(["a"]), ScriptedProvider("a", fails(Unavailable("x")))
    )
    snap = refresher.refresh("fx")
    assert (snap.status, snap.records, snap.failures) == (Status.ERROR, (), 1)

    refresher, _ = make(
        tmp_path, settings_with(["a"]), ScriptedProvider("a", fails(EmptyResult("weekend")))
    )
    assert refresher.refresh("fx").status is Status.EMPTY

    refresher, _ = make(tmp_path, settings_with([]))
    assert "no provider configured for the open edition" in refresher.refresh("fx").error


def test_a_provider_bug_is_contained(tmp_path):
    buggy = ScriptedProvider("a", fails(KeyError("regularMarketPrice")))
    refresher, _ = make(
        tmp_path, settings_with(["a", "b"]), buggy, ScriptedProvider("b", answers())
    )
    snap = refresher.refresh("fx")
    assert (snap.status, snap.source) == (Status.FALLBACK, "b")
    assert "a: unexpected KeyError" in snap.error


def test_deadline_is_enforced_against_a_hanging_provider(tmp_path):
    hung = HangingProvider("a")
    settings = settings_with(["a", "b"], deadline_s=0.3, attempts=1, max_hung_calls=2)
    refresher, _ = make(tmp_path, settings, hung, ScriptedProvider("b", answers(7.0)))
    try:
        started = time.monotonic()
        snap = refresher.refresh("fx")
        elapsed = time.monotonic() - started
        assert elapsed < 3, f"refresh took {elapsed:.1f} s with a 0.3 s deadline"
        assert (snap.status, snap.source) == (Status.FALLBACK, "b")
        assert "a: no answer within 0.3 s" in snap.error
        refresher.refresh("fx")
        assert hung.calls == 2 and refresher.hung.count("a") == 2
        # Two calls are still hung: the provider is not called a third time.
        third = refresher.refresh("fx")
        assert hung.calls == 2
        assert "earlier calls still hung" in third.error
    finally:
        hung.release.set()
    deadline = time.monotonic() + 5
    while refresher.hung.count("a") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert refresher.hung.count("a") == 0


def test_single_flight_for_concurrent_refreshes(tmp_path):
    slow = ScriptedProvider("a", answers(), delay_s=0.3)
    refresher, _ = make(tmp_path, settings_with(["a"]), slow)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(refresher.refresh("fx"))) for _ in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert slow.calls == 1
    assert len(results) == 20 and {r.fetch_count for r in results} == {1}


def test_scheduled_refresh_fetches_once_per_cadence_under_concurrent_reads(tmp_path):
    provider = ScriptedProvider("a", answers(), delay_s=0.05)
    settings = settings_with(["a"], refresh_s=0.5, stale_after_s=5)
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=None)
    refresher = Refresher(settings, {"a": provider}, store)
    board = Board(settings, store, refresher)
    stop = threading.Event()
    reads = []

    def reader():
        while not stop.is_set():
            reads.append(board.snapshot("fx").status)

    readers = [threading.Thread(target=reader) for _ in range(16)]
    for t in readers:
        t.start()
    started = time.monotonic()
    refresher.start()
    time.sleep(1.8)
    refresher.stop()
    elapsed = time.monotonic() - started
    stop.set()
    for t in readers:
        t.join()
    # A 0.5 s cadence: never more than one fetch per cadence, however many readers (a slow
    # machine may fit fewer; the bound that matters is the upper one).
    assert 2 <= provider.calls <= elapsed / 0.5 + 1, (provider.calls, elapsed)
    assert store.read("fx").fetch_count == provider.calls
    assert len(reads) > 100 and Status.OK in reads


def test_new_leader_keeps_the_cadence_of_the_previous_one(tmp_path):
    provider = ScriptedProvider("a", answers())
    settings = settings_with(["a"], refresh_s=60, stale_after_s=120)
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=None)
    Refresher(settings, {"a": provider}, store).refresh("fx")  # the previous leader's fetch
    successor = Refresher(settings, {"a": provider}, store)
    successor.start()
    time.sleep(0.5)
    successor.stop()
    assert provider.calls == 1, "a fresh snapshot must not be fetched again on takeover"


def test_one_leader_per_lock_file_and_takeover(tmp_path):
    first = FileLeadership(tmp_path / "refresher.lock")
    second = FileLeadership(tmp_path / "refresher.lock")
    assert first.acquire() is True
    assert second.acquire() is False
    assert first.acquire() is True  # re-entrant for the holder
    first.release()
    assert second.acquire() is True
    second.release()


@pytest.mark.parametrize("failures, expected", [(0, 15), (1, 30), (3, 120), (9, 120)])
def test_next_delay_backs_off_with_a_cap(tmp_path, failures, expected):
    refresher, _ = make(tmp_path, settings_with(["a"], max_backoff_s=120))
    from providers.models import Snapshot

    assert refresher.next_delay("fx", Snapshot(dataset="fx", failures=failures)) == expected


def test_failures_are_logged_newest_first_and_bounded(tmp_path):
    from providers.models import FAILURE_LOG_SIZE

    primary = ScriptedProvider("a", fails(Unavailable("HTTP 503")))
    secondary = ScriptedProvider("b", fails(BadPayload("not CSV")))
    clock = Clock()
    refresher, _ = make(
        tmp_path, settings_with(["a", "b"], attempts=1), primary, secondary, clock=clock
    )
    refresher.refresh("fx")
    clock.now = T0.replace(minute=5)
    snap = refresher.refresh("fx")
    assert [(e.provider, e.error, e.at.minute) for e in snap.failure_log] == [
        ("b", "not CSV", 5),
        ("a", "HTTP 503", 5),
        ("b", "not CSV", 0),
        ("a", "HTTP 503", 0),
    ]
    for _ in range(15):
        snap = refresher.refresh("fx")
    assert len(snap.failure_log) == FAILURE_LOG_SIZE


def test_validation_rejecting_everything_moves_on_to_the_next_provider(tmp_path):
    from providers.models import Finding

    def reject_all(records, **_):
        return [], [Finding(tier="core", rule="future_time", detail="in the future", rejected=True)]

    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=None)
    refresher = Refresher(
        settings_with(["a", "b"]),
        {"a": ScriptedProvider("a", answers()), "b": ScriptedProvider("b", answers(2.0))},
        store,
        validator=reject_all,
        clock=Clock(),
    )
    snap = refresher.refresh("fx")
    assert snap.status is Status.ERROR
    assert "a: every record failed validation (in the future)" in snap.error


def test_cross_check_flags_a_source_disagreeing_with_its_fallback(tmp_path):
    from config.schema import Validation

    settings = settings_with(["a", "b"])
    dataset = settings.datasets["fx"].model_copy(
        update={"validation": Validation(cross_check_every=2, cross_check_tolerance_pct=1.0)}
    )
    settings = settings.model_copy(update={"datasets": {"fx": dataset}})
    primary, secondary = (
        ScriptedProvider("a", answers(100.0)),
        ScriptedProvider("b", answers(103.0)),
    )
    refresher, _ = make(tmp_path, settings, primary, secondary)
    first = refresher.refresh("fx")
    assert (first.findings, secondary.calls) == ((), 0)  # only every 2nd refresh asks b
    second = refresher.refresh("fx")
    assert secondary.calls == 1 and second.source == "a" and second.status is Status.OK
    assert {f.rule for f in second.findings} == {"disagrees"}
    assert all(not f.rejected and "b" in f.detail for f in second.findings)


def test_instruments_the_first_source_lacks_are_filled_from_the_next(tmp_path):
    from config.schema import Instrument

    settings = settings_with(["a", "b"])
    dataset = settings.datasets["fx"].model_copy(
        update={
            "instruments": [
                Instrument(id="eurusd", name="EUR/USD", symbols={"a": "EURUSD", "b": "EURUSD=X"}),
                Instrument(id="usdcnh", name="USD/CNH", symbols={"b": "CNH=X"}),  # only b maps it
            ]
        }
    )
    settings = settings.model_copy(update={"datasets": {"fx": dataset}})

    def only_mapped(price):
        def script(request, call):
            batch = quotes_for(request, price)
            mapped = {i.id for i in request.instruments if name_of(request) in i.symbols}
            batch.records = [q for q in batch.records if q.symbol in mapped]
            return batch

        return script

    def name_of(request):
        return "a" if len(request.instruments) == 2 else "b"

    primary, secondary = (
        ScriptedProvider("a", only_mapped(1.08)),
        ScriptedProvider("b", only_mapped(7.2)),
    )
    primary.symbol = lambda i: i.symbols.get("a")
    secondary.symbol = lambda i: i.symbols.get("b")
    refresher, _ = make(tmp_path, settings, primary, secondary)
    snap = refresher.refresh("fx")
    assert (snap.status, snap.source) == (Status.OK, "a+b")
    assert {(q.symbol, q.price) for q in snap.records} == {("eurusd", 1.08), ("usdcnh", 7.2)}
    assert secondary.calls == 1  # asked only for what was missing


def test_an_instrument_missing_from_a_good_answer_keeps_its_last_value_marked_kept(tmp_path):
    def script(request, call):
        batch = quotes_for(request, 100.0 + call)
        if call == 2:  # the second answer lacks USD/JPY (refused, failed or absent)
            batch.records = [r for r in batch.records if r.symbol != "usdjpy"]
            batch.problems.append("usdjpy: price is not a number")
        return batch

    clock = Clock()
    refresher, _ = make(tmp_path, settings_with(["a"]), ScriptedProvider("a", script), clock=clock)
    first = refresher.refresh("fx")
    clock.now = T0.replace(minute=1)
    second = refresher.refresh("fx")
    by_symbol = {q.symbol: q for q in second.records}
    assert by_symbol["eurusd"].price == 102.0 and not by_symbol["eurusd"].kept
    assert by_symbol["usdjpy"].kept and by_symbol["usdjpy"].price == 101.0
    assert by_symbol["usdjpy"].as_of == first.records[1].as_of, "its own age is kept"
    assert "previous value kept for usdjpy" in second.error
    clock.now = T0.replace(minute=2)
    third = {q.symbol: q for q in refresher.refresh("fx").records}
    assert not third["usdjpy"].kept and third["usdjpy"].price == 103.0
