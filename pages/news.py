"""News scene: the latest headlines, newest first, each with its source, age and time.

Titles are plain text (the RSS provider cleaned them; React escapes them again) and are not
links: a wall is read, not clicked. Ages are worked out from `view.now` when the body renders;
times are on the wall's clock (`wall_tz`), with the date once the weekday alone is ambiguous.
The footer names the sources of the headlines shown, never the configured feeds they did not
come from (the demo's are all from its wire); with nothing shown, the feeds followed.

On a wall (`?kiosk=1`) the scene shows as many headlines as its screen holds: the page sends
up to WALL_HEADLINES, and the browser keeps those that fit whole and says how many it shows
(assets/38w_wall.js rewrites the footer's count, `wb-headlines__count`).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dash import html

from components.mode import kiosk
from components.scene import CLOCK_REDRAW_S, SceneView
from components.sections import reason
from components.static import static
from config.schema import Edition, RecordKind
from providers.models import Headline, Snapshot, Status

SCENE = "news"
REDRAW_S = CLOCK_REDRAW_S  # "12 min ago" moves with the clock
MAX_HEADLINES = 15
WALL_HEADLINES = 40  # sent to a wall, which shows those that fit
UTC = ZoneInfo("UTC")


def age_text(published: datetime, now: datetime) -> str:
    """How long ago, for reading across a room: 'just now', '12 min ago', '3 h ago', '2 d ago'."""
    seconds = (now - published).total_seconds()
    if seconds < 60:  # a feed clock a little ahead of ours is "just now" too
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400):,} d ago"


def time_text(published: datetime, now: datetime, tz: ZoneInfo) -> str:
    """When, on the wall's clock: 'Wed 14:55 UTC' today and on the six days before, else
    '31 Jan 2018 14:55 UTC' (a weekday alone would pass a years-old story off as this week's)."""
    local = published.astimezone(tz)
    if 0 <= (now.astimezone(tz).date() - local.date()).days < 7:
        return f"{local:%a %H:%M %Z}"
    return f"{local:%d %b %Y %H:%M %Z}"


def latest(snapshot: Snapshot, limit: int = MAX_HEADLINES) -> list[Headline]:
    """The newest `limit` headlines, newest first."""
    items = [h for h in snapshot.records if isinstance(h, Headline)]
    return sorted(items, key=lambda h: h.published, reverse=True)[:limit]


def sources(items: list[Headline]) -> list[str]:
    """The sources of `items`, each once, in the order they first appear."""
    return list(dict.fromkeys(h.source for h in items))


def headline_item(headline: Headline, now: datetime, tz: ZoneInfo = UTC) -> html.Li:
    """One headline: the title large, then source, age and time (on the wall's clock)."""
    return html.Li(
        [
            html.P(headline.title, className="wb-headlines__title"),
            html.P(
                [
                    html.Span(headline.source, className="wb-headlines__source"),
                    " · ",
                    html.Span(age_text(headline.published, now), className="wb-headlines__age"),
                    f" · {time_text(headline.published, now, tz)}",
                ],
                className="wb-headlines__meta",
            ),
        ],
        className="wb-headlines__item",
    )


def count_text(shown: int, total: int) -> str:
    """'15 newest of 23. ' when some headlines are left out, else ''."""
    return f"{shown} newest of {total}. " if total > shown else ""


def sources_text(view: SceneView, name: str, items: list[Headline]) -> str:
    """'Sources: Federal Reserve.': the sources of the headlines shown; with none shown, the
    feeds this board follows ('Feeds: ...'), none in the demo edition, whose headlines come
    from its own wire whatever feeds are configured."""
    if items:
        return f"Sources: {' · '.join(sources(items))}."
    if view.settings.edition is Edition.DEMO:
        return ""
    return f"Feeds: {' · '.join(i.name for i in view.dataset(name).instruments)}."


def footer(view: SceneView, name: str, items: list[Headline], total: int) -> str:
    """'15 newest of 23. Sources: Federal Reserve.' (see count_text and sources_text)."""
    return count_text(len(items), total) + sources_text(view, name, items)


def footer_line(view: SceneView, name: str, items: list[Headline], total: int) -> html.P | None:
    """The footer as shown: its count in a span of its own (with the total), which a wall's
    browser rewrites to the number of headlines that fit."""
    if not footer(view, name, items, total):
        return None
    return html.P(
        [
            html.Span(
                count_text(len(items), total),
                className="wb-headlines__count",
                **{"data-total": str(total)},
            ),
            sources_text(view, name, items),
        ],
        className="wb-headlines__feeds",
    )


def render(view: SceneView) -> list:
    """The newest headlines (as many as a wall holds, on a kiosk), then where they are from."""
    name = view.first(RecordKind.HEADLINE)
    snapshot = view.snapshot(name)
    items = latest(snapshot, WALL_HEADLINES if kiosk(view.query) else MAX_HEADLINES)
    total = sum(isinstance(h, Headline) for h in snapshot.records)
    tz = ZoneInfo(view.settings.wall_tz)
    if items:
        body = [
            reason(snapshot),
            # Only shown: one component (components/static.py), not three per headline.
            static(
                html.Ol([headline_item(h, view.now, tz) for h in items], className="wb-headlines")
            ),
        ]
    else:
        what = "no data" if snapshot.status in (Status.ERROR, Status.EMPTY) else "no headlines"
        body = [html.P(f"News: {what}", className="wb-headlines__empty"), reason(snapshot)]
    return [
        html.Div(
            [*body, footer_line(view, name, items, total)],
            className="wb-headlines__scene",
            **{"data-status": snapshot.status.value},
        )
    ]
