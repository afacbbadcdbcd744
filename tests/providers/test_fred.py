"""FRED: recorded observations through the parsers, `load` against a loopback upstream.

Recorded: DFF as JSON (2023-01-01..2023-06-06) and SP500 as XML (2014-09-02..05). No recorded
DGS* answer, release-dates answer or error answer exists (PROVENANCE.md, "Not found"): the DFF
recording stands in for every DGS series, and the release-dates and error bodies below are
written by hand in the shape FRED documents. All FRED series share one path, so `fred()` adds
the series or release id to the path the real HttpClient requests, for the fake to route by.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime

import pytest

from config import load_settings
from config.schema import RecordKind, Settings
from providers.base import Request
from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    RateLimited,
    Unavailable,
)
from providers.fred import (
    FredProvider,
    fred_error,
    observations_request,
    parse_observations_json,
    parse_observations_xml,
    parse_release_dates_json,
    quote_from_series,
    release_dates_request,
    release_events,
)
from tests.support import paths

FIXTURES = paths.FIXTURES / "fred"
DFF = (FIXTURES / "series_observations_DFF_json_2023-01-01_2023-06-06.json").read_bytes()
SP500 = (FIXTURES / "series_observations_SP500_xml_2014-09-02_2014-09-05.xml").read_bytes()
FAKE_KEY = "abcdefghij0123456789klmnopqrst01"  # shaped like a real key: 32 lower-case alnum
SETTINGS = load_settings(env={})
EFFR = SETTINGS.datasets["policy_rates"].instruments[0]
NOW = datetime(2023, 6, 7, 14, 0, tzinfo=UTC)  # the day after the last DFF observation
# The documented error body; FRED sends it with HTTP 400. Planted here: the key in the message.
KEY_ERROR = {
    "error_code": 400,
    "error_message": f"Bad Request.  The value for variable api_key ({FAKE_KEY}) is not "
    "registered.  Read https://fred.stlouisfed.org/docs/api/api_key.html for more information.",
}


@pytest.fixture(scope="module")
def server():
    """One loopback server for the module: stopping one takes 0.5 s (serve_forever's poll)."""
    from tests.support.fakeupstream import FakeUpstream

    fake = FakeUpstream().start()
    yield fake
    fake.stop()


@pytest.fixture
def upstream(server):
    """The shared `upstream` fixture's server, with no routes or hits from earlier tests."""
    server.routes.clear()
    server.hits.clear()
    return server


def fred(upstream, key: str | None = FAKE_KEY) -> FredProvider:
    raw = SETTINGS.model_dump()
    raw["providers"] = {"fred": {"base_url": upstream.url, "requests_per_second": 50}}
    raw["refresh"] = {**raw["refresh"], "deadline_s": 1}
    raw["fred_api_key"] = key
    provider = FredProvider(Settings.model_validate(raw))
    real_get, provider.calls = provider.http.get, []

    def get(path, params=None, **kwargs):
        provider.calls.append(params)
        ident = params.get("series_id") or params.get("release_id")
        return real_get(f"{path}/{ident}", params, **kwargs)

    provider.http.get = get
    return provider


def request(dataset: str, kind: RecordKind, now: datetime = NOW, instruments=None) -> Request:
    instruments = SETTINGS.datasets[dataset].instruments if instruments is None else instruments
    return Request(dataset=dataset, kind=kind, instruments=tuple(instruments), now=now)


def dff(change=None, last: str | None = None) -> bytes:
    """The DFF recording, optionally cut after the `last` date or with observations changed."""
    payload = json.loads(DFF)
    if last:
        payload["observations"] = [o for o in payload["observations"] if o["date"] <= last]
    if change:
        change(payload["observations"])
    return json.dumps(payload).encode()


# --- requests ---------------------------------------------------------------------------------


def test_requests_ask_for_json_newest_first_and_future_release_dates():
    assert observations_request("DFF", "k") == (
        "/fred/series/observations",
        {
            "series_id": "DFF",
            "api_key": "k",
            "file_type": "json",
            "sort_order": "desc",
            "limit": "40",
        },
    )
    path, params = release_dates_request("10", "k", date(2026, 11, 24))
    assert path == "/fred/release/dates"
    assert params == {
        "release_id": "10",
        "api_key": "k",
        "file_type": "json",
        "include_release_dates_with_no_data": "true",
        "realtime_start": "2026-11-24",
        "sort_order": "asc",
    }


# --- parse ------------------------------------------------------------------------------------


def test_dff_json_observations():
    series = parse_observations_json(DFF)
    assert len(series) == 157
    assert series[0] == (date(2023, 1, 1), 4.33)
    assert series[-1] == (date(2023, 6, 6), 5.08)
    values = dict(series)
    assert values[date(2023, 2, 1)] == 4.33 and values[date(2023, 2, 2)] == 4.58
    assert values[date(2023, 3, 22)] == 4.58 and values[date(2023, 3, 23)] == 4.83
    assert values[date(2023, 5, 4)] == 5.08


def test_dots_are_gaps_and_newest_first_is_accepted():
    holiday = dff(lambda obs: obs[1].update(value="."))  # 2023-01-02, a holiday
    series = parse_observations_json(holiday)
    assert len(series) == 156 and date(2023, 1, 2) not in dict(series)
    newest_first = parse_observations_json(dff(lambda obs: obs.reverse()))
    assert newest_first == parse_observations_json(DFF)


def test_sp500_xml_observations():
    assert parse_observations_xml(SP500) == [
        (date(2014, 9, 2), 2002.28),
        (date(2014, 9, 3), 2000.72),
        (date(2014, 9, 4), 1997.65),
        (date(2014, 9, 5), 2007.71),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>Bad Gateway</body></html>",
        b"[]",
        b'{"observations": null}',
        b'{"observations": ["4.33"]}',
        DFF[: len(DFF) // 2],
        dff(lambda obs: obs[5].update(value="NaN")),
        dff(lambda obs: obs[5].update(value="inf")),
        dff(lambda obs: obs[5].update(value="")),
        dff(lambda obs: obs[5].update(value="4,33")),
        dff(lambda obs: obs[5].update(date="2023-13-01")),
        dff(lambda obs: obs[5].update(date=None)),
        dff(lambda obs: obs[6].update(date=obs[5]["date"])),  # the same day twice
        dff(lambda obs: obs.insert(0, obs.pop(9))),  # out of order
    ],
)
def test_garbage_json_is_bad_payload(body):
    with pytest.raises(BadPayload):
        parse_observations_json(body)


BOMB = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>'


@pytest.mark.parametrize(
    "body", [b"", SP500[:200], b"<html><p>maintenance</p></html>", BOMB, b"\xff\xfe"]
)
def test_garbage_xml_is_bad_payload(body):
    with pytest.raises(BadPayload):
        parse_observations_xml(body)


def test_fred_error_bodies_become_our_errors_without_the_key():
    with pytest.raises(NotConfigured, match=r"api_key \(\*\*\*\) is not registered") as caught:
        parse_observations_json(json.dumps(KEY_ERROR).encode(), FAKE_KEY)
    assert FAKE_KEY not in str(caught.value) and "http" not in str(caught.value)
    xml = f'<error code="400" message="Bad Request. api_key {FAKE_KEY} is not registered."/>'
    with pytest.raises(NotConfigured) as caught:
        parse_observations_xml(xml.encode())  # redacted even when the key is not given
    assert FAKE_KEY not in str(caught.value)
    assert isinstance(fred_error("Too Many Requests", 429), RateLimited)
    assert isinstance(fred_error("Internal Server Error", "500"), Unavailable)


def test_release_dates_in_the_documented_shape():
    body = (
        b'{"release_dates":[{"release_id":10,"date":"2026-12-10"},'
        b'{"release_id":10,"date":"2027-01-13"}]}'
    )
    assert parse_release_dates_json(body) == [date(2026, 12, 10), date(2027, 1, 13)]
    for bad in (b'{"release_dates": {}}', b'{"release_dates": [{"date": "soon"}]}', b"<html/>"):
        with pytest.raises(BadPayload):
            parse_release_dates_json(bad)


def test_quote_from_the_day_of_the_may_hike():
    series = parse_observations_json(dff(last="2023-05-04"))
    quote = quote_from_series(series, EFFR, NOW, "24/7")
    assert (quote.symbol, quote.name, quote.unit) == ("effr", "Fed funds effective", "%")
    assert (quote.price, quote.prev_close) == (5.08, 4.83)
    assert quote.change == pytest.approx(0.25)
    assert quote.change_pct == pytest.approx(0.25 / 4.83 * 100)
    assert quote.as_of == datetime(2023, 5, 4, 4, 0, tzinfo=UTC)  # midnight New York (EDT)
    assert len(quote.sparkline) == 30 and quote.sparkline[-1] == 5.08


def test_quote_rejects_future_zero_and_no_values():
    series = parse_observations_json(DFF)
    with pytest.raises(BadPayload, match="future"):
        quote_from_series(series, EFFR, datetime(2023, 6, 6, 3, 0, tzinfo=UTC), "24/7")
    zero = [*series[:-1], (date(2023, 6, 6), 0.0)]
    assert quote_from_series(zero, EFFR, NOW, "24/7").price == 0.0  # a rate in % may be zero
    price = EFFR.model_copy(update={"unit": None, "currency": "USD"})
    with pytest.raises(BadPayload, match="above zero"):
        quote_from_series(zero, price, NOW, "24/7")
    with pytest.raises(EmptyResult):
        quote_from_series([], EFFR, NOW, "24/7")


def test_release_events_at_0830_new_york_within_the_window():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    days = [date(2026, 11, 13), date(2026, 11, 24), date(2026, 12, 10), date(2027, 1, 6)]
    events = release_events(days, "US CPI", now)
    # 11-24 08:30 EST is 13:30 UTC, after now - 7 days; 01-06 is after now + 35 days.
    assert [(e.time, e.country, e.name) for e in events] == [
        (datetime(2026, 11, 24, 13, 30, tzinfo=UTC), "US", "US CPI"),
        (datetime(2026, 12, 10, 13, 30, tzinfo=UTC), "US", "US CPI"),
    ]


# --- load against a loopback upstream ----------------------------------------------------------


@pytest.mark.parametrize("dataset", ["rates", "policy_rates", "calendar"])
def test_without_a_key_nothing_is_requested(upstream, dataset):
    kind = SETTINGS.datasets[dataset].kind
    with pytest.raises(NotConfigured, match="needs FRED_API_KEY"):
        fred(upstream, key=None).load(request(dataset, kind))
    assert upstream.hits == {}


def test_load_policy_rate_quote(upstream):
    upstream.route("/fred/series/observations/DFF", body=DFF)
    provider = fred(upstream)
    batch = provider.load(request("policy_rates", RecordKind.QUOTE))  # ecb_dfr: no fred symbol
    [quote] = batch.records
    assert (quote.symbol, quote.price, quote.prev_close, quote.change, quote.unit) == (
        "effr",
        5.08,
        5.08,
        0.0,
        "%",
    )
    assert quote.as_of == datetime(2023, 6, 6, 4, 0, tzinfo=UTC)
    assert batch.problems == []
    assert provider.calls == [observations_request("DFF", FAKE_KEY)[1]]


def test_load_curve_three_dates_with_a_gap_and_a_missing_series(upstream):
    for inst in SETTINGS.datasets["rates"].instruments[1:]:
        upstream.route(f"/fred/series/observations/{inst.symbols['fred']}", body=DFF)
    upstream.route(
        "/fred/series/observations/DGS30", body=dff(lambda obs: obs[-1].update(value="."))
    )
    # DGS1MO has no route: the fake answers 404.
    batch = fred(upstream).load(request("rates", RecordKind.CURVE))
    assert {p.as_of for p in batch.records} == {  # 15:30 New York (EDT)
        datetime(2023, 5, 9, 19, 30, tzinfo=UTC),
        datetime(2023, 5, 30, 19, 30, tzinfo=UTC),
        datetime(2023, 6, 6, 19, 30, tzinfo=UTC),
    }
    assert len(batch.records) == 3 * 9 + 2  # 30Y lacks the latest day, 1M everything
    ten = [(p.as_of.date(), p.yield_pct) for p in batch.records if p.tenor == "10Y"]
    assert ten == [(date(2023, 5, 9), 5.08), (date(2023, 5, 30), 5.08), (date(2023, 6, 6), 5.08)]
    assert batch.problems[0].startswith("DGS1MO: ") and "404" in batch.problems[0]
    assert batch.problems[1:] == ["DGS30: no value on 2023-06-06"]


def release(*days: str) -> bytes:
    return json.dumps({"release_dates": [{"release_id": 0, "date": d} for d in days]}).encode()


def test_load_calendar_from_release_dates_and_the_fomc_schedule(upstream):
    upstream.route("/fred/release/dates/10", body=release("2026-11-13", "2026-12-10"))
    upstream.route("/fred/release/dates/50", body=release("2026-12-04", "2027-01-08"))
    upstream.route("/fred/release/dates/9", body=release("2027-01-15"))
    upstream.route("/fred/release/dates/53", status=500)
    provider = fred(upstream)
    batch = provider.load(
        request("calendar", RecordKind.EVENT, datetime(2026, 12, 1, 12, tzinfo=UTC))
    )
    assert [(e.time, e.name) for e in batch.records] == [
        (datetime(2026, 12, 4, 13, 30, tzinfo=UTC), "US nonfarm payrolls"),
        (datetime(2026, 12, 9, 19, 0, tzinfo=UTC), "FOMC rate decision"),
        (datetime(2026, 12, 10, 13, 30, tzinfo=UTC), "US CPI"),
    ]
    assert len(batch.problems) == 1 and batch.problems[0].startswith("53: ")
    assert provider.calls[0]["realtime_start"] == "2026-11-24"


def test_calendar_fails_when_every_release_fails_even_with_a_schedule(upstream):
    # The configured FOMC dates alone are not a FRED answer: the chain's schedule provider
    # shows them, marked as a fallback, while FRED is down.
    for release_id in ("10", "50", "53", "9"):
        upstream.route(
            f"/fred/release/dates/{release_id}", status=429, headers={"Retry-After": "7"}
        )
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    with pytest.raises(RateLimited) as caught:
        fred(upstream).load(request("calendar", RecordKind.EVENT, now))
    assert caught.value.retry_after_s == 7


FAILURES = {
    "500": ({"status": 500, "body": b"oops"}, Unavailable, "HTTP 500"),
    "429": ({"status": 429, "headers": {"Retry-After": "7"}}, RateLimited, "429"),
    "hang": ({"hang": True}, Unavailable, "no answer"),
    "garbage": ({"body": b"\x00garbage{"}, BadPayload, "not JSON"),
    "html": ({"body": b"<html>Maintenance</html>"}, BadPayload, "not JSON"),
    "truncated": ({"body": DFF, "truncate": True}, Unavailable, "cut off"),
    "400": (
        {"status": 400, "body": json.dumps(KEY_ERROR).encode()},
        NotConfigured,
        "is not registered",
    ),
    "error json": ({"body": json.dumps(KEY_ERROR).encode()}, NotConfigured, "not registered"),
    "401": ({"status": 401}, NotConfigured, "API key"),
}


@pytest.mark.parametrize("name", FAILURES)
def test_load_errors_never_show_the_key(upstream, name):
    route, error, words = FAILURES[name]
    upstream.route("/fred/series/observations/DFF", **route)
    started = time.monotonic()
    with pytest.raises(error, match=words) as caught:
        fred(upstream).load(request("policy_rates", RecordKind.QUOTE))
    assert time.monotonic() - started < 2.5
    assert str(caught.value).startswith("DFF: ")
    assert FAKE_KEY not in str(caught.value) and FAKE_KEY not in repr(caught.value)
    if error is RateLimited:
        assert caught.value.retry_after_s == 7


def test_problems_never_show_the_key(upstream):
    upstream.route("/fred/series/observations/DGS10", body=DFF)
    routes = [route for route, _, _ in FAILURES.values() if not route.get("hang")]
    others = [i.symbols["fred"] for i in SETTINGS.datasets["rates"].instruments if i.id != "10Y"]
    for series, route in zip(others, routes, strict=False):  # the last two: no route, 404
        upstream.route(f"/fred/series/observations/{series}", **route)
    batch = fred(upstream).load(request("rates", RecordKind.CURVE))
    assert {p.tenor for p in batch.records} == {"10Y"}
    assert len(batch.problems) == 10
    assert not any(FAKE_KEY in problem for problem in batch.problems)
