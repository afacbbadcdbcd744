"""News scene: the latest headlines, newest first, each with its source and age.

Titles are plain text (the RSS provider cleaned them; React escapes them again) and are not
links: a wall is read, not clicked. Ages are worked out from `view.now` when the body renders.
"""

from __future__ import annotations

from datetime import datetime

from dash import html

from components.scene import CLOCK_REDRAW_S, SceneView
from components.sections import reason
from config.schema import RecordKind
from providers.models import Headline, Snapshot, Status

SCENE = "news"
REDRAW_S = CLOCK_REDRAW_S  # "12 min ago" moves with the clock
MAX_HEADLINES = 15


def age_text(published: datetime, now: datetime) -> str:
    """How long ago, for reading across a room: 'just now', '12 min ago', '3 h ago', '2 d ago'."""
    seconds = (now - published).total_seconds()
    if seconds < 60:  # a feed clock a little ahead of ours is "just now" too
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def latest(snapshot: Snapshot, limit: int = MAX_HEADLINES) -> list[Headline]:
    """The newest `limit` headlines, newest first."""
    items = [h for h in snapshot.records if isinstance(h, Headline)]
    return sorted(items, key=lambda h: h.published, reverse=True)[:limit]


def headline_item(headline: Headline, now: datetime) -> html.Li:
    """One headline: the title large, then source, age and time (UTC)."""
    return html.Li(
        [
            html.P(headline.title, className="wb-headlines__title"),
            html.P(
                [
                    html.Span(headline.source, className="wb-headlines__source"),
                    " · ",
                    html.Span(age_text(headline.published, now), className="wb-headlines__age"),
                    f" · {headline.published:%a %H:%M} UTC",
                ],
                className="wb-headlines__meta",
            ),
        ],
        className="wb-headlines__item",
    )


def render(view: SceneView) -> list:
    """The newest headlines, then the feeds this board follows by name."""
    name = view.first(RecordKind.HEADLINE)
    snapshot = view.snapshot(name)
    items = latest(snapshot)
    total = sum(isinstance(h, Headline) for h in snapshot.records)
    if items:
        body = [
            reason(snapshot),
            html.Ol([headline_item(h, view.now) for h in items], className="wb-headlines"),
        ]
    else:
        what = "no data" if snapshot.status in (Status.ERROR, Status.EMPTY) else "no headlines"
        body = [html.P(f"News: {what}", className="wb-headlines__empty"), reason(snapshot)]
    feeds = " · ".join(i.name for i in view.dataset(name).instruments)
    count = f"{len(items)} newest of {total}. " if total > len(items) else ""
    return [
        html.Div(
            [*body, html.P(f"{count}Feeds: {feeds}.", className="wb-headlines__feeds")],
            className="wb-headlines__scene",
            **{"data-status": snapshot.status.value},
        )
    ]
