"""Technical indicators on bars: pure pandas, no I/O.

Each function takes a DataFrame of bars (columns open/high/low/close/volume, indexed by UTC
time, oldest first; `bars_frame` makes one from `Bar` records) or, for the close-only ones, a
Series of closes, and returns Series aligned to the input index. Values before an indicator has
enough bars are NaN, except the EMA, which is seeded from the first close (see `ema`).

Conventions (the common charting-platform ones, stated so they can be checked):
- EMA: the recursive exponential average, alpha = 2 / (n + 1), seeded with the first value.
- RSI: Wilder's smoothing, alpha = 1 / n, of gains and losses.
- Bollinger bands: population standard deviation (ddof=0).
- VWAP: anchored to each session (UTC day unless sessions are given), intraday bars only.
"""

from __future__ import annotations

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
    the first close, so its first few values lean on that close; charts hide the warm-up.
    """
    return _close(data).ewm(span=n, adjust=False).mean()


def rsi(data: pd.DataFrame | pd.Series, n: int = 14) -> pd.Series:
    """Relative strength index (0-100) with Wilder's smoothing (alpha = 1 / n).

    Gains and losses are close-to-close changes, averaged by `ewm(alpha=1/n, adjust=False)`
    from the first change; the first `n` values are NaN (warm-up). No loss gives 100, no gain
    0; a series that does not move at all has no defined RSI (NaN).
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
    """MACD line (EMA fast - EMA slow), its signal line (EMA of the line), and the histogram."""
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
