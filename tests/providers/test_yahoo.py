"""Yahoo chart provider: recorded chart payloads through the parsers, error paths through `load`.

No test touches the network: `load` gets a fake fetch, and the default fetch is exercised with
yfinance's `YfData.get` replaced by a stub that returns or raises what the real one would.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from curl_cffi.requests import Response
from curl_cffi.requests import exceptions as curl_exc
from curl_cffi.requests.headers import Headers
from yfinance.data import YfData
from yfinance.exceptions import YFDataException, YFRateLimitError

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
    YahooProvider,
    chart_request,
    parse_chart_bars,
    parse_chart_quote,
    yfinance_fetch_json,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "yahoo"
GSPC_1D = "chart_GSPC_INDEX_range1d_interval1d_2024-02-29.json"
GSPC_BARS = "chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json"
AAPL_WEEKEND = "chart_AAPL_1m_20250201_weekend_no_timestamp.json"
VXAPL = "chart_VXAPL_INDEX_1d_20200101-20200103_no_timestamp.json"
MDLY_404 = "chart_error_404_MDLY_not_found.json"
# Later than every regularMarketTime in the fixtures (the latest is 2025-02-20).
NOW = datetime(2025, 3, 1, tzinfo=UTC)


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def settings():
    return load_settings(env={})


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


# --- load: one dataset, several instruments --------------------------------------------------


def test_load_quotes_keeps_the_good_ones_and_reports_the_missing_symbol(settings):
    foo = Instrument(id="foo", name="Foo index", symbols={"yahoo": "^FOO"})
    fake = FakeFetch(
        {
            "^GSPC": fixture(GSPC_1D),
            "EURUSD=X": fixture("chart_EURUSDX_CURRENCY_1d_20200101-20200103.json"),
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


def test_load_bars_returns_every_bar_and_uses_a_year_of_daily_bars(settings):
    spx, ndx = (instrument(settings, "history", i) for i in ("spx", "ndx"))
    fake = FakeFetch({"^GSPC": fixture(GSPC_BARS), "^NDX": Unavailable("Yahoo answered HTTP 503")})
    batch = YahooProvider(settings, fetch_json=fake).load(
        request("history", RecordKind.BAR, spx, ndx)
    )
    assert len(batch.records) == 291
    assert batch.problems == ["^NDX: Yahoo answered HTTP 503"]
    assert {(p["range"], p["interval"]) for _, p, _ in fake.calls} == {("1y", "1d")}


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


def test_load_refuses_unmapped_instruments_and_other_kinds(settings):
    provider = YahooProvider(settings, fetch_json=FakeFetch({}))
    effr = instrument(settings, "policy_rates", "effr")  # FRED only
    with pytest.raises(NotConfigured):
        provider.load(request("policy_rates", RecordKind.QUOTE, effr))
    with pytest.raises(NotConfigured):
        provider.load(request("rates", RecordKind.CURVE, instrument(settings, "indices", "spx")))


# --- the default fetch: yfinance's errors mapped to ours (YfData.get is stubbed) ------------


def _curl_response(status: int, body: bytes = b"", headers: dict | None = None) -> Response:
    response = Response()
    response.status_code, response.ok, response.content = status, status < 400, body
    response.reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(status, "")
    response.headers = Headers(headers or {})
    return response


@pytest.fixture
def yf_get(monkeypatch):
    """Make YfData.get answer with what the test sets; the real get_raw_json runs on top."""
    answer: dict = {}

    def fake_get(self, url, params=None, timeout=30):
        answer["call"] = (url, params, timeout)
        if isinstance(answer["value"], Exception):
            raise answer["value"]
        return answer["value"]

    def no_network(*args, **kwargs):
        raise AssertionError("the test tried to reach Yahoo")

    monkeypatch.setattr(YfData, "get", fake_get)
    monkeypatch.setattr(YfData, "_make_request", no_network)
    return answer


def test_default_fetch_returns_the_json_and_passes_the_timeout(yf_get):
    body = (FIXTURES / GSPC_1D).read_bytes()
    yf_get["value"] = _curl_response(200, body, {"Content-Type": "application/json"})
    url, params = chart_request("^GSPC", range_="1d", interval="5m")
    assert yfinance_fetch_json(url, params, 2.5) == json.loads(body)
    assert yf_get["call"] == (url, params, 2.5)


def test_default_fetch_passes_a_404_chart_error_on_to_the_parser(yf_get, settings):
    yf_get["value"] = _curl_response(404, (FIXTURES / MDLY_404).read_bytes())
    payload = yfinance_fetch_json("https://x/v8/finance/chart/MDLY", {}, 1.0)
    assert payload["chart"]["error"]["code"] == "Not Found"
    provider = YahooProvider(settings)  # the default fetch, end to end
    mdly = Instrument(id="mdly", name="Medley", symbols={"yahoo": "MDLY"})
    with pytest.raises(EmptyResult, match="MDLY: symbol not found"):
        provider.load(request("indices", RecordKind.QUOTE, mdly))


@pytest.mark.parametrize(
    ("raised", "expected", "message"),
    [
        (YFRateLimitError(), RateLimited, "rate limited"),
        (YFDataException("*** YAHOO! FINANCE IS CURRENTLY DOWN! ***"), Unavailable, "reach Yahoo"),
        (curl_exc.ConnectionError("Failed to connect"), Unavailable, "ConnectionError"),
        (curl_exc.Timeout("Operation timed out"), Unavailable, "Timeout"),
        (curl_exc.DNSError("Could not resolve host"), Unavailable, "DNSError"),
        # seen offline: no answer at all comes back as an HTTPError whose status is 0
        (curl_exc.HTTPError("HTTP Error 0: ", 0, _curl_response(0)), Unavailable, "reach Yahoo"),
        (requests.exceptions.ConnectionError("refused"), Unavailable, "ConnectionError"),
        (requests.exceptions.ReadTimeout("read timed out"), Unavailable, "ReadTimeout"),
        (TimeoutError(), Unavailable, "TimeoutError"),
        (requests.exceptions.JSONDecodeError("Expecting value", "<html>", 0), BadPayload, "JSON"),
    ],
)
def test_default_fetch_maps_raised_errors(yf_get, raised, expected, message):
    yf_get["value"] = raised
    with pytest.raises(expected, match=message) as caught:
        yfinance_fetch_json("https://x/v8/finance/chart/SPY", {}, 1.0)
    assert type(caught.value) is expected


@pytest.mark.parametrize(
    ("response", "expected", "message"),
    [
        (_curl_response(429, b"Too Many Requests", {"Retry-After": "30"}), RateLimited, "rate"),
        (_curl_response(404, b"<html>gone</html>"), EmptyResult, "symbol not found"),
        (_curl_response(503, b"<html>Will be right back</html>"), Unavailable, "HTTP 503"),
        (_curl_response(401, b'{"finance":{"error":{"code":"Unauthorized"}}}'), Unavailable, "401"),
        (_curl_response(200, b"<html>Will be right back</html>"), BadPayload, "not JSON"),
    ],
)
def test_default_fetch_maps_http_answers(yf_get, response, expected, message):
    yf_get["value"] = response
    with pytest.raises(expected, match=message) as caught:
        yfinance_fetch_json("https://x/v8/finance/chart/SPY", {}, 1.0)
    if expected is RateLimited:
        assert caught.value.retry_after_s == 30


def test_default_fetch_passes_other_client_errors_with_a_chart_body_to_the_parser(yf_get):
    body = b'{"chart":{"result":null,"error":{"code":"Bad Request","description":"Invalid range"}}}'
    yf_get["value"] = _curl_response(400, body)
    payload = yfinance_fetch_json("https://x/v8/finance/chart/%5EVXAPL", {}, 1.0)
    with pytest.raises(BadPayload, match="Bad Request"):
        parse_chart_bars(payload, symbol="^VXAPL")


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
