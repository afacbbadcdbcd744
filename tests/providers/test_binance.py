"""Binance klines: the recorded 1-minute klines through the interval check and the parser, the
quote's 24 h window, the Binance error answers, and `load` with the real HttpClient against the
loopback upstream (answered with the recorded minutes rolled up into the hourly klines asked)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from config import load_settings
from config.schema import Instrument, RecordKind, Settings
from providers import binance
from providers.base import Request
from providers.binance import (
    INTERVAL,
    BinanceProvider,
    binance_error,
    check_klines,
    klines_quote,
    klines_request,
    parse_klines,
)
from providers.errors import BadPayload, EmptyResult, NotConfigured, RateLimited, Unavailable
from tests.support import paths
from tests.support.openfake import roll_up

FIXTURES = paths.FIXTURES / "binance"
# Ten 1-minute BTCUSDT klines, 2021-10-22 23:03 .. 23:12 UTC; the last one still in progress.
KLINES = (FIXTURES / "klines_BTCUSDT_1m_2021-10-22.json").read_bytes()
NOW = datetime(2021, 10, 23, tzinfo=UTC)
INVALID_SYMBOL = b'{"code":-1121,"msg":"Invalid symbol."}'
HOUR_MS = 3_600_000


def rows() -> list:
    return json.loads(KLINES)


def rolled_up() -> bytes:
    """The recorded minutes rolled up into the one hourly kline they fall in (23:00, in
    progress), as the fake upstream answers an hourly request."""
    return json.dumps(roll_up(rows(), HOUR_MS)).encode()


def hourly(count: int = 25) -> bytes:
    """`count` made-up hourly klines (open 100+i, close 100.5+i) ending at 2024-06-01 12:xx."""
    start = int(datetime(2024, 6, 1, 12, tzinfo=UTC).timestamp() * 1000) - (count - 1) * 3_600_000
    out = []
    for i in range(count):
        t = start + i * 3_600_000
        o, c = 100 + i, 100.5 + i
        out.append(
            [t, f"{o:.8f}", f"{c + 1:.8f}", f"{o - 1:.8f}", f"{c:.8f}", "1.0", t + 3_599_999]
        )
    return json.dumps(out).encode()


# --- the klines are of the interval asked --------------------------------------------------


def test_klines_of_the_interval_asked_pass():
    check_klines(KLINES, "1m")  # the recording, for what it was recorded for
    check_klines(hourly(25), "1h")
    check_klines(rolled_up(), INTERVAL)  # one kline, in progress: its close time is still ahead
    assert json.loads(rolled_up())[0][:7] == [
        1634943600000,  # 23:00
        "60685.22000000",  # the first recorded minute's open
        "60807.52000000",
        "60670.90000000",
        "60739.85000000",  # the last recorded minute's close
        "108.68434000",
        1634947199999,  # 23:59:59.999
    ]


@pytest.mark.parametrize(
    ("raw", "interval", "words"),
    [
        # the case: 1-minute klines for the hourly request ("24 h" 10 minutes long)
        (KLINES, "1h", r"^asked 1h klines, got 1m klines$"),
        (hourly(25), "1m", r"^asked 1m klines, got 1h klines$"),
        (rolled_up(), "4h", r"^asked 4h klines, got 1h klines$"),
        (json.dumps(roll_up(rows(), 5 * 60_000)).encode(), "1h", "got 5m klines"),
        # each one an hour long, but one missing: 2 h apart
        (
            json.dumps([k for i, k in enumerate(json.loads(hourly(25))) if i != 10]).encode(),
            "1h",
            r"^asked 1h klines, got klines 2h apart at 2024-05-31 23:00 UTC$",
        ),
        # each one a minute long, but every other minute
        (
            json.dumps(rows()[::2]).encode(),
            "1m",
            r"^asked 1m klines, got klines 120 s apart at 2021-10-22 23:05 UTC$",
        ),
    ],
)
def test_klines_of_another_interval_are_refused(raw, interval, words):
    with pytest.raises(BadPayload, match=words):
        check_klines(raw, interval)


def test_broken_klines_are_refused_by_the_check_as_by_the_parser():
    with pytest.raises(BadPayload, match="not JSON"):
        check_klines(b"<html>", "1h")
    with pytest.raises(EmptyResult, match="unknown symbol"):
        check_klines(INVALID_SYMBOL, "1h")


# --- request and parse ----------------------------------------------------------------------


def test_request_asks_for_25_hourly_klines():
    params = {"symbol": "BTCUSDT", "interval": "1h", "limit": 25}
    assert klines_request("BTCUSDT") == ("/api/v3/klines", params)
    for bad in ("BTC/USDT", "btcusdt", "", "BTCUSDT&limit=1000"):
        with pytest.raises(NotConfigured):
            klines_request(bad)


def test_the_recorded_klines_become_bars():
    bars = parse_klines(KLINES, symbol="BTCUSDT")
    assert len(bars) == 10
    assert bars[0].time == datetime(2021, 10, 22, 23, 3, tzinfo=UTC)
    assert (bars[0].open, bars[0].close) == (60685.22, 60719.27)
    assert (bars[0].high, bars[0].low) == (60729.84, 60670.9)
    at_23_07 = bars[4]
    assert at_23_07.time == datetime(2021, 10, 22, 23, 7, tzinfo=UTC)
    assert (at_23_07.close, at_23_07.volume) == (60759.65, 8.13593)
    assert (bars[-1].close, bars[-1].volume) == (60739.85, 0.04734)
    assert {bar.symbol for bar in bars} == {"BTCUSDT"}


def test_quote_from_the_recorded_klines():
    quote = klines_quote(KLINES, symbol="BTCUSDT", name="Bitcoin", now=NOW, currency="USD")
    assert quote.price == 60739.85
    # fewer than 24 candles: the change runs from the first candle's open
    assert quote.prev_close == 60685.22
    assert quote.change == pytest.approx(54.63)
    assert quote.change_pct == pytest.approx(54.63 / 60685.22 * 100)
    assert quote.sparkline[0] == 60719.27 and quote.sparkline[-1] == 60739.85
    assert len(quote.sparkline) == 10
    # the last candle's close time (23:12:59.999), as now is later
    assert quote.as_of == datetime(2021, 10, 22, 23, 12, 59, 999000, tzinfo=UTC)
    assert quote.currency == "USD"


def test_the_in_progress_candle_is_stamped_now_not_its_future_close():
    now = datetime(2021, 10, 22, 23, 12, 30, tzinfo=UTC)
    assert klines_quote(KLINES, symbol="BTCUSDT", name="x", now=now).as_of == now


def test_the_24_hour_change_runs_from_the_open_24_candles_back():
    quote = klines_quote(hourly(25), symbol="X", name="x", now=datetime(2024, 6, 2, tzinfo=UTC))
    assert quote.price == 124.5  # the last close
    assert quote.prev_close == 101  # the open of candle 2 of 25: the first of the last 24
    assert quote.change == 23.5
    assert len(quote.sparkline) == 25


def _with(index: int, field: int, value) -> bytes:
    data = rows()
    data[index][field] = value
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
        KLINES[: len(KLINES) // 2],
        b'{"symbol": "BTCUSDT"}',
        b"[[1634943780000]]",
        _with(3, 4, "abc"),
        _with(3, 4, "NaN"),
        _with(3, 4, "0.00000000"),
        _with(3, 3, "-1.00000000"),
        _with(3, 4, None),
        _with(3, 4, True),
        _with(3, 5, "-5"),  # negative volume
        _with(3, 0, rows()[2][0]),  # the same open time twice
        _with(3, 6, rows()[3][0] - 1),  # closes before it opens
        _with(3, 0, 1e16),  # not a time
        _with(3, 2, "60000.00000000"),  # a high below the open
    ],
)
def test_broken_klines_are_bad_payload(raw):
    with pytest.raises(BadPayload):
        parse_klines(raw, symbol="BTCUSDT")


def test_no_klines_and_an_invalid_symbol_body_are_empty():
    with pytest.raises(EmptyResult, match="no klines"):
        parse_klines(b"[]", symbol="X")
    with pytest.raises(EmptyResult, match="unknown symbol"):
        parse_klines(INVALID_SYMBOL, symbol="X")


def test_a_candle_opening_in_the_future_is_bad_payload():
    now = datetime(2021, 10, 22, 23, 12, tzinfo=UTC) - timedelta(minutes=6)
    with pytest.raises(BadPayload, match="future"):
        klines_quote(KLINES, symbol="BTCUSDT", name="x", now=now)


@pytest.mark.parametrize(
    ("status", "body", "retry", "expected", "words"),
    [
        (400, {"code": -1121, "msg": "Invalid symbol."}, None, EmptyResult, "unknown symbol"),
        (400, {"code": -1100, "msg": "Illegal characters"}, None, BadPayload, "code -1100"),
        (400, None, None, BadPayload, "HTTP 400"),
        (418, {"code": -1003, "msg": "Way too many requests"}, 120, RateLimited, "418"),
        (429, None, 7, RateLimited, "429"),
        (503, None, None, Unavailable, "503"),
    ],
)
def test_binance_error_answers(status, body, retry, expected, words):
    error = binance_error(status, body, retry)
    assert type(error) is expected and words in str(error)
    if expected is RateLimited:
        assert error.retry_after_s == retry


# --- load through the real HttpClient against the loopback upstream -------------------------
# The fake upstream routes by path only, so these tests give each symbol a path of its own.
# Each `upstream` costs ~0.5 s to stop (serve_forever's poll interval), so cases share one.


@pytest.fixture
def per_symbol_paths(monkeypatch):
    def request(symbol: str):
        path, params = klines_request(symbol)
        return f"{path}/{symbol}", params

    monkeypatch.setattr(binance, "klines_request", request)


def settings_for(upstream) -> Settings:
    raw = load_settings(env={}).model_dump()
    raw["providers"] = {"binance": {"base_url": upstream.url, "requests_per_second": 100}}
    raw["refresh"] = {**raw["refresh"], "deadline_s": 1}
    return Settings.model_validate(raw)


def crypto(settings: Settings, *extra: Instrument) -> Request:
    instruments = (*settings.datasets["crypto"].instruments, *extra)
    return Request("crypto", RecordKind.QUOTE, instruments, now=NOW, market="24/7")


def test_load_keeps_the_good_symbols_and_reports_the_others(upstream, per_symbol_paths):
    settings = settings_for(upstream)
    upstream.route("/api/v3/klines/BTCUSDT", body=rolled_up())
    upstream.route("/api/v3/klines/ETHUSDT", body=rolled_up())
    # SOLUSDT: no route, so 404; XXXUSDT: Binance's 400 answer for an unknown symbol
    upstream.route("/api/v3/klines/XXXUSDT", status=400, body=INVALID_SYMBOL)
    odd = Instrument(id="xxx", name="Nothing", symbols={"binance": "XXXUSDT"})
    batch = BinanceProvider(settings).load(crypto(settings, odd))
    assert [(q.symbol, q.name, q.price, q.currency) for q in batch.records] == [
        ("btc", "Bitcoin", 60739.85, "USD"),
        ("eth", "Ether", 60739.85, "USD"),
    ]
    assert batch.records[0].market == "24/7"
    assert batch.problems[0].startswith("SOLUSDT: ") and "404" in batch.problems[0]
    # HttpClient passes the 4xx body on, so Binance's -1121 reads as what it means
    assert batch.problems[1] == "XXXUSDT: unknown symbol"


def test_load_refuses_the_recorded_minutes_for_its_hourly_request(upstream, per_symbol_paths):
    settings = settings_for(upstream)
    upstream.route("/api/v3/klines/BTCUSDT", body=KLINES)
    upstream.route("/api/v3/klines/ETHUSDT", body=rolled_up())
    batch = BinanceProvider(settings).load(crypto(settings))
    assert [q.symbol for q in batch.records] == ["eth"]
    assert batch.problems[0] == "BTCUSDT: asked 1h klines, got 1m klines"
    assert upstream.query_hits["/api/v3/klines/BTCUSDT?symbol=BTCUSDT&interval=1h&limit=25"] == 1


def test_load_reads_binances_error_body_when_the_client_passes_it_on(monkeypatch):
    provider = BinanceProvider(load_settings(env={}))

    def get(path, params):
        raise BadPayload("api.binance.com answered HTTP 400", status=400, body=INVALID_SYMBOL)

    monkeypatch.setattr(provider.http, "get", get)
    odd = Instrument(id="xxx", name="Nothing", symbols={"binance": "XXXUSDT"})
    with pytest.raises(EmptyResult, match=r"^XXXUSDT: unknown symbol$"):
        provider.load(Request("crypto", RecordKind.QUOTE, (odd,), now=NOW))


def test_load_maps_upstream_failures(upstream, per_symbol_paths):
    settings = settings_for(upstream)
    only = crypto(settings)
    only = Request("crypto", RecordKind.QUOTE, only.instruments[:1], now=NOW)
    cases = [
        ({"status": 500, "body": b"oops"}, Unavailable, None),
        ({"status": 429, "headers": {"Retry-After": "7"}}, RateLimited, 7),
        # the IP ban after ignored 429s, with its Retry-After
        ({"status": 418, "headers": {"Retry-After": "120"}}, RateLimited, 120),
        ({"body": b"<html><body>Access denied</body></html>"}, BadPayload, None),
        ({"body": b"\x00garbage"}, BadPayload, None),
        ({"hang": True}, Unavailable, None),
    ]
    for route, error, retry in cases:
        upstream.route("/api/v3/klines/BTCUSDT", **route)
        started = time.monotonic()
        with pytest.raises(error) as caught:
            BinanceProvider(settings).load(only)
        assert time.monotonic() - started < 2, route
        assert str(caught.value).startswith("BTCUSDT: "), route
        assert "?" not in str(caught.value), route
        if error is RateLimited:
            assert caught.value.retry_after_s == retry, route
