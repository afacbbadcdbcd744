"""The stale badge every widget carries: status, age and source, readable without colour."""

from __future__ import annotations

from datetime import datetime

from dash import html

from components.format import format_age
from providers.models import Snapshot, Status

# icon, label: shape and word carry the meaning; the colour class only reinforces it.
LOOK: dict[Status, tuple[str, str]] = {
    Status.OK: ("●", "Live"),
    Status.FALLBACK: ("↺", "Fallback"),
    Status.STALE: ("⚠", "Stale"),
    Status.CLOSED: ("☾", "Closed"),
    Status.ERROR: ("✕", "Unavailable"),
    Status.EMPTY: ("○", "No data"),
}


def badge_text(snapshot: Snapshot, now: datetime) -> str:
    """The words of a badge, e.g. 'Stale · 12 min old · yahoo'."""
    _, label = LOOK[snapshot.status]
    parts = [label]
    if snapshot.as_of is not None:
        age = format_age(snapshot.age_s(now))
        parts.append(f"{age} old" if snapshot.status is Status.STALE else age)
    if snapshot.source:
        parts.append(snapshot.source)
    return " · ".join(parts)


def stale_badge(snapshot: Snapshot, now: datetime, *, badge_id: dict | None = None) -> html.Span:
    """A badge for one dataset's snapshot; its tooltip holds the last error, if any."""
    icon, _ = LOOK[snapshot.status]
    extra = {"id": badge_id} if badge_id else {}
    return html.Span(
        [
            html.Span(icon, className="wb-badge__icon", **{"aria-hidden": "true"}),
            html.Span(badge_text(snapshot, now), className="wb-badge__text"),
        ],
        className=f"wb-badge wb-badge--{snapshot.status.value}",
        title=snapshot.error or LOOK[snapshot.status][1],
        **{"data-status": snapshot.status.value},
        **extra,
    )
