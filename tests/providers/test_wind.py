"""Wind provider against the fake WindPy (tests/support/fakes/windpy.py): parsing every
orientation, errors, the session's reconnect backoff and health, and a hybrid chain through
the refresher.

WindPy cannot be installed here; the fake follows /work/shared/WINDPY.md. Prices are the fake's
tables (SPX.GI 5950.12, previous close 5930.00 at 10:00 New York on 2026-11-18, ...).
"""

from __future__ import annotations

import math
import sys
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cachelib import SimpleCache

from config import load_settings
from config.schema import Instrument, Settings
from engine.refresher import Refresher
from engine.store import SnapshotStore
from providers.base import Request
from providers.errors import BadPayload, EmptyResult, NotConfigured, Unavailable
from providers.models import Status
from providers.stooq import calendar_days
from providers.wind import WindProvider
from providers.wind.data import (
    HISTORY_DAYS,
    clock_offset_hours,
    clock_warning,
    history_days,
    parse_quotes,
    quote_clock_problem,
    stamp_offset_hours,
    table,
    wind_error,
    zone_hint,
)
from tests.support.fakes.providers import ScriptedProvider, quotes_for
from tests.support.fakes.windpy import Scenario, make_module

NOW = datetime(2026, 11, 18, 15, 2, tzinfo=UTC)  # a Wednesday; every fake quote is before it
SPX = Instrument(id="spx", name="S&P 500", market="XNYS", symbols={"wind": "SPX.GI"})
CSI = Instrument(id="csi300", name="CSI 300", market="XSHG", symbols={"wind": "000300.SH"})


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(env={})


def with_quote_tz(quote_tz: str) -> Settings:
    raw = load_settings(env={}).model_dump()
    raw["providers"].setdefault("wind", {})["quote_tz"] = quote_tz
    return Settings.model_validate(raw)


def make(settings, scenario=None, *, clock=None, sleeps=None):
    module = make_module(scenario or Scenario())
    sleep = sleeps.append if sleeps is not None else (lambda s: None)
    provider = WindProvider(
        settings, import_windpy=lambda: module, clock=clock or Clock(), sleep=sleep
    )
    return provider, module.w


def request(settings, dataset="indices", instruments=None, kind=None, now=NOW) -> Request:
    ds = settings.datasets[dataset]
    return Request(dataset, kind or ds.kind, tuple(instruments or ds.instruments), now, ds.market)


# -- quotes ----------------------------------------------------------------------------------


def test_indices_quotes_prices_change_and_exchange_times_in_utc(settings):
    provider, w = make(settings)
    batch = provider.load(request(settings))
    by_id = {q.symbol: q for q in batch.records}
    assert sorted(by_id) == ["csi300", "dji", "hsi", "n225", "shcomp", "spx"]  # wind-mapped
    spx = by_id["spx"]
    assert (spx.price, spx.prev_close, spx.name, spx.currency) == (
        5950.12,
        5930.0,
        "S&P 500",
        "USD",
    )
    assert spx.change == pytest.approx(20.12) and spx.change_pct == pytest.approx(0.339292, 1e-5)
    assert by_id["hsi"].change == pytest.approx(-74.80)
    assert spx.as_of == datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 10:00 New York (EST)
    assert by_id["n225"].as_of == datetime(2026, 11, 18, 6, 0, tzinfo=UTC)  # 15:00 Tokyo
    assert by_id["hsi"].as_of == datetime(2026, 11, 18, 8, 8, tzinfo=UTC)  # 16:08 Hong Kong
    assert by_id["shcomp"].as_of == datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # 15:00 Shanghai
    assert (by_id["n225"].market, batch.problems) == ("XTKS", [])
    name, args, _ = w.log[-1]
    assert (name, args[1]) == ("wsq", "rt_last,rt_pre_close,rt_chg,rt_pct_chg,rt_date,rt_time")
    assert args[0].split(",") == ["SPX.GI", "DJI.GI", "N225.GI", "HSI.HI", "000001.SH", "000300.SH"]
    assert (w.calls["wsq"], w.calls["start"], w.log[0]) == (1, 1, ("start", (), {"waitTime": 6}))


def test_none_nan_and_a_missing_time_make_problem_lines(settings):
    scenario = Scenario()
    scenario.quotes["SPX.GI"]["RT_LAST"] = None
    scenario.quotes["HSI.HI"]["RT_LAST"] = math.nan
    scenario.quotes["DJI.GI"]["RT_DATE"] = None
    scenario.quotes["N225.GI"]["RT_PRE_CLOSE"] = math.nan
    scenario.quotes["000300.SH"]["RT_DATE"] = 20261119.0  # tomorrow in Shanghai: ahead of now
    batch = make(settings, scenario)[0].load(request(settings))
    by_id = {q.symbol: q for q in batch.records}
    assert sorted(by_id) == ["n225", "shcomp"]
    assert (by_id["n225"].prev_close, by_id["n225"].change, by_id["n225"].change_pct) == (None,) * 3
    assert sorted(p.split(":")[0] for p in batch.problems) == [
        "000300.SH",
        "DJI.GI",
        "HSI.HI",
        "SPX.GI",
    ]
    assert "DJI.GI: no quote time (RT_DATE/RT_TIME missing)" in batch.problems
    assert "SPX.GI: no usable price (RT_LAST missing)" in batch.problems


def test_fx_round_the_clock_times_are_on_wind_clock(settings):
    batch = make(settings)[0].load(request(settings, "fx"))
    by_id = {q.symbol: q for q in batch.records}
    assert (sorted(by_id), by_id["eurusd"].price, by_id["usdcnh"].prev_close) == (
        ["eurusd", "usdcnh"], 1.0853, 7.24,
    )  # fmt: skip
    assert by_id["usdcnh"].as_of == datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 23:00 Shanghai
    assert (by_id["usdcnh"].market, by_id["usdcnh"].currency) == ("24/5", None)


# -- quote_tz: the clock of RT_DATE/RT_TIME -------------------------------------------------


def test_quote_tz_utc_reads_a_utc_stamping_terminal_right():
    settings = with_quote_tz("UTC")
    provider, w = make(settings, Scenario(stamp_tz="UTC"))
    assert w.scenario.quotes["SPX.GI"]["RT_TIME"] == 150000.0  # 10:00 New York, stamped UTC
    batch = provider.load(request(settings))
    by_id = {q.symbol: q for q in batch.records}
    assert (len(by_id), batch.problems) == (6, [])  # none refused as "in the future"
    assert by_id["spx"].as_of == datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    assert by_id["hsi"].as_of == datetime(2026, 11, 18, 8, 8, tzinfo=UTC)
    fx = {q.symbol: q for q in provider.load(request(settings, "fx")).records}
    assert fx["usdcnh"].as_of == datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    assert provider.health()["quote_clock"] is None


def test_quote_tz_market_on_a_utc_stamping_terminal_refuses_and_names_the_setting(settings):
    provider, _ = make(settings, Scenario(stamp_tz="UTC"))
    batch = provider.load(request(settings))
    assert "SPX.GI: quote time 2026-11-18 20:00 UTC is in the future" in batch.problems
    # Only New York trades at 15:02 UTC: its quotes, read as New York time, are 5 h ahead.
    assert provider.health()["quote_clock"] == (
        "Wind quote times are 5 h ahead of the server clock: set providers.wind.quote_tz "
        "(now 'market'); Wind seems to stamp them at UTC+0 (e.g. 'UTC')"
    )


def test_a_wrong_iana_quote_tz_reads_quotes_hours_old_and_says_so():
    settings = with_quote_tz("Asia/Shanghai")
    provider, _ = make(settings, Scenario(stamp_tz="UTC"))
    fx = {q.symbol: q for q in provider.load(request(settings, "fx")).records}
    assert fx["usdcnh"].as_of == datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # 8 h too old
    assert provider.clock_problem() == (
        "Wind quote times are 8 h behind the server clock: set providers.wind.quote_tz "
        "(now 'Asia/Shanghai'); Wind seems to stamp them at UTC+0 (e.g. 'UTC')"
    )


def test_quote_tz_market_on_a_shanghai_clock_names_the_exchanges_off(settings):
    provider, _ = make(settings, Scenario(stamp_tz="Asia/Shanghai"))
    provider.load(request(settings))
    provider.load(request(settings, "fx"))  # FX is read on Wind's clock: right by chance
    assert provider.clock_problem() == (
        "Wind quote times are off the server clock by whole hours (DJI.GI +13 h, SPX.GI +13 h): "
        "set providers.wind.quote_tz (now 'market'); Wind seems to stamp them at UTC+8 "
        "(e.g. 'Asia/Shanghai')"
    )
    assert provider.clock_problem(datetime(2026, 11, 21, 12, tzinfo=UTC)) is None  # weekend


def test_clock_offset_whole_hours_either_way():
    late = NOW - timedelta(minutes=3)  # a live quote a few minutes old
    ahead = {"SPX.GI": late + timedelta(hours=8), "DJI.GI": NOW + timedelta(hours=8)}
    assert clock_offset_hours(ahead, NOW) == 8
    behind = {"USDCNH.FX": late - timedelta(hours=5), "EURUSD.FX": NOW - timedelta(hours=5)}
    assert clock_offset_hours(behind, NOW) == -5


@pytest.mark.parametrize(
    "hours",
    [
        (8, -5),  # mixed directions
        (8, 0),  # one reads right
        (8, 9),  # mixed sizes
        (3.5,),  # a half-hour zone, or a late quote: not a whole number
        (8.2,),  # 8 h 12 min: beyond the 10 min tolerance
        (0, 0),  # all right
        (),  # nothing trading
    ],
)
def test_clock_offset_none_unless_all_agree_on_whole_hours(hours):
    times = {f"C{i}": NOW + timedelta(hours=h) for i, h in enumerate(hours)}
    assert clock_offset_hours(times, NOW) is None


def test_clock_warning_names_the_setting_and_the_way():
    assert clock_warning(8, "market") == (
        "Wind quote times are 8 h ahead of the server clock: "
        "set providers.wind.quote_tz (now 'market')"
    )
    assert clock_warning(-1, "UTC", stamped_h=-6).endswith(
        "1 h behind the server clock: set providers.wind.quote_tz (now 'UTC'); "
        "Wind seems to stamp them at UTC-6 (e.g. 'Etc/GMT+6')"
    )
    assert [zone_hint(h) for h in (0, 8, 9, -5)] == [
        "UTC",
        "Asia/Shanghai",
        "Etc/GMT-9",
        "Etc/GMT+5",
    ]


def test_stamp_offset_and_problem_from_naive_readings():
    shanghai_now = datetime(2026, 11, 18, 23, 1)  # NOW on Wind's clock, a minute earlier
    assert stamp_offset_hours({"A": shanghai_now, "B": shanghai_now}, NOW) == 8
    assert stamp_offset_hours({"A": shanghai_now, "B": datetime(2026, 11, 18, 15, 1)}, NOW) is None
    right = {"A": (shanghai_now, ZoneInfo("Asia/Shanghai"))}
    assert quote_clock_problem(right, NOW, "market") is None
    assert quote_clock_problem({}, NOW, "market") is None
    late = {"A": (datetime(2026, 11, 18, 22, 20), ZoneInfo("Asia/Shanghai"))}  # 42 min old
    assert quote_clock_problem(late, NOW, "market") is None


def test_one_failing_call_leaves_the_other_kind_of_code_standing(settings):
    lpr = Instrument(id="lpr1y", name="LPR 1Y", unit="%", symbols={"wind": "M2000001"})
    scenario = Scenario()
    scenario.fail("wsq", -40521010, "Network timeout")
    batch = make(settings, scenario)[0].load(request(settings, instruments=[SPX, lpr]))
    assert [q.symbol for q in batch.records] == ["lpr1y"]
    assert batch.problems == ["Wind: Network timeout (ErrorCode -40521010)"]


def test_every_quote_unusable_raises_bad_payload(settings):
    scenario = Scenario()
    for row in scenario.quotes.values():
        row["RT_LAST"] = None
    with pytest.raises(BadPayload, match="no usable price"):
        make(settings, scenario)[0].load(request(settings))


def test_rt_pct_chg_is_percent_and_only_cross_checks(settings):
    scenario = Scenario()
    scenario.quotes["SPX.GI"]["RT_PCT_CHG"] = 0.0033929  # a fraction where percent is due
    batch = make(settings, scenario)[0].load(request(settings))
    spx = next(q for q in batch.records if q.symbol == "spx")
    assert spx.change_pct == pytest.approx(0.3393, abs=1e-4)  # ours, from the prices
    assert batch.problems == [
        "SPX.GI: Wind's RT_PCT_CHG 0.003393 % differs from 0.3393 % from the prices (showing ours)"
    ]


def test_codes_match_case_insensitively(settings):
    w = make_module().w
    w.start()
    inst = SPX.model_copy(update={"symbols": {"wind": "spx.gi"}})
    tab = table(w.wsq("spx.gi", "rt_last,rt_pre_close,rt_date,rt_time"), codes=["spx.gi"])
    assert list(tab)[:2] == [("SPX.GI", "RT_LAST"), ("SPX.GI", "RT_PRE_CLOSE")]
    quotes, errors, _ = parse_quotes(tab, [(inst, "spx.gi")], now=NOW, market="XNYS")
    assert (quotes[0].price, errors) == (5950.12, [])


def test_macro_quote_from_edb_next_to_wsq(settings):
    lpr = Instrument(id="lpr1y", name="LPR 1Y", unit="%", symbols={"wind": "M2000001"})
    provider, w = make(settings)
    batch = provider.load(request(settings, instruments=[SPX, lpr]))
    rate = next(q for q in batch.records if q.symbol == "lpr1y")
    assert (rate.price, rate.prev_close, rate.sparkline) == (3.0, 3.1, (3.35, 3.1, 3.0))
    assert rate.change == pytest.approx(-0.10)
    assert rate.as_of == datetime(2026, 10, 19, 16, 0, tzinfo=UTC)  # 2026-10-20 in Shanghai
    assert (w.calls["wsq"], w.calls["edb"]) == (1, 1)


# -- bars and curves -------------------------------------------------------------------------


def test_history_bars_one_code_per_call_gap_rows_skipped(settings):
    provider, w = make(settings)
    batch = provider.load(request(settings, "history", [SPX, CSI]))
    spx = [b for b in batch.records if b.symbol == "spx"]
    assert len(spx) == 9 and datetime(2026, 11, 13, 5, tzinfo=UTC) not in [b.time for b in spx]
    last = spx[-1]
    assert last.time == datetime(2026, 11, 17, 5, 0, tzinfo=UTC)  # midnight New York
    assert (last.open, last.high, last.low, last.close, last.volume) == (
        5925.0, 5940.0, 5920.0, 5930.0, 2.09e9,
    )  # fmt: skip
    csi = [b for b in batch.records if b.symbol == "csi300"]
    assert csi[-1].time == datetime(2026, 11, 16, 16, 0, tzinfo=UTC)  # midnight Shanghai
    # 880 days back: the 250 bars shown and the indicators' 311 warm-up bars, on any calendar
    assert next(entry[1] for entry in w.log if entry[0] == "wsd") == (
        "SPX.GI", "open,high,low,close,volume", "2024-06-21", "2026-11-18", "PriceAdj=F",
    )  # fmt: skip


def test_history_days_hold_the_shown_bars_and_the_warm_up():
    assert HISTORY_DAYS == history_days(250) == calendar_days(250 + 311) == 880
    assert history_days(100) == calendar_days(411) < HISTORY_DAYS  # follows history_bars
    assert history_days(250) > 365 * 2  # a year (the old look-back) warmed nothing


def test_history_without_data_is_empty_result(settings):
    scenario = Scenario()
    scenario.fail("wsd", -40520007, "CWSDService: No data.", times=2)
    with pytest.raises(EmptyResult, match="No data"):
        make(settings, scenario)[0].load(request(settings, "history", [SPX, CSI]))


def test_intraday_five_minute_bars_at_their_open(settings):
    provider, w = make(settings)
    bars = provider.intraday_bars(CSI, datetime(2026, 11, 18, 2, 5, tzinfo=UTC))
    assert [b.time.strftime("%H:%M") for b in bars] == ["01:30", "01:35", "01:40", "01:50", "01:55"]
    assert (bars[0].open, bars[0].close, bars[0].volume) == (3955.0, 3956.0, 1.2e8)
    assert w.log[-1][1][2:] == ("2026-11-17 10:05:00", "2026-11-18 10:05:00", "BarSize=5")


def test_curve_from_edb_last_value_per_code(settings):
    tenors = {"2Y": "M1000002", "10Y": "M1000010", "30Y": "M1000030", "5Y": "M1000005"}
    insts = [Instrument(id=t, name=t, symbols={"wind": c}) for t, c in tenors.items()]
    provider, w = make(settings)
    batch = provider.load(request(settings, "rates", insts))
    points = {p.tenor: p for p in batch.records}
    assert (points["2Y"].yield_pct, points["2Y"].years, points["10Y"].yield_pct) == (4.01, 2, 4.28)
    assert points["2Y"].as_of == datetime(2026, 11, 16, 16, 0, tzinfo=UTC)
    assert points["30Y"].yield_pct == 4.55  # 2026-11-17 is nan: the day before
    assert points["30Y"].as_of == datetime(2026, 11, 15, 16, 0, tzinfo=UTC)
    assert batch.problems == ["M1000005: no observation with a value"]
    assert w.log[-1][1] == ("M1000002,M1000010,M1000030,M1000005", "2025-10-14", "2026-11-18", "")


# -- orientation and errors ------------------------------------------------------------------

WSI_WINDOW = ("2026-11-18 09:00:00", "2026-11-18 11:00:00")
CASES = {
    "wsq codes x fields": ("wsq", ("SPX.GI,HSI.HI", "rt_last,rt_pct_chg")),
    "wsd one code x fields": ("wsd", ("SPX.GI", "open,close", "2026-11-12", "2026-11-17")),
    "wsd codes x one field": ("wsd", ("SPX.GI,000300.SH", "close", "2026-11-12", "2026-11-17")),
    "wsd codes, one date": ("wsd", ("SPX.GI,000300.SH", "close", "20261117", "20261117")),
    "wss codes x fields": ("wss", ("SPX.GI,HSI.HI", "close,pre_close", "tradeDate=20261118")),
    "wsi one code x fields": ("wsi", ("000300.SH", "open,close", *WSI_WINDOW, "BarSize=5")),
    "edb codes": ("edb", ("M1000002,M1000030", "2026-11-01", "2026-11-17")),
    "edb one code": ("edb", ("M1000010", "2026-11-01", "2026-11-17")),
}


@pytest.mark.parametrize("case", CASES)
def test_table_reads_each_orientation_and_usedf_alike(case):
    w = make_module().w
    w.start()
    name, args = CASES[case]
    codes = args[0].split(",")
    fields = ["CLOSE"] if name == "edb" else args[1].split(",")
    plain = table(getattr(w, name)(*args), codes=codes, fields=fields)
    frame = table(getattr(w, name)(*args, usedf=True), codes=codes, fields=fields)
    assert set(plain) == {(c, f.upper()) for c in codes for f in fields}
    values = {k: [v for _, v in points] for k, points in plain.items()}
    assert values == {k: [v for _, v in points] for k, points in frame.items()}
    if name == "wsd":
        assert plain[("SPX.GI", "CLOSE")][-1] == (datetime(2026, 11, 17, 0, 0, 0, 5000), 5930.0)
    if case == "wsd one code x fields":
        assert (datetime(2026, 11, 13, 0, 0, 0, 5000), None) in plain[("SPX.GI", "OPEN")]


def test_table_rejects_data_that_does_not_line_up():
    answer = make_module().w.wsq("SPX.GI", "rt_last")  # not started: an error object
    with pytest.raises(Unavailable, match=r"not login \(ErrorCode -103\)"):
        table(answer)
    answer.ErrorCode, answer.Codes, answer.Fields, answer.Data = 0, ["A.X", "B.X"], ["C"], [[1.0]]
    with pytest.raises(BadPayload, match="does not line up"):
        table(answer)


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        (-40520007, "CWSDService: No data.", EmptyResult),
        (-40521010, "Network timeout", Unavailable),
        (-40520014, "not login", Unavailable),
        (-40522007, "CWSDService: Invalid indicators.", BadPayload),
    ],
)
def test_error_codes_map_to_our_errors(code, message, kind):
    error = wind_error(code, message)
    assert type(error) is kind and str(error) == f"Wind: {message} (ErrorCode {code})"


def test_error_text_is_short_and_never_echoes_credentials():
    error = wind_error(-40520004, "Login failed user=alice password=hunter2 " + "x" * 300)
    assert "hunter2" not in str(error) and "alice" not in str(error)
    assert isinstance(error, Unavailable) and len(str(error)) < 120


def test_load_error_code_becomes_the_error_with_wind_message(settings):
    scenario = Scenario()
    scenario.fail("wsq", -40522007, "CWSQService: Invalid indicators: rt_lastt")
    with pytest.raises(BadPayload, match="Invalid indicators: rt_lastt"):
        make(settings, scenario)[0].load(request(settings))


# -- the session -----------------------------------------------------------------------------


def test_session_drops_restarts_with_backoff_and_reports_health(settings):
    clock, sleeps = Clock(), []
    provider, w = make(settings, clock=clock, sleeps=sleeps)
    assert provider.health() == {
        "state": "not started",
        "since": NOW.isoformat(),
        "error": None,
        "quote_clock": None,
    }
    provider.load(request(settings))
    assert provider.health()["state"] == "connected"
    clock.now += timedelta(seconds=60)
    w.drop_session()
    w.scenario.fail_starts = 2
    with pytest.raises(Unavailable, match="could not start: Login failed: Wind terminal is not"):
        provider.load(request(settings))
    assert (w.calls["stop"], w.calls["start"], sleeps) == (1, 2, [1.0])  # stop, pause, start
    health = provider.health()
    assert (health["state"], health["since"]) == ("down", clock.now.isoformat())
    assert health["error"].startswith("Wind session could not start")
    with pytest.raises(Unavailable, match="Wind session down; retrying in 5 s"):
        provider.load(request(settings))
    assert w.calls["start"] == 2  # no start attempt while waiting
    clock.now += timedelta(seconds=5)
    with pytest.raises(Unavailable, match="could not start"):
        provider.load(request(settings))
    with pytest.raises(Unavailable, match="retrying in 10 s"):
        provider.load(request(settings))
    clock.now += timedelta(seconds=10)
    assert len(provider.load(request(settings)).records) == 6
    assert provider.health() == {
        "state": "connected",
        "since": clock.now.isoformat(),
        "error": None,
        "quote_clock": None,
    }


def test_backoff_doubles_up_to_five_minutes(settings):
    clock = Clock()
    scenario = Scenario(fail_starts=100)
    provider, w = make(settings, scenario, clock=clock)
    for wait in (5, 10, 20, 40, 80, 160, 300, 300):
        with pytest.raises(Unavailable, match="could not start"):
            provider.load(request(settings))
        with pytest.raises(Unavailable, match=f"retrying in {wait} s"):
            provider.load(request(settings))
        clock.now += timedelta(seconds=wait)
    assert w.calls["start"] == 8


def test_logged_out_answer_or_a_raising_call_restarts_the_session(settings):
    scenario = Scenario()
    provider, w = make(settings, scenario)
    provider.load(request(settings))
    scenario.fail("wsq", -103, "not login")
    with pytest.raises(Unavailable, match="not login"):
        provider.load(request(settings))
    assert provider.health()["state"] == "down"
    assert len(provider.load(request(settings)).records) == 6  # restarted at once
    assert (w.calls["stop"], w.calls["start"]) == (1, 2)
    scenario.raises["wsq"] = RuntimeError("COM object disconnected")
    with pytest.raises(Unavailable, match=r"Wind wsq failed \(RuntimeError\)"):
        provider.load(request(settings))


def test_calls_are_serialized(settings):
    provider, w = make(settings, Scenario(delay_s=0.02))
    threads = [threading.Thread(target=provider.load, args=(request(settings),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (w.calls["wsq"], w.max_in_flight, w.calls["start"]) == (4, 1, 1)


def test_windpy_missing_is_not_configured_and_never_imported_at_construction(settings):
    imports = []

    def missing():
        imports.append(1)
        raise ImportError("No module named 'WindPy'")

    provider = WindProvider(settings, import_windpy=missing)
    assert imports == [] and provider.health()["state"] == "not started"
    with pytest.raises(NotConfigured, match=r"WindPy not installed \(it ships with the Wind"):
        provider.load(request(settings))
    assert provider.health()["state"] == "not installed" and imports == [1]


def test_default_lazy_import_uses_the_windpy_module(settings, monkeypatch):
    module = make_module()
    monkeypatch.setitem(sys.modules, "WindPy", module)  # monkeypatch restores it
    provider = WindProvider(settings)
    assert len(provider.load(request(settings)).records) == 6 and module.w.calls["wsq"] == 1
    monkeypatch.setitem(sys.modules, "WindPy", None)  # as if not installed
    with pytest.raises(NotConfigured, match="WindPy not installed"):
        WindProvider(settings).load(request(settings))


# -- through the refresher: a hybrid chain ---------------------------------------------------


def test_hybrid_chain_falls_back_to_yahoo_and_comes_back_to_wind(tmp_path):
    raw = load_settings(env={"WALLBOARD_EDITION": "wind"}).model_dump()
    raw["datasets"]["indices"]["chains"]["wind"] = ["wind", "yahoo"]
    settings = Settings.model_validate(raw)
    clock, sleeps = Clock(), []
    wind, w = make(settings, clock=clock, sleeps=sleeps)
    yahoo = ScriptedProvider("yahoo", lambda req, n: quotes_for(req, 100.0))
    store = SnapshotStore(SimpleCache(), namespace="wind", persist_dir=tmp_path / "snaps")
    refresher = Refresher(
        settings, {"wind": wind, "yahoo": yahoo}, store, clock=clock, sleep=sleeps.append
    )
    snap = refresher.refresh("indices")
    # Wind answers for its six codes; the refresher asks Yahoo for the four Wind does not map.
    prices = {q.symbol: q.price for q in snap.records}
    assert (snap.status, snap.source, len(prices), snap.error) == (
        Status.OK,
        "wind+yahoo",
        10,
        None,
    )
    assert (prices["spx"], prices["hsi"], prices["ndx"]) == (5950.12, 19875.3, 100.0)
    assert snap.as_of == datetime(2026, 11, 18, 15, 2, tzinfo=UTC)  # Yahoo's stand-in: now

    w.drop_session()
    w.scenario.fail_starts = 1
    clock.now += timedelta(seconds=30)
    snap = refresher.refresh("indices")
    assert (snap.status, snap.source, len(snap.records)) == (Status.FALLBACK, "yahoo", 10)
    assert snap.error == "wind: Wind session down; retrying in 5 s"  # the retry did not start
    assert (w.calls["start"], yahoo.calls, wind.health()["state"]) == (2, 2, "down")

    clock.now += timedelta(seconds=30)
    snap = refresher.refresh("indices")
    assert (snap.status, snap.source, len(snap.records)) == (Status.OK, "wind+yahoo", 10)
    assert next(q.price for q in snap.records if q.symbol == "spx") == 5950.12
    assert (wind.health()["state"], w.calls["start"], store.read("indices").status) == (
        "connected", 3, Status.OK,
    )  # fmt: skip


# -- one code's history, for a lookup (engine.lookups) ---------------------------------------


def test_lookup_history_is_five_years_of_wsd_under_the_code(settings):
    provider, w = make(settings)
    bars = provider.history("SPX.GI", "daily", NOW, "XNYS")
    assert len(bars) == 9 and {b.symbol for b in bars} == {"SPX.GI"}
    assert bars[-1].time == datetime(2026, 11, 17, 5, 0, tzinfo=UTC)  # midnight New York
    assert next(entry[1] for entry in w.log if entry[0] == "wsd") == (
        "SPX.GI", "open,high,low,close,volume", "2021-11-18", "2026-11-18", "PriceAdj=F",
    )  # fmt: skip


def test_lookup_intraday_history_is_a_week_of_5_minute_bars_at_their_open(settings):
    provider, w = make(settings)
    bars = provider.history(
        "000300.SH", "intraday", datetime(2026, 11, 18, 2, 5, tzinfo=UTC), "XSHG"
    )
    assert [b.time.strftime("%H:%M") for b in bars][:2] == ["01:30", "01:35"]
    assert w.log[-1][1][2:] == ("2026-11-11 10:05:00", "2026-11-18 10:05:00", "BarSize=5")
    with pytest.raises(NotConfigured, match="wind has no weekly history"):
        provider.history("000300.SH", "weekly", NOW, "XSHG")
