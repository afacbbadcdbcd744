"""The alert banner every scene carries: each active alert with where and when the data it fired
on is from, and how old that data is, next to it.

"S&P 500 ▲ +2.1% since the previous close (limit 2%) · yahoo · as of 15:00 UTC (3 min)". An
alert stays up through its cooldown after its condition last held, so its data can age past its
dataset's stale threshold while shown: then the line says so ("(8 min old · stale)"), unless the
wall shows that very value as its market's last ("· market closed"). Times are in the wall's
time zone (`wall_tz`), with the day when not today's; the age keeps counting in the browser.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dash import html

from analytics.alert_rules import Alert
from components.badges import age_span
from components.format import format_age
from engine.board import Board
from engine.freshness import shown, state_shown
from providers.models import Status

BANNER_LINES = 4  # alerts shown at once; the status page lists them all
WORDS = {Status.STALE: " · stale", Status.CLOSED: " · market closed"}


def data_status(board: Board, alert: Alert, now: datetime) -> Status | None:
    """How the wall shows the data an alert fired on as of `now`: `stale` (older than its
    dataset's stale_after_s, or the value the wall shows stale; always for a `stale` alert),
    `closed` (the value the wall shows as its closed market's last), else `ok`. None when it
    cannot tell: no data time (an alert stored before alerts carried one), or no such dataset.
    """
    dataset = board.settings.datasets.get(alert.dataset)
    if alert.as_of is None or dataset is None:
        return None
    seen = board.snapshot(alert.dataset, now)
    wall = state_shown(seen, alert.symbol, now) if alert.symbol else shown(seen, None, now)
    shown_now = wall.as_of is not None and alert.as_of >= wall.as_of  # the wall's own value
    if shown_now and wall.status in (Status.STALE, Status.CLOSED):
        return wall.status
    age = (now - alert.as_of).total_seconds()
    if alert.kind == "stale" or age > dataset.stale_after_s:
        return Status.STALE
    return Status.OK


def when_text(as_of: datetime, tz: str, now: datetime) -> str:
    """'15:00 UTC' today, 'Fri 20 Nov 21:00 UTC' this year, 'Thu 29 Feb 2024 18:46 UTC' before,
    in the wall's time zone."""
    zone = ZoneInfo(tz)
    local, today = as_of.astimezone(zone), now.astimezone(zone)
    clock = f"{local:%H:%M} {local.tzname()}"
    if local.date() == today.date():
        return clock
    if local.year == today.year:
        return f"{local:%a %d %b} {clock}"
    return f"{local:%a %d %b %Y} {clock}"


def _note(alert: Alert, status: Status | None, tz: str, now: datetime) -> tuple[str, str, str]:
    """(before the age, the age's suffix, after it); no age when the data time is unknown."""
    source = alert.source or "unknown source"
    if alert.as_of is None:
        return f" · {source} · data time unknown", "", ""
    suffix = " old" if status is Status.STALE else ""
    word = WORDS.get(status, "") if status is not None else ""
    return f" · {source} · as of {when_text(alert.as_of, tz, now)} (", suffix, f"{word})"


def data_note(alert: Alert, status: Status | None, tz: str, now: datetime) -> list:
    """' · yahoo · as of 15:00 UTC (3 min)', the age a span the browser keeps counting;
    '(8 min old · stale)' when the data is stale, '(18 h · market closed)' when it is a closed
    market's last value."""
    before, suffix, after = _note(alert, status, tz, now)
    if alert.as_of is None:
        return [before]
    return [before, age_span(alert.as_of, now, suffix=suffix), after]


def alert_text(board: Board, alert: Alert, now: datetime) -> str:
    """An alert with its data's source, time and age, as one plain line (a list, a log)."""
    status = data_status(board, alert, now)
    before, suffix, after = _note(alert, status, board.settings.wall_tz, now)
    if alert.as_of is None:
        return alert.message + before
    age = format_age((now - alert.as_of).total_seconds())
    return f"{alert.message}{before}{age}{suffix}{after}"


def banner_lines(board: Board, now: datetime | None = None) -> list:
    """The active alerts as a banner line each, newest first (empty when there are none)."""
    keeper = board.alerts
    alerts = keeper.active() if keeper is not None else []
    now = now or board.clock()
    lines = []
    for alert in alerts[:BANNER_LINES]:
        status = data_status(board, alert, now)
        note = data_note(alert, status, board.settings.wall_tz, now)
        lines.append(
            html.Div(
                [
                    html.Span("⚠", className="wb-alert__icon", **{"aria-hidden": "true"}),
                    html.Span(
                        [alert.message, html.Span(note, className="wb-alert__data")],
                        className="wb-alert__text",
                    ),
                ],
                className=f"wb-alert wb-alert--{alert.kind}",
                **{"data-alert": alert.key, "data-status": status.value if status else "unknown"},
            )
        )
    return lines
