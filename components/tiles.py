"""Renderers for one dataset's snapshot: quote tiles, curve, bars, headlines, events.

Each takes the dataset's config and its snapshot (already assessed as of now: Board.snapshot)
and returns plain Dash components; a tile's status and reason are engine.freshness.shown's.
Text from records is passed as component children, which React escapes: nothing from a feed is
ever rendered as HTML.

On an analyst's screen a tile links to its instrument's page (`/instrument/<id>`); on a kiosk
(`?kiosk=1`) nothing is a link or focusable, so a tile is rendered without one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote as url_quote

from dash import html

from analytics.derived import curve_spreads
from components.badges import LOOK
from components.figures import direction_colour, sparkline_points
from components.format import (
    age_words,
    change_decimals,
    format_age,
    format_bp,
    format_change,
    format_pct,
    format_price,
    quote_direction,
    rounded,
)
from components.mode import kiosk
from components.tile import SourceLine, Tile
from config.schema import Dataset, Instrument
from engine.freshness import Shown, state_shown
from providers.models import Bar, CalendarEvent, CurvePoint, Headline, Quote, Snapshot, Status

# Where a chart cell (a treemap box, a heatmap cell) keeps its instrument id in its customdata,
# for the browser's click handler (assets/37l_links.js reads customdata[1]); its tooltip's
# text is customdata[0].
LINK_FIELD = 1


def linked_graph_id(name: str) -> dict[str, str]:
    """The id of a graph whose cells open their instrument on a click: one pattern, so one
    clientside callback (components.shell) serves every such graph."""
    return {"type": "wb-linked-graph", "graph": name}


def cell_custom(tooltip: str, instrument_id: str) -> list[str]:
    """A chart cell's customdata: its tooltip's text (`%{customdata[0]}`), then the instrument
    it opens on a click (LINK_FIELD; '' for a cell that opens nothing)."""
    custom = [tooltip, ""]
    custom[LINK_FIELD] = instrument_id
    return custom


def instrument_href(instrument_id: str) -> str:
    """The page of one instrument: `/instrument/<id>` (the id as a URL path segment)."""
    return f"/instrument/{url_quote(instrument_id, safe='')}"


def links_shown(query: Mapping[str, str]) -> bool:
    """Whether a screen's values link to their instrument: on an analyst's screen, never on a
    kiosk (`?kiosk=1`), where nothing may be a link, focusable or show a pointer."""
    return not kiosk(query)


def _head(instrument: Instrument, status: Status, link: bool) -> dict:
    """A tile's name and badge. As a link (an analyst's screen), the name is the tile's one
    link and its accessible name, and it stretches over the whole tile (26_links.css) so the
    tile is clicked as one; the browser follows it in the page (37l_links.js)."""
    icon, label = LOOK[status]
    head = {"name": instrument.name, "badge": f"{icon} {label}", "label": label}
    if link:
        head["href"] = instrument_href(instrument.id)
    return head


def cell_title(name: str, seen: Shown, now: datetime) -> str:
    """A table cell's or chart cell's tooltip: what, where from, when, and why if not current."""
    _, label = LOOK[seen.status]
    if seen.as_of is None:
        return f"{name}: {label} · {seen.reason or 'no data'}"
    text = (
        f"{name}: {label} · {seen.source or 'unknown source'} · as of "
        f"{seen.as_of:%a %d %b %Y %H:%M} UTC ({age_words(seen.age_s)} old)"
    )
    return text + (f" · {seen.reason}" if seen.reason else "")


def status_mark(status: Status) -> str:
    """The mark a value not current carries in a dense table or cell: '⚠' stale, '☾' closed,
    '↺' fallback, '' live; shape and word, not colour alone."""
    return "" if status is Status.OK else LOOK[status][0]


def status_words(status: Status) -> str:
    """A value's state in mark and word where a chart cell or readout has room for a few
    characters: '⚠ stale', '☾ closed', '↺ fallback'; '' when live."""
    return "" if status is Status.OK else f"{status_mark(status)} {LOOK[status][1].lower()}"


def _told_at(snapshot: Snapshot, quote: Quote | None) -> datetime:
    """The clock a tile tells its record's age by: the refresh that gave the snapshot, so a
    tile renders the same until the next refresh (the browser counts the age on)."""
    if snapshot.fetched_at is not None:
        return snapshot.fetched_at
    return quote.as_of if quote is not None else datetime.now(UTC)  # no record: no age


def _source_line(seen: Shown, now: datetime, tile_as_of: datetime) -> SourceLine | None:
    """Where and when a tile's value is from, under it: 'yahoo · 3 min', 'stooq · Fri 04 Dec
    session · 9 h' (closed), 'yahoo · 2 d old' (stale: the word says so, not only the colour).
    The browser counts the age on (assets/31_ages.js) from the tile's own data-as-of when it is
    the same time (one time sent, not two), else from the line's own."""
    if seen.as_of is None:
        return None
    text = f"{seen.source or 'unknown source'} · "
    if seen.status is Status.CLOSED:
        text += f"{seen.as_of:%a %d %b} session · "
    suffix = " old" if seen.status is Status.STALE else ""
    own = seen.as_of != tile_as_of
    return {
        "text": text,
        "age": f"{format_age((now - seen.as_of).total_seconds())}{suffix}",
        "suffix": suffix,
        "ageOf": seen.as_of.isoformat(timespec="milliseconds") if own else None,
    }


def quote_tile(
    instrument: Instrument,
    quote: Quote | None,
    snapshot: Snapshot,
    *,
    extra: list | None = None,
    link: bool = False,
) -> Tile:
    """One instrument: name, status, price, change and sparkline ('no data' when it has none).

    `extra` adds lines under the change (a 24 h range, a session state); every tile carries the
    status engine.freshness.shown gives its record, so freshness is visible on each one. With
    `link` (an analyst's screen: links_shown), the tile links to its instrument's page. The
    browser draws it (components/tile.py).
    """
    linked = " wb-tile--link" if link else ""
    now = _told_at(snapshot, quote)
    seen = state_shown(snapshot, instrument.id, now)
    status = seen.status
    head = _head(instrument, status, link)
    if quote is None:
        return Tile(
            className="wb-tile wb-tile--missing" + linked,
            title=seen.reason,  # why this instrument is missing, not its dataset's staleness
            price="—",
            reason="no data",
            **head,
            **{"data-instrument": instrument.id, "data-status": status.value},
        )
    move = quote_direction(quote.change, quote.price, instrument)
    shown_change = None
    if quote.change is not None:  # the colour follows the change as shown: 0.00 is grey
        shown_change = rounded(quote.change, change_decimals(quote.price, instrument))
    spark = sparkline_points(quote.sparkline)
    parts: dict = {
        "price": format_price(quote.price, instrument),
        "change": format_change(quote.change, quote.change_pct, quote.price, instrument),
        "move": move,
    }
    if spark:
        parts |= {"spark": spark, "sparkColour": direction_colour(shown_change)}
    source = _source_line(seen, now, quote.as_of)
    if source is not None:
        parts["source"] = source
    if quote.kept:
        parts["reason"] = "last good value"
    return Tile(
        children=extra or None,
        className=f"wb-tile wb-tile--{status.value}{linked}",
        **({"title": seen.reason} if seen.reason is not None else {}),
        **head,
        **parts,
        **{
            "data-instrument": instrument.id,
            "data-status": status.value,
            "data-source": seen.source,
            "data-as-of": quote.as_of.isoformat(),
        },
    )


def quote_tiles(dataset: Dataset, snapshot: Snapshot, *, link: bool = False) -> html.Div:
    """A tile per configured instrument, in config order, whatever the provider returned;
    linked to their instrument's page with `link` (links_shown)."""
    by_symbol = snapshot.quotes_by_id()
    return html.Div(
        [quote_tile(i, by_symbol.get(i.id), snapshot, link=link) for i in dataset.instruments],
        className="wb-tiles",
    )


def _table(
    head: list[str], rows: list[list[str]], caption: str, states: list[tuple] | None = None
) -> html.Table:
    """A table; `states` gives each row's (status, tooltip): the row carries data-status and
    its first cell the status mark and the tooltip (source, time, why)."""
    body = []
    for index, row in enumerate(rows):
        status, title = states[index] if states else (None, None)
        cells = [html.Td(cell) for cell in row]
        attrs = {}
        if status is not None:
            mark = status_mark(status)
            cells[0] = html.Td(f"{mark} {row[0]}" if mark else row[0], title=title)
            attrs = {"data-status": status.value, "className": f"wb-row--{status.value}"}
        body.append(html.Tr(cells, **attrs))
    return html.Table(
        [
            html.Caption(caption, className="visually-hidden"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(body),
        ],
        className="wb-table",
    )


def _row_states(dataset: Dataset, snapshot: Snapshot) -> list[tuple]:
    now = _told_at(snapshot, None)
    out = []
    for instrument in dataset.instruments:
        seen = state_shown(snapshot, instrument.id, now)
        out.append((seen.status, cell_title(instrument.name, seen, now)))
    return out


def curve_table(dataset: Dataset, snapshot: Snapshot) -> html.Div:
    """Yield per tenor for each curve date held (now, a week, a month ago), then the spreads;
    each tenor's row carries its own status, source and time."""
    points = [p for p in snapshot.records if isinstance(p, CurvePoint)]
    dates = sorted({p.as_of.date() for p in points}, reverse=True)
    by_key = {(p.tenor, p.as_of.date()): p.yield_pct for p in points}
    rows = [
        [i.name] + [format_pct(by_key[(i.id, d)], 3) if (i.id, d) in by_key else "—" for d in dates]
        for i in dataset.instruments
    ]
    head = ["Tenor"] + [f"{d:%d %b %Y}" for d in dates]
    spreads = curve_spreads(points)
    lines = [
        f"{name} {format_bp(value, 1)}"
        for name, value in (spreads.get(dates[0], {}) if dates else {}).items()
    ]
    return html.Div(
        [
            _table(head, rows, dataset.title, _row_states(dataset, snapshot)),
            html.P(" · ".join(lines), className="wb-curve__spreads") if lines else None,
        ]
    )


def bars_table(dataset: Dataset, snapshot: Snapshot) -> html.Table:
    """The latest daily bar of each instrument, each row with its own status."""
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
    return _table(
        ["Instrument", "Date", "Open", "High", "Low", "Close"],
        rows,
        dataset.title,
        _row_states(dataset, snapshot),
    )


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
