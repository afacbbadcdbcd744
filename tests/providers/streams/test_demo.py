"""The demo stream: ticks four times a second on a fixed grid, on the demo provider's price
path (its polled quote's price at every step of the path, moving in between), the same for the
same time, and none while a market is closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config import load_settings
from providers import demo
from providers.streams.demo import (
    MAX_TICKS,
    STEP_S,
    TICK_MS,
    demo_price,
    demo_tick,
    tick_times,
    ticks_between,
)

SETTINGS = load_settings(env={"WALLBOARD_EDITION": "demo"})
CRYPTO = SETTINGS.datasets["crypto"]
BTC = CRYPTO.instruments[0]
WEDNESDAY = datetime(2026, 3, 4, 15, 0, 5, tzinfo=UTC)  # New York and London both trade
SATURDAY = datetime(2026, 3, 7, 15, 0, 5, tzinfo=UTC)


def test_the_step_is_the_demo_providers():
    assert STEP_S == demo._TICK_S


def test_ticks_fall_on_a_grid_of_a_few_a_second_after_start_up_to_end():
    start = WEDNESDAY - timedelta(milliseconds=600)
    times = tick_times(start, WEDNESDAY)
    assert times == [WEDNESDAY - timedelta(milliseconds=ms) for ms in (500, 250, 0)]
    assert tick_times(WEDNESDAY, WEDNESDAY) == []  # `start` itself was ticked before
    assert 2 <= 1000 / TICK_MS <= 10


def test_after_a_pause_only_the_latest_ticks_come():
    times = tick_times(WEDNESDAY - timedelta(hours=1), WEDNESDAY)
    assert len(times) == MAX_TICKS and times[-1] == WEDNESDAY


@pytest.mark.parametrize("dataset", ["crypto", "fx", "commodities"])
def test_at_every_step_of_the_path_the_tick_is_the_polled_quotes_price(dataset):
    ds = SETTINGS.datasets[dataset]
    for instrument in ds.instruments:
        market = instrument.market or ds.market
        for k in range(3):
            at = WEDNESDAY + timedelta(seconds=STEP_S * k)
            polled = demo.quote(instrument, market, at).price
            assert demo_tick(instrument, market, at).price == pytest.approx(polled, rel=1e-12)


def test_between_steps_the_price_moves_a_little_and_the_same_every_time():
    grid = [WEDNESDAY + timedelta(milliseconds=TICK_MS * k) for k in range(1, 20)]
    prices = [demo_price(BTC, at) for at in grid]
    assert len(set(prices)) == len(prices)  # it ticks
    assert prices == [demo_price(BTC, at) for at in grid]  # deterministic
    polled = demo.quote(BTC, "24/7", WEDNESDAY).price
    assert max(abs(p / polled - 1) for p in prices) < 0.01  # a tick, not a jump


def test_a_dataset_ticks_each_instrument_whose_market_trades():
    ticks = ticks_between(CRYPTO, WEDNESDAY - timedelta(milliseconds=500), WEDNESDAY)
    times = [WEDNESDAY - timedelta(milliseconds=250), WEDNESDAY]
    assert [(t.symbol, t.time) for t in ticks] == [
        (i.id, at) for at in times for i in CRYPTO.instruments
    ]


def test_a_closed_market_does_not_tick():
    sectors, fx = SETTINGS.datasets["sectors"], SETTINGS.datasets["fx"]
    assert ticks_between(sectors, SATURDAY - timedelta(seconds=1), SATURDAY) == []
    assert ticks_between(fx, SATURDAY - timedelta(seconds=1), SATURDAY) == []
    assert ticks_between(CRYPTO, SATURDAY - timedelta(seconds=1), SATURDAY) != []  # 24/7
    assert len(ticks_between(sectors, WEDNESDAY - timedelta(seconds=1), WEDNESDAY)) == 4 * len(
        sectors.instruments
    )


def test_the_feed_hands_over_the_ticks_as_they_fall_due_until_stopped():
    import threading

    from providers.streams.demo_feed import DemoFeed

    got: list = []
    enough = threading.Event()

    def on_ticks(ticks, received_at):
        got.append((ticks, received_at))
        if len(got) >= 3:
            enough.set()

    indices = SETTINGS.datasets["indices"]
    feed = DemoFeed([CRYPTO, indices], on_ticks, clock=lambda: datetime.now(UTC))
    assert feed.stats.state == "subscribed"
    feed.start()
    assert enough.wait(10)
    feed.stop()
    count = len(got)
    stats = feed.stats
    assert stats.state == "stopped" and stats.ticks >= sum(len(t) for t, _ in got[:3])
    assert {t.symbol for ticks, _ in got for t in ticks} >= {i.id for i in CRYPTO.instruments}
    times = [t.time for ticks, _ in got for t in ticks if t.symbol == BTC.id]
    assert times == sorted(times) and len(set(times)) == len(times)  # in order, none twice
    threading.Event().wait(TICK_MS / 1000 * 2)
    assert len(got) == count  # nothing after stop()
