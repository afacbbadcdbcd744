"""The stale badge every widget carries: status, age and source, readable without colour."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import html

from components.format import format_age
from engine.freshness import Shown, shown, state_shown
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


def age_span(as_of: datetime, now: datetime, *, suffix: str = "") -> html.Span:
    """An age ('12 s') that the browser keeps counting (assets/31_ages.js), so a screen whose
    data has not changed needs nothing from the server to show it getting older. (A tile's age
    counts from the tile's own time: components/tiles.py.)"""
    return html.Span(
        f"{format_age((now - as_of).total_seconds())}{suffix}",
        className="wb-age",
        **{"data-age-of": as_of.isoformat(timespec="milliseconds"), "data-age-suffix": suffix},
    )


def _counts(snapshot: Snapshot) -> str:
    """' · 1 of 6 stale · 1 of 6 missing': a dataset's instruments that are not current."""
    states = list(snapshot.states.values())
    stale = sum(state.status is Status.STALE for state in states)
    missing = sum(state.as_of is None for state in states)
    parts = [f"{stale} of {len(states)} stale"] if stale else []
    parts += [f"{missing} of {len(states)} missing"] if missing else []
    return "".join(f" · {part}" for part in parts)


def _oldest(snapshot: Snapshot) -> str:
    """' (oldest)' after a time when a snapshot's values are of different times: the time given
    is its oldest value's, never its newest."""
    times = {state.as_of for state in snapshot.states.values() if state.as_of is not None}
    return " (oldest)" if len(times) > 1 else ""


STREAMING = "Streaming"  # a live stream moves the prices (engine.stream_hub), not only polls


def label_of(snapshot: Snapshot, status: Status) -> str:
    """The badge's word: 'Streaming' for live data a stream moves, else the status's."""
    if status is Status.OK and snapshot.stream:
        return STREAMING
    return LOOK[status][1]


def _badge_parts(snapshot: Snapshot, seen: Shown, now: datetime) -> list:
    label = label_of(snapshot, seen.status)
    parts: list = [label]
    if snapshot.stream_note:
        parts.append(f" · {snapshot.stream_note}")
    if seen.status is not Status.STALE:
        parts.append(_counts(snapshot))  # a stale badge says so of the whole
    if snapshot.as_of is not None:
        # Its oldest value's age, never its newest (engine.freshness.assess).
        several = len(snapshot.states) > 1
        prefix = " · oldest " if several else " · "
        suffix = " old" if seen.status is Status.STALE and not several else ""
        parts += [prefix, age_span(snapshot.as_of, now, suffix=suffix)]
    if snapshot.source:
        parts.append(f" · {snapshot.source}")
    return parts


def stale_badge(snapshot: Snapshot, now: datetime, *, badge_id: dict | None = None) -> html.Span:
    """A badge for one dataset's snapshot (assessed: Board.snapshot): the status and reason
    engine.freshness gives it, how many of its instruments are stale or missing, its oldest
    value's age and its sources; its tooltip holds the reason (staleness and fetch error)."""
    seen = shown(snapshot, None, now)
    icon = LOOK[seen.status][0]
    label = label_of(snapshot, seen.status)
    extra = {"id": badge_id} if badge_id else {}
    if snapshot.stream:
        extra["data-stream"] = snapshot.stream
    return html.Span(
        [
            html.Span(icon, className="wb-badge__icon", **{"aria-hidden": "true"}),
            html.Span(_badge_parts(snapshot, seen, now), className="wb-badge__text"),
        ],
        className=f"wb-badge wb-badge--{seen.status.value}",
        title="; ".join(filter(None, [seen.reason, snapshot.stream_note])) or label,
        **{"data-status": seen.status.value},
        **extra,
    )


def as_of_text(snapshot: Snapshot) -> str:
    """'as of Wed 05 Mar 2025 15:00 UTC', or 'no data'."""
    if snapshot.as_of is None:
        return "no data"
    return f"as of {snapshot.as_of:%a %d %b %Y %H:%M} UTC"


def chart_caption(
    what: str,
    snapshot: Snapshot,
    *,
    class_name: str,
    instrument: str | None = None,
    now: datetime | None = None,
) -> html.Figcaption:
    """A chart's caption: what it shows, its data's time, source and status in words; with
    `instrument`, that instrument's own (a chart of one series among several)."""
    counts, oldest = "", ""
    if instrument is None:
        status, as_of, source = snapshot.status, snapshot.as_of, snapshot.source
        counts, oldest = _counts(snapshot), _oldest(snapshot)
    else:
        seen = state_shown(snapshot, instrument, now or snapshot.fetched_at or datetime.now(UTC))
        status, as_of, source = seen.status, seen.as_of, seen.source
    icon, label = LOOK[status]
    when = "no data" if as_of is None else f"as of {as_of:%a %d %b %Y %H:%M} UTC{oldest}"
    return html.Figcaption(
        [
            html.Span(what),
            html.Span(f" · {when}" + (f" · {source}" if source else "") + " · "),
            html.Span(f"{icon} {label}{counts}", className=f"wb-badge--{status.value}"),
        ],
        className=class_name,
        **{"data-status": status.value},
    )
