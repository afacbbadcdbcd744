"""Macro calendar scene: releases grouped Today / This week / Later / Past week, by the days of
the wall's time zone (`wall_tz`, the header's date).

Each row: time (in the wall's zone, UTC on hover), country, release, prior, consensus, actual.
An actual is compared with the consensus when both are numbers in the same unit: "▲ above
consensus", "▼ below consensus" or "■ in line". That is all it says: whether a surprise is good
news depends on the release (a hotter CPI print is above consensus and bad news; for a rate
decision "beat" means nothing), so the colour, like the words, states the direction only, in
two neutral hues that mean nothing else on the wall (never the up/down green and orange).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from dash import html

from components.scene import CLOCK_REDRAW_S, SceneView
from components.sections import reason
from components.static import static
from config.schema import Dataset, RecordKind
from providers.models import CalendarEvent, Snapshot, Status

SCENE = "calendar"
REDRAW_S = CLOCK_REDRAW_S  # "Today" and "This week" move with the clock
GROUPS = ("Today", "This week", "Later", "Past week")
PAST_DAYS = 7
NONE = "—"

# A published value: a signed number with optional thousands separators, then a unit ("%", "K").
_VALUE = re.compile(r"^\s*([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*([^\d\s]*)\s*$")


def group_of(when: datetime, now: datetime, tz: tzinfo = UTC) -> str | None:
    """Which group an event at `when` falls in, by the days of zone `tz` as of `now` (None: too
    old to show).

    Today: the local day of `now`, before or after now. This week: later days up to Sunday of
    the ISO week. Later: after that. Past week: the seven days before today. Days are calendar
    dates in `tz`, so a 23- or 25-hour day (a clock change) is still one day.
    """
    today, day = now.astimezone(tz).date(), when.astimezone(tz).date()
    if day < today:
        return "Past week" if day >= today - timedelta(days=PAST_DAYS) else None
    if day == today:
        return "Today"
    if day < today + timedelta(days=7 - today.weekday()):
        return "This week"
    return "Later"


def grouped(
    events: Iterable[CalendarEvent], now: datetime, tz: tzinfo = UTC
) -> dict[str, list[CalendarEvent]]:
    """Events per group in GROUPS order: by time, except Past week, newest first."""
    out: dict[str, list[CalendarEvent]] = {name: [] for name in GROUPS}
    for event in sorted(events, key=lambda e: (e.time, e.name)):
        if (group := group_of(event.time, now, tz)) is not None:
            out[group].append(event)
    out["Past week"].reverse()
    return out


def parse_value(text: str | None) -> tuple[float, str] | None:
    """A published value as (number, unit), e.g. '3.1%' -> (3.1, '%'); None when not a number."""
    if not text or not (match := _VALUE.match(text)):
        return None
    return float(match[1].replace(",", "")), match[2]


ABOVE, BELOW, IN_LINE = "above", "below", "inline"  # direction classes: wb-cal__surprise--*
SURPRISE_WORDS = {
    ABOVE: "▲ above consensus",
    BELOW: "▼ below consensus",
    IN_LINE: "■ in line",
}


def surprise(actual: str | None, consensus: str | None) -> tuple[str, str] | None:
    """(words, direction) — ('▲ above consensus', 'above'), ('▼ below consensus', 'below') or
    ('■ in line', 'inline') — or None when not comparable. Direction only: no good or bad."""
    got, expected = parse_value(actual), parse_value(consensus)
    if got is None or expected is None or got[1] != expected[1]:
        return None
    move = ABOVE if got[0] > expected[0] else BELOW if got[0] < expected[0] else IN_LINE
    return SURPRISE_WORDS[move], move


def wall_zone(name: str) -> ZoneInfo:
    """The wall's time zone (`settings.wall_tz`, an IANA name the schema has checked)."""
    return ZoneInfo(name)


def _time(event: CalendarEvent, group: str, tz: tzinfo) -> str:
    local = event.time.astimezone(tz)
    return f"{local:%H:%M}" if group == "Today" else f"{local:%a %d %b %H:%M}"


def _utc_time(event: CalendarEvent) -> str:
    """The release time in UTC, for the hover: 'Wed 05 Mar 2025 13:30 UTC'."""
    return f"{event.time.astimezone(UTC):%a %d %b %Y %H:%M} UTC"


def _actual_cell(event: CalendarEvent) -> html.Td:
    mark = surprise(event.actual, event.consensus)
    if mark is None:
        return html.Td(event.actual or NONE, className="wb-cal__actual")
    words, move = mark
    return html.Td(
        [
            html.Span(event.actual, className="wb-cal__value"),
            html.Span(words, className=f"wb-cal__surprise wb-cal__surprise--{move}"),
        ],
        className=f"wb-cal__actual wb-cal__actual--{move}",
        title=f"actual {event.actual} vs consensus {event.consensus}",
    )


def _row(event: CalendarEvent, group: str, now: datetime, tz: tzinfo) -> html.Tr:
    state = "past" if event.time <= now else "upcoming"
    return html.Tr(
        [
            html.Td(_time(event, group, tz), className="wb-cal__time", title=_utc_time(event)),
            html.Td(event.country, className="wb-cal__country"),
            html.Td(event.name, className="wb-cal__name"),
            html.Td(event.prior or NONE),
            html.Td(event.consensus or NONE),
            _actual_cell(event),
        ],
        className=f"wb-cal__row wb-cal__row--{state}",
    )


def group_table(
    group: str, events: list[CalendarEvent], now: datetime, tz: tzinfo = UTC
) -> html.Section:
    """One group's releases as a table (times in zone `tz`, UTC on hover)."""
    zone = str(tz)
    head = [f"Time ({zone})", "Country", "Release", "Prior", "Consensus", "Actual"]
    return html.Section(
        [
            html.H2(group, className="wb-cal__group"),
            html.Table(
                [
                    html.Caption(f"{group} ({zone})", className="visually-hidden"),
                    html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                    html.Tbody([_row(e, group, now, tz) for e in events]),
                ],
                className="wb-table wb-cal__table",
            ),
        ],
        className="wb-cal__section",
        **{"data-group": group},
    )


def legend_text(now: datetime, tz: tzinfo) -> str:
    """Which zone the times and days are in, and what the surprise marks say (and do not)."""
    local = now.astimezone(tz)
    zone = str(tz)
    where = "Times in UTC" if zone == "UTC" else f"Times in {zone} (UTC on hover)"
    return (
        f"{where}; days are {zone} days as of {local:%a %d %b %Y %H:%M} {local.tzname()}. "
        "Actual vs consensus: ▲ above, ▼ below, ■ in line (whether that is good news depends "
        "on the release); — = not known yet."
    )


def _tracked(dataset: Dataset, shown: set[str]) -> html.P:
    """Every configured release by name, so each stays visible even with nothing in view."""
    names = [i.name for i in dataset.instruments]
    quiet = [n for n in names if n not in shown]
    text = "Tracked: " + " · ".join(names)
    if quiet and shown:
        text += ". Nothing in view for: " + ", ".join(quiet)
    return html.P(text + ".", className="wb-cal__tracked")


def render(view: SceneView) -> list:
    """The releases in their groups, a legend, and every tracked release by name."""
    dataset_name = view.first(RecordKind.EVENT)
    snapshot: Snapshot = view.snapshot(dataset_name)
    events = [e for e in snapshot.records if isinstance(e, CalendarEvent)]
    tz = wall_zone(view.settings.wall_tz)
    groups = grouped(events, view.now, tz)
    shown = {e.name for items in groups.values() for e in items}
    # Each group's table only shows: one component (components/static.py), not one per cell.
    sections = [
        static(group_table(name, items, view.now, tz)) for name, items in groups.items() if items
    ]
    if not events and snapshot.status in (Status.ERROR, Status.EMPTY):
        body = [html.P("Macro calendar: no data", className="wb-cal__empty"), reason(snapshot)]
    elif not sections:
        body = [
            html.P("No releases in the past week or ahead.", className="wb-cal__empty"),
            reason(snapshot),
        ]
    else:
        body = [reason(snapshot), html.Div(sections, className="wb-cal")]
    legend = html.P(legend_text(view.now, tz), className="wb-cal__legend")
    return [
        html.Div(
            [*body, legend, _tracked(view.dataset(dataset_name), shown)],
            className="wb-cal__scene",
            **{"data-status": snapshot.status.value},
        )
    ]
