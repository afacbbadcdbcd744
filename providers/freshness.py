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


def assess(snapshot: Snapshot, dataset: Dataset, now: datetime) -> Snapshot:
    """The snapshot with its status (and reason) as of `now`."""
    if not snapshot.records:
        return snapshot
    codes = dataset_markets(dataset)
    if not any(markets.is_open(code, now) for code in codes):
        session = latest_session(codes, now)
        if session is None or (snapshot.as_of is not None and snapshot.as_of >= session[0]):
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
