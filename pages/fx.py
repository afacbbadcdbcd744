"""FX scene: tiles for the majors, USD/CNH and the dollar index, and a heatmap of how every
cross rate between the quoted currencies moved since the previous close."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

from analytics.derived import CrossMatrix, fx_cross_matrix
from components.figures import DARK, GRAPH_CONFIG, ChartTheme, chart_theme
from components.format import arrow, format_pct, format_significant, rounded
from components.scene import SceneView
from components.sections import reason
from components.tiles import quote_tile
from providers.models import Quote, Snapshot, Status

SCENE = "fx"
PCT_DECIMALS = 2  # a cell's % change, as labelled and coloured


def cell_text(pct: float | None) -> str:
    """A cell's label: '▲ +0.12%', '▼ -0.40%', '■ 0.00%'; '' on the diagonal / when unknown."""
    if pct is None:
        return ""
    return f"{arrow(pct, PCT_DECIMALS)} {format_pct(pct, PCT_DECIMALS, sign=True)}"


def cell_value(pct: float | None) -> float | None:
    """A cell's colour value: the change as its label shows it, so a cell reading '0.00%' sits
    on the scale's neutral grey like every other zero."""
    return None if pct is None else rounded(pct, PCT_DECIMALS)


def make_cross_figure(matrix: CrossMatrix, theme: ChartTheme = DARK) -> go.Figure:
    """Heatmap of cross-rate % changes: row = base, column = quote, diverging colours centred
    on 0 so a rise and a fall of the same size look equally strong."""
    currencies = list(matrix.currencies)
    z = [[cell_value(v) for v in row] for row in matrix.pct]
    text = [[cell_text(v) for v in row] for row in matrix.pct]
    hover = [
        [
            f"{base}/{quote}: {format_significant(rate)}, {cell_text(pct) or 'no change known'}"
            if rate is not None
            else ""
            for quote, rate, pct in zip(currencies, rates, pcts, strict=True)
        ]
        for base, rates, pcts in zip(currencies, matrix.rate, matrix.pct, strict=True)
    ]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=currencies,
            y=currencies,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 18},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
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


def heatmap_id(dataset: str) -> str:
    """The id of a dataset's heatmap graph."""
    return f"{SCENE}-heatmap-{dataset}"


def cross_heatmap(
    name: str, snapshot: Snapshot, theme: ChartTheme = DARK
) -> html.Figure | html.Div:
    """The heatmap with its caption (as-of time), or 'no data' and why when it cannot be drawn."""
    matrix = fx_cross_matrix(_quotes(snapshot))
    known = any(v is not None for row in matrix.pct for v in row)
    if len(matrix.currencies) < 2 or not known:
        if snapshot.status in (Status.ERROR, Status.EMPTY) or len(matrix.currencies) < 2:
            why = snapshot.error or "no currency pairs quoted"
        else:
            why = "the source gives no previous close to measure a change from"
        return _no_data(f"Cross-rate changes: {why}", snapshot)
    as_of = f"as of {snapshot.as_of:%d %b %Y %H:%M} UTC" if snapshot.as_of else "time unknown"
    caption = (
        f"Cross rates, % change since the previous close: row = base, column = quote · "
        f"{snapshot.source or 'unknown source'}, {as_of}"
    )
    graph = dcc.Graph(
        id=heatmap_id(name),
        figure=make_cross_figure(matrix, theme),
        config=GRAPH_CONFIG,
        className="wb-graph wb-fx__heatmap",
    )
    return html.Figure(
        [graph, html.Figcaption(caption, className="wb-fx__caption")],
        className="wb-fx__figure",
        **{"aria-label": "Heatmap of cross-rate % changes between the quoted currencies"},
    )


def render(view: SceneView) -> list:
    """Pair tiles on the left, the cross-rate heatmap on the right."""
    body, theme = [], chart_theme(view.settings)
    for name, snapshot in view.snapshots.items():
        dataset = view.dataset(name)
        by_symbol = {q.symbol: q for q in _quotes(snapshot)}
        tiles = [quote_tile(i, by_symbol.get(i.id), snapshot) for i in dataset.instruments]
        body += [
            reason(snapshot),
            html.Div(
                [
                    html.Div(tiles, className="wb-tiles wb-quotes__tiles wb-fx__tiles"),
                    cross_heatmap(name, snapshot, theme),
                ],
                className="wb-quotes wb-fx",
                **{"data-dataset": name},
            ),
        ]
    return body
