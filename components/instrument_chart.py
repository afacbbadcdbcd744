"""The instrument page's chart: one instrument's bars over a range, as candles or a line, with
volume, the technicals scene's overlays each toggled, and a compare overlay in % performance.

Indicators are computed on every bar held (the lookup's five years of daily bars, or five
sessions of intraday ones), then the range's tail is drawn, so an SMA 200 on a 1M chart is the
real one, not one warming up at the left edge. With a compare series both are drawn as % change
from the range's first bar (prices in two units cannot share an axis); the price overlays are
then left out, since they are in the instrument's unit.

For analysts the chart has a crosshair hover (OHLC and every indicator shown, in one box),
zoom, pan and the mode bar (reset, PNG); on a kiosk it is a static picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics import indicators
from analytics.instrument_stats import performance, since
from components.figures import BARS_WITHOUT_TEXT, DARK, ChartTheme
from providers.models import Bar

SIGMA = "\N{GREEK SMALL LETTER SIGMA}"
STYLES = ("candles", "line")
# The overlays the technicals scene draws (pages/technicals.py), by their URL name.
PRICE_OVERLAYS = {
    "sma20": "SMA 20",
    "sma50": "SMA 50",
    "sma200": "SMA 200",
    "ema12": "EMA 12",
    "ema26": "EMA 26",
    "bollinger": f"Bollinger 20, 2{SIGMA}",
}
PANEL_OVERLAYS = {"rsi": "RSI 14", "macd": "MACD 12, 26, 9"}
OVERLAYS = {**PRICE_OVERLAYS, **PANEL_OVERLAYS}

# Analysts: the mode bar with reset and PNG (Plotly's own buttons), no lasso or box select.
INTERACTIVE_CONFIG = {
    "displayModeBar": True,
    "displaylogo": False,
    "responsive": True,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "filename": "instrument"},
}
KIOSK_CONFIG = {"staticPlot": True, "displayModeBar": False, "responsive": True}


def graph_config(interactive: bool, filename: str = "instrument") -> dict:
    """dcc.Graph's config: the mode bar and zoom for analysts, a static picture on a kiosk."""
    if not interactive:
        return dict(KIOSK_CONFIG)
    return {**INTERACTIVE_CONFIG, "toImageButtonOptions": {"format": "png", "filename": filename}}


@dataclass(frozen=True)
class Compare:
    """A second instrument drawn against the first, as % performance."""

    label: str
    bars: Sequence[Bar]


def _x(frame: pd.DataFrame, intraday: bool) -> list:
    """Times on the axis: UTC times for intraday bars, dates for daily ones (so two daily
    series stamped at different hours land on the same day)."""
    if intraday:
        return list(frame.index.tz_convert("UTC").tz_localize(None))
    return [f"{t:%Y-%m-%d}" for t in frame.index.tz_convert("UTC")]


def _breaks(frame: pd.DataFrame, intraday: bool) -> list[dict]:
    """Gaps to close up: weekends (unless the instrument trades then), and for intraday bars
    the hours outside the session when it does not run through midnight."""
    utc = frame.index.tz_convert("UTC")
    if len(utc) < 2 or (utc.day_of_week >= 5).any():
        return []
    breaks: list[dict] = [{"bounds": ["sat", "mon"]}]
    if intraday:
        hours = utc.hour + utc.minute / 60
        step = pd.Series(utc).diff().median()
        first, last = float(hours.min()), float(hours.max()) + step.total_seconds() / 3600
        if last - first < 23:
            breaks.append({"pattern": "hour", "bounds": [last, first]})
    else:
        days = pd.DatetimeIndex(utc.normalize().tz_localize(None))
        missing = pd.bdate_range(days[0], days[-1]).difference(days)
        if len(missing):
            breaks.append({"values": [f"{d:%Y-%m-%d}" for d in missing]})
    return breaks


def _line(x, y: pd.Series, name: str, style: dict, hover: bool, **kwargs) -> go.Scatter:
    return go.Scatter(
        x=x,
        y=y.round(6).tolist(),
        name=name,
        mode="lines",
        line=style,
        hoverinfo="x+y+name" if hover else "skip",
        hovertemplate=f"{name} %{{y:,.2f}}<extra></extra>" if hover else None,
        **kwargs,
    )


def _panels(overlays: Sequence[str]) -> list[str]:
    return ["price", "volume"] + [name for name in PANEL_OVERLAYS if name in overlays]


def make_instrument_figure(
    bars: Sequence[Bar],
    shown: int,
    label: str,
    *,
    style: str = "candles",
    overlays: Sequence[str] = (),
    compare: Compare | None = None,
    theme: ChartTheme = DARK,
    interactive: bool = True,
    revision: str = "",
) -> go.Figure:
    """The chart of the last `shown` of `bars` (oldest first), indicators computed on them all.

    `style` is candles or line; `overlays` names from OVERLAYS; `compare` draws a second series
    as % performance from the range's first bar (and the first series likewise, as a line).
    """
    frame = indicators.bars_frame(bars)
    intraday = indicators.is_intraday(frame)
    tail = frame.iloc[-shown:] if shown else frame.iloc[0:0]
    x = _x(tail, intraday)
    panels = _panels(overlays)
    heights = {"price": 0.62, "volume": 0.14, "rsi": 0.16, "macd": 0.18}
    total = sum(heights[p] for p in panels)
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.03,
        row_heights=[heights[p] / total for p in panels],
    )
    row = {name: i + 1 for i, name in enumerate(panels)}
    muted, series = theme.muted, theme.series

    if compare is not None:
        _draw_compare(fig, tail, x, label, compare, theme, intraday, interactive)
    elif style == "line":
        fig.add_trace(
            go.Scatter(
                x=x,
                y=tail["close"].tolist(),
                name=label,
                mode="lines",
                line={"color": series[0], "width": 2},
                hovertemplate="Close %{y:,.2f}<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=1,
        )
    else:
        fig.add_trace(
            go.Candlestick(
                x=x,
                open=tail["open"].tolist(),
                high=tail["high"].tolist(),
                low=tail["low"].tolist(),
                close=tail["close"].tolist(),
                name=label,
                increasing={"line": {"color": theme.up, "width": 1}, "fillcolor": theme.up},
                decreasing={"line": {"color": theme.down, "width": 1}, "fillcolor": theme.down},
                showlegend=False,
            ),
            row=1,
            col=1,
        )
    if compare is None:
        _draw_price_overlays(fig, frame, x, shown, overlays, theme, interactive)

    volume = tail["volume"].fillna(0)
    up = (tail["close"] >= tail["open"]).tolist()
    fig.add_trace(
        go.Bar(
            x=x,
            y=volume.tolist(),
            name="Volume",
            marker={"color": [theme.up if u else theme.down for u in up]},
            showlegend=False,
            hovertemplate="Volume %{y:,.0f}<extra></extra>",
            **BARS_WITHOUT_TEXT,
        ),
        row=row["volume"],
        col=1,
    )
    if "rsi" in row:
        strength = indicators.rsi(frame, 14).iloc[-shown:]
        fig.add_trace(
            _line(x, strength, "RSI 14", {"color": series[2], "width": 2}, interactive),
            row=row["rsi"],
            col=1,
        )
        for level in (30, 70):
            fig.add_hline(
                y=level, line={"color": muted, "width": 1, "dash": "dash"}, row=row["rsi"], col=1
            )
        fig.update_yaxes(title_text="RSI 14", range=[0, 100], tickvals=[30, 70], row=row["rsi"])
    if "macd" in row:
        line, signal, hist = (s.iloc[-shown:] for s in indicators.macd(frame, 12, 26, 9))
        fig.add_trace(
            go.Bar(
                x=x,
                y=hist.round(6).tolist(),
                name="MACD histogram",
                marker={"color": [theme.up if v >= 0 else theme.down for v in hist.fillna(0)]},
                showlegend=False,
                hoverinfo="skip",
                **BARS_WITHOUT_TEXT,
            ),
            row=row["macd"],
            col=1,
        )
        fig.add_trace(
            _line(x, line, "MACD 12, 26", {"color": series[0], "width": 2}, interactive),
            row=row["macd"],
            col=1,
        )
        fig.add_trace(
            _line(x, signal, "Signal 9", {"color": series[1], "width": 1.5}, interactive),
            row=row["macd"],
            col=1,
        )
        fig.update_yaxes(title_text="MACD", nticks=4, row=row["macd"])

    fig.update_layout(
        template=theme.template,
        margin={"l": 70, "r": 20, "t": 36, "b": 30},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        bargap=0.2,
        showlegend=True,
        hovermode="x unified" if interactive else False,
        dragmode="zoom" if interactive else False,
        # Zoom survives a redraw with new data, but not a change of range or instrument.
        uirevision=revision or label,
    )
    fig.update_xaxes(
        rangeslider_visible=False,
        rangebreaks=_breaks(tail, intraday),
        showspikes=interactive,
        spikemode="across",
        spikesnap="cursor",
        spikethickness=1,
        spikedash="dot",
        spikecolor=muted,
    )
    fig.update_yaxes(showspikes=interactive, spikemode="across", spikethickness=1, spikecolor=muted)
    fig.update_yaxes(
        title_text="% since start" if compare is not None else "Price",
        autorange=True,
        fixedrange=False,
        row=1,
    )
    fig.update_yaxes(title_text="Volume", nticks=3, row=row["volume"])
    return fig


def _draw_price_overlays(
    fig: go.Figure,
    frame: pd.DataFrame,
    x: list,
    shown: int,
    overlays: Sequence[str],
    theme: ChartTheme,
    hover: bool,
) -> None:
    series = theme.series
    lines = {
        "sma20": (lambda: indicators.sma(frame, 20), {"color": series[0], "width": 2}),
        "sma50": (lambda: indicators.sma(frame, 50), {"color": series[1], "width": 2}),
        "sma200": (lambda: indicators.sma(frame, 200), {"color": series[2], "width": 2.5}),
        "ema12": (lambda: indicators.ema(frame, 12), {"color": series[5], "width": 1.5}),
        "ema26": (lambda: indicators.ema(frame, 26), {"color": theme.accent, "width": 1.5}),
    }
    if "bollinger" in overlays:
        _mid, upper, lower = indicators.bollinger(frame, 20, 2)
        band = {"color": theme.muted, "width": 1, "dash": "dash"}
        fig.add_trace(
            _line(x, upper.iloc[-shown:], PRICE_OVERLAYS["bollinger"], band, hover), row=1, col=1
        )
        fig.add_trace(
            _line(
                x,
                lower.iloc[-shown:],
                "Bollinger lower",
                band,
                hover,
                fill="tonexty",
                fillcolor=theme.band_fill,
                showlegend=False,
            ),
            row=1,
            col=1,
        )
    for name, (compute, style) in lines.items():
        if name in overlays:
            fig.add_trace(
                _line(x, compute().iloc[-shown:], PRICE_OVERLAYS[name], style, hover), row=1, col=1
            )


def _draw_compare(
    fig: go.Figure,
    tail: pd.DataFrame,
    x: list,
    label: str,
    compare: Compare,
    theme: ChartTheme,
    intraday: bool,
    hover: bool,
) -> None:
    """Both series as % from the range's first bar; the compare series cut to the same start."""
    mine = [float(c) for c in tail["close"]]
    base = mine[0] if mine else 0.0
    ours = [(c / base - 1) * 100 for c in mine] if base else []
    start = tail.index[0].to_pydatetime() if len(tail) else None
    if not intraday and start is not None:
        # Daily bars are drawn by date: a compare bar stamped earlier that day still counts.
        start = start.replace(hour=0, minute=0, second=0, microsecond=0)
    other = since(compare.bars, start) if start is not None else []
    theirs = performance(other)
    other_frame = indicators.bars_frame(other) if other else None
    # The name is Plotly's own (fullData.name), not formatted into the template text.
    template = "%{y:+.2f}%<extra>%{fullData.name}</extra>"
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[round(v, 6) for v in ours],
            name=label,
            mode="lines",
            line={"color": theme.series[0], "width": 2},
            hovertemplate=template if hover else None,
            hoverinfo=None if hover else "skip",
            meta={"normalised": True},
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=_x(other_frame, intraday) if other_frame is not None else [],
            y=[round(v, 6) for v in theirs],
            name=compare.label,
            mode="lines",
            line={"color": theme.series[1], "width": 2, "dash": "dot"},
            hovertemplate=template if hover else None,
            hoverinfo=None if hover else "skip",
            meta={"normalised": True, "compare": True},
        ),
        row=1,
        col=1,
    )
