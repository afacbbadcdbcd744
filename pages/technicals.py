"""Technicals scene: one symbol's daily candles with moving averages, Bollinger bands, RSI, MACD.

The chart shows the history dataset's last `history_bars` (config; more when more are held past
the warm-up, fewer with a shorter `?range=`) and computes every indicator
on all the bars held: the sources fetch `analytics.indicators.WARM_UP_BARS` more, so each
indicator on the first shown bar is already its warmed value (to 1e-6); the caption says so when
fewer are held. The readout and the caption date, source and judge the shown symbol by its own
state (engine.freshness.state_shown), not its dataset's: a symbol a week old among live ones
reads "as of <its time> · ⚠ stale, 7 d old" and its caption names its own source and why.

The symbol comes from the URL (`?symbol=<instrument id>` of the history dataset), else the
first configured one; an unknown value says so and falls back to the first (nothing is fetched:
the page only reads the cache). A picker in the page switches symbol: its callback redraws the
chart and writes the choice into the frame's query store, so a body re-rendered on new data
keeps showing the chosen symbol.

For analysts (any screen but `?kiosk=1`) the chart hovers with OHLC and every indicator's value
across the three panels, zooms and pans in time with the price axis fitted to the bars in view,
and has the mode bar with reset and PNG (components/technicals_view.py). `?range=` (1M, 3M, 6M,
YTD, 1Y, All: components/technicals_range.py) picks the window; the range links and the symbol
buttons put their choice in the URL with a history entry, so Back returns to the view before
and a copied URL opens the same one. A kiosk's chart is static, with nothing to click or focus.

Kiosk mode (`?kiosk=1` with no `symbol`) cycles through the symbols every 10 s. The choice is
a pure function of the board clock, `int(now.timestamp() // 10) % n`, so every wall screen shows
the same symbol at the same time: the first render picks it from `view.now`, then a 2 s
dcc.Interval in the body asks for the current slot's symbol and sets the picker value when it
changed (within 2 s of the slot boundary; a 10 s interval would alias against the 10 s slots and
skip turns). The picker's own callback then redraws the chart; it leaves the frame's query
without a symbol, so a body re-rendered on new data keeps cycling.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from analytics import indicators
from components import technicals_range, technicals_view
from components.figures import BARS_WITHOUT_TEXT, DARK, ChartTheme, chart_theme
from components.format import age_words, direction, format_change, format_number, format_price
from components.mode import kiosk
from components.scene import SceneView, drawn_once, ids, query_state, view_of
from components.sections import reason
from components.tiles import status_words
from config.schema import Dataset, Instrument, RecordKind
from engine.freshness import Shown, state_shown
from providers.models import Bar, Snapshot, Status
from web.boards import current_board

SCENE = "technicals"
DEFAULT_SHOWN = Dataset.model_fields["history_bars"].default  # a figure built without a view
KIOSK_CYCLE_S = 10
CYCLE_S = KIOSK_CYCLE_S  # the kiosk's body shows the symbol of the turn (the frame's page memo)
KIOSK_POLL_MS = 2000  # well under the cycle, so no slot is skipped
SIGMA = "\N{GREEK SMALL LETTER SIGMA}"
MAX_SHOWN_QUERY = 40  # an unknown symbol from the URL is echoed at most this long
# Each panel's y domain: price, RSI and MACD take 62, 18 and 20 % of the height left by two 3 %
# gaps, top to bottom.
PANELS = {"y": [0.4172, 1.0], "y2": [0.218, 0.3872], "y3": [0.0, 0.188]}

PICK = "technicals-pick"
IDS = {
    "picker": "technicals-symbol",
    "chart": "technicals-chart",
    "cycle": "technicals-cycle",
    "graph": "technicals-graph",
}


def overlays(theme: ChartTheme) -> dict[str, dict]:
    """The overlays' line styles: none of them is the candles' up/down colour."""
    series = theme.series
    return {
        "SMA 20": {"color": series[0], "width": 2},
        "SMA 50": {"color": series[1], "width": 2},
        "SMA 200": {"color": series[2], "width": 2.5},
        "EMA 12": {"color": series[5], "width": 1.5, "dash": "dot"},
        "EMA 26": {"color": theme.accent, "width": 1.5, "dash": "dot"},
    }


# --- the symbol shown ---------------------------------------------------------------------


def history(view: SceneView) -> str:
    """The scene's dataset of daily (or intraday) bars, as its configuration names it."""
    return view.first(RecordKind.BAR)


def shown_bars(view: SceneView) -> int:
    """How many bars the chart shows: the history dataset's `history_bars`."""
    return view.dataset(history(view)).history_bars


def instruments(view: SceneView) -> list[Instrument]:
    """The configured instruments of the scene's bar dataset, in config order."""
    return list(view.dataset(history(view)).instruments)


def cycling(query: dict | None) -> bool:
    """Whether the chart cycles through the symbols: kiosk mode with no symbol in the URL."""
    query = query or {}
    return kiosk(query) and not query.get("symbol")


def kiosk_pick(choices: Sequence[str], now: datetime) -> str:
    """The symbol a kiosk shows at `now`: the same on every screen, the next one every 10 s."""
    return choices[int(now.timestamp() // KIOSK_CYCLE_S) % len(choices)]


def _shown(text: str) -> str:
    # No control or format characters (NUL, escapes, line breaks, bidi overrides) in the message.
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= MAX_SHOWN_QUERY else text[: MAX_SHOWN_QUERY - 1] + "…"


def choose(view: SceneView) -> tuple[Instrument, str | None]:
    """The instrument to show and, when the URL named an unknown one, a message saying so."""
    options = instruments(view)
    by_id = {i.id: i for i in options}
    asked = view.query.get("symbol")
    if cycling(view.query):
        return by_id[kiosk_pick([i.id for i in options], view.now)], None
    if not asked:
        return options[0], None
    if isinstance(asked, str) and asked in by_id:
        return by_id[asked], None
    return options[0], unknown_symbol(asked, options)


def unknown_symbol(asked: object, options: Sequence[Instrument]) -> str:
    """The message for a symbol the board does not have: what was asked (cut), what exists."""
    listed = ", ".join(f"{i.name} ({i.id})" for i in options)
    return f"Unknown symbol '{_shown(str(asked))}'. Choose one of: {listed}"


# --- the figure ---------------------------------------------------------------------------


def _line(x, y: pd.Series, name: str, style: dict, **kwargs) -> go.Scatter:
    return go.Scatter(
        x=x, y=y.round(4).tolist(), name=name, mode="lines", line=style, hoverinfo="skip", **kwargs
    )


def _missing_weekdays(days: pd.DatetimeIndex) -> list[str]:
    """Weekdays between the first and last bar with no bar (holidays): gaps to hide."""
    if days.empty:
        return []
    weekdays = pd.bdate_range(days[0], days[-1])
    return [f"{d:%Y-%m-%d}" for d in weekdays.difference(days)]


def make_technicals_figure(
    bars: Sequence[Bar], symbol_name: str, theme: ChartTheme = DARK, shown: int = DEFAULT_SHOWN
) -> go.Figure:
    """Candles with SMA 20/50/200, EMA 12/26 and Bollinger (20, 2 sd); RSI 14 and MACD below.

    Indicators are computed on every bar given, then the last `shown` are drawn: with
    `indicators.bars_to_fetch(shown)` bars given (what the sources fetch), every indicator at
    the left edge equals its value on an arbitrarily long history (to 1e-6). Daily bars
    are drawn by date with weekends and holidays closed up; intraday bars by time, with a VWAP
    anchored per session (a daily bar has no session to anchor one to).
    """
    frame = indicators.bars_frame(bars)
    intraday = indicators.is_intraday(frame)
    lines = {
        "SMA 20": indicators.sma(frame, 20),
        "SMA 50": indicators.sma(frame, 50),
        "SMA 200": indicators.sma(frame, 200),
        "EMA 12": indicators.ema(frame, 12),
        "EMA 26": indicators.ema(frame, 26),
    }
    _mid, upper, lower = indicators.bollinger(frame, 20, 2)
    strength = indicators.rsi(frame, 14)
    macd_line, signal, hist = indicators.macd(frame, 12, 26, 9)
    vwap = indicators.vwap(frame) if intraday else None
    up, down, muted = theme.up, theme.down, theme.muted
    styles, band = overlays(theme), {"color": muted, "width": 1, "dash": "dash"}
    macd_line_colour, macd_signal_colour, rsi_colour = theme.series[:3]

    tail = slice(-shown, None)
    shown = frame.iloc[tail]
    x = (
        list(shown.index.tz_convert("UTC").tz_localize(None))
        if intraday
        else [f"{t:%Y-%m-%d}" for t in shown.index]
    )

    # One time axis for the three panels (price, RSI, MACD stacked by their y domains), so an
    # analyst's hover shows every panel's values at once (`hoversubplots`, technicals_view).
    fig = go.Figure()

    def add(trace, panel: str) -> None:
        fig.add_trace(trace.update(xaxis="x", yaxis=panel))

    add(
        go.Candlestick(
            x=x,
            open=shown["open"].tolist(),
            high=shown["high"].tolist(),
            low=shown["low"].tolist(),
            close=shown["close"].tolist(),
            name=symbol_name,
            increasing={"line": {"color": up, "width": 1}, "fillcolor": up},
            decreasing={"line": {"color": down, "width": 1}, "fillcolor": down},
            showlegend=False,
        ),
        "y",
    )
    add(_line(x, upper.iloc[tail], f"Bollinger 20, 2{SIGMA}", band), "y")
    add(
        _line(
            x,
            lower.iloc[tail],
            "Bollinger lower",
            band,
            fill="tonexty",
            fillcolor=theme.band_fill,
            showlegend=False,
        ),
        "y",
    )
    for name, series in lines.items():
        add(_line(x, series.iloc[tail], name, styles[name]), "y")
    if vwap is not None:
        add(
            _line(x, vwap.iloc[tail], "VWAP", {"color": theme.text, "width": 2, "dash": "dashdot"}),
            "y",
        )

    add(
        _line(
            x, strength.iloc[tail], "RSI 14", {"color": rsi_colour, "width": 2}, showlegend=False
        ),
        "y2",
    )
    for level in (30, 70):
        fig.add_shape(
            type="line",
            xref="x domain",
            x0=0,
            x1=1,
            yref="y2",
            y0=level,
            y1=level,
            line={"color": muted, "width": 1, "dash": "dash"},
        )

    histogram = hist.iloc[tail]
    add(
        go.Bar(
            x=x,
            y=histogram.round(4).tolist(),
            name="MACD histogram",
            marker={"color": [up if v >= 0 else down for v in histogram.fillna(0)]},
            showlegend=False,
            hoverinfo="skip",
            **BARS_WITHOUT_TEXT,
        ),
        "y3",
    )
    add(
        _line(x, macd_line.iloc[tail], "MACD 12, 26", {"color": macd_line_colour, "width": 2}), "y3"
    )
    add(_line(x, signal.iloc[tail], "Signal 9", {"color": macd_signal_colour, "width": 1.5}), "y3")

    fig.update_layout(
        template=theme.template,
        margin={"l": 80, "r": 20, "t": 44, "b": 30},
        legend={
            "orientation": "h",
            "traceorder": "normal",
            "y": 1.0,
            "yanchor": "bottom",
            "x": 0,
            "font": {"size": 18},
        },
        bargap=0.2,
        showlegend=True,
        hovermode=False,
        uirevision=symbol_name,
        # The panels' heights as 62 / 18 / 20 % of the plot, 3 % apart; time along the bottom.
        xaxis={"anchor": "y3", "rangeslider": {"visible": False}, "tickfont": {"size": 20}},
        yaxis={"domain": PANELS["y"], "title_text": "Price", "nticks": 6},
        yaxis2={
            "domain": PANELS["y2"],
            "title_text": "RSI 14",
            "range": [0, 100],
            "tickvals": [30, 70],
        },
        yaxis3={"domain": PANELS["y3"], "title_text": "MACD", "nticks": 4},
    )
    fig.update_yaxes(anchor="x", tickfont={"size": 18}, title_font={"size": 18, "color": muted})
    if not intraday:
        days = pd.DatetimeIndex(shown.index.tz_convert("UTC").normalize().tz_localize(None))
        breaks = [{"bounds": ["sat", "mon"]}]
        if missing := _missing_weekdays(days):
            breaks.append({"values": missing})
        fig.update_xaxes(rangebreaks=breaks)
    return fig


# --- the body -----------------------------------------------------------------------------


def _bars_of(snapshot: Snapshot, symbol: str) -> list[Bar]:
    return sorted(
        (b for b in snapshot.records if isinstance(b, Bar) and b.symbol == symbol),
        key=lambda b: b.time,
    )


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else f"{moment:%a %d %b %Y %H:%M} UTC"


def _number(value: float | None) -> str:
    return format_number(None if value is None or not math.isfinite(value) else value)


def state_note(seen: Shown) -> str:
    """What the readout says next to the time when the symbol is not live: ' · ⚠ stale, 7 d
    old', ' · ☾ closed', ' · ↺ fallback'; '' when live."""
    if seen.status is Status.OK:
        return ""
    note = f" · {status_words(seen.status)}"
    if seen.status is Status.STALE and seen.age_s is not None:
        note += f", {age_words(seen.age_s)} old"
    return note


def readout(instrument: Instrument, bars: Sequence[Bar], seen: Shown) -> html.Div:
    """The last close, its change on the bar before, the indicator values, and the symbol's own
    time and state (`seen`: state_shown), with its age in words when stale."""
    last = bars[-1]
    prev = bars[-2].close if len(bars) > 1 else None
    change = None if prev is None else last.close - prev
    pct = None if prev is None else change / prev * 100
    closes = pd.Series([b.close for b in bars])
    strength = indicators.rsi(closes, 14).iloc[-1]
    line, signal, _ = indicators.macd(closes, 12, 26, 9)
    return html.Div(
        [
            html.Span(instrument.name, className="wb-technicals__name"),
            html.Span(format_price(last.close, instrument), className="wb-technicals__price"),
            html.Span(
                format_change(change, pct, last.close, instrument),
                className=f"wb-technicals__change wb-{direction(change)}",
            ),
            html.Span(
                f"RSI 14 {_number(strength)} · MACD {_number(line.iloc[-1])}"
                f" / signal {_number(signal.iloc[-1])}",
                className="wb-technicals__values",
            ),
            html.Span(
                f"Last bar {last.time:%a %d %b %Y} · as of {_when(seen.as_of)}{state_note(seen)}",
                className="wb-technicals__asof",
                **({"title": seen.reason} if seen.reason else {}),
            ),
        ],
        className="wb-technicals__readout",
        **{
            "data-instrument": instrument.id,
            "data-status": seen.status.value,
            "data-source": seen.source,
        },
    )


def settling(held: int, shown: int) -> int:
    """How many of the `shown` bars still carry some indicator warm-up when `held` bars are
    held (0 when the sources sent the full warm-up before them)."""
    shown = min(shown, held)
    return max(0, min(shown, indicators.WARM_UP_BARS - (held - shown)))


def _caption(
    instrument: Instrument, bars: Sequence[Bar], seen: Shown, count: int = DEFAULT_SHOWN
) -> str:
    """What the chart shows, and its symbol's own time, source and status (`seen`), with why
    when it is not live."""
    shown = bars[-count:]
    intraday = indicators.is_intraday(indicators.bars_frame(bars[-3:]))
    vwap = (
        "VWAP anchored per UTC session."
        if intraday
        else "VWAP not shown: it is anchored per intraday session and these bars are daily."
    )
    source = f" · {seen.source}" if seen.source else ""
    status = seen.status.value + (
        f": {seen.reason}" if seen.reason and seen.status is not Status.OK else ""
    )
    held, cold = format_number(len(bars), 0), settling(len(bars), count)
    warm = (
        f"Only {held} bars held: the indicators are still warming up over the first "
        f"{format_number(cold, 0)} shown. "
        if cold
        else ""
    )
    kind, last = "intraday" if intraday else "daily", format_number(len(shown), 0)
    return (
        f"{instrument.name}: {kind} candles, last {last} "
        f"bars ({shown[0].time:%d %b %Y} to {shown[-1].time:%d %b %Y}); SMA 20/50/200, "
        f"EMA 12/26 and Bollinger bands (20, 2{SIGMA}); RSI 14 with 30/70 lines; MACD (12, 26, 9). "
        f"{warm}{vwap} Data as of {_when(seen.as_of)}{source} · {status}."
    )


def _no_data(instrument: Instrument, snapshot: Snapshot) -> html.Div:
    return html.Div(
        [
            html.P(f"{instrument.name}: no data", className="wb-technicals__nodata"),
            reason(snapshot),
        ],
        className="wb-technicals__empty",
        role="status",
        **{"data-instrument": instrument.id},
    )


def interactive(view: SceneView) -> bool:
    """Whether the screen is an analyst's (not `?kiosk=1`): hover, zoom, links and buttons."""
    return not kiosk(view.query)


def choose_range(view: SceneView) -> tuple[str, str | None]:
    """The range the URL asks for (`?range=`, any case) and a note when it is not one of ours."""
    return technicals_range.parse_range(view.query.get("range"))


def range_links(view: SceneView, instrument: Instrument, chosen: str) -> html.Nav:
    """One link per range, each the URL of this view with that range: a click is a history
    entry, Back returns to the range before, and a copied link opens the same chart. The range
    shown is text marked current, not a link."""
    query = {**view.query, "symbol": instrument.id}
    items = []
    for name in technicals_range.RANGES:
        if name == chosen:
            items.append(html.Span(name, className=_choice_class(True), **{"aria-current": "true"}))
            continue
        href = f"/{SCENE}?{urlencode(technicals_range.range_query(query, name))}"
        # text-decoration-none (Bootstrap): a pill like the symbol buttons, not underlined.
        link_class = f"{_choice_class(False)} text-decoration-none"
        items.append(dcc.Link(name, href=href, className=link_class))
    return html.Nav(
        [html.Span("Range", className="wb-technicals__label"), *items],
        className="wb-technicals__picker wb-technicals__ranges",
        **{"aria-label": "Chart range"},
    )


def chart_panel(view: SceneView, instrument: Instrument, notice: str | None = None) -> list:
    """The readout, chart and caption of one symbol ('no data' and the reason when it has none),
    with the range links on an analyst's screen."""
    snapshot = view.snapshot(history(view))
    bars = _bars_of(snapshot, instrument.id)
    chosen, range_note = choose_range(view)
    notes = [notice, range_note]
    head = [html.P(n, className="wb-technicals__notice", role="alert") for n in notes if n]
    if not bars:
        return [*head, _no_data(instrument, snapshot)]
    shown = technicals_range.window(chosen, [b.time for b in bars], shown_bars(view))
    theme = chart_theme(view.settings)
    figure = make_technicals_figure(bars, instrument.name, theme, shown.count)
    analyst = interactive(view)
    if analyst:
        figure = technicals_view.for_analysts(figure, instrument, theme)
    # A new symbol or range starts unzoomed; a refresh of the same keeps the analyst's zoom.
    figure.update_layout(uirevision=f"{instrument.id} {chosen}")
    seen = state_shown(snapshot, instrument.id, view.now)
    caption = _caption(instrument, bars, seen, shown.count)
    ranges = [range_links(view, instrument, chosen)] if analyst else []
    note = [html.P(shown.note, className="wb-technicals__range-note")] if shown.note else []
    return [
        *head,
        reason(snapshot),
        readout(instrument, bars, seen),
        *ranges,
        *note,
        html.Figure(
            [
                # dcc.Graph sets its own height to 100%: the wrapper holds the height (vh).
                html.Div(
                    dcc.Graph(
                        id=IDS["graph"],
                        figure=figure,
                        config=technicals_view.graph_config(
                            instrument.id, bars[-1].time.date(), analyst
                        ),
                        className="wb-graph wb-technicals__graph",
                    ),
                    className="wb-technicals__plot",
                ),
                html.Figcaption(caption, className="wb-technicals__caption"),
            ],
            className="wb-technicals__figure",
            **{"aria-label": f"{instrument.name} technical chart"},
        ),
    ]


def _choice_class(chosen: bool) -> str:
    return "wb-technicals__choice" + (" is-chosen" if chosen else "")


def render(view: SceneView) -> list:
    """A symbol picker, then the chosen symbol's readout and chart. A kiosk gets no picker
    buttons (nothing on a wall is focusable): it cycles the symbols by itself."""
    instrument, notice = choose(view)
    options = [{"label": i.name, "value": i.id} for i in instruments(view)]
    # Plain buttons: a handful of symbols, one click, fully accessible (Dash's picker and radio
    # items fail axe: a focusable input in an aria-hidden box, nested controls). The chosen
    # symbol lives in a store both the buttons and the kiosk cycle write to; a click also puts
    # it in the URL (`technicalsUrl`, assets/38t_technicals.js), so Back returns to the one
    # before.
    buttons = html.Div(
        [
            html.Button(
                option["label"],
                id={"type": PICK, "symbol": option["value"]},
                n_clicks=0,
                className=_choice_class(option["value"] == instrument.id),
                **{"aria-pressed": "true" if option["value"] == instrument.id else "false"},
            )
            for option in options
        ],
        role="group",
        className="wb-technicals__choices",
        **{"aria-labelledby": "technicals-symbol-label"},
    )
    picker = html.Div(
        [
            html.Span("Symbol", id="technicals-symbol-label", className="wb-technicals__label"),
            buttons if interactive(view) else None,
            dcc.Store(id=IDS["picker"], data=instrument.id),
            html.Span("cycling every 10 s", className="wb-technicals__cycling")
            if cycling(view.query)
            else None,
        ],
        className="wb-technicals__picker",
    )
    cycle = [dcc.Interval(id=IDS["cycle"], interval=KIOSK_POLL_MS)] if cycling(view.query) else []
    return [
        picker,
        *cycle,
        html.Div(
            chart_panel(view, instrument, notice),
            id=IDS["chart"],
            className="wb-technicals",
            **{"data-status": view.snapshot(history(view)).status.value},
        ),
    ]


# --- callbacks ----------------------------------------------------------------------------


ChartDrawer = Callable[[SceneView, Instrument, str | None], Any]


def on_symbol(
    view: SceneView, symbol: str | None, draw: ChartDrawer = chart_panel
) -> tuple[object, Any]:
    """The frame's new query and the chart (`draw`n) after the picker chose `symbol`.

    While cycling (kiosk), the query keeps no symbol so a re-render on new data keeps cycling.
    """
    by_id = {i.id: i for i in instruments(view)}
    if not isinstance(symbol, str) or symbol not in by_id:
        instrument, notice = choose(view)
        if symbol:  # only a hand-made request sends a symbol the buttons do not have
            notice = unknown_symbol(symbol, instruments(view))
        return no_update, draw(view, instrument, notice)
    query = no_update if cycling(view.query) else {**view.query, "symbol": symbol}
    return query, draw(view, by_id[symbol], None)


def chart_once(view: SceneView, instrument: Instrument, notice: str | None) -> Any:
    """The chart panel, drawn once per version of the data for every screen (components.scene
    `drawn_once`): a wall of kiosks asks for the next symbol's chart at the same moment."""
    return drawn_once(
        view, f"chart:{instrument.id}:{notice}", lambda: chart_panel(view, instrument, notice)
    )


def next_symbol(choices: Sequence[str], shown: str | None, now: datetime) -> object:
    """The kiosk's symbol at `now`, or no_update when it is already showing."""
    if not choices:
        return no_update
    pick = kiosk_pick(choices, now)
    return no_update if pick == shown else pick


def register(app: Dash) -> None:
    """The picker's callbacks (redraw, remember the choice, show it, put it in the URL), the
    kiosk's cycle, and the fit of the price axis to the bars in view after a zoom."""
    frame = ids(SCENE)

    # In the browser (assets/38t_technicals.js): the symbol a button chose goes into the URL
    # through the shell's location (a history entry; the page is then rendered from the URL),
    # and a zoom or pan refits the price and MACD axes to the bars in view.
    app.clientside_callback(
        ClientsideFunction(namespace="wallboard", function_name="technicalsUrl"),
        Output("wb-nav", "href", allow_duplicate=True),
        Input(frame["query"], "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="wallboard", function_name="technicalsFit"),
        Input(IDS["graph"], "relayoutData"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(frame["query"], "data"),
        Output(IDS["chart"], "children"),
        Input(IDS["picker"], "data"),
        State(frame["query"], "data"),
        prevent_initial_call=True,
    )
    def _choose_symbol(symbol: str | None, query: dict | None):
        return on_symbol(view_of(current_board(), SCENE, query_state(query)), symbol, chart_once)

    @app.callback(
        Output(IDS["picker"], "data"),
        Input({"type": PICK, "symbol": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def _pick_symbol(_clicks: list[int]):
        picked = ctx.triggered_id
        if not isinstance(picked, dict) or not any(_clicks or []):
            return no_update
        return picked["symbol"]

    @app.callback(
        Output({"type": PICK, "symbol": ALL}, "className"),
        Output({"type": PICK, "symbol": ALL}, "aria-pressed"),
        Input(IDS["picker"], "data"),
        State({"type": PICK, "symbol": ALL}, "id"),
        prevent_initial_call=True,
    )
    def _show_choice(symbol: str | None, buttons: list[dict]):
        # The ids come back from the browser: one that is not a button's id is not chosen.
        chosen = [isinstance(b, dict) and b.get("symbol") == symbol for b in buttons]
        return [_choice_class(c) for c in chosen], ["true" if c else "false" for c in chosen]

    @app.callback(
        Output(IDS["picker"], "data", allow_duplicate=True),
        Input(IDS["cycle"], "n_intervals"),
        State(IDS["picker"], "data"),
        prevent_initial_call=True,
    )
    def _cycle_symbol(_tick: int, shown: str | None):
        view = view_of(current_board(), SCENE, None)
        picked = next_symbol([i.id for i in instruments(view)], shown, view.now)
        if picked is no_update:
            raise PreventUpdate  # 204: the kiosk shows the symbol due (Dash sent 200 and {})
        return picked
