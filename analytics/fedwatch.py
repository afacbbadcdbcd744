"""Market-implied FOMC outcomes from 30-day fed funds futures, the CME FedWatch way. Pure.

A fed funds future (CME ZQ) settles at 100 - the average daily effective fed funds rate (EFFR)
of its month, so 100 - price is the market's expected average rate for that month, in %.

In a month with an FOMC decision on day d of its N days, the old rate runs for the a = d - 1
days before the decision day and the new one for the b = N - a days from it on. CME counts the
decision day at the new rate: in its worked example (FFU5, decision 17 Sep 2015) M = 16 days
before and 14 after. So

    average = (a * start + b * end) / N,   end = (N * average - a * start) / b.

Months are chained: a month starts at the rate the previous one ended at. A month without a
meeting keeps its rate, and when it is quoted its average is that rate, which re-anchors the
chain to the market (as CME does with its "no-meeting" months). The first month starts at the
current effective rate when one is given, else from the first contract: its average when its
month has no meeting; when it has one and the next month none, backed out of the two contracts
(start = (N * average - b * end) / a, end = the next month's average); else that first meeting
cannot be priced (its average alone would read as a certain hold).

A meeting in the last week of its month (b <= LATE_DAYS) leaves few days at the new rate, and the
formula multiplies any error in the price by N / b (about 8 for a decision on the 28th of a
31-day month); CME then reads the post-meeting rate from the next month's contract when that
month has no meeting of its own, and so does `implied_path`. The same next-month reading serves
a meeting month that has no quote.

The implied change at each meeting (end - start of its month) is read in 25 bp steps: a change
of -13.3 bp is 53 % a 25 bp cut, 47 % a hold; -59.6 bp is 38 % -75 and 62 % -50. These are the
odds of each meeting's move given the implied rate before it. Not done here: CME's compounding
of the moves into a tree of target ranges, and its floor of the rate at zero.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

STEP_BP = 25
LATE_DAYS = 7
_CONTRACT_ID = re.compile(r"^zq_(\d{4})_(\d{2})$")


def implied_rate(price: float) -> float:
    """The month's expected average effective rate in % from a futures price (100 - price)."""
    return 100.0 - price


def contract_month(instrument_id: str) -> date | None:
    """The first day of a contract's month from an instrument id like 'zq_2026_12'."""
    match = _CONTRACT_ID.match(instrument_id.lower())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def days_before_after(meeting: date) -> tuple[int, int]:
    """(days at the old rate, days at the new rate) in the meeting's month; the day counts after."""
    days = calendar.monthrange(meeting.year, meeting.month)[1]
    return meeting.day - 1, days - meeting.day + 1


def end_rate(average: float, start: float, meeting: date) -> float:
    """The rate after a meeting from its month's average and the rate before it, in %."""
    before, after = days_before_after(meeting)
    return ((before + after) * average - before * start) / after


def start_rate(average: float, end: float, meeting: date) -> float:
    """The rate before a meeting from its month's average and the rate after it, in %.

    With a decision on the 1st every day is at the new rate and the start is not in the
    average: ValueError.
    """
    before, after = days_before_after(meeting)
    if before == 0:
        raise ValueError("a meeting on the 1st leaves no day at the old rate")
    return ((before + after) * average - after * end) / before


def move_probabilities(change_bp: float) -> tuple[tuple[int, float], ...]:
    """(move in bp, probability 0-1) for the two 25 bp steps around an implied change.

    -13.3 bp -> ((-25, 0.53), (0, 0.47)); an exact multiple of 25 bp is certain.
    """
    steps = change_bp / STEP_BP
    low = math.floor(steps)
    upper = steps - low
    # Prices come in 0.0025 ticks: a change within 1e-9 of a step is that step, not a
    # 1e-12 chance of the next one.
    if upper < 1e-9 or upper > 1 - 1e-9:
        return ((round(steps) * STEP_BP, 1.0),)
    return ((low * STEP_BP, 1 - upper), ((low + 1) * STEP_BP, upper))


@dataclass(frozen=True)
class MeetingOdds:
    """One FOMC meeting: the implied rate before and after it (%) and the odds of each move.

    `moves` holds (move in bp, probability 0-1) in ascending moves, empty when the meeting
    could not be priced (`reason` says why). `basis` says which contract gave the rate after:
    "meeting month" or "next month".
    """

    meeting: date
    rate_before: float | None
    rate_after: float | None
    moves: tuple[tuple[int, float], ...] = ()
    basis: str | None = None
    reason: str | None = None

    @property
    def change_bp(self) -> float | None:
        """The implied change at the meeting in bp (None when not priced)."""
        if self.rate_before is None or self.rate_after is None:
            return None
        return (self.rate_after - self.rate_before) * 100

    def _sum(self, keep) -> float | None:
        return sum(p for move, p in self.moves if keep(move)) if self.moves else None

    @property
    def cut(self) -> float | None:
        """Probability (0-1) of a cut of any size."""
        return self._sum(lambda move: move < 0)

    @property
    def hold(self) -> float | None:
        """Probability (0-1) of no change."""
        return self._sum(lambda move: move == 0)

    @property
    def hike(self) -> float | None:
        """Probability (0-1) of a hike of any size."""
        return self._sum(lambda move: move > 0)


def _month(day: date) -> date:
    return day.replace(day=1)


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _priced(meeting: date, before: float, after: float, basis: str) -> MeetingOdds:
    moves = move_probabilities((after - before) * 100)
    return MeetingOdds(meeting, before, after, moves, basis)


def implied_path(
    futures: Mapping[date, float],
    meetings: Iterable[date],
    current_rate: float | None = None,
    *,
    as_of: date | None = None,
) -> list[MeetingOdds]:
    """The odds of each FOMC meeting from futures prices by contract month, oldest first.

    `futures` maps a contract month (any day in it) to its price; `meetings` are the decision
    dates (New York); `current_rate` is the effective rate in force now, in %. With `as_of`,
    contracts of earlier months and meetings before it are history and left out, and the
    current rate holds for the rest of as_of's month unless a meeting is still to come in it.
    Meetings past the last quoted month come back unpriced, with the reason.
    ValueError for two meetings in one month (one average cannot price two moves).
    """
    prices = {_month(day): price for day, price in futures.items()}
    upcoming = sorted({day for day in meetings if as_of is None or day >= as_of})
    by_month: dict[date, date] = {}
    for day in upcoming:
        if _month(day) in by_month:
            raise ValueError(f"two meetings in {day:%b %Y}: {by_month[_month(day)]} and {day}")
        by_month[_month(day)] = day
    months = sorted(m for m in prices if as_of is None or m >= _month(as_of))
    if not months:
        return [MeetingOdds(day, None, None, reason="no futures data") for day in upcoming]
    first, last = months[0], months[-1]
    average = {m: implied_rate(prices[m]) for m in months}
    out: list[MeetingOdds] = []
    # The rate the month starts at, None while unknown: the current rate does not reach past a
    # meeting that no contract prices.
    unpriced = any(_month(day) < first for day in upcoming)
    rate = None if unpriced else current_rate
    month = first
    while month <= last:
        meeting = by_month.get(month)
        following = _next(month)
        # The next month's average is the post-meeting rate when nothing else happens in it.
        anchor = average.get(following) if following not in by_month else None
        if meeting is None:
            if as_of is not None and month == _month(as_of) and current_rate is not None:
                rate = current_rate  # in force to the end of this month
            elif month in average:
                rate = average[month]
            month = following
            continue
        mean = average.get(month)
        late = days_before_after(meeting)[1] <= LATE_DAYS
        if rate is None and month == first and None not in (mean, anchor) and meeting.day > 1:
            rate = start_rate(mean, anchor, meeting)  # backed out of the two contracts
        if rate is None:
            reason = "no rate before the meeting (no effective rate or earlier contract)"
            out.append(MeetingOdds(meeting, None, None, reason=reason))
        elif anchor is not None and (late or mean is None):
            out.append(_priced(meeting, rate, anchor, "next month"))
        elif mean is not None:
            out.append(_priced(meeting, rate, end_rate(mean, rate, meeting), "meeting month"))
        else:
            out.append(MeetingOdds(meeting, rate, None, reason=f"no futures for {meeting:%b %Y}"))
        rate = out[-1].rate_after
        month = following
    out.extend(
        MeetingOdds(day, None, None, reason=f"no futures for {day:%b %Y}")
        for day in upcoming
        if _month(day) > last or _month(day) < first
    )
    return sorted(out, key=lambda odds: odds.meeting)
