"""The instrument page, rendered without a browser on a real demo board: a configured
instrument (its quote as its tile shows it, statistics and chart from its lookup), an ad-hoc
symbol pending, answered and failed, a malformed ident, the kiosk's static page, every query
parameter good and bad, the links that carry the view, and the poll and compare callbacks.
History results are written to the board's cache as the lookup worker writes them, with real
recorded bars (Yahoo's S&P 500 daily chart, 2023-01-03 to 2024-02-29)."""

from __future__ import annotations

import json
from datetime import timedelta

import plotly.graph_objects as go
import pytest
from dash import dcc, html, no_update
from dash.exceptions import PreventUpdate
from werkzeug.exceptions import HTTPException

from analytics.instrument_stats import key_stats, window
from app import create_app
from components.format import format_pct, format_price
from components.instrument_chart import SIGMA
from engine.lookups import LookupResult, lookup_for
from pages import instrument
from providers.yahoo import parse_chart_bars
from tests.support.pages import text_of, walk, with_class
from tests.support.paths import FIXTURES

GSPC = FIXTURES / "yahoo" / "chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json"
SCREEN = "screen-1"


@pytest.fixture(scope="module")
def gspc():
    return parse_chart_bars(json.loads(GSPC.read_text()), symbol="spx")


@pytest.fixture
def app(make_settings):
    app = create_app(make_settings("demo"), start_refresher=False)
    board = app.server.extensions["wallboard"]
    board.refresher.refresh("indices")
    with app.server.test_request_context("/"):
        yield app


@pytest.fixture
def board(app):
    return app.server.extensions["wallboard"]


def answer(board, ident: str, bars, series: str = "daily", **fields) -> LookupResult:
    """Write a lookup's result as the worker does, its bars named by the lookup's ident."""
    lookup = lookup_for(board.settings, ident, series)
    bars = [b.model_copy(update={"symbol": lookup.ident}) for b in bars]
    result = LookupResult(
        key=lookup.key,
        status=fields.pop("status", "ok"),
        bars=bars,
        source=fields.pop("source", "yahoo"),
        fetched_at=board.clock(),
        as_of=bars[-1].time if bars else None,
        **fields,
    )
    board.lookups.write(result)
    return result


def graphs(node) -> list[dcc.Graph]:
    return [n for n in walk(node) if isinstance(n, dcc.Graph)]


def links(node) -> list[dcc.Link]:
    return [n for n in walk(node) if isinstance(n, dcc.Link)]


def page_of(board, ident, **query):
    return instrument.page(instrument.view_of(board, ident, query), query)


def test_configured_instrument_shows_its_quote_statistics_and_chart(board, gspc):
    answer(board, "spx", gspc)
    view = instrument.view_of(board, "spx", {"range": "1Y"})
    shown = instrument.page(view, {"range": "1Y"})
    quote = board.snapshot("indices").quotes_by_id()["spx"]
    spx = view.quoted.instrument
    price = with_class(shown, "wb-instrument__price")[0]
    assert text_of(price) == format_price(quote.price, spx)  # the quote's, as its tile
    asof = text_of(with_class(shown, "wb-instrument__asof")[0])
    assert asof.startswith("demo · as of ") and f"{quote.as_of:%d %b %Y %H:%M} UTC" in asof
    stats = key_stats(gspc)
    listed = text_of(with_class(shown, "wb-instrument__stats")[0])
    assert f"Previous close {format_price(stats.previous_close, spx)}" in listed
    assert f"52-week range {format_price(3808.86, spx)} to {format_price(5111.06, spx)}" in listed
    assert f"YTD {format_pct(stats.ytd_pct, sign=True)}" in listed
    (graph,) = graphs(shown)
    candles = [t for t in graph.figure.data if isinstance(t, go.Candlestick)]
    assert len(candles) == 1 and len(candles[0].x) == len(window(gspc, "1Y")) == 252
    assert graph.config["displayModeBar"] is True and not graph.config.get("staticPlot")
    assert graph.figure.layout.hovermode == "x unified"
    assert not view.pending and instrument.poll_ms(view) == instrument.SETTLED_POLL_MS


def test_ad_hoc_symbol_pending_then_answered_then_failed(board, gspc):
    pending = instrument.view_of(board, "AAPL", {})
    assert pending.daily.ident == "yahoo:AAPL" and pending.pending
    assert instrument.poll_ms(pending) == instrument.PENDING_POLL_MS
    assert "AAPL (demo): fetching…" in text_of(instrument.page(pending, {}))

    answer(board, "yahoo:AAPL", gspc, source="demo")
    ok = instrument.view_of(board, "yahoo:AAPL", {})
    shown = instrument.page(ok, {})
    assert text_of(with_class(shown, "wb-instrument__price")[0]) == format_price(gspc[-1].close)
    change = gspc[-1].close - gspc[-2].close
    assert f"+{change:,.2f}" in text_of(with_class(shown, "wb-instrument__change")[0])
    assert text_of(with_class(shown, "wb-instrument__asof")[0]).startswith("demo · as of Thu 29")
    assert not ok.pending and len(graphs(shown)) == 1

    failed = "No daily history for MSFT: yahoo: not found"
    answer(board, "yahoo:MSFT", [], status="error", error=failed)
    bad = instrument.page(instrument.view_of(board, "MSFT", {}), {})
    (alert,) = [n for n in walk(bad) if isinstance(n, html.P) and n.role == "alert"]
    assert alert.children == failed and graphs(bad) == []


@pytest.mark.parametrize("ident", ["<b>hi</b>", "yahoo:A B", "ftp:AAPL", "x" * 60, "", None])
def test_a_malformed_ident_says_so_without_repeating_it(board, ident):
    shown = page_of(board, ident)
    text = text_of(shown)
    assert "#" not in text and "instrument-refused" in str(shown)
    refused = next(n for n in walk(shown) if getattr(n, "id", None) == "instrument-refused")
    assert refused.children.endswith(")") or refused.children.endswith(".")
    if ident:
        assert ident not in text
    assert graphs(shown) == [] and links(shown) == []


def test_kiosk_page_is_static_and_has_no_link_or_control(board, gspc):
    answer(board, "spx", gspc)
    shown = page_of(board, "spx", kiosk="1", overlays="sma50", compare="ndx")
    assert links(shown) == []
    assert not [n for n in walk(shown) if isinstance(n, html.Button | dcc.Input | html.A)]
    (graph,) = graphs(shown)
    assert graph.config["staticPlot"] is True and graph.config["displayModeBar"] is False
    assert graph.figure.layout.hovermode is False
    assert "6M · candles · SMA 50 · compared with Nasdaq 100" in text_of(shown)


@pytest.mark.parametrize(
    ("query", "expected", "note"),
    [
        ({"range": "1Y"}, {"range": "1Y"}, None),
        ({"range": "ytd"}, {"range": "YTD"}, None),
        ({"range": "10Y"}, {"range": "6M"}, "Unknown range"),
        ({"range": ["1Y", "5Y"]}, {"range": "6M"}, "Give the range once"),
        ({"style": "line"}, {"style": "line"}, None),
        ({"style": "<i>"}, {"style": "candles"}, "Unknown chart style"),
        ({"overlays": "rsi,sma20,rsi"}, {"overlays": ("sma20", "rsi")}, None),
        ({"overlays": "sma20,<b>"}, {"overlays": ("sma20",)}, "Unknown overlays"),
        ({"compare": "ndx"}, {"compare": "ndx"}, None),
        ({"compare": "stooq:aapl.us"}, {"compare": "stooq:aapl.us"}, None),
        ({"compare": "spx"}, {"compare": None}, "that is the instrument shown"),
        ({"compare": "<script>"}, {"compare": None}, "Not compared: That is not a Yahoo symbol"),
        ({"kiosk": "1"}, {"kiosk": True}, None),
        ({"kiosk": "yes"}, {"kiosk": False}, None),
    ],
)
def test_query_values(board, query, expected, note):
    choices = instrument.view_of(board, "spx", query).choices
    for name, value in expected.items():
        assert getattr(choices, name) == value
    if note is None:
        assert choices.notes == ()
    else:
        assert len(choices.notes) == 1 and note in choices.notes[0]
        assert "<" not in choices.notes[0]
        shown = page_of(board, "spx", **query)
        assert choices.notes[0] in text_of(shown)


def test_the_chart_follows_style_overlays_and_compare(board, gspc):
    answer(board, "spx", gspc)
    answer(board, "ndx", gspc[:-40])  # ends 40 sessions earlier: cut to the same window
    line = graphs(page_of(board, "spx", style="line", overlays="sma20,bollinger,rsi,macd"))[0]
    names = [t.name for t in line.figure.data]
    assert isinstance(line.figure.data[0], go.Scatter) and line.figure.data[0].name == "S&P 500"
    for name in (
        "SMA 20",
        f"Bollinger 20, 2{SIGMA}",
        "RSI 14",
        "MACD 12, 26",
        "Signal 9",
        "Volume",
    ):
        assert name in names
    # Volume and MACD bars carry no text and say so (plotly.js would lay out a label per bar).
    bars = [t for t in line.figure.data if t.type == "bar"]
    assert len(bars) == 2 and {t.textposition for t in bars} == {"none"}
    compared = graphs(page_of(board, "spx", compare="ndx", overlays="sma20"))[0]
    mine, theirs = [t for t in compared.figure.data if (t.meta or {}).get("normalised")]
    assert (mine.name, theirs.name) == ("S&P 500", "Nasdaq 100")
    assert mine.y[0] == theirs.y[0] == 0.0  # both from the range's first bar
    shown = window(gspc, "6M")
    assert mine.y[-1] == pytest.approx((shown[-1].close / shown[0].close - 1) * 100, abs=1e-6)
    assert mine.x[0] == theirs.x[0] and len(theirs.x) == len(mine.x) - 40
    assert "SMA 20" not in [t.name for t in compared.figure.data]  # price units: left out


def test_every_control_is_a_link_to_the_view_it_shows(board, gspc):
    answer(board, "spx", gspc)
    shown = page_of(board, "spx", range="1Y", overlays="sma50", compare="ndx")
    hrefs = {text_of(link): link.href for link in links(shown)}
    assert hrefs["5Y"] == "/instrument/spx?range=5Y&overlays=sma50&compare=ndx"
    assert hrefs["1Y (shown)"] == "/instrument/spx?range=1Y&overlays=sma50&compare=ndx"
    assert hrefs["6M"] == "/instrument/spx?overlays=sma50&compare=ndx"  # the default: left out
    assert hrefs["Line"] == "/instrument/spx?range=1Y&style=line&overlays=sma50&compare=ndx"
    assert hrefs["SMA 20"] == "/instrument/spx?range=1Y&overlays=sma20,sma50&compare=ndx"
    assert hrefs["✓ SMA 50 (shown)"] == "/instrument/spx?range=1Y&compare=ndx"
    assert hrefs["Remove compare"] == "/instrument/spx?range=1Y&overlays=sma50"
    assert instrument.href("yahoo:^GSPC", {"range": "1D"}) == "/instrument/yahoo:%5EGSPC?range=1D"


def test_intraday_ranges_ask_for_the_intraday_series_too(board):
    view = instrument.view_of(board, "spx", {"range": "5D", "compare": "AAPL"}, SCREEN)
    assert [lookup.key for lookup in view.lookups] == [
        "spx:daily",
        "spx:intraday",
        "yahoo:AAPL:intraday",
    ]
    assert set(board.lookups.live()) == {"spx:daily", "spx:intraday", "yahoo:AAPL:intraday"}


def test_poll_asks_for_each_lookup_and_answers_only_on_change(board, gspc):
    state = {"ident": "yahoo:AAPL", "query": {}}
    children, version, interval = instrument.on_poll(board, state, SCREEN, None)
    assert interval == instrument.PENDING_POLL_MS and "fetching…" in text_of(children)
    assert SCREEN in board.lookups.live()["yahoo:AAPL:daily"]["screens"]
    with pytest.raises(PreventUpdate):  # nothing new: 204
        instrument.on_poll(board, state, SCREEN, version)
    answer(board, "yahoo:AAPL", gspc)
    children, _, interval = instrument.on_poll(board, state, SCREEN, version)
    assert interval == instrument.SETTLED_POLL_MS and len(graphs(children)) == 1
    with pytest.raises(PreventUpdate):  # no screen id yet
        instrument.on_poll(board, state, None, None)


@pytest.mark.parametrize(
    ("state", "screen"),
    [
        ("spx", SCREEN),
        ({"ident": 3}, SCREEN),
        ({"ident": "spx", "query": {"a": [1]}}, SCREEN),
        ({"ident": "spx", "query": {}}, "bad id!"),
        ({"ident": "spx", "query": {}}, "x" * 65),
    ],
)
def test_poll_refuses_a_hand_made_payload(board, state, screen):
    with pytest.raises(HTTPException) as refused:
        instrument.on_poll(board, state, screen, None)
    assert refused.value.response.status_code == 400


def test_beyond_the_cap_the_page_says_so(board):
    for symbol in ("A", "B", "C", "D", "E"):
        instrument.view_of(board, symbol, {}, SCREEN)
    view = instrument.view_of(board, "F", {}, SCREEN)
    assert view.ask_error and "the most it may (5)" in view.ask_error and not view.pending
    assert view.ask_error in text_of(instrument.page(view, {}))
    assert "yahoo:F:daily" not in board.lookups.live()
    # Configured instruments never count against the cap.
    assert instrument.view_of(board, "ndx", {}, SCREEN).ask_error is None


def test_compare_box(board):
    state = {"ident": "spx", "query": {"range": "1Y"}}
    assert instrument.compare_target(board.settings, state, " ndx ") == (
        "/instrument/spx?range=1Y&compare=ndx",
        "",
    )
    assert instrument.compare_target(board.settings, state, "nvda")[0] == (
        "/instrument/spx?range=1Y&compare=yahoo:NVDA"
    )
    target, message = instrument.compare_target(board.settings, state, "<img src=x>")
    assert target is no_update and "not a Yahoo symbol" in message and "<" not in message
    assert instrument.compare_target(board.settings, state, "spx")[0] is no_update
    assert instrument.compare_target(board.settings, state, None)[0] is no_update


def test_the_page_is_served_and_only_one_ident_deep(app):
    client = app.server.test_client()
    for path in ("/instrument/spx", "/instrument/yahoo:%5EGSPC", "/instrument/%3Cb%3E"):
        assert client.get(path).status_code == 200, path
    for path in ("/instrument/", "/instrument/a/b", "/instruments/spx"):
        assert client.get(path).status_code == 404, path


def test_layout_reads_the_cache_only(board, gspc, monkeypatch):
    answer(board, "spx", gspc)
    monkeypatch.setattr(board, "ask_lookup", lambda *a: pytest.fail("the layout asked"))
    shown = instrument.layout("spx", range="YTD")
    assert shown.to_plotly_json()["props"]["data-ident"] == "spx"
    (graph,) = graphs(shown)
    assert len(graph.figure.data[0].x) == len(window(gspc, "YTD"))
    assert board.clock() - board.lookup_result(lookup_for(board.settings, "spx")).fetched_at < (
        timedelta(minutes=1)
    )
