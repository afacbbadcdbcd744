"""The technicals chart's time ranges: which of the held bars a range shows, and what it says
when the range reaches further back than the chart holds.

A range is a window back from the last bar: 1M, 3M, 6M and 1Y by calendar months, YTD from the
first of January of the last bar's year, and All (the default) everything the chart holds. The
chart holds at most the bars past the indicators' warm-up (`analytics.indicators.WARM_UP_BARS`:
the bars before them only warm the indicators), and never fewer than the configured
`history_bars` while that many are held (the caption then says how far the warm-up reaches).
A range that needs more shows what is held and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from analytics.indicators import WARM_UP_BARS

ALL = "All"
# The buttons, in order; the value is the window in calendar months (None: see `since`).
MONTHS: dict[str, int | None] = {"1M": 1, "3M": 3, "6M": 6, "YTD": None, "1Y": 12, ALL: None}
RANGES = tuple(MONTHS)
MAX_SHOWN = 40  # an unknown range from the URL is echoed at most this long


@dataclass(frozen=True)
class Window:
    """How many of the last bars a range shows, and the note when it needs more than is held."""

    name: str
    count: int
    note: str | None = None


def _shown(text: str, limit: int = MAX_SHOWN) -> str:
    # No control or format characters (NUL, escapes, line breaks, bidi overrides) in the note.
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_range(asked: object) -> tuple[str, str | None]:
    """The range a URL's `range` asks for (any case), and a note when it is not one of ours
    (the default, All, is shown then). No value asks for the default, without a note."""
    if asked is None or asked == "":
        return ALL, None
    if isinstance(asked, str):
        for name in RANGES:
            if asked.strip().upper() == name.upper():
                return name, None
    listed = ", ".join(RANGES)
    return ALL, f"Unknown range '{_shown(str(asked))}'. Choose one of: {listed}."


def held(count: int, history_bars: int) -> int:
    """How many of `count` bars the chart can show: those past the indicators' warm-up, and at
    least the configured `history_bars` when that many are held."""
    return min(count, max(history_bars, count - WARM_UP_BARS))


def since(name: str, last: date) -> date | None:
    """The first day a range shows, for a last bar on `last` (None for All)."""
    months = MONTHS[name]
    if name == "YTD":
        return date(last.year, 1, 1)
    if months is None:
        return None
    # The day after the same date `months` back (1M on 5 Mar: from 6 Feb), the month's last day
    # when it has no such date (1M on 31 Mar: from 1 Mar).
    return (pd.Timestamp(last) - pd.DateOffset(months=months) + pd.Timedelta(days=1)).date()


def _day(moment: datetime) -> date:
    return pd.Timestamp(moment).tz_convert("UTC").date() if moment.tzinfo else moment.date()


def window(name: str, times: Sequence[datetime], history_bars: int) -> Window:
    """The bars range `name` shows of bars at `times` (oldest first), within what is held."""
    cap = held(len(times), history_bars)
    start = since(name, _day(times[-1])) if times else None
    if start is None:
        return Window(name, cap)
    wanted = sum(1 for t in times if _day(t) >= start)
    if wanted <= cap and _day(times[0]) <= start:
        return Window(name, wanted)
    shown = min(wanted, cap)
    first = _day(times[-shown]) if shown else None
    return Window(
        name,
        shown,
        f"{name} reaches back to {start:%d %b %Y}; the chart holds bars from "
        f"{first:%d %b %Y} (past the indicators' warm-up): showing those.",
    )


def range_query(query: Mapping[str, object], name: str) -> dict[str, str]:
    """The URL query with range `name` (All: no range), the other text parameters kept."""
    kept = {k: v for k, v in query.items() if isinstance(v, str) and k != "range"}
    return kept if name == ALL else {**kept, "range": name}
