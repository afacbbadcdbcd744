"""Wind push stream against the fake WindPy (tests/support/fakes/windpy.py): pushes become
ticks on the right clock, garbage is counted, a terminal that does not push is polled, stop
cancels the subscription, a restarted session is subscribed again.

The fake pushes from its own thread, like the terminal. Nothing here sleeps for a fixed time or
measures one: tests wait for what they expect with generous timeouts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from config import load_settings
from providers.base import Request
from providers.models import Tick
from providers.wind import WindProvider, WindSession
from providers.wind.data import MARKET_ZONE
from providers.wind.stream import POLLING, STREAM_FIELDS, WindStream
from tests.support.fakes.windpy import Scenario, WindData, make_module

NOW = datetime(2026, 11, 18, 15, 2, tzinfo=UTC)  # a Wednesday: New York and FX trade
CODES = {"SPX.GI": "spx", "HSI.HI": "hsi", "USDCNH.FX": "usdcnh"}
MARKETS = {"spx": "XNYS", "hsi": "XHKG", "usdcnh": "24/5"}
WAIT_S = 10.0


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Sink:
    """on_ticks: keeps every tick and whether the stream was polling when they came."""

    def __init__(self) -> None:
        self.ticks: list[Tick] = []
        self.polling_seen: list[bool] = []
        self.stream: WindStream | None = None
        self._changed = threading.Condition()

    def __call__(self, ticks: list[Tick], received_at: datetime) -> None:
        with self._changed:
            self.ticks.extend(ticks)
            self.polling_seen.append(self.stream is not None and self.stream.polling)
            self._changed.notify_all()

    def wait_for(self, found: Callable[[list[Tick]], bool]) -> list[Tick]:
        with self._changed:
            assert self._changed.wait_for(lambda: found(self.ticks), WAIT_S), self.ticks
            return list(self.ticks)

    def wait_price(self, symbol: str, price: float) -> Tick:
        ticks = self.wait_for(lambda ts: any(t.symbol == symbol and t.price == price for t in ts))
        return next(t for t in ticks if t.symbol == symbol and t.price == price)


def eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


@pytest.fixture
def streams():
    """Streams made by a test, stopped at its end whatever happened."""
    made: list[WindStream] = []
    yield made
    for stream in made:
        stream.stop(timeout=WAIT_S)


def make_stream(streams, scenario=None, *, quote_tz=MARKET_ZONE, clock=None, **timing):
    module = make_module(scenario or Scenario())
    clock = clock or Clock()
    session = WindSession(lambda: module, wait_s=5, clock=clock, sleep=lambda s: None)
    sink = Sink()
    stream = WindStream(
        session, CODES, sink, quote_tz=quote_tz, markets=MARKETS, clock=clock,
        poll_s=timing.get("poll_s", 0.02), silent_s=timing.get("silent_s", WAIT_S * 3),
    )  # fmt: skip
    sink.stream = stream
    streams.append(stream)
    return stream, module.w, sink


def by_symbol(ticks: list[Tick]) -> dict[str, Tick]:
    return {t.symbol: t for t in ticks}


# -- pushes ----------------------------------------------------------------------------------


def test_pushes_become_ticks_on_each_exchange_clock(streams):
    stream, w, sink = make_stream(streams)
    stream.start()
    first = by_symbol(sink.wait_for(lambda ts: len(ts) == 3))  # the subscription's snapshot
    assert first["spx"].time == datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 10:00 New York
    assert first["hsi"].time == datetime(2026, 11, 18, 8, 8, tzinfo=UTC)  # 16:08 Hong Kong
    assert first["usdcnh"].time == datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 23:00 Wind clock
    assert (first["spx"].price, first["spx"].day_volume) == (5950.12, 1.0e9)
    assert first["spx"].change_pct == pytest.approx(0.339292, 1e-5)
    assert w.push_tick("SPX.GI", 5951.5, NOW) == 1
    spx = sink.wait_price("spx", 5951.5)
    assert (spx.time, spx.day_volume) == (NOW, 1.0e9)  # fields the push left out are kept
    name, args, kwargs = w.log[-1]
    assert (name, args, kwargs["func"].__name__) == (
        "wsq", ("SPX.GI,HSI.HI,USDCNH.FX", STREAM_FIELDS, ""), "_on_push",
    )  # fmt: skip
    stats = stream.stats
    assert (stats.state, stats.ticks, stats.messages, stats.garbage) == ("ticking", 4, 4, 0)
    assert (stats.reconnects, stats.last_error, stats.last_tick_at) == (0, None, NOW)
    assert stream.clock_problem(NOW) is None


def test_quote_tz_utc_reads_a_utc_stamping_terminal(streams):
    stream, w, sink = make_stream(streams, Scenario(stamp_tz="UTC"), quote_tz="UTC")
    stream.start()
    first = by_symbol(sink.wait_for(lambda ts: len(ts) == 3))
    assert first["hsi"].time == datetime(2026, 11, 18, 8, 8, tzinfo=UTC)
    assert first["usdcnh"].time == datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    w.push_tick("HSI.HI", 19880.0, NOW - timedelta(seconds=5))
    assert sink.wait_price("hsi", 19880.0).time == NOW - timedelta(seconds=5)
    assert stream.clock_problem(NOW) is None


def test_quote_tz_market_on_a_utc_stamping_terminal_is_named(streams):
    stream, w, sink = make_stream(streams, Scenario(stamp_tz="UTC"))
    stream.start()
    sink.wait_for(lambda ts: len(ts) == 3)
    w.push_tick("SPX.GI", 5951.5, NOW)
    assert sink.wait_price("spx", 5951.5).time == NOW + timedelta(hours=5)  # read as New York
    # SPX reads 5 h ahead, USD/CNH (on Wind's clock) 8 h behind: one clock, UTC, explains both.
    assert stream.clock_problem(NOW) == (
        "Wind quote times are off the server clock by whole hours (SPX.GI +5 h, USDCNH.FX -8 h): "
        "set providers.wind.quote_tz (now 'market'); Wind seems to stamp them at UTC+0 "
        "(e.g. 'UTC')"
    )


def test_garbage_pushes_are_counted_and_the_stream_goes_on(streams):
    stream, w, sink = make_stream(streams)
    stream.start()
    sink.wait_for(lambda ts: len(ts) == 3)
    error = WindData(ErrorCode=-40521010, Fields=["OUTMESSAGE"], Data=[["Network timeout"]])
    assert w.push_raw("not a WindData") == w.push_raw(error) == 1
    assert w.push("SPX.GI", RT_LAST=-1.0) == 1  # not a price
    assert w.push("HSI.HI", RT_VOL=2.0e9) == 1  # nothing new to show: no tick, not garbage
    w.push_tick("SPX.GI", 5952.0, NOW)
    sink.wait_price("spx", 5952.0)
    stats = stream.stats
    assert (stats.garbage, stats.ticks, stats.messages, stats.state) == (3, 4, 8, "ticking")
    assert stats.last_error == "SPX.GI: price -1 is not a usable tick"


# -- no pushes: polling ----------------------------------------------------------------------


def test_no_push_falls_back_to_polling_wsq_and_pushes_end_it(streams):
    scenario = Scenario(pushes=False)
    stream, w, sink = make_stream(streams, scenario, silent_s=0.3)
    stream.start()
    first = by_symbol(sink.wait_for(lambda ts: len(ts) == 3))  # from a poll
    assert first["spx"].price == 5950.12 and sink.polling_seen == [True]
    assert (stream.polling, stream.stats.last_error) == (True, POLLING)
    assert w.log[-1] == ("wsq", ("SPX.GI,HSI.HI,USDCNH.FX", STREAM_FIELDS, ""), {})  # no func
    scenario.quotes["SPX.GI"].update(RT_LAST=5960.0, RT_TIME=100100.0)
    assert sink.wait_price("spx", 5960.0).time == NOW - timedelta(minutes=1)
    polls = w.calls["wsq"]
    eventually(lambda: w.calls["wsq"] > polls + 2)
    assert len(sink.ticks) == 4  # unchanged answers give no tick
    scenario.pushes = True
    w.push_tick("SPX.GI", 5961.0, NOW)
    sink.wait_price("spx", 5961.0)
    assert sink.polling_seen[-1] is False  # the push ended polling
    assert stream.stats.state == "ticking"


# -- stop and resubscribe --------------------------------------------------------------------


def test_stop_cancels_the_subscription_and_ends_the_thread(streams):
    stream, w, sink = make_stream(streams)
    stream.start()
    sink.wait_for(lambda ts: len(ts) == 3)
    stream.stop()
    assert not stream._thread.is_alive()
    assert (w.calls["cancelRequest"], w.cancelled, w.subscriptions) == (1, [1], {})
    assert stream.stats.state == "stopped"
    assert w.push_tick("SPX.GI", 5951.5, NOW) == 0  # nobody subscribed any more


def test_a_dropped_session_is_restarted_and_subscribed_again(streams):
    stream, w, sink = make_stream(streams, silent_s=0.05)
    stream.start()
    sink.wait_for(lambda ts: len(ts) == 3)
    w.drop_session()  # the subscription dies with it; the silence poll finds the drop
    eventually(lambda: stream.stats.reconnects == 1)
    assert (w.calls["stop"], w.calls["start"], list(w.subscriptions)) == (1, 2, [2])
    w.push_tick("SPX.GI", 5953.0, NOW)
    sink.wait_price("spx", 5953.0)
    stream.stop()
    assert w.cancelled == [2]


def test_a_session_that_cannot_start_backs_off_then_subscribes(streams):
    clock = Clock()
    stream, w, sink = make_stream(streams, Scenario(fail_starts=1), clock=clock)
    stream.start()
    eventually(lambda: stream.stats.state == "backoff")
    assert stream.stats.last_error.startswith("Wind session could not start: Login failed")
    clock.now += timedelta(seconds=5)  # the session's own backoff is over
    sink.wait_for(lambda ts: len(ts) == 3)  # the snapshot comes before wsq has answered
    eventually(lambda: stream.stats.last_error is None)  # the subscription clears the error
    assert (stream.stats.reconnects, w.calls["start"]) == (0, 2)


def test_a_provider_lends_its_session_so_calls_never_overlap(streams):
    settings = load_settings(env={})
    module = make_module(Scenario(pushes=False, delay_s=0.005))
    provider = WindProvider(settings, import_windpy=lambda: module, clock=Clock())
    sink = Sink()
    stream = WindStream(provider, CODES, sink, markets=MARKETS, clock=Clock(), poll_s=0.005,
                        silent_s=0.01)  # fmt: skip
    streams.append(stream)
    stream.start()
    ds = settings.datasets["indices"]
    request = Request("indices", ds.kind, tuple(ds.instruments), NOW, ds.market)
    loads = [threading.Thread(target=provider.load, args=(request,)) for _ in range(4)]
    for thread in loads:
        thread.start()
    for thread in loads:
        thread.join()
    sink.wait_for(lambda ts: len(ts) == 3)
    assert (module.w.max_in_flight, module.w.calls["start"]) == (1, 1)
    assert stream.quote_clock is provider.quote_clock
