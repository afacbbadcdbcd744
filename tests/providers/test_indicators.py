"""Indicators: hand-checked small series, then relations on the recorded ^GSPC daily history."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from providers import indicators
from providers.models import Bar
from providers.yahoo import parse_chart_bars

FIXTURE = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "yahoo"
    / "chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json"
)


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
