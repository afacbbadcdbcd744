"""Intraday bars rolled up into longer clock-aligned windows (1, 5, 15, 60 minutes ...): pure.

`aggregate` turns bars of one interval (Binance 1-minute klines, Yahoo 30-minute bars) into
windows that are a whole multiple of it, per symbol:
- open = the first bar's open, high = the highest high, low = the lowest low, close = the last
  bar's close;
- volume = the sum, or None when any bar's volume is unknown (a partial sum would understate it);
- vwap = sum(typical price x volume) / sum(volume), typical price = (high + low + close) / 3
  per bar. That is the bar-based approximation charting platforms use: the exact VWAP needs
  every trade (or a quote-volume total, which `Bar` does not carry). None when the volume is
  unknown or zero (Yahoo sends 0 for pre- and post-market bars);
- bars = how many input bars the window holds (always known; not a trade count);
- trades = the sum of per-bar trade counts when the caller has them (Binance klines carry one,
  `Bar` does not) and passes them in `trades`; None otherwise.

Windows are aligned to the UTC clock: they start at whole multiples of their length since
1970-01-01 00:00 UTC, so 5-minute windows start at :00, :05 ..., hourly ones on the hour
(on the half hour in a time zone half an hour off UTC, such as India's).

A window is `partial` when its input bars do not cover it (fewer bars than window / interval:
the first window of a request that starts mid-window, a gap) or, given `now`, when it has not
ended by then (the window holding the candle still in progress). Without `now` a window whose
last bar is still in progress cannot be told from a finished one, so pass `now` for live data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from providers.models import Bar

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MINUTE, FIVE_MINUTES, FIFTEEN_MINUTES = (timedelta(minutes=m) for m in (1, 5, 15))


@dataclass(frozen=True)
class Window:
    """One aggregated window of one symbol: [start, end) in UTC, prices in the bars' units."""

    symbol: str
    start: datetime
    end: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float | None
    vwap: float | None
    bars: int
    trades: int | None
    partial: bool


def describe(span: timedelta) -> str:
    """A duration as people say it in a message: '30 min', '1 h', '90 s'."""
    seconds = span.total_seconds()
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def bar_interval(bars: Iterable[Bar]) -> timedelta:
    """The bars' interval: the smallest gap between two consecutive bars of one symbol.

    The smallest, not the typical gap, because sessions, nights and halts only add longer
    gaps. ValueError when no symbol has two bars (the interval cannot be seen; pass it).
    """
    times: dict[str, list[datetime]] = {}
    for bar in bars:
        times.setdefault(bar.symbol, []).append(bar.time)
    gaps = [b - a for stamps in times.values() for a, b in pairwise(sorted(set(stamps))) if b > a]
    if not gaps:
        raise ValueError("cannot tell the bars' interval from fewer than two bars: pass interval")
    return min(gaps)


def check_window(window: timedelta, interval: timedelta) -> None:
    """ValueError unless `window` is a whole multiple (1x or more) of the bars' `interval`."""
    if interval <= timedelta(0) or window <= timedelta(0):
        raise ValueError("window and bar interval must be positive durations")
    if window < interval:
        raise ValueError(
            f"a {describe(window)} window cannot be built from {describe(interval)} bars: "
            f"it is shorter than one bar (windows must be a whole multiple of "
            f"{describe(interval)})"
        )
    if window % interval:
        raise ValueError(
            f"a {describe(window)} window cannot be built from {describe(interval)} bars: "
            f"it is not a whole multiple of {describe(interval)}"
        )


def window_start(time: datetime, window: timedelta) -> datetime:
    """The start of the clock-aligned window holding `time` (UTC multiples of `window`)."""
    return time - (time - EPOCH) % window


def _roll(
    symbol: str,
    start: datetime,
    window: timedelta,
    rows: list[tuple[Bar, int | None]],
    expected: int,
    now: datetime | None,
) -> Window:
    """One window from its bars (oldest first) and their trade counts."""
    group = [bar for bar, _ in rows]
    volumes = [bar.volume for bar in group]
    volume = None if None in volumes else sum(volumes)
    vwap = None
    if volume:  # neither unknown nor zero
        traded = sum((b.high + b.low + b.close) / 3 * b.volume for b in group)
        vwap = traded / volume
    counts = [count for _, count in rows]
    end = start + window
    return Window(
        symbol=symbol,
        start=start,
        end=end,
        open=group[0].open,
        high=max(b.high for b in group),
        low=min(b.low for b in group),
        close=group[-1].close,
        volume=volume,
        vwap=vwap,
        bars=len(group),
        trades=None if None in counts else sum(counts),
        partial=len(group) < expected or (now is not None and now < end),
    )


def aggregate(
    bars: Sequence[Bar],
    window: timedelta,
    *,
    interval: timedelta | None = None,
    now: datetime | None = None,
    trades: Sequence[int | None] | None = None,
) -> list[Window]:
    """Bars rolled up into clock-aligned windows of `window`, per symbol, by symbol then time.

    `interval` is the bars' own length (found from the bars when not given); `window` must be
    a whole multiple of it, else ValueError. `trades`, when given, holds one trade count per
    bar in the order of `bars`. A bar repeated (same symbol and time) counts once, the last
    one (a refreshed in-progress candle). See the module docstring for each field.
    """
    if now is not None and (now.tzinfo is None or now.utcoffset() is None):
        raise ValueError("now must be timezone-aware")
    if trades is not None and len(trades) != len(bars):
        raise ValueError(f"trades has {len(trades)} counts for {len(bars)} bars")
    if not bars:
        return []
    interval = bar_interval(bars) if interval is None else interval
    check_window(window, interval)
    latest: dict[tuple[str, datetime], tuple[Bar, int | None]] = {}
    for index, bar in enumerate(bars):
        latest[(bar.symbol, bar.time)] = (bar, None if trades is None else trades[index])
    groups: dict[tuple[str, datetime], list[tuple[Bar, int | None]]] = {}
    for (symbol, time), row in sorted(latest.items(), key=lambda item: item[0]):
        start = window_start(time, window)
        # A bar that does not sit wholly inside one window (30-minute bars at :15 and :45
        # rolled into hours) would have to be split, which OHLC cannot be.
        if time + interval > start + window:
            raise ValueError(
                f"{symbol} bar at {time:%Y-%m-%d %H:%M} UTC straddles two {describe(window)} "
                "windows: bars must start on the window grid"
            )
        groups.setdefault((symbol, start), []).append(row)
    expected = window // interval
    return [
        _roll(symbol, start, window, rows, expected, now)
        for (symbol, start), rows in groups.items()
    ]
