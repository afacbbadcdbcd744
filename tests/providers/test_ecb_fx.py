"""ECB reference rates: the recorded XML files through the parser, pairs derived from rates per
euro, and `load` with the real HttpClient against the loopback upstream."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from config import load_settings
from config.schema import Instrument, RecordKind, Settings
from providers.base import Request
from providers.ecb_fx import PATH, EcbProvider, eurofxref_request, pair_quote, parse_eurofxref
from providers.errors import BadPayload, EmptyResult, NotConfigured, RateLimited, Unavailable
from tests.support import paths

FIXTURES = paths.FIXTURES / "ecb"
HIST_90D = (FIXTURES / "eurofxref-hist-90d_2019-11-29.xml").read_bytes()
DAILY = (FIXTURES / "eurofxref-daily_2015-01-07.xml").read_bytes()
NOW = datetime(2019, 12, 2, 9, 0, tzinfo=UTC)  # the Monday after the file's last day


@pytest.fixture(scope="module")
def days():
    return parse_eurofxref(HIST_90D)


# --- parse ----------------------------------------------------------------------------------


def test_request_is_the_90_day_file():
    assert eurofxref_request() == ("/stats/eurofxref/eurofxref-hist-90d.xml", {})


def test_the_90_day_file_gives_65_days_newest_first(days):
    assert len(days) == 65
    assert list(days)[:2] == [date(2019, 11, 29), date(2019, 11, 28)]
    assert list(days)[-1] == date(2019, 9, 2)
    assert days[date(2019, 11, 29)]["USD"] == 1.0982
    assert days[date(2019, 11, 28)]["USD"] == 1.1005
    assert days[date(2019, 11, 29)]["JPY"] == 120.43
    assert days[date(2019, 9, 2)]["GBP"] == 0.9082
    assert len(days[date(2019, 11, 29)]) == 32  # ISK "134" is an integer: still a rate


def test_the_daily_file_with_single_quoted_attributes():
    days = parse_eurofxref(DAILY)
    assert list(days) == [date(2015, 1, 7)]
    rates = days[date(2015, 1, 7)]
    assert (rates["USD"], rates["GBP"], rates["RUB"]) == (1.1831, 0.78230, 75.0)
    assert len(rates) == 31


def _edit(old: str, new: str) -> bytes:
    assert old.encode() in HIST_90D
    return HIST_90D.replace(old.encode(), new.encode(), 1)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff garbage",
        HIST_90D[: len(HIST_90D) // 2],  # truncated
        b"<html><head><title>Error</title></head><body>Maintenance</body></html>",
        b'{"rates": {"USD": 1.1}}',
        _edit('rate="1.0982"', 'rate="n/a"'),
        _edit('rate="1.0982"', 'rate="NaN"'),
        _edit('rate="1.0982"', 'rate="0"'),
        _edit('rate="1.0982"', 'rate="-1.0982"'),
        _edit('rate="1.0982"', 'rate=""'),
        _edit('currency="USD" rate="1.0982"', 'currency="US Dollar" rate="1.0982"'),
        _edit('time="2019-11-28"', 'time="2019-11-29"'),  # the same day twice
        _edit('time="2019-11-28"', 'time="28.11.2019"'),
        # an entity expansion bomb: defusedxml refuses it instead of expanding it
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<x>&b;</x>",
    ],
)
def test_broken_files_are_bad_payload(raw):
    with pytest.raises(BadPayload):
        parse_eurofxref(raw)


def test_an_envelope_without_days_is_empty():
    empty = (
        b'<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        b'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube></Cube>'
        b"</gesmes:Envelope>"
    )
    with pytest.raises(EmptyResult):
        parse_eurofxref(empty)


# --- pairs ----------------------------------------------------------------------------------


def test_eurusd_is_the_usd_rate(days):
    quote = pair_quote(days, "EURUSD", now=NOW, name="EUR/USD", market="24/5")
    assert (quote.price, quote.prev_close) == (1.0982, 1.1005)
    assert quote.change == pytest.approx(-0.0023)
    assert quote.change_pct == pytest.approx(-0.0023 / 1.1005 * 100)
    # the 14:15 snapshot in Frankfurt, winter time (CET, UTC+1)
    assert quote.as_of == datetime(2019, 11, 29, 13, 15, tzinfo=UTC)
    assert len(quote.sparkline) == 65
    assert (quote.sparkline[0], quote.sparkline[-1]) == (1.0968, 1.0982)  # oldest .. newest
    assert (quote.name, quote.market, quote.symbol) == ("EUR/USD", "24/5", "EURUSD")


@pytest.mark.parametrize(
    ("pair", "price", "prev"),
    [
        ("USDJPY", 120.43 / 1.0982, 120.50 / 1.1005),
        ("GBPUSD", 1.0982 / 0.85225, 1.1005 / 0.8518),
        ("USDCHF", 1.0998 / 1.0982, 1.0991 / 1.1005),
        ("AUDUSD", 1.0982 / 1.6228, 1.1005 / 1.6253),
        ("USDCAD", 1.4614 / 1.0982, 1.4625 / 1.1005),
        ("EURJPY", 120.43, 120.50),
    ],
)
def test_cross_pairs_are_derived_from_rates_per_euro(days, pair, price, prev):
    quote = pair_quote(days, pair, now=NOW, name=pair)
    assert quote.price == pytest.approx(price, rel=1e-12)
    assert quote.prev_close == pytest.approx(prev, rel=1e-12)
    assert quote.change == pytest.approx(price - prev)


def test_summer_days_are_stamped_14_15_cest():
    autumn = {d: r for d, r in parse_eurofxref(HIST_90D).items() if d <= date(2019, 9, 30)}
    quote = pair_quote(autumn, "EURUSD", now=NOW, name="x")
    assert quote.as_of == datetime(2019, 9, 30, 12, 15, tzinfo=UTC)
    assert quote.price == 1.0889


def test_a_file_published_early_is_timed_at_its_snapshot_never_at_the_fetch(days):
    fixed = datetime(2019, 11, 29, 13, 15, tzinfo=UTC)  # 14:15 in Frankfurt
    for fetched in (datetime(2019, 11, 29, 14, 57, tzinfo=UTC), fixed + timedelta(minutes=4)):
        assert pair_quote(days, "EURUSD", now=fetched, name="x").as_of == fixed
    with pytest.raises(BadPayload, match=r"EURUSD: .*future"):  # a rate before its snapshot
        pair_quote(days, "EURUSD", now=datetime(2019, 11, 29, 12, tzinfo=UTC), name="x")


def test_a_day_after_today_is_bad_payload(days):
    with pytest.raises(BadPayload, match=r"EURUSD: .*future"):
        pair_quote(days, "EURUSD", now=datetime(2019, 11, 28, 22, tzinfo=UTC), name="x")


def test_a_currency_missing_on_the_newest_day_is_empty(days):
    gone = {d: dict(r) for d, r in days.items()}
    del gone[date(2019, 11, 29)]["CAD"]
    with pytest.raises(EmptyResult, match="USDCAD: no ECB reference rate for CAD on 2019-11-29"):
        pair_quote(gone, "USDCAD", now=NOW, name="x")
    with pytest.raises(EmptyResult, match="USDXAU: no ECB reference rate for XAU"):
        pair_quote(days, "USDXAU", now=NOW, name="x")
    # missing on an older day only: that day drops out of the series
    del gone[date(2019, 11, 28)]["USD"]
    quote = pair_quote(gone, "EURUSD", now=NOW, name="x")
    assert (quote.prev_close, len(quote.sparkline)) == (days[date(2019, 11, 27)]["USD"], 64)


@pytest.mark.parametrize("pair", ["EUR/USD", "eurusd", "EURUSDX", ""])
def test_a_malformed_pair_is_not_configured(days, pair):
    with pytest.raises(NotConfigured):
        pair_quote(days, pair, now=NOW, name="x")


def test_one_day_gives_a_quote_without_a_previous_close():
    quote = pair_quote(parse_eurofxref(DAILY), "EURUSD", now=NOW, name="x")
    assert (quote.price, quote.prev_close, quote.change, quote.sparkline) == (
        1.1831,
        None,
        None,
        (1.1831,),
    )


# --- load through the real HttpClient against the loopback upstream -------------------------
# Each `upstream` costs ~0.5 s to stop (serve_forever's poll interval), so cases share one.


def settings_for(upstream) -> Settings:
    raw = load_settings(env={}).model_dump()
    raw["providers"] = {"ecb": {"base_url": upstream.url, "requests_per_second": 100}}
    raw["refresh"] = {**raw["refresh"], "deadline_s": 1}
    return Settings.model_validate(raw)


def fx_request(settings: Settings, *extra: Instrument) -> Request:
    instruments = (*settings.datasets["fx"].instruments, *extra)
    return Request("fx", RecordKind.QUOTE, instruments, now=NOW, market="24/5")


def test_load_serves_every_mapped_pair_and_reports_the_missing_ones(upstream):
    settings = settings_for(upstream)
    upstream.route(PATH, body=HIST_90D, headers={"Content-Type": "text/xml"})
    batch = EcbProvider(settings).load(fx_request(settings))
    assert [q.symbol for q in batch.records] == [
        "eurusd",
        "usdjpy",
        "gbpusd",
        "usdchf",
        "audusd",
        "usdcad",
    ]  # usdcnh and dxy have no ECB symbol
    eurusd = batch.records[0]
    assert (eurusd.name, eurusd.price, eurusd.market) == ("EUR/USD", 1.0982, "24/5")
    assert batch.problems == []
    assert upstream.hits[PATH] == 1  # one file for every pair

    # CAD gone from the newest day, and a malformed symbol: problems, the rest still served
    upstream.route(PATH, body=_edit('<Cube currency="CAD" rate="1.4614"/>', ""))
    odd = Instrument(id="eurxyz", name="EUR/XYZ", symbols={"ecb": "EUR-XYZ"})
    batch = EcbProvider(settings).load(fx_request(settings, odd))
    assert len(batch.records) == 5
    assert batch.problems == [
        "USDCAD: no ECB reference rate for CAD on 2019-11-29",
        "EUR-XYZ: not a six-letter currency pair",
    ]

    # every pair failing raises the error instead of returning an empty batch
    upstream.route(PATH, body=DAILY)
    only = Instrument(id="usdxau", name="Gold", symbols={"ecb": "USDXAU"})
    with pytest.raises(EmptyResult, match="USDXAU"):
        EcbProvider(settings).load(Request("fx", RecordKind.QUOTE, (only,), now=NOW))


def test_load_maps_upstream_failures(upstream):
    settings = settings_for(upstream)
    cases = [
        ({"status": 500, "body": b"oops"}, Unavailable),
        ({"status": 404, "body": b"gone"}, EmptyResult),
        ({"status": 429, "headers": {"Retry-After": "7"}}, RateLimited),
        ({"body": b"<html><body>We are sorry</body></html>"}, BadPayload),
        ({"body": b"\x1f\x8b\x00garbage"}, BadPayload),
        ({"body": HIST_90D, "truncate": True}, Unavailable),
        ({"hang": True}, Unavailable),
    ]
    for route, error in cases:
        upstream.route(PATH, **route)
        started = time.monotonic()
        with pytest.raises(error) as caught:
            EcbProvider(settings).load(fx_request(settings))
        assert time.monotonic() - started < 2, route  # the 1 s deadline holds
        assert "?" not in str(caught.value), route  # no URL with its query string
        if error is RateLimited:
            assert caught.value.retry_after_s == 7
