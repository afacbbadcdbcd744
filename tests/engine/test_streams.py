"""Stream ticks over polled snapshots (engine.streams), on a fake clock.

The polled snapshots are the mixed-ages board's (tests/support/mixed_ages.py: real recorded
payloads parsed by the providers): Bitcoin from CoinGecko 40 s before NOW, Ether from last week,
Solana missing; every index the recorded S&P 500 day; FX the recorded EUR/USD. Where a sparkline
and a 24 h range matter, Bitcoin comes from the recorded Binance klines. Ticks are made here:
each rule of the module is driven by one crafted tick on top of those values, then random tick
sequences check that the overlay never goes back in time nor shows a quarantined price.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from analytics.ohlcv import FIVE_MINUTES, ONE_MINUTE, aggregate
from config import load_settings
from config.schema import Dataset, Range, Validation
from engine.streams import Coalescer, TickBook, dataset_open, jump_limit, overlay, silent
from providers import binance
from providers.models import Quote, Snapshot, Tick, data_time
from tests.support import mixed_ages
from tests.support.mixed_ages import NOW, TODAY
from tests.support.paths import FIXTURES

SETTINGS = load_settings({})
POLLED = mixed_ages.stored(SETTINGS)
CRYPTO, INDICES, FX = (SETTINGS.datasets[name] for name in ("crypto", "indices", "fx"))
BTC = POLLED["crypto"].quotes_by_id()["btc"]  # 16,730.75 at TODAY, previous close 16,571.46
SATURDAY = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """NOW shifted by `seconds` (the fake clock)."""
    return NOW + timedelta(seconds=seconds)


def tick(price: float, when: datetime = NOW, symbol: str = "btc", **fields) -> Tick:
    return Tick(symbol=symbol, price=price, time=when, **fields)


def book(dataset: Dataset = CRYPTO, polled: Snapshot | None = None) -> TickBook:
    made = TickBook(dataset)
    made.anchor(POLLED["crypto"] if polled is None else polled)
    return made


def shown(snapshot: Snapshot, instrument: str = "btc") -> Quote:
    return snapshot.quotes_by_id()[instrument]


# --- the overlay -------------------------------------------------------------------------------


def test_a_tick_moves_price_change_and_time_and_the_poll_keeps_the_rest():
    ticks = book()
    assert ticks.accept(tick(16_800.0, at(-1)), "binance", NOW) == "accepted"

    snapshot = overlay(POLLED["crypto"], ticks, NOW)

    btc = shown(snapshot)
    assert btc.price == 16_800.0
    assert btc.as_of == at(-1)
    assert btc.prev_close == BTC.prev_close == 16_571.46
    assert btc.change == pytest.approx(16_800.0 - 16_571.46)
    assert btc.change_pct == pytest.approx((16_800.0 / 16_571.46 - 1) * 100)
    assert (btc.name, btc.currency, btc.unit, btc.market) == (
        BTC.name,
        BTC.currency,
        BTC.unit,
        BTC.market,
    )
    # the 24 h range holds the new high; its low is the source's
    assert (btc.day_low, btc.day_high) == (BTC.day_low, 16_800.0)
    assert snapshot.origins == {"btc": "binance", "eth": "coingecko"}
    assert snapshot.stream == "binance"
    assert snapshot.as_of == data_time(snapshot.records)
    # what the refresh said about itself stands
    polled = POLLED["crypto"]
    assert (snapshot.status, snapshot.error, snapshot.fetched_at, snapshot.source) == (
        polled.status,
        polled.error,
        polled.fetched_at,
        polled.source,
    )


def test_instruments_without_ticks_stay_as_polled_and_none_is_invented():
    ticks = book()
    ticks.accept(tick(16_800.0, at(-1)), "binance", NOW)
    ticks.accept(tick(26.0, at(-1), symbol="sol"), "binance", NOW)  # no polled quote for it

    snapshot = overlay(POLLED["crypto"], ticks, NOW)

    assert shown(snapshot, "eth") == POLLED["crypto"].quotes_by_id()["eth"]
    assert "sol" not in snapshot.quotes_by_id()
    assert snapshot.origins["eth"] == "coingecko"


def test_without_ticks_the_snapshot_is_the_polled_one():
    assert overlay(POLLED["crypto"], book(), NOW) is POLLED["crypto"]
    assert POLLED["crypto"].stream is None


def test_a_tick_no_newer_than_the_poll_is_not_laid_over_it():
    ticks = book()
    # accepted (in order, not stale) yet older than the polled value: the poll stays
    assert ticks.accept(tick(16_700.0, TODAY - timedelta(seconds=5)), "binance", NOW) == "accepted"
    assert ticks.accept(tick(16_710.0, TODAY), "binance", NOW) == "accepted"
    assert overlay(POLLED["crypto"], ticks, NOW) is POLLED["crypto"]


def test_a_kept_value_moved_by_a_tick_is_current_again():
    polled = POLLED["crypto"].model_copy(
        update={
            "records": tuple(r.model_copy(update={"kept": True}) for r in POLLED["crypto"].records)
        }
    )
    ticks = book(polled=polled)
    ticks.accept(tick(16_800.0, at(-1)), "binance", NOW)
    snapshot = overlay(polled, ticks, NOW)
    assert shown(snapshot).kept is False
    assert shown(snapshot, "eth").kept is True


def test_without_a_previous_close_the_change_is_the_ticks_own():
    spx = POLLED["indices"].quotes_by_id()["spx"]
    bare = spx.model_copy(update={"prev_close": None, "change": None, "change_pct": None})
    polled = POLLED["indices"].model_copy(update={"records": (bare,)})
    ticks = book(INDICES, polled)
    ticks.accept(tick(5_090.0, at(-1), symbol="spx", change_pct=0.4), "yahoo", NOW)
    moved = shown(overlay(polled, ticks, NOW), "spx")
    assert (moved.price, moved.prev_close, moved.change, moved.change_pct) == (
        5_090.0,
        None,
        None,
        0.4,
    )

    # with a previous close, the source's own % change is not used: one base for the day
    ticks = book(INDICES, POLLED["indices"])
    ticks.accept(tick(5_090.0, at(-1), symbol="spx", change_pct=9.9), "yahoo", NOW)
    moved = shown(overlay(POLLED["indices"], ticks, NOW), "spx")
    assert moved.change_pct == pytest.approx((5_090.0 / spx.prev_close - 1) * 100)


def test_the_stream_is_named_only_while_its_ticks_are_live():
    ticks = book()
    ticks.accept(tick(16_800.0, at(-1)), "binance", NOW)
    later = at(CRYPTO.stale_after_s + 30)  # no tick since: the last one has aged

    snapshot = overlay(POLLED["crypto"], ticks, later)

    # still the newest value, and never older than the poll: it stands, with its own time
    assert shown(snapshot).price == 16_800.0
    assert shown(snapshot).as_of == at(-1)
    assert snapshot.origins["btc"] == "binance"
    assert snapshot.stream is None


def test_the_stream_taking_over_from_another_is_named_per_instrument():
    polled = POLLED["crypto"]
    ticks = book()
    ticks.accept(tick(16_800.0, at(-2)), "binance", NOW)
    ticks.accept(tick(1_300.0, at(-1), symbol="eth"), "okx", NOW)  # Ether's poll is last week's
    snapshot = overlay(polled, ticks, NOW)
    assert snapshot.origins == {"btc": "binance", "eth": "okx"}
    assert snapshot.stream == "binance+okx"


def _binance_btc() -> Snapshot:
    """Bitcoin as Binance's recorded klines give it, 40 s before NOW, with its sparkline."""
    raw = (FIXTURES / "binance" / "klines_BTCUSDT_1m_2021-10-22.json").read_bytes()
    quote = binance.klines_quote(raw, symbol="btc", name="Bitcoin", now=NOW, currency="USD")
    quote = quote.model_copy(update={"as_of": TODAY})
    return Snapshot(dataset="crypto", records=(quote,), as_of=TODAY, source="binance")


def test_the_sparkline_grows_by_the_minutes_the_poll_has_not_seen():
    polled = _binance_btc()
    base = shown(polled)
    ticks = book(polled=polled)
    start = TODAY - timedelta(seconds=30)  # 14:58:50, before the poll's 14:59:20
    prices = [60_740.0, 60_750.0, 60_760.0, 60_770.0, 60_755.0]
    times = [start, TODAY + timedelta(seconds=5), at(5), at(20), at(70)]
    for price, when in zip(prices, times, strict=True):
        assert ticks.accept(tick(price, when), "binance", when) == "accepted"

    moved = shown(overlay(polled, ticks, at(70)))

    # the minute 14:58 the poll saw is not repeated; 14:59, 15:00 and 15:01 are added
    assert moved.sparkline == (*base.sparkline, 60_750.0, 60_770.0, 60_755.0)
    assert moved.sparkline[-1] == moved.price
    assert moved.day_low <= min(moved.sparkline[-3:]) and moved.day_high == base.day_high


# --- judging ticks -------------------------------------------------------------------------------


def test_out_of_order_ticks_are_dropped_and_counted():
    ticks = book()
    assert ticks.accept(tick(16_800.0, at(-1)), "binance", NOW) == "accepted"
    assert ticks.accept(tick(16_790.0, at(-2)), "binance", NOW) == "out_of_order"
    assert shown(overlay(POLLED["crypto"], ticks, NOW)).price == 16_800.0
    assert (ticks.counts.out_of_order, ticks.counts.dropped, ticks.counts.accepted) == (1, 1, 1)


def test_duplicate_ticks_are_dropped_and_counted_a_second_price_at_a_time_is_not():
    ticks = book()
    assert ticks.accept(tick(16_800.0, at(-1)), "binance", NOW) == "accepted"
    assert ticks.accept(tick(16_800.0, at(-1)), "okx", NOW) == "duplicate"
    assert ticks.accept(tick(16_801.0, at(-1)), "binance", NOW) == "accepted"  # two trades
    assert ticks.accept(tick(16_800.0, at(-1)), "binance", NOW) == "duplicate"
    assert (ticks.counts.duplicate, ticks.counts.dropped, ticks.counts.accepted) == (2, 2, 2)
    assert ticks.latest("btc").stream == "binance"
    assert [m.bars for m in ticks.minutes("btc", NOW)] == [2]


def test_a_jump_from_the_polled_price_is_quarantined_with_a_finding_and_never_shown():
    ticks = book()
    spike = BTC.price * 1.3  # +30 %, beyond crypto's 25 %

    assert ticks.accept(tick(spike, at(-1)), "binance", NOW) == "quarantined"

    assert overlay(POLLED["crypto"], ticks, NOW) is POLLED["crypto"]
    (finding,) = ticks.findings
    assert (finding.tier, finding.rule, finding.symbol, finding.rejected) == (
        "core",
        "tick_jump",
        "btc",
        True,
    )
    assert "+30.0% from the polled price 16,730.8 (limit 25%)" in finding.detail
    assert ticks.counts.quarantined == 1 and ticks.latest("btc") is None
    assert ticks.minutes("btc", NOW) == []


def test_a_jump_from_the_last_accepted_tick_is_quarantined_and_moves_no_reference():
    ticks = book()
    assert ticks.accept(tick(16_800.0, at(-3)), "binance", NOW) == "accepted"
    assert ticks.accept(tick(12_000.0, at(-2)), "binance", NOW) == "quarantined"  # -28.6 %
    # measured from 16,800, not from the spike: an honest tick goes on
    assert ticks.accept(tick(16_810.0, at(-1)), "binance", NOW) == "accepted"
    assert "from the last accepted tick 16,800" in ticks.findings[-1].detail
    assert shown(overlay(POLLED["crypto"], ticks, NOW)).price == 16_810.0


def test_a_newer_poll_is_the_reference_so_a_stream_back_from_silence_is_not_stuck():
    ticks = book()
    ticks.accept(tick(16_800.0, at(-3600)), "binance", at(-3600))
    # an hour later the market is 31 % higher, and the poll (kept with a jump note) says so
    moved = BTC.model_copy(update={"price": 22_000.0, "as_of": at(-10)})
    ticks.anchor(POLLED["crypto"].model_copy(update={"records": (moved,)}))

    assert ticks.accept(tick(22_100.0, at(-1)), "binance", NOW) == "accepted"
    # the poll only counts where it is newer: a tick after a tick is checked against the tick
    assert ticks.accept(tick(16_000.0, NOW), "binance", NOW) == "quarantined"


def test_fx_ticks_may_not_move_further_than_a_poll_may():
    assert jump_limit(FX) == 10  # max_move_pct, tighter than the 25 % jump limit
    assert jump_limit(CRYPTO) == CRYPTO.validation.max_jump_pct == 25
    eurusd = POLLED["fx"].quotes_by_id()["eurusd"]  # 1.0436
    ticks = book(FX, POLLED["fx"])
    assert ticks.accept(tick(1.18, at(-1), symbol="eurusd"), "yahoo", NOW) == "quarantined"
    assert ticks.accept(tick(1.10, at(-1), symbol="eurusd"), "yahoo", NOW) == "accepted"
    assert "limit 10%" in ticks.findings[-1].detail
    assert shown(overlay(POLLED["fx"], ticks, NOW), "eurusd").price == 1.10 != eurusd.price


def test_a_price_outside_the_plausible_range_is_quarantined():
    bounded = CRYPTO.model_copy(
        update={"validation": Validation(plausible=Range(low=1_000, high=1_000_000))}
    )
    ticks = book(bounded)
    assert ticks.accept(tick(1_200.0, at(-2), symbol="sol"), "binance", NOW) == "accepted"
    assert ticks.accept(tick(999.0, at(-1), symbol="sol"), "binance", NOW) == "quarantined"
    assert ticks.findings[-1].rule == "implausible"


def test_a_tick_far_behind_is_stale_counted_and_not_shown_as_live():
    ticks = book()
    old = at(-CRYPTO.stale_after_s - 1)
    assert ticks.accept(tick(16_740.0, old), "binance", NOW) == "stale"
    assert ticks.counts.stale == 1 and ticks.latest("btc") is None
    assert overlay(POLLED["crypto"], ticks, NOW) is POLLED["crypto"]
    assert ticks.minutes("btc", NOW) == []
    assert ticks.last_tick_at is None
    # at the limit it is still live
    assert ticks.accept(tick(16_740.0, at(-CRYPTO.stale_after_s)), "binance", NOW) == "accepted"


def test_a_tick_from_the_future_is_refused_and_does_not_block_the_honest_ones():
    ticks = book()
    assert ticks.accept(tick(16_800.0, at(6 * 60)), "binance", NOW) == "future"
    assert ticks.findings[-1].rule == "future_time"
    assert ticks.accept(tick(16_790.0, at(-1)), "binance", NOW) == "accepted"
    assert ticks.accept(tick(16_795.0, at(4 * 60)), "binance", NOW) == "accepted"  # clock slack


def test_pre_and_post_market_ticks_are_not_shown_as_the_session_price():
    ticks = book(INDICES, POLLED["indices"])
    verdicts = ticks.offer(
        [
            tick(5_100.0, at(-3), symbol="spx", session="post"),
            tick(5_100.0, at(-2), symbol="spx", session="pre"),
            tick(5_090.0, at(-1), symbol="spx", session="regular"),
        ],
        "yahoo",
        NOW,
    )
    assert verdicts == ["extended", "extended", "accepted"]
    assert shown(overlay(POLLED["indices"], ticks, NOW), "spx").price == 5_090.0


def test_a_tick_for_an_instrument_the_dataset_does_not_hold_is_counted_and_ignored():
    ticks = book()
    assert ticks.accept(tick(100.0, at(-1), symbol="doge"), "binance", NOW) == "unknown"
    assert ticks.counts.unknown == 1 and ticks.last_tick_at is None


def test_findings_are_bounded_the_counts_are_not():
    ticks = book()
    for n in range(200):
        ticks.accept(tick(BTC.price * 2, at(-60 + n * 0.1)), "binance", NOW)
    assert ticks.counts.quarantined == 200
    assert len(ticks.findings) == 50


# --- 1-minute bars -------------------------------------------------------------------------------


def test_ticks_roll_into_one_minute_bars_with_vwap_from_their_volumes():
    ticks = book()
    minute = datetime(2026, 11, 18, 14, 58, tzinfo=UTC)
    rows = [  # (seconds after 14:58, price, volume)
        (10, 16_700.0, 0.5),
        (30, 16_720.0, 1.5),
        (50, 16_690.0, 1.0),
        (65, 16_705.0, 2.0),
        (90, 16_715.0, 2.0),
        (125, 16_730.0, 1.0),
        (130, 16_735.0, None),  # a ticker frame: no traded quantity
    ]
    for seconds, price, volume in rows:
        when = minute + timedelta(seconds=seconds)  # received as sent
        assert ticks.accept(tick(price, when, volume=volume), "binance", when) == "accepted"
    now = minute + timedelta(seconds=135)

    first, whole, running = ticks.minutes("btc", now)

    assert (first.start, first.end) == (minute, minute + ONE_MINUTE)
    assert (first.open, first.high, first.low, first.close) == (
        16_700.0,
        16_720.0,
        16_690.0,
        16_690.0,
    )
    assert first.volume == 3.0 and first.bars == 3
    assert first.vwap == pytest.approx((16_700 * 0.5 + 16_720 * 1.5 + 16_690 * 1.0) / 3.0)
    assert first.partial  # the book's ticks began inside it
    assert not whole.partial
    assert whole.vwap == pytest.approx((16_705 + 16_715) / 2)
    assert running.partial  # 15:00 is still running at 15:00:15
    assert (running.volume, running.vwap, running.close) == (None, None, 16_735.0)
    assert ticks.minutes("btc", minute + timedelta(minutes=5))[-1].partial is False


def test_minute_bars_roll_up_into_longer_windows_with_analytics_ohlcv():
    ticks = book()
    minute = datetime(2026, 11, 18, 14, 55, tzinfo=UTC)
    for n in range(5 * 6):  # one tick every 10 s for five minutes
        when = minute + timedelta(seconds=10 * n)
        assert ticks.accept(tick(16_700.0 + n, when, volume=1.0), "binance", when) == "accepted"

    (five,) = aggregate(ticks.minute_bars("btc"), FIVE_MINUTES, interval=ONE_MINUTE, now=NOW)

    assert (five.start, five.open, five.high, five.low, five.close) == (
        minute,
        16_700.0,
        16_729.0,
        16_700.0,
        16_729.0,
    )
    assert (five.volume, five.bars, five.partial) == (30.0, 5, False)


# --- publishing and silence -----------------------------------------------------------------------


@pytest.mark.parametrize("publish_ms", [50, 250, 1000])
def test_a_flood_of_500_ticks_a_second_never_means_500_writes_a_second(publish_ms):
    ticks, coalescer = book(), Coalescer(publish_ms)
    written: list[tuple[datetime, Snapshot]] = []
    price = BTC.price
    for n in range(500 * 20):  # 20 s of the fake clock, a tick every 2 ms
        now = at(n * 0.002)
        price += 0.01
        ticks.accept(tick(price, now), "binance", now)
        coalescer.offer("crypto", now)
        for name in coalescer.due(now):
            written.append((now, overlay(POLLED[name], ticks, now)))

    assert len(written) <= 20 * 1000 / publish_ms
    assert len(written) >= 20 * 1000 / publish_ms - 1  # and no tick waits longer than that
    gaps = [b - a for (a, _), (b, _) in pairwise(written)]
    assert min(gaps) >= timedelta(milliseconds=publish_ms)
    assert shown(written[-1][1]).price == pytest.approx(price, abs=0.01 * publish_ms / 2)


def test_the_first_offer_after_a_quiet_spell_is_published_at_once():
    coalescer = Coalescer(250)
    assert coalescer.wait_s(NOW) is None and coalescer.due(NOW) == []
    coalescer.offer("crypto", NOW)
    assert coalescer.wait_s(NOW) == 0.0
    assert coalescer.due(NOW) == ["crypto"]
    coalescer.offer("crypto", at(0.1))
    coalescer.offer("indices", at(0.1))  # datasets are bounded each on its own
    assert coalescer.pending == {"crypto": at(0.1), "indices": at(0.1)}
    assert coalescer.wait_s(at(0.1)) == 0.0
    assert coalescer.due(at(0.1)) == ["indices"]
    assert coalescer.wait_s(at(0.1)) == pytest.approx(0.15)
    assert coalescer.due(at(0.2)) == []
    assert coalescer.due(at(0.25)) == ["crypto"]
    assert coalescer.due(at(10)) == []  # nothing offered, nothing written


def test_a_clock_stepped_back_does_not_hold_a_dataset_back():
    coalescer = Coalescer(250)
    coalescer.offer("crypto", NOW)
    coalescer.due(NOW)
    coalescer.offer("crypto", at(-30))
    assert coalescer.due(at(-30)) == ["crypto"]
    with pytest.raises(ValueError):
        Coalescer(0)


def test_a_stream_is_silent_only_while_its_market_is_open():
    silent_s = SETTINGS.stream.silent_s
    quiet = NOW - timedelta(seconds=silent_s)
    assert silent(quiet, NOW, silent_s, market_open=True)
    assert not silent(quiet + timedelta(seconds=1), NOW, silent_s, market_open=True)
    assert silent(None, NOW, silent_s, market_open=True)  # never ticked
    # a closed market is not a silent stream, however long it has been
    assert not silent(NOW - timedelta(days=2), NOW, silent_s, market_open=False)
    assert not silent(None, NOW, silent_s, market_open=False)


def test_whether_a_datasets_market_is_open_comes_from_the_exchange_calendars():
    assert dataset_open(INDICES, NOW)  # Wednesday 15:00 UTC: New York, Frankfurt, London
    assert not dataset_open(INDICES, SATURDAY)
    assert not dataset_open(FX, SATURDAY)  # 24/5
    assert dataset_open(CRYPTO, SATURDAY)  # 24/7
    last = NOW - timedelta(hours=30)
    assert not silent(last, SATURDAY, 30, dataset_open(INDICES, SATURDAY))
    assert silent(last, SATURDAY, 30, dataset_open(CRYPTO, SATURDAY))


# --- random sequences ----------------------------------------------------------------------------


def _random_tick(rng: random.Random, now: datetime, last_price: float) -> Tick:
    """A tick as a hostile stream might send it: mostly honest, sometimes late, repeated,
    stale, from the future, a spike or for an instrument the poll lacks."""
    roll = rng.random()
    symbol = rng.choice(["btc", "btc", "btc", "eth", "sol"])
    when = now - timedelta(seconds=rng.uniform(0, 3))
    price = last_price * (1 + rng.gauss(0, 0.002))
    if roll < 0.1:
        price = last_price * rng.choice([0.5, 0.7, 1.4, 3.0])  # a spike
    elif roll < 0.2:
        when = now - timedelta(seconds=rng.uniform(60, 400))  # late, often stale
    elif roll < 0.25:
        when = now + timedelta(minutes=rng.uniform(4, 10))  # a bad clock
    elif roll < 0.3:
        when = now - timedelta(seconds=1)
        price = round(last_price)  # repeats
    return Tick(symbol=symbol, price=max(price, 0.01), time=when)


@pytest.mark.parametrize("seed", range(8))
def test_random_ticks_never_take_the_overlay_back_in_time_nor_show_a_quarantined_price(seed):
    rng = random.Random(seed)
    polled = POLLED["crypto"]
    ticks = book()
    coalescer = Coalescer(250)
    accepted: set[tuple[str, float, datetime]] = set()
    refused: dict[str, set[tuple[str, float, datetime]]] = {"quarantined": set(), "stale": set()}
    polled_values = {(q.symbol, q.price, q.as_of) for q in polled.quotes_by_id().values()}
    last_shown = {q.symbol: q.as_of for q in polled.quotes_by_id().values()}
    price, now, sent_count = BTC.price, NOW, 1500
    for n in range(sent_count):
        now += timedelta(seconds=rng.uniform(0.001, 0.2))
        if n % 200 == 199:  # a poll lands: Bitcoin where the market is, a moment ago
            btc = BTC.model_copy(update={"price": price, "as_of": now - timedelta(seconds=1)})
            polled = polled.model_copy(update={"records": (btc, *polled.records[1:])})
            polled_values.add(("btc", btc.price, btc.as_of))
            ticks.anchor(polled)
        sent = _random_tick(rng, now, price)
        verdict = ticks.accept(sent, rng.choice(["binance", "okx"]), now)
        key = (sent.symbol, sent.price, sent.time)
        if verdict == "accepted":
            accepted.add(key)
            price = sent.price if sent.symbol == "btc" else price
        elif verdict in refused:
            refused[verdict].add(key)
        coalescer.offer("crypto", now)
        if not coalescer.due(now):
            continue
        snapshot = overlay(polled, ticks, now)
        for quote in snapshot.quotes_by_id().values():
            value = (quote.symbol, quote.price, quote.as_of)
            assert quote.as_of >= last_shown[quote.symbol], "the overlay went back in time"
            assert value not in refused["quarantined"], "a quarantined price shown"
            assert value not in refused["stale"], "a stale tick shown as live"
            assert value in accepted | polled_values, "a price shown that nobody accepted"
            assert quote.as_of <= now + timedelta(minutes=5)
            last_shown[quote.symbol] = quote.as_of
        assert "sol" not in snapshot.quotes_by_id()

    counts = ticks.counts
    judged = counts.accepted + counts.dropped + counts.stale + counts.quarantined + counts.future
    assert judged == sent_count
    assert counts.quarantined and counts.stale and counts.future and counts.dropped
    assert last_shown["btc"] > BTC.as_of  # the stream did move the board
