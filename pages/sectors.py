"""Sectors scene: a treemap of the S&P 500 sector ETFs, sized by index weight, coloured by the
session's % change on a fixed diverging scale (the same colour means the same move every day),
with a ranked list of the moves beside it.

The caption says which session the change is of: "today" only while the market trades the
session the data is from; once it has closed (the badge says Closed), the change is named by
that session's day ("on Tue 04 Mar's session vs the previous close"), never "today".

Each box and ranked row carries its own sector's state (engine.freshness.state_shown), not the
dataset's: a sector a week old reads "⚠ stale 7 d" in its box, hatched, with its source, time
and why in its tooltip, while the live ones around it read as live.

On an analyst's screen a click on a box opens its sector's instrument page: each box carries
its instrument id in its customdata (components.tiles.cell_custom), which the browser's click
handler reads (assets/37l_links.js); a kiosk's boxes open nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import plotly.graph_objects as go
from dash import dcc, html
from plotly.colors import sample_colorscale

from components.badges import LOOK, as_of_text
from components.figures import DARK, GRAPH_CONFIG, ChartTheme, chart_theme
from components.format import arrow, direction, format_age, format_pct, format_price, rounded
from components.scene import CHART_HOLD_S, HELD, SceneView
from components.sections import reason
from components.tiles import (
    cell_custom,
    cell_title,
    linked_graph_id,
    links_shown,
    status_mark,
    status_words,
)
from config.schema import Dataset, Instrument, RecordKind
from engine.freshness import Shown, state_shown
from providers import markets
from providers.models import Quote, Snapshot, Status

SCENE = "sectors"
HOLD_S = CHART_HOLD_S  # the treemap is redrawn at most this often while prices stream
IDS = {"treemap": linked_graph_id(f"{SCENE}-treemap"), "ranking": f"{SCENE}-ranking"}
SCALE_PCT = 3.0  # colours saturate at ±3 %: a fixed range, so a colour means the same move daily
PCT_DECIMALS = 2  # a % change as labelled, ranked and coloured
MISSING_COLOUR = DARK.missing  # the dark theme's; each theme has its own
MISSING_TEXT = DARK.missing_text
DARK_TEXT, LIGHT_TEXT = "#0b0f14", "#f5f7fa"
STALE_HATCH = "/"  # a stale box is hatched: its state has a shape, not only a word and colour


def pct_text(pct: float | None) -> str:
    """'▲ +1.23%', '■ 0.00%' — the arrow keeps direction readable without colour."""
    if pct is None:
        return "—"
    return f"{arrow(pct, PCT_DECIMALS)} {format_pct(pct, PCT_DECIMALS, sign=True)}"


def pct_colour(pct: float, theme: ChartTheme = DARK) -> str:
    """The diverging colour of a % change as shown (a box reading '0.00%' is the neutral grey),
    clamped to ±SCALE_PCT and centred on 0."""
    shown = rounded(pct, PCT_DECIMALS)
    position = (max(-SCALE_PCT, min(SCALE_PCT, shown)) + SCALE_PCT) / (2 * SCALE_PCT)
    return sample_colorscale(theme.diverging, [position])[0]


def _text_colour(rgb: str) -> str:
    """Dark text on light boxes, light text on dark ones (relative luminance)."""
    red, green, blue = (int(float(c)) for c in rgb.removeprefix("rgb(").rstrip(")").split(","))
    luminance = (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255
    return DARK_TEXT if luminance > 0.55 else LIGHT_TEXT


def _plain(text: str) -> str:
    """A name as Plotly text: its pseudo-HTML tags are neutralised."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def state_words(seen: Shown) -> str:
    """A value's state in mark and word when it is not live: '⚠ stale 7 d', '☾ closed',
    '↺ fallback: stooq'; '' when live or when there is no value (its box says 'no data')."""
    if seen.status is Status.OK or seen.as_of is None:
        return ""
    words = status_words(seen.status)
    if seen.status is Status.STALE:
        return f"{words} {format_age(seen.age_s)}"
    if seen.status is Status.FALLBACK and seen.source:
        return f"{words}: {seen.source}"
    return words


def sector_states(
    snapshot: Snapshot, instruments: list[Instrument], now: datetime
) -> dict[str, Shown]:
    """Each sector's own state as of `now` (id -> Shown), for its box and its ranked row."""
    return {i.id: state_shown(snapshot, i.id, now) for i in instruments}


def _box_text(quote: Quote | None, instrument: Instrument, seen: Shown | None) -> str:
    """A box's lines: % change with arrow, price, and its state when not live."""
    if quote is None or quote.change_pct is None:
        price = "" if quote is None else f"<br>{format_price(quote.price, instrument)}"
        lines = "no data" + price
    else:
        lines = f"{pct_text(quote.change_pct)}<br>{format_price(quote.price, instrument)}"
    state = "" if seen is None or quote is None else state_words(seen)
    return f"{lines}<br>{_plain(state)}" if state else lines


def make_sector_treemap(
    quotes: list[Quote],
    instruments: list[Instrument],
    theme: ChartTheme = DARK,
    states: Mapping[str, Shown] | None = None,
    now: datetime | None = None,
) -> go.Figure:
    """One box per configured sector: size = weight, colour = % change (fixed ±3 % scale),
    label = name, % change with arrow, price; a sector without a quote is grey, 'no data'.

    With `states` (sector_states, read at `now`), each box also says its own state when not
    live ('⚠ stale 7 d', hatched when stale) and its tooltip where and when its value is from
    and why it is not current (components.tiles.cell_title).
    """
    by_symbol = {q.symbol: q for q in quotes}
    states = states or {}
    weights = [i.weight for i in instruments if i.weight]
    default_weight = sum(weights) / len(weights) if weights else 1.0
    labels, values, colours, fonts, texts, titles, hatches = [], [], [], [], [], [], []
    for instrument in instruments:
        quote, seen = by_symbol.get(instrument.id), states.get(instrument.id)
        labels.append(_plain(instrument.name))
        values.append(instrument.weight or default_weight)
        texts.append(_box_text(quote, instrument, seen))
        titles.append("" if seen is None else _plain(cell_title(instrument.name, seen, now)))
        stale = seen is not None and quote is not None and seen.status is Status.STALE
        hatches.append(STALE_HATCH if stale else "")
        if quote is None or quote.change_pct is None:
            colours.append(theme.missing)
            fonts.append(theme.missing_text)
            continue
        colour = pct_colour(quote.change_pct, theme)
        colours.append(colour)
        fonts.append(_text_colour(colour))
    hover = "%{label}<br>%{text}<br>weight %{customdata[0]}"
    fig = go.Figure(
        go.Treemap(
            ids=[i.id for i in instruments],
            labels=labels,
            parents=[""] * len(instruments),
            values=values,
            text=texts,
            texttemplate="<b>%{label}</b><br>%{text}",
            textposition="middle center",
            textfont={"size": 40, "color": fonts},
            marker={
                "colors": colours,
                "line": {"color": theme.panel, "width": 3},
                "pad": {"t": 0, "l": 0, "r": 0, "b": 0},  # no header band around the sectors
                # over the box's colour (overlay), light so the text stays legible
                "pattern": {"shape": hatches, "fillmode": "overlay", "solidity": 0.15},
            },
            tiling={"pad": 2},
            pathbar={"visible": False},
            sort=True,
            customdata=[
                cell_custom(format_pct(value, 1), instrument.id)
                for value, instrument in zip(values, instruments, strict=True)
            ],
            hovertext=titles,
            hovertemplate=hover + ("<br>%{hovertext}" if states else "") + "<extra></extra>",
        )
    )
    fig.update_layout(template=theme.template, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return fig


def scale_legend(theme: ChartTheme = DARK) -> html.Div:
    """The colour key: the diverging gradient from -3 % to +3 %, with arrows."""
    # CSS gradient stops (positions along the bar), not text on the wall.
    stops = ", ".join(f"{colour} {position * 100:.0f}%" for position, colour in theme.diverging)
    low, high = format_pct(-SCALE_PCT, 0, sign=True), format_pct(SCALE_PCT, 0, sign=True)
    return html.Div(
        [
            html.Span(f"{arrow(-SCALE_PCT)} {low} or less", className="sectors-scale__end"),
            html.Span(
                className="sectors-scale__bar",
                style={"background": f"linear-gradient(to right, {stops})"},
                **{"aria-hidden": "true"},
            ),
            html.Span(f"{arrow(SCALE_PCT)} {high} or more", className="sectors-scale__end"),
        ],
        className="sectors-scale",
        **{"aria-label": f"Colour scale: % change from {low} to {high}"},
    )


def _swatch(colour: str) -> html.Span:
    """The box's colour next to its name in the ranking."""
    return html.Span(
        className="sectors-rank__swatch", style={"background": colour}, **{"aria-hidden": "true"}
    )


def _rank_item(
    instrument: Instrument,
    swatch: str,
    pct: html.Span,
    seen: Shown | None,
    now: datetime | None,
    *,
    missing: bool = False,
) -> html.Li:
    """A ranked row; with its state (`seen`) it carries it as a table row does: the mark before
    its name, data-status, a class per status, and where, when and why in its tooltip."""
    classes, name, state = ["sectors-rank__item"], instrument.name, {}
    if missing:
        classes.append("sectors-rank__item--missing")
    if seen is not None:
        mark = status_mark(seen.status)
        name = f"{mark} {name}" if mark else name
        if mark:
            classes.append(f"sectors-rank__item--{seen.status.value}")
        state = {
            "data-status": seen.status.value,
            "title": cell_title(instrument.name, seen, now),
        }
    return html.Li(
        [_swatch(swatch), html.Span(name, className="sectors-rank__name"), pct],
        className=" ".join(classes),
        **{"data-instrument": instrument.id},
        **state,
    )


def ranking(
    quotes: list[Quote],
    instruments: list[Instrument],
    theme: ChartTheme = DARK,
    states: Mapping[str, Shown] | None = None,
    now: datetime | None = None,
) -> html.Ol:
    """Sectors from best to worst move today; those without a quote last, 'no data'. With
    `states` (sector_states, read at `now`) each row carries its own state like a table row:
    the mark before its name, data-status, and where, when and why in its tooltip."""
    by_symbol = {q.symbol: q for q in quotes}
    states = states or {}
    moves = [
        (i, by_symbol[i.id].change_pct)
        for i in instruments
        if i.id in by_symbol and by_symbol[i.id].change_pct is not None
    ]
    moves.sort(key=lambda item: item[1], reverse=True)
    ranked = {i.id for i, _ in moves}
    missing = [i for i in instruments if i.id not in ranked]
    items = [
        _rank_item(
            i,
            pct_colour(pct, theme),
            html.Span(
                pct_text(pct), className=f"sectors-rank__pct wb-{direction(pct, PCT_DECIMALS)}"
            ),
            states.get(i.id),
            now,
        )
        for i, pct in moves
    ] + [
        _rank_item(
            i,
            theme.missing,
            html.Span("no data", className="sectors-rank__pct wb-flat"),
            states.get(i.id),
            now,
            missing=True,
        )
        for i in missing
    ]
    return html.Ol(items, className="sectors-rank", id=IDS["ranking"])


def market_of(dataset: Dataset) -> str:
    """The market the sectors trade on: the one their instruments share, else the dataset's."""
    codes = {instrument.market or dataset.market for instrument in dataset.instruments}
    return codes.pop() if len(codes) == 1 else dataset.market


def session_day(market: str, at: datetime) -> date | None:
    """The trading day of the latest session begun by `at`: the date (UTC) at the middle of the
    session, which is the exchange's own date for an exchange and the trading day for FX's
    22:00-to-22:00 sessions; None beyond the market's calendar."""
    try:
        start, end = markets.recent_sessions(market, at, 1)[-1]
    except ValueError:  # an unknown market, a time outside its calendar
        return None
    return (start + (end - start) / 2).date()


def change_words(
    snapshot: Snapshot, market: str, now: datetime, as_of: datetime | None = None
) -> str:
    """What the colours measure, from the data's session and the market's: '% change today'
    only while the market trades the session the data is from; otherwise that session's day,
    e.g. "% change on Tue 04 Mar's session vs the previous close" (the snapshot is Closed, or
    stale from an earlier session).

    `as_of` is the boxes' newest time (default: the snapshot's, which an assessed snapshot
    gives as its oldest): one sector a week old does not rename the session of the live ones,
    its own box says '⚠ stale 7 d'."""
    as_of = as_of or snapshot.as_of
    day = session_day(market, as_of) if as_of is not None else None
    if day is None:
        return "% change vs the previous close"
    trading = snapshot.status is not Status.CLOSED and markets.is_open(market, now)
    if trading and day == session_day(market, now):
        return "% change today"
    return f"% change on {day:%a %d %b}'s session vs the previous close"


def caption(
    snapshot: Snapshot, theme: ChartTheme = DARK, *, change: str = "% change vs the previous close"
) -> html.Figcaption:
    """What the boxes mean (`change`: change_words), the data's time and its status in words."""
    icon, label = LOOK[snapshot.status]
    return html.Figcaption(
        [
            scale_legend(theme),
            html.Span(
                f"Box size: weight in the S&P 500 · colour: {change} · {as_of_text(snapshot)} · ",
            ),
            html.Span(f"{icon} {label}", className=f"wb-badge--{snapshot.status.value}"),
        ],
        className="sectors-caption",
    )


def render(view: SceneView) -> list:
    """The treemap with its key on the left, the ranked moves on the right."""
    name = view.first(RecordKind.QUOTE)
    snapshot, dataset, theme = view.snapshot(name), view.dataset(name), chart_theme(view.settings)
    quotes = [q for q in snapshot.records if isinstance(q, Quote)]
    states = sector_states(snapshot, dataset.instruments, view.now)
    newest = max((seen.as_of for seen in states.values() if seen.as_of), default=None)
    links = " wb-graph--links" if links_shown(view.query) else ""
    if quotes:
        chart = html.Figure(
            [
                dcc.Graph(
                    id=IDS["treemap"],
                    figure=make_sector_treemap(
                        quotes, dataset.instruments, theme, states, view.now
                    ),
                    config=GRAPH_CONFIG,
                    className="wb-graph sectors-treemap__graph" + links,
                ),
                caption(
                    snapshot,
                    theme,
                    change=change_words(snapshot, market_of(dataset), view.now, newest),
                ),
            ],
            className=f"sectors-figure sectors-figure--{snapshot.status.value}",
            **{
                "aria-label": f"{dataset.title}: treemap sized by weight, coloured by % change",
                HELD: f"treemap-{name}",
            },
        )
    else:
        chart = html.Div(
            [html.P(f"{dataset.title}: no data", className="sectors-nodata__title")],
            className="sectors-nodata",
            role="status",
        )
    return [
        html.Section(
            [
                reason(snapshot),
                html.Div(
                    [chart, ranking(quotes, dataset.instruments, theme, states, view.now)],
                    className="sectors-grid",
                ),
            ],
            className="sectors-scene",
            **{"data-dataset": name, "data-status": snapshot.status.value},
        )
    ]
