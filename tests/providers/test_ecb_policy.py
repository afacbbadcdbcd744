"""ECB data portal: the recorded SDMX-JSON answer through the parser, the quote built from it,
and `load` with the real HttpClient against the loopback upstream."""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, date, datetime

import pytest

from config import load_settings
from config.schema import Instrument, RecordKind, Settings
from providers.base import Request
from providers.ecb_policy import EcbDataProvider, parse_sdmx_json, series_quote, series_request
from providers.errors import BadPayload, EmptyResult, NotConfigured, RateLimited, Unavailable
from tests.support import paths

FIXTURES = paths.FIXTURES / "ecb"
# The daily USD per EUR reference rate, 2024-06-03 .. 2024-06-07 (detail=full: same shape).
EXR = (FIXTURES / "sdmx_jsondata_EXR_D.USD.EUR.SP00.A_2024-06-03_2024-06-07.json").read_bytes()
EXR_SYMBOL = "EXR/D.USD.EUR.SP00.A"
NOW = datetime(2024, 6, 10, 8, 0, tzinfo=UTC)


def edited(change) -> bytes:
    payload = copy.deepcopy(json.loads(EXR))
    change(payload)
    return json.dumps(payload).encode()


def _obs(payload) -> dict:
    return payload["dataSets"][0]["series"]["0:0:0:0:0"]["observations"]


def _periods(payload) -> list:
    return payload["structure"]["dimensions"]["observation"][0]["values"]


# --- request and parse ----------------------------------------------------------------------


def test_request_path_and_parameters():
    path, params = series_request("FM/D.U2.EUR.4F.KR.DFR.LEV")
    assert path == "/service/data/FM/D.U2.EUR.4F.KR.DFR.LEV"
    assert params == {"format": "jsondata", "lastNObservations": 30, "detail": "dataonly"}


@pytest.mark.parametrize(
    "symbol", ["FM", "../FM/D.U2", "FM/D.U2/../x", "FM/D.U2?key=1", "FM/D U2", "fm/D.U2"]
)
def test_symbols_that_would_change_the_url_are_refused(symbol):
    with pytest.raises(NotConfigured):
        series_request(symbol)


def test_the_usd_reference_rate_series():
    points = parse_sdmx_json(EXR)
    assert points == [
        (date(2024, 6, 3), 1.0842),
        (date(2024, 6, 4), 1.0865),
        (date(2024, 6, 5), 1.0872),
        (date(2024, 6, 6), 1.0865),
        (date(2024, 6, 7), 1.0898),
    ]


def test_quote_is_the_last_observation_at_midnight_utc():
    quote = series_quote(parse_sdmx_json(EXR), symbol=EXR_SYMBOL, name="USD per EUR", now=NOW)
    assert (quote.price, quote.prev_close) == (1.0898, 1.0865)
    assert quote.change == pytest.approx(0.0033)
    assert quote.change_pct == pytest.approx(0.0033 / 1.0865 * 100)
    assert quote.as_of == datetime(2024, 6, 7, tzinfo=UTC)
    assert quote.sparkline == (1.0842, 1.0865, 1.0872, 1.0865, 1.0898)


def test_null_observations_are_gaps_not_values():
    raw = edited(lambda p: _obs(p)["4"].__setitem__(0, None))
    points = parse_sdmx_json(raw)
    assert points[-1] == (date(2024, 6, 6), 1.0865)
    assert len(points) == 4


def test_observations_come_back_in_time_order_whatever_the_key_order():
    def shuffle(p):
        obs = _obs(p)
        p["dataSets"][0]["series"]["0:0:0:0:0"]["observations"] = dict(reversed(obs.items()))

    assert parse_sdmx_json(edited(shuffle)) == parse_sdmx_json(EXR)


def test_monthly_and_quarterly_periods_are_dated_at_their_first_day():
    def monthly(p):
        periods = ["2024-01", "2024-02", "2024-Q2", "2024-Q3", "2025"]
        for value, period in zip(_periods(p), periods, strict=True):
            value["id"] = period

    points = parse_sdmx_json(edited(monthly))
    assert [d for d, _ in points] == [
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 4, 1),
        date(2024, 7, 1),
        date(2025, 1, 1),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"<html><body>Service unavailable</body></html>",
        EXR[: len(EXR) // 2],
        b"[]",
        b'{"header": {}}',
        edited(lambda p: p["dataSets"][0].__setitem__("series", [])),
        edited(lambda p: p["dataSets"][0]["series"].__setitem__("0:0:0:0:1", {})),  # two series
        edited(lambda p: _obs(p)["4"].__setitem__(0, "1.0898")),
        edited(lambda p: _obs(p)["4"].__setitem__(0, True)),
        edited(lambda p: _obs(p).__setitem__("9", [1.1])),  # no such time period
        edited(lambda p: _periods(p)[4].__setitem__("id", "7 June 2024")),
        edited(lambda p: _periods(p)[4].__setitem__("id", "2024-02-30")),
        edited(lambda p: _periods(p)[4].__setitem__("id", "2024-06-06")),  # a day twice
        edited(lambda p: p["structure"]["dimensions"].__setitem__("observation", [])),
        EXR.replace(b"1.0898", b"NaN"),  # Python's json reads NaN; it is not a value
    ],
)
def test_broken_answers_are_bad_payload(raw):
    with pytest.raises(BadPayload):
        parse_sdmx_json(raw)


@pytest.mark.parametrize(
    "raw",
    [
        edited(lambda p: p["dataSets"][0].__setitem__("series", {})),
        edited(lambda p: [v.__setitem__(0, None) for v in _obs(p).values()]),
    ],
)
def test_a_series_without_values_is_empty(raw):
    with pytest.raises(EmptyResult):
        parse_sdmx_json(raw)


@pytest.mark.parametrize("value", [0.0, -0.5])
def test_zero_and_negative_rates_cannot_be_a_price(value):
    points = [(date(2024, 6, 6), 4.0), (date(2024, 6, 7), value)]
    with pytest.raises(BadPayload, match="cannot be shown as a price"):
        series_quote(points, symbol="X/Y", name="x", now=NOW)
    # ... but as the previous value it only drops the change
    points = [(date(2024, 6, 6), value), (date(2024, 6, 7), 4.0)]
    quote = series_quote(points, symbol="X/Y", name="x", now=NOW)
    assert (quote.price, quote.prev_close, quote.change) == (4.0, None, None)


def test_an_observation_dated_after_today_is_bad_payload():
    with pytest.raises(BadPayload, match="future"):
        series_quote(
            parse_sdmx_json(EXR), symbol="X/Y", name="x", now=datetime(2024, 6, 6, 23, tzinfo=UTC)
        )


# --- load through the real HttpClient against the loopback upstream -------------------------
# Each `upstream` costs ~0.5 s to stop (serve_forever's poll interval), so cases share one.


def settings_for(upstream) -> Settings:
    raw = load_settings(env={}).model_dump()
    raw["providers"] = {"ecbdata": {"base_url": upstream.url, "requests_per_second": 100}}
    raw["refresh"] = {**raw["refresh"], "deadline_s": 1}
    return Settings.model_validate(raw)


def rates_request(settings: Settings) -> Request:
    exr = Instrument(id="eurusd_ref", name="EUR/USD reference", symbols={"ecbdata": EXR_SYMBOL})
    instruments = (*settings.datasets["policy_rates"].instruments, exr)
    return Request("policy_rates", RecordKind.QUOTE, instruments, now=NOW)


DFR_PATH = "/service/data/FM/D.U2.EUR.4F.KR.DFR.LEV"
EXR_PATH = "/service/data/EXR/D.USD.EUR.SP00.A"


def test_load_returns_the_series_it_finds_and_reports_the_missing_one(upstream):
    settings = settings_for(upstream)
    upstream.route(EXR_PATH, body=EXR, headers={"Content-Type": "application/json"})
    # DFR_PATH has no route: the fake upstream answers 404, as the portal does for no data
    batch = EcbDataProvider(settings).load(rates_request(settings))
    assert [(q.symbol, q.name, q.price) for q in batch.records] == [
        ("eurusd_ref", "EUR/USD reference", 1.0898)
    ]
    assert batch.records[0].as_of == datetime(2024, 6, 7, tzinfo=UTC)
    assert batch.records[0].market == "24/7"  # the request's market: the instrument has none
    assert len(batch.problems) == 1
    assert batch.problems[0].startswith("FM/D.U2.EUR.4F.KR.DFR.LEV: ")
    assert "404" in batch.problems[0]
    assert upstream.hits == {EXR_PATH: 1, DFR_PATH: 1}

    # the configured unit ("%") is kept on the policy rate
    upstream.route(DFR_PATH, body=EXR)
    dfr = EcbDataProvider(settings).load(rates_request(settings)).records[0]
    assert (dfr.symbol, dfr.unit, dfr.name) == ("ecb_dfr", "%", "ECB deposit rate")


def test_load_maps_upstream_failures(upstream):
    settings = settings_for(upstream)
    cases = [
        ({"status": 500, "body": b"oops"}, Unavailable),
        ({"status": 429, "headers": {"Retry-After": "7"}}, RateLimited),
        ({"body": b"<html><body>Maintenance</body></html>"}, BadPayload),
        ({"body": b"\x00garbage"}, BadPayload),
        ({"hang": True}, Unavailable),
    ]
    only = Request(
        "policy_rates", RecordKind.QUOTE, (settings.datasets["policy_rates"].instruments[1],), NOW
    )
    for route, error in cases:
        upstream.route(DFR_PATH, **route)
        started = time.monotonic()
        with pytest.raises(error) as caught:
            EcbDataProvider(settings).load(only)
        assert time.monotonic() - started < 2, route
        assert str(caught.value).startswith("FM/D.U2.EUR.4F.KR.DFR.LEV: "), route
        assert "?" not in str(caught.value), route
        if error is RateLimited:
            assert caught.value.retry_after_s == 7


def test_load_refuses_unmapped_instruments():
    provider = EcbDataProvider(load_settings(env={}))
    effr = Instrument(id="effr", name="Fed funds", symbols={"fred": "DFF"})
    with pytest.raises(NotConfigured):
        provider.load(Request("policy_rates", RecordKind.QUOTE, (effr,), now=NOW))


def test_a_rate_in_percent_may_be_negative():
    # The ECB deposit rate was -0.50 % from 2019 to 2022: a rate, not a price.
    points = [(date(2022, 7, 26), -0.5), (date(2022, 7, 27), 0.0)]
    quote = series_quote(points, symbol="FM/DFR", name="ECB deposit rate", now=NOW, unit="%")
    assert (quote.price, quote.prev_close, quote.change) == (0.0, -0.5, 0.5)
    assert quote.change_pct is None  # no % change from a negative base
