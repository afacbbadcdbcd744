"""Decide at read time what a snapshot's status is now: ok, fallback, stale or closed.

Staleness is computed from server timestamps against the dataset's threshold, never from
counting browser ticks. A closed market is not stale: when none of a dataset's markets is in
session and the data is from the latest session, the status is `closed`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from config.schema import Dataset
from providers import markets
from providers.models import Snapshot, Status


def dataset_markets(dataset: Dataset) -> set[str]:
    """Every market a dataset's instruments trade on."""
    return {instrument.market or dataset.market for instrument in dataset.instruments}


def latest_session(market_codes: set[str], now: datetime) -> tuple[datetime, datetime] | None:
    """(open, close) of the latest session begun by `now` across markets; None for 24/7."""
    sessions = [
        markets.recent_sessions(code, now, 1)[-1] for code in market_codes if code != "24/7"
    ]
    return max(sessions, key=lambda session: session[1], default=None)


def is_from_latest_session(as_of: datetime, dataset: Dataset, now: datetime) -> bool:
    """Whether data timed `as_of` belongs to the latest session (or the market is 24/7).

    A quote is of the session when timed at or after its open. A daily bar belongs to the first
    session that closes at or after its time, so it is of the latest session when timed after
    the previous session's close: sources stamp a day's bar at the open (Yahoo), at UTC
    midnight of the date (Stooq: 19:00 the evening before in New York) or at local midnight.
    """
    pairs = [
        markets.recent_sessions(code, now, 2) for code in dataset_markets(dataset) if code != "24/7"
    ]
    if not pairs:
        return True
    *earlier, latest = max(pairs, key=lambda sessions: sessions[-1][1])
    if dataset.kind == "bar" and earlier:
        return as_of > earlier[-1][1]
    return as_of >= latest[0]


def assess(snapshot: Snapshot, dataset: Dataset, now: datetime) -> Snapshot:
    """The snapshot with its status (and reason) as of `now`."""
    if not snapshot.records:
        return snapshot
    codes = dataset_markets(dataset)
    if not any(markets.is_open(code, now) for code in codes):
        if snapshot.as_of is not None and is_from_latest_session(snapshot.as_of, dataset, now):
            return snapshot.model_copy(update={"status": Status.CLOSED})
        return snapshot.model_copy(
            update={"status": Status.STALE, "error": "no data from the latest session"}
        )
    limit = timedelta(seconds=dataset.stale_after_s)
    if snapshot.status is Status.STALE:
        return snapshot
    if snapshot.fetched_at is not None and now - snapshot.fetched_at > limit:
        return snapshot.model_copy(
            update={"status": Status.STALE, "error": snapshot.error or "refresh overdue"}
        )
    if snapshot.as_of is not None and now - snapshot.as_of > limit:
        age = int((now - snapshot.as_of).total_seconds())
        return snapshot.model_copy(
            update={"status": Status.STALE, "error": f"source data is {age} s old"}
        )
    return snapshot
