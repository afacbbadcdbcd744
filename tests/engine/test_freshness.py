"""Status as of now: stale after the threshold, closed (not stale) when the market is shut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config.schema import RecordKind
from engine.freshness import assess
from providers.models import Bar, Quote, Snapshot, Status
from tests.providers.fakes import T0, settings_with

FRIDAY_CLOSE = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # NYSE close, 16:00 New York
SATURDAY = datetime(2026, 11, 21, 16, 0, tzinfo=UTC)


def snap(at: datetime, fetched: datetime | None = None, status=Status.OK) -> Snapshot:
    quote = Quote(symbol="eurusd", name="EUR/USD", price=1.08, as_of=at)
    return Snapshot(
        dataset="fx",
        records=(quote,),
        as_of=at,
        fetched_at=fetched or at,
        source="a",
        status=status,
    )


def dataset(market="24/7"):
    return settings_with(["a"], refresh_s=15, stale_after_s=90, market=market).datasets["fx"]


def test_fresh_is_ok_and_past_the_threshold_is_stale():
    assert assess(snap(T0), dataset(), T0 + timedelta(seconds=90)).status is Status.OK
    late = assess(snap(T0), dataset(), T0 + timedelta(seconds=91))
    assert late.status is Status.STALE and late.error == "refresh overdue"


def test_data_that_stopped_moving_is_stale_even_if_fetched_recently():
    now = T0 + timedelta(minutes=10)
    old = assess(snap(T0, fetched=now), dataset(), now)
    assert old.status is Status.STALE and old.error == "source data is 600 s old"


def test_fallback_kept_while_fresh():
    assert assess(snap(T0, status=Status.FALLBACK), dataset(), T0).status is Status.FALLBACK


def test_closed_market_with_data_from_its_last_session_is_closed_not_stale():
    result = assess(snap(FRIDAY_CLOSE - timedelta(minutes=1)), dataset("XNYS"), SATURDAY)
    assert result.status is Status.CLOSED


def test_closed_market_with_data_older_than_its_last_session_is_stale():
    thursday = FRIDAY_CLOSE - timedelta(days=1)
    result = assess(snap(thursday), dataset("XNYS"), SATURDAY)
    assert result.status is Status.STALE
    assert result.error == "no data from the latest session"


def bars_snap(at: datetime) -> Snapshot:
    bar = Bar(symbol="spx", time=at, open=5000, high=5010, low=4990, close=5005)
    return Snapshot(dataset="history", records=(bar,), as_of=at, fetched_at=SATURDAY, source="a")


def test_a_daily_bar_stamped_at_midnight_utc_of_the_last_session_is_closed_not_stale():
    # Stooq stamps Friday's bar 2026-11-20 00:00 UTC, hours before Friday's open.
    history = dataset("XNYS").model_copy(update={"kind": RecordKind.BAR})
    friday_bar = assess(bars_snap(datetime(2026, 11, 20, tzinfo=UTC)), history, SATURDAY)
    assert friday_bar.status is Status.CLOSED
    thursday_bar = assess(bars_snap(datetime(2026, 11, 19, tzinfo=UTC)), history, SATURDAY)
    assert thursday_bar.status is Status.STALE


def test_fx_on_a_weekend_is_closed():
    friday_fx_close = datetime(2026, 11, 20, 21, 59, tzinfo=UTC)
    assert assess(snap(friday_fx_close), dataset("24/5"), SATURDAY).status is Status.CLOSED


def test_no_records_keeps_its_own_status():
    empty = Snapshot(dataset="fx", status=Status.ERROR, error="down")
    assert assess(empty, dataset(), T0) == empty
