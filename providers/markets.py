"""Whether a market is in session, from exchange-calendars (holidays, half days, lunch breaks).

Market codes are exchange-calendars names (XNYS, XLON, XHKG, CMES, ...) plus "24/7" (crypto)
and "24/5" (FX: Sunday 22:00 to Friday 22:00 UTC). Calendars are built once per process and
reused; building one takes ~0.1 s.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import exchange_calendars as xcals
import pandas as pd

# exchange-calendars still calls pandas APIs that pandas 3 deprecates (.values on tz-aware data,
# .weekday); the warnings are about its code, not ours, and would fill the logs.
PANDAS_DEPRECATIONS = r"(DatetimeIndex|Series)\.(values|weekday)"
warnings.filterwarnings("ignore", message=PANDAS_DEPRECATIONS)

_lock = threading.Lock()
_calendars: dict[str, xcals.ExchangeCalendar] = {}
ROUND_THE_CLOCK = ("24/7", "24/5")


class UnknownMarket(ValueError):
    """A market code exchange-calendars does not know."""


def _unknown(market: str) -> str:
    return f"unknown market {market!r}"


def calendar(market: str) -> xcals.ExchangeCalendar:
    """The exchange calendar of a market code, built on first use."""
    with _lock:
        cal = _calendars.get(market)
        if cal is None:
            try:
                cal = xcals.get_calendar(market)
            except xcals.errors.InvalidCalendarName:
                raise UnknownMarket(_unknown(market)) from None
            _calendars[market] = cal
        return cal


def validate_market(market: str) -> str | None:
    """None when the market code is known, else a message saying it is not. A name check: the
    calendar itself is built later (warm), not while the configuration is checked at start."""
    if market in ROUND_THE_CLOCK or market in xcals.get_calendar_names(include_aliases=True):
        return None
    return _unknown(market)


def warm(market_codes: set[str], now: datetime) -> None:
    """Build each market's calendar and its minute index (~1 s for a world board) up front, so
    the first page served does not pay for it."""
    for code in sorted(market_codes):
        is_open(code, now)
        recent_sessions(code, now, 1)


_Answer = TypeVar("_Answer")
_MEMO_SIZE = 4096


def per_minute(function: Callable[..., _Answer]) -> Callable[..., _Answer]:
    """Remember a calendar answer for the minute it was asked in. Calendars change by the
    minute (session bounds are whole minutes) and every screen's refresh asks the same
    questions: pandas answers in ~0.7 ms, the memo in a microsecond."""
    memo: dict[tuple, _Answer] = {}

    @functools.wraps(function)
    def remembered(market: str, now: datetime, *args: object) -> _Answer:
        key = (market, int(now.timestamp() // 60), args)
        try:
            answer = memo[key]
        except KeyError:
            answer = function(market, now, *args)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = answer
        return list(answer) if isinstance(answer, list) else answer  # callers own their copy

    remembered.forget = memo.clear  # type: ignore[attr-defined]
    return remembered


def _minute(now: datetime) -> pd.Timestamp:
    return pd.Timestamp(now).floor("min")


@per_minute
def is_open(market: str, now: datetime) -> bool:
    """Whether the market trades at `now` (tz-aware); a lunch break counts as closed."""
    if market == "24/7":
        return True
    if market == "24/5":
        return not _fx_weekend(pd.Timestamp(now))
    try:
        return bool(calendar(market).is_open_on_minute(_minute(now), ignore_breaks=False))
    except xcals.errors.MinuteOutOfBounds:
        return False


# Round-the-clock markets have no exchange calendar. FX ("24/5") trades from Sunday 22:00 to
# Friday 22:00 UTC, so its trading day runs 22:00 -> 22:00 UTC and its weekend is Fri -> Sun 22:00.
_DAY = pd.Timedelta(days=1)
_FX_SHIFT = pd.Timedelta(hours=2)  # added to a UTC time, moves 22:00 to midnight


def _fx_weekend(stamp: pd.Timestamp) -> bool:
    return (stamp + _FX_SHIFT).weekday() >= 5


def trading_time(market: str, now: datetime) -> datetime:
    """Where a market's price clock stands at `now`: `now` while it trades, else when it stopped.

    FX ("24/5") is frozen from Friday 22:00 to Sunday 22:00 UTC; a lunch break is frozen at its
    start; after the close, at the close (including during the closing minute itself).
    """
    if market == "24/7":
        return now
    stamp = pd.Timestamp(now)
    if market == "24/5":
        if not _fx_weekend(stamp):
            return now
        shifted = (stamp + _FX_SHIFT).normalize()
        return (shifted - pd.Timedelta(days=shifted.weekday() - 5) - _FX_SHIFT).to_pydatetime()
    if is_open(market, now):
        return now
    cal = calendar(market)
    try:
        row = cal.schedule.loc[cal.minute_to_session(_minute(now), direction="previous")]
    except xcals.errors.MinuteOutOfBounds:
        return now
    if stamp < row["close"] and not pd.isna(row["break_start"]):
        return row["break_start"].to_pydatetime()  # not open, yet before the close: lunch
    return min(row["close"], stamp).to_pydatetime()


@per_minute
def recent_sessions(market: str, now: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """The latest `count` sessions as (open, close), oldest first, the last one begun by `now`.

    For "24/7" a session is a UTC day; for "24/5" a 22:00 -> 22:00 UTC weekday.
    """
    stamp = pd.Timestamp(now)
    if market in ("24/7", "24/5"):
        shift = pd.Timedelta(0) if market == "24/7" else _FX_SHIFT
        start = (stamp + shift).normalize() - shift
        days: list[tuple[datetime, datetime]] = []
        while len(days) < count:
            if market == "24/7" or not _fx_weekend(start):
                days.append((start.to_pydatetime(), (start + _DAY).to_pydatetime()))
            start -= _DAY
        return days[::-1]
    cal = calendar(market)
    session = cal.minute_to_session(_minute(now), direction="previous")
    schedule = cal.schedule.loc[cal.sessions_window(session, -count)]
    return [
        (o.to_pydatetime(), c.to_pydatetime())
        for o, c in zip(schedule["open"], schedule["close"], strict=True)
    ]


@per_minute
def session_state(market: str, now: datetime) -> str:
    """'open', 'break' (lunch), 'pre', 'post' or 'closed': where a market's trading day stands.

    'pre' means a session opens later on the market's local date, 'post' that one closed
    earlier on it ('pre' wins if both), 'closed' that none trades on it (weekend, holiday).
    "24/7" is always open; "24/5" (FX) counts its days in UTC: Friday after 22:00 is 'post',
    Saturday 'closed', Sunday before 22:00 'pre'. A time beyond the calendar is 'closed';
    an unknown code raises UnknownMarket.
    """
    stamp = pd.Timestamp(now)
    if market == "24/7":
        return "open"
    if market == "24/5":
        if not _fx_weekend(stamp):
            return "open"
        weekday = stamp.tz_convert("UTC").weekday()
        return {4: "post", 6: "pre"}.get(weekday, "closed")
    cal = calendar(market)
    minute = _minute(now)
    try:
        if cal.is_open_on_minute(minute, ignore_breaks=False):
            return "open"
        if cal.is_open_on_minute(minute, ignore_breaks=True):
            return "break"
        today = stamp.tz_convert(cal.tz).date()
        upcoming = cal.schedule.loc[cal.minute_to_session(minute, direction="next")]
        if upcoming["open"] > stamp and upcoming["open"].tz_convert(cal.tz).date() == today:
            return "pre"
        latest = cal.schedule.loc[cal.minute_to_session(minute, direction="previous")]
        if latest["close"] <= stamp and latest["close"].tz_convert(cal.tz).date() == today:
            return "post"
    except (xcals.errors.MinuteOutOfBounds, xcals.errors.DateOutOfBounds):
        return "closed"
    return "closed"
