"""CoinGecko: the recorded coins/markets and simple/price answers through the parsers, and `load`
(one batched request) with the real HttpClient against the loopback upstream."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from config import load_settings
from config.schema import Instrument, RecordKind, Settings
from providers.base import Request
from providers.coingecko import (
    CoinGeckoProvider,
    coin_quote,
    day_range,
    markets_request,
    parse_coins_markets,
    parse_simple_price,
)
from providers.errors import BadPayload, EmptyResult, RateLimited, Unavailable
from tests.support import paths

FIXTURES = paths.FIXTURES / "coingecko"
# The top 5 coins in USD on 2023-01-02 (no sparkline asked for, so none in the rows).
MARKETS = (FIXTURES / "coins_markets_usd_top5_2023-01-02.json").read_bytes()
PATH = "/api/v3/coins/markets"
NOW = datetime(2023, 1, 2, 18, 0, tzinfo=UTC)


def row(coin: str, **changes) -> dict:
    found = next(r for r in json.loads(MARKETS) if r["id"] == coin)
    return {**found, **changes}


# --- request and parse ----------------------------------------------------------------------


def test_one_request_for_every_coin():
    assert markets_request(["bitcoin", "ethereum", "solana"]) == (
        "/api/v3/coins/markets",
        {
            "vs_currency": "usd",
            "ids": "bitcoin,ethereum,solana",
            "sparkline": "true",
            "price_change_percentage": "24h",
        },
    )


def test_the_recorded_markets_by_id():
    rows = parse_coins_markets(MARKETS)
    assert list(rows) == ["bitcoin", "ethereum", "tether", "usd-coin", "binancecoin"]
    assert rows["ethereum"]["roi"]["currency"] == "btc"  # roi is an object here ...
    assert rows["bitcoin"]["roi"] is None  # ... and null here


def test_bitcoin_on_2023_01_02():
    quote = coin_quote(
        parse_coins_markets(MARKETS)["bitcoin"], symbol="bitcoin", name="Bitcoin", now=NOW
    )
    assert quote.price == 16730.75
    assert (quote.change, quote.change_pct) == (159.29, 0.96122)
    assert quote.prev_close == pytest.approx(16571.46)
    assert quote.as_of == datetime(2023, 1, 2, 17, 8, 13, 102000, tzinfo=UTC)
    assert quote.sparkline == ()  # the recording has none: it is optional


@pytest.mark.parametrize(
    ("coin", "price", "change"),
    [("ethereum", 1218.19, 20.24), ("tether", 1.001, 0.00053361), ("binancecoin", 246.67, 1.76)],
)
def test_every_recorded_row_gives_a_quote(coin, price, change):
    quote = coin_quote(parse_coins_markets(MARKETS)[coin], symbol=coin, name=coin, now=NOW)
    assert (quote.price, quote.change) == (price, change)


@pytest.mark.parametrize(
    ("coin", "low", "high"),
    [
        ("bitcoin", 16554.8, 16759.71),
        ("ethereum", 1194.66, 1219.72),
        ("tether", 0.998131, 1.002),
        ("binancecoin", 241.93, 247.7),
    ],
)
def test_the_24h_range_is_coingeckos_own_low_and_high(coin, low, high):
    # the recording has no sparkline to draw a range from: low_24h and high_24h give it
    rows = parse_coins_markets(MARKETS)
    assert day_range(rows[coin]) == (low, high)
    assert low <= rows[coin]["current_price"] <= high


@pytest.mark.parametrize(
    "changes",
    [
        {"low_24h": None},
        {"high_24h": None},
        {"low_24h": 0},
        {"low_24h": "16554.8"},
        {"high_24h": float("inf")},
        {"low_24h": 16800.0, "high_24h": 16700.0},  # low above high
    ],
)
def test_an_unusable_24h_range_is_none_and_the_quote_still_stands(changes):
    assert day_range(row("bitcoin", **changes)) is None
    assert coin_quote(row("bitcoin", **changes), symbol="btc", name="B", now=NOW).price == 16730.75


def test_the_sparkline_keeps_the_last_day_of_hourly_prices():
    prices = [16000.0 + i for i in range(168)] + [None]  # CoinGecko leaves gaps as null
    quote = coin_quote(
        row("bitcoin", sparkline_in_7d={"price": prices}), symbol="bitcoin", name="B", now=NOW
    )
    assert quote.sparkline == tuple(16000.0 + i for i in range(143, 168))


def test_a_missing_24h_change_leaves_the_change_out():
    quote = coin_quote(row("bitcoin", price_change_24h=None), symbol="bitcoin", name="B", now=NOW)
    assert (quote.price, quote.change, quote.change_pct, quote.prev_close) == (
        16730.75,
        None,
        None,
        None,
    )
    bogus = row("bitcoin", price_change_24h=20000.0)  # more than the price: no real prev close
    assert coin_quote(bogus, symbol="bitcoin", name="B", now=NOW).change is None


@pytest.mark.parametrize(
    "changes",
    [
        {"current_price": None},
        {"current_price": 0},
        {"current_price": -1.5},
        {"current_price": float("nan")},
        {"current_price": "16730.75"},
        {"current_price": True},
        {"last_updated": None},
        {"last_updated": "yesterday"},
        {"last_updated": "2023-01-02T17:08:13"},  # no zone: ambiguous
        {"last_updated": "2023-01-02T18:06:00.000Z"},  # 6 minutes after NOW
    ],
)
def test_unusable_rows_are_bad_payload(changes):
    with pytest.raises(BadPayload, match=r"^bitcoin: "):
        coin_quote(row("bitcoin", **changes), symbol="bitcoin", name="B", now=NOW)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"<html><body>Just a moment...</body></html>",  # the Cloudflare page
        MARKETS[: len(MARKETS) // 2],
        b'{"status": {"error_code": 429, "error_message": "You\'ve exceeded the Rate Limit"}}',
        b'{"error": "invalid vs_currency"}',
        b"[1, 2]",
        b'[{"symbol": "btc"}]',
        b'[{"id": "bitcoin"}, {"id": "bitcoin"}]',
    ],
)
def test_broken_markets_answers_are_bad_payload(raw):
    with pytest.raises(BadPayload):
        parse_coins_markets(raw)


def test_simple_price_answers():
    assert parse_simple_price((FIXTURES / "simple_price_bitcoin_usd.json").read_bytes()) == {
        "bitcoin": {"usd": 5013.61}
    }
    both = parse_simple_price(
        (FIXTURES / "simple_price_bitcoin-ethereum_usd-myr.json").read_bytes()
    )
    assert both == {
        "bitcoin": {"usd": 5005.73, "myr": 20474.0},
        "ethereum": {"usd": 163.58, "myr": 669.07},
    }
    extras = b'{"bitcoin": {"usd": 5013.61, "usd_24h_change": -1.25, "last_updated_at": 1}}'
    assert parse_simple_price(extras)["bitcoin"]["usd_24h_change"] == -1.25


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"<html></html>",
        b"{}",  # unknown ids: CoinGecko answers an empty object
        b"[]",
        b'{"bitcoin": {}}',
        b'{"bitcoin": "5013.61"}',
        b'{"bitcoin": {"usd": 0}}',
        b'{"bitcoin": {"usd": -3}}',
        b'{"bitcoin": {"usd": null}}',
        b'{"bitcoin": {"usd": NaN}}',
    ],
)
def test_broken_simple_price_answers_are_bad_payload(raw):
    with pytest.raises(BadPayload):
        parse_simple_price(raw)


# --- load through the real HttpClient against the loopback upstream -------------------------
# Each `upstream` costs ~0.5 s to stop (serve_forever's poll interval), so cases share one.


def settings_for(upstream) -> Settings:
    raw = load_settings(env={}).model_dump()
    raw["providers"] = {"coingecko": {"base_url": upstream.url, "requests_per_second": 100}}
    raw["refresh"] = {**raw["refresh"], "deadline_s": 1}
    return Settings.model_validate(raw)


def crypto(settings: Settings, *extra: Instrument) -> Request:
    instruments = (*settings.datasets["crypto"].instruments, *extra)
    return Request("crypto", RecordKind.QUOTE, instruments, now=NOW, market="24/7")


def test_load_one_request_for_all_and_a_problem_for_the_missing_coin(upstream):
    settings = settings_for(upstream)
    upstream.route(PATH, body=MARKETS, headers={"Content-Type": "application/json"})
    odd = Instrument(id="odd", name="Odd", symbols={"coingecko": "Not An Id"})
    batch = CoinGeckoProvider(settings).load(crypto(settings, odd))
    assert [(q.symbol, q.name, q.price, q.currency) for q in batch.records] == [
        ("btc", "Bitcoin", 16730.75, "USD"),
        ("eth", "Ether", 1218.19, "USD"),
    ]
    assert batch.records[1].market == "24/7"
    # the 2023 top 5 has no Solana: CoinGecko leaves unknown ids out of its answer
    assert batch.problems == [
        "Not An Id: not a CoinGecko coin id",
        "solana: not in CoinGecko's answer",
    ]
    assert upstream.hits[PATH] == 1

    # nothing for any coin: the error, not an empty batch
    upstream.route(PATH, body=b"[]")
    with pytest.raises(EmptyResult, match="not in CoinGecko's answer"):
        CoinGeckoProvider(settings).load(crypto(settings))


def test_load_maps_upstream_failures(upstream):
    settings = settings_for(upstream)
    cases = [
        ({"status": 500, "body": b"oops"}, Unavailable),
        ({"status": 429, "headers": {"Retry-After": "7"}}, RateLimited),
        ({"body": b"<html><body>Just a moment...</body></html>"}, BadPayload),
        ({"body": b"\x00garbage"}, BadPayload),
        ({"body": MARKETS, "truncate": True}, Unavailable),
        ({"hang": True}, Unavailable),
    ]
    for route, error in cases:
        upstream.route(PATH, **route)
        started = time.monotonic()
        with pytest.raises(error) as caught:
            CoinGeckoProvider(settings).load(crypto(settings))
        assert time.monotonic() - started < 2, route
        assert "?" not in str(caught.value), route
        if error is RateLimited:
            assert caught.value.retry_after_s == 7
