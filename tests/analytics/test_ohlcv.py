"""OHLCV windows: the recorded Binance 1-minute klines rolled into 1-, 5- and 15-minute windows
(values worked out by hand from the file), the recorded TSLA 30-minute pre/post-market bars
into hours, and the refusals (windows shorter than, or not a multiple of, the bars)."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pytest

from analytics import ohlcv
from providers.binance import parse_klines
from providers.models import Bar
from providers.yahoo import parse_chart_bars
from tests.support.paths import FIXTURES

# Ten BTCUSDT 1-minute klines, 2021-10-22 23:03 .. 23:12 UTC; the 23:12 one was in progress
# (7 trades, 0.047 BTC) when recorded.
KLINES = (FIXTURES / "binance" / "klines_BTCUSDT_1m_2021-10-22.json").read_bytes()
ROWS = json.loads(KLINES)
TRADES = [row[8] for row in ROWS]  # Binance's trade count per kline; `Bar` has none
DURING_LAST = datetime(2021, 10, 22, 23, 12, 30, tzinfo=UTC)
# TSLA 30-minute bars, 22 Nov 2021 09:00 .. 24:00 UTC (04:00 .. 19:00 New York): pre-market,
# the regular session from 14:30 UTC and post-market; Yahoo sends volume 0 outside the session.
TSLA = json.loads((FIXTURES / "yahoo" / "chart_TSLA_30m_prepost_20211122.json").read_text())


@pytest.fixture(scope="module")
def btc() -> list[Bar]:
    return parse_klines(KLINES, symbol="BTCUSDT")


@pytest.fixture(scope="module")
def tsla() -> list[Bar]:
    return parse_chart_bars(TSLA, symbol="TSLA")


def utc(hour: int, minute: int, *, month: int = 10, day: int = 22) -> datetime:
    return datetime(2021, month, day, hour, minute, tzinfo=UTC)


# --- Binance 1-minute klines ----------------------------------------------------------------


def test_five_minute_windows_of_the_recorded_klines_by_hand(btc):
    first, full, last = ohlcv.aggregate(btc, ohlcv.FIVE_MINUTES, now=DURING_LAST, trades=TRADES)
    # 23:00-23:05 holds only 23:03 and 23:04: the request started mid-window.
    assert (first.start, first.end) == (utc(23, 0), utc(23, 5))
    assert (first.open, first.high, first.low, first.close) == (
        60685.22,
        60780.41,
        60670.90,
        60771.81,
    )
    assert first.volume == pytest.approx(21.63272 + 21.91797)
    assert (first.bars, first.trades, first.partial) == (2, 617 + 769, True)
    # 23:05-23:10: five whole klines (rows 3 to 7 of the file).
    assert (full.symbol, full.start, full.end) == ("BTCUSDT", utc(23, 5), utc(23, 10))
    assert full.open == 60773.18  # 23:05's open
    assert full.high == 60807.52  # 23:06's high
    assert full.low == 60734.58  # 23:08's low
    assert full.close == 60776.64  # 23:09's close
    volumes = [15.38660, 12.67640, 8.13593, 10.90120, 4.72517]
    assert full.volume == pytest.approx(sum(volumes)) == pytest.approx(51.8253)
    typical = [
        (60799.13 + 60745.24 + 60768.71) / 3,
        (60807.52 + 60756.51 + 60786.56) / 3,
        (60787.15 + 60756.07 + 60759.65) / 3,
        (60778.81 + 60734.58 + 60774.88) / 3,
        (60787.69 + 60758.92 + 60776.64) / 3,
    ]
    by_hand = sum(p * v for p, v in zip(typical, volumes, strict=True)) / sum(volumes)
    assert full.vwap == pytest.approx(by_hand, rel=1e-12)
    # The bar-based VWAP is an approximation: Binance's own (quote volume / volume) is 0.23
    # dollars below it.
    exact = sum(float(row[7]) for row in ROWS[2:7]) / sum(volumes)
    assert full.vwap - exact == pytest.approx(0.23, abs=0.005)
    assert (full.bars, full.trades, full.partial) == (5, 722 + 673 + 491 + 593 + 393, False)
    # 23:10-23:15: 23:10, 23:11 and the 23:12 candle still in progress.
    assert (last.start, last.end) == (utc(23, 10), utc(23, 15))
    assert (last.open, last.high, last.low, last.close) == (
        60776.63,
        60776.63,
        60723.78,
        60739.85,
    )
    assert last.volume == pytest.approx(7.94426 + 5.31675 + 0.04734)
    assert (last.bars, last.trades, last.partial) == (3, 414 + 375 + 7, True)


def test_without_counts_trades_are_unknown_and_bars_still_counted(btc):
    windows = ohlcv.aggregate(btc, ohlcv.FIVE_MINUTES)
    assert [w.trades for w in windows] == [None, None, None]
    assert [w.bars for w in windows] == [2, 5, 3]
    # Without `now` only coverage tells: the two short windows are partial, the full one not.
    assert [w.partial for w in windows] == [True, False, True]


def test_a_full_window_is_partial_while_its_last_bar_is_in_progress(btc):
    five = btc[2:7]  # 23:05 .. 23:09
    (running,) = ohlcv.aggregate(five, ohlcv.FIVE_MINUTES, now=utc(23, 9) + timedelta(seconds=30))
    assert running.bars == 5 and running.partial
    (done,) = ohlcv.aggregate(five, ohlcv.FIVE_MINUTES, now=utc(23, 10))
    assert not done.partial


def test_one_minute_windows_are_the_klines_themselves(btc):
    windows = ohlcv.aggregate(btc, ohlcv.ONE_MINUTE, now=DURING_LAST, trades=TRADES)
    assert len(windows) == 10
    for window, bar, trades in zip(windows, btc, TRADES, strict=True):
        assert (window.start, window.end) == (bar.time, bar.time + timedelta(minutes=1))
        assert (window.open, window.high, window.low, window.close, window.volume) == (
            bar.open,
            bar.high,
            bar.low,
            bar.close,
            bar.volume,
        )
        assert window.vwap == pytest.approx((bar.high + bar.low + bar.close) / 3)
        assert window.trades == trades
    assert [w.partial for w in windows] == [False] * 9 + [True]  # the 23:12 candle


def test_fifteen_minute_window_holds_all_ten_klines_and_is_partial(btc):
    (window,) = ohlcv.aggregate(btc, ohlcv.FIFTEEN_MINUTES, now=DURING_LAST)
    assert (window.start, window.end, window.bars, window.partial) == (
        utc(23, 0),
        utc(23, 15),
        10,
        True,
    )
    assert (window.open, window.close) == (60685.22, 60739.85)
    assert window.high == max(b.high for b in btc) == 60807.52
    assert window.low == min(b.low for b in btc) == 60670.90


def test_the_interval_is_read_from_the_bars(btc, tsla):
    assert ohlcv.bar_interval(btc) == timedelta(minutes=1)
    assert ohlcv.bar_interval(tsla) == timedelta(minutes=30)
    with pytest.raises(ValueError, match="pass interval"):
        ohlcv.bar_interval(btc[:1])
    (one,) = ohlcv.aggregate(btc[:1], ohlcv.FIVE_MINUTES, interval=ohlcv.ONE_MINUTE)
    assert one.bars == 1 and one.partial


# --- TSLA 30-minute bars with pre- and post-market -----------------------------------------


def test_tsla_half_hours_roll_into_clock_hours(tsla):
    hours = ohlcv.aggregate(tsla, timedelta(hours=1))
    assert len(hours) == 15 and len(tsla) == 30
    assert [w.start.hour for w in hours] == list(range(9, 24))  # 09:00 .. 23:00 UTC
    assert all(w.bars == 2 and not w.partial for w in hours)
    # 14:00-15:00 UTC: the last pre-market half hour (volume 0) and the regular open at 14:30.
    open_hour = hours[5]
    assert open_hour.start == utc(14, 0, month=11)
    assert open_hour.open == 1167.99
    assert open_hour.high == 1193.6700439453125
    assert open_hour.low == 1156.550048828125
    assert open_hour.close == 1185.6600341796875
    assert open_hour.volume == 6271983
    # the zero-volume pre-market half hour weighs nothing in the VWAP
    assert open_hour.vwap == pytest.approx(
        (1193.6700439453125 + 1156.550048828125 + 1185.6600341796875) / 3, rel=1e-12
    )
    # 09:00-10:00 UTC (04:00 New York): Yahoo reports no volume before the session
    assert hours[0].volume == 0 and hours[0].vwap is None
    assert (hours[0].open, hours[0].close) == (1148.51, 1169)
    assert hours[-1].close == 1156.49 and hours[-1].volume == 0


def test_tsla_ninety_minutes_is_a_multiple_too(tsla):
    windows = ohlcv.aggregate(tsla, timedelta(minutes=90))
    assert len(windows) == 10 and all(w.bars == 3 and not w.partial for w in windows)
    assert windows[0].start == utc(9, 0, month=11)


@pytest.mark.parametrize(
    ("window", "words"),
    [
        (timedelta(minutes=5), "a 5 min window cannot be built from 30 min bars: it is shorter"),
        (timedelta(minutes=15), "a 15 min window cannot be built from 30 min bars: it is shorter"),
        (
            timedelta(minutes=45),
            "45 min window cannot be built from 30 min bars: it is not a whole",
        ),
        (timedelta(hours=1, seconds=1), "not a whole multiple of 30 min"),
    ],
)
def test_windows_shorter_than_or_not_a_multiple_of_the_bars_are_refused(tsla, window, words):
    with pytest.raises(ValueError, match=words):
        ohlcv.aggregate(tsla, window)


def test_bars_off_the_window_grid_are_refused():
    def bar(minute: int) -> Bar:
        return Bar(symbol="X", time=utc(14, minute), open=1, high=2, low=0.5, close=1.5)

    # 30-minute bars at :15 and :45: the :45 one runs into the next hour
    with pytest.raises(ValueError, match="14:45 UTC straddles two 1 h windows"):
        ohlcv.aggregate([bar(15), bar(45)], timedelta(hours=1))


# --- several symbols, unknown volume, repeats and bad arguments ------------------------------


def test_symbols_are_kept_apart_and_ordered_by_symbol_then_time(btc):
    other = [b.model_copy(update={"symbol": "ETHUSDT", "volume": None}) for b in btc[2:7]]
    windows = ohlcv.aggregate([*other, *btc], ohlcv.FIVE_MINUTES)
    assert [(w.symbol, w.start.minute) for w in windows] == [
        ("BTCUSDT", 0),
        ("BTCUSDT", 5),
        ("BTCUSDT", 10),
        ("ETHUSDT", 5),
    ]
    eth = windows[-1]
    assert eth.volume is None and eth.vwap is None  # unknown volume: no sum, no VWAP
    assert eth.high == windows[1].high and not eth.partial


def test_a_repeated_bar_counts_once_the_last_copy(btc):
    refreshed = btc[-1].model_copy(update={"close": 60750.0, "high": 60750.0, "volume": 0.5})
    windows = ohlcv.aggregate([*btc, refreshed], ohlcv.FIVE_MINUTES, trades=[*TRADES, 20])
    assert windows[-1].bars == 3 and windows[-1].close == 60750.0
    assert windows[-1].trades == 414 + 375 + 20


def test_bad_arguments_say_what_is_wrong(btc):
    assert ohlcv.aggregate([], ohlcv.FIVE_MINUTES) == []
    with pytest.raises(ValueError, match="timezone-aware"):
        ohlcv.aggregate(btc, ohlcv.FIVE_MINUTES, now=datetime(2021, 10, 22, 23, 12))
    with pytest.raises(ValueError, match="3 counts for 10 bars"):
        ohlcv.aggregate(btc, ohlcv.FIVE_MINUTES, trades=[1, 2, 3])
    with pytest.raises(ValueError, match="positive"):
        ohlcv.aggregate(btc, timedelta(0))


def test_windows_are_frozen(btc):
    window = ohlcv.aggregate(btc, ohlcv.FIVE_MINUTES)[0]
    with pytest.raises(FrozenInstanceError):
        window.close = 1.0  # type: ignore[misc]


def test_window_starts_follow_the_utc_clock():
    t = datetime(2024, 3, 1, 14, 37, 12, tzinfo=UTC)
    assert ohlcv.window_start(t, ohlcv.FIVE_MINUTES) == datetime(2024, 3, 1, 14, 35, tzinfo=UTC)
    assert ohlcv.window_start(t, ohlcv.FIFTEEN_MINUTES) == datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
    assert ohlcv.window_start(t, timedelta(hours=1)) == datetime(2024, 3, 1, 14, tzinfo=UTC)
    assert ohlcv.describe(timedelta(seconds=90)) == "90 s"
    assert ohlcv.describe(timedelta(minutes=90)) == "90 min"
