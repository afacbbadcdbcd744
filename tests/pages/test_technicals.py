"""Technicals scene: the figure's traces and values, the warm-up hidden (on the ten-year VIX
history, the first shown indicators of a fetched window are the whole history's), symbol choice
from the URL, kiosk cycling, the picker's callbacks, and no data / partial / stale snapshots;
for analysts, the ranges (components/technicals_range.py), the hover, spikes, mode bar and
fitted price axis (components/technicals_view.py), and a kiosk's static chart."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from dash import Dash, dcc, html, no_update
from dash.development.base_component import Component

from analytics import indicators
from components import technicals_range, technicals_view
from components.figures import DARK, DOWN, UP
from components.format import format_number, format_price
from components.scene import SceneView
from config import Settings
from config.schema import Instrument
from engine.freshness import Shown, state_shown
from pages import technicals
from providers.base import Request
from providers.cboe import parse_cboe_csv
from providers.demo import DemoProvider
from providers.models import Bar, RecordState, Snapshot, Status, data_time
from providers.stooq import parse_stooq_csv, session_bars
from providers.yahoo import parse_chart_bars
from tests.support import paths
from tests.support.pages import text_of, walk, with_class

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
GSPC = paths.FIXTURES / "yahoo" / "chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json"
VIX = paths.FIXTURES / "cboe" / "VIX_History_2016-01-04_to_2026-07-02_truncated.csv"
STOOQ_SPX = paths.FIXTURES / "stooq" / "spx_d_2024-01-02_to_2025-04-07_truncated.csv"
SHOWN = 250  # history_bars of the history dataset


def of_type(node, kind) -> list:
    return [n for n in walk(node) if isinstance(n, kind)]


@pytest.fixture(scope="module")
def demo_bars(settings) -> tuple[Bar, ...]:
    ds = settings.datasets["history"]
    request = Request("history", ds.kind, tuple(ds.instruments), WED, ds.market)
    return tuple(DemoProvider(settings).load(request).records)


def snapshot(records=(), status=Status.OK, error=None, source="demo") -> Snapshot:
    return Snapshot(
        dataset="history",
        records=tuple(records),
        as_of=data_time(records),  # as the refresher dates a snapshot
        fetched_at=WED if records else None,
        source=source if records else None,
        status=status,
        error=error,
    )


def view(settings, snap: Snapshot, now=WED, **query) -> SceneView:
    board = SimpleNamespace(settings=settings)
    return SceneView(
        board=board, scene="technicals", snapshots={"history": snap}, now=now, query=query
    )


def spx(bars) -> list[Bar]:
    return [b for b in bars if b.symbol == "spx"]


# --- the figure -----------------------------------------------------------------------------


def test_figure_has_candles_overlays_and_two_panels(demo_bars):
    bars = spx(demo_bars)
    fig = technicals.make_technicals_figure(bars, "S&P 500")
    names = [t.name for t in fig.data]
    assert fig.data[0].type == "candlestick"
    assert names[1:] == [
        "Bollinger 20, 2\N{GREEK SMALL LETTER SIGMA}",
        "Bollinger lower",
        "SMA 20",
        "SMA 50",
        "SMA 200",
        "EMA 12",
        "EMA 26",
        "RSI 14",
        "MACD histogram",
        "MACD 12, 26",
        "Signal 9",
    ]
    assert "VWAP" not in names  # daily bars: no session to anchor a VWAP to
    # The histogram's bars carry no text and say so (plotly.js would lay out a label per bar).
    assert [t.textposition for t in fig.data if t.type == "bar"] == ["none"]
    candle = fig.data[0]
    assert (candle.increasing.line.color, candle.decreasing.line.color) == (UP, DOWN)
    assert len(candle.x) == technicals.DEFAULT_SHOWN == SHOWN
    assert len(bars) > SHOWN and candle.close[-1] == bars[-1].close
    # three stacked panels sharing x; RSI 0-100 with dashed 30/70 lines; no range slider
    by_name = {t.name: t for t in fig.data}
    assert by_name["SMA 20"].yaxis == "y" and by_name["RSI 14"].yaxis == "y2"
    # one time axis for the three panels, so an analyst's hover spans them all
    assert by_name["MACD histogram"].yaxis == "y3" and by_name["Signal 9"].yaxis == "y3"
    assert {t.xaxis for t in fig.data} == {"x"} and fig.layout.xaxis.anchor == "y3"
    assert fig.layout.yaxis3.domain[1] < fig.layout.yaxis2.domain[0]
    assert fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]
    assert fig.layout.yaxis2.range == (0, 100)
    assert sorted(s.y0 for s in fig.layout.shapes if s.yref == "y2") == [30, 70]
    assert fig.layout.xaxis.rangeslider.visible is False
    assert fig.layout.template.layout.paper_bgcolor == "rgba(0,0,0,0)"  # the wallboard template


def test_figure_values_are_the_indicators_on_the_full_history(demo_bars):
    bars = spx(demo_bars)
    fig = technicals.make_technicals_figure(bars, "S&P 500")
    by_name = {t.name: t for t in fig.data}
    closes = [b.close for b in bars]
    assert by_name["SMA 20"].y[-1] == pytest.approx(sum(closes[-20:]) / 20, abs=1e-4)
    # computed on every bar held, not on the 250 shown: the first 200-bar average is at bar 199
    # of the history, `before` bars earlier in the window than if the window were all there is
    sma200, before = by_name["SMA 200"].y, len(bars) - SHOWN
    first = max(0, 199 - before)
    assert all(math.isnan(v) for v in sma200[:first])
    assert sma200[first] == pytest.approx(sum(closes[before + first - 199 :][:200]) / 200, abs=1e-4)
    frame = indicators.bars_frame(bars)
    assert by_name["EMA 12"].y[-1] == pytest.approx(indicators.ema(frame, 12).iloc[-1], abs=1e-4)
    hist = by_name["MACD histogram"]
    line, signal = by_name["MACD 12, 26"].y, by_name["Signal 9"].y
    assert hist.y[-1] == pytest.approx(line[-1] - signal[-1], abs=1e-3)
    colours = {(v >= 0, c) for v, c in zip(hist.y, hist.marker.color, strict=True)}
    assert colours == {(True, UP), (False, DOWN)}


def test_figure_on_recorded_history_closes_weekends_and_holidays():
    bars = parse_chart_bars(json.loads(GSPC.read_text(encoding="utf-8")), symbol="spx")
    fig = technicals.make_technicals_figure(bars, "S&P 500")
    candle = fig.data[0]
    assert candle.x[-1] == "2024-02-29" and candle.close[-1] == bars[-1].close
    breaks = fig.layout.xaxis.rangebreaks
    assert breaks[0].bounds == ("sat", "mon")
    holidays = set(breaks[1]["values"])
    assert {"2023-12-25", "2024-01-01", "2024-01-15", "2024-02-19"} <= holidays
    assert not holidays & set(candle.x)


# --- the warm-up, hidden ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def vix_bars() -> list[Bar]:
    """The recorded CBOE VIX history: 2,670 daily bars, 2016-01-04 to 2026-07-02."""
    return parse_cboe_csv(VIX.read_text(encoding="utf-8"), symbol="vix")


FIRST_SHOWN = ("RSI 14", "EMA 12", "EMA 26", "MACD 12, 26", "Signal 9", "SMA 200", "SMA 50")


def first_values(bars: list[Bar], shown: int = SHOWN) -> dict[str, float]:
    """Each indicator's first drawn value in the chart of `bars` (NaN where it has none)."""
    figure = technicals.make_technicals_figure(bars, "VIX", shown=shown)
    by_name = {t.name: t for t in figure.data}
    values = {name: by_name[name].y[0] for name in FIRST_SHOWN}
    return values | {"MACD histogram": by_name["MACD histogram"].y[0]}


def test_the_fetched_window_draws_the_first_bar_as_the_whole_history_does(vix_bars):
    fetched = vix_bars[-indicators.bars_to_fetch(SHOWN) :]  # 561 bars: 250 shown + 311 warm-up
    whole, window = first_values(vix_bars), first_values(fetched)
    assert whole.keys() == window.keys()
    for name, value in window.items():
        assert value == pytest.approx(whole[name], abs=1e-6), name  # drawn to 4 decimals
    assert not any(math.isnan(v) for v in window.values())
    assert window["RSI 14"] == pytest.approx(48.1149, abs=1e-4)  # 15 Jul 2025


def test_a_year_of_history_draws_the_warm_up(vix_bars):
    year = [b for b in vix_bars if b.time > vix_bars[-1].time - timedelta(days=365)]
    assert len(year) == 258
    whole, window = first_values(vix_bars), first_values(year)
    assert math.isnan(window["RSI 14"]) and math.isnan(window["SMA 200"])  # not warm yet
    assert abs(window["EMA 26"] - whole["EMA 26"]) > 1  # VIX points, at 17.7
    assert abs(window["MACD 12, 26"] - whole["MACD 12, 26"]) > 0.8


def test_the_caption_says_when_fewer_bars_than_the_warm_up_are_held(vix_bars):
    seen = state_shown(snapshot(vix_bars, source="cboe"), "vix", vix_bars[-1].time)
    vix = Instrument(id="vix", name="VIX", symbols={"cboe": "VIX"})
    full = technicals._caption(vix, vix_bars[-561:], seen, SHOWN)
    assert "last 250 bars" in full and "warming up" not in full
    short = technicals._caption(vix, vix_bars[-500:], seen, SHOWN)
    assert "Only 500 bars held: the indicators are still warming up over the first 61 shown." in (
        short
    )
    assert technicals.settling(561, 250) == 0 and technicals.settling(300, 250) == 250
    assert technicals.settling(100, 250) == 100


def test_the_chart_shows_the_configured_history_bars(settings, vix_bars):
    raw = settings.model_dump()
    raw["datasets"]["history"]["history_bars"] = 100
    configured = Settings.model_validate(raw)
    records = [b.model_copy(update={"symbol": "spx"}) for b in vix_bars[-411:]]
    body = technicals.render(
        view(configured, snapshot(records), now=datetime(2026, 7, 3, tzinfo=UTC))
    )
    graph = of_type(body, dcc.Graph)[0]
    assert len(graph.figure.data[0].x) == 100
    assert "last 100 bars" in text_of(body) and "warming up" not in text_of(body)


def test_stooq_bars_read_as_of_the_session_close(settings):
    parsed = parse_stooq_csv(STOOQ_SPX.read_text(encoding="utf-8"), symbol="spx")
    now = datetime(2025, 4, 8, 12, tzinfo=UTC)
    bars = session_bars(parsed, symbol="^spx", now=now, market="XNYS")
    text = text_of(technicals.render(view(settings, snapshot(bars, source="stooq"), now=now)))
    assert "Last bar Mon 07 Apr 2025 · as of Mon 07 Apr 2025 20:00 UTC" in text  # 16:00 EDT
    assert "Data as of Mon 07 Apr 2025 20:00 UTC · stooq · ok." in text
    assert "00:00 UTC" not in text
    assert "bars (09 Apr 2024 to 07 Apr 2025)" in text  # the days are the sessions' own
    # the recording holds 317 bars, 67 before the first shown: the caption says so
    assert "Only 317 bars held: the indicators are still warming up over the first 244 shown." in (
        text
    )


def test_intraday_bars_get_a_session_vwap():
    start = datetime(2025, 3, 5, 14, 30, tzinfo=UTC)
    bars = [
        Bar(
            symbol="x",
            time=start + timedelta(minutes=5 * i),
            open=100 + i,
            high=101 + i,
            low=99 + i,
            close=100.5 + i,
            volume=1000,
        )
        for i in range(40)
    ]
    fig = technicals.make_technicals_figure(bars, "Intraday")
    vwap = next(t for t in fig.data if t.name == "VWAP")
    assert vwap.y[0] == pytest.approx((101 + 99 + 100.5) / 3, abs=1e-4)
    assert not fig.layout.xaxis.rangebreaks  # time axis: no day breaks


# --- which symbol -----------------------------------------------------------------------------


def test_symbol_from_the_url_or_the_first(settings, demo_bars):
    snap = snapshot(demo_bars)
    assert technicals.choose(view(settings, snap)) == (
        settings.datasets["history"].instruments[0],
        None,
    )
    chosen, notice = technicals.choose(view(settings, snap, symbol="ndx"))
    assert (chosen.id, notice) == ("ndx", None)


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ("XYZ", "XYZ"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("a" * 100, "a" * 39 + "…"),
        ("two\nlines", "two lines"),
        ("nul\x00esc\x1b[2J rtl\u202eX", "nul esc [2J rtl X"),  # no control or bidi characters
    ],
)
def test_unknown_symbol_says_so_and_falls_back(settings, demo_bars, asked, shown):
    chosen, notice = technicals.choose(view(settings, snapshot(demo_bars), symbol=asked))
    assert chosen.id == "spx"
    assert notice == (f"Unknown symbol '{shown}'. Choose one of: S&P 500 (spx), Nasdaq 100 (ndx)")


def test_kiosk_cycles_every_ten_seconds_unless_a_symbol_is_given(settings, demo_bars):
    snap = snapshot(demo_bars)
    at = datetime(2025, 3, 5, 15, 0, 0, tzinfo=UTC)  # epoch // 10 is even here
    assert int(at.timestamp() // 10) % 2 == 0
    assert technicals.choose(view(settings, snap, now=at, kiosk="1"))[0].id == "spx"
    later = at + timedelta(seconds=10)
    assert technicals.choose(view(settings, snap, now=later, kiosk="1"))[0].id == "ndx"
    assert (
        technicals.choose(view(settings, snap, now=later, kiosk="1", symbol="spx"))[0].id == "spx"
    )
    assert technicals.kiosk_pick(["a", "b", "c"], at + timedelta(seconds=29)) == "c"
    assert technicals.cycling({"kiosk": "1"}) and not technicals.cycling(
        {"kiosk": "1", "symbol": "spx"}
    )
    assert not technicals.cycling({})


# --- the body -----------------------------------------------------------------------------


def test_render_shows_picker_readout_chart_and_caption(settings, demo_bars):
    body = technicals.render(view(settings, snapshot(demo_bars)))
    text = text_of(body)
    bars = spx(demo_bars)
    change = bars[-1].close - bars[-2].close
    arrow = "▲" if change > 0 else "▼"
    assert f"S&P 500 {bars[-1].close:,.2f} {arrow} {change:+,.2f}" in text
    assert "Last bar Wed 05 Mar 2025 · as of Wed 05 Mar 2025 14:30 UTC" in text
    assert "RSI 14 " in text and "MACD " in text
    assert "VWAP not shown" in text and "daily candles, last 250 bars" in text
    [store] = [s for s in of_type(body, dcc.Store) if s.id == "technicals-symbol"]
    assert store.data == "spx"
    buttons = of_type(body, html.Button)
    assert [b.children for b in buttons] == ["S&P 500", "Nasdaq 100"]
    assert [b.id["symbol"] for b in buttons] == ["spx", "ndx"]
    assert [getattr(b, "aria-pressed") for b in buttons] == ["true", "false"]
    graph = of_type(body, dcc.Graph)[0]
    assert graph.figure.data[0].type == "candlestick"
    assert not of_type(body, dcc.Interval)  # not a kiosk: nothing cycles
    figure = next(n for n in walk(body) if isinstance(n, Component) and n._type == "Figure")
    assert figure.to_plotly_json()["props"]["aria-label"] == "S&P 500 technical chart"


def test_render_in_kiosk_mode_cycles(settings, demo_bars):
    body = technicals.render(view(settings, snapshot(demo_bars), kiosk="1"))
    interval = of_type(body, dcc.Interval)[0]
    assert (interval.id, interval.interval) == ("technicals-cycle", 2_000)
    assert "cycling every 10 s" in text_of(body)


def test_render_unknown_symbol_shows_the_message_and_the_first(settings, demo_bars):
    text = text_of(technicals.render(view(settings, snapshot(demo_bars), symbol="XYZ")))
    assert "Unknown symbol 'XYZ'. Choose one of: S&P 500 (spx), Nasdaq 100 (ndx)" in text
    assert "S&P 500 " in text and "daily candles" in text


def test_render_with_no_data_says_so_and_why(settings):
    snap = snapshot(status=Status.ERROR, error="yahoo: rate limited; stooq: HTTP 503")
    body = technicals.render(view(settings, snap))
    text = text_of(body)
    assert "S&P 500: no data" in text and "yahoo: rate limited; stooq: HTTP 503" in text
    assert not of_type(body, dcc.Graph)
    assert of_type(body, html.Button)  # the picker stays


def test_render_partial_data_shows_what_is_there(settings, demo_bars):
    only_spx = snapshot(spx(demo_bars))
    text = text_of(technicals.render(view(settings, only_spx, symbol="ndx")))
    assert "Nasdaq 100: no data" in text
    assert of_type(technicals.render(view(settings, only_spx)), dcc.Graph)


def test_render_stale_data_says_so_in_the_caption(settings, demo_bars):
    snap = snapshot(demo_bars, status=Status.STALE, error="yahoo: timed out")
    text = text_of(technicals.render(view(settings, snap, now=WED + timedelta(days=5))))
    assert "demo · stale." in text and "daily candles" in text
    assert "yahoo: timed out" in text  # the last error, shown with the data it left stale


@pytest.mark.parametrize(
    ("status", "age_s", "note"),
    [
        (Status.OK, 40.0, ""),
        (Status.STALE, 7 * 86400 + 3 * 3600 + 59, " · ⚠ stale, 7 d 3 h old"),
        (Status.CLOSED, 9.0, " · ☾ closed"),
        (Status.FALLBACK, 9.0, " · ↺ fallback"),
    ],
)
def test_the_readout_says_a_state_not_live_next_to_the_time(status, age_s, note):
    assert technicals.state_note(Shown(status, age_s, None, "yahoo", WED)) == note


def test_the_readout_and_caption_give_the_symbols_own_time_source_and_state(settings, demo_bars):
    """A dataset whose Nasdaq 100 is a week old: its chart says so, with its own time and
    source, not the dataset's newest time nor its sources together."""
    week = timedelta(days=7)
    bars = [
        b.model_copy(update={"time": b.time - week}) if b.symbol == "ndx" else b for b in demo_bars
    ]
    spx_at, ndx_at = (max(b.time for b in bars if b.symbol == s) for s in ("spx", "ndx"))
    states = {
        "spx": RecordState(status=Status.OK, as_of=spx_at, source="yahoo"),
        "ndx": RecordState(
            status=Status.STALE, as_of=ndx_at, source="stooq", reason="7 d old (stale after 4 d)"
        ),
    }
    snap = snapshot(bars, source="yahoo+stooq").model_copy(update={"states": states})
    now = spx_at + timedelta(minutes=30)

    body = technicals.render(view(settings, snap, now=now, symbol="ndx"))
    (shown,) = with_class(body, "wb-technicals__readout")
    assert shown.to_plotly_json()["props"]["data-status"] == "stale"
    assert shown.to_plotly_json()["props"]["data-source"] == "stooq"
    (asof,) = with_class(shown, "wb-technicals__asof")
    assert asof.children == (
        "Last bar Wed 26 Feb 2025 · as of Wed 26 Feb 2025 14:30 UTC · ⚠ stale, 7 d 30 min old"
    )
    assert asof.title == "7 d old (stale after 4 d)"
    caption = text_of(with_class(body, "wb-technicals__caption"))
    assert caption.endswith(
        "Data as of Wed 26 Feb 2025 14:30 UTC · stooq · stale: 7 d old (stale after 4 d)."
    )
    assert "yahoo" not in caption and "Wed 05 Mar" not in caption

    live = text_of(technicals.render(view(settings, snap, now=now, symbol="spx")))
    assert "as of Wed 05 Mar 2025 14:30 UTC" in live and "stale" not in live
    assert "Data as of Wed 05 Mar 2025 14:30 UTC · yahoo · ok." in live


# --- callbacks ----------------------------------------------------------------------------


def test_choosing_a_symbol_redraws_and_remembers_it(settings, demo_bars):
    query, chart = technicals.on_symbol(view(settings, snapshot(demo_bars), kiosk="0"), "ndx")
    assert query == {"kiosk": "0", "symbol": "ndx"}
    assert "Nasdaq 100 " in text_of(chart) and of_type(chart, dcc.Graph)


def test_choosing_while_cycling_leaves_the_query_alone(settings, demo_bars):
    query, chart = technicals.on_symbol(view(settings, snapshot(demo_bars), kiosk="1"), "ndx")
    assert query is no_update and "Nasdaq 100 " in text_of(chart)


def test_an_unknown_dropdown_value_falls_back(settings, demo_bars):
    query, chart = technicals.on_symbol(view(settings, snapshot(demo_bars)), "nope")
    assert query is no_update and "S&P 500 " in text_of(chart)


@pytest.mark.parametrize(
    ("picked", "notice"),
    [
        ("nope", "Unknown symbol 'nope'."),
        ("x" * 500, "Unknown symbol '" + "x" * 39 + "…'."),
        (5, "Unknown symbol '5'."),  # only a hand-made request sends a value of another type
        (["spx"], "Unknown symbol '['spx']'."),
        (None, None),
        ("", None),
    ],
)
def test_a_picked_symbol_the_buttons_do_not_have_says_so(settings, demo_bars, picked, notice):
    query, chart = technicals.on_symbol(view(settings, snapshot(demo_bars)), picked)
    shown = [n.children for n in with_class(chart, "wb-technicals__notice")]
    assert query is no_update and "S&P 500 " in text_of(chart)
    if notice is None:
        assert shown == []
    else:
        assert shown == [f"{notice} Choose one of: S&P 500 (spx), Nasdaq 100 (ndx)"]


def test_next_symbol_moves_only_when_it_changes():
    at = datetime(2025, 3, 5, 15, 0, 0, tzinfo=UTC)
    assert technicals.next_symbol(["spx", "ndx"], "ndx", at) == "spx"
    assert technicals.next_symbol(["spx", "ndx"], "spx", at) is no_update
    assert technicals.next_symbol([], None, at) is no_update


def test_register_adds_the_pages_own_callbacks():
    app = Dash(__name__)
    technicals.register(app)
    outputs = " ".join(app.callback_map)
    assert "technicals-chart.children" in outputs and "technicals-symbol.data" in outputs
    assert "technicals-pick" in outputs  # the buttons show which symbol is chosen
    assert '"scene":"technicals"' in outputs and "scene-query" in outputs


# --- ranges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "name", "note"),
    [
        (None, "All", None),
        ("", "All", None),
        ("6M", "6M", None),
        ("ytd", "YTD", None),  # any case
        (" 1y ", "1Y", None),
        ("All", "All", None),
        ("2W", "All", "Unknown range '2W'. Choose one of: 1M, 3M, 6M, YTD, 1Y, All."),
        ("<b>5Y\n", "All", "Unknown range '<b>5Y'. Choose one of: 1M, 3M, 6M, YTD, 1Y, All."),
        (
            ["1M", "6M"],
            "All",
            "Unknown range '['1M', '6M']'. Choose one of: 1M, 3M, 6M, YTD, 1Y, All.",
        ),
        (
            "x" * 100,
            "All",
            f"Unknown range '{'x' * 39}…'. Choose one of: 1M, 3M, 6M, YTD, 1Y, All.",
        ),
    ],
)
def test_the_range_from_the_url(asked, name, note):
    assert technicals_range.parse_range(asked) == (name, note)


def days_shown(bars: list[Bar], name: str, history_bars: int = SHOWN) -> list:
    shown = technicals_range.window(name, [b.time for b in bars], history_bars)
    return [b.time.date() for b in bars[-shown.count :]] if shown.count else []


def test_ranges_cut_the_bars_back_from_the_last(demo_bars):
    bars = spx(demo_bars)  # daily, the last on Wed 05 Mar 2025; 561 held
    assert bars[-1].time.date() == WED.date() and len(bars) == indicators.bars_to_fetch(SHOWN)
    month = days_shown(bars, "1M")
    assert month[0] == min(
        d for d in (b.time.date() for b in bars) if d >= WED.date().replace(month=2, day=6)
    )
    assert month[-1] == WED.date() and 18 <= len(month) <= 23
    ytd = days_shown(bars, "YTD")
    assert ytd == [b.time.date() for b in bars if b.time.year == 2025]  # from the first of 2025
    assert ytd[0].month == 1 and ytd[0].day <= 3
    six = days_shown(bars, "6M")
    assert six[0] >= WED.date().replace(year=2024, month=9, day=6) and six[0].month == 9
    assert technicals_range.window("6M", [b.time for b in bars], SHOWN).note is None
    # All: the bars past the indicators' warm-up, as many as the configuration shows
    assert len(days_shown(bars, "All")) == SHOWN


def test_ytd_on_the_first_days_of_a_year_and_after_a_month_end():
    start = datetime(2024, 12, 2, 21, tzinfo=UTC)
    bars = [
        Bar(symbol="x", time=start + timedelta(days=i), open=1, high=2, low=0.5, close=1.5)
        for i in range(400)
        if (start + timedelta(days=i)).weekday() < 5
    ]
    times = [b.time for b in bars]
    upto = [t for t in times if t <= datetime(2025, 1, 3, 22, tzinfo=UTC)]
    assert technicals_range.window("YTD", upto, 20).count == 3  # Wed 1 to Fri 3 Jan 2025
    # 1M on 31 Mar reaches back to 1 Mar (February has no 31st)
    assert technicals_range.since("1M", datetime(2025, 3, 31).date()).isoformat() == "2025-03-01"
    assert technicals_range.since("3M", datetime(2025, 3, 5).date()).isoformat() == "2024-12-06"
    assert technicals_range.since("All", datetime(2025, 3, 5).date()) is None


def test_a_range_reaching_further_back_than_held_shows_what_is_held_and_says_so(demo_bars):
    bars = spx(demo_bars)
    times = [b.time for b in bars]
    # 561 held, 311 of them warm-up: a year of sessions (250) is all there
    assert technicals_range.window("1Y", times, SHOWN) == technicals_range.Window("1Y", SHOWN)
    # 300 held with 200 configured: the year needs 250, the chart holds 200
    year = technicals_range.window("1Y", times[-300:], 200)
    assert year.count == 200
    assert year.note == (
        f"1Y reaches back to 06 Mar 2024; the chart holds bars from {times[-200]:%d %b %Y} "
        "(past the indicators' warm-up): showing those."
    )
    # Fewer bars held than the range spans: all of them, and the note
    short = technicals_range.window("6M", times[-60:], SHOWN)
    assert short.count == 60 and f"holds bars from {times[-60]:%d %b %Y}" in short.note
    # More held than the configuration shows, and warm: all of those
    assert technicals_range.held(1000, SHOWN) == 1000 - indicators.WARM_UP_BARS
    assert technicals_range.held(300, SHOWN) == SHOWN and technicals_range.held(100, SHOWN) == 100


def test_render_a_range_from_the_url(settings, demo_bars):
    body = technicals.render(view(settings, snapshot(demo_bars), range="ytd"))
    candle = of_type(body, dcc.Graph)[0].figure.data[0]
    assert candle.x[0].startswith("2025-01") and candle.x[-1] == "2025-03-05"
    assert "last " + str(len(candle.x)) + " bars" in text_of(body)
    assert not with_class(body, "wb-technicals__notice")
    (chosen,) = [
        n
        for n in walk(body)
        if isinstance(n, Component) and n.to_plotly_json()["props"].get("aria-current") == "true"
    ]
    assert chosen.children == "YTD" and not isinstance(chosen, dcc.Link)


def test_an_invalid_range_says_so_and_shows_the_default(settings, demo_bars):
    body = technicals.render(view(settings, snapshot(demo_bars), range="10Y"))
    notes = [n.children for n in with_class(body, "wb-technicals__notice")]
    assert notes == ["Unknown range '10Y'. Choose one of: 1M, 3M, 6M, YTD, 1Y, All."]
    assert len(of_type(body, dcc.Graph)[0].figure.data[0].x) == SHOWN


def test_a_range_needing_more_than_held_says_so_under_the_links(settings, demo_bars):
    raw = settings.model_dump()
    raw["datasets"]["history"]["history_bars"] = 100
    configured = Settings.model_validate(raw)
    held = [b for b in demo_bars if b.symbol == "spx"][-100 - indicators.WARM_UP_BARS :]
    body = technicals.render(view(configured, snapshot(held), range="6M"))
    (note,) = with_class(body, "wb-technicals__range-note")
    assert note.children.startswith("6M reaches back to 06 Sep 2024; the chart holds bars from")
    assert len(graph_of(body).figure.data[0].x) == 100
    assert "last 100 bars" in text_of(body)


def test_range_links_are_this_view_with_another_range(settings, demo_bars):
    body = technicals.render(view(settings, snapshot(demo_bars), symbol="ndx", rotate="1"))
    links = {link.children: link.href for link in of_type(body, dcc.Link)}
    assert links == {
        "1M": "/technicals?symbol=ndx&rotate=1&range=1M",
        "3M": "/technicals?symbol=ndx&rotate=1&range=3M",
        "6M": "/technicals?symbol=ndx&rotate=1&range=6M",
        "YTD": "/technicals?symbol=ndx&rotate=1&range=YTD",
        "1Y": "/technicals?symbol=ndx&rotate=1&range=1Y",
    }  # All is shown, not a link; the symbol and the other parameters stay
    on_6m = technicals.render(view(settings, snapshot(demo_bars), range="6M"))
    hrefs = [link.href for link in of_type(on_6m, dcc.Link)]
    assert "/technicals?symbol=spx" in hrefs  # All: the range left out
    hostile = technicals.render(view(settings, snapshot(demo_bars), range="<script>&x=1"))
    assert all("script" not in link.href for link in of_type(hostile, dcc.Link))


# --- for analysts, and a kiosk --------------------------------------------------------------


def graph_of(body) -> dcc.Graph:
    (graph,) = of_type(body, dcc.Graph)
    return graph


def test_an_analysts_chart_hovers_with_spikes_and_has_a_mode_bar(settings, demo_bars):
    body = technicals.render(view(settings, snapshot(demo_bars)))
    graph = graph_of(body)
    fig, config = graph.figure, graph.config
    assert graph.id == "technicals-graph"
    assert fig.layout.hovermode == "x unified" and fig.layout.hoversubplots == "axis"
    assert fig.layout.xaxis.showspikes and fig.layout.xaxis.spikemode == "across"
    assert fig.layout.yaxis.showspikes  # the crosshair's price line
    assert fig.layout.dragmode == "zoom"
    assert all(fig.layout[a].fixedrange for a in ("yaxis", "yaxis2", "yaxis3"))  # time zooms
    assert config["displayModeBar"] is True and not config.get("staticPlot")
    assert config["displaylogo"] is False
    assert not {"resetScale2d", "autoScale2d", "toImage"} & set(config["modeBarButtonsToRemove"])
    assert config["toImageButtonOptions"] == {
        "format": "png",
        "filename": "technicals-spx-2025-03-05",
        "scale": 2,
    }
    assert of_type(body, html.Button) and of_type(body, dcc.Link)


def test_the_hover_reads_as_the_wall_writes_numbers(settings, demo_bars):
    bars = spx(demo_bars)
    instrument = settings.datasets["history"].instruments[0]
    fig = graph_of(technicals.render(view(settings, snapshot(demo_bars)))).figure
    by_name = {t.name: t for t in fig.data}
    last = bars[-1]
    price = lambda v: format_price(v, instrument)  # noqa: E731
    assert fig.data[0].text[-1] == (
        f"O {price(last.open)} · H {price(last.high)} · L {price(last.low)} · C {price(last.close)}"
    )
    assert by_name["SMA 20"].text[-1] == price(by_name["SMA 20"].y[-1])
    assert by_name["RSI 14"].text[-1] == format_number(by_name["RSI 14"].y[-1])
    assert by_name["MACD histogram"].text[-1] == format_number(by_name["MACD histogram"].y[-1])
    assert by_name["MACD histogram"].hoverinfo != "skip"
    # a value not yet warm (NaN) has no hover text
    short = technicals_view.for_analysts(
        technicals.make_technicals_figure(bars[-30:], "S&P 500"), instrument, DARK
    )
    assert set(next(t for t in short.data if t.name == "SMA 200").text) == {""}
    assert all(t.hovertemplate == "%{text}" for t in fig.data[1:])


def test_the_price_axis_fits_the_candles_not_the_overlays(settings, demo_bars):
    fig = graph_of(technicals.render(view(settings, snapshot(demo_bars), range="1M"))).figure
    candle = fig.data[0]
    low, high = min(candle.low), max(candle.high)
    pad = technicals_view.FIT_PAD * (high - low)
    assert fig.layout.yaxis.range == pytest.approx((low - pad, high + pad))
    assert fig.layout.meta == {"fitPad": technicals_view.FIT_PAD}  # the browser's refit reads it
    assert technicals_view.fit([3.0, None, float("nan"), 1.0], pad=0.5) == [0.0, 4.0]
    assert technicals_view.fit([100.0, 100.0]) == pytest.approx([99.95, 100.05])
    assert technicals_view.fit([0.0]) == pytest.approx([-0.05, 0.05])
    assert technicals_view.fit([None]) is None


def test_a_kiosk_chart_is_static_and_nothing_is_a_link_or_button(settings, demo_bars):
    for query in ({"kiosk": "1"}, {"kiosk": "1", "symbol": "ndx", "range": "6M"}):
        body = technicals.render(view(settings, snapshot(demo_bars), **query))
        graph = graph_of(body)
        assert graph.config["staticPlot"] is True and graph.config["displayModeBar"] is False
        assert graph.figure.layout.hovermode is False
        assert not of_type(body, html.Button) and not of_type(body, dcc.Link)
        assert not of_type(body, html.A) and not with_class(body, "wb-technicals__ranges")
    # the kiosk still shows the range it was given
    assert graph.figure.data[0].x[0] >= "2024-09-06"


def test_a_new_symbol_or_range_starts_unzoomed(settings, demo_bars):
    revisions = {
        graph_of(
            technicals.render(view(settings, snapshot(demo_bars), **q))
        ).figure.layout.uirevision
        for q in ({}, {"range": "6M"}, {"symbol": "ndx"}, {"symbol": "ndx", "range": "6M"})
    }
    assert len(revisions) == 4


def test_the_kiosk_cycle_tick_answers_204_while_the_symbol_due_is_shown(make_settings):
    from app import create_app

    app = create_app(make_settings("demo"), start_refresher=False)
    board = app.server.extensions["wallboard"]
    board.refresher.refresh("history")
    client = app.server.test_client()
    client.get("/technicals?kiosk=1")
    (dependency,) = [
        d
        for d in client.get("/_dash-dependencies").get_json()
        if any(i["id"] == technicals.IDS["cycle"] for i in d["inputs"])
    ]

    def tick(shown: str | None):
        body = {
            "output": dependency["output"],
            # As the renderer sends it: an allow_duplicate output's property carries its tag.
            "outputs": dict(
                zip(("id", "property"), dependency["output"].rsplit(".", 1), strict=True)
            ),
            "inputs": [{"id": technicals.IDS["cycle"], "property": "n_intervals", "value": 1}],
            "state": [{"id": technicals.IDS["picker"], "property": "data", "value": shown}],
            "changedPropIds": [f"{technicals.IDS['cycle']}.n_intervals"],
        }
        return client.post("/_dash-update-component", json=body)

    view = technicals.view_of(board, "technicals", None)
    due = technicals.kiosk_pick([i.id for i in technicals.instruments(view)], board.clock())
    moved = tick("not-the-one-due")
    assert moved.status_code == 200, moved.get_data(as_text=True)[:300]
    assert json.dumps(due) in moved.get_data(as_text=True)
    assert tick(due).status_code == 204
