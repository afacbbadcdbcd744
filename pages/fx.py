"""FX scene: tiles for the majors, USD/CNH and the dollar index, and a heatmap of how every
cross rate between the quoted currencies moved since the previous close.

A cross is made of two quotes against USD (its legs: EUR/JPY of EUR/USD and USD/JPY), so a cell
is only as fresh as its worse leg: a cell with a stale, closed or fallback leg carries that
leg's mark and word ('⚠ stale'), and its tooltip names the leg, its source and its age. The
caption dates the matrix by its oldest leg and names the sources that gave the legs.

On an analyst's screen a click on a cell opens the instrument page of its first leg (the base
currency's, or the quote currency's in the USD row): each cell carries that id in its
customdata (components.tiles.cell_custom); a kiosk's cells open nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import plotly.graph_objects as go
from dash import dcc, html

from analytics.derived import CrossMatrix, fx_cross_matrix, fx_legs
from components.figures import DARK, GRAPH_CONFIG, ChartTheme, chart_theme
from components.format import arrow, format_age, format_pct, format_significant, rounded
from components.scene import CHART_HOLD_S, HELD, SceneView
from components.sections import reason
from components.tiles import (
    cell_custom,
    cell_title,
    linked_graph_id,
    links_shown,
    quote_tile,
    status_words,
)
from engine.freshness import Shown, state_shown
from providers.models import Quote, Snapshot, Status

SCENE = "fx"
HOLD_S = CHART_HOLD_S  # the heatmap is redrawn at most this often while prices stream
PCT_DECIMALS = 2  # a cell's % change, as labelled and coloured
# How far from live a leg is, for a cell's worse leg: a missing leg worst, then stale.
SEVERITY = {
    Status.OK: 0,
    Status.FALLBACK: 1,
    Status.CLOSED: 2,
    Status.STALE: 3,
    Status.EMPTY: 4,
    Status.ERROR: 5,
}


@dataclass(frozen=True)
class Leg:
    """A quote a cross rate is made of ('USD/JPY') with its own state and instrument id."""

    pair: str
    seen: Shown
    instrument: str = ""


def cross_legs(snapshot: Snapshot, now: datetime) -> dict[str, Leg]:
    """Each currency's leg (analytics.derived.fx_legs) with its state as of `now`."""
    return {
        currency: Leg(quote.name, state_shown(snapshot, quote.symbol, now), quote.symbol)
        for currency, quote in fx_legs(_quotes(snapshot)).items()
    }


def cell_legs(legs: Mapping[str, Leg], base: str, quote: str) -> list[Leg]:
    """The legs a base/quote cell is made of (USD is none: USD/JPY has one, EUR/JPY two)."""
    return [legs[c] for c in dict.fromkeys((base, quote)) if c in legs]


def worst(legs: list[Leg]) -> Status:
    """A cell's status: its worse leg's (OK with no legs)."""
    return max((leg.seen.status for leg in legs), key=SEVERITY.__getitem__, default=Status.OK)


def _plain(text: str) -> str:
    """Text from a feed or a fetch error as Plotly text: its pseudo-HTML tags neutralised."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def cell_text(pct: float | None) -> str:
    """A cell's label: '▲ +0.12%', '▼ -0.40%', '■ 0.00%'; '' on the diagonal / when unknown."""
    if pct is None:
        return ""
    return f"{arrow(pct, PCT_DECIMALS)} {format_pct(pct, PCT_DECIMALS, sign=True)}"


def wall_text(pct: float | None) -> str:
    """A cell's label on the wall: '+0.12', '-0.40', '0.00' (the colour bar says % chg)."""
    return "" if pct is None else format_pct(pct, PCT_DECIMALS, sign=True).removesuffix("%")


def cell_value(pct: float | None) -> float | None:
    """A cell's colour value: the change as its label shows it, so a cell reading '0.00%' sits
    on the scale's neutral grey like every other zero."""
    return None if pct is None else rounded(pct, PCT_DECIMALS)


def _cell(
    base: str,
    quote: str,
    rate: float | None,
    pct: float | None,
    legs: list[Leg],
    now: datetime | None,
) -> tuple[str, str]:
    """A cell's (text, tooltip): its change, its worse leg's mark and word when not live; the
    tooltip adds each leg's source, time and why (components.tiles.cell_title)."""
    if rate is None:  # the diagonal
        return "", ""
    state = status_words(worst(legs))
    text = "<br>".join(part for part in (cell_text(pct), state) if part)
    hover = f"{base}/{quote}: {format_significant(rate)}, {cell_text(pct) or 'no change known'}"
    titles = [_plain(cell_title(leg.pair, leg.seen, now)) for leg in legs]
    return text, "<br>".join([hover, *titles])


def cell_link(legs: list[Leg]) -> str:
    """The instrument a cell opens: its first leg's ('' when it has none, as on the diagonal)."""
    return next((leg.instrument for leg in legs if leg.instrument), "")


def make_cross_figure(
    matrix: CrossMatrix,
    theme: ChartTheme = DARK,
    legs: Mapping[str, Leg] | None = None,
    now: datetime | None = None,
    *,
    wall: bool = False,
) -> go.Figure:
    """Heatmap of cross-rate % changes: row = base, column = quote, diverging colours centred
    on 0 so a rise and a fall of the same size look equally strong.

    With `legs` (cross_legs, read at `now`), a cell whose worse leg is not live says so in its
    text ('▲ +0.12%', '⚠ stale') and its tooltip gives each leg's source, time and why.
    On the `wall` (a kiosk, where no chart answers a hover) the cells carry no tooltips or
    links, which were most of every changed tick's bytes for nobody, and their label is the
    signed change alone ('-0.04', in the colour bar's % chg), so it fits its cell at wall type
    sizes: each cell's state is in the caption, which names the legs not live.
    """
    currencies, legs = list(matrix.currencies), legs or {}
    z = [[cell_value(v) for v in row] for row in matrix.pct]
    cells = [
        [
            (
                *_cell(base, quote, rate, pct, cell_legs(legs, base, quote), now),
                cell_link(cell_legs(legs, base, quote)) if rate is not None else "",
            )
            for quote, rate, pct in zip(currencies, rates, pcts, strict=True)
        ]
        for base, rates, pcts in zip(currencies, matrix.rate, matrix.pct, strict=True)
    ]
    text = [[cell[0] for cell in row] for row in cells]
    tooltips: dict = {"hoverinfo": "skip"}
    if wall:
        text = [
            ["" if rate is None else wall_text(pct) for rate, pct in zip(rates, pcts, strict=True)]
            for rates, pcts in zip(matrix.rate, matrix.pct, strict=True)
        ]
    else:
        tooltips = {
            "customdata": [[cell_custom(cell[1], cell[2]) for cell in row] for row in cells],
            "hovertemplate": "%{customdata[0]}<extra></extra>",
        }
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=currencies,
            y=currencies,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 18},
            **tooltips,
            colorscale=theme.diverging,
            zmid=0,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "% chg"}, "ticksuffix": "%", "thickness": 14},
        )
    )
    figure.update_layout(
        template=theme.template,
        margin={"l": 80, "r": 16, "t": 76, "b": 16},
        xaxis={"title": {"text": "quote"}, "side": "top", "type": "category", "showgrid": False},
        yaxis={
            "title": {"text": "base"},
            "autorange": "reversed",
            "type": "category",
            "showgrid": False,
        },
        plot_bgcolor="rgba(0,0,0,0)",
    )
    figure.update_xaxes(tickfont={"size": 22}, title_font={"color": theme.muted})
    figure.update_yaxes(tickfont={"size": 22}, title_font={"color": theme.muted})
    return figure


def _quotes(snapshot: Snapshot) -> list[Quote]:
    return [r for r in snapshot.records if isinstance(r, Quote)]


def _no_data(message: str, snapshot: Snapshot) -> html.Div:
    return html.Div(
        [html.Span("no data", className="wb-fx__nodata-title"), html.Span(message)],
        className="wb-fx__nodata",
        role="note",
        title=snapshot.error or message,
    )


def heatmap_id(dataset: str) -> dict[str, str]:
    """The id of a dataset's heatmap graph (a linked graph: its cells open their instrument)."""
    return linked_graph_id(f"{SCENE}-heatmap-{dataset}")


def legs_caption(legs: Mapping[str, Leg], snapshot: Snapshot) -> str:
    """Where and when the matrix is from: the legs' sources, its oldest leg's time (never its
    newest), and the legs not live ('⚠ stale: USD/JPY 7 d'); the snapshot's when it has none."""
    held = [leg.seen for leg in legs.values() if leg.seen.as_of is not None]
    sources = "+".join(dict.fromkeys(seen.source for seen in held if seen.source))
    oldest = min((seen.as_of for seen in held), default=snapshot.as_of)
    when = f"as of {oldest:%d %b %Y %H:%M} UTC" if oldest else "time unknown"
    if len({seen.as_of for seen in held}) > 1:
        when += " (its oldest pair)"
    notes = []
    for status in sorted({seen.status for seen in held} - {Status.OK}, key=SEVERITY.__getitem__):
        pairs = [leg for leg in legs.values() if leg.seen.as_of and leg.seen.status is status]
        if len(pairs) == len(legs):
            notes.append(f"{status_words(status)}: all pairs")
            continue
        named = [
            f"{leg.pair} {format_age(leg.seen.age_s)}" if status is Status.STALE else leg.pair
            for leg in pairs
        ]
        notes.append(f"{status_words(status)}: {', '.join(named)}")
    parts = [f"{sources or snapshot.source or 'unknown source'}, {when}", *notes]
    return " · ".join(parts)


def cross_heatmap(
    name: str, snapshot: Snapshot, now: datetime, theme: ChartTheme = DARK, *, link: bool = False
) -> html.Figure | html.Div:
    """The heatmap with its caption (sources, oldest leg's time, legs not live), or 'no data'
    and why when it cannot be drawn. Each cell carries its legs' state as of `now`; with
    `link` (an analyst's screen) a click on a cell opens its instrument (pointer shown)."""
    matrix = fx_cross_matrix(_quotes(snapshot))
    known = any(v is not None for row in matrix.pct for v in row)
    if len(matrix.currencies) < 2 or not known:
        if snapshot.status in (Status.ERROR, Status.EMPTY) or len(matrix.currencies) < 2:
            why = snapshot.error or "no currency pairs quoted"
        else:
            why = "the source gives no previous close to measure a change from"
        return _no_data(f"Cross-rate changes: {why}", snapshot)
    legs = cross_legs(snapshot, now)
    caption = (
        f"Cross rates, % change since the previous close: row = base, column = quote · "
        f"{legs_caption(legs, snapshot)}"
    )
    graph = dcc.Graph(
        id=heatmap_id(name),
        figure=make_cross_figure(matrix, theme, legs, now, wall=not link),
        config=GRAPH_CONFIG,
        className="wb-graph wb-fx__heatmap" + (" wb-graph--links" if link else ""),
    )
    status = worst(list(legs.values()))
    return html.Figure(
        [graph, html.Figcaption(caption, className="wb-fx__caption")],
        className=f"wb-fx__figure wb-fx__figure--{status.value}",
        **{
            "aria-label": "Heatmap of cross-rate % changes between the quoted currencies",
            "data-status": status.value,
            HELD: f"heatmap-{name}",
        },
    )


def render(view: SceneView) -> list:
    """Pair tiles on the left, the cross-rate heatmap on the right."""
    body, theme, link = [], chart_theme(view.settings), links_shown(view.query)
    for name, snapshot in view.snapshots.items():
        tiles = [quote_tile(i, quote, snapshot, link=link) for i, quote in view.quoted(name)]
        body += [
            reason(snapshot),
            html.Div(
                [
                    html.Div(tiles, className="wb-tiles wb-quotes__tiles wb-fx__tiles"),
                    cross_heatmap(name, snapshot, view.now, theme, link=link),
                ],
                className="wb-quotes wb-fx",
                **{"data-dataset": name},
            ),
        ]
    return body
