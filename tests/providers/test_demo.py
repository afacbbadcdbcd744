"""The demo provider: deterministic, moving, market-hours-aware, recognisably synthetic and
coherent across scenes (one FOMC schedule, three curve dates, enough bars, one news source)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
import pytest

from config import load_settings
from config.schema import INDICATOR_WARM_UP_BARS, Instrument, RecordKind
from providers import demo as demo_source
from providers.base import Request, build_providers
from providers.demo import DEMO_WIRE, DemoProvider, price_path
from providers.errors import EmptyResult, NotConfigured, ProviderError

WED_OPEN = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)  # XNYS trades 14:30-21:00 UTC that day
FRI_CLOSE = datetime(2025, 3, 7, 21, 0, tzinfo=UTC)
SAT = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)
SUN = datetime(2025, 3, 9, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def settings():
    return load_settings(env={"WALLBOARD_EDITION": "demo"})


@pytest.fixture(scope="module")
def demo(settings):
    return DemoProvider(settings)


def load(demo, settings, dataset, now, *ids):
    """Load one dataset (or only the instruments `ids` of it) at `now`."""
    ds = settings.datasets[dataset]
    chosen = tuple(i for i in ds.instruments if not ids or i.id in ids)
    request = Request(dataset, ds.kind, chosen, now, ds.market)
    return demo.load(request)


def one_quote(demo, settings, dataset, instrument, now):
    (quote,) = load(demo, settings, dataset, now, instrument).records
    return quote


def test_registered_under_demo_and_serves_every_kind(settings):
    provider = build_providers(settings, ["demo"])["demo"]
    assert isinstance(provider, DemoProvider)
    assert provider.kinds == frozenset(RecordKind)


def test_every_dataset_is_valid_and_a_pure_function_of_now(demo, settings):
    for name, ds in settings.datasets.items():
        # a calendar's first use costs ~0.2 s: keep to New York and round-the-clock markets
        chosen = tuple(i for i in ds.instruments if i.market in (None, "XNYS"))
        first = demo.load(Request(name, ds.kind, chosen, WED_OPEN, ds.market))
        again = DemoProvider(settings).load(Request(name, ds.kind, chosen, WED_OPEN, ds.market))
        assert first.records and first.problems == [], name
        assert first.records == again.records, name
        assert {r.kind for r in first.records} == {ds.kind.value}, name


@pytest.mark.parametrize(("dataset", "instrument"), [("crypto", "btc"), ("indices", "spx")])
def test_price_moves_within_30_seconds_while_the_market_trades(demo, settings, dataset, instrument):
    before = one_quote(demo, settings, dataset, instrument, WED_OPEN)
    after = one_quote(demo, settings, dataset, instrument, WED_OPEN + timedelta(seconds=30))
    assert after.price != before.price
    assert (before.as_of, after.as_of) == (WED_OPEN, WED_OPEN + timedelta(seconds=30))


def test_xnys_price_is_frozen_at_fridays_close_over_the_weekend(demo, settings):
    friday = one_quote(demo, settings, "indices", "spx", FRI_CLOSE - timedelta(seconds=1))
    saturday = one_quote(demo, settings, "indices", "spx", SAT)
    sunday = one_quote(demo, settings, "indices", "spx", SUN)
    assert saturday == sunday
    assert saturday.as_of == FRI_CLOSE
    assert saturday.price == pytest.approx(friday.price, rel=1e-3)
    # Independence Day: frozen at the close of the half day before (13:00 New York)
    holiday = one_quote(demo, settings, "indices", "spx", datetime(2025, 7, 4, 16, tzinfo=UTC))
    assert holiday.as_of == datetime(2025, 7, 3, 17, 0, tzinfo=UTC)


def test_lunch_break_freezes_at_its_start(demo, settings):
    lunch = [datetime(2025, 3, 5, 4, m, tzinfo=UTC) for m in (10, 50)]  # Hong Kong 12:10, 12:50
    hsi = [one_quote(demo, settings, "indices", "hsi", t) for t in lunch]
    assert hsi[0] == hsi[1] and hsi[0].as_of == datetime(2025, 3, 5, 4, 0, tzinfo=UTC)


def test_fx_freezes_at_the_weekend_but_crypto_does_not(demo, settings):
    fx = [one_quote(demo, settings, "fx", "eurusd", t) for t in (SAT, SUN)]
    assert fx[0] == fx[1] and fx[0].as_of == datetime(2025, 3, 7, 22, tzinfo=UTC)
    btc = [one_quote(demo, settings, "crypto", "btc", t) for t in (SAT, SUN)]
    assert btc[0].price != btc[1].price


def test_change_is_measured_from_the_previous_close(demo, settings):
    spx = one_quote(demo, settings, "indices", "spx", WED_OPEN)
    tuesday = one_quote(demo, settings, "indices", "spx", datetime(2025, 3, 5, 2, tzinfo=UTC))
    assert tuesday.as_of == datetime(2025, 3, 4, 21, tzinfo=UTC)
    assert spx.prev_close == tuesday.price
    btc = one_quote(demo, settings, "crypto", "btc", WED_OPEN)
    yesterday = one_quote(demo, settings, "crypto", "btc", WED_OPEN - timedelta(days=1))
    assert btc.prev_close == yesterday.price
    for quote in (spx, btc):
        assert quote.change == quote.price - quote.prev_close
        assert quote.change_pct == pytest.approx(quote.change / quote.prev_close * 100)
        assert len(quote.sparkline) == 48 and quote.sparkline[-1] == quote.price
    assert (spx.currency, spx.market) == ("USD", "XNYS")


def test_prices_stay_near_the_configured_level(settings):
    times = np.arange(0, 2 * 365 * 86_400, 3_637.0) + WED_OPEN.timestamp()
    for ds in settings.datasets.values():
        if ds.kind is RecordKind.QUOTE:
            for instrument in ds.instruments:
                ratio = price_path(instrument, times) / instrument.demo.level
                assert 0.85 < ratio.min() <= ratio.max() < 1.15, instrument.id
                assert instrument.demo.daily_vol_pct == 0 or ratio.std() > 1e-4, instrument.id


def test_zero_volatility_is_a_constant(demo, settings):
    rate = one_quote(demo, settings, "policy_rates", "ecb_dfr", WED_OPEN)
    assert (rate.price, rate.change, rate.unit) == (3.0, 0.0, "%")


def test_bars_are_consistent_and_end_with_todays_session(demo, settings):
    bars = load(demo, settings, "history", WED_OPEN, "spx").records
    # what the technicals scene shows plus the warm-up its indicators need (SMA 200 and more)
    assert len(bars) == settings.datasets["history"].fetch_bars == 561
    assert bars[-1].time == datetime(2025, 3, 5, 14, 30, tzinfo=UTC)
    assert all(a.time < b.time for a, b in pairwise(bars))
    for bar in bars:
        assert 0 < bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert bar.volume > 0
    assert bars[-1].close == one_quote(demo, settings, "indices", "spx", WED_OPEN).price
    weekend = load(demo, settings, "history", SAT, "spx").records
    assert weekend[-1].time == datetime(2025, 3, 7, 14, 30, tzinfo=UTC)


def test_bar_count_follows_the_datasets_history_bars(settings):
    history = settings.datasets["history"].model_copy(update={"history_bars": 40})
    longer = settings.model_copy(update={"datasets": {**settings.datasets, "history": history}})
    bars = load(DemoProvider(longer), longer, "history", WED_OPEN, "spx").records
    assert len(bars) == 40 + INDICATOR_WARM_UP_BARS
    # a dataset the configuration does not know gets the default history_bars (250)
    (spx,) = (i for i in history.instruments if i.id == "spx")
    stray = Request("elsewhere", RecordKind.BAR, (spx,), WED_OPEN, "XNYS")
    assert len(DemoProvider(settings).load(stray).records) == 250 + INDICATOR_WARM_UP_BARS


def test_curve_has_three_dates_each_with_one_point_per_tenor_near_its_level(demo, settings):
    points = load(demo, settings, "rates", WED_OPEN).records
    levels = {i.id: i.demo.level for i in settings.datasets["rates"].instruments}
    # now, a week and four weeks back: the rates scene's now / 1w / 1m, oldest first
    dates = [WED_OPEN - timedelta(days=days) for days in (28, 7, 0)]
    assert sorted({p.as_of for p in points}) == dates
    assert [p.as_of for p in points] == sorted(p.as_of for p in points)
    for day in dates:
        assert [p.tenor for p in points if p.as_of == day] == list(levels)
    assert {p.tenor: p.years for p in points}["1M"] == pytest.approx(1 / 12)
    assert {p.tenor: p.years for p in points}["10Y"] == 10
    for point in points:
        assert abs(point.yield_pct / levels[point.tenor] - 1) < 0.15
    # each date's curve is the one the demo drew on that day: a week on, today's is "1w ago"
    later = load(demo, settings, "rates", WED_OPEN + timedelta(days=7)).records
    assert [p for p in later if p.as_of == WED_OPEN] == [p for p in points if p.as_of == WED_OPEN]


def test_headlines_are_demo_newest_first_and_roll_on(demo, settings):
    items = load(demo, settings, "news", WED_OPEN).records
    assert len(items) == 12
    assert all(a.published > b.published for a, b in pairwise(items))
    assert WED_OPEN - timedelta(hours=5) < items[-1].published and items[0].published <= WED_OPEN
    for item in items:
        assert item.title.startswith("DEMO: ") and item.source == DEMO_WIRE == "Demo wire"
        assert item.link is None
    later = load(demo, settings, "news", WED_OPEN + timedelta(minutes=40)).records
    assert later[0].published > items[0].published and items[0] in later


def test_calendar_events_are_sorted_with_actuals_only_in_the_past(demo, settings):
    events = load(demo, settings, "calendar", WED_OPEN).records
    # this week's and next week's release of each weekly series; no FOMC meeting is configured
    # anywhere near March 2025
    weekly = [i for i in settings.datasets["calendar"].instruments if not i.schedule]
    assert len(events) == 2 * len(weekly) == 8 and {e.country for e in events} == {"US"}
    assert "FOMC rate decision" not in {e.name for e in events}
    assert [e.time for e in events] == sorted(e.time for e in events)
    assert any(e.time <= WED_OPEN for e in events) and any(e.time > WED_OPEN for e in events)
    for event in events:
        assert (event.actual is not None) == (event.time <= WED_OPEN)
        assert event.prior.endswith(("%", "K")) and event.consensus.endswith(("%", "K"))


def test_bad_instruments_are_problems_and_naive_times_are_refused(demo):
    good = Instrument(id="ok", name="OK")
    bad = Instrument(id="bad", name="Bad", market="NOWHERE")
    batch = demo.load(Request("x", RecordKind.QUOTE, (good, bad), WED_OPEN))
    assert [q.symbol for q in batch.records] == ["ok"] and batch.problems[0].startswith("bad:")
    with pytest.raises(EmptyResult):
        demo.load(Request("x", RecordKind.QUOTE, (bad,), WED_OPEN))
    with pytest.raises(ProviderError):
        demo.load(Request("x", RecordKind.QUOTE, (good,), WED_OPEN.replace(tzinfo=None)))


def test_fomc_dates_are_the_configured_schedule(demo, settings):
    """The calendar and the rates scene show the same meetings: the demo takes them from the
    calendar's fomc `schedule`, the one the rates scene prices."""
    (fomc,) = (i for i in settings.datasets["calendar"].instruments if i.id == "fomc")
    schedule = sorted(fomc.schedule)
    assert len(schedule) == 8
    seen = {}  # meeting time -> the event as last seen: a week apart, some board is after it
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    while now < datetime(2027, 1, 1, tzinfo=UTC):  # a year of boards, a week apart
        seen |= {
            e.time: e for e in load(demo, settings, "calendar", now).records if e.name == fomc.name
        }
        now += timedelta(days=7)
    assert sorted(seen) == schedule  # 9 Dec, never a seeded weekday of the demo's own
    # the rate a meeting decides is the next one's prior: one story from meeting to meeting
    decided = [seen[t] for t in schedule]
    assert all(e.actual is not None for e in decided)
    assert [e.prior for e in decided[1:]] == [e.actual for e in decided[:-1]]
    assert all(e.actual.endswith("%") and e.country == "US" for e in decided)


def test_a_meeting_shows_from_a_week_before_until_a_week_after(demo, settings):
    meeting = datetime(2026, 12, 9, 19, 0, tzinfo=UTC)

    def fomc_at(now):
        records = load(demo, settings, "calendar", now, "fomc").records
        return [(e.time, e.actual is not None) for e in records]

    assert fomc_at(meeting - timedelta(days=1)) == [(meeting, False)]
    assert fomc_at(meeting + timedelta(hours=1)) == [(meeting, True)]
    with pytest.raises(EmptyResult):  # nothing scheduled near: nothing made up instead
        fomc_at(datetime(2025, 3, 5, tzinfo=UTC))


@pytest.mark.parametrize("market", ["24/7", "XNYS"])
def test_a_sparkline_redraws_only_its_last_point_within_a_minute(market):
    btc = Instrument(id="btc", name="Bitcoin", demo={"level": 90_000, "daily_vol_pct": 3.0})
    now = datetime(2026, 11, 18, 15, 0, 5, tzinfo=UTC)  # Wednesday, New York open
    first = demo_source.quote(btc, market, now)
    second = demo_source.quote(btc, market, now + timedelta(seconds=50))
    assert len(first.sparkline) == len(second.sparkline) == 48
    assert first.sparkline[:-1] == second.sparkline[:-1]  # a screen's patch stays small
    assert first.sparkline[-1] != second.sparkline[-1]  # the price moved (every 5 s)
    later = demo_source.quote(btc, market, now + timedelta(minutes=40))
    assert later.sparkline[:-1] != first.sparkline[:-1]


# --- one symbol's history, for a lookup (engine.lookups) --------------------------------------


def test_daily_history_is_five_years_and_the_same_path_as_the_charts_bars(demo, settings):
    history = demo.history("spx", "daily", WED_OPEN, "XNYS")
    assert len(history) == 5 * 252 and {b.symbol for b in history} == {"spx"}
    chart = load(demo, settings, "history", WED_OPEN, "spx").records[-1]
    assert history[-1] == chart  # the technicals scene's last bar, to the last digit
    assert (history[-1].time.date(), history[0].time.year) == (WED_OPEN.date(), 2020)
    price = one_quote(demo, settings, "indices", "spx", WED_OPEN).price
    assert history[-1].close == pytest.approx(price, rel=2e-3)  # the tile's price, near enough


def test_intraday_history_is_five_sessions_of_5_minute_bars_up_to_now(demo):
    bars = demo.history("spx", "intraday", WED_OPEN, "XNYS")
    days = sorted({b.time.date() for b in bars})
    assert len(days) == 5 and days[-1] == WED_OPEN.date()
    assert all(b.time < WED_OPEN for b in bars) and bars[-1].time == WED_OPEN - timedelta(minutes=5)
    assert {(b.time - a.time) for a, b in pairwise(bars) if a.time.date() == b.time.date()} == {
        timedelta(minutes=5)
    }
    assert sum(1 for b in bars if b.time.date() == days[0]) == 78  # 09:30-16:00 New York
    assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)


def test_an_ad_hoc_symbol_gets_its_own_walk_the_same_in_every_process(settings):
    first = DemoProvider(settings).history("AAPL", "daily", WED_OPEN)
    again = DemoProvider(settings).history("AAPL", "daily", WED_OPEN)
    other = DemoProvider(settings).history("MSFT", "daily", WED_OPEN)
    assert first == again and first[-1].symbol == "AAPL"
    assert first[-1].close != other[-1].close
    odd = DemoProvider(settings).history("^GSPC=X", "intraday", WED_OPEN)  # not an id's letters
    assert odd and odd[-1].symbol == "^GSPC=X"


def test_history_of_an_unknown_series_or_a_naive_time_is_refused(demo):
    with pytest.raises(NotConfigured, match="demo has no weekly history"):
        demo.history("spx", "weekly", WED_OPEN)
    with pytest.raises(ProviderError, match="timezone-aware"):
        demo.history("spx", "daily", WED_OPEN.replace(tzinfo=None))
