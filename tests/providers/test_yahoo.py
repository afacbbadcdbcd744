"""Yahoo chart provider: recorded chart payloads through the request check and the parsers,
error paths through `load`.

No test touches the internet: `load` gets a fake fetch, or the default one (the shared HTTP
client on yfinance's curl_cffi session) pointed at a fake Yahoo on loopback.

No recording has the 5-minute bars a quote asks for: where a test needs a quote through `load`,
it gets `quote_answer`, a recording's meta labelled as the answer, without its bars.
"""

from __future__ import annotations

import copy
import importlib
import json
import random
import re
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote

import pytest

from config import load_settings
from config.schema import Instrument, RecordKind
from providers.base import Request
from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    RateLimited,
    Unavailable,
)
from providers.yahoo import (
    ChartQuery,
    YahooProvider,
    chart_request,
    check_answer,
    history_query,
    parse_chart_bars,
    parse_chart_quote,
    parse_history,
)
from tests.providers.test_http import EndlessBody
from tests.support import paths
from tests.support.fakeupstream import PerRequest
from tests.support.openfake import cut_to_range
from tests.support.openfake import yahoo_chart as openfake_chart

FIXTURES = paths.FIXTURES / "yahoo"
GSPC_1D = "chart_GSPC_INDEX_range1d_interval1d_2024-02-29.json"
GSPC_BARS = "chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json"
AAPL_WEEKEND = "chart_AAPL_1m_20250201_weekend_no_timestamp.json"
VXAPL = "chart_VXAPL_INDEX_1d_20200101-20200103_no_timestamp.json"
MDLY_404 = "chart_error_404_MDLY_not_found.json"
TSLA = "chart_TSLA_30m_prepost_20211122.json"
# Later than every regularMarketTime in the fixtures (the latest is 2025-02-20).
NOW = datetime(2025, 3, 1, tzinfo=UTC)


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def settings():
    return load_settings(env={})


def quote_answer(name: str = GSPC_1D, symbol: str | None = None) -> dict:
    """A recording as the answer to a quote request (range 1d, 5-minute bars), for the load path
    and the HTTP client. No recording has 5-minute bars: its meta, which gives a quote its price,
    time and previous close whatever the interval, labelled as that answer (and with `symbol`),
    its bars, which are not 5-minute ones, left out as in Yahoo's answer for a day without
    trading. check_answer itself is tested on the recordings as they are."""
    payload = fixture(name)
    result = payload["chart"]["result"][0]
    result["meta"].update(dataGranularity="5m", range="1d")
    if symbol is not None:
        result["meta"]["symbol"] = symbol
    result.pop("timestamp")
    result["indicators"] = {"quote": [{}]}
    return payload


def bars_answer(name: str = GSPC_BARS) -> dict:
    """A recording of daily bars as the answer to a year of them: its last year's bars."""
    payload = fixture(name)
    cut_to_range(payload["chart"]["result"][0], "1y")
    return payload


def instrument(settings, dataset: str, inst_id: str) -> Instrument:
    return next(i for i in settings.datasets[dataset].instruments if i.id == inst_id)


def request(dataset: str, kind: RecordKind, *instruments: Instrument) -> Request:
    return Request(dataset=dataset, kind=kind, instruments=instruments, now=NOW, market="XNYS")


class FakeFetch:
    """Answers by symbol: a payload (dict or anything) or an exception to raise; records calls."""

    def __init__(self, answers: dict):
        self.answers = answers
        self.calls: list[tuple[str, dict, float]] = []

    def __call__(self, url: str, params: dict, timeout: float):
        self.calls.append((url, params, timeout))
        answer = self.answers[unquote(url.rsplit("/", 1)[1])]
        if isinstance(answer, Exception):
            raise answer
        return answer


# --- build the request ----------------------------------------------------------------------


def test_chart_request_encodes_the_symbol_and_sets_range_and_interval():
    url, params = chart_request("^GSPC", range_="1d", interval="5m")
    assert url == "https://query2.finance.yahoo.com/v8/finance/chart/%5EGSPC"
    assert params == {"range": "1d", "interval": "5m", "includePrePost": "false"}
    url, _ = chart_request("EURUSD=X", range_="1y", interval="1d", base_url="http://mock:8/")
    assert url == "http://mock:8/v8/finance/chart/EURUSD%3DX"


# --- parse: quotes --------------------------------------------------------------------------


def test_quote_from_the_gspc_range_1d_recording():
    quote = parse_chart_quote(
        fixture(GSPC_1D), symbol="^GSPC", name="S&P 500", now=NOW, market="XNYS"
    )
    assert quote.price == 5085.06
    assert quote.prev_close == 5069.76  # meta.chartPreviousClose; there is no previousClose
    assert quote.change == pytest.approx(15.30)
    assert quote.change_pct == pytest.approx(15.30 / 5069.76 * 100)
    assert quote.currency == "USD"
    assert quote.as_of == datetime(2024, 2, 29, 18, 46, 29, tzinfo=UTC)
    assert quote.sparkline == (5085.06005859375,)
    assert (quote.name, quote.symbol, quote.market) == ("S&P 500", "^GSPC", "XNYS")


@pytest.mark.parametrize(
    ("name", "symbol", "price", "currency", "as_of"),
    [
        (
            "chart_EURUSDX_CURRENCY_1d_20200101-20200103.json",
            "EURUSD=X",
            1.0436,
            "USD",
            datetime(2025, 2, 20, 11, 46, 42, tzinfo=UTC),
        ),
        (
            "chart_GCF_FUTURE_1d_20200101-20200103.json",
            "GC=F",
            2952.5,
            "USD",
            datetime(2025, 2, 20, 11, 35, 11, tzinfo=UTC),
        ),
        (
            "chart_BTC-USD_CRYPTO_1d_20200101-20200103.json",
            "BTC-USD",
            97208.17,
            "USD",
            datetime(2025, 2, 20, 11, 44, tzinfo=UTC),
        ),
        (
            "chart_QQQ_ETF_1d_20200101-20200103.json",
            "QQQ",
            539.52,
            "USD",
            datetime(2025, 2, 19, 21, 0, tzinfo=UTC),
        ),
    ],
)
def test_quote_price_currency_and_time_per_asset_class(name, symbol, price, currency, as_of):
    quote = parse_chart_quote(fixture(name), symbol=symbol, name="configured", now=NOW)
    assert (quote.price, quote.currency, quote.as_of) == (price, currency, as_of)
    assert quote.name == "configured"  # never Yahoo's longName/shortName


def test_configured_currency_wins_and_a_unit_drops_yahoos_currency():
    payload = fixture(GSPC_1D)
    given = parse_chart_quote(payload, symbol="^GSPC", name="x", now=NOW, currency="EUR")
    assert given.currency == "EUR"
    quote = parse_chart_quote(payload, symbol="^GSPC", name="x", now=NOW, unit="pts")
    assert (quote.currency, quote.unit) == (None, "pts")


def test_weekend_chart_without_timestamps_still_gives_a_quote_from_meta():
    quote = parse_chart_quote(fixture(AAPL_WEEKEND), symbol="AAPL", name="Apple", now=NOW)
    assert quote.price == 244.87
    # previousClose (the session before regularMarketTime) beats chartPreviousClose (236, the
    # close before the requested 2025-02-01 window).
    assert quote.prev_close == 244.47
    assert quote.sparkline == ()
    vx = parse_chart_quote(fixture(VXAPL), symbol="^VXAPL", name="VXAPL", now=NOW)
    assert (vx.price, vx.prev_close, vx.sparkline) == (27.37, 27.96, ())


def test_not_found_chart_error_says_symbol_not_found():
    with pytest.raises(EmptyResult, match=r"MDLY: symbol not found"):
        parse_chart_quote(fixture(MDLY_404), symbol="MDLY", name="Medley", now=NOW)
    with pytest.raises(EmptyResult, match=r"MDLY: symbol not found"):
        parse_chart_bars(fixture(MDLY_404), symbol="MDLY")


def _meta(**changes) -> dict:
    payload = fixture(GSPC_1D)
    payload["chart"]["result"][0]["meta"].update(changes)
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "<html>Will be right back</html>",
        {},
        {"chart": None},
        {"chart": {"result": [{}], "error": None}},
        {"chart": {"result": "nope", "error": None}},
        {"chart": {"result": None, "error": {"code": "Bad Request", "description": "x"}}},
        _meta(regularMarketPrice=float("nan")),
        _meta(regularMarketPrice=0),
        _meta(regularMarketPrice=-1.5),
        _meta(regularMarketPrice="5085.06"),
        _meta(regularMarketPrice=True),
        _meta(regularMarketPrice=None),
        _meta(regularMarketTime=None),
        _meta(regularMarketTime=1e30),
        _meta(regularMarketTime=int((NOW + timedelta(minutes=6)).timestamp())),
    ],
)
def test_garbage_quote_payloads_are_bad_payload(payload):
    with pytest.raises(BadPayload, match=r"^\^GSPC: "):
        parse_chart_quote(payload, symbol="^GSPC", name="S&P 500", now=NOW)


def test_a_little_clock_skew_is_tolerated():
    ahead = NOW + timedelta(minutes=4)
    quote = parse_chart_quote(
        _meta(regularMarketTime=int(ahead.timestamp())), symbol="^GSPC", name="x", now=NOW
    )
    assert quote.as_of == ahead


@pytest.mark.parametrize("result", [None, []])
def test_no_result_and_no_error_is_empty(result):
    with pytest.raises(EmptyResult, match="X: no chart result"):
        parse_chart_quote(
            {"chart": {"result": result, "error": None}}, symbol="X", name="X", now=NOW
        )


# --- parse: bars ----------------------------------------------------------------------------


def test_records_carry_the_instrument_id_and_errors_name_yahoos_symbol():
    quote = parse_chart_quote(
        fixture(GSPC_1D), symbol="spx", vendor_symbol="^GSPC", name="S&P 500", now=NOW
    )
    bars = parse_chart_bars(fixture(GSPC_BARS), symbol="spx", vendor_symbol="^GSPC")
    assert {quote.symbol} | {bar.symbol for bar in bars} == {"spx"}
    with pytest.raises(EmptyResult, match=r"^MDLY: symbol not found"):
        parse_chart_quote(fixture(MDLY_404), symbol="mdly", vendor_symbol="MDLY", name="M", now=NOW)
    with pytest.raises(EmptyResult, match=r"^MDLY: symbol not found"):
        parse_chart_bars(fixture(MDLY_404), symbol="mdly", vendor_symbol="MDLY")


def test_daily_bars_from_the_gspc_recording():
    bars = parse_chart_bars(fixture(GSPC_BARS), symbol="^GSPC")
    assert len(bars) == 291
    assert all(a.time < b.time for a, b in pairwise(bars))
    assert bars[0].time == datetime(2023, 1, 3, 14, 30, tzinfo=UTC)
    assert bars[0].close == 3824.139892578125
    by_day = {bar.time.date(): bar for bar in bars}
    dec29 = by_day[datetime(2023, 12, 29).date()]
    assert (dec29.open, dec29.close, dec29.volume) == (
        4782.8798828125,
        4769.830078125,
        3126060000,
    )
    # The last bar is the live one: Yahoo stamps it with the last trade time, not the open.
    assert bars[-1].time == datetime(2024, 2, 29, 18, 46, 29, tzinfo=UTC)
    assert {bar.symbol for bar in bars} == {"^GSPC"}


def test_rows_with_a_null_price_are_skipped_and_null_volume_is_kept():
    payload = fixture(GSPC_BARS)
    quote = payload["chart"]["result"][0]["indicators"]["quote"][0]
    for key in ("open", "high", "low", "close"):  # what Yahoo sends for a holiday row
        quote[key][5] = None
    quote["volume"][6] = None
    bars = parse_chart_bars(payload, symbol="^GSPC")
    assert len(bars) == 290
    skipped = datetime.fromtimestamp(payload["chart"]["result"][0]["timestamp"][5], UTC)
    assert skipped not in {bar.time for bar in bars}
    assert bars[5].volume is None


@pytest.mark.parametrize("name", [AAPL_WEEKEND, VXAPL])
def test_charts_without_timestamps_have_no_bars(name):
    with pytest.raises(EmptyResult, match="no bars"):
        parse_chart_bars(fixture(name), symbol="X")


def _bars_payload(change) -> dict:
    payload = copy.deepcopy(fixture(GSPC_BARS))
    change(payload["chart"]["result"][0])
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        _bars_payload(lambda r: r["timestamp"].__setitem__(3, r["timestamp"][2])),  # repeated
        _bars_payload(lambda r: r["timestamp"].reverse()),  # decreasing
        _bars_payload(lambda r: r["timestamp"].__setitem__(0, None)),
        _bars_payload(lambda r: r["indicators"]["quote"][0]["close"].pop()),  # ragged
        _bars_payload(lambda r: r["indicators"]["quote"][0]["low"].__setitem__(7, -1.0)),
        _bars_payload(lambda r: r["indicators"]["quote"][0]["volume"].__setitem__(7, -5)),
    ],
)
def test_inconsistent_bars_are_bad_payload(payload):
    with pytest.raises(BadPayload, match=r"^\^GSPC: "):
        parse_chart_bars(payload, symbol="^GSPC")


# --- check: the chart answers what was asked --------------------------------------------------

QUOTE_ASK = ChartQuery("^GSPC", "1d", "5m")  # what a quote asks for


def test_the_recordings_answer_what_they_were_recorded_for():
    check_answer(fixture(GSPC_1D), ChartQuery("^GSPC", "1d", "1d"))
    check_answer(fixture(TSLA), ChartQuery("TSLA", "1d", "30m"))  # 04:00 to 18:30 New York
    check_answer(fixture(GSPC_BARS), ChartQuery("^GSPC", "2y", "1d"))  # 422 days: within 2y
    check_answer(bars_answer(), ChartQuery("^GSPC", "1y", "1d"))
    check_answer(fixture(AAPL_WEEKEND), ChartQuery("AAPL", "1d", "1m"))  # no bars at all
    check_answer(fixture(GSPC_1D), ChartQuery("^gspc", "1d", "1d"))  # Yahoo upper-cases
    check_answer(fixture(TSLA), ChartQuery("TSLA", "max", "30m"))  # "max": no bound


@pytest.mark.parametrize(
    ("name", "asked", "words"),
    [
        # the case: daily bars (the ^GSPC day) answering a quote's 5-minute request
        (GSPC_1D, QUOTE_ASK, r"^\^GSPC: asked 5m bars, got 1d bars$"),
        (
            "chart_EURUSDX_CURRENCY_1d_20200101-20200103.json",
            ChartQuery("EURUSD=X", "1d", "5m"),
            r"^EURUSD=X: asked 5m bars, got 1d bars$",
        ),
        (TSLA, ChartQuery("TSLA", "1d", "5m"), r"^TSLA: asked 5m bars, got 30m bars$"),
        (GSPC_BARS, ChartQuery("^GSPC", "1y", "1h"), r"^\^GSPC: asked 1h bars, got 1d bars$"),
        # another symbol's chart: ^GSPC's 5,085 answering for a fed funds future
        (
            GSPC_1D,
            ChartQuery("ZQZ26.CBT", "1d", "1d"),
            r"^ZQZ26\.CBT: asked ZQZ26\.CBT, got a chart of \^GSPC$",
        ),
        # another range: Yahoo names it ...
        (GSPC_1D, ChartQuery("^GSPC", "1y", "1d"), r"^\^GSPC: asked range 1y, got range 1d$"),
        # ... or, for a dated request, the bars span more than the range asked
        (
            GSPC_BARS,
            ChartQuery("^GSPC", "1y", "1d"),
            r"^\^GSPC: asked range 1y, got bars spanning 422 days \(2023-01-03 to 2024-02-29\)$",
        ),
    ],
)
def test_a_chart_that_is_not_what_was_asked_is_refused(name, asked, words):
    with pytest.raises(BadPayload, match=words):
        check_answer(fixture(name), asked)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda meta: meta.pop("symbol"), "got a chart of no symbol"),
        (lambda meta: meta.pop("dataGranularity"), "asked 1d bars, got unnamed bars"),
        (lambda meta: meta.update(dataGranularity=None), "asked 1d bars, got unnamed bars"),
        (lambda meta: meta.update(range="5d"), "asked range 1d, got range 5d"),
    ],
)
def test_a_chart_without_its_labels_is_refused(change, words):
    payload = fixture(GSPC_1D)
    change(payload["chart"]["result"][0]["meta"])
    with pytest.raises(BadPayload, match=words):
        check_answer(payload, ChartQuery("^GSPC", "1d", "1d"))


def test_a_chart_carrying_yahoos_error_raises_as_in_parsing():
    with pytest.raises(EmptyResult, match=r"^MDLY: symbol not found"):
        check_answer(fixture(MDLY_404), ChartQuery("MDLY", "1d", "5m"))
    with pytest.raises(BadPayload, match=r"^X: not a chart document"):
        check_answer("<html>", ChartQuery("X", "1d", "5m"))


def test_load_refuses_the_daily_recording_for_a_quote_and_names_what_came(settings):
    spx, ndx = (instrument(settings, "indices", i) for i in ("spx", "ndx"))
    fake = FakeFetch({"^GSPC": fixture(GSPC_1D), "^NDX": quote_answer(symbol="^NDX")})
    batch = YahooProvider(settings, fetch_json=fake).load(
        request("indices", RecordKind.QUOTE, spx, ndx)
    )
    assert [q.symbol for q in batch.records] == ["ndx"]
    assert batch.problems == ["^GSPC: asked 5m bars, got 1d bars"]


def test_load_refuses_another_symbols_chart_for_a_fed_funds_future(settings):
    dec = instrument(settings, "fed_funds_futures", "zq_2026_12")
    fake = FakeFetch({"ZQZ26.CBT": quote_answer()})  # ^GSPC's day, labelled as a quote's answer
    with pytest.raises(BadPayload, match=r"^ZQZ26\.CBT: asked ZQZ26\.CBT, got a chart of \^GSPC$"):
        YahooProvider(settings, fetch_json=fake).load(
            request("fed_funds_futures", RecordKind.QUOTE, dec)
        )


def test_load_refuses_bars_spanning_more_than_the_range_asked(settings):
    spx = instrument(settings, "history", "spx")
    longer = fixture(GSPC_BARS)
    stamps = longer["chart"]["result"][0]["timestamp"]
    for i in range(len(stamps)):  # the same 291 bars, ten years apart from the first to the last
        stamps[i] -= (len(stamps) - 1 - i) * 86400 * 13
    fake = FakeFetch({"^GSPC": longer})
    with pytest.raises(BadPayload, match=r"^\^GSPC: asked range \w+, got bars spanning \d+ days"):
        YahooProvider(settings, fetch_json=fake).load(request("history", RecordKind.BAR, spx))


# --- load: one dataset, several instruments --------------------------------------------------


def test_load_quotes_keeps_the_good_ones_and_reports_the_missing_symbol(settings):
    foo = Instrument(id="foo", name="Foo index", symbols={"yahoo": "^FOO"})
    fake = FakeFetch(
        {
            "^GSPC": quote_answer(),
            "EURUSD=X": quote_answer("chart_EURUSDX_CURRENCY_1d_20200101-20200103.json"),
            "^FOO": fixture(MDLY_404),
        }
    )
    provider = YahooProvider(settings, fetch_json=fake)
    spx, eurusd = instrument(settings, "indices", "spx"), instrument(settings, "fx", "eurusd")
    batch = provider.load(request("indices", RecordKind.QUOTE, spx, foo, eurusd))
    assert [(q.symbol, q.name, q.price) for q in batch.records] == [
        ("spx", "S&P 500", 5085.06),
        ("eurusd", "EUR/USD", 1.0436),
    ]
    assert batch.problems == ["^FOO: symbol not found"]
    assert batch.records[0].market == "XNYS"
    url, params, timeout = fake.calls[0]
    assert url.endswith("/v8/finance/chart/%5EGSPC")
    assert (params["range"], params["interval"]) == ("1d", "5m")
    assert timeout == settings.deadline_s("indices") == 8


def test_load_bars_returns_every_bar_and_asks_for_daily_bars(settings):
    spx, ndx = (instrument(settings, "history", i) for i in ("spx", "ndx"))
    fake = FakeFetch({"^GSPC": bars_answer(), "^NDX": Unavailable("Yahoo answered HTTP 503")})
    batch = YahooProvider(settings, fetch_json=fake).load(
        request("history", RecordKind.BAR, spx, ndx)
    )
    assert len(batch.records) == 251  # the recording's last year
    assert batch.problems == ["^NDX: Yahoo answered HTTP 503"]
    # one range for both, a year or more (how much more depends on the bars the chart shows)
    ((range_, interval),) = {(p["range"], p["interval"]) for _, p, _ in fake.calls}
    assert interval == "1d" and range_ in ("1y", "2y", "5y", "10y", "max")


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"^GSPC": Unavailable("HTTP 503"), "^NDX": RateLimited("slow down", 30)}, RateLimited),
        ({"^GSPC": fixture(MDLY_404), "^NDX": Unavailable("HTTP 502")}, Unavailable),
        ({"^GSPC": fixture(MDLY_404), "^NDX": fixture(MDLY_404)}, EmptyResult),
        ({"^GSPC": {"chart": {}}, "^NDX": "not json"}, BadPayload),
        ({"^GSPC": _meta(regularMarketPrice=float("nan")), "^NDX": [1, 2]}, BadPayload),
    ],
)
def test_when_every_instrument_fails_the_most_relevant_error_is_raised(settings, answers, expected):
    spx, ndx = (instrument(settings, "indices", i) for i in ("spx", "ndx"))
    provider = YahooProvider(settings, fetch_json=FakeFetch(answers))
    with pytest.raises(expected) as caught:
        provider.load(request("indices", RecordKind.QUOTE, spx, ndx))
    if expected is RateLimited:
        assert caught.value.retry_after_s == 30
        assert str(caught.value) == "^NDX: slow down"


def test_load_refuses_unmapped_instruments(settings):
    provider = YahooProvider(settings, fetch_json=FakeFetch({}))
    effr = instrument(settings, "policy_rates", "effr")  # FRED only
    with pytest.raises(NotConfigured):
        provider.load(request("policy_rates", RecordKind.QUOTE, effr))


def test_intraday_bars_with_pre_and_post_market_sessions():
    # TSLA 2021-11-22 at 30 minutes, includePrePost: 04:00 to 18:30 New York, 30 bars.
    payload = fixture("chart_TSLA_30m_prepost_20211122.json")
    bars = parse_chart_bars(payload, symbol="TSLA")
    assert len(bars) == 30
    assert bars[0].time == datetime(2021, 11, 22, 9, 0, tzinfo=UTC)  # 04:00 EST, pre-market
    assert bars[-1].time == datetime(2021, 11, 22, 23, 30, tzinfo=UTC)  # 18:30 EST, post
    assert (bars[0].close, bars[-1].close) == (1168.7, 1156.49)
    quote = parse_chart_quote(
        payload, symbol="TSLA", name="Tesla", now=datetime(2021, 11, 23, tzinfo=UTC)
    )
    assert (quote.price, quote.currency, len(quote.sparkline)) == (1156.87, "USD", 30)
    assert quote.as_of == datetime(2021, 11, 22, 21, 0, 3, tzinfo=UTC)  # the regular close


# --- parse: rows in time order, for quotes as for bars -----------------------------------------

TSLA_NOW = datetime(2021, 11, 23, tzinfo=UTC)


def _shuffled(name: str, seed: int = 7) -> dict:
    """A recorded chart with its rows in another order: timestamps and columns moved alike."""
    payload = fixture(name)
    result = payload["chart"]["result"][0]
    order = list(range(len(result["timestamp"])))
    random.Random(seed).shuffle(order)
    result["timestamp"] = [result["timestamp"][i] for i in order]
    columns = result["indicators"]["quote"][0]
    for key, column in columns.items():
        columns[key] = [column[i] for i in order]
    return payload


def test_a_shuffled_chart_is_refused_for_quotes_as_for_bars(settings):
    payload = _shuffled(TSLA)
    stamps = payload["chart"]["result"][0]["timestamp"]
    assert stamps != sorted(stamps) and len(set(stamps)) == len(stamps) == 30
    with pytest.raises(BadPayload, match=r"^TSLA: chart times are not strictly increasing \("):
        parse_chart_quote(payload, symbol="TSLA", name="Tesla", now=TSLA_NOW)
    with pytest.raises(BadPayload, match=r"^TSLA: bar times are not strictly increasing \("):
        parse_chart_bars(payload, symbol="TSLA")
    # Through load, the quote is a problem named by its symbol, never a tile in shuffled order
    # (the chart labelled as a quote's answer, so that its order is what is checked).
    payload["chart"]["result"][0]["meta"].update(dataGranularity="5m", range="1d")
    tsla = Instrument(id="tsla", name="Tesla", symbols={"yahoo": "TSLA"})
    provider = YahooProvider(settings, fetch_json=FakeFetch({"TSLA": payload}))
    with pytest.raises(BadPayload, match=r"^TSLA: chart times .* out of order\)$"):
        provider.load(request("indices", RecordKind.QUOTE, tsla))


def _tsla(change) -> dict:
    payload = fixture(TSLA)
    change(payload["chart"]["result"][0])
    return payload


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (_tsla(lambda r: r["timestamp"].__setitem__(3, r["timestamp"][2])), r"\(.* repeated\)"),
        (_tsla(lambda r: r["timestamp"].reverse()), r"\(.* out of order\)"),
        (_tsla(lambda r: r["timestamp"].__setitem__(0, None)), "a chart time is missing"),
        (_tsla(lambda r: r["timestamp"].pop()), "do not line up"),
        (_tsla(lambda r: r.pop("timestamp")), "do not line up"),  # closes with no times
    ],
)
def test_a_quote_sparkline_needs_one_time_per_close_in_order(payload, words):
    with pytest.raises(BadPayload, match=rf"^TSLA: .*{words}"):
        parse_chart_quote(payload, symbol="TSLA", name="Tesla", now=TSLA_NOW)


# --- the default fetch: the shared HTTP client on yfinance's session, a fake Yahoo on loopback --

CHART_ROUTE = "/v8/finance/chart/*"
GSPC_1D_BYTES = (FIXTURES / GSPC_1D).read_bytes()
MB = 1024 * 1024


def _quote_for(raw: str) -> bytes:
    return json.dumps(quote_answer(symbol=unquote(raw.split("?")[0].rsplit("/", 1)[1]))).encode()


QUOTES = PerRequest(_quote_for)  # each symbol's quote request answered as `quote_answer`


def on_loopback(make_settings, base_url: str, deadline_s: float = 8, **options) -> YahooProvider:
    """The provider with its default fetch, pointed at a loopback base URL."""
    yahoo = {"base_url": base_url, "requests_per_second": 50, **options}
    settings = make_settings(providers={"yahoo": yahoo}, refresh={"deadline_s": deadline_s})
    return YahooProvider(settings)


def indices(provider: YahooProvider, *ids: str) -> Request:
    picked = (instrument(provider.settings, "indices", i) for i in ids)
    return request("indices", RecordKind.QUOTE, *picked)


def hits(upstream) -> int:
    return sum(upstream.hits.values())


def peak_growth_mb(action):
    """Run `action`; what it raised (or returned), and how far peak resident memory rose."""
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from now (Linux)
    before = vm_kib("VmRSS")
    try:
        result = action()
    except Exception as exc:  # the error is the result here
        result = exc
    return result, (vm_kib("VmHWM") - before) / 1024


def vm_kib(key: str) -> int:
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(key))
    return int(line.split()[1])


def test_default_fetch_reads_the_chart_through_the_shared_client(make_settings, upstream):
    upstream.route(CHART_ROUTE, body=QUOTES, headers={"Content-Type": "application/json"})
    provider = on_loopback(make_settings, upstream.url)
    batch = provider.load(indices(provider, "spx"))
    assert [(q.symbol, q.price) for q in batch.records] == [("spx", 5085.06)]
    path = "/v8/finance/chart/%5EGSPC"
    assert upstream.query_hits == {f"{path}?range=1d&interval=5m&includePrePost=false": 1}
    assert "Chrome/" in upstream.request_headers[path]["User-Agent"]  # yfinance's session


def test_a_429_with_retry_after_holds_every_yahoo_call_until_it_ends(make_settings, upstream):
    upstream.route(CHART_ROUTE, status=429, headers={"Retry-After": "1"}, body=b"Too Many")
    provider = on_loopback(make_settings, upstream.url)
    quotes = indices(provider, "spx", "ndx", "dji")
    with pytest.raises(RateLimited) as caught:
        provider.load(quotes)
    assert hits(upstream) == 1  # one 429, and neither a retry nor the other symbols after it
    assert caught.value.retry_after_s == 1
    assert re.match(r"\^GSPC: 127\.0\.0\.1:\d+ answered 429", str(caught.value))
    upstream.route(CHART_ROUTE, body=QUOTES)  # Yahoo would answer again, but was not asked
    bars = request("history", RecordKind.BAR, instrument(provider.settings, "history", "spx"))
    for again in (quotes, bars):
        with pytest.raises(RateLimited, match=r"^\^GSPC: yahoo: .* asked to wait") as held:
            provider.load(again)
        assert 0 < held.value.retry_after_s <= 1
    assert hits(upstream) == 1, "a call went to Yahoo before its Retry-After ended"
    time.sleep(1.05)
    assert [q.symbol for q in provider.load(quotes).records] == ["spx", "ndx", "dji"]
    assert hits(upstream) == 4


def test_a_429_without_retry_after_stops_the_round(make_settings, upstream):
    upstream.route(CHART_ROUTE, status=429, body=b"Too Many Requests")
    provider = on_loopback(make_settings, upstream.url)
    with pytest.raises(RateLimited) as caught:
        provider.load(indices(provider, "spx", "ndx", "dji"))
    assert hits(upstream) == 1  # Yahoo limits the address, not the symbol
    assert caught.value.retry_after_s is None


@pytest.mark.parametrize("length", ["declared", "unknown"])
def test_a_60_mb_chart_is_cut_at_max_bytes_with_an_error_naming_the_cap(
    make_settings, upstream, length
):
    huge = b'{"chart": {"result": [' + b" " * (60 * MB) + b"]}}"
    upstream.route(CHART_ROUTE, body=huge)  # with its Content-Length: refused before reading
    with EndlessBody(total=60 * MB) as endless:  # no length: counted as it streams
        base = upstream.url if length == "declared" else endless.url
        provider = on_loopback(make_settings, base, max_bytes=MB)
        importlib.import_module("yfinance")  # imported before measuring: pandas alone is more
        started = time.monotonic()
        error, growth = peak_growth_mb(lambda: provider.load(indices(provider, "spx")))
        elapsed = time.monotonic() - started
        if length == "unknown":
            assert endless.sent < 20 * MB, f"{endless.sent / MB:.0f} MB sent before the hang-up"
    assert isinstance(error, BadPayload), error
    words = "is 61440 KiB, over the 1024 KiB cap" if length == "declared" else "over 1024 KiB"
    assert str(error).startswith("^GSPC: 127.0.0.1:") and words in str(error), str(error)
    assert growth < 30, f"peak memory rose {growth:.0f} MB"  # read whole: 60 MB at least
    assert elapsed < 5


def test_a_truncated_chart_is_reported_as_truncated(make_settings, upstream):
    upstream.route(CHART_ROUTE, body=GSPC_1D_BYTES, truncate=True)  # declares all, sends half
    provider = on_loopback(make_settings, upstream.url)
    with pytest.raises(Unavailable, match=r"^\^GSPC: 127\.0\.0\.1:\d+ answer truncated") as caught:
        provider.load(indices(provider, "spx"))
    assert "HTTP 200" not in str(caught.value)


def test_the_per_host_rate_limit_applies_to_yahoo(make_settings, upstream):
    upstream.route(CHART_ROUTE, body=QUOTES)
    provider = on_loopback(make_settings, upstream.url, requests_per_second=2)
    started = time.monotonic()
    batch = provider.load(indices(provider, "spx", "ndx", "dji", "dax", "ftse"))
    assert len(batch.records) == 5 and not batch.problems
    # 2 a second with a burst of 2: the 5th request cannot go before ~2 s.
    assert time.monotonic() - started >= 1.5
    assert hits(upstream) == 5
    # Waiting longer than the call's own deadline is not done: that instrument fails instead.
    impatient = on_loopback(make_settings, upstream.url, deadline_s=0.3, requests_per_second=1)
    batch = impatient.load(indices(impatient, "spx", "ndx"))
    assert [q.symbol for q in batch.records] == ["spx"]
    assert len(batch.problems) == 1 and "^NDX: " in batch.problems[0]
    assert "local rate limit" in batch.problems[0]


@pytest.mark.parametrize(
    ("route", "expected", "words"),
    [
        ({"status": 404, "body": (FIXTURES / MDLY_404).read_bytes()}, EmptyResult, "not found"),
        ({"status": 404, "body": b"<html>gone</html>"}, EmptyResult, "symbol not found"),
        (
            {"status": 400, "body": b'{"chart":{"result":null,"error":{"code":"Bad Request"}}}'},
            BadPayload,
            "Yahoo error Bad Request",
        ),
        ({"status": 400, "body": b"<html>Bad Request</html>"}, BadPayload, "HTTP 400"),
        ({"status": 401, "body": b'{"finance":{"error":{}}}'}, Unavailable, r"refused .*401"),
        ({"status": 503, "body": b"<html>Will be right back</html>"}, Unavailable, "HTTP 503"),
        ({"body": b"<html>Will be right back</html>"}, BadPayload, "not JSON"),
        ({"hang": True}, Unavailable, r"no answer from .* within 1 s"),
    ],
)
def test_default_fetch_maps_yahoos_answers(make_settings, upstream, route, expected, words):
    upstream.route(CHART_ROUTE, **route)
    provider = on_loopback(make_settings, upstream.url, deadline_s=1)
    with pytest.raises(expected, match=rf"^\^GSPC: .*{words}") as caught:
        provider.load(indices(provider, "spx"))
    assert type(caught.value) is expected


def test_the_daily_recording_served_for_a_quote_is_refused_over_loopback(make_settings, upstream):
    upstream.route(CHART_ROUTE, body=GSPC_1D_BYTES)
    provider = on_loopback(make_settings, upstream.url)
    with pytest.raises(BadPayload, match=r"^\^GSPC: asked 5m bars, got 1d bars$"):
        provider.load(indices(provider, "spx"))


def test_default_fetch_reports_a_closed_port(make_settings):
    provider = on_loopback(make_settings, "http://127.0.0.1:9", deadline_s=1)
    with pytest.raises(Unavailable, match=r"^\^GSPC: could not connect to 127\.0\.0\.1:9"):
        provider.load(indices(provider, "spx"))


# --- one symbol's history, for a lookup (engine.lookups) --------------------------------------


def test_history_asks_five_years_of_daily_or_five_days_of_5_minute_bars():
    assert history_query("AAPL", "daily") == ChartQuery("AAPL", "5y", "1d")
    assert history_query("^GSPC", "intraday") == ChartQuery("^GSPC", "5d", "5m")
    with pytest.raises(NotConfigured, match="yahoo has no weekly history"):
        history_query("AAPL", "weekly")


def test_history_from_the_gspc_recording_labelled_with_yahoos_symbol():
    payload = fixture(GSPC_BARS)
    bars = parse_history(payload, ChartQuery("^GSPC", "5y", "1d"), now=NOW)
    assert bars == parse_chart_bars(payload, symbol="^GSPC")
    assert len(bars) == 291 and {b.symbol for b in bars} == {"^GSPC"}
    assert bars[0].time < bars[-1].time and all(a.time < b.time for a, b in pairwise(bars))


def test_history_refuses_a_chart_that_is_not_the_answer():
    with pytest.raises(BadPayload, match=r"^\^GSPC: asked 5m bars, got 1d bars$"):
        parse_history(fixture(GSPC_BARS), ChartQuery("^GSPC", "5d", "5m"), now=NOW)
    with pytest.raises(BadPayload, match=r"^AAPL: asked AAPL, got a chart of \^GSPC$"):
        parse_history(fixture(GSPC_BARS), ChartQuery("AAPL", "5y", "1d"), now=NOW)
    with pytest.raises(BadPayload, match=r"asked range 5d, got bars spanning"):
        parse_history(fixture(GSPC_BARS), ChartQuery("^GSPC", "5d", "1d"), now=NOW)
    with pytest.raises(EmptyResult, match="symbol not found"):
        parse_history(fixture(MDLY_404), ChartQuery("MDLY", "5y", "1d"), now=NOW)


def test_history_refuses_bars_from_the_future():
    with pytest.raises(BadPayload, match=r"^\^GSPC: bar time 2024-02-29 18:46 UTC is ahead"):
        parse_history(
            fixture(GSPC_BARS),
            ChartQuery("^GSPC", "5y", "1d"),
            now=datetime(2024, 1, 1, tzinfo=UTC),
        )


def test_history_fetches_one_chart_and_names_the_symbol_in_errors(settings):
    fetch = FakeFetch(
        {"^GSPC": fixture(GSPC_BARS), "NOPE": EmptyResult("symbol not found (HTTP 404)")}
    )
    provider = YahooProvider(settings, fetch_json=fetch)
    bars = provider.history("^GSPC", "daily", NOW, "XNYS")
    assert len(bars) == 291
    [(url, params, timeout)] = fetch.calls
    assert url.endswith("/v8/finance/chart/%5EGSPC")
    assert params == {"range": "5y", "interval": "1d", "includePrePost": "false"}
    assert timeout == settings.refresh.deadline_s
    with pytest.raises(EmptyResult, match=r"^NOPE: symbol not found \(HTTP 404\)$"):
        provider.history("NOPE", "daily", NOW)


def test_history_over_loopback_from_the_fake_yahoo(make_settings, upstream):
    upstream.route(CHART_ROUTE, body=PerRequest(openfake_chart))
    provider = on_loopback(make_settings, upstream.url)
    bars = provider.history("AAPL", "daily", NOW)
    assert len(bars) == 291 and bars[-1].symbol == "AAPL"
    assert list(upstream.query_hits) == [
        "/v8/finance/chart/AAPL?range=5y&interval=1d&includePrePost=false"
    ]
