"""Indicators: hand-checked small series, relations on the recorded ^GSPC daily history, a
reference check against the `ta` package on that history (to 1e-9 after each warm-up, with each
convention that differs reconciled exactly; see analytics/indicators.py), and the warm-up on the
ten-year VIX history: on the window a source fetches, every indicator's first shown value equals
its value on the whole history to 1e-6; on a year, it does not."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from ta.momentum import RSIIndicator
from ta.trend import MACD, EMAIndicator, SMAIndicator
from ta.volatility import BollingerBands

from analytics import indicators
from config.schema import INDICATOR_WARM_UP_BARS
from providers.cboe import parse_cboe_csv
from providers.models import Bar
from providers.yahoo import parse_chart_bars
from tests.support import paths

FIXTURE = paths.FIXTURES / "yahoo" / "chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json"


def series(*values: float) -> pd.Series:
    return pd.Series(values, dtype="float64")


@pytest.fixture(scope="module")
def gspc() -> pd.DataFrame:
    payload = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return indicators.bars_frame(parse_chart_bars(payload, symbol="^GSPC"))


# --- bars_frame -----------------------------------------------------------------------------


def test_bars_frame_is_sorted_by_utc_time_with_one_row_per_time():
    t0 = datetime(2025, 3, 3, 14, 30, tzinfo=UTC)

    def bar(day: int, close: float, volume: float | None = 10.0) -> Bar:
        when = t0 + timedelta(days=day)
        return Bar(symbol="x", time=when, open=1, high=9, low=0.5, close=close, volume=volume)

    frame = indicators.bars_frame([bar(2, 3.0), bar(0, 1.0), bar(1, 2.0, None), bar(2, 4.0)])
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert str(frame.index.tz) == "UTC"
    assert frame["close"].tolist() == [1.0, 2.0, 4.0]  # sorted; a repeated time keeps the last
    assert math.isnan(frame["volume"].iloc[1])
    assert indicators.bars_frame([]).empty


def test_recorded_history_is_daily(gspc):
    assert len(gspc) > 250 and gspc.index.is_monotonic_increasing
    assert not indicators.is_intraday(gspc)


# --- moving averages --------------------------------------------------------------------------


def test_sma_is_the_mean_of_the_last_n_and_nan_before():
    result = indicators.sma(series(1, 2, 3, 4, 5), 3)
    assert result.isna().tolist() == [True, True, False, False, False]
    assert result.iloc[2:].tolist() == [2.0, 3.0, 4.0]


def test_ema_of_a_constant_is_that_constant():
    assert indicators.ema(series(*[7.5] * 30), 12).tolist() == [7.5] * 30


def test_ema_follows_the_recursion_by_hand():
    # n = 3: alpha = 2 / (3 + 1) = 0.5; y0 = x0; y[t] = y[t-1] + 0.5 * (x[t] - y[t-1])
    #   10 -> 10 + 0.5 * 1 = 10.5 -> 10.5 + 0.5 * 1.5 = 11.25 -> 12.125 -> 13.0625
    result = indicators.ema(series(10, 11, 12, 13, 14), 3)
    assert result.tolist() == [10.0, 10.5, 11.25, 12.125, 13.0625]


def test_ema_is_not_a_rolling_mean():
    values = series(10, 11, 12, 13, 14)
    assert indicators.ema(values, 3).iloc[-1] != indicators.sma(values, 3).iloc[-1]  # 13.06 vs 13


def test_ema_on_the_recorded_closes_matches_a_plain_loop(gspc):
    close = gspc["close"].tolist()
    alpha, level, expected = 2 / (12 + 1), close[0], []
    for value in close:
        level += alpha * (value - level)
        expected.append(level)
    assert indicators.ema(gspc, 12).tolist() == pytest.approx(expected, rel=1e-12)


# --- RSI ------------------------------------------------------------------------------------


def test_rsi_of_a_strictly_rising_series_is_100_and_falling_0():
    rising = indicators.rsi(series(*range(1, 31)), 14)
    assert rising.iloc[:14].isna().all()  # warm-up: the first change is at index 1
    assert rising.iloc[14:].tolist() == [100.0] * 16
    assert indicators.rsi(series(*range(30, 0, -1)), 14).iloc[14:].tolist() == [0.0] * 16


def test_rsi_of_a_flat_series_is_undefined():
    assert indicators.rsi(series(*[5.0] * 20), 14).isna().all()


def test_wilder_rsi_on_a_short_series_by_hand():
    # n = 3, alpha = 1/3. Changes: +1 +1 -1 +2 +1.
    # avg gain: 1, 1, 2/3, 2/3*2/3 + 2/3 = 10/9, 2/3*10/9 + 1/3 = 29/27
    # avg loss: 0, 0, 1/3, 2/9, 4/27
    # RSI = 100 - 100 / (1 + gain / loss): index 3: RS 2 -> 200/3; 4: RS 5 -> 250/3;
    # 5: RS 29/4 -> 2900/33.
    result = indicators.rsi(series(1, 2, 3, 2, 4, 5), 3)
    assert result.iloc[:3].isna().all()
    assert result.iloc[3:].tolist() == pytest.approx([200 / 3, 250 / 3, 2900 / 33], rel=1e-12)


def test_rsi_on_the_recorded_closes_matches_wilders_recursion(gspc):
    close = gspc["close"].to_numpy()
    changes = np.diff(close)
    gain = loss = None
    expected = [math.nan]
    for i, change in enumerate(changes, start=1):
        up, down = max(change, 0.0), max(-change, 0.0)
        gain = up if gain is None else gain + (up - gain) / 14
        loss = down if loss is None else loss + (down - loss) / 14
        expected.append(100 - 100 / (1 + gain / loss) if i >= 14 else math.nan)
    result = indicators.rsi(gspc, 14)
    assert result.iloc[14:].tolist() == pytest.approx(expected[14:], rel=1e-9)
    assert result.iloc[14:].between(0, 100).all()


# --- MACD and Bollinger -----------------------------------------------------------------------


def test_macd_of_a_constant_is_zero():
    line, signal, hist = indicators.macd(series(*[100.0] * 40))
    assert (line == 0).all() and (signal == 0).all() and (hist == 0).all()


def test_macd_relations_on_the_recorded_closes(gspc):
    line, signal, hist = indicators.macd(gspc, 12, 26, 9)
    assert line.tolist() == pytest.approx(
        (indicators.ema(gspc, 12) - indicators.ema(gspc, 26)).tolist(), rel=1e-12
    )
    assert signal.tolist() == pytest.approx(indicators.ema(line, 9).tolist(), rel=1e-12)
    assert hist.tolist() == pytest.approx((line - signal).tolist(), abs=1e-9)


def test_bollinger_uses_the_population_standard_deviation():
    # 1, 2, 3, 4: mean 2.5, population variance 1.25 (the sample one would be 5/3)
    mid, upper, lower = indicators.bollinger(series(1, 2, 3, 4), 4, 2)
    assert mid.iloc[-1] == 2.5
    assert upper.iloc[-1] == pytest.approx(2.5 + 2 * math.sqrt(1.25))
    assert lower.iloc[-1] == pytest.approx(2.5 - 2 * math.sqrt(1.25))
    assert mid.iloc[:3].isna().all()


def test_sma_and_bollinger_relations_on_the_recorded_closes(gspc):
    last20 = gspc["close"].iloc[-20:].to_numpy()
    assert indicators.sma(gspc, 20).iloc[-1] == pytest.approx(last20.mean(), rel=1e-12)
    mid, upper, lower = indicators.bollinger(gspc, 20, 2)
    sigma = np.std(last20, ddof=0)
    assert mid.iloc[-1] == pytest.approx(last20.mean(), rel=1e-12)
    assert upper.iloc[-1] - lower.iloc[-1] == pytest.approx(4 * sigma, rel=1e-9)
    widths = (upper - lower).dropna()
    sigmas = gspc["close"].rolling(20).std(ddof=0).dropna()
    assert widths.tolist() == pytest.approx((4 * sigmas).tolist(), rel=1e-9)
    assert (lower.dropna() <= mid.dropna()).all() and (mid.dropna() <= upper.dropna()).all()


# --- VWAP -----------------------------------------------------------------------------------


def test_vwap_is_cumulative_within_each_session_and_restarts():
    times = pd.to_datetime(
        ["2024-01-02 14:30", "2024-01-02 14:35", "2024-01-03 14:30", "2024-01-03 14:35"], utc=True
    )
    frame = pd.DataFrame(
        {
            "open": 1.0,
            "high": [3.0, 6.0, 9.0, 12.0],
            "low": [1.0, 2.0, 3.0, 4.0],
            "close": [2.0, 4.0, 6.0, 8.0],
            "volume": [100.0, 300.0, 0.0, 50.0],
        },
        index=times,
    )
    # typical prices 2, 4 | 6, 8. Day 1: 2, then (2*100 + 4*300) / 400 = 3.5.
    # Day 2 starts afresh: no volume yet -> NaN, then 8 (only the second bar traded).
    result = indicators.vwap(frame)
    assert result.iloc[:2].tolist() == [2.0, 3.5]
    assert math.isnan(result.iloc[2]) and result.iloc[3] == 8.0
    assert indicators.is_intraday(frame)
    # the same bars in one explicit session keep accumulating
    one = indicators.vwap(frame, pd.Series(["s"] * 4, index=times))
    assert one.iloc[-1] == pytest.approx((2 * 100 + 4 * 300 + 8 * 50) / 450)


# --- reference check against `ta` on the recorded ^GSPC history ---------------------------

TOL = 1e-9


def assert_same_from(ours: pd.Series, theirs: pd.Series, start: int) -> None:
    """Both defined and equal to 1e-9 from bar `start` on (same index throughout)."""
    assert ours.index.equals(theirs.index)
    a, b = ours.iloc[start:].to_numpy(), theirs.iloc[start:].to_numpy()
    assert not np.isnan(a).any() and not np.isnan(b).any()
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL)


def test_sma_20_50_200_equal_ta_with_the_same_warm_up(gspc):
    close = gspc["close"]
    for n in (20, 50, 200):  # 291 bars: enough for every one
        ours, theirs = indicators.sma(gspc, n), SMAIndicator(close, n).sma_indicator()
        assert ours.isna().sum() == theirs.isna().sum() == n - 1
        assert_same_from(ours, theirs, n - 1)


def test_ema_12_26_equal_ta_which_hides_the_first_n_minus_1(gspc):
    close = gspc["close"]
    for n in (12, 26):
        ours, theirs = indicators.ema(gspc, n), EMAIndicator(close, n).ema_indicator()
        # same recursion from the same seed (the first close); ta masks the warm-up, we do not
        assert theirs.iloc[: n - 1].isna().all() and ours.notna().all()
        assert_same_from(ours, theirs, n - 1)


def test_bollinger_20_2_equals_ta_population_sd(gspc):
    mid, upper, lower = indicators.bollinger(gspc, 20, 2)
    bands = BollingerBands(gspc["close"], window=20, window_dev=2)
    assert_same_from(mid, bands.bollinger_mavg(), 19)
    assert_same_from(upper, bands.bollinger_hband(), 19)
    assert_same_from(lower, bands.bollinger_lband(), 19)
    assert upper.iloc[:19].isna().all() and bands.bollinger_hband().iloc[:19].isna().all()


def test_macd_12_26_9_equals_ta_keeping_every_bar(gspc):
    # fillna=True makes ta's EMAs start at bar 0 like ours (min_periods=0); nothing is then
    # left to fill, so the signal is seeded at bar 0 as ours is: identical everywhere.
    line, signal, hist = indicators.macd(gspc, 12, 26, 9)
    ref = MACD(gspc["close"], window_slow=26, window_fast=12, window_sign=9, fillna=True)
    assert_same_from(line, ref.macd(), 0)
    assert_same_from(signal, ref.macd_signal(), 0)
    assert_same_from(hist, ref.macd_diff(), 0)


def test_macd_differs_from_ta_default_only_by_the_signal_seed(gspc):
    line, signal, hist = indicators.macd(gspc, 12, 26, 9)
    ref = MACD(gspc["close"], window_slow=26, window_fast=12, window_sign=9)
    assert_same_from(line, ref.macd(), 25)  # the line: from the slow EMA's warm-up on
    # ta starts the signal EMA at the first defined line value (bar 25) and shows it from bar
    # 33; from there both follow s[t] = s[t-1] + 0.2 (line[t] - s[t-1]), so the gap is the
    # seed difference times 0.8 ** (t - 25), exactly.
    seed_gap = signal.iloc[25] - line.iloc[25]
    decay = pd.Series(0.8 ** (np.arange(len(gspc)) - 25.0), index=gspc.index)
    assert ref.macd_signal().iloc[:33].isna().all()
    assert_same_from(signal - seed_gap * decay, ref.macd_signal(), 33)
    assert_same_from(hist + seed_gap * decay, ref.macd_diff(), 33)
    assert abs(signal.iloc[33] - ref.macd_signal().iloc[33]) > 0.9  # visible at first
    assert abs(signal.iloc[-1] - ref.macd_signal().iloc[-1]) < TOL  # gone after a year


def test_rsi_14_equals_ta_once_ta_is_given_our_seed(gspc):
    # ta turns the first (missing) difference into a zero gain and zero loss and seeds Wilder's
    # average there: at bar t its averages weigh the first real change by (1/14) (13/14)^(t-1)
    # where ours weigh it (13/14)^(t-1). Handing ta that change times 14 gives it our seed;
    # every later change is untouched, so the two must then agree exactly from bar 14.
    close = gspc["close"]
    seeded = close.copy()
    seeded.iloc[0] = close.iloc[1] - 14 * (close.iloc[1] - close.iloc[0])
    ours = indicators.rsi(gspc, 14)
    assert ours.iloc[:14].isna().all()
    assert_same_from(ours, RSIIndicator(seeded, 14).rsi(), 14)


def test_rsi_14_against_plain_ta_is_a_seed_transient_that_dies_out(gspc):
    ours, theirs = indicators.rsi(gspc, 14), RSIIndicator(gspc["close"], 14).rsi()
    assert theirs.iloc[:13].isna().all() and theirs.iloc[13:].notna().all()  # its zero counts
    gap = (ours - theirs).abs()
    assert gap.iloc[14] > 5  # the first weeks of a chart differ by several RSI points
    assert gap.iloc[100] < 0.05 and gap.iloc[200] < 1e-4
    assert gap.iloc[-1] < 1e-7  # the value alerts read agrees after a year of bars


def test_the_live_last_bar_is_used_and_moves_only_the_last_values(gspc):
    # The recorded chart ends with 29 Feb 2024 in progress, stamped 18:46:29 UTC (the latest
    # trade) where every finished session is stamped with its 09:30 New York open.
    assert gspc.index[-1] == pd.Timestamp("2024-02-29 18:46:29", tz="UTC")
    opens = gspc.index[:-1].tz_convert("America/New_York").strftime("%H:%M")
    assert (opens == "09:30").all()
    done = gspc.iloc[:-1]  # what the wall showed at the previous close
    for full, closed in [
        (indicators.sma(gspc, 20), indicators.sma(done, 20)),
        (indicators.ema(gspc, 26), indicators.ema(done, 26)),
        (indicators.rsi(gspc, 14), indicators.rsi(done, 14)),
        (indicators.macd(gspc)[1], indicators.macd(done)[1]),
        (indicators.bollinger(gspc)[1], indicators.bollinger(done)[1]),
    ]:
        assert full.iloc[:-1].equals(closed)  # causal: the in-progress bar changes nothing before
        assert full.iloc[-1] != closed.iloc[-1]


# --- warm-up: the first shown bar of a fetched window equals the long history's ---------------

VIX = paths.FIXTURES / "cboe" / "VIX_History_2016-01-04_to_2026-07-02_truncated.csv"
SHOWN = 250  # history_bars of the history dataset (config/wallboard.yaml)
WARM = 1e-6  # indicators.TOLERANCE: RSI points; VIX points for the others (VIX < 100)


@pytest.fixture(scope="module")
def vix() -> pd.Series:
    """Closes of the recorded CBOE VIX history, the longest daily one recorded: 2,670 sessions
    (2016-01-04 to 2026-07-02) with the wall's jumpiest days (+116 % on 5 Feb 2018)."""
    bars = parse_cboe_csv(VIX.read_text(encoding="utf-8"), symbol="vix")
    return indicators.bars_frame(bars)["close"]


def technicals(close: pd.Series) -> dict[str, pd.Series]:
    """Every indicator the technicals chart draws (pages/technicals.py)."""
    line, signal, hist = indicators.macd(close, 12, 26, 9)
    _mid, upper, lower = indicators.bollinger(close, 20, 2)
    return {
        "RSI 14": indicators.rsi(close, 14),
        "EMA 12": indicators.ema(close, 12),
        "EMA 26": indicators.ema(close, 26),
        "MACD": line,
        "signal": signal,
        "histogram": hist,
        "SMA 20": indicators.sma(close, 20),
        "SMA 50": indicators.sma(close, 50),
        "SMA 200": indicators.sma(close, 200),
        "Bollinger upper": upper,
        "Bollinger lower": lower,
    }


def first_shown_gaps(close: pd.Series, held: int, shown: int = SHOWN) -> dict[str, float]:
    """How far each indicator computed on the last `held` bars is, on the first of the last
    `shown` bars, from the same indicator on the whole history (NaN where it has no value)."""
    window, full = technicals(close.iloc[-held:]), technicals(close)
    return {name: abs(window[name].iloc[-shown] - full[name].iloc[-shown]) for name in full}


def test_the_warm_up_count_is_derived_from_the_indicators_periods():
    assert indicators.bars_to_forget(0.5, 1.0, 1e-6) == 20  # 2^-20 < 1e-6 < 2^-19
    assert indicators.WARM_UP_BARS == indicators.warm_up_bars() == 311  # the RSI 14's
    assert INDICATOR_WARM_UP_BARS == indicators.WARM_UP_BARS  # what every source fetches
    assert indicators.warm_up_bars(rsi_n=2) == 240  # then the EMA 26's (and MACD's)
    assert indicators.warm_up_bars(rsi_n=2, ema=2) == 199  # then the SMA 200's
    assert indicators.bars_to_fetch(SHOWN) == 561  # about 2.2 years of sessions


def test_the_window_a_source_fetches_shows_every_indicator_warm(vix):
    held = indicators.bars_to_fetch(SHOWN)
    assert len(vix) > 4 * held  # the "whole history" is much longer than the window
    gaps = first_shown_gaps(vix, held)
    assert all(gap <= WARM for gap in gaps.values()), gaps  # NaN fails too: every one defined
    assert gaps["RSI 14"] < 1e-8 and gaps["EMA 26"] < 1e-10  # the latest window: 4e-9, 1e-11


def test_a_year_of_history_or_the_sma_s_warm_up_is_not_enough(vix):
    year = int((vix.index > vix.index[-1] - pd.Timedelta(days=365)).sum())
    assert year == 258
    gaps = first_shown_gaps(vix, year)
    assert math.isnan(gaps["RSI 14"]) and math.isnan(gaps["SMA 200"])  # not even defined
    assert gaps["EMA 26"] > 1 and gaps["MACD"] > 0.8  # VIX points, at a VIX of 17.7
    window, full = technicals(vix.iloc[-year:]), technicals(vix)
    first = window["RSI 14"].iloc[-SHOWN:].first_valid_index()
    assert window["RSI 14"][first] == pytest.approx(71.02, abs=0.01)  # 9 bars into the chart
    assert full["RSI 14"][first] == pytest.approx(38.95, abs=0.01)  # what it really was
    # The SMA 200's 199 bars warm the averages only: the RSI is still 8.5e-5 off.
    gaps = first_shown_gaps(vix, SHOWN + 199)
    assert gaps["SMA 200"] < 1e-12 and gaps["RSI 14"] > 50 * WARM


def test_281_bars_do_not_forget_the_february_2018_spike_and_311_do(vix):
    # VIX +116 % on 5 Feb 2018 (17.31 -> 37.32): a window starting on 2 Feb seeds Wilder's
    # averages with that jump, against the quiet months 281 bars on.
    shown = vix.index.get_loc(pd.Timestamp("2019-03-19", tz="UTC"))
    full = indicators.rsi(vix, 14).iloc[shown]

    def gap(before: int) -> float:
        return abs(indicators.rsi(vix.iloc[shown - before : shown + 1], 14).iloc[-1] - full)

    assert vix.index[shown - 281] == pd.Timestamp("2018-02-02", tz="UTC")
    assert gap(281) > WARM  # 1.5e-6
    assert gap(281) / (13 / 14) ** 281 < indicators.RSI_SEED_ERROR / 4  # the comment's bound
    assert gap(indicators.WARM_UP_BARS) < WARM / 100  # 2.3e-9


def test_every_window_of_ten_years_is_warm_on_its_first_shown_bar(vix):
    # Every start in the history, each window just long enough: WARM_UP_BARS bars, then the
    # first shown one. The simple averages are exact by construction (checked above).
    full = technicals(vix)
    recursive = ("RSI 14", "EMA 12", "EMA 26", "MACD", "signal", "histogram")
    worst = dict.fromkeys(recursive, 0.0)
    bars = indicators.WARM_UP_BARS + 1
    for start in range(len(vix) - bars + 1):
        close = vix.iloc[start : start + bars]
        line, signal, hist = indicators.macd(close, 12, 26, 9)
        window = {
            "RSI 14": indicators.rsi(close, 14),
            "EMA 12": indicators.ema(close, 12),
            "EMA 26": indicators.ema(close, 26),
            "MACD": line,
            "signal": signal,
            "histogram": hist,
        }
        for name in recursive:
            gap = abs(window[name].iloc[-1] - full[name].iloc[start + bars - 1])
            worst[name] = max(worst[name], gap)
    assert all(gap < WARM for gap in worst.values()), worst
    assert worst["RSI 14"] > WARM / 100  # 1.4e-7: the RSI is what sets the count
