"""CBOE provider: recorded VIX history CSVs through the parser, `load` against a loopback upstream.

No test touches the network: the real HttpClient talks to a fake upstream on 127.0.0.1.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from config import Settings, load_settings
from config.schema import RecordKind
from providers.base import Request
from providers.cboe import (
    SPARKLINE,
    CboeProvider,
    cboe_quote,
    cboe_request,
    close_time,
    parse_cboe_csv,
)
from providers.errors import BadPayload, EmptyResult, NotConfigured, RateLimited, Unavailable
from tests.support import fakeupstream, paths

FIXTURES = paths.FIXTURES / "cboe"
VIX = (FIXTURES / "VIX_History_2016-01-04_to_2026-07-02_truncated.csv").read_text(encoding="utf-8")
HEAD_1990 = (FIXTURES / "VIX_History_head_1990.csv").read_text(encoding="utf-8")
NOW = datetime(2026, 7, 3, 12, tzinfo=UTC)  # the morning after the last row (2026-07-02)
VIX_PATH = "/api/global/us_indices/daily_prices/VIX_History.csv"
VIX3M_PATH = "/api/global/us_indices/daily_prices/VIX3M_History.csv"


def bars(text: str | bytes = VIX, **kwargs):
    return parse_cboe_csv(text, symbol="VIX", **kwargs)


def quote(text: str = VIX, now: datetime = NOW, **kwargs):
    return cboe_quote(bars(text, **kwargs), symbol="VIX", name="VIX", now=now, unit="pts")


def replace_last(text: str, row: str) -> str:
    return text.rstrip("\n").rsplit("\n", 1)[0] + "\n" + row + "\n"


# --- request and parse ----------------------------------------------------------------------


def test_request_is_the_symbols_history_file():
    assert cboe_request("VIX9D") == "/api/global/us_indices/daily_prices/VIX9D_History.csv"
    assert cboe_request("vix") == VIX_PATH


def test_bars_from_the_vix_recording():
    vix = bars()
    assert len(vix) == 2670
    assert all(a.time < b.time for a, b in pairwise(vix))
    assert (vix[0].time, vix[0].close) == (datetime(2016, 1, 4, tzinfo=UTC), 20.70)
    by_day = {bar.time.date().isoformat(): bar for bar in vix}
    assert by_day["2020-03-16"].close == 82.69  # the COVID crash's record close
    assert (by_day["2025-04-08"].high, by_day["2025-04-08"].close) == (57.52, 52.33)
    last = vix[-1]
    assert last.time == datetime(2026, 7, 2, tzinfo=UTC)
    assert (last.open, last.high, last.low, last.close) == (17.05, 17.21, 15.79, 16.15)
    assert last.volume is None


def test_the_1990_head_has_one_value_per_day():
    head = bars(HEAD_1990)
    assert len(head) == 25
    first = head[0]
    assert first.time == datetime(1990, 1, 2, tzinfo=UTC)
    assert first.open == first.high == first.low == first.close == 17.24
    assert (head[-1].time.date().isoformat(), head[-1].close) == ("1990-02-05", 24.54)


def test_the_window_keeps_the_last_rows_and_skips_older_bad_ones():
    window = bars(limit=SPARKLINE)
    assert len(window) == 30 and (window[0].time.date().isoformat(), window[0].close) == (
        "2026-05-22",
        16.70,
    )
    broken = VIX.replace("01/04/2016,22.480000", "01/04/2016,0.000000")  # outside the window
    assert bars(broken, limit=SPARKLINE) == window
    with pytest.raises(BadPayload, match="01/04/2016: open 0 is out of range"):
        bars(broken)
    assert bars(VIX.replace("\n", "\r\n").encode("utf-8-sig"), limit=2) == window[-2:]


# --- quotes ---------------------------------------------------------------------------------


def test_quote_is_the_last_close_at_1615_new_york():
    vix = quote(limit=SPARKLINE)
    assert (vix.price, vix.prev_close) == (16.15, 16.59)
    assert vix.change == pytest.approx(-0.44)
    assert vix.change_pct == pytest.approx(-0.44 / 16.59 * 100)
    assert vix.as_of == datetime(2026, 7, 2, 20, 15, tzinfo=UTC)  # 16:15 EDT
    assert (len(vix.sparkline), vix.sparkline[0], vix.sparkline[-1]) == (30, 16.70, 16.15)
    assert (vix.unit, vix.currency) == ("pts", None)
    assert quote().sparkline == vix.sparkline  # the whole file gives the same tile


def test_quote_time_follows_new_york_daylight_saving():
    old = quote(HEAD_1990)
    assert (old.price, old.prev_close) == (24.54, 24.32)
    assert old.as_of == datetime(1990, 2, 5, 21, 15, tzinfo=UTC)  # 16:15 EST
    assert close_time(datetime(2026, 3, 9).date()) == datetime(2026, 3, 9, 20, 15, tzinfo=UTC)


def test_a_row_for_today_is_timed_at_the_open_never_now_and_one_for_tomorrow_is_bad():
    # 11:00 and 16:14 EDT: the value is from the running session, at least from its 09:30 open
    for during in (datetime(2026, 7, 2, 15, tzinfo=UTC), datetime(2026, 7, 2, 20, 14, tzinfo=UTC)):
        assert quote(now=during).as_of == datetime(2026, 7, 2, 13, 30, tzinfo=UTC)
    early = datetime(2026, 7, 2, 8, tzinfo=UTC)  # 04:00 EDT: only the date itself is known
    assert quote(now=early).as_of == datetime(2026, 7, 2, 4, tzinfo=UTC)
    with pytest.raises(BadPayload, match="VIX: row dated 2026-07-02 is in the future"):
        quote(now=datetime(2026, 7, 1, 22, tzinfo=UTC))  # 18:00 in New York on July 1


def test_a_single_row_has_no_change():
    one = quote(limit=1)
    assert (one.price, one.prev_close, one.change, one.change_pct) == (16.15, None, None, None)


# --- broken payloads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (b"", BadPayload, "empty answer"),
        (b"\n \r\n", BadPayload, "empty answer"),
        (b"DATE,OPEN,HIGH,LOW,CLOSE\n", EmptyResult, "no rows"),
        (b"<!DOCTYPE html><html><body>Access Denied</body></html>", BadPayload, "HTML"),
        (b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>', BadPayload, "HTML"),
        (b'{"data": []}', BadPayload, "not a CBOE CSV"),
        (b"Date,Open,High,Low,Close,Volume\n2025-04-07,1,2,1,1,5\n", BadPayload, "MM/DD/YYYY"),
        (b"DATE,CLOSE\n07/02/2026,16.15\n", BadPayload, "not a CBOE CSV"),
        (b"\xff\xfe\x00D\x00A", BadPayload, "not text"),
        (VIX[:-12].encode(), BadPayload, "07/02/2026: 4 fields, header has 5"),  # cut mid-row
    ],
)
def test_non_data_answers(body, error, words):
    with pytest.raises(error, match=f"^VIX: .*{words}"):
        bars(body)


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("07/02/2026,17.05,17.21,15.79,NaN", "close nan is out of range"),
        ("07/02/2026,17.05,17.21,15.79,-inf", "close -inf is out of range"),
        ("07/02/2026,17.05,17.21,0,16.15", "low 0 is out of range"),
        ("07/02/2026,-17.05,17.21,15.79,16.15", "open -17.05 is out of range"),
        ("07/02/2026,17.05,17.21,15.79,.", "close '.' is not a number"),
        ("07/02/2026,17.05,17.21,15.79,", "close '' is not a number"),
        ("2026-07-02,17.05,17.21,15.79,16.15", "'2026-07-02' is not an MM/DD/YYYY date"),
        ("07/01/2026,17.05,17.21,15.79,16.15", "not strictly increasing"),  # repeated
        ("06/01/2026,17.05,17.21,15.79,16.15", "not strictly increasing"),
    ],
)
def test_bad_rows_are_bad_payload(row, words):
    with pytest.raises(BadPayload, match=words):
        bars(replace_last(VIX, row), limit=SPARKLINE)


# --- load through the real HttpClient and a loopback upstream -------------------------------


@pytest.fixture(scope="module")
def server():
    """One fake upstream for the module, polling for shutdown every 50 ms (not 500): fast."""
    server = fakeupstream.FakeUpstream()
    threading.Thread(target=server.server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.stop()


@pytest.fixture
def upstream(server):
    """The module's fake upstream with no routes and no hits (overrides conftest's fixture)."""
    for table in (server.routes, server.hits, server.request_headers):
        table.clear()
    return server


@pytest.fixture(scope="module")
def settings(server):
    """The real config, with cboe pointed at the fake upstream and a one-second deadline."""
    raw = load_settings(env={}).model_dump()
    raw["providers"] = {"cboe": {"base_url": server.url}}
    raw["refresh"] = {**raw["refresh"], "deadline_s": 1}
    return Settings.model_validate(raw)


def request(settings, *ids: str, now: datetime = NOW) -> Request:
    dataset = settings.datasets["volatility"]
    chosen = tuple(i for i in dataset.instruments if i.id in ids)
    return Request("volatility", RecordKind.QUOTE, chosen, now=now, market=dataset.market)


def test_load_keeps_the_good_index_and_reports_the_missing_one(settings, upstream):
    upstream.route(VIX_PATH, body=VIX.encode(), headers={"Content-Type": "text/csv"})
    batch = CboeProvider(settings).load(request(settings, "vix", "vix3m"))
    [vix] = batch.records
    assert (vix.symbol, vix.name, vix.price) == ("vix", "VIX", 16.15)
    assert (vix.unit, vix.market) == ("pts", "XNYS")
    assert vix.as_of == datetime(2026, 7, 2, 20, 15, tzinfo=UTC)
    [problem] = batch.problems
    assert problem.startswith("VIX3M: ") and "404" in problem
    assert upstream.hits == {VIX_PATH: 1, VIX3M_PATH: 1}


@pytest.mark.parametrize(
    ("route", "error", "words"),
    [
        ({"status": 500}, Unavailable, "answered HTTP 500"),
        ({"status": 503}, Unavailable, "answered HTTP 503"),
        ({"body": b"\x00\x01garbage\x02"}, BadPayload, "not a CBOE CSV"),
        ({"body": replace_last(VIX, "07/09/2026,1,1,1,1").encode()}, BadPayload, "future"),
        ({"body": VIX.encode(), "truncate": True}, Unavailable, "cut off"),
        ({"status": 404}, EmptyResult, "404"),
    ],
)
def test_load_errors_when_every_index_fails(settings, upstream, route, error, words):
    upstream.route(VIX_PATH, **route)
    with pytest.raises(error, match=f"^VIX: .*{words}"):
        CboeProvider(settings).load(request(settings, "vix"))


def test_a_429_keeps_retry_after_and_is_the_error_raised(settings, upstream):
    upstream.route(VIX_PATH, status=429, headers={"Retry-After": "7"})
    upstream.route(VIX3M_PATH, status=502)
    with pytest.raises(RateLimited) as caught:
        CboeProvider(settings).load(request(settings, "vix", "vix3m"))
    assert caught.value.retry_after_s == 7
    assert str(caught.value).startswith("VIX: ")


def test_a_hung_upstream_is_unavailable_within_the_deadline(settings, upstream):
    upstream.route(VIX_PATH, hang=True)
    started = time.monotonic()
    with pytest.raises(Unavailable, match=r"^VIX: no answer"):
        CboeProvider(settings).load(request(settings, "vix"))
    assert time.monotonic() - started < 2


def test_load_refuses_unmapped_instruments(settings):
    spx = settings.datasets["indices"].instruments[0]  # no cboe symbol
    with pytest.raises(NotConfigured):
        CboeProvider(settings).load(Request("indices", RecordKind.QUOTE, (spx,), now=NOW))
