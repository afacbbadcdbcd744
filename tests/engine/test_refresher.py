"""The refresher: chain order, retries with backoff, last good kept, deadline, single flight."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cachelib import SimpleCache

from config.schema import RecordKind
from engine.board import Board
from engine.leadership import FileLeadership
from engine.refresher import Refresher
from engine.store import SnapshotStore
from engine.validation import validate
from providers.base import Batch
from providers.errors import BadPayload, EmptyResult, RateLimited, Unavailable
from providers.models import Bar, Quote, Status
from tests.support.fakes.providers import (
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


def test_a_source_asked_for_a_kind_it_does_not_serve_is_refused_by_fetch_and_skipped(tmp_path):
    bars_only = ScriptedProvider("a", answers())
    bars_only.kinds = frozenset({RecordKind.BAR})
    backup = ScriptedProvider("b", answers(99.0))
    sleeps: list[float] = []
    refresher, _ = make(tmp_path, settings_with(["a", "b"]), bars_only, backup, sleeps=sleeps)
    snap = refresher.refresh("fx")
    assert (snap.source, bars_only.calls, sleeps) == ("b", 0, [])  # never loaded, not retried
    assert "a: a does not serve quote datasets" in snap.error


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


# --- going back in time, judged per source --------------------------------------------------


def quotes_at(when, price):
    """A script answering one quote per instrument timed `when` (a lagging or a fast source)."""
    return lambda request, call: Batch(
        [Quote(symbol=i.id, name=i.name, price=price, as_of=when) for i in request.instruments]
    )


def make_validated(tmp_path, settings, *providers, clock):
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=tmp_path / "snaps")
    providers_by_name = {p.name: p for p in providers}
    refresher = Refresher(
        settings, providers_by_name, store, validator=validate, clock=clock, sleep=lambda s: None
    )
    return refresher, store


class Switch:
    """A provider's answer that a test can change: a script, or an error to raise."""

    def __init__(self, answer):
        self.answer = answer

    def __call__(self, request, call):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer(request, call)


def test_a_recovered_primary_takes_its_dataset_back_within_one_cadence(tmp_path):
    # Yahoo (a) is down, Stooq (b) serves; Yahoo comes back with a quote timed before Stooq's.
    primary, secondary = Switch(Unavailable("yahoo down")), Switch(quotes_at(T0, 70.0))
    clock = Clock(T0)
    refresher, _ = make_validated(
        tmp_path,
        settings_with(["a", "b"], attempts=1),
        ScriptedProvider("a", primary),
        ScriptedProvider("b", secondary),
        clock=clock,
    )
    served = refresher.refresh("fx")
    assert (served.status, served.source) == (Status.FALLBACK, "b")

    lagging = T0 - timedelta(minutes=2)  # older than the fallback's value shown
    primary.answer = quotes_at(lagging, 71.0)
    clock.now = T0 + timedelta(seconds=15)  # the next refresh: one cadence later
    back = refresher.refresh("fx")
    assert (back.status, back.source, back.error) == (Status.OK, "a", None)
    assert {(q.price, q.as_of, q.kept) for q in back.records} == {(71.0, lagging, False)}
    assert back.as_of == lagging, "the primary's own honest time is shown"
    assert not any(f.rule == "went_back" for f in back.findings)


def test_a_new_process_lets_the_primary_take_back_what_a_fallback_served(tmp_path):
    # A restart (or a new leader) knows only the snapshot: its source says who served it.
    primary, secondary = Switch(Unavailable("yahoo down")), Switch(quotes_at(T0, 70.0))
    clock = Clock(T0)
    settings = settings_with(["a", "b"], attempts=1)
    providers = (ScriptedProvider("a", primary), ScriptedProvider("b", secondary))
    before, store = make_validated(tmp_path, settings, *providers, clock=clock)
    assert before.refresh("fx").source == "b"
    primary.answer = quotes_at(T0 - timedelta(minutes=2), 71.0)
    clock.now = T0 + timedelta(seconds=15)
    after = Refresher(
        settings, {p.name: p for p in providers}, store, validator=validate, clock=clock
    )
    back = after.refresh("fx")
    assert (back.status, back.source, {q.price for q in back.records}) == (Status.OK, "a", {71.0})


def test_a_slower_fallback_or_a_source_going_back_never_replaces_a_newer_value(tmp_path):
    primary, secondary = Switch(quotes_at(T0, 71.0)), Switch(quotes_at(T0 - timedelta(hours=1), 1))
    clock = Clock(T0)
    refresher, _ = make_validated(
        tmp_path,
        settings_with(["a", "b"], attempts=1),
        ScriptedProvider("a", primary),
        ScriptedProvider("b", secondary),
        clock=clock,
    )
    good = refresher.refresh("fx")
    # The primary fails; the fallback answers older data than the primary's shown: refused.
    primary.answer = Unavailable("yahoo down")
    clock.now = T0 + timedelta(seconds=15)
    slower = refresher.refresh("fx")
    assert (slower.status, slower.records) == (Status.STALE, good.records)
    assert "b: every record failed validation" in slower.error and "went back" in slower.error

    # The primary answers yesterday's data: older than its own value shown, refused too.
    primary.answer = quotes_at(T0 - timedelta(days=1), 69.0)
    clock.now = T0 + timedelta(seconds=30)
    yesterday = refresher.refresh("fx")
    assert (yesterday.status, yesterday.records) == (Status.STALE, good.records)
    assert "a: every record failed validation" in yesterday.error


def test_a_source_is_held_to_what_it_delivered_itself_after_taking_a_dataset_back(tmp_path):
    primary, secondary = Switch(Unavailable("down")), Switch(quotes_at(T0, 70.0))
    clock = Clock(T0)
    refresher, _ = make_validated(
        tmp_path,
        settings_with(["a", "b"], attempts=1),
        ScriptedProvider("a", primary),
        ScriptedProvider("b", secondary),
        clock=clock,
    )
    refresher.refresh("fx")  # b serves, timed T0
    primary.answer = quotes_at(T0 - timedelta(minutes=1), 71.0)
    clock.now = T0 + timedelta(seconds=15)
    assert refresher.refresh("fx").source == "a"  # a takes it back, timed T0 - 1 min
    # a then answers older than what it delivered itself; b answers older than its own T0
    primary.answer = quotes_at(T0 - timedelta(minutes=5), 72.0)
    secondary.answer = quotes_at(T0 - timedelta(seconds=30), 73.0)
    clock.now = T0 + timedelta(seconds=30)
    snap = refresher.refresh("fx")
    assert snap.status is Status.STALE and {q.price for q in snap.records} == {71.0}


# --- bars never go back ---------------------------------------------------------------------


def bar_settings(chain):
    settings = settings_with(chain, attempts=1, market="XNYS")
    dataset = settings.datasets["fx"].model_copy(
        update={"kind": RecordKind.BAR, "refresh_s": 900, "stale_after_s": 345600}
    )
    return settings.model_copy(update={"datasets": {"fx": dataset}})


def bars_to(last_day: int, symbols=("eurusd", "usdjpy")):
    """Daily bars of 25 Nov .. `last_day` Dec 2026 (weekdays), timed at the New York open."""

    def script(request, call):
        days = [datetime(2026, 11, 23, 14, 30, tzinfo=UTC) + timedelta(days=n) for n in range(12)]
        days = [
            d for d in days if d.weekday() < 5 and d <= datetime(2026, 12, last_day, 23, tzinfo=UTC)
        ]
        return Batch(
            [
                Bar(symbol=i.id, time=d, open=10, high=11, low=9, close=10)
                for i in request.instruments
                if i.id in symbols
                for d in days
            ]
        )

    return script


def last_bars(snapshot):
    """The day of December of each symbol's last bar."""
    return {
        s: max(b.time for b in snapshot.records if b.symbol == s).day for s in ("eurusd", "usdjpy")
    }


def test_bars_never_go_back_a_lagging_fallback_keeps_the_shown_bars(tmp_path):
    primary, secondary = Switch(bars_to(3)), Switch(bars_to(2))
    clock = Clock(datetime(2026, 12, 4, 15, tzinfo=UTC))
    refresher, _ = make_validated(
        tmp_path,
        bar_settings(["a", "b"]),
        ScriptedProvider("a", primary),
        ScriptedProvider("b", secondary),
        clock=clock,
    )
    good = refresher.refresh("fx")
    assert last_bars(good) == {"eurusd": 3, "usdjpy": 3}
    # Yahoo down, Stooq two days behind: the technicals keep the bars to 3 Dec, marked stale.
    primary.answer = Unavailable("yahoo down")
    clock.now += timedelta(minutes=15)
    behind = refresher.refresh("fx")
    assert behind.status is Status.STALE and behind.records == good.records
    assert "went back" in behind.error
    # A fallback behind for one symbol only: that one keeps its shown bars, and says so.
    secondary.answer = lambda request, call: Batch(
        bars_to(2, ("eurusd",))(request, call).records
        + bars_to(4, ("usdjpy",))(request, call).records
    )
    clock.now += timedelta(minutes=15)
    partly = refresher.refresh("fx")
    assert (partly.status, last_bars(partly)) == (Status.FALLBACK, {"eurusd": 3, "usdjpy": 4})
    kept = [b for b in partly.records if b.symbol == "eurusd"]
    assert kept == [b for b in good.records if b.symbol == "eurusd"]
    assert "previous value kept for eurusd" in partly.error
    assert [(f.rule, f.symbol) for f in partly.findings if f.rejected] == [("went_back", "eurusd")]


# --- the cap on hung calls ------------------------------------------------------------------


def test_concurrent_hung_calls_across_datasets_never_exceed_max_hung_calls(tmp_path):
    from config.schema import Settings

    one = settings_with(["a", "b"], deadline_s=0.3, attempts=2, backoff_s=0, max_hung_calls=2)
    datasets = {f"ds{n}": one.datasets["fx"] for n in range(6)}
    settings = Settings(
        scenes={"all": {"title": "All", "datasets": list(datasets)}},
        datasets=datasets,
        refresh=one.refresh,
    )
    hung = HangingProvider("a")
    refresher, _ = make(tmp_path, settings, hung, ScriptedProvider("b", answers(7.0)))
    seen: list[int] = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            seen.append(refresher.hung.count("a"))
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    snaps = {}
    threads = [
        threading.Thread(target=lambda n=name: snaps.__setitem__(n, refresher.refresh(n)))
        for name in datasets
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert hung.calls == 2, "no more calls than the cap may ever be left hanging"
        assert refresher.hung.count("a") == 2
        assert {(s.status, s.source) for s in snaps.values()} == {(Status.FALLBACK, "b")}
        errors = " ".join(s.error for s in snaps.values())
        assert "earlier calls still hung" in errors
        assert not any(f"{n} earlier calls" in errors for n in range(3, 20))
    finally:
        hung.release.set()
        stop.set()
        watcher.join()
    assert max(seen) <= 2, max(seen)
