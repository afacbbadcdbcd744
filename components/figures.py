"""One look for every chart: the Plotly templates, colours, and the points of the sparklines.

The theme (`theme: dark | light` in the configuration) decides every chart colour in one place,
`chart_theme(settings)`: the page CSS follows `data-bs-theme`, the charts their ChartTheme.

Sparklines are a <canvas> that assets/37s_sparklines.js draws from the points the tile carries,
not Plotly graphs: a tile grid of twenty charts would cost twenty Plotly instances in the
browser for a line with no axes. Not images either: a unique data: URI per value filled
Chromium's image cache on a kiosk (issue 20).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio

from components.format import direction
from config.schema import Settings

# Same meanings and values as the CSS variables in assets/10_wallboard.css (--wb-up, --wb-down,
# and --wb-muted for no move: zero is the one grey everywhere): green-cyan up, orange down
# stay distinct for the common colour blindnesses; arrows carry direction as well. These are the
# dark theme's; `chart_theme` gives the colours of the configured theme.
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


@dataclass(frozen=True)
class ChartTheme:
    """Every colour a chart uses in one theme, and the name of its Plotly template."""

    template: str
    text: str
    muted: str
    grid: str
    panel: str  # what a chart sits on: separators drawn in it disappear into the panel
    up: str
    down: str
    flat: str
    series: tuple[str, ...]
    accent: str  # a seventh line colour, apart from the series (technicals' EMA 26)
    band_fill: str  # a translucent area between two lines (Bollinger bands)
    missing: str  # a box without data (sectors)
    missing_text: str
    diverging: list[list]  # a Plotly colorscale, neutral at 0.5

    def direction_colour(self, change: float | None, decimals: int | None = None) -> str:
        """The colour of a move; with `decimals`, of the move as shown, so a change that reads
        '0.00' is the flat grey like every other zero (components.format.direction)."""
        return self.colour_of(direction(change, decimals))

    def colour_of(self, move: str) -> str:
        """The colour of a direction ('up', 'down', 'flat': format.direction, quote_direction)."""
        return {"up": self.up, "down": self.down}.get(move, self.flat)


DARK = ChartTheme(
    template="wallboard",
    text=TEXT,
    muted=MUTED,
    grid=GRID,
    panel=PANEL,
    up=UP,
    down=DOWN,
    flat=FLAT,
    series=SERIES,
    accent="#f2a7d8",
    band_fill="rgba(163, 177, 194, 0.10)",
    missing="#1b222c",
    missing_text="#7d8a99",
    diverging=DIVERGING,
)
# The light theme's CSS colours (assets/10_wallboard.css), with series dark enough to read on
# white; the diverging scale keeps its ends and turns light grey at zero.
LIGHT = ChartTheme(
    template="wallboard-light",
    text="#0b0f14",
    muted="#4a5868",
    grid="#dde3ea",
    panel="#ffffff",
    up="#0a7d4f",
    down="#b54708",
    flat="#4a5868",
    series=("#0b6aa2", "#8a6100", "#7b3fb0", "#0a7d4f", "#b54708", "#3b55b5"),
    accent="#b0307a",
    band_fill="rgba(74, 88, 104, 0.10)",
    missing="#f5f7fa",  # as the page: a box without data is blank, as on the dark theme
    missing_text="#5b6878",
    diverging=[
        [0.0, "#a6611a"],
        [0.25, "#dfc27d"],
        [0.5, "#d5dbe2"],
        [0.75, "#80cdc1"],
        [1.0, "#018571"],
    ],
)
THEMES = {"dark": DARK, "light": LIGHT}


def chart_theme(settings: Settings) -> ChartTheme:
    """The chart colours and template of the configured theme (`theme: dark | light`)."""
    return THEMES[settings.theme]


def _template(theme: ChartTheme) -> go.layout.Template:
    grid = {"gridcolor": theme.grid, "zerolinecolor": theme.grid, "linecolor": theme.grid}
    return go.layout.Template(
        layout=go.Layout(
            paper_bgcolor="rgba(0,0,0,0)",
            plot_bgcolor="rgba(0,0,0,0)",
            font={"color": theme.text, "size": 18, "family": "system-ui, sans-serif"},
            colorway=list(theme.series),
            margin={"l": 60, "r": 24, "t": 24, "b": 48},
            xaxis=grid,
            yaxis=grid,
            legend={"orientation": "h", "y": 1.08, "x": 0, "bgcolor": "rgba(0,0,0,0)"},
            hoverlabel={"font": {"size": 16}},
        )
    )


for _theme in THEMES.values():
    pio.templates[_theme.template] = _template(_theme)

# Charts on a wall are looked at, not used: no mode bar, no logo.
GRAPH_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}

# Bars that carry no text say so: with its default textposition ("auto") plotly.js still lays
# out a label for every bar, measuring each in the page. On the technicals figure's 250 MACD
# bars that was two thirds of its draw (151 -> 68 ms in Chromium here), more with the page's
# own layout to redo around every measurement.
BARS_WITHOUT_TEXT = {"textposition": "none"}


def direction_colour(
    change: float | None, theme: ChartTheme = DARK, decimals: int | None = None
) -> str:
    """The colour of a move (as shown with `decimals`: see ChartTheme.direction_colour)."""
    return theme.direction_colour(change, decimals)


SPARK_PAD = 5  # of 100: room for the stroke at the top and bottom


def sparkline_points(values: list[float] | tuple[float, ...]) -> str | None:
    """The sparkline's polyline points ("x,y x,y ..."), or None when there is nothing to draw."""
    points = [v for v in values if v is not None and math.isfinite(v)]
    if len(points) < 2:
        return None
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    # Whole numbers: x is the point's index, y runs 0 (top) to 100 (bottom), and the browser
    # stretches that box over the canvas. Short, because every price move sends it to every
    # screen again.
    scale = 100 - 2 * SPARK_PAD
    return " ".join(
        f"{i},{round(SPARK_PAD + scale * (1 - (v - low) / span))}" for i, v in enumerate(points)
    )
