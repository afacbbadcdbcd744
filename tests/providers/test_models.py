"""Canonical records refuse what must never be shown as real."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from providers.models import (
    Bar,
    CalendarEvent,
    CurvePoint,
    Headline,
    Quote,
    Snapshot,
    Tick,
    data_time,
    instrument_id,
    record_time,
)

T = datetime(2024, 6, 7, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize("price", [0.0, -1.0, float("nan"), float("inf")])
def test_a_price_must_be_a_finite_number_above_zero(price):
    with pytest.raises(ValidationError):
        Quote(symbol="spx", name="S&P 500", price=price, as_of=T)


def test_a_rate_may_be_zero_or_negative_but_not_nan():
    assert Quote(symbol="dfr", name="ECB deposit", price=-0.5, unit="%", as_of=T).price == -0.5
    with pytest.raises(ValidationError):
        Quote(symbol="dfr", name="ECB deposit", price=float("nan"), unit="%", as_of=T)


@pytest.mark.parametrize(
    "low, high", [(100.0, None), (None, 100.0), (0.0, 100.0), (101.0, 100.0), (float("nan"), 1.0)]
)
def test_a_day_range_has_both_ends_above_zero_in_order(low, high):
    with pytest.raises(ValidationError):
        Quote(symbol="btc", name="Bitcoin", price=100.0, day_low=low, day_high=high, as_of=T)
    kept = Quote(symbol="btc", name="Bitcoin", price=100.0, day_low=99, day_high=101, as_of=T)
    assert (kept.day_low, kept.day_high) == (99, 101)


def test_times_must_be_aware_and_are_kept_in_utc():
    with pytest.raises(ValidationError, match="timezone-aware"):
        Quote(symbol="spx", name="S&P 500", price=1.0, as_of=datetime(2024, 6, 7, 14, 0))
    tokyo = timezone(timedelta(hours=9))
    quote = Quote(symbol="n225", name="Nikkei", price=1.0, as_of=T.astimezone(tokyo))
    assert quote.as_of.tzinfo is UTC and quote.as_of == T


def test_bars_and_headlines_validate_their_fields():
    with pytest.raises(ValidationError):
        Bar(symbol="spx", time=T, open=1, high=2, low=0, close=1)
    with pytest.raises(ValidationError):
        Headline(title="", source="x", published=T)
    with pytest.raises(ValidationError):
        Headline(title="ok", source="x", link="javascript:alert(1)", published=T)


def test_a_record_is_timed_and_named_in_one_way():
    quote = Quote(symbol="spx", name="S&P 500", price=1.0, as_of=T)
    bar = Bar(symbol="spx", time=T - timedelta(days=1), open=1, high=2, low=1, close=1)
    point = CurvePoint(tenor="10Y", years=10, yield_pct=4.2, as_of=T - timedelta(hours=1))
    headline = Headline(title="Fed holds", source="x", published=T + timedelta(hours=1))
    event = CalendarEvent(time=T + timedelta(days=3), country="US", name="CPI")
    records = [quote, bar, point, headline, event]
    assert [record_time(r) for r in records] == [
        T,
        T - timedelta(days=1),
        T - timedelta(hours=1),
        T + timedelta(hours=1),  # a headline's time is its publication
        None,  # an event is about the future
    ]
    assert [instrument_id(r) for r in records] == ["spx", "spx", "10Y", None, None]
    # The data's time (a snapshot's as_of) does not count headlines: a quiet feed is current.
    assert data_time(records) == T
    assert data_time([headline, event]) is None


def test_a_snapshots_quotes_by_instrument_id_leave_other_records_out():
    spx = Quote(symbol="spx", name="S&P 500", price=1.0, as_of=T)
    ndx = Quote(symbol="ndx", name="Nasdaq 100", price=2.0, as_of=T)
    bar = Bar(symbol="spx", time=T, open=1, high=2, low=1, close=1)
    snapshot = Snapshot(dataset="indices", records=(spx, bar, ndx))
    assert snapshot.quotes_by_id() == {"spx": spx, "ndx": ndx}
    assert Snapshot.pending("indices").quotes_by_id() == {}


def test_a_tick_is_an_exchanges_price_at_the_exchanges_time_in_utc():
    tokyo = timezone(timedelta(hours=9))
    tick = Tick(symbol="btc", price=91500.5, time=T.astimezone(tokyo), volume=0.25)
    assert (tick.kind, tick.time, tick.time.tzinfo) == ("tick", T, UTC)
    assert (tick.volume, tick.day_volume, tick.day_open) == (0.25, None, None)
    assert tick.change_pct is None and tick.session is None
    with pytest.raises(ValidationError, match="timezone-aware"):
        Tick(symbol="btc", price=1.0, time=datetime(2024, 6, 7, 14, 0))
    with pytest.raises(ValidationError):
        tick.price = 2.0  # frozen, as every record


@pytest.mark.parametrize(
    "fields",
    [
        {"price": 0.0},
        {"price": float("nan")},
        {"volume": -1.0},
        {"volume": float("inf")},
        {"day_volume": float("nan")},
        {"day_open": 0.0},
        {"change_pct": float("inf")},
        {"session": "overnight"},
        {"vendor": "BTCUSDT"},
    ],
)
def test_a_tick_refuses_what_no_exchange_can_mean(fields):
    with pytest.raises(ValidationError):
        Tick(**{"symbol": "btc", "price": 1.0, "time": T, **fields})
    # a rate of change may be negative, a volume zero
    assert Tick(symbol="btc", price=1.0, time=T, change_pct=-3.5, volume=0.0).volume == 0.0


def test_a_snapshot_says_which_stream_moves_it_and_none_when_polled_only():
    assert Snapshot.pending("crypto").stream is None
    streamed = Snapshot(dataset="crypto", stream="binance")
    assert Snapshot.model_validate_json(streamed.model_dump_json()).stream == "binance"
    # a snapshot stored before streams existed still reads
    assert Snapshot.model_validate({"dataset": "crypto"}).stream is None
