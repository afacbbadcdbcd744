"""Calendar events from dates written in the configuration (e.g. FOMC decisions): no I/O.

`scheduled_events` is pure and shared with the FRED provider, which adds the same configured
events to the release dates it fetches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from config.schema import Instrument, RecordKind, Settings
from providers.base import Batch, Provider, Request
from providers.errors import EmptyResult, NotConfigured
from providers.models import CalendarEvent

NAME = "schedule"
BEHIND = timedelta(days=7)  # a week back: what just happened still matters on a wall screen
AHEAD = timedelta(days=35)  # the month ahead: the next FOMC meeting is always in view
_COUNTRY = re.compile(r"([A-Z]{2})\s")  # "UK CPI", "EZ HICP": a two-letter code, then a space


def country_of(name: str) -> str:
    """The two-letter code a name starts with ("UK CPI" -> "UK"); "US" when there is none."""
    match = _COUNTRY.match(name)
    return match[1] if match else "US"


def scheduled_events(
    instruments: Iterable[Instrument],
    now: datetime,
    *,
    behind: timedelta = BEHIND,
    ahead: timedelta = AHEAD,
) -> list[CalendarEvent]:
    """Each instrument's configured `schedule` times within [now - behind, now + ahead], by time."""
    events = {
        CalendarEvent(time=when, country=country_of(inst.name), name=inst.name)
        for inst in instruments
        for when in inst.schedule
        if now - behind <= when <= now + ahead
    }
    return sorted(events, key=lambda event: (event.time, event.name))


class ScheduleProvider(Provider):
    """Events from the dates listed in the configuration, for when no source can be reached."""

    name = NAME
    kinds = frozenset({RecordKind.EVENT})

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def load(self, request: Request) -> Batch:
        """The configured events near `request.now`; EmptyResult when none falls in the window."""
        scheduled = [inst for inst in request.instruments if inst.schedule]
        if not scheduled:
            raise NotConfigured(f"schedule: no instrument of {request.dataset} has a schedule")
        events = scheduled_events(scheduled, request.now)
        if not events:
            start, end = request.now - BEHIND, request.now + AHEAD
            raise EmptyResult(f"no scheduled events from {start:%Y-%m-%d} to {end:%Y-%m-%d}")
        return Batch(records=list(events))
