"""Stooq provider: recorded ^SPX CSVs through the parser, bars timed at their session's close,
the window a bar dataset asks for, `load` against a loopback upstream.

No test touches the network: the real HttpClient talks to the `upstream` fixture on 127.0.0.1.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from config import Settings, load_settings
from config.schema import INDICATOR_WARM_UP_BARS, Instrument
from providers import markets
from providers.base import Request
from providers.errors import BadPayload, EmptyResult, NotConfigured, RateLimited, Unavailable
from providers.models import data_time
from providers.stooq import (
    StooqProvider,
    calendar_days,
    history_since,
    last_session,
    parse_stooq_csv,
    session_bars,
    session_times,
    stooq_history,
    stooq_quote,
    stooq_request,
)
from tests.support import fakeupstream, paths

FIXTURES = paths.FIXTURES / "stooq"
SPX = (FIXTURES / "spx_d_2024-01-02_to_2025-04-07_truncated.csv").read_text(encoding="utf-8")
HEAD_1789 = (FIXTURES / "spx_d_head_1789.csv").read_text(encoding="utf-8")
NOW = datetime(2025, 4, 8, 12, tzinfo=UTC)  # the morning after the last row (2025-04-07)
SPX_PATH = "/q/d/l/?s=%5Espx&i=d"  # what the request looks like on the wire
NEW_YORK = ZoneInfo("America/New_York")
VIX = paths.FIXTURES / "cboe" / "VIX_History_2016-01-04_to_2026-07-02_truncated.csv"
VIX_NOW = datetime(2026, 7, 3, 12, tzinfo=UTC)  # the morning after its last row


def vix_as_stooq() -> str:
    """The recorded CBOE VIX history (2,670 sessions, 2016-01-04 to 2026-07-02) written as a
    Stooq CSV without volume, as Stooq sends indices: a history longer than any window."""
    _header, *rows = VIX.read_text(encoding="utf-8").splitlines()
    lines = ["Date,Open,High,Low,Close"]
    for row in rows:
        day, *prices = row.split(",")
        lines.append(",".join([datetime.strptime(day, "%m/%d/%Y").date().isoformat(), *prices]))
    return "\n".join(lines) + "\n"


def bars(text: str = SPX, **kwargs):
    return parse_stooq_csv(text, symbol="^spx", **kwargs)


def replace_last(text: str, row: str) -> str:
    return text.rstrip("\n").rsplit("\n", 1)[0] + "\n" + row + "\n"


# --- request and parse ----------------------------------------------------------------------


def test_request_is_the_daily_history_csv():
    assert stooq_request("^spx") == ("/q/d/l/", {"s": "^spx", "i": "d"})


def test_bars_from_the_spx_recording():
    spx = bars()
    assert len(spx) == 317
    assert all(a.time < b.time for a, b in pairwise(spx))
    first = spx[0]
    assert first.time == datetime(2024, 1, 2, tzinfo=UTC)
    assert (first.open, first.close, first.volume) == (4745.2, 4742.83, 2438700029)
    by_day = {bar.time.date().isoformat(): bar for bar in spx}
    assert by_day["2025-04-04"].close == 5074.08  # the second day of the April 2025 sell-off
    last = spx[-1]
    assert (last.open, last.high, last.low, last.close) == (4909.66, 5246.19, 4835.3, 5062.25)
    assert {bar.symbol for bar in spx} == {"^spx"}


def test_the_window_keeps_the_last_rows_and_skips_older_bad_ones():
    assert (
        len(bars(limit=250 + INDICATOR_WARM_UP_BARS)) == 317
    )  # the recording is shorter than a window
    window = bars(limit=30)
    assert len(window) == 30 and window[0].time == datetime(2025, 2, 25, tzinfo=UTC)
    broken = SPX.replace("2024-01-02,4745.2,", "2024-01-02,NaN,")  # outside the window
    assert bars(broken, limit=30) == window
    with pytest.raises(BadPayload, match="2024-01-02: open nan is out of range"):
        bars(broken)


def test_monthly_1789_head_has_volume_zero():
    head = bars(HEAD_1789)
    assert len(head) == 24
    assert head[0].time == datetime(1789, 5, 1, tzinfo=UTC)
    assert (head[0].close, head[0].volume) == (0.51, 0)
    assert (head[-1].time.date().isoformat(), head[-1].close) == ("1791-04-01", 0.6)


def test_polish_headers_crlf_and_no_volume_column():
    polish = SPX.replace(
        "Date,Open,High,Low,Close,Volume", "Data,Otwarcie,Najwyzszy,Najnizszy,Zamkniecie,Wolumen"
    )
    assert bars(polish.replace("\n", "\r\n")) == bars()
    no_volume = "\n".join(line.rsplit(",", 1)[0] for line in SPX.splitlines())
    spx = bars(no_volume)
    assert (spx[-1].close, spx[-1].volume) == (5062.25, None)


# --- quotes ---------------------------------------------------------------------------------


def test_quote_is_the_last_close_against_the_one_before():
    quote = stooq_quote(
        bars(), symbol="^spx", name="S&P 500", now=NOW, market="XNYS", currency="USD"
    )
    assert (quote.price, quote.prev_close) == (5062.25, 5074.08)
    assert quote.change == pytest.approx(-11.83)
    assert quote.change_pct == pytest.approx(-11.83 / 5074.08 * 100)
    assert quote.as_of == datetime(2025, 4, 7, 20, tzinfo=UTC)  # the NYSE close, 16:00 EDT
    assert (len(quote.sparkline), quote.sparkline[0], quote.sparkline[-1]) == (30, 5955.25, 5062.25)
    assert (quote.symbol, quote.name) == ("^spx", "S&P 500")
    assert (quote.currency, quote.market) == ("USD", "XNYS")


def test_quote_time_during_the_session_and_without_a_calendar():
    # A row for a session still running is timed at the session's open, never at the fetch:
    # stamped `now`, it would refuse a real-time source's quote of a minute ago as going back.
    for during in (datetime(2025, 4, 7, 15, tzinfo=UTC), datetime(2025, 4, 7, 19, 59, tzinfo=UTC)):
        quote = stooq_quote(bars(), symbol="^spx", name="x", now=during, market="XNYS")
        assert quote.as_of == datetime(2025, 4, 7, 13, 30, tzinfo=UTC)  # 09:30 EDT
    after = datetime(2025, 4, 7, 20, 1, tzinfo=UTC)
    assert stooq_quote(bars(), symbol="^spx", name="x", now=after, market="XNYS").as_of == (
        datetime(2025, 4, 7, 20, tzinfo=UTC)
    )
    for market in (None, "24/7", "NOPE"):  # no exchange calendar: the date at 00:00 UTC
        quote = stooq_quote(bars(), symbol="^spx", name="x", now=NOW, market=market)
        assert quote.as_of == datetime(2025, 4, 7, tzinfo=UTC)
    old = stooq_quote(bars(HEAD_1789), symbol="^spx", name="x", now=NOW, market="XNYS")
    assert old.as_of == datetime(1791, 4, 1, tzinfo=UTC)  # before the calendar's first session


def test_a_row_dated_after_now_is_bad_but_a_futures_session_begins_the_evening_before():
    before_open = datetime(2025, 4, 7, 13, tzinfo=UTC)  # NYSE opens 13:30 UTC
    with pytest.raises(BadPayload, match=r"\^spx: row dated 2025-04-07 is in the future"):
        stooq_quote(bars(), symbol="^spx", name="x", now=before_open, market="XNYS")
    sunday_evening = datetime(2025, 4, 6, 23, tzinfo=UTC)  # CME's Monday session runs
    quote = stooq_quote(bars(), symbol="cl.f", name="x", now=sunday_evening, market="CMES")
    assert quote.as_of == datetime(2025, 4, 6, 22, tzinfo=UTC)  # its open, 17:00 CDT
    assert last_session(bars(), symbol="^spx", now=NOW, market="XNYS")[0] == datetime(
        2025, 4, 7, 13, 30, tzinfo=UTC
    )


# --- bars timed at their session's close ------------------------------------------------------


def test_bars_are_timed_at_their_sessions_close_on_the_market():
    parsed = bars()
    spx = session_bars(parsed, symbol="^spx", now=NOW, market="XNYS")
    assert [b.time.date() for b in spx] == [b.time.date() for b in parsed]  # the same days
    assert [b.model_dump(exclude={"time"}) for b in spx] == [
        b.model_dump(exclude={"time"}) for b in parsed
    ]
    closes = {b.time.date().isoformat(): f"{b.time.astimezone(NEW_YORK):%H:%M}" for b in spx}
    assert {day for day, at in closes.items() if at != "16:00"} == {
        "2024-07-03",  # the NYSE's half days close at 13:00
        "2024-11-29",
        "2024-12-24",
    }
    assert set(closes.values()) == {"16:00", "13:00"}
    assert spx[-1].time == datetime(2025, 4, 7, 20, tzinfo=UTC)  # not 00:00 UTC
    assert data_time(spx) == datetime(2025, 4, 7, 20, tzinfo=UTC)  # the dataset's "as of"


def test_the_session_still_running_is_timed_at_its_open():
    during = datetime(2025, 4, 7, 15, tzinfo=UTC)
    spx = session_bars(bars(), symbol="^spx", now=during, market="XNYS")
    assert spx[-1].time == datetime(2025, 4, 7, 13, 30, tzinfo=UTC)  # 09:30 EDT, never `now`
    assert spx[-2].time == datetime(2025, 4, 4, 20, tzinfo=UTC)
    with pytest.raises(BadPayload, match="row dated 2025-04-07 is in the future"):
        session_bars(bars(), symbol="^spx", now=datetime(2025, 4, 7, 13, tzinfo=UTC), market="XNYS")


def test_without_a_session_a_bar_keeps_its_date_at_midnight_utc():
    for market in (None, "24/7", "24/5", "NOPE"):
        assert session_bars(bars(), symbol="^spx", now=NOW, market=market) == bars()
    old = bars(HEAD_1789)  # before the calendar's first session
    assert session_bars(old, symbol="^spx", now=NOW, market="XNYS") == old
    saturday, monday, monthly = date(2025, 4, 5), date(2025, 4, 7), date(1791, 4, 1)
    assert session_times([saturday, monday, monthly], "XNYS") == [
        None,
        (datetime(2025, 4, 7, 13, 30, tzinfo=UTC), datetime(2025, 4, 7, 20, tzinfo=UTC)),
        None,
    ]
    assert session_bars([], symbol="^spx", now=NOW, market="XNYS") == []


# --- the window a bar dataset asks for ---------------------------------------------------------


@pytest.mark.parametrize("market", ["XNYS", "XSHG", "XTAI", "XTKS", "XLON", "CMES"])
@pytest.mark.parametrize("today", [date(2024, 2, 12), date(2025, 4, 8), date(2026, 11, 18)])
def test_the_days_asked_hold_the_sessions_on_any_market(market, today):
    cal = markets.calendar(market)
    for count in (30, 561, 2311):  # a sparkline, a 250-bar chart, the largest (2,000 shown)
        since = pd.Timestamp(today - timedelta(days=calendar_days(count)))
        if since < cal.first_session:
            continue  # the calendar starts 20 years back
        assert len(cal.sessions_in_range(since, pd.Timestamp(today))) >= count


def test_a_single_row_has_no_change():
    quote = stooq_quote(bars(limit=1), symbol="^spx", name="x", now=NOW)
    assert quote.price == 5062.25
    assert quote.prev_close is quote.change is quote.change_pct is None


# --- what Stooq sends when it will not send data, and broken payloads -----------------------


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (b"", BadPayload, "empty answer"),
        (b" \r\n\n", BadPayload, "empty answer"),
        (b"No data", EmptyResult, "no data"),
        (b"Brak danych", EmptyResult, "no data"),
        (b"Exceeded the daily hits limit", RateLimited, "daily hits limit"),
        (b"Date,Open,High,Low,Close,Volume\n", EmptyResult, "no rows"),
        (b"<!DOCTYPE html><html><body>Stooq</body></html>", BadPayload, "HTML instead of CSV"),
        (b'{"error": "nope"}', BadPayload, "not a Stooq CSV"),
        (b"\xff\xfe\x00D\x00a", BadPayload, "not text"),
        # The wording of the key page is not known; any non-CSV answer naming an apikey will do.
        (b"Please get your apikey first", NotConfigured, "asks for an API key"),
        (b"Date,Open,High,Low,Volume\n2025-04-07,1,2,1,5\n", BadPayload, "no close column"),
        (SPX[:-20].encode(), BadPayload, "2025-04-07: 4 fields, header has 6"),  # cut mid-row
    ],
)
def test_non_data_answers(body, error, words):
    with pytest.raises(error, match=rf"^\^spx: .*{words}"):
        bars(body)


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("2025-04-07,4909.66,5246.19,4835.3,NaN,3363837967", "close nan is out of range"),
        ("2025-04-07,4909.66,5246.19,4835.3,inf,3363837967", "close inf is out of range"),
        ("2025-04-07,4909.66,5246.19,0,5062.25,3363837967", "low 0 is out of range"),
        ("2025-04-07,-4909.66,5246.19,4835.3,5062.25,3363837967", "open -4909.66 is out of range"),
        ("2025-04-07,4909.66,5246.19,4835.3,n/a,3363837967", "close 'n/a' is not a number"),
        ("2025-04-07,4909.66,5246.19,4835.3,,3363837967", "close '' is not a number"),
        ("2025-04-07,4909.66,5246.19,4835.3,5062.25,-1", "volume -1 is out of range"),
        ("2025-13-07,4909.66,5246.19,4835.3,5062.25,0", "'2025-13-07' is not a date"),
        ("2025-04-04,4909.66,5246.19,4835.3,5062.25,0", "not strictly increasing"),  # repeated
        ("2025-04-03,4909.66,5246.19,4835.3,5062.25,0", "not strictly increasing"),
    ],
)
def test_bad_rows_are_bad_payload(row, words):
    with pytest.raises(BadPayload, match=words):
        bars(replace_last(SPX, row))


def test_reversed_rows_are_bad_payload():
    header, *rows = SPX.splitlines()
    with pytest.raises(BadPayload, match="not strictly increasing"):
        bars("\n".join([header, *reversed(rows)]))


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
    for table in (server.routes, server.hits, server.query_hits, server.request_headers):
        table.clear()
    return server


@pytest.fixture(scope="module")
def settings(server):
    """The real config, with stooq pointed at the fake upstream and a one-second deadline."""
    raw = load_settings(env={}).model_dump()
    raw["providers"] = {"stooq": {"base_url": server.url}}
    raw["refresh"] = {**raw["refresh"], "deadline_s": 1}
    return Settings.model_validate(raw)


def instruments(settings, dataset: str, *ids: str) -> tuple[Instrument, ...]:
    return tuple(i for i in settings.datasets[dataset].instruments if i.id in ids)


def request(settings, dataset: str, *ids: str, now: datetime = NOW) -> Request:
    kind = settings.datasets[dataset].kind
    market = settings.datasets[dataset].market
    return Request(dataset, kind, instruments(settings, dataset, *ids), now=now, market=market)


def test_load_quotes_keeps_the_good_one_and_reports_the_missing_symbol(settings, upstream):
    upstream.route(SPX_PATH + "*", body=SPX.encode(), headers={"Content-Type": "text/csv"})
    batch = StooqProvider(settings).load(request(settings, "indices", "spx", "ndx"))
    [quote] = batch.records
    assert (quote.symbol, quote.name, quote.price) == ("spx", "S&P 500", 5062.25)
    assert quote.currency == "USD"
    assert (quote.market, quote.as_of) == ("XNYS", datetime(2025, 4, 7, 20, tzinfo=UTC))
    [problem] = batch.problems
    assert problem.startswith("^ndx: ") and "404" in problem and "?" not in problem
    # only the last 60 days are asked for: the whole ^SPX history is 1.6 MB
    assert upstream.query_hits == {
        SPX_PATH + "&d1=20250207": 1,
        "/q/d/l/?s=%5Endx&i=d&d1=20250207": 1,
    }


def test_load_bars_keeps_the_window_under_the_instrument_id(settings, upstream):
    upstream.route("/q/d/l/", body=SPX.encode())
    batch = StooqProvider(settings).load(request(settings, "history", "spx"))
    assert len(batch.records) == 317 and batch.problems == []
    assert {bar.symbol for bar in batch.records} == {"spx"}
    assert batch.records[-1].close == 5062.25
    # timed at the NYSE close, so the chart reads "as of Mon 07 Apr 2025 20:00 UTC"
    assert (
        batch.records[-1].time == data_time(batch.records) == datetime(2025, 4, 7, 20, tzinfo=UTC)
    )
    # 561 sessions back (250 shown + 311 warm-up): 880 calendar days
    assert upstream.query_hits == {SPX_PATH + "&d1=20221110": 1}
    with pytest.raises(BadPayload, match="in the future"):
        StooqProvider(settings).load(
            request(settings, "history", "spx", now=datetime(2025, 4, 1, tzinfo=UTC))
        )


@pytest.mark.parametrize("shown", [250, 100])
def test_load_bars_holds_the_shown_bars_and_the_warm_up_of_a_long_history(
    settings, upstream, shown
):
    raw = settings.model_dump()
    raw["datasets"]["history"]["history_bars"] = shown
    configured = Settings.model_validate(raw)
    upstream.route("/q/d/l/", body=vix_as_stooq().encode())
    batch = StooqProvider(configured).load(request(configured, "history", "spx", now=VIX_NOW))
    assert len(batch.records) == shown + 311 == configured.datasets["history"].fetch_bars
    assert batch.records[-1].time == datetime(2026, 7, 2, 20, tzinfo=UTC)
    [(query, hits)] = upstream.query_hits.items()
    since = datetime.strptime(query.rsplit("&d1=", 1)[1], "%Y%m%d")
    held = markets.calendar("XNYS").sessions_in_range(since, VIX_NOW.date().isoformat())
    assert hits == 1 and len(held) >= shown + 311  # the days asked hold every bar kept


def test_commodities_quote_in_the_markets_session(settings, upstream):
    upstream.route("/q/d/l/", body=SPX.encode())  # a stand-in body: the point is the market
    batch = StooqProvider(settings).load(request(settings, "commodities", "wti"))
    assert batch.records[0].as_of == datetime(2025, 4, 7, 22, tzinfo=UTC)  # CME: 17:00 CDT


@pytest.mark.parametrize(
    ("route", "error", "words"),
    [
        ({"status": 500}, Unavailable, "answered HTTP 500"),
        ({"body": b"Exceeded the daily hits limit"}, RateLimited, "daily hits limit"),
        ({"body": b"No data"}, EmptyResult, "no data"),
        ({"body": b"\x00\x01garbage\x02"}, BadPayload, "not a Stooq CSV"),
        ({"body": b"<html><body>Just a moment</body></html>"}, BadPayload, "HTML"),
        ({"body": SPX.encode(), "truncate": True}, Unavailable, "cut off"),
    ],
)
def test_load_errors_when_every_instrument_fails(settings, upstream, route, error, words):
    upstream.route("/q/d/l/", **route)
    with pytest.raises(error, match=rf"^\^spx: .*{words}"):
        StooqProvider(settings).load(request(settings, "indices", "spx"))


def test_a_429_stops_the_round_and_keeps_retry_after(settings, upstream):
    upstream.route("/q/d/l/", status=429, headers={"Retry-After": "7"})
    with pytest.raises(RateLimited) as caught:
        StooqProvider(settings).load(request(settings, "indices", "spx", "ndx", "dji"))
    assert caught.value.retry_after_s == 7
    assert upstream.hits == {"/q/d/l/": 1}  # the daily quota is not spent on the others


def test_a_hung_upstream_is_unavailable_within_the_deadline(settings, upstream):
    upstream.route("/q/d/l/", hang=True)
    started = time.monotonic()
    with pytest.raises(Unavailable, match=r"^\^spx: no answer"):
        StooqProvider(settings).load(request(settings, "indices", "spx"))
    assert time.monotonic() - started < 2


def test_load_refuses_unmapped_instruments(settings):
    with pytest.raises(NotConfigured):
        StooqProvider(settings).load(request(settings, "indices", "sx5e"))  # no stooq symbol


# --- one symbol's history, for a lookup (engine.lookups) --------------------------------------


def test_history_since_is_five_years_back():
    assert history_since(NOW) == date(2020, 4, 8)


def test_history_keeps_the_rows_since_the_start_timed_at_their_session_close():
    since = date(2025, 1, 1)
    bars_ = stooq_history(SPX, symbol="^spx", since=since, now=NOW, market="XNYS")
    assert bars_[0].time == datetime(2025, 1, 2, 21, tzinfo=UTC)  # 16:00 New York
    assert bars_[-1].time == datetime(2025, 4, 7, 20, tzinfo=UTC)  # 16:00 EDT
    assert bars_[-1].close == bars()[-1].close and {b.symbol for b in bars_} == {"^spx"}
    assert len(bars_) == len([b for b in bars() if b.time.date() >= since])
    whole = stooq_history(SPX, symbol="aapl.us", since=date(2020, 1, 1), now=NOW, market=None)
    assert len(whole) == len(bars()) and whole[0].time == datetime(2024, 1, 2, tzinfo=UTC)


def test_history_with_no_row_since_the_start_is_empty():
    with pytest.raises(EmptyResult, match=r"\^spx: no rows since 2026-01-01"):
        stooq_history(SPX, symbol="^spx", since=date(2026, 1, 1), now=NOW, market="XNYS")


def test_history_asks_five_years_of_one_symbol(settings, upstream):
    upstream.route("/q/d/l/*", body=SPX.encode(), headers={"Content-Type": "text/csv"})
    bars_ = StooqProvider(settings).history("aapl.us", "daily", NOW, "XNYS")
    assert len(bars_) == len(bars()) and bars_[-1].symbol == "aapl.us"
    assert list(upstream.query_hits) == ["/q/d/l/?s=aapl.us&i=d&d1=20200408"]


def test_history_has_no_intraday_bars_and_calls_nothing(settings, upstream):
    with pytest.raises(NotConfigured, match="stooq has no intraday bars"):
        StooqProvider(settings).history("aapl.us", "intraday", NOW, None)
    assert upstream.hits == {}


def test_history_names_the_symbol_in_an_upstream_error(settings, upstream):
    upstream.route("/q/d/l/*", body=b"No data", headers={"Content-Type": "text/csv"})
    with pytest.raises(EmptyResult, match=r"zzzz\.us: Stooq has no data"):
        StooqProvider(settings).history("zzzz.us", "daily", NOW, None)
