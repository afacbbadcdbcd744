"""Status as of now: stale after the threshold, closed (not stale) when the market is shut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.schema import RecordKind
from engine.freshness import DATASET, Shown, assess, shown
from providers.models import Bar, Quote, Snapshot, Status
from tests.support.fakes.providers import T0, settings_with

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


# -- the one decision: engine.freshness.shown ----------------------------------------------------

S = timedelta(seconds=1)
WEDNESDAY = T0  # 15:00 UTC: NYSE open
FRIDAY_LATE = FRIDAY_CLOSE - timedelta(minutes=1)


def fact(
    at: datetime | None = T0,
    *,
    fetched: datetime | None = None,
    status: Status = Status.OK,
    failures: int = 0,
    error: str | None = None,
    kept: bool = False,
    records: bool = True,
) -> Snapshot:
    """A snapshot as the refresher writes it: facts only (records, times, failures, error)."""
    quote = Quote(symbol="eurusd", name="EUR/USD", price=1.08, as_of=at or T0, kept=kept)
    return Snapshot(
        dataset="fx",
        records=(quote,) if records else (),
        as_of=at if records else None,
        fetched_at=(fetched or at) if records else None,
        source="a" if records else None,
        status=status,
        failures=failures,
        error=error,
        attempted_at=T0 if failures or records else None,
    )


def quote_of(snapshot: Snapshot) -> Quote:
    (quote,) = snapshot.records
    return quote


# name, snapshot, market, now, what a badge shows (status, age in s, reason)
BADGE_CASES = [
    ("ok", fact(), "24/7", T0 + 30 * S, (Status.OK, 30.0, None)),
    ("ok with the refresh's notes", fact(error="b: slow"), "24/7", T0, (Status.OK, 0.0, "b: slow")),
    ("fallback", fact(status=Status.FALLBACK), "24/7", T0 + 5 * S, (Status.FALLBACK, 5.0, None)),
    (
        "stale: the data's own time is past the threshold though fetched just now",
        fact(T0, fetched=T0 + 600 * S),
        "24/7",
        T0 + 600 * S,
        (Status.STALE, 600.0, "source data is 600 s old"),
    ),
    (
        "stale: the refresh is overdue",
        fact(),
        "24/7",
        T0 + 91 * S,
        (Status.STALE, 91.0, "refresh overdue"),
    ),
    (
        "stale: an overdue refresh keeps the error that made it so",
        fact(error="a: timed out"),
        "24/7",
        T0 + 91 * S,
        (Status.STALE, 91.0, "a: timed out"),
    ),
    (
        "stale: the last refresh failed and kept the last values (counted failures)",
        fact(failures=2, error="a: HTTP 500"),
        "24/7",
        T0 + 10 * S,
        (Status.STALE, 10.0, "a: HTTP 500"),
    ),
    (
        "stale: as the refresher's stored format says of a failed refresh",
        fact(status=Status.STALE, error="a: HTTP 500"),
        "24/7",
        T0 + 10 * S,
        (Status.STALE, 10.0, "a: HTTP 500"),
    ),
    (
        "closed: the market is shut and the data is from its latest session",
        fact(FRIDAY_LATE),
        "XNYS",
        SATURDAY,
        (Status.CLOSED, (SATURDAY - FRIDAY_LATE).total_seconds(), None),
    ),
    (
        "closed, not stale, even after a failed refresh over the weekend",
        fact(FRIDAY_LATE, failures=3, error="a: down"),
        "XNYS",
        SATURDAY,
        (Status.CLOSED, (SATURDAY - FRIDAY_LATE).total_seconds(), "a: down"),
    ),
    (
        "stale: the market is shut and the data is older than its latest session",
        fact(FRIDAY_CLOSE - timedelta(days=1)),
        "XNYS",
        SATURDAY,
        (Status.STALE, 86400.0 + 19 * 3600, "no data from the latest session"),
    ),
    (
        "error: every source failed and there was nothing to keep",
        fact(records=False, status=Status.ERROR, failures=1, error="a: down"),
        "24/7",
        T0,
        (Status.ERROR, None, "a: down"),
    ),
    (
        "empty: every source answered with nothing",
        fact(records=False, status=Status.EMPTY, failures=1, error="a: no records"),
        "24/7",
        T0,
        (Status.EMPTY, None, "a: no records"),
    ),
    (
        "empty: waiting for the first refresh",
        Snapshot.pending("fx"),
        "XNYS",
        SATURDAY,
        (Status.EMPTY, None, "waiting for first refresh"),
    ),
]


@pytest.mark.parametrize(
    ("snapshot", "market", "now", "expected"),
    [case[1:] for case in BADGE_CASES],
    ids=[case[0] for case in BADGE_CASES],
)
def test_what_a_badge_shows(snapshot, market, now, expected):
    assert shown(snapshot, dataset(market), now) == Shown(*expected)
    decided = assess(snapshot, dataset(market), now)  # what Board.snapshot hands out
    assert (decided.status, decided.error) == (expected[0], expected[2])
    assert shown(decided, None, now) == Shown(*expected)  # decided once, read as it stands


# A dataset refreshed just now (its other instruments fresh) with one record five minutes old:
# kept from the previous refresh, or not.
KEPT = fact(T0, fetched=T0 + 300 * S, error="a: eurusd: price is not a number", kept=True)
KEPT = KEPT.model_copy(update={"as_of": T0 + 299 * S})
OLD_RECORD = fact(T0, fetched=T0 + 300 * S).model_copy(update={"as_of": T0 + 299 * S})

# name, snapshot, market, now, record (None: the tile has none), what the tile shows
TILE_CASES = [
    ("ok", fact(), "24/7", T0 + 30 * S, "its", (Status.OK, 30.0, None)),
    (
        "fallback",
        fact(status=Status.FALLBACK),
        "24/7",
        T0,
        "its",
        (Status.FALLBACK, 0.0, None),
    ),
    (
        "record age: a tile tells its own record's age, its dataset judged by its newest data",
        OLD_RECORD,
        "24/7",
        T0 + 300 * S,
        "its",
        (Status.OK, 300.0, None),
    ),
    (
        "stale: a kept record, with its own age and the reason",
        KEPT,
        "24/7",
        T0 + 300 * S,
        "its",
        (Status.STALE, 300.0, "a: eurusd: price is not a number"),
    ),
    (
        "stale: a kept record without a reason says it is the last good value",
        KEPT.model_copy(update={"error": None}),
        "24/7",
        T0 + 300 * S,
        "its",
        (Status.STALE, 300.0, "last good value"),
    ),
    (
        "stale: the dataset's overdue refresh shows on every tile",
        fact(),
        "24/7",
        T0 + 91 * S,
        "its",
        (Status.STALE, 91.0, None),
    ),
    (
        "closed: a kept record of a closed market is closed, not stale",
        fact(FRIDAY_LATE, kept=True),
        "XNYS",
        SATURDAY,
        "its",
        (Status.CLOSED, (SATURDAY - FRIDAY_LATE).total_seconds(), "last good value"),
    ),
    (
        "error: no record for the instrument while the dataset has data",
        fact(error="a: eurusd missing"),
        "24/7",
        T0,
        None,
        (Status.ERROR, None, "a: eurusd missing"),
    ),
    (
        "error: no record and nothing to say",
        fact(),
        "24/7",
        T0,
        None,
        (Status.ERROR, None, "no data"),
    ),
    (
        "empty: no record, the dataset waiting for its first refresh",
        Snapshot.pending("fx"),
        "24/7",
        T0,
        None,
        (Status.EMPTY, None, "waiting for first refresh"),
    ),
]


@pytest.mark.parametrize(
    ("snapshot", "market", "now", "record", "expected"),
    [case[1:] for case in TILE_CASES],
    ids=[case[0] for case in TILE_CASES],
)
def test_what_a_tile_shows(snapshot, market, now, record, expected):
    quote = quote_of(snapshot) if record == "its" else None
    assert shown(snapshot, dataset(market), now, quote) == Shown(*expected)
    # A tile is given the snapshot the board decided already: the same answer.
    decided = assess(snapshot, dataset(market), now)
    assert shown(decided, None, now, quote) == Shown(*expected)


def test_a_badge_is_the_whole_dataset():
    assert shown(fact(), dataset(), T0, DATASET) == shown(fact(), dataset(), T0)
