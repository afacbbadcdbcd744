"""Validation: crafted bad records (future, duplicate, out of order, jump, gap, stale source),
implausible values and moves on recorded ones (^GSPC's level as a fed funds future, Treasury's
curve, the ECB's EUR/USD) against the shipped configuration's ranges, then the recorded ^GSPC
(Yahoo) and ^SPX (Stooq) daily histories, complete and with a hole."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from config import load_settings
from config.schema import Dataset, Instrument, Range, RecordKind, Validation
from engine.validation import (
    Finding,
    cross_check,
    missing_sessions,
    move_pct,
    validate,
)
from providers.ecb_fx import pair_quote, parse_eurofxref
from providers.models import Bar, CalendarEvent, CurvePoint, Headline, Quote, Snapshot, Status
from providers.stooq import parse_stooq_csv
from providers.treasury import curve_points, parse_curve_csv
from providers.yahoo import parse_chart_bars, parse_chart_quote
from tests.support.paths import FIXTURES

GSPC = FIXTURES / "yahoo" / "chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json"
SPX = FIXTURES / "stooq" / "spx_d_2024-01-02_to_2025-04-07_truncated.csv"
GSPC_DAY = FIXTURES / "yahoo" / "chart_GSPC_INDEX_range1d_interval1d_2024-02-29.json"
CURVE = FIXTURES / "treasury" / "daily_treasury_par_yield_curve_2024_to_2024-10-10.csv"
ECB = FIXTURES / "ecb" / "eurofxref-hist-90d_2019-11-29.xml"

NOW = datetime(2024, 7, 17, 15, 0, tzinfo=UTC)  # a Wednesday, New York open (13:30-20:00 UTC)
MONDAY_OPEN = datetime(2024, 3, 4, 14, 30, tzinfo=UTC)


def dataset(market: str = "XNYS", kind: RecordKind = RecordKind.QUOTE, **checks) -> Dataset:
    return Dataset(
        title="Test",
        kind=kind,
        market=market,
        validation=Validation(**checks),
        instruments=[
            Instrument(id="spx", name="S&P 500", symbols={"yahoo": "^GSPC", "stooq": "^spx"}),
            Instrument(id="ndx", name="Nasdaq 100", symbols={"yahoo": "^NDX", "stooq": "^ndx"}),
        ],
    )


def quote(symbol="spx", price=100.0, at=NOW, **fields) -> Quote:
    names = {"spx": "S&P 500", "^GSPC": "S&P 500", "^spx": "S&P 500", "ndx": "Nasdaq 100"}
    return Quote(symbol=symbol, name=names.get(symbol, symbol), price=price, as_of=at, **fields)


def bar(when: datetime, close: float = 100.0, symbol: str = "spx") -> Bar:
    return Bar(symbol=symbol, time=when, open=close, high=close, low=close, close=close)


def daily(*days: str, symbol: str = "spx") -> list[Bar]:
    """One bar per ISO date, timed at the New York open like Yahoo's."""
    return [bar(datetime.fromisoformat(f"{d}T14:30:00+00:00"), symbol=symbol) for d in days]


def snapshot(*records, as_of=None, fetched_at=None) -> Snapshot:
    return Snapshot(
        dataset="test",
        records=records,
        as_of=as_of,
        fetched_at=fetched_at,
        source="a",
        status=Status.OK,
    )


def rules(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return [(f.rule, f.symbol) for f in findings]


# --- what the models already refuse (so validate does not check it again) ---------------------


def test_nan_non_positive_prices_and_naive_times_never_reach_validation():
    with pytest.raises(ValidationError):
        quote(price=math.nan)
    with pytest.raises(ValidationError):
        quote(price=0.0)
    with pytest.raises(ValidationError):
        bar(datetime(2024, 3, 6, 14, 30))  # naive
    assert quote(price=-0.5, unit="%").price == -0.5  # a rate may be negative


# --- core: future times ---------------------------------------------------------------------


def test_records_more_than_five_minutes_ahead_are_rejected_per_symbol():
    soon = quote("spx", at=NOW + timedelta(minutes=5))  # clocks differ: allowed
    ahead = quote("ndx", at=NOW + timedelta(minutes=5, seconds=1))
    kept, findings = validate([soon, ahead], dataset=dataset(), now=NOW, previous=None)
    assert kept == [soon]
    (finding,) = findings
    assert (finding.tier, finding.rule, finding.symbol, finding.rejected) == (
        "core",
        "future_time",
        "ndx",
        True,
    )
    assert "1 record(s)" in finding.detail and "2024-07-17 15:05 UTC" in finding.detail


def test_future_bars_curve_points_and_headlines_are_rejected_events_are_not():
    tomorrow = NOW + timedelta(days=1)
    records = [
        bar(tomorrow),
        CurvePoint(tenor="10Y", years=10, yield_pct=4.2, as_of=tomorrow),
        Headline(title="From the future", source="wire", published=tomorrow),
        CalendarEvent(time=tomorrow, country="US", name="CPI"),  # future by nature
    ]
    kept, findings = validate(records, dataset=dataset(), now=NOW, previous=None)
    assert [r.kind for r in kept] == ["event"]
    assert rules(findings) == [
        ("future_time", "spx"),
        ("future_time", "10Y"),
        ("future_time", None),
    ]
    assert all(f.rejected and f.tier == "core" for f in findings)


# --- core: bar order ------------------------------------------------------------------------


def test_duplicate_bar_times_keep_the_first():
    t = datetime(2024, 3, 4, 14, 30, tzinfo=UTC)
    first, again, later = bar(t, 1.0), bar(t, 2.0), bar(t + timedelta(days=1), 3.0)
    kept, findings = validate([first, again, later], dataset=dataset(), now=NOW, previous=None)
    assert kept == [first, later]
    (finding,) = findings
    assert (finding.rule, finding.symbol, finding.rejected) == ("duplicate_time", "spx", True)
    assert (
        finding.detail
        == "1 bar(s) at a time already seen (the first kept), first 2024-03-04 14:30 UTC"
    )


def test_bars_going_back_in_time_are_dropped_per_symbol():
    d = [datetime(2024, 3, day, 14, 30, tzinfo=UTC) for day in (4, 5, 6)]
    bars = [bar(d[0]), bar(d[2]), bar(d[1]), bar(d[0], symbol="ndx"), bar(d[1], symbol="ndx")]
    kept, findings = validate(bars, dataset=dataset(), now=NOW, previous=None)
    assert [(b.symbol, b.time.day) for b in kept] == [
        ("spx", 4),
        ("spx", 6),
        ("ndx", 4),
        ("ndx", 5),
    ]
    # the dropped bar leaves a hole in the sessions, which the gap rule then reports
    assert rules(findings) == [("out_of_order", "spx"), ("gap", "spx")]
    assert "2024-03-05 14:30 UTC" in findings[0].detail


def test_a_quote_older_than_the_one_shown_is_refused_a_newer_or_equal_one_kept():
    shown = snapshot(quote("spx", at=NOW), quote("ndx", at=NOW), as_of=NOW)
    yesterday = NOW - timedelta(days=1)
    records = [quote("spx", 99.0, at=yesterday), quote("ndx", 101.0, at=NOW)]
    kept, findings = validate(records, dataset=dataset(), now=NOW, previous=shown)
    assert [(q.symbol, q.price) for q in kept] == [("ndx", 101.0)]
    assert rules(findings) == [("went_back", "spx")]
    assert findings[0].rejected and "went back in time" in findings[0].detail


def test_curve_points_going_back_are_refused_per_tenor():
    day = NOW - timedelta(hours=1)
    shown = snapshot(CurvePoint(tenor="10Y", years=10, yield_pct=4.2, as_of=day), as_of=day)
    older = CurvePoint(tenor="10Y", years=10, yield_pct=4.1, as_of=day - timedelta(days=1))
    other = CurvePoint(tenor="2Y", years=2, yield_pct=4.0, as_of=day - timedelta(days=1))
    kept, findings = validate([older, other], dataset=dataset(), now=NOW, previous=shown)
    assert kept == [other] and rules(findings) == [("went_back", "10Y")]


def test_a_curve_keeps_its_week_and_month_old_points_when_refreshed():
    # The board shows three curves; the older two are not "going back" while the newest
    # point of each tenor is not older than the one shown.
    days = [NOW - timedelta(days=back) for back in (28, 7, 0)]
    points = [CurvePoint(tenor="10Y", years=10, yield_pct=4.0, as_of=d) for d in days]
    shown = snapshot(*points, as_of=days[-1])
    kept, findings = validate(points, dataset=dataset(), now=NOW, previous=shown)
    assert (kept, findings) == (points, [])


def test_a_bar_series_whose_last_bar_is_older_than_the_one_shown_is_refused_whole():
    shown = snapshot(
        *daily("2024-12-02", "2024-12-03"), *daily("2024-12-02", "2024-12-03", symbol="ndx")
    )
    behind = daily("2024-11-29", "2024-12-02")  # a source two days behind: last bar 2 Dec
    same = daily("2024-12-02", "2024-12-03", symbol="ndx")
    now = datetime(2024, 12, 4, 15, tzinfo=UTC)
    kept, findings = validate([*behind, *same], dataset=dataset(), now=now, previous=shown)
    assert kept == same
    assert rules(findings) == [("went_back", "spx")]
    assert findings[0].rejected
    assert "last bar timed 2024-12-02 14:30 UTC, older than the 2024-12-03" in findings[0].detail


def test_since_replaces_the_shown_times_it_is_judged_against():
    shown = snapshot(quote("spx", at=NOW), as_of=NOW)
    earlier = NOW - timedelta(minutes=3)
    record = [quote("spx", 99.0, at=earlier)]
    # what the refresher passes for a source taking its dataset back from a newer fallback
    kept, findings = validate(record, dataset=dataset(), now=NOW, previous=shown, since={})
    assert (kept, findings) == (record, [])
    older_than_own = {("quote", "spx"): earlier + timedelta(minutes=1)}
    kept, findings = validate(
        record, dataset=dataset(), now=NOW, previous=shown, since=older_than_own
    )
    assert kept == [] and rules(findings) == [("went_back", "spx")]


def test_a_clean_batch_passes_untouched():
    records = [quote("spx"), quote("ndx"), *daily("2024-03-04", "2024-03-05", "2024-03-06")]
    kept, findings = validate(records, dataset=dataset(), now=NOW, previous=None)
    assert kept == records and findings == []


# --- core: plausible ranges (the shipped configuration's) -------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return load_settings(env={}).datasets


def fed_funds(price: float, **fields) -> Quote:
    return Quote(
        symbol="zq_2026_12", name="Fed funds Dec 2026", unit="pts", price=price, as_of=NOW, **fields
    )


def test_the_gspc_level_answered_as_a_fed_funds_future_is_refused_never_shown(shipped):
    # The issue: the ^GSPC chart answering for ZQZ26.CBT made a fed funds future of 5,085.
    recorded = json.loads(GSPC_DAY.read_text())
    wrong = parse_chart_quote(
        recorded, symbol="zq_2026_12", name="Fed funds Dec 2026", unit="pts", now=NOW
    )
    good = fed_funds(95.6)
    dataset = shipped["fed_funds_futures"]
    assert str(dataset.validation.plausible) == "(0, 100]"
    kept, findings = validate([wrong, good], dataset=dataset, now=NOW, previous=None)
    assert kept == [good]
    (finding,) = findings
    assert (finding.tier, finding.rule, finding.symbol, finding.rejected) == (
        "core",
        "implausible",
        "zq_2026_12",
        True,
    )
    assert finding.detail == "Fed funds Dec 2026 5,085.06 outside (0, 100]"


@pytest.mark.parametrize(
    ("price", "passes"),
    [(95.6, True), (100.0, True), (0.01, True), (100.01, False), (5085.0, False)],
)
def test_fed_funds_futures_lie_in_zero_to_a_hundred_with_a_hundred_in(shipped, price, passes):
    kept, findings = validate(
        [fed_funds(price)], dataset=shipped["fed_funds_futures"], now=NOW, previous=None
    )
    assert (len(kept), rules(findings)) == (
        (1, []) if passes else (0, [("implausible", "zq_2026_12")])
    )


def test_zero_is_outside_zero_to_a_hundred(shipped):
    plausible = shipped["fed_funds_futures"].validation.plausible
    assert not plausible.holds(0) and plausible.holds(100)
    with pytest.raises(ValidationError):  # a price of 0 pts cannot even be made ...
        fed_funds(0.0)
    zero = Quote(symbol="zq_2026_12", name="Fed funds Dec 2026", unit="%", price=0.0, as_of=NOW)
    kept, findings = validate([zero], dataset=shipped["fed_funds_futures"], now=NOW, previous=None)
    assert kept == [] and findings[0].detail == "Fed funds Dec 2026 0% outside (0, 100]"


def test_an_implausible_previous_close_refuses_the_quote_too(shipped):
    # a plausible price with ^GSPC's close before it would show a change of -4,974 pts
    quote_ = fed_funds(95.6, prev_close=5069.76)
    kept, findings = validate(
        [quote_], dataset=shipped["fed_funds_futures"], now=NOW, previous=None
    )
    assert kept == []
    assert findings[0].detail == "Fed funds Dec 2026 previous close 5,069.76 outside (0, 100]"


@pytest.fixture(scope="module")
def curve() -> list[CurvePoint]:
    """The recorded Treasury curves (2024-10-10, a week and a month before), 10 tenors."""
    _, rows = parse_curve_csv(CURVE.read_bytes())
    tenors = {"1M": "1 Mo", "3M": "3 Mo", "6M": "6 Mo", "1Y": "1 Yr", "2Y": "2 Yr"}
    tenors |= {"5Y": "5 Yr", "7Y": "7 Yr", "10Y": "10 Yr", "20Y": "20 Yr", "30Y": "30 Yr"}
    points, problems = curve_points(rows, tenors, now=datetime(2024, 10, 11, tzinfo=UTC))
    assert not problems and len(points) == 30
    return points


@pytest.mark.parametrize(
    ("level", "passes"), [(-5.0, True), (30.0, True), (31.0, False), (-5.01, False)]
)
def test_yields_lie_in_minus_five_to_thirty_percent(shipped, curve, level, passes):
    dataset = shipped["rates"]
    assert str(dataset.validation.plausible) == "[-5, 30]"
    now = datetime(2024, 10, 11, tzinfo=UTC)
    assert validate(curve, dataset=dataset, now=now, previous=None) == (curve, [])
    odd = curve[-1].model_copy(update={"yield_pct": level})  # the newest curve's last tenor
    records = [*curve[:-1], odd]
    kept, findings = validate(records, dataset=dataset, now=now, previous=None)
    if passes:
        assert (kept, findings) == (records, [])
    else:
        assert kept == curve[:-1]
        assert rules(findings) == [("implausible", odd.tenor)]
        assert findings[0].detail == f"{odd.tenor} yield {level:g}% outside [-5, 30]"


def test_a_dataset_without_a_range_checks_none(shipped):
    assert shipped["indices"].validation.plausible is None
    index = quote("spx", 5085.06)
    assert validate([index], dataset=shipped["indices"], now=NOW, previous=None) == ([index], [])


def test_a_range_is_refused_in_the_wrong_order_and_reads_as_it_holds():
    assert str(Range(low=-5, high=30)) == "[-5, 30]"
    with pytest.raises(ValidationError, match="must be below high"):
        Range(low=30, high=-5)


# --- core: implausible moves (FX: 10 % from the value shown) ---------------------------------


@pytest.fixture(scope="module")
def eurusd() -> Quote:
    """The ECB's EUR/USD of 2019-11-29 (1.0982), as the fx dataset shows it."""
    days = parse_eurofxref(ECB.read_bytes())
    return pair_quote(days, "EURUSD", now=NOW, name="EUR/USD", symbol="eurusd", market="24/5")


def moved(before: Quote, factor: float) -> Quote:
    return before.model_copy(update={"price": before.price * factor, "as_of": NOW})


@pytest.mark.parametrize(
    ("factor", "passes"), [(1.09, True), (0.91, True), (1.101, False), (0.899, False), (2.0, False)]
)
def test_an_fx_rate_more_than_ten_percent_from_the_one_shown_is_refused(
    shipped, eurusd, factor, passes
):
    dataset = shipped["fx"]
    assert dataset.validation.max_move_pct == 10
    assert eurusd.price == pytest.approx(1.0982)
    previous = snapshot(eurusd, as_of=eurusd.as_of)
    new = moved(eurusd, factor)
    kept, findings = validate([new], dataset=dataset, now=NOW, previous=previous)
    if passes:
        assert (kept, findings) == ([new], [])
        return
    assert kept == []
    (finding,) = findings
    assert (finding.tier, finding.rule, finding.symbol, finding.rejected) == (
        "core",
        "implausible_move",
        "eurusd",
        True,
    )
    pct = (factor - 1) * 100
    assert finding.detail == (
        f"EUR/USD {new.price:,.6g} is {pct:+.1f}% from the 1.0982 shown before (limit 10%)"
    )


def test_an_fx_rate_with_no_previous_value_is_not_checked_for_moves(shipped, eurusd):
    dataset = shipped["fx"]
    far = moved(eurusd, 3.0)
    assert validate([far], dataset=dataset, now=NOW, previous=None) == ([far], [])
    # nor is an instrument the previous snapshot did not show
    other = snapshot(quote("usdjpy", 150.0), as_of=NOW)
    assert validate([far], dataset=dataset, now=NOW, previous=other) == ([far], [])


def test_a_refused_move_leaves_the_other_instruments_and_their_jumps_alone(eurusd):
    dataset = Dataset(
        title="FX",
        kind=RecordKind.QUOTE,
        market="24/5",
        validation=Validation(max_move_pct=10, max_jump_pct=5),
        instruments=[Instrument(id="eurusd", name="EUR/USD"), Instrument(id="x", name="x")],
    )
    previous = snapshot(eurusd, quote("x", 100.0), as_of=NOW)
    far, jumped = moved(eurusd, 1.5), quote("x", 107.0)
    kept, findings = validate([far, jumped], dataset=dataset, now=NOW, previous=previous)
    assert kept == [jumped]
    # refused first, and no jump noted for what was refused
    assert rules(findings) == [("implausible_move", "eurusd"), ("jump", "x")]


# --- quality: jump --------------------------------------------------------------------------


def test_a_jump_beyond_the_limit_from_the_previous_snapshot_is_noted_and_kept():
    previous = snapshot(quote("spx", 100.0), quote("ndx", 100.0), as_of=NOW)
    now = [quote("spx", 125.5), quote("ndx", 124.0), quote("new", 1.0)]
    kept, findings = validate(now, dataset=dataset(), now=NOW, previous=previous)
    assert kept == now
    (finding,) = findings
    assert (finding.tier, finding.rule, finding.symbol, finding.rejected) == (
        "quality",
        "jump",
        "spx",
        False,
    )
    assert finding.detail == "S&P 500: 125.5 after 100 in the previous snapshot (+25.5%, limit 25%)"


def test_jump_limit_comes_from_the_dataset_and_falls_count_too():
    previous = snapshot(quote("spx", 100.0), as_of=NOW)
    _, findings = validate(
        [quote("spx", 89.0)], dataset=dataset(max_jump_pct=10), now=NOW, previous=previous
    )
    assert rules(findings) == [("jump", "spx")] and "-11.0%" in findings[0].detail


def test_no_previous_snapshot_means_no_jump_check():
    _, findings = validate([quote("spx", 1e6)], dataset=dataset(), now=NOW, previous=None)
    assert findings == []


def test_rates_in_percent_move_in_points_relative_to_at_least_one_point():
    assert move_pct(0.02, 0.01, unit="%") == pytest.approx(1.0)  # 1 bp, not +100 %
    assert move_pct(4.33, 4.58, unit="%") == pytest.approx(-0.25 / 4.58 * 100)
    assert move_pct(0.0, -0.5, unit="%") == pytest.approx(50.0)
    assert move_pct(0.02, 0.01) == pytest.approx(100.0)  # a price: relative as usual

    def rate(level: float) -> Quote:
        return quote("effr", level, unit="%")

    previous = snapshot(rate(0.01), as_of=NOW)
    _, findings = validate([rate(0.02)], dataset=dataset(), now=NOW, previous=previous)
    assert findings == []
    previous = snapshot(rate(3.0), as_of=NOW)
    _, findings = validate([rate(4.0)], dataset=dataset(), now=NOW, previous=previous)
    assert rules(findings) == [("jump", "effr")]


# --- quality: gap ---------------------------------------------------------------------------


def test_a_missing_session_is_a_gap_with_its_date_holidays_and_weekends_are_not():
    # 2024-07-04 (Thursday) is a NYSE holiday; 07-06/07 a weekend; 07-09 is missing
    bars = daily("2024-07-02", "2024-07-03", "2024-07-05", "2024-07-08", "2024-07-10")
    kept, findings = validate(bars, dataset=dataset(kind=RecordKind.BAR), now=NOW, previous=None)
    assert kept == bars
    (finding,) = findings
    assert (finding.tier, finding.rule, finding.symbol, finding.rejected) == (
        "quality",
        "gap",
        "spx",
        False,
    )
    assert finding.detail == "1 XNYS session(s) missing, first 2024-07-09 (allowed 0)"


def test_gaps_up_to_max_gap_sessions_are_allowed():
    bars = daily("2024-07-01", "2024-07-02", "2024-07-05", "2024-07-08", "2024-07-09")
    assert missing_sessions([b.time for b in bars], "XNYS") == [date(2024, 7, 3)]
    _, findings = validate(bars, dataset=dataset(max_gap_sessions=1), now=NOW, previous=None)
    assert findings == []


def test_round_the_clock_markets_and_intraday_bars_are_not_checked_for_gaps():
    week_with_a_hole = daily("2024-07-01", "2024-07-02", "2024-07-08", "2024-07-09")
    _, findings = validate(week_with_a_hole, dataset=dataset("24/7"), now=NOW, previous=None)
    assert findings == []
    start = datetime(2024, 7, 1, 14, 30, tzinfo=UTC)
    hourly = [bar(start + timedelta(hours=h)) for h in (0, 1, 2)] + [bar(start + timedelta(days=3))]
    _, findings = validate(hourly, dataset=dataset(), now=NOW, previous=None)
    assert findings == []


def test_an_instruments_own_market_wins_over_the_datasets():
    ds = Dataset(
        title="Mixed",
        kind=RecordKind.BAR,
        market="24/7",
        instruments=[Instrument(id="spx", name="S&P 500", market="XNYS")],
    )
    bars = daily("2024-07-08", "2024-07-10")
    _, findings = validate(bars, dataset=ds, now=NOW, previous=None)
    assert rules(findings) == [("gap", "spx")]


# --- the recorded daily histories -----------------------------------------------------------


@pytest.fixture(scope="module")
def gspc() -> list[Bar]:
    return parse_chart_bars(json.loads(GSPC.read_text(encoding="utf-8")), symbol="^GSPC")


@pytest.fixture(scope="module")
def spx() -> list[Bar]:
    return parse_stooq_csv(SPX.read_text(encoding="utf-8"), symbol="^spx")


def test_the_recorded_yahoo_gspc_history_has_every_xnys_session(gspc):
    after = datetime(2024, 3, 1, tzinfo=UTC)
    kept, findings = validate(gspc, dataset=dataset(kind=RecordKind.BAR), now=after, previous=None)
    assert len(kept) == len(gspc) == 291 and findings == []


def test_a_bar_dropped_from_the_yahoo_history_is_reported_as_a_gap(gspc):
    holed = [b for b in gspc if b.time.date() != date(2023, 5, 26)]
    after = datetime(2024, 3, 1, tzinfo=UTC)
    _, findings = validate(holed, dataset=dataset(kind=RecordKind.BAR), now=after, previous=None)
    assert [f.detail for f in findings] == [
        "1 XNYS session(s) missing, first 2023-05-26 (allowed 0)"
    ]
    assert findings[0].symbol == "^GSPC"


def test_the_recorded_stooq_spx_history_has_every_xnys_session(spx):
    # Stooq dates bars at 00:00 UTC, the evening before in New York: still the right session
    after = datetime(2025, 4, 8, 12, tzinfo=UTC)
    kept, findings = validate(spx, dataset=dataset(kind=RecordKind.BAR), now=after, previous=None)
    assert len(kept) == len(spx) == 317 and findings == []
    # 2025-01-09 (national day of mourning) is no session, so its absence is no gap
    assert date(2025, 1, 9) not in {b.time.date() for b in spx}


def test_bars_dropped_from_the_stooq_history_are_reported_with_the_first_date(spx):
    holed = [b for b in spx if b.time.date() not in (date(2024, 10, 17), date(2025, 2, 3))]
    after = datetime(2025, 4, 8, 12, tzinfo=UTC)
    _, findings = validate(holed, dataset=dataset(kind=RecordKind.BAR), now=after, previous=None)
    assert [f.detail for f in findings] == [
        "2 XNYS session(s) missing, first 2024-10-17 (allowed 0)"
    ]
    assert missing_sessions([b.time for b in holed], "XNYS") == [
        date(2024, 10, 17),
        date(2025, 2, 3),
    ]


# --- quality: stale source ------------------------------------------------------------------


FRIDAY_CLOSE = datetime(2024, 3, 1, 21, 0, tzinfo=UTC)


def test_yesterdays_data_served_as_todays_is_a_stale_source():
    previous = snapshot(quote(at=FRIDAY_CLOSE), as_of=FRIDAY_CLOSE, fetched_at=FRIDAY_CLOSE)
    now = MONDAY_OPEN + timedelta(minutes=30)
    kept, findings = validate(
        [quote(at=FRIDAY_CLOSE)], dataset=dataset(), now=now, previous=previous
    )
    assert len(kept) == 1
    (finding,) = findings
    assert (finding.rule, finding.symbol, finding.rejected) == ("stale_source", None, False)
    assert "2024-03-01 21:00 UTC" in finding.detail and "2024-03-04 14:30 UTC" in finding.detail


def test_no_stale_source_when_the_data_moved_or_was_already_fetched_this_session():
    now = MONDAY_OPEN + timedelta(minutes=30)
    friday = snapshot(quote(at=FRIDAY_CLOSE), as_of=FRIDAY_CLOSE, fetched_at=FRIDAY_CLOSE)
    fresh = quote(at=now - timedelta(seconds=5))
    assert validate([fresh], dataset=dataset(), now=now, previous=friday)[1] == []
    # same old data, but the previous fetch was already in this session: nothing new to say
    monday = friday.model_copy(update={"fetched_at": MONDAY_OPEN + timedelta(minutes=1)})
    assert validate([quote(at=FRIDAY_CLOSE)], dataset=dataset(), now=now, previous=monday)[1] == []
    # round the clock: no session to begin
    old = quote(at=FRIDAY_CLOSE)
    assert validate([old], dataset=dataset("24/7"), now=now, previous=friday)[1] == []
    # on the weekend the latest session is still Friday's, fetched during it: not stale
    saturday = datetime(2024, 3, 2, 12, tzinfo=UTC)
    assert validate([old], dataset=dataset(), now=saturday, previous=friday)[1] == []


# --- cross check ----------------------------------------------------------------------------


def test_cross_check_pairs_by_symbol_or_by_name_and_names_the_other_source():
    primary = [quote("^GSPC", 5100.0), quote("ndx", 18000.0), quote("only_here", 1.0)]
    secondary = [quote("^spx", 5000.0), quote("ndx", 18100.0)]
    findings = cross_check(primary, secondary, tolerance_pct=1.0, source="stooq")
    assert rules(findings) == [("disagrees", "^GSPC")]
    (finding,) = findings
    assert finding.tier == "quality" and not finding.rejected
    assert finding.detail == "S&P 500: 5100 here, 5000 at stooq (+2.00%, tolerance 1%)"
    assert cross_check(primary, secondary, tolerance_pct=2.5, source="stooq") == []


def test_cross_check_ignores_bars_and_ambiguous_names():
    twins = [quote("a", 100.0), quote("b", 200.0)]
    twins = [q.model_copy(update={"name": "Same"}) for q in twins]
    other = [quote("c", 150.0).model_copy(update={"name": "Same"}), bar(NOW, 1.0)]
    assert cross_check(twins, other, tolerance_pct=1.0, source="x") == []
    assert cross_check([bar(NOW, 1.0)], [bar(NOW, 2.0)], tolerance_pct=1.0, source="x") == []


# --- findings themselves --------------------------------------------------------------------


def test_findings_are_frozen_strict_and_short():
    long_name = "N" * 300
    previous = snapshot(Quote(symbol="x", name=long_name, price=1.0, as_of=NOW), as_of=NOW)
    now = [Quote(symbol="x", name=long_name, price=2.0, as_of=NOW)]
    (finding,) = validate(now, dataset=dataset(), now=NOW, previous=previous)[1]
    assert len(finding.detail) == 200 and finding.detail.endswith("…")
    with pytest.raises(ValidationError):
        finding.rule = "other"
    with pytest.raises(ValidationError):
        Finding(tier="core", rule="x", symbol=None, detail="d", rejected=True, extra=1)


def test_stooq_bars_of_the_session_yahoo_shows_are_not_going_back_a_day_behind_are(gspc, spx):
    # Yahoo stamps a day's bar at the New York open (the live one at its last trade), Stooq at
    # 00:00 UTC of the date: the same session's bar is earlier in time at Stooq, yet not older.
    # A series ending a day before is.
    as_spx = [b.model_copy(update={"symbol": "spx"}) for b in gspc]
    shown = snapshot(*as_spx[-60:])
    # the recording's last bar is the live one, timed at its last trade
    assert shown.records[-1].time == datetime(2024, 2, 29, 18, 46, 29, tzinfo=UTC)
    stooq = [b.model_copy(update={"symbol": "spx"}) for b in spx]
    same_day = [b for b in stooq if b.time.date() <= date(2024, 2, 29)]
    day_behind = [b for b in stooq if b.time.date() <= date(2024, 2, 28)]
    after = datetime(2024, 3, 1, tzinfo=UTC)
    daily_dataset = dataset(kind=RecordKind.BAR)
    kept, findings = validate(same_day, dataset=daily_dataset, now=after, previous=shown)
    assert (kept, findings) == (same_day, [])
    kept, findings = validate(day_behind, dataset=daily_dataset, now=after, previous=shown)
    assert kept == [] and rules(findings) == [("went_back", "spx")]
