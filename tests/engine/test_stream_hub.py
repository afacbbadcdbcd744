"""The stream hub (engine.stream_hub): feeds per source, the active stream, publishing, silence.

The polled snapshots are the mixed-ages board's (tests/support/mixed_ages.py: real recorded
payloads parsed by the providers), written to a real in-process cache; the feeds are fakes that
hand ticks over as a connection would (the connection itself is tested against the loopback
server in tests/providers/streams). The clock is a fake one, moved by each test.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from cachelib import SimpleCache

from components.badges import STREAMING, stale_badge
from config import load_settings
from engine.freshness import assess
from engine.store import SnapshotStore
from engine.stream_hub import SILENT_NOTE, StreamHub
from providers.models import Snapshot, Status, Tick
from providers.streams.connection import StreamStats
from tests.support import mixed_ages
from tests.support.mixed_ages import NOW

SETTINGS = load_settings({})
POLLED = mixed_ages.stored(SETTINGS)
BTC = POLLED["crypto"].quotes_by_id()["btc"]
SATURDAY_NIGHT = datetime(2026, 11, 21, 23, 0, tzinfo=NOW.tzinfo)  # every index market shut


class FakeFeed:
    """A feed as the hub sees one: started, stopped, its stats, and ticks it hands over."""

    def __init__(self, name, ids, datasets, on_ticks, clock):
        self.name, self.ids, self.datasets, self.on_ticks = name, dict(ids), datasets, on_ticks
        self.clock = clock
        self.started = self.stopped = False
        self.state = "subscribed"

    @property
    def stats(self) -> StreamStats:
        return StreamStats(state=self.state, since=NOW, messages=7, reconnects=1)

    def start(self) -> None:
        self.started = True

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped = True
        self.state = "stopped"

    def send(self, *ticks: Tick) -> None:
        self.state = "ticking"
        self.on_ticks(list(ticks), self.clock())


class CountingStore(SnapshotStore):
    def __init__(self) -> None:
        super().__init__(SimpleCache(default_timeout=0), namespace="open", persist_dir=None)
        self.writes: dict[str, int] = {}

    def write(self, snapshot: Snapshot, *, persist: bool) -> None:
        self.writes[snapshot.dataset] = self.writes.get(snapshot.dataset, 0) + 1
        super().write(snapshot, persist=persist)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def board():
    clock = Clock(NOW)
    store = CountingStore()
    for snapshot in POLLED.values():
        store.write(snapshot, persist=False)
    store.writes.clear()
    feeds: dict[str, FakeFeed] = {}

    def make(name, ids, datasets, on_ticks):
        feeds[name] = FakeFeed(name, ids, datasets, on_ticks, clock)
        return feeds[name]

    hub = StreamHub(lambda: SETTINGS, store, clock=clock, identity=lambda: "host:1", feeds=make)
    hub.start()
    yield hub, feeds, store, clock
    hub.stop()


def btc(price: float, when: datetime) -> Tick:
    return Tick(symbol="btc", price=price, time=when)


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_one_feed_per_source_for_every_dataset_it_streams(board):
    _, feeds, _, _ = board
    assert set(feeds) == {"binance", "okx", "yahoo"}  # the open edition's streams
    assert all(feed.started for feed in feeds.values())
    assert feeds["binance"].ids["BTCUSDT"] == "btc"
    assert feeds["okx"].ids["BTC-USDT"] == "btc"
    assert set(feeds["yahoo"].datasets) >= {"indices", "fx", "commodities"}
    assert feeds["yahoo"].ids["^GSPC"] == "spx"


def test_a_tick_is_published_over_the_poll_and_reads_as_streaming(board):
    _hub, feeds, store, clock = board
    clock.advance(1)
    feeds["binance"].send(btc(16_800.0, NOW))
    wait_for(lambda: store.read("crypto").stream == "binance stream")

    published = store.read("crypto")
    quote = published.quotes_by_id()["btc"]
    assert quote.price == 16_800.0 and quote.as_of == NOW
    assert quote.prev_close == BTC.prev_close  # the poll still gives the previous close
    assert published.origins["btc"] == "binance stream"
    assert published.fetched_at == POLLED["crypto"].fetched_at  # a tick is not a fetch
    seen = assess(published, SETTINGS.datasets["crypto"], clock())
    assert seen.states["btc"].status is Status.OK  # a live stream is not a fallback
    assert STREAMING in str(stale_badge(seen, clock()))


def test_the_backup_stream_feeds_only_while_the_first_one_is_down(board):
    hub, feeds, store, _clock = board
    feeds["okx"].send(btc(16_900.0, NOW))  # binance is connected: okx's print is not shown
    time.sleep(0.05)
    assert store.read("crypto").quotes_by_id()["btc"].price == BTC.price

    feeds["binance"].state = "backoff"  # binance dropped: okx takes over
    feeds["okx"].send(btc(16_910.0, NOW + timedelta(seconds=1)))
    wait_for(lambda: store.read("crypto").stream == "okx stream")
    assert store.read("crypto").quotes_by_id()["btc"].price == 16_910.0
    said = hub.status()["datasets"]["crypto"]
    assert (said["stream"], said["state"]) == ("okx", "streaming")


def test_a_silent_stream_falls_back_to_polling_and_resumes_by_itself(board):
    hub, feeds, store, clock = board
    feeds["binance"].send(btc(16_800.0, NOW))
    wait_for(lambda: store.read("crypto").stream == "binance stream")

    clock.advance(SETTINGS.stream.silent_s + 1)  # crypto trades 24/7: this is silence
    feeds["okx"].state = "backoff"
    wait_for(lambda: store.read("crypto").stream_note == SILENT_NOTE)
    silent = store.read("crypto")
    assert silent.stream is None
    assert hub.status()["datasets"]["crypto"]["state"] == "silent"
    assert SILENT_NOTE in str(
        stale_badge(assess(silent, SETTINGS.datasets["crypto"], clock()), clock())
    )

    feeds["binance"].send(btc(16_820.0, clock()))
    wait_for(lambda: store.read("crypto").stream == "binance stream")
    assert store.read("crypto").stream_note is None


def test_a_closed_market_is_not_a_silent_stream(board):
    hub, _, store, clock = board
    clock.now = SATURDAY_NIGHT
    hub.publish("indices")
    assert store.read("indices").stream_note is None
    assert hub.status()["datasets"]["indices"]["state"] == "closed"


def test_a_poll_is_laid_over_so_it_never_paints_an_older_price(board):
    hub, feeds, store, _clock = board
    feeds["binance"].send(btc(16_800.0, NOW))
    wait_for(lambda: store.read("crypto").stream == "binance stream")
    # The next poll's Bitcoin is older than the tick: the tick stays on top of it.
    polled = POLLED["crypto"].model_copy(update={"fetched_at": NOW})
    laid = hub.lay_over("crypto", polled)
    assert laid.quotes_by_id()["btc"].price == 16_800.0
    assert laid.fetched_at == NOW


def test_a_flood_is_published_at_most_every_publish_ms(board):
    hub, feeds, store, clock = board
    clock.now = datetime.now(NOW.tzinfo)  # the publisher's cadence runs on this clock
    store.writes.clear()
    ticks = 500
    started = time.monotonic()
    base = BTC.price
    for n in range(ticks):
        clock.now = datetime.now(NOW.tzinfo)
        feeds["binance"].send(btc(base + (n % 7) * 0.01, clock.now))
        time.sleep(0.002)
    time.sleep(SETTINGS.stream.publish_ms / 1000 * 2)
    elapsed = time.monotonic() - started
    # One write per publish_ms at most, over the flood and the wait after it (the last ticks are
    # published then), plus the first (due at once) and the stream's coming alive (a change of
    # state, published when seen, not paced).
    bound = elapsed * 1000 / SETTINGS.stream.publish_ms + 2
    assert 1 <= store.writes.get("crypto", 0) <= bound
    assert hub.status()["streams"]["binance"]["accepted"] >= 1


def test_status_says_per_stream_what_operators_need(board):
    _hub, feeds, store, _ = board
    feeds["binance"].send(btc(16_800.0, NOW))
    wait_for(
        lambda: (store.read_streams() or {}).get("streams", {}).get("binance", {}).get("accepted")
    )
    said = store.read_streams()
    row = said["streams"]["binance"]
    assert said["leader"] == "host:1"
    assert row["state"] == "ticking" and row["reconnects"] == 1
    for key in ("since", "messages_per_s", "last_tick_age_s", "dropped", "quarantined", "garbage"):
        assert key in row


def test_stopping_closes_every_feed(board):
    hub, feeds, _, _ = board
    hub.stop()
    assert all(feed.stopped for feed in feeds.values())
    assert not hub.running


def test_a_feed_that_cannot_start_leaves_the_others_streaming():
    store = CountingStore()
    started = threading.Event()

    def make(name, ids, datasets, on_ticks):
        if name == "binance":
            raise ValueError("no symbols")
        feed = FakeFeed(name, ids, datasets, on_ticks, lambda: NOW)
        started.set()
        return feed

    hub = StreamHub(lambda: SETTINGS, store, clock=lambda: NOW, identity=lambda: "h", feeds=make)
    hub.start()
    try:
        assert started.is_set()
        assert hub.status()["streams"]["binance"]["state"] == "failed"
    finally:
        hub.stop()


def test_the_next_polls_are_not_refused_for_going_back_behind_a_tick(tmp_path):
    """A tick is newer than the poll that follows it (REST lags the stream): the poll must still
    land, for every instrument the tick did not move, and take over once it is the newer."""
    from engine.refresher import Refresher
    from engine.validation import validate
    from tests.support.fakes.providers import ScriptedProvider, quotes_for

    clock = Clock(NOW)
    store = CountingStore()
    feeds: dict[str, FakeFeed] = {}

    def make(name, ids, datasets, on_ticks):
        feeds[name] = FakeFeed(name, ids, datasets, on_ticks, clock)
        return feeds[name]

    def lagging(request, call):  # REST answers with prices 30 s old
        batch = quotes_for(request, 16_700.0 + call)
        lag = timedelta(seconds=30)
        batch.records = [q.model_copy(update={"as_of": q.as_of - lag}) for q in batch.records]
        return batch

    refresher = Refresher(
        SETTINGS,
        {"binance": ScriptedProvider("binance", lagging)},
        store,
        validator=validate,
        clock=clock,
    )
    hub = StreamHub(lambda: SETTINGS, store, clock=clock, identity=lambda: "h", feeds=make)
    refresher.live = hub
    hub.start()
    try:
        refresher.refresh("crypto")
        feeds["binance"].send(btc(16_750.0, NOW + timedelta(seconds=1)))
        wait_for(lambda: store.read("crypto").stream == "binance stream")

        clock.advance(15)
        second = refresher.refresh("crypto")  # Bitcoin as of NOW - 15 s: behind the tick
        assert not [f for f in second.findings if f.rule == "went_back"]
        assert second.quotes_by_id()["eth"].price == 16_702.0  # the poll landed
        assert second.quotes_by_id()["btc"].price == 16_750.0  # under the newer tick
        assert store.read("crypto") == second  # written laid over, never bare

        clock.advance(20)
        third = refresher.refresh("crypto")  # as of NOW + 5 s: newer than the tick
        assert third.quotes_by_id()["btc"].price == 16_703.0
        assert third.origins["btc"] == "binance"
    finally:
        hub.stop()


def test_losing_the_lead_closes_the_streams(tmp_path):
    from engine.refresher import Refresher

    class Flipping:
        def __init__(self):
            self.leading = True

        def acquire(self):
            return self.leading

        def release(self):
            self.leading = False

    feeds: dict[str, FakeFeed] = {}

    def make(name, ids, datasets, on_ticks):
        feeds[name] = FakeFeed(name, ids, datasets, on_ticks, lambda: NOW)
        return feeds[name]

    store = CountingStore()
    leadership = Flipping()
    refresher = Refresher(SETTINGS, {}, store, leadership=leadership, clock=lambda: NOW)
    refresher.live = StreamHub(lambda: SETTINGS, store, clock=lambda: NOW, identity=str, feeds=make)
    refresher.start()
    try:
        wait_for(lambda: refresher.live.running and feeds)
        assert all(feed.started for feed in feeds.values())
        leadership.leading = False  # another process took the lead
        wait_for(lambda: not refresher.live.running)
        assert all(feed.stopped for feed in feeds.values())
    finally:
        refresher.stop()


def test_the_demo_edition_ticks_every_quote_dataset(tmp_path, make_settings):
    """Every quote dataset of the demo edition streams: on a weekday afternoon (the board's clock
    set back to one, running), each moves its prices a few times a second and reads Streaming."""
    from engine.build import build_engine

    settings = make_settings("demo", cache={"type": "simple"})
    shift = datetime.now(NOW.tzinfo) - NOW  # Wednesday 15:00 UTC: every market of the wall open
    engine = build_engine(settings, clock=lambda: datetime.now(NOW.tzinfo) - shift)
    streaming = [name for name in settings.datasets if settings.streams(name)]
    assert set(streaming) == {
        name for name, d in settings.datasets.items() if d.kind.value == "quote"
    }
    for name in streaming:
        engine.refresher.refresh(name)
    hub = engine.refresher.live
    hub.start()
    try:
        first = {name: engine.store.read(name).quotes_by_id() for name in streaming}
        wait_for(lambda: all(engine.store.read(name).stream == "demo stream" for name in streaming))
        time.sleep(1)
        for name in streaming:
            later = engine.store.read(name)
            moved = [i for i, q in later.quotes_by_id().items() if q.as_of > first[name][i].as_of]
            assert moved, name
            seen = assess(later, settings.datasets[name], engine.refresher.clock())
            assert STREAMING in str(stale_badge(seen, engine.refresher.clock())), name
    finally:
        hub.stop()
