"""Renderers for one dataset's snapshot: quote tiles, curve, bars, headlines, events.

Each takes the dataset's config and its snapshot (already assessed as of now: Board.snapshot)
and returns plain Dash components; a tile's status and reason are engine.freshness.shown's.
Text from records is passed as component children, which React escapes: nothing from a feed is
ever rendered as HTML.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dash import html

from analytics.derived import curve_spreads
from components.badges import LOOK, age_span
from components.figures import direction_colour, sparkline_svg
from components.format import direction, format_change, format_price
from config.schema import Dataset, Instrument
from engine.freshness import shown
from providers.models import Bar, CalendarEvent, CurvePoint, Headline, Quote, Snapshot, Status


def _tile_badge(status: Status) -> html.Span:
    icon, label = LOOK[status]
    return html.Span(
        f"{icon} {label}", className=f"wb-tile__badge wb-badge--{status.value}", title=label
    )


def _told_at(snapshot: Snapshot, quote: Quote | None) -> datetime:
    """The clock a tile tells its record's age by: the refresh that gave the snapshot, so a
    tile renders the same until the next refresh (the browser counts the age on, age_span)."""
    if snapshot.fetched_at is not None:
        return snapshot.fetched_at
    return quote.as_of if quote is not None else datetime.now(UTC)  # no record: no age


def quote_tile(
    instrument: Instrument,
    quote: Quote | None,
    snapshot: Snapshot,
    *,
    extra: list | None = None,
    tile_id: dict | str | None = None,
) -> html.Div:
    """One instrument: name, status, price, change and sparkline ('no data' when it has none).

    `extra` adds lines under the change (a 24 h range, a session state); every tile carries the
    status engine.freshness.shown gives its record, so freshness is visible on each one.
    """
    ident = {"id": tile_id} if tile_id is not None else {}
    now = _told_at(snapshot, quote)
    seen = shown(snapshot, None, now, record=quote)
    status = seen.status
    if quote is None:
        return html.Div(
            [
                html.Div(
                    [html.Span(instrument.name, className="wb-tile__name"), _tile_badge(status)],
                    className="wb-tile__head",
                ),
                html.Div("—", className="wb-tile__price"),
                # The reason is shown once above the tiles; here only in the tooltip.
                html.Div("no data", className="wb-tile__reason"),
            ],
            className="wb-tile wb-tile--missing",
            title=seen.reason,
            **{"data-instrument": instrument.id, "data-status": status.value},
            **ident,
        )
    move = direction(quote.change)
    spark = sparkline_svg(quote.sparkline, direction_colour(quote.change))
    if quote.kept:
        kept_line = html.Div(
            ["last good · ", age_span(quote.as_of, now, suffix=" old")],
            className="wb-tile__reason",
        )
        extra = [kept_line, *(extra or [])]
    return html.Div(
        [
            html.Div(
                [
                    html.Span(instrument.name, className="wb-tile__name"),
                    _tile_badge(status),
                ],
                className="wb-tile__head",
            ),
            html.Div(format_price(quote.price, instrument), className="wb-tile__price"),
            html.Div(
                format_change(quote.change, quote.change_pct, quote.price, instrument),
                className=f"wb-tile__change wb-{move}",
            ),
            html.Img(src=spark, alt="", className="wb-tile__spark") if spark else None,
            *(extra or []),
        ],
        className=f"wb-tile wb-tile--{status.value}",
        **({"title": seen.reason} if seen.reason is not None else {}),
        **{"data-instrument": instrument.id, "data-status": status.value},
        **ident,
    )


def quote_tiles(dataset: Dataset, snapshot: Snapshot) -> html.Div:
    """A tile per configured instrument, in config order, whatever the provider returned."""
    by_symbol = {r.symbol: r for r in snapshot.records if isinstance(r, Quote)}
    return html.Div(
        [quote_tile(i, by_symbol.get(i.id), snapshot) for i in dataset.instruments],
        className="wb-tiles",
    )


def _table(head: list[str], rows: list[list[str]], caption: str) -> html.Table:
    return html.Table(
        [
            html.Caption(caption, className="visually-hidden"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
        ],
        className="wb-table",
    )


def curve_table(dataset: Dataset, snapshot: Snapshot) -> html.Div:
    """Yield per tenor for each curve date held (now, a week, a month ago), then the spreads."""
    points = [p for p in snapshot.records if isinstance(p, CurvePoint)]
    dates = sorted({p.as_of.date() for p in points}, reverse=True)
    by_key = {(p.tenor, p.as_of.date()): p.yield_pct for p in points}
    rows = [
        [i.name] + [f"{by_key[(i.id, d)]:.3f}%" if (i.id, d) in by_key else "—" for d in dates]
        for i in dataset.instruments
    ]
    head = ["Tenor"] + [f"{d:%d %b %Y}" for d in dates]
    spreads = curve_spreads(points)
    lines = [
        f"{name} {value:+.1f} bp"
        for name, value in (spreads.get(dates[0], {}) if dates else {}).items()
    ]
    return html.Div(
        [
            _table(head, rows, dataset.title),
            html.P(" · ".join(lines), className="wb-curve__spreads") if lines else None,
        ]
    )


def bars_table(dataset: Dataset, snapshot: Snapshot) -> html.Table:
    """The latest daily bar of each instrument."""
    latest: dict[str, Bar] = {}
    for bar in snapshot.records:
        if isinstance(bar, Bar) and (
            bar.symbol not in latest or bar.time > latest[bar.symbol].time
        ):
            latest[bar.symbol] = bar
    rows = []
    for i in dataset.instruments:
        bar = latest.get(i.id)
        if bar is None:
            rows.append([i.name, "—", "—", "—", "—", "—"])
            continue
        rows.append(
            [i.name, bar.time.strftime("%Y-%m-%d")]
            + [format_price(v, i) for v in (bar.open, bar.high, bar.low, bar.close)]
        )
    return _table(["Instrument", "Date", "Open", "High", "Low", "Close"], rows, dataset.title)


def headline_list(dataset: Dataset, snapshot: Snapshot, now: datetime) -> html.Ul:
    """Headlines, newest first, with source and age; titles are plain text."""
    items = sorted(
        (h for h in snapshot.records if isinstance(h, Headline)),
        key=lambda h: h.published,
        reverse=True,
    )
    return html.Ul(
        [
            html.Li(
                [
                    html.Span(h.title, className="wb-news__title"),
                    html.Span(f"{h.source} · {h.published:%H:%M} UTC", className="wb-news__meta"),
                ],
                className="wb-news__item",
            )
            for h in items[:20]
        ]
        or [html.Li("No headlines", className="wb-news__item")],
        className="wb-news",
    )


def event_table(dataset: Dataset, snapshot: Snapshot) -> html.Table:
    """Macro releases in time order, with prior / consensus / actual where known."""
    events = sorted(
        (e for e in snapshot.records if isinstance(e, CalendarEvent)), key=lambda e: e.time
    )
    rows = [
        [
            f"{e.time:%a %d %b %H:%M} UTC",
            e.country,
            e.name,
            e.prior or "—",
            e.consensus or "—",
            e.actual or "—",
        ]
        for e in events
    ]
    return _table(
        ["Time", "Country", "Release", "Prior", "Consensus", "Actual"], rows, dataset.title
    )
