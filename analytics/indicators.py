"""Technical indicators on bars: pure pandas, no I/O.

Each function takes a DataFrame of bars (columns open/high/low/close/volume, indexed by UTC
time, oldest first; `bars_frame` makes one from `Bar` records) or, for the close-only ones, a
Series of closes, and returns Series aligned to the input index. Values before an indicator has
enough bars are NaN, except the EMA, which is seeded from the first close (see `ema`).

Conventions (the common charting-platform ones, stated so they can be checked), and how they
compare with the `ta` package (0.11), which tests/analytics/test_indicators.py checks them
against on the recorded ^GSPC daily history to 1e-9:
- SMA: the mean of the last n closes; NaN for the first n - 1. Same as ta.
- EMA: the recursive exponential average, alpha = 2 / (n + 1) (pandas `adjust=False`), seeded
  with the first close. ta computes the same numbers but hides the first n - 1 (NaN); equal
  after that.
- MACD: EMA fast - EMA slow, signal = EMA(signal) of that line over all bars. The line equals
  ta's from bar slow - 1 on. ta (fillna=False) starts its signal EMA at the first defined line
  value (bar slow - 1) where ours started at bar 0 (line 0), so the two signals differ by a
  transient that shrinks by (1 - 2 / (signal + 1)) a bar (0.98 at bar 33, below 1e-24 at the
  end of the ^GSPC year); ta with fillna=True keeps every bar and is identical to ours.
- RSI: Wilder's smoothing (alpha = 1 / n, `adjust=False`) of gains and losses, seeded with the
  first close-to-close change; NaN for the first n bars. ta seeds the same smoothing with a zero
  change before the first bar (its NaN first difference becomes 0), and Wilder's book, TA-Lib
  and most charting platforms seed it with the plain mean of the first n changes. Each is a
  transient that shrinks by (n - 1) / n a bar: about 10 RSI points apart at bar 14 on the
  ^GSPC history, a few hundredths at bar 100, under 1e-7 after a year, so the latest value
  (the one alerts read) agrees with all of them; the first months of a chart do not. The
  test reconciles ta exactly by handing it the first change times n (our seed).
- Bollinger bands: SMA n +- k population standard deviations (ddof=0), as ta and most charting
  platforms; pandas' default ddof=1 would widen them by sqrt(n / (n - 1)).
- VWAP: anchored to each session (UTC day unless sessions are given), intraday bars only.

Warm-up. The EMA, MACD and RSI are recursive: a history that starts later seeds them
differently, and the difference shrinks by a fixed factor a bar. A chart showing its last
`history_bars` (config) computes them on `WARM_UP_BARS` more bars before the first shown one
(`warm_up_bars` derives the count), so every indicator on the first shown bar equals its value on
an arbitrarily long history to 1e-6; the sources fetch that many (`bars_to_fetch`). A year of
history for 250 shown bars left the first shown values tens of points off their warmed ones.

The last bar may be the session in progress (Yahoo's daily chart sends today's bar stamped
with the latest trade's time, 18:46 UTC on 29 Feb 2024 in the recorded history). It is used like
any other bar, so each indicator's last value is provisional until the session closes. Every
indicator here is causal (a value depends on its bar and earlier ones only), so when that bar
moves or is dropped, the earlier values do not change.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from providers.models import Bar

COLUMNS = ("open", "high", "low", "close", "volume")


def bars_frame(bars: Iterable[Bar]) -> pd.DataFrame:
    """Bars as a DataFrame indexed by UTC time, oldest first, one row per time."""
    rows = [
        (b.time, b.open, b.high, b.low, b.close, np.nan if b.volume is None else b.volume)
        for b in bars
    ]
    frame = pd.DataFrame(rows, columns=["time", *COLUMNS])
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    frame = frame.astype(dict.fromkeys(COLUMNS, "float64"))
    frame = frame.drop_duplicates("time", keep="last").set_index("time").sort_index()
    return frame


def _close(data: pd.DataFrame | pd.Series) -> pd.Series:
    return data["close"] if isinstance(data, pd.DataFrame) else data


def sma(data: pd.DataFrame | pd.Series, n: int) -> pd.Series:
    """Simple moving average of the close over `n` bars (NaN for the first n - 1)."""
    return _close(data).rolling(n, min_periods=n).mean()


def ema(data: pd.DataFrame | pd.Series, n: int) -> pd.Series:
    """Exponential moving average: y[0] = x[0], y[t] = y[t-1] + 2 / (n + 1) * (x[t] - y[t-1]).

    A true recursive EMA (pandas `ewm(span=n, adjust=False)`), not a rolling mean. Seeded with
    the first close, so its early values lean on that close: a chart computes it on
    WARM_UP_BARS bars before the first one it shows (see `warm_up_bars`).
    """
    return _close(data).ewm(span=n, adjust=False).mean()


def rsi(data: pd.DataFrame | pd.Series, n: int = 14) -> pd.Series:
    """Relative strength index (0-100) with Wilder's smoothing (alpha = 1 / n).

    Gains and losses are close-to-close changes, averaged by `ewm(alpha=1/n, adjust=False)`
    from the first change; the first `n` values are NaN (warm-up). No loss gives 100, no gain
    0; a series that does not move at all has no defined RSI (NaN; ta says 100). Other seedings
    (ta's, Wilder's simple mean of the first n changes) differ only by a shrinking transient:
    see the module docstring.
    """
    delta = _close(data).diff()
    smooth = {"alpha": 1 / n, "adjust": False, "min_periods": n}
    gain = delta.clip(lower=0).ewm(**smooth).mean()
    loss = (-delta).clip(lower=0).ewm(**smooth).mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 100 - 100 / (1 + gain / loss)  # loss 0 -> inf -> 100; gain 0 -> 0
    return value.where(~((gain == 0) & (loss == 0)))


def macd(
    data: pd.DataFrame | pd.Series, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """MACD line (EMA fast - EMA slow), its signal line (EMA of the line), and the histogram.

    The signal EMA runs over the whole line from bar 0 (where the line is 0, both EMAs being
    seeded with the same close); see the module docstring for how that compares with ta.
    """
    line = ema(data, fast) - ema(data, slow)
    trigger = ema(line, signal)
    return line, trigger, line - trigger


def bollinger(
    data: pd.DataFrame | pd.Series, n: int = 20, k: float = 2.0
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Bollinger bands: (middle = SMA n, upper = middle + k * sd, lower = middle - k * sd).

    sd is the POPULATION standard deviation of the last n closes (ddof=0), as most charting
    platforms compute it (pandas' default ddof=1 would widen the bands by sqrt(n / (n - 1))).
    """
    close = _close(data)
    mid = close.rolling(n, min_periods=n).mean()
    sigma = close.rolling(n, min_periods=n).std(ddof=0)
    return mid, mid + k * sigma, mid - k * sigma


def is_intraday(frame: pd.DataFrame) -> bool:
    """Whether the bars are shorter than a day (their typical spacing is under 12 hours)."""
    if len(frame.index) < 2:
        return False
    return bool(pd.Series(frame.index).diff().median() < pd.Timedelta(hours=12))


def vwap(frame: pd.DataFrame, sessions: pd.Series | None = None) -> pd.Series:
    """Volume-weighted average price anchored to each session, for intraday bars.

    Within a session, the running sum of typical price ((high + low + close) / 3) times volume
    divided by the running sum of volume; it starts afresh at each session. Sessions are UTC
    days unless `sessions` (one key per bar) says otherwise. NaN until a session has volume.
    """
    typical = (frame["high"] + frame["low"] + frame["close"]) / 3
    volume = frame["volume"].fillna(0.0)
    keys = (
        sessions
        if sessions is not None
        else pd.Series(frame.index.tz_convert("UTC").normalize(), index=frame.index)
    )
    traded = (typical * volume).groupby(keys.to_numpy()).cumsum()
    total = volume.groupby(keys.to_numpy()).cumsum()
    return traded / total.where(total > 0)


# --- warm-up: the bars held before the first shown one -------------------------------------

TOLERANCE = 1e-6  # RSI points; for the EMAs and MACD, a fraction of the close
# How far off a later-starting history leaves each recursive indicator, as a multiple of its
# shrink factor to the power of the bar: error(bar) <= SEED_ERROR * retention ** bar. Measured
# over every start in ten years of recorded VIX closes (2016-2026, the jumpiest series on the
# wall; tests/analytics/test_indicators.py) and rounded up fourfold or more:
# - Wilder's RSI: 2,303 RSI points at most (255 on the ^GSPC year). An RSI error is
#   100 (L dG - G dL) / (G + L)^2, up to 25 times the relative errors of the average gain G and
#   loss L, and the seed (one day's move) can be a hundred times a later, quiet average.
# - EMA and MACD (line, signal, histogram): 4.2 closes at most, at the slow EMA's rate; the
#   signal's own seed shrinks faster (0.8 a bar) and its gain on that rate (1.5) is included.
RSI_SEED_ERROR = 1e4
EMA_SEED_ERROR = 100.0


def bars_to_forget(retention: float, seed_error: float, tolerance: float = TOLERANCE) -> int:
    """Bars after which an error of `seed_error`, shrinking to `retention` of itself each bar,
    is under `tolerance`: ln(seed_error / tolerance) / ln(1 / retention), rounded up."""
    return math.ceil(math.log(seed_error / tolerance) / -math.log(retention))


def warm_up_bars(
    *, sma: int = 200, ema: int = 26, rsi_n: int = 14, tolerance: float = TOLERANCE
) -> int:
    """Bars to hold before the first shown one so that every indicator there equals its value on
    an arbitrarily long history to `tolerance`. The defaults are the technicals chart's longest
    periods: SMA 200 (Bollinger 20 and SMA 20/50 need fewer), EMA 26 (the EMA 12 and MACD 12/26/9
    settle with it), RSI 14.
    """
    return max(
        sma - 1,  # a simple average is exact once it holds n bars
        bars_to_forget((ema - 1) / (ema + 1), EMA_SEED_ERROR, tolerance),  # 240 for EMA 26
        bars_to_forget((rsi_n - 1) / rsi_n, RSI_SEED_ERROR, tolerance),  # 311 for RSI 14
    )


# 311 (the RSI's): a 250-bar chart needs 561 bars, about 2.2 years of sessions. Sources may not
# import analytics, so the count they fetch is config.schema.INDICATOR_WARM_UP_BARS (its tests
# check the two agree).
WARM_UP_BARS = warm_up_bars()


def bars_to_fetch(shown: int) -> int:
    """Bars a chart showing `shown` bars must hold so its first shown indicators are warm."""
    return shown + WARM_UP_BARS
