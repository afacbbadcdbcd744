"""One instrument's key statistics and chart windows, from its bars (pure functions).

What the instrument page shows beside its chart: previous close, day range, 52-week range, YTD %
and average volume, from daily bars oldest first; and which bars each range button shows (1D and
5D from the intraday series, by session; 1M to 5Y from the daily series, by calendar), with the
% performance from a window's first bar that a compare overlay draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

from providers.models import Bar

RANGES = ("1D", "5D", "1M", "6M", "YTD", "1Y", "5Y")
DEFAULT_RANGE = "6M"
# Intraday ranges count sessions (a UTC day with bars: a weekend or holiday has none); daily
# ranges count calendar months back from the last bar, YTD from 1 January of its year.
SESSIONS = {"1D": 1, "5D": 5}
MONTHS = {"1M": 1, "6M": 6, "1Y": 12, "5Y": 60}
AVERAGE_VOLUME_BARS = 63  # about three months of sessions, as quote pages' "Avg. volume"


def series_of(range_: str) -> str:
    """The lookup series a range is drawn from: 'intraday' for 1D and 5D, else 'daily'."""
    return "intraday" if range_ in SESSIONS else "daily"


def range_start(range_: str, last: datetime) -> datetime:
    """Where a daily range starts, given its last bar's time (ValueError for an intraday or
    unknown range)."""
    if range_ == "YTD":
        return datetime(last.year, 1, 1, tzinfo=UTC)
    if range_ not in MONTHS:
        raise ValueError(f"no calendar start for range {range_!r}")
    return (pd.Timestamp(last) - pd.DateOffset(months=MONTHS[range_])).to_pydatetime()


def window(bars: Sequence[Bar], range_: str) -> list[Bar]:
    """The bars (oldest first) a range shows: the last 1 or 5 sessions of intraday bars, or the
    daily bars after the range's start. Always a tail of `bars`, so indicators computed on every
    bar line up with it."""
    if not bars:
        return []
    if range_ in SESSIONS:
        days: list[date] = sorted({b.time.astimezone(UTC).date() for b in bars})
        first = days[-SESSIONS[range_] :][0]
        return [b for b in bars if b.time.astimezone(UTC).date() >= first]
    start = range_start(range_, bars[-1].time)
    # The first day in the window is the day after the start's day a month back; a YTD window
    # starts at the year's first session.
    return [b for b in bars if b.time > start or (range_ == "YTD" and b.time >= start)]


def since(bars: Sequence[Bar], start: datetime) -> list[Bar]:
    """The bars at or after `start` (a compare series cut to the main series' window)."""
    return [b for b in bars if b.time >= start]


def performance(bars: Sequence[Bar]) -> list[float]:
    """Each close as % change from the first bar's close (the first is 0.0); empty when the
    first close is zero (a % of nothing)."""
    if not bars or bars[0].close == 0:
        return []
    base = bars[0].close
    return [(b.close / base - 1) * 100 for b in bars]


@dataclass(frozen=True)
class KeyStats:
    """The key statistics of an instrument as of its last daily bar (None: not enough bars)."""

    last: float | None
    previous_close: float | None
    day_low: float | None
    day_high: float | None
    week52_low: float | None
    week52_high: float | None
    ytd_pct: float | None
    average_volume: float | None
    as_of: datetime | None


def previous_close(bars: Sequence[Bar]) -> float | None:
    """The close of the bar before the last one."""
    return bars[-2].close if len(bars) > 1 else None


def day_range(bars: Sequence[Bar]) -> tuple[float, float] | None:
    """The last bar's low and high."""
    return (bars[-1].low, bars[-1].high) if bars else None


def week52_range(bars: Sequence[Bar]) -> tuple[float, float] | None:
    """The lowest low and highest high of the bars in the year up to the last bar."""
    if not bars:
        return None
    start = range_start("1Y", bars[-1].time)
    year = [b for b in bars if b.time > start]
    return min(b.low for b in year), max(b.high for b in year)


def ytd_pct(bars: Sequence[Bar]) -> float | None:
    """The last close's % change on the last close of the previous year (None without a bar in
    that year, or on a zero close)."""
    if not bars:
        return None
    year = bars[-1].time.astimezone(UTC).year
    before = [b for b in bars if b.time.astimezone(UTC).year < year]
    if not before or before[-1].close == 0:
        return None
    return (bars[-1].close / before[-1].close - 1) * 100


def average_volume(bars: Sequence[Bar], count: int = AVERAGE_VOLUME_BARS) -> float | None:
    """The mean volume of the last `count` bars that report one (None when none does: an index
    or FX pair without volume)."""
    volumes = [b.volume for b in bars[-count:] if b.volume is not None and math.isfinite(b.volume)]
    return sum(volumes) / len(volumes) if volumes else None


def key_stats(bars: Sequence[Bar]) -> KeyStats:
    """Every key statistic of daily bars, oldest first."""
    day, year = day_range(bars), week52_range(bars)
    return KeyStats(
        last=bars[-1].close if bars else None,
        previous_close=previous_close(bars),
        day_low=day[0] if day else None,
        day_high=day[1] if day else None,
        week52_low=year[0] if year else None,
        week52_high=year[1] if year else None,
        ytd_pct=ytd_pct(bars),
        average_volume=average_volume(bars),
        as_of=bars[-1].time if bars else None,
    )
