"""Treasury par yield curve: the recorded yearly CSVs through the parser, `load` against loopback.

The fixtures are Treasury's own downloads (see /work/shared/fixtures/PROVENANCE.md). The XML
fragment is not used: its m:/d: prefixes are undeclared, and the provider reads the CSV.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from config import load_settings
from config.schema import Instrument, RecordKind, Settings
from providers.base import Request
from providers.errors import BadPayload, EmptyResult, NotConfigured, RateLimited, Unavailable
from providers.treasury import (
    TreasuryProvider,
    close_time,
    curve_dates,
    curve_points,
    curve_request,
    parse_curve_csv,
    tenor_years,
)
from tests.support import paths

FIXTURES = paths.FIXTURES / "treasury"
CSV_2022 = (FIXTURES / "daily_treasury_par_yield_curve_2022.csv").read_bytes()
CSV_2024 = (FIXTURES / "daily_treasury_par_yield_curve_2024_to_2024-10-10.csv").read_bytes()
HEADER = CSV_2022.split(b"\n")[0] + b"\n"  # what a year with no rows yet looks like
NOW = datetime(2024, 10, 11, 12, 0, tzinfo=UTC)  # the morning after the last 2024 row
RATES = load_settings(env={}).datasets["rates"].instruments
ALL = {i.id: i.symbols["treasury"] for i in RATES}


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


def path(year: int) -> str:
    return curve_request(year)[0]


def provider(upstream, **refresh) -> TreasuryProvider:
    raw = load_settings(env={}).model_dump()
    raw["providers"] = {"treasury": {"base_url": upstream.url, "requests_per_second": 50}}
    raw["refresh"] = {**raw["refresh"], "deadline_s": 1, **refresh}
    return TreasuryProvider(Settings.model_validate(raw))


def request(now: datetime = NOW, instruments=RATES, kind=RecordKind.CURVE) -> Request:
    return Request(dataset="rates", kind=kind, instruments=tuple(instruments), now=now)


def rows_until(csv: bytes, last: date) -> bytes:
    """The file as Treasury served it on the day after `last`: the same rows, newer ones cut."""
    lines = csv.decode().splitlines()
    kept = [ln for ln in lines[1:] if datetime.strptime(ln[:10], "%m/%d/%Y").date() <= last]
    return "\n".join([lines[0], *kept]).encode()


# --- request and small helpers --------------------------------------------------------------


def test_curve_request_is_the_yearly_csv_download():
    assert curve_request(2024) == (
        "/resource-center/data-chart-center/interest-rates/daily-treasury-rates.csv/2024/all",
        {
            "type": "daily_treasury_yield_curve",
            "field_tdr_date_value": "2024",
            "page": "",
            "_format": "csv",
        },
    )


def test_tenor_years_and_publication_time():
    assert (tenor_years("1M"), tenor_years("10Y"), tenor_years("6w")) == (1 / 12, 10, 6 / 52)
    for bad in ("10X", "0M", "M", "1.5Y"):
        with pytest.raises(ValueError):
            tenor_years(bad)
    # 15:30 New York: 19:30 UTC in summer time, 20:30 UTC in winter.
    assert close_time(date(2024, 10, 10)) == datetime(2024, 10, 10, 19, 30, tzinfo=UTC)
    assert close_time(date(2024, 1, 2)) == datetime(2024, 1, 2, 20, 30, tzinfo=UTC)


def test_curve_dates_are_latest_a_week_and_four_weeks_back():
    days = [date(2024, 10, d) for d in (1, 2, 3, 4, 7, 8, 9, 10)] + [date(2024, 9, 12)]
    assert curve_dates(days) == [date(2024, 9, 12), date(2024, 10, 3), date(2024, 10, 10)]
    assert curve_dates([date(2024, 1, 2), date(2024, 1, 5)]) == [date(2024, 1, 5)]
    assert curve_dates([]) == []


# --- parse: the recorded files --------------------------------------------------------------


def test_2024_csv_yields_on_real_dates():
    columns, rows = parse_curve_csv(CSV_2024)
    assert columns[:5] == ["1 Mo", "2 Mo", "3 Mo", "4 Mo", "6 Mo"]
    assert columns[-3:] == ["10 Yr", "20 Yr", "30 Yr"]
    assert len(rows) == 196
    assert (min(rows), max(rows)) == (date(2024, 1, 2), date(2024, 10, 10))
    assert rows[date(2024, 10, 10)]["10 Yr"] == 4.09
    assert rows[date(2024, 10, 10)]["1 Mo"] == 4.98
    assert rows[date(2024, 1, 2)]["30 Yr"] == 4.08


def test_2022_csv_has_no_4_month_yield_before_19_october():
    _, rows = parse_curve_csv(CSV_2022)
    assert "4 Mo" not in rows[date(2022, 10, 18)]  # empty cell, skipped, not zero
    assert rows[date(2022, 10, 18)]["3 Mo"] == 4.04
    assert rows[date(2022, 10, 19)]["4 Mo"] == 4.32  # the first 4-month bill yield
    assert min(d for d, r in rows.items() if "4 Mo" in r) == date(2022, 10, 19)
    assert rows[date(2022, 1, 3)]["1 Mo"] == 0.05
    assert rows[date(2022, 12, 30)]["10 Yr"] == 3.88


def test_three_curves_from_2024_oldest_first():
    _, rows = parse_curve_csv(CSV_2024)
    points, problems = curve_points(rows, ALL, NOW)
    assert problems == []
    assert len(points) == 3 * 11
    ten = [(p.as_of.date(), p.yield_pct) for p in points if p.tenor == "10Y"]
    assert ten == [(date(2024, 9, 12), 3.68), (date(2024, 10, 3), 3.85), (date(2024, 10, 10), 4.09)]
    assert [p.as_of for p in points] == sorted(p.as_of for p in points)
    latest = {p.tenor: p for p in points}  # what a table keeping the last point shows
    assert latest["1M"].yield_pct == 4.98 and latest["1M"].years == pytest.approx(1 / 12)
    assert latest["30Y"].as_of == datetime(2024, 10, 10, 19, 30, tzinfo=UTC)


def test_4_month_tenor_before_and_after_its_first_day():
    _, rows = parse_curve_csv(CSV_2022)
    four = {"4M": "4 Mo", "3M": "3 Mo"}
    before = {d: r for d, r in rows.items() if d <= date(2022, 10, 18)}
    points, problems = curve_points(before, four, datetime(2022, 10, 19, tzinfo=UTC))
    assert {p.tenor for p in points} == {"3M"}
    assert problems == ["4 Mo: no value on 2022-10-18"]
    after = {d: r for d, r in rows.items() if d <= date(2022, 10, 21)}
    points, problems = curve_points(after, four, datetime(2022, 10, 22, tzinfo=UTC))
    # Only the latest curve has it: a week (10/14) and a month (9/23) back the cell is empty.
    assert [(p.as_of.date(), p.yield_pct) for p in points if p.tenor == "4M"] == [
        (date(2022, 10, 21), 4.31)
    ]
    assert problems == []


def test_a_curve_dated_after_now_is_bad_payload_but_clock_skew_is_not():
    _, rows = parse_curve_csv(CSV_2024)
    published = close_time(date(2024, 10, 10))
    curve_points(rows, ALL, published - timedelta(minutes=4))
    with pytest.raises(BadPayload, match="future"):
        curve_points(rows, ALL, published - timedelta(minutes=6))


# --- parse: what must not pass --------------------------------------------------------------

ROW = b"10/10/2024,4.98,4.84,4.75,4.65,4.45,4.22,3.98,3.88,3.91,3.99,4.09,4.44,4.38\n"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"  \n\n",
        b"<!DOCTYPE html><html><body>Access Denied</body></html>",
        b"\xff\xfe\x00garbage",
        b'{"data": []}',
        b",,,\n",
        CSV_2024[: len(CSV_2024) // 2],  # cut in the middle of a row
        HEADER + ROW.replace(b"4.09", b"NaN"),
        HEADER + ROW.replace(b"4.09", b"-0.5"),
        HEADER + ROW.replace(b"4.09", b"4.O9"),
        HEADER + ROW.replace(b"10/10/2024", b"2024-10-10"),
        HEADER + ROW + ROW,  # the same day twice
        HEADER + b"\n".join(reversed(CSV_2024.split(b"\n")[1:4])),  # oldest first
    ],
)
def test_garbage_csv_is_bad_payload(body):
    with pytest.raises(BadPayload):
        parse_curve_csv(body)


def test_a_year_without_rows_is_empty():
    with pytest.raises(EmptyResult):
        parse_curve_csv(HEADER)


# --- load against a loopback upstream -------------------------------------------------------


def test_load_serves_three_curves_from_this_years_file(upstream):
    upstream.route(path(2024), body=CSV_2024, headers={"Content-Type": "text/csv"})
    batch = provider(upstream).load(request())
    assert (len(batch.records), batch.problems) == (33, [])
    assert {p.as_of.date() for p in batch.records} == {
        date(2024, 9, 12),
        date(2024, 10, 3),
        date(2024, 10, 10),
    }
    assert upstream.hits == {path(2024): 1}  # a full year: last year's file is not needed


def test_early_january_uses_last_years_file(upstream):
    upstream.route(path(2023), body=HEADER)  # 5 January 2023: no 2023 rows in this file yet
    upstream.route(path(2022), body=CSV_2022)
    batch = provider(upstream).load(request(datetime(2023, 1, 5, 12, tzinfo=UTC)))
    ten = [(p.as_of.date(), p.yield_pct) for p in batch.records if p.tenor == "10Y"]
    assert ten == [
        (date(2022, 12, 2), 3.51),
        (date(2022, 12, 23), 3.75),
        (date(2022, 12, 30), 3.88),
    ]
    assert batch.problems == []


def test_early_january_without_last_years_file_keeps_this_years_rows(upstream):
    upstream.route(path(2024), body=rows_until(CSV_2024, date(2024, 1, 11)))
    # No 2023 route: the fake answers 404, as for a file that is not there.
    batch = provider(upstream).load(request(datetime(2024, 1, 12, 12, tzinfo=UTC)))
    assert {p.as_of.date() for p in batch.records} == {date(2024, 1, 4), date(2024, 1, 11)}
    assert [p.yield_pct for p in batch.records if p.tenor == "10Y"] == [3.99, 3.98]
    assert len(batch.problems) == 1 and batch.problems[0].startswith("2023 CSV: ")
    assert "404" in batch.problems[0]


def test_missing_configured_column_is_a_problem_not_a_crash(upstream):
    upstream.route(path(2024), body=CSV_2024)
    six_weeks = Instrument(id="6W", name="6 weeks", symbols={"treasury": "6 Wk"})
    batch = provider(upstream).load(request(instruments=[*RATES[:2], six_weeks]))
    assert {p.tenor for p in batch.records} == {"1M", "3M"}
    assert batch.problems == ["6 Wk: no such column in the Treasury CSV"]
    with pytest.raises(BadPayload, match="none of the configured columns"):
        provider(upstream).load(request(instruments=[six_weeks]))


@pytest.mark.parametrize(
    ("route", "error", "words"),
    [
        ({"status": 500, "body": b"oops"}, Unavailable, "2024 CSV: .*HTTP 500"),
        ({"body": b"<html><body>Service Unavailable</body></html>"}, BadPayload, "not a CSV"),
        ({"body": b"\x00\x01garbage\xff"}, BadPayload, "2024 CSV"),
        ({"body": CSV_2024, "truncate": True}, Unavailable, "cut off"),
    ],
)
def test_load_errors(upstream, route, error, words):
    upstream.route(path(2024), **route)
    with pytest.raises(error, match=words):
        provider(upstream).load(request())


def test_429_keeps_retry_after(upstream):
    upstream.route(path(2024), status=429, headers={"Retry-After": "7"})
    with pytest.raises(RateLimited) as caught:
        provider(upstream).load(request())
    assert caught.value.retry_after_s == 7


def test_a_hung_upstream_is_unavailable_within_the_deadline(upstream):
    upstream.route(path(2024), hang=True)
    started = time.monotonic()
    with pytest.raises(Unavailable, match="no answer"):
        provider(upstream).load(request())
    assert time.monotonic() - started < 2.5


def test_load_refuses_unmapped_instruments(upstream):
    spx = load_settings(env={}).datasets["indices"].instruments[0]
    with pytest.raises(NotConfigured):
        provider(upstream).load(request(instruments=[spx]))
    assert upstream.hits == {}
