"""One look for every chart: the Plotly template, colours, and sparklines as tiny SVG images.

Sparklines are inline SVG (a data: URI on an <img>), not Plotly graphs: a tile grid of twenty
charts would cost twenty Plotly instances in the browser for a line with no axes.
"""

from __future__ import annotations

import math
from urllib.parse import quote

import plotly.graph_objects as go
import plotly.io as pio

# Same meanings as the CSS variables in assets/10_wallboard.css: green-cyan up, orange down
# stay distinct for the common colour blindnesses; arrows carry direction as well.
UP = "#3ddc97"
DOWN = "#ff8a4c"
FLAT = "#a3b1c2"
TEXT = "#e8edf3"
MUTED = "#a3b1c2"
GRID = "#263241"
PANEL = "#141b24"
SERIES = ("#7fd1ff", "#ffd166", "#c792ea", "#3ddc97", "#ff8a4c", "#9db4ff")
# Diverging and colour-blind-safe (ColorBrewer BrBG): brown-orange for down, teal for up, as
# the tiles' DOWN/UP, through a neutral grey at zero.
DIVERGING = [
    [0.0, "#a6611a"],
    [0.25, "#dfc27d"],
    [0.5, "#3a4656"],
    [0.75, "#80cdc1"],
    [1.0, "#018571"],
]

TEMPLATE_NAME = "wallboard"


def _template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            paper_bgcolor="rgba(0,0,0,0)",
            plot_bgcolor="rgba(0,0,0,0)",
            font={"color": TEXT, "size": 18, "family": "system-ui, sans-serif"},
            colorway=list(SERIES),
            margin={"l": 60, "r": 24, "t": 24, "b": 48},
            xaxis={"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID},
            yaxis={"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID},
            legend={"orientation": "h", "y": 1.08, "x": 0, "bgcolor": "rgba(0,0,0,0)"},
            hoverlabel={"font": {"size": 16}},
        )
    )


pio.templates[TEMPLATE_NAME] = _template()

# Charts on a wall are looked at, not used: no mode bar, no logo.
GRAPH_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}


def direction_colour(change: float | None) -> str:
    """The colour of a move."""
    if not change:
        return FLAT
    return UP if change > 0 else DOWN


SPARK_PAD = 5  # of 100: room for the stroke at the top and bottom


def sparkline_svg(values: list[float] | tuple[float, ...], colour: str) -> str | None:
    """A data: URI of an SVG polyline through the values, or None when there is nothing to draw."""
    points = [v for v in values if v is not None and math.isfinite(v)]
    if len(points) < 2:
        return None
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    # Whole numbers in a viewBox of one unit per point and 100 units high, stretched to the
    # tile: a short URI, because every price move sends it to every screen again.
    scale = 100 - 2 * SPARK_PAD
    coords = " ".join(
        f"{i},{round(SPARK_PAD + scale * (1 - (v - low) / span))}" for i, v in enumerate(points)
    )
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {len(points) - 1} 100' "
        f"preserveAspectRatio='none'><polyline fill='none' stroke='{colour}' "
        f"stroke-width='2' vector-effect='non-scaling-stroke' points='{coords}'/></svg>"
    )
    # Only what a data: URI must escape ('#' in colours, '%'); quotes and brackets stay as
    # they are (no JSON or URL escaping needed for them in an img src).
    return "data:image/svg+xml;utf8," + quote(svg, safe=":/=,. '<>-")
