"""Macro calendar scene: releases grouped Today / This week / Later / Past week (UTC days).

Each row: time (UTC), country, release, prior, consensus, actual. An actual is compared with
the consensus when both are numbers in the same unit: "▲ beat" when it came in above, "▼ miss"
below, "■ in line" equal; the word and arrow carry the meaning, the colour only repeats it.
"Beat" means above consensus, not "good news": a higher inflation print is also a beat.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from dash import html

from components.scene import CLOCK_REDRAW_S, SceneView
from components.sections import reason
from config.schema import Dataset, RecordKind
from providers.models import CalendarEvent, Snapshot, Status

SCENE = "calendar"
REDRAW_S = CLOCK_REDRAW_S  # "Today" and "This week" move with the clock
GROUPS = ("Today", "This week", "Later", "Past week")
PAST_DAYS = 7
NONE = "—"

# A published value: a signed number with optional thousands separators, then a unit ("%", "K").
_VALUE = re.compile(r"^\s*([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*([^\d\s]*)\s*$")


def _midnight(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def group_of(when: datetime, now: datetime) -> str | None:
    """Which group an event at `when` falls in, by UTC day as of `now` (None: too old to show).

    Today: the UTC day of `now`, before or after now. This week: later days up to Sunday of the
    ISO week. Later: after that. Past week: the seven UTC days before today.
    """
    today = _midnight(now)
    if when < today:
        return "Past week" if when >= today - timedelta(days=PAST_DAYS) else None
    if when < today + timedelta(days=1):
        return "Today"
    if when < today + timedelta(days=7 - today.weekday()):
        return "This week"
    return "Later"


def grouped(events: Iterable[CalendarEvent], now: datetime) -> dict[str, list[CalendarEvent]]:
    """Events per group in GROUPS order: by time, except Past week, newest first."""
    out: dict[str, list[CalendarEvent]] = {name: [] for name in GROUPS}
    for event in sorted(events, key=lambda e: (e.time, e.name)):
        if (group := group_of(event.time, now)) is not None:
            out[group].append(event)
    out["Past week"].reverse()
    return out


def parse_value(text: str | None) -> tuple[float, str] | None:
    """A published value as (number, unit), e.g. '3.1%' -> (3.1, '%'); None when not a number."""
    if not text or not (match := _VALUE.match(text)):
        return None
    return float(match[1].replace(",", "")), match[2]


def surprise(actual: str | None, consensus: str | None) -> tuple[str, str] | None:
    """('▲ beat' | '▼ miss' | '■ in line', direction class) or None when not comparable."""
    got, expected = parse_value(actual), parse_value(consensus)
    if got is None or expected is None or got[1] != expected[1]:
        return None
    if got[0] > expected[0]:
        return "▲ beat", "up"
    if got[0] < expected[0]:
        return "▼ miss", "down"
    return "■ in line", "flat"


def _time(event: CalendarEvent, group: str) -> str:
    return f"{event.time:%H:%M}" if group == "Today" else f"{event.time:%a %d %b %H:%M}"


def _actual_cell(event: CalendarEvent) -> html.Td:
    mark = surprise(event.actual, event.consensus)
    if mark is None:
        return html.Td(event.actual or NONE, className="wb-cal__actual")
    word, move = mark
    return html.Td(
        [
            html.Span(event.actual, className="wb-cal__value"),
            html.Span(word, className=f"wb-cal__surprise wb-{move}"),
        ],
        className=f"wb-cal__actual wb-cal__actual--{move}",
        title=f"actual {event.actual} vs consensus {event.consensus}",
    )


def _row(event: CalendarEvent, group: str, now: datetime) -> html.Tr:
    state = "past" if event.time <= now else "upcoming"
    return html.Tr(
        [
            html.Td(_time(event, group), className="wb-cal__time"),
            html.Td(event.country, className="wb-cal__country"),
            html.Td(event.name, className="wb-cal__name"),
            html.Td(event.prior or NONE),
            html.Td(event.consensus or NONE),
            _actual_cell(event),
        ],
        className=f"wb-cal__row wb-cal__row--{state}",
    )


def group_table(group: str, events: list[CalendarEvent], now: datetime) -> html.Section:
    """One group's releases as a table (time in UTC)."""
    head = ["Time (UTC)", "Country", "Release", "Prior", "Consensus", "Actual"]
    return html.Section(
        [
            html.H2(group, className="wb-cal__group"),
            html.Table(
                [
                    html.Caption(f"{group} (UTC)", className="visually-hidden"),
                    html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                    html.Tbody([_row(e, group, now) for e in events]),
                ],
                className="wb-table wb-cal__table",
            ),
        ],
        className="wb-cal__section",
        **{"data-group": group},
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
    groups = grouped(events, view.now)
    shown = {e.name for items in groups.values() for e in items}
    sections = [group_table(name, items, view.now) for name, items in groups.items() if items]
    if not events and snapshot.status in (Status.ERROR, Status.EMPTY):
        body = [html.P("Macro calendar: no data", className="wb-cal__empty"), reason(snapshot)]
    elif not sections:
        body = [
            html.P("No releases in the past week or ahead.", className="wb-cal__empty"),
            reason(snapshot),
        ]
    else:
        body = [reason(snapshot), html.Div(sections, className="wb-cal")]
    legend = html.P(
        f"Times in UTC; days are UTC days as of {view.now:%a %d %b %Y %H:%M} UTC. "
        "▲ beat = actual above consensus, ▼ miss = below, ■ in line; — = not known yet.",
        className="wb-cal__legend",
    )
    return [
        html.Div(
            [*body, legend, _tracked(view.dataset(dataset_name), shown)],
            className="wb-cal__scene",
            **{"data-status": snapshot.status.value},
        )
    ]
