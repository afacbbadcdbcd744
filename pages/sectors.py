"""Sectors scene: a treemap of the S&P 500 sector ETFs, sized by index weight, coloured by the
day's % change on a fixed diverging scale (the same colour means the same move every day),
with a ranked list of the moves beside it.
"""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html
from plotly.colors import sample_colorscale

from components.badges import LOOK
from components.figures import DARK, GRAPH_CONFIG, ChartTheme, chart_theme
from components.format import direction, format_price
from components.scene import SceneView
from components.sections import reason
from config.schema import Instrument, RecordKind
from providers.models import Quote, Snapshot

SCENE = "sectors"
IDS = {"treemap": f"{SCENE}-treemap", "ranking": f"{SCENE}-ranking"}
SCALE_PCT = 3.0  # colours saturate at ±3 %: a fixed range, so a colour means the same move daily
MISSING_COLOUR = DARK.missing  # the dark theme's; each theme has its own
MISSING_TEXT = DARK.missing_text
DARK_TEXT, LIGHT_TEXT = "#0b0f14", "#f5f7fa"


def pct_text(pct: float | None) -> str:
    """'▲ +1.23%' — the arrow keeps direction readable without colour."""
    if pct is None:
        return "—"
    arrow = "▲" if pct > 0 else "▼" if pct < 0 else "■"
    return f"{arrow} {pct:+.2f}%"


def pct_colour(pct: float, theme: ChartTheme = DARK) -> str:
    """The diverging colour of a % change, clamped to ±SCALE_PCT and centred on 0."""
    position = (max(-SCALE_PCT, min(SCALE_PCT, pct)) + SCALE_PCT) / (2 * SCALE_PCT)
    return sample_colorscale(theme.diverging, [position])[0]


def _text_colour(rgb: str) -> str:
    """Dark text on light boxes, light text on dark ones (relative luminance)."""
    red, green, blue = (int(float(c)) for c in rgb.removeprefix("rgb(").rstrip(")").split(","))
    luminance = (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255
    return DARK_TEXT if luminance > 0.55 else LIGHT_TEXT


def _plain(text: str) -> str:
    """A name as Plotly text: its pseudo-HTML tags are neutralised."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def make_sector_treemap(
    quotes: list[Quote], instruments: list[Instrument], theme: ChartTheme = DARK
) -> go.Figure:
    """One box per configured sector: size = weight, colour = % change (fixed ±3 % scale),
    label = name, % change with arrow, price; a sector without a quote is grey, 'no data'."""
    by_symbol = {q.symbol: q for q in quotes}
    weights = [i.weight for i in instruments if i.weight]
    default_weight = sum(weights) / len(weights) if weights else 1.0
    labels, values, colours, fonts, texts = [], [], [], [], []
    for instrument in instruments:
        quote = by_symbol.get(instrument.id)
        labels.append(_plain(instrument.name))
        values.append(instrument.weight or default_weight)
        if quote is None or quote.change_pct is None:
            colours.append(theme.missing)
            fonts.append(theme.missing_text)
            price = "" if quote is None else f"<br>{format_price(quote.price, instrument)}"
            texts.append("no data" + price)
            continue
        colour = pct_colour(quote.change_pct, theme)
        colours.append(colour)
        fonts.append(_text_colour(colour))
        texts.append(f"{pct_text(quote.change_pct)}<br>{format_price(quote.price, instrument)}")
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
            },
            tiling={"pad": 2},
            pathbar={"visible": False},
            sort=True,
            hovertemplate="%{label}<br>%{text}<br>weight %{value:.1f}%<extra></extra>",
        )
    )
    fig.update_layout(template=theme.template, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return fig


def scale_legend(theme: ChartTheme = DARK) -> html.Div:
    """The colour key: the diverging gradient from -3 % to +3 %, with arrows."""
    stops = ", ".join(f"{colour} {position * 100:.0f}%" for position, colour in theme.diverging)
    return html.Div(
        [
            html.Span(f"▼ -{SCALE_PCT:.0f}% or less", className="sectors-scale__end"),
            html.Span(
                className="sectors-scale__bar",
                style={"background": f"linear-gradient(to right, {stops})"},
                **{"aria-hidden": "true"},
            ),
            html.Span(f"▲ +{SCALE_PCT:.0f}% or more", className="sectors-scale__end"),
        ],
        className="sectors-scale",
        **{"aria-label": f"Colour scale: % change from -{SCALE_PCT:.0f} to +{SCALE_PCT:.0f}"},
    )


def _swatch(colour: str) -> html.Span:
    """The box's colour next to its name in the ranking."""
    return html.Span(
        className="sectors-rank__swatch", style={"background": colour}, **{"aria-hidden": "true"}
    )


def ranking(
    quotes: list[Quote], instruments: list[Instrument], theme: ChartTheme = DARK
) -> html.Ol:
    """Sectors from best to worst move today; those without a quote last, 'no data'."""
    by_symbol = {q.symbol: q for q in quotes}
    moves = [
        (i, by_symbol[i.id].change_pct)
        for i in instruments
        if i.id in by_symbol and by_symbol[i.id].change_pct is not None
    ]
    moves.sort(key=lambda item: item[1], reverse=True)
    ranked = {i.id for i, _ in moves}
    missing = [i for i in instruments if i.id not in ranked]
    items = [
        html.Li(
            [
                _swatch(pct_colour(pct, theme)),
                html.Span(i.name, className="sectors-rank__name"),
                html.Span(pct_text(pct), className=f"sectors-rank__pct wb-{direction(pct)}"),
            ],
            className="sectors-rank__item",
            **{"data-instrument": i.id},
        )
        for i, pct in moves
    ] + [
        html.Li(
            [
                _swatch(theme.missing),
                html.Span(i.name, className="sectors-rank__name"),
                html.Span("no data", className="sectors-rank__pct wb-flat"),
            ],
            className="sectors-rank__item sectors-rank__item--missing",
            **{"data-instrument": i.id},
        )
        for i in missing
    ]
    return html.Ol(items, className="sectors-rank", id=IDS["ranking"])


def _when(snapshot: Snapshot) -> str:
    if snapshot.as_of is None:
        return "no data"
    return f"as of {snapshot.as_of:%a %d %b %Y %H:%M} UTC"


def caption(snapshot: Snapshot, theme: ChartTheme = DARK) -> html.Figcaption:
    """What the boxes mean, the data's time and its status in words."""
    icon, label = LOOK[snapshot.status]
    return html.Figcaption(
        [
            scale_legend(theme),
            html.Span(
                f"Box size: weight in the S&P 500 · colour: % change today · {_when(snapshot)} · ",
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
    if quotes:
        chart = html.Figure(
            [
                dcc.Graph(
                    id=IDS["treemap"],
                    figure=make_sector_treemap(quotes, dataset.instruments, theme),
                    config=GRAPH_CONFIG,
                    className="wb-graph sectors-treemap__graph",
                ),
                caption(snapshot, theme),
            ],
            className=f"sectors-figure sectors-figure--{snapshot.status.value}",
            **{"aria-label": f"{dataset.title}: treemap sized by weight, coloured by % change"},
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
                    [chart, ranking(quotes, dataset.instruments, theme)],
                    className="sectors-grid",
                ),
            ],
            className="sectors-scene",
            **{"data-dataset": name, "data-status": snapshot.status.value},
        )
    ]
