"""Decide at read time what a badge and a tile show about their data: status, age and reason.

`shown` is the one place this is decided. The refresher records facts on each snapshot: its
records (a quote it could not get again is the previous one, marked `kept`), the data's own time
(`as_of`), when it was fetched (`fetched_at`), consecutive failed refreshes (`failures`) and what
went wrong (`error`). Its `status` field says how the last refresh ended (`ok`: the first source
of the chain answered; `fallback`: a later one; `stale`: every source failed and the last values
were kept; `error` / `empty`: every source failed, or answered with nothing, and there was
nothing to keep). That is the stored format of a snapshot, read here as one more fact; what a
screen shows is decided here, from those facts and the server clock, never from counting
browser ticks:

- no records: `error`, or `empty` when the sources had nothing to give (or nothing was tried);
- none of the dataset's markets in session: `closed` when the data is from the latest session
  (a closed market is not stale), else `stale` ("no data from the latest session");
- the last refresh failed, its last values kept: `stale`, its error the reason;
- the refresh is overdue (fetched longer ago than `stale_after_s`): `stale` ("refresh overdue");
- the data's own time older than `stale_after_s`: `stale` ("source data is N s old");
- otherwise `fallback` when a later source answered, else `ok`.

A tile then shows its record: none (the dataset has no value for the instrument) is `error`, or
the dataset's `error` / `empty`; a kept record is `stale` with its own age while its dataset is
`ok` or `fallback` (a closed or stale dataset already says so); any other carries its dataset's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from config.schema import Dataset
from providers import markets
from providers.models import Quote, Snapshot, Status


@dataclass(frozen=True)
class Shown:
    """What a badge or a tile shows about its data."""

    status: Status
    age_s: float | None  # seconds since the data's own time (a tile's: its record's); None: none
    reason: str | None  # why, in words (a badge's tooltip, a tile's); None: nothing to say


class _Whole(Enum):
    DATASET = "dataset"


DATASET = _Whole.DATASET  # `shown(..., record=DATASET)`: the whole dataset, for its badge
NO_DATA = frozenset({Status.ERROR, Status.EMPTY})
FRESH = frozenset({Status.OK, Status.FALLBACK})


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


def shown(
    snapshot: Snapshot,
    dataset: Dataset | None,
    now: datetime,
    record: Quote | _Whole | None = DATASET,
) -> Shown:
    """What a badge (`record` left out) or a tile (`record`: its quote, None when it has
    none) shows about a snapshot as of `now`: status, age and reason. The one place they are
    decided (see the module).

    `dataset` is the snapshot's configuration, which the decision needs; None for a snapshot
    decided already (what `assess` and `Board.snapshot` return), whose status and reason stand.
    """
    if dataset is None:
        whole = Shown(snapshot.status, snapshot.age_s(now), snapshot.error)
    else:
        whole = _dataset_shown(snapshot, dataset, now)
    if record is DATASET:
        return whole
    if record is None:
        status = whole.status if whole.status in NO_DATA else Status.ERROR
        return Shown(status, None, whole.reason or "no data")
    age = max(0.0, (now - record.as_of).total_seconds())
    if record.kept:  # it failed while its dataset refreshed: its own value is the old one
        status = Status.STALE if whole.status in FRESH else whole.status
        return Shown(status, age, whole.reason or "last good value")
    return Shown(whole.status, age, None)  # its dataset's reason is shown once, above the tiles


def _dataset_shown(snapshot: Snapshot, dataset: Dataset, now: datetime) -> Shown:
    age = snapshot.age_s(now)
    reason = snapshot.error
    if not snapshot.records:
        return Shown(Status.ERROR if snapshot.status is Status.ERROR else Status.EMPTY, age, reason)
    if not any(markets.is_open(code, now) for code in dataset_markets(dataset)):
        if snapshot.as_of is not None and is_from_latest_session(snapshot.as_of, dataset, now):
            return Shown(Status.CLOSED, age, reason)
        return Shown(Status.STALE, age, "no data from the latest session")
    if snapshot.failures > 0 or snapshot.status is Status.STALE:  # failed; last values kept
        return Shown(Status.STALE, age, reason)
    limit = timedelta(seconds=dataset.stale_after_s)
    if snapshot.fetched_at is not None and now - snapshot.fetched_at > limit:
        return Shown(Status.STALE, age, reason or "refresh overdue")
    if age is not None and age > limit.total_seconds():
        return Shown(Status.STALE, age, f"source data is {int(age)} s old")
    return Shown(Status.FALLBACK if snapshot.status is Status.FALLBACK else Status.OK, age, reason)


def assess(snapshot: Snapshot, dataset: Dataset, now: datetime) -> Snapshot:
    """The snapshot as shown as of `now`: its status and reason decided by `shown`."""
    decided = shown(snapshot, dataset, now)
    if (decided.status, decided.reason) == (snapshot.status, snapshot.error):
        return snapshot
    return snapshot.model_copy(update={"status": decided.status, "error": decided.reason})
