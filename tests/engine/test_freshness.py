"""What the wall says about its data, as of now: each instrument by its own record, the dataset
as an honest summary (its oldest age, how many are stale or missing, the fetch's own error)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.schema import Dataset, Instrument, RecordKind
from engine.freshness import Shown, assess, shown, state_shown
from providers.models import (
    Bar,
    CalendarEvent,
    Finding,
    Headline,
    Quote,
    RecordState,
    Snapshot,
    Status,
)
from tests.support.fakes.providers import T0

S = timedelta(seconds=1)
FRIDAY_CLOSE = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # NYSE close, 16:00 New York
FRIDAY_LATE = FRIDAY_CLOSE - timedelta(minutes=1)
SATURDAY = datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
TOKYO_NIGHT = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # Wed: NYSE open, Tokyo shut


def dataset(
    market: str = "24/7", ids=("eurusd",), *, kind=RecordKind.QUOTE, markets=None
) -> Dataset:
    markets = markets or {}
    return Dataset(
        title="FX",
        kind=kind,
        chains={"open": ["a", "b"]},
        refresh_s=15,
        stale_after_s=90,
        market=market,
        instruments=[
            Instrument(id=i, name=i.upper(), symbols={"a": i}, market=markets.get(i)) for i in ids
        ],
    )


def quote(symbol: str, at: datetime, *, kept: bool = False) -> Quote:
    return Quote(symbol=symbol, name=symbol.upper(), price=1.08, as_of=at, kept=kept)


def fact(
    *records,
    fetched: datetime | None = T0,
    status: Status = Status.OK,
    failures: int = 0,
    error: str | None = None,
    source: str = "a",
    origins: dict | None = None,
    findings=(),
) -> Snapshot:
    """A snapshot as the refresher writes it: facts only."""
    records = records or (quote("eurusd", T0),)
    return Snapshot(
        dataset="fx",
        records=records,
        as_of=max(r.as_of for r in records if hasattr(r, "as_of")) if records else None,
        fetched_at=fetched,
        source=source,
        status=status,
        failures=failures,
        error=error,
        attempted_at=fetched,
        origins=origins or {},
        findings=findings,
    )


# -- one instrument: its own status --------------------------------------------------------------

# name, snapshot, market, now, (status, age s, reason)
ONE = [
    ("ok", fact(), "24/7", T0 + 30 * S, (Status.OK, 30.0, None)),
    ("fallback snapshot", fact(status=Status.FALLBACK), "24/7", T0, (Status.FALLBACK, 0.0, None)),
    (
        "stale: its own time past the threshold, though fetched just now",
        fact(quote("eurusd", T0), fetched=T0 + 600 * S),
        "24/7",
        T0 + 600 * S,
        (Status.STALE, 600.0, "10 min old (stale after 1 min)"),
    ),
    (
        "stale: refresh overdue",
        fact(),
        "24/7",
        T0 + 91 * S,
        (Status.STALE, 91.0, "refresh overdue"),
    ),
    (
        "stale: the last refresh failed, its values kept",
        fact(failures=2, status=Status.STALE, error="a: HTTP 500"),
        "24/7",
        T0 + 10 * S,
        (Status.STALE, 10.0, "last refresh failed"),
    ),
    (
        "closed: its market is shut and its value is from the latest session",
        fact(quote("eurusd", FRIDAY_LATE), fetched=SATURDAY),
        "XNYS",
        SATURDAY,
        (Status.CLOSED, (SATURDAY - FRIDAY_LATE).total_seconds(), None),
    ),
    (
        "closed, not stale, after failed refreshes over the weekend",
        fact(quote("eurusd", FRIDAY_LATE), failures=3, error="a: down", fetched=FRIDAY_LATE),
        "XNYS",
        SATURDAY,
        (Status.CLOSED, (SATURDAY - FRIDAY_LATE).total_seconds(), None),
    ),
    (
        "stale: shut, and older than its latest session",
        fact(quote("eurusd", FRIDAY_CLOSE - timedelta(days=1)), fetched=SATURDAY),
        "XNYS",
        SATURDAY,
        (Status.STALE, 86400.0 + 19 * 3600, "no data from the latest XNYS session"),
    ),
    (
        "FX on a weekend is closed",
        fact(quote("eurusd", datetime(2026, 11, 20, 21, 59, tzinfo=UTC)), fetched=SATURDAY),
        "24/5",
        SATURDAY,
        (Status.CLOSED, 64860.0, None),
    ),
]


@pytest.mark.parametrize(
    ("snapshot", "market", "now", "expected"), [c[1:] for c in ONE], ids=[c[0] for c in ONE]
)
def test_one_instrument_is_judged_by_its_own_record(snapshot, market, now, expected):
    decided = assess(snapshot, dataset(market), now)
    seen = state_shown(decided, "eurusd", now)
    assert (seen.status, seen.age_s, seen.reason) == expected
    assert seen.source == "a" and seen.as_of == snapshot.records[0].as_of
    assert decided.status is expected[0]  # one instrument: the badge says the same


def test_a_bar_stamped_at_midnight_utc_of_the_last_session_is_closed_not_stale():
    # Stooq stamps Friday's bar 2026-11-20 00:00 UTC, hours before Friday's open.
    history = dataset("XNYS", ("spx",), kind=RecordKind.BAR)

    def bars(at):
        bar = Bar(symbol="spx", time=at, open=5000, high=5010, low=4990, close=5005)
        return Snapshot(dataset="history", records=(bar,), fetched_at=SATURDAY, source="a")

    friday = assess(bars(datetime(2026, 11, 20, tzinfo=UTC)), history, SATURDAY)
    assert friday.states["spx"].status is Status.CLOSED
    thursday = assess(bars(datetime(2026, 11, 19, tzinfo=UTC)), history, SATURDAY)
    assert thursday.states["spx"].status is Status.STALE


# -- several instruments: each its own, the badge an honest summary -------------------------------


def test_each_instrument_has_its_own_age_and_the_badge_states_the_oldest():
    week_old = T0 - timedelta(days=7)
    snap = fact(quote("eurusd", T0), quote("usdjpy", week_old), fetched=T0)
    decided = assess(snap, dataset(ids=("eurusd", "usdjpy", "gbpusd")), T0 + 10 * S)
    states = decided.states
    assert states["eurusd"] == RecordState(status=Status.OK, as_of=T0, source="a")
    assert states["usdjpy"].status is Status.STALE and states["usdjpy"].as_of == week_old
    assert states["gbpusd"] == RecordState(
        status=Status.ERROR, reason="no source gave a value for GBPUSD"
    )
    # Live while one is live, but the summary says what is not, and its age is the oldest.
    assert decided.status is Status.OK
    assert decided.as_of == week_old
    assert decided.error == (
        "1 of 3 stale, 1 of 3 missing: stale 7 d: 7 d old (stale after 1 min); "
        "no source gave a value for GBPUSD"
    )


def test_the_fetch_error_survives_next_to_the_staleness():
    snap = fact(
        quote("eurusd", T0 - timedelta(hours=8)),
        quote("usdjpy", T0),
        error="wind: SPX.GI quote time is in the future; b: filled 1 instruments",
        origins={"usdjpy": "b"},
        source="a+b",
    )
    decided = assess(snap, dataset(ids=("eurusd", "usdjpy")), T0)
    assert decided.error == (
        "1 of 2 stale: stale 8 h: 8 h old (stale after 1 min); "
        "wind: SPX.GI quote time is in the future; b: filled 1 instruments"
    )
    assert decided.states["usdjpy"].source == "b"
    assert decided.states["usdjpy"].status is Status.FALLBACK  # not the chain's first
    assert decided.status is Status.FALLBACK and decided.source == "a+b"


def test_none_current_is_stale_all_closed_is_closed():
    old = T0 - timedelta(days=3)
    stale = assess(
        fact(quote("eurusd", old), quote("usdjpy", old)), dataset(ids=("eurusd", "usdjpy")), T0
    )
    assert stale.status is Status.STALE
    closed = assess(
        fact(quote("eurusd", FRIDAY_LATE), quote("usdjpy", FRIDAY_LATE), fetched=SATURDAY),
        dataset("XNYS", ("eurusd", "usdjpy")),
        SATURDAY,
    )
    assert closed.status is Status.CLOSED and closed.error is None


def test_each_instrument_is_closed_by_its_own_market():
    # Wednesday 15:00 UTC: New York trades, Tokyo is shut with its value from today.
    tokyo_close = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
    snap = fact(quote("spx", T0), quote("n225", tokyo_close))
    config = dataset("XNYS", ("spx", "n225"), markets={"n225": "XTKS"})
    decided = assess(snap, config, TOKYO_NIGHT)
    assert decided.states["spx"].status is Status.OK
    assert decided.states["n225"].status is Status.CLOSED
    assert decided.status is Status.OK


def test_a_kept_quote_is_stale_with_its_own_age():
    snap = fact(quote("eurusd", T0 - 300 * S, kept=True), quote("usdjpy", T0), error="a: bad")
    decided = assess(snap, dataset(ids=("eurusd", "usdjpy")), T0)
    seen = state_shown(decided, "eurusd", T0)
    assert (seen.status, seen.age_s) == (Status.STALE, 300.0)
    assert seen.reason == "last good value: this refresh could not get it"


def test_a_missing_instrument_says_why_it_is_missing():
    finding = Finding(
        tier="core",
        rule="implausible",
        symbol="usdjpy",
        detail="USD/JPY 0 outside (0, 1000]",
        rejected=True,
    )
    snap = fact(quote("eurusd", T0), findings=(finding,))
    decided = assess(snap, dataset(ids=("eurusd", "usdjpy")), T0)
    assert decided.states["usdjpy"].reason == "USDJPY: refused: USD/JPY 0 outside (0, 1000]"


def test_no_records_keeps_its_own_status():
    empty = Snapshot(dataset="fx", status=Status.ERROR, error="down")
    decided = assess(empty, dataset(), T0)
    assert (decided.status, decided.error, decided.states) == (Status.ERROR, "down", {})
    pending = assess(Snapshot.pending("fx"), dataset(), T0)
    assert (pending.status, pending.error) == (Status.EMPTY, "waiting for first refresh")


def test_a_decided_snapshot_is_read_as_it_stands():
    decided = assess(fact(), dataset(), T0 + 30 * S)
    assert shown(decided, None, T0 + 30 * S) == Shown(Status.OK, 30.0, None, "a", T0)


def test_a_snapshot_not_assessed_gives_its_status_to_its_records():
    snap = fact(quote("eurusd", T0 - 300 * S, kept=True), status=Status.OK, error="a: x")
    seen = state_shown(snap, "eurusd", T0)
    assert (seen.status, seen.age_s, seen.reason) == (Status.STALE, 300.0, "a: x")
    assert state_shown(snap, "usdjpy", T0).status is Status.ERROR


# -- headlines and events: timed by their own time ----------------------------------------------


def news(published: datetime, fetched: datetime) -> Snapshot:
    headline = Headline(title="t", source="Fed", published=published)
    return Snapshot(
        dataset="news", records=(headline,), as_of=fetched, fetched_at=fetched, source="rss"
    )


def test_news_is_as_fresh_as_its_newest_headline():
    config = dataset(kind=RecordKind.HEADLINE).model_copy(update={"stale_after_s": 259200})
    old = datetime(2018, 1, 31, tzinfo=UTC)
    decided = assess(news(old, T0), config, T0 + 120 * S)
    assert decided.status is Status.STALE and decided.as_of == old
    assert decided.error == "stale: newest headline 3213 d old (stale after 3 d)"
    fresh = assess(news(T0 - timedelta(hours=5), T0), config, T0 + 120 * S)
    assert fresh.status is Status.OK and fresh.as_of == T0 - timedelta(hours=5)


def test_the_calendar_is_as_fresh_as_its_latest_release():
    config = dataset(kind=RecordKind.EVENT).model_copy(update={"stale_after_s": 604800})

    def calendar(*days):
        events = tuple(
            CalendarEvent(time=T0 + timedelta(days=d), country="US", name="CPI") for d in days
        )
        return Snapshot(dataset="calendar", records=events, as_of=T0, fetched_at=T0, source="a")

    recent = assess(calendar(-2, 5), config, T0)
    assert recent.status is Status.OK and recent.as_of == T0 - timedelta(days=2)
    old = assess(calendar(-30, 5), config, T0)
    assert old.status is Status.STALE and "latest release" in old.error
