"""The technicals chart for analysts: a crosshair hover with OHLC and every indicator's value,
zoom on the time axis with the price fitted to the bars in view, and the mode bar with reset and
PNG download. A kiosk's chart stays static (no hover, no mode bar, nothing focusable).

The price axis fits the candles in view, not the overlays: a 200-day average far below a month
of candles would otherwise squash them. The server fits the first view (`fit`); the browser
refits on every zoom or pan (assets/38t_technicals.js, `technicalsFit`), with the same margin,
which it reads from the figure's `layout.meta.fitPad`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date

import plotly.graph_objects as go

from components.figures import GRAPH_CONFIG, ChartTheme
from components.format import format_number, format_price
from config.schema import Instrument

FIT_PAD = 0.05  # of the span in view, above and below
# Mode bar: zoom and pan on time, reset, autoscale, PNG; nothing to select on a price chart.
REMOVED_BUTTONS = ["select2d", "lasso2d"]
PRICE_AXIS, RSI_AXIS, MACD_AXIS = "y", "y2", "y3"


def graph_config(symbol: str, last_day: date, interactive: bool) -> dict:
    """The chart's dcc.Graph config: static on a kiosk; for analysts the mode bar with reset,
    autoscale and a PNG named after the symbol and its last bar's date."""
    if not interactive:
        return {**GRAPH_CONFIG, "staticPlot": True}
    return {
        **GRAPH_CONFIG,
        "displayModeBar": True,
        "modeBarButtonsToRemove": REMOVED_BUTTONS,
        "toImageButtonOptions": {
            "format": "png",
            "filename": f"technicals-{symbol}-{last_day:%Y-%m-%d}",
            "scale": 2,
        },
    }


def fit(values: Iterable[float | None], pad: float = FIT_PAD) -> list[float] | None:
    """An axis range holding every finite value with `pad` of their span above and below (1 %
    of the level when they are all equal); None when there is none."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return None
    low, high = min(finite), max(finite)
    span = (high - low) or abs(high) * 0.01 or 1.0
    return [low - pad * span, high + pad * span]


def _texts(values: Sequence[float | None], shown) -> list[str]:
    return ["" if v is None or not math.isfinite(v) else shown(v) for v in values]


def for_analysts(fig: go.Figure, instrument: Instrument, theme: ChartTheme) -> go.Figure:
    """`fig` (pages.technicals.make_technicals_figure) with the analyst's hover, spikes, time
    zoom and fitted price axis. Values are written as the wall writes them (components.format):
    prices with the instrument's decimals, RSI and MACD with two."""

    def price(value: float) -> str:
        return format_price(value, instrument)

    for trace in fig.data:
        if trace.type == "candlestick":
            rows = zip(trace.open, trace.high, trace.low, trace.close, strict=True)
            trace.text = [
                f"O {price(o)} · H {price(h)} · L {price(lo)} · C {price(c)}"
                for o, h, lo, c in rows
            ]
            trace.hoverinfo = "text"
            continue
        on_price = trace.yaxis in (None, PRICE_AXIS)
        trace.text = _texts(trace.y, price if on_price else format_number)
        trace.hoverinfo = None
        # Only the values: the name is the unified label's own, beside the trace's colour.
        trace.hovertemplate = "%{text}"
    candles = next((t for t in fig.data if t.type == "candlestick"), None)
    price_range = fit([*candles.low, *candles.high]) if candles is not None else None
    spikes = {
        "showspikes": True,
        "spikemode": "across",
        "spikesnap": "cursor",
        "spikethickness": 1,
        "spikedash": "dot",
        "spikecolor": theme.muted,
    }
    fig.update_layout(
        hovermode="x unified",
        hoversubplots="axis",  # one label for the three panels, which share the time axis
        hoverlabel={"bgcolor": theme.panel, "bordercolor": theme.grid, "font": {"size": 15}},
        dragmode="zoom",
        meta={"fitPad": FIT_PAD},
    )
    fig.update_xaxes(**spikes)
    # Zoom and pan move time only; the browser then fits the price and MACD axes to the bars in
    # view (RSI keeps its 0-100 scale).
    fig.update_yaxes(fixedrange=True)
    fig.update_layout(yaxis={**spikes, "range": price_range, "autorange": price_range is None})
    return fig
