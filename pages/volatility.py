"""Volatility scene: the VIX big, its term structure (9-day to 6-month) and whether it is in
contango (calm, upward) or backwardation (stress, downward).

The term of each index comes from its instrument id (vix9d, vix, vix3m, vix6m), which is also
the symbol of every quote whatever the source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

import plotly.graph_objects as go
from dash import dcc, html

from components.badges import chart_caption
from components.figures import DARK, GRAPH_CONFIG, ChartTheme, chart_theme
from components.format import format_age, format_number, rounded
from components.scene import CHART_HOLD_S, HELD, SceneView
from components.sections import reason
from components.tiles import links_shown, quote_tile, status_words
from config.schema import RecordKind
from engine.freshness import Shown, state_shown
from providers.models import Quote, Snapshot, Status

SCENE = "volatility"
HOLD_S = CHART_HOLD_S  # the curve is redrawn at most this often while prices stream
IDS = {"term": f"{SCENE}-term", "shape": f"{SCENE}-shape", "tiles": f"{SCENE}-tiles"}

CONTANGO, BACKWARDATION, FLAT_SHAPE, UNKNOWN = "Contango", "Backwardation", "Flat", "Unknown"
SPOT_DAYS, THREE_MONTH_DAYS = 30, 91
LEVEL_DECIMALS = 2  # index points, as the tiles show them
_TERM = re.compile(r"^vix(?:(\d{1,2})([dm]))?$", re.IGNORECASE)
SHAPE_LOOK = {  # arrow, what it means
    CONTANGO: ("↗", "upward: VIX 3-month above VIX, markets calm"),
    BACKWARDATION: ("↘", "downward: VIX above VIX 3-month, a stress signal"),
    FLAT_SHAPE: ("→", "VIX level with VIX 3-month"),
    UNKNOWN: ("?", "needs VIX and VIX 3-month"),
}


def term_of(symbol: str) -> tuple[str, int] | None:
    """An index's place on the curve, (label, days): vix9d -> ('9D', 9), vix -> ('1M (VIX)', 30)."""
    match = _TERM.match(symbol.strip())
    if match is None:
        return None
    if match[1] is None:
        return "1M (VIX)", SPOT_DAYS
    count, unit = int(match[1]), match[2].upper()
    return f"{count}{unit}", count if unit == "D" else round(count * 30.4)


def term_structure(quotes: list[Quote]) -> list[tuple[str, Quote]]:
    """(label, quote) of each VIX-family quote, shortest term first; others are ignored."""
    placed = [(term, q) for q in quotes if (term := term_of(q.symbol)) is not None]
    placed.sort(key=lambda item: item[0][1])
    return [(label, q) for (label, _), q in placed]


def term_structure_shape(quotes: list[Quote]) -> str:
    """'Contango' when VIX 3-month is above the VIX, 'Backwardation' below, 'Flat' when equal
    at the shown precision, 'Unknown' without both."""
    by_days = {term[1]: q.price for q in quotes if (term := term_of(q.symbol)) is not None}
    spot, three = by_days.get(SPOT_DAYS), by_days.get(THREE_MONTH_DAYS)
    if spot is None or three is None:
        return UNKNOWN
    gap = rounded(three, LEVEL_DECIMALS) - rounded(spot, LEVEL_DECIMALS)
    if abs(gap) < 0.5 * 10**-LEVEL_DECIMALS:
        return FLAT_SHAPE
    return CONTANGO if gap > 0 else BACKWARDATION


def shape_colour(shape: str, theme: ChartTheme = DARK) -> str:
    """The colour of a shape: calm in the first series colour, stress as a fall, else flat."""
    return {CONTANGO: theme.series[0], BACKWARDATION: theme.down}.get(shape, theme.flat)


def point_note(seen: Shown | None) -> str:
    """What a point of the 'Now' line says of itself when it is not live: '⚠ stale 7 d',
    '☾ closed', '↺ fallback'; '' when live or unknown (a figure built without states)."""
    if seen is None or seen.status is Status.OK:
        return ""
    words = status_words(seen.status)
    return f"{words} {format_age(seen.age_s)}" if seen.status is Status.STALE else words


def make_term_structure_figure(
    quotes: list[Quote],
    theme: ChartTheme = DARK,
    states: Mapping[str, Shown] | None = None,
) -> go.Figure:
    """Level by term (9D, 1M (VIX), 3M, 6M), coloured by the shape; the previous close dashed.
    A point whose value is not live (`states`: id -> Shown) is drawn hollow and labelled with
    its state, so a week-old VIX on the 'Now' line says so next to it."""
    points = term_structure(quotes)
    colour = shape_colour(term_structure_shape(quotes), theme)
    labels = [label for label, _ in points]
    notes = [point_note((states or {}).get(q.symbol)) for _, q in points]
    fig = go.Figure()
    before = [(label, q.prev_close) for label, q in points if q.prev_close is not None]
    if before:
        fig.add_trace(
            go.Scatter(
                x=[label for label, _ in before],
                y=[value for _, value in before],
                customdata=[format_number(value, LEVEL_DECIMALS) for _, value in before],
                name="Previous close",
                mode="lines+markers",
                line={"color": theme.muted, "width": 2, "dash": "dash"},
                marker={"size": 7, "color": theme.muted},
                opacity=0.7,
                hovertemplate="%{x}: %{customdata}<extra>previous close</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=[q.price for _, q in points],
            name="Now",
            mode="lines+markers+text",
            text=[
                format_number(q.price, LEVEL_DECIMALS) + (f"<br>{note}" if note else "")
                for (_, q), note in zip(points, notes, strict=True)
            ],
            textposition="top center",
            textfont={"size": 26, "color": colour},
            line={"color": colour, "width": 5},
            marker={
                "size": 14,
                "color": colour,
                "symbol": ["circle-open" if note else "circle" for note in notes],
                "line": {"width": 3, "color": colour},
            },
            cliponaxis=False,
            hovertemplate="%{x}: %{text}<extra>now</extra>",
        )
    )
    values = [q.price for _, q in points] + [v for _, v in before]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = max((high - low) * 0.25, 1.0)
    fig.update_layout(
        template=theme.template,
        showlegend=bool(before),
        legend={"font": {"size": 20}},
        margin={"l": 70, "r": 40, "t": 56, "b": 56},
        xaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            "tickfont": {"size": 22},
        },
        yaxis={
            "title": {"text": "Index level"},
            "range": [max(0.0, low - pad), high + pad],
            "tickfont": {"size": 20},
            "nticks": 6,
        },
    )
    return fig


def caption(what: str, snapshot: Snapshot) -> html.Figcaption:
    """A chart's caption: what it shows, its data's time and its status in words."""
    return chart_caption(what, snapshot, class_name="vol-caption")


def shape_panel(quotes: list[Quote], names: dict[str, str]) -> html.Div:
    """The shape in words, large, with the VIX / VIX 3-month ratio."""
    shape = term_structure_shape(quotes)
    arrow, meaning = SHAPE_LOOK[shape]
    by_days = {term[1]: q for q in quotes if (term := term_of(q.symbol)) is not None}
    spot, three = by_days.get(SPOT_DAYS), by_days.get(THREE_MONTH_DAYS)
    detail = None
    if spot is not None and three is not None:
        spot_name, three_name = names.get(spot.symbol, "VIX"), names.get(three.symbol, "VIX 3M")
        detail = html.Div(
            f"{spot_name} / {three_name} = {format_number(spot.price / three.price, 2)}",
            className="vol-shape__ratio",
        )
    return html.Div(
        [
            html.Div("Term structure", className="vol-shape__label"),
            html.Div(
                f"{arrow} {shape if shape != UNKNOWN else 'no data'}",
                className="vol-shape__word",
            ),
            html.Div(meaning, className="vol-shape__meaning"),
            detail,
        ],
        id=IDS["shape"],
        className=f"vol-shape vol-shape--{shape.lower()}",
        role="status",
        **{"data-shape": shape},
    )


def _states(quotes: list[Quote], snapshot: Snapshot, now: datetime | None) -> dict[str, Shown]:
    when = now or snapshot.fetched_at or datetime.now(UTC)
    return {q.symbol: state_shown(snapshot, q.symbol, when) for q in quotes}


def term_figure(
    quotes: list[Quote],
    snapshot: Snapshot,
    theme: ChartTheme = DARK,
    now: datetime | None = None,
) -> html.Figure | html.Div:
    """The term-structure chart with its caption, or 'no data' and the reason."""
    if len(term_structure(quotes)) < 2:
        return html.Div(
            # the reason is shown once, at the top of the scene
            [html.P("Term structure: no data", className="vol-nodata__title")],
            className="vol-nodata",
            role="status",
        )
    graph = dcc.Graph(
        id=IDS["term"],
        figure=make_term_structure_figure(quotes, theme, _states(quotes, snapshot, now)),
        config=GRAPH_CONFIG,
        className="wb-graph vol-term__graph",
    )
    return html.Figure(
        [graph, caption("VIX term structure, index points", snapshot)],
        className=f"vol-figure vol-figure--{snapshot.status.value}",
        **{
            "aria-label": "VIX term structure: index level by term, 9 days to 6 months",
            HELD: "term",
        },
    )


def render(view: SceneView) -> list:
    """VIX and the shape on the left, the curve on the right, the other indices underneath."""
    name = view.first(RecordKind.QUOTE)
    snapshot, dataset = view.snapshot(name), view.dataset(name)
    quotes = [q for q in snapshot.records if isinstance(q, Quote)]
    by_symbol = snapshot.quotes_by_id()
    link = links_shown(view.query)
    names = {i.id: i.name for i in dataset.instruments}
    hero = next(
        (i for i in dataset.instruments if (term_of(i.id) or ("", 0))[1] == SPOT_DAYS),
        dataset.instruments[0],
    )
    others = [i for i in dataset.instruments if i.id != hero.id]
    return [
        html.Section(
            [
                reason(snapshot),
                html.Div(
                    [
                        html.Div(
                            [
                                html.Div(
                                    quote_tile(hero, by_symbol.get(hero.id), snapshot, link=link),
                                    className="vol-hero",
                                ),
                                shape_panel(quotes, names),
                            ],
                            className="vol-side",
                        ),
                        term_figure(quotes, snapshot, chart_theme(view.settings), view.now),
                    ],
                    className="vol-grid",
                ),
                html.Div(
                    [quote_tile(i, by_symbol.get(i.id), snapshot, link=link) for i in others],
                    className="wb-tiles vol-tiles",
                    id=IDS["tiles"],
                ),
            ],
            className="vol-scene",
            **{"data-dataset": name, "data-status": snapshot.status.value},
        )
    ]
