"""Decide at read time what the wall says about its data: per instrument, and per dataset.

`assess` is the one place this is decided. The refresher records facts on each snapshot: its
records (a quote it could not get again is the previous one, marked `kept`), the source that
delivered each instrument (`origins`), when it was fetched (`fetched_at`), consecutive failed
refreshes (`failures`) and what went wrong (`error`: the fetch's own words, e.g. "wind: SPX.GI
quote time ... is in the future; yahoo: filled 3 instruments"). Its `status` field says how the
last refresh ended (`ok`, `fallback`, `stale`: every source failed and the last values were kept;
`error` / `empty`: nothing to keep). What a screen shows is decided here, from those facts and
the server clock, never from counting browser ticks.

Each instrument of a quote, curve or bar dataset is judged by its own record, as of `now`:

- no record: `error`, with the reason it is missing (a finding about it, the error of the
  source that should have given it, or "no source gave a value for it");
- its own market (the instrument's, else the dataset's) not in session: `closed` when its
  value is from the latest session (a closed market is not stale), else `stale`;
- kept from an earlier refresh, the last refresh failed, the refresh overdue, or its own time
  older than `stale_after_s`: `stale`, with why;
- otherwise `fallback` when a source other than the chain's first delivered it, else `ok`
  (a value a live stream moved, engine.stream_hub, is `ok`: the market's own price).

The dataset (its badge) summarises its instruments honestly: `closed` when all are closed,
`stale` when none is current, else `ok` / `fallback` with how many are stale or missing; its age
is its oldest instrument's, never its newest. Headlines and calendar events are judged as a
whole by their own time: news is as fresh as its newest headline, the calendar as its latest
release. A reason keeps the fetch's own error next to the staleness:
"stale 8 h: wind: SPX.GI quote time in the future; yahoo: filled 3 instruments".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from config.schema import Dataset, Instrument
from engine.ages import format_age
from providers import markets
from providers.models import (
    AnyRecord,
    CalendarEvent,
    Headline,
    Quote,
    RecordState,
    Snapshot,
    Status,
    instrument_id,
    record_time,
)

PER_INSTRUMENT = frozenset({"quote", "curve", "bar"})  # kinds judged instrument by instrument
NO_DATA = frozenset({Status.ERROR, Status.EMPTY})
FRESH = frozenset({Status.OK, Status.FALLBACK})
CURRENT = frozenset({Status.OK, Status.FALLBACK, Status.CLOSED})  # nothing to warn about


@dataclass(frozen=True)
class Shown:
    """What a badge or a tile shows about its data."""

    status: Status
    age_s: float | None  # seconds since the data's own time (a dataset's: its oldest); None: none
    reason: str | None  # why, in words (a badge's tooltip, a tile's); None: nothing to say
    source: str | None = None  # who delivered it ("yahoo", a dataset's "yahoo+stooq")
    as_of: datetime | None = None  # the data's own time (a dataset's: its oldest instrument's)


def dataset_markets(dataset: Dataset) -> set[str]:
    """Every market a dataset's instruments trade on."""
    return {instrument_market(instrument, dataset) for instrument in dataset.instruments}


def instrument_market(instrument: Instrument, dataset: Dataset) -> str:
    """The market an instrument trades on: its own, else its dataset's."""
    return instrument.market or dataset.market


def latest_session(market_codes: set[str], now: datetime) -> tuple[datetime, datetime] | None:
    """(open, close) of the latest session begun by `now` across markets; None for 24/7."""
    sessions = [
        markets.recent_sessions(code, now, 1)[-1] for code in market_codes if code != "24/7"
    ]
    return max(sessions, key=lambda session: session[1], default=None)


def is_from_latest_session(
    as_of: datetime, dataset: Dataset, now: datetime, market_codes: set[str] | None = None
) -> bool:
    """Whether data timed `as_of` belongs to the latest session of `market_codes` (default: the
    dataset's markets), or the market is 24/7.

    A quote is of the session when timed at or after its open. A daily bar belongs to the first
    session that closes at or after its time, so it is of the latest session when timed after
    the previous session's close: sources stamp a day's bar at the open (Yahoo), at UTC
    midnight of the date (Stooq: 19:00 the evening before in New York) or at local midnight.
    """
    codes = dataset_markets(dataset) if market_codes is None else market_codes
    pairs = [markets.recent_sessions(code, now, 2) for code in codes if code != "24/7"]
    if not pairs:
        return True
    *earlier, latest = max(pairs, key=lambda sessions: sessions[-1][1])
    if dataset.kind == "bar" and earlier:
        return as_of > earlier[-1][1]
    return as_of >= latest[0]


def primary_source(snapshot: Snapshot) -> str | None:
    """The source a snapshot's values are taken as from when it does not say per instrument."""
    return (snapshot.source or "").split("+")[0] or None


def _newest_by_instrument(records: Iterable[AnyRecord]) -> dict[str, AnyRecord]:
    newest: dict[str, AnyRecord] = {}
    for record in records:
        label, when = instrument_id(record), record_time(record)
        if label is None or when is None:
            continue
        if label not in newest or when > record_time(newest[label]):
            newest[label] = record
    return newest


def _missing_reason(snapshot: Snapshot, instrument: Instrument) -> str:
    """Why an instrument has no value: a finding about it, else the fetch's error, else none
    of the chain gave one."""
    about = [f.detail for f in snapshot.findings if f.symbol == instrument.id and f.rejected]
    if about:
        return f"{instrument.name}: refused: {'; '.join(about)}"
    names = {instrument.id, instrument.name, *instrument.symbols.values()}
    told = [
        part
        for part in (snapshot.error or "").split("; ")
        if any(re.search(rf"(?<![\w^.=]){re.escape(name)}(?![\w^.=])", part) for name in names)
    ]
    if told:  # the fetch's own words about it ("yahoo: ^DJI: no data in the answer")
        return "; ".join(told)
    if snapshot.error and not snapshot.records:
        return f"{instrument.name}: {snapshot.error}"
    return f"no source gave a value for {instrument.name}"


def _stale_cause(snapshot: Snapshot, dataset: Dataset, age: float, now: datetime) -> str | None:
    """Why a value that is not closed is stale, or None when it is current."""
    if snapshot.failures > 0 or snapshot.status is Status.STALE:
        return "last refresh failed"
    limit = timedelta(seconds=dataset.stale_after_s)
    if snapshot.fetched_at is not None and now - snapshot.fetched_at > limit:
        return "refresh overdue"
    if age > limit.total_seconds():
        return f"{format_age(age)} old (stale after {format_age(dataset.stale_after_s)})"
    return None


def instrument_states(
    snapshot: Snapshot, dataset: Dataset, now: datetime
) -> dict[str, RecordState]:
    """Each configured instrument's status, own time, source and reason (see the module)."""
    newest = _newest_by_instrument(snapshot.records)
    first = primary_source(snapshot)
    # A live stream's tick is the market's own price as it happens: never a fallback.
    streams = set((snapshot.stream or "").split("+")) - {""}
    states: dict[str, RecordState] = {}
    for instrument in dataset.instruments:
        record = newest.get(instrument.id)
        if record is None:
            states[instrument.id] = RecordState(
                status=Status.ERROR, reason=_missing_reason(snapshot, instrument)
            )
            continue
        as_of = record_time(record)
        source = snapshot.origins.get(instrument.id, first)
        age = max(0.0, (now - as_of).total_seconds())
        market = instrument_market(instrument, dataset)
        kept = isinstance(record, Quote) and record.kept
        if not markets.is_open(market, now):
            if is_from_latest_session(as_of, dataset, now, {market}):
                status, reason = Status.CLOSED, None
            else:
                status, reason = Status.STALE, f"no data from the latest {market} session"
        elif kept:
            status, reason = Status.STALE, "last good value: this refresh could not get it"
        elif cause := _stale_cause(snapshot, dataset, age, now):
            status, reason = Status.STALE, cause
        elif source not in streams and (snapshot.status is Status.FALLBACK or source != first):
            status, reason = Status.FALLBACK, None
        else:
            status, reason = Status.OK, None
        states[instrument.id] = RecordState(
            status=status, as_of=as_of, source=source, reason=reason
        )
    return states


def _summary(
    snapshot: Snapshot, dataset: Dataset, states: dict[str, RecordState], now: datetime
) -> Shown:
    held = [state for state in states.values() if state.as_of is not None]
    oldest = min((state.as_of for state in held), default=None)
    age = None if oldest is None else max(0.0, (now - oldest).total_seconds())
    sources = "+".join(dict.fromkeys(s.source for s in held if s.source)) or snapshot.source
    total = len(states)
    stale = [s for s in held if s.status is Status.STALE]
    missing = total - len(held)
    notes = []
    if stale:
        notes.append(f"{len(stale)} of {total} stale")
    if missing:
        notes.append(f"{missing} of {total} missing")
    cause = "; ".join(dict.fromkeys(s.reason for s in stale if s.reason))
    parts = []
    if stale:
        oldest_stale = max(now - s.as_of for s in stale).total_seconds()
        parts.append(f"stale {format_age(oldest_stale)}: {cause}")
    if missing:
        parts.append(", ".join(s.reason for s in states.values() if s.as_of is None))
    if snapshot.error:
        parts.append(snapshot.error)
    reason = "; ".join(dict.fromkeys(parts)) or None
    if held and all(state.status is Status.CLOSED for state in held):
        status = Status.CLOSED
    elif not any(state.status in FRESH | {Status.CLOSED} for state in held):
        status = Status.STALE
    elif any(state.status is Status.FALLBACK for state in held):
        status = Status.FALLBACK
    else:
        status = Status.OK
    summary = f"{', '.join(notes)}" if notes else None
    if summary and reason:
        reason = f"{summary}: {reason}"
    return Shown(status, age, reason or summary, sources, oldest)


def data_as_of(snapshot: Snapshot, now: datetime) -> datetime | None:
    """When a headline or event dataset's data is from: the newest headline, the latest
    release (event) at or before `now`; else the fetch (a calendar with nothing released)."""
    headlines = [r.published for r in snapshot.records if isinstance(r, Headline)]
    if headlines:
        return max(headlines)
    released = [r.time for r in snapshot.records if isinstance(r, CalendarEvent) and r.time <= now]
    if released:
        return max(released)
    return snapshot.as_of


def _whole(snapshot: Snapshot, dataset: Dataset, now: datetime) -> Shown:
    """Headlines and events: judged as one by their own time (see the module)."""
    as_of = data_as_of(snapshot, now)
    age = None if as_of is None else max(0.0, (now - as_of).total_seconds())
    what = "newest headline" if dataset.kind == "headline" else "latest release"
    status = Status.FALLBACK if snapshot.status is Status.FALLBACK else Status.OK
    cause = _stale_cause(snapshot, dataset, age or 0.0, now)
    if cause is not None and "old (stale after" in cause:
        cause = f"{what} {cause}"
    reason = snapshot.error
    if cause is not None:
        status = Status.STALE
        reason = f"stale: {cause}" + (f"; {snapshot.error}" if snapshot.error else "")
    return Shown(status, age, reason, snapshot.source, as_of)


def _dataset_shown(snapshot: Snapshot, dataset: Dataset, now: datetime) -> tuple[Shown, dict]:
    if not snapshot.records:
        status = Status.ERROR if snapshot.status is Status.ERROR else Status.EMPTY
        return Shown(status, None, snapshot.error, snapshot.source, None), {}
    if dataset.kind.value not in PER_INSTRUMENT:
        return _whole(snapshot, dataset, now), {}
    states = instrument_states(snapshot, dataset, now)
    return _summary(snapshot, dataset, states, now), states


def shown(snapshot: Snapshot, dataset: Dataset | None, now: datetime) -> Shown:
    """What a dataset's badge shows as of `now`. `dataset` None: a snapshot assessed already
    (what `assess` and `Board.snapshot` return), whose status, reason and time stand."""
    if dataset is None:
        return Shown(
            snapshot.status, snapshot.age_s(now), snapshot.error, snapshot.source, snapshot.as_of
        )
    return _dataset_shown(snapshot, dataset, now)[0]


def assess(snapshot: Snapshot, dataset: Dataset, now: datetime) -> Snapshot:
    """The snapshot as shown as of `now`: status, reason and time (its oldest instrument's,
    a news feed's newest headline) decided here, and each instrument's state in `states`."""
    decided, states = _dataset_shown(snapshot, dataset, now)
    return snapshot.model_copy(
        update={
            "status": decided.status,
            "error": decided.reason,
            "as_of": decided.as_of if decided.as_of is not None else snapshot.as_of,
            "source": decided.source,
            "states": states,
        }
    )


def state_shown(snapshot: Snapshot, instrument: str, now: datetime) -> Shown:
    """What a tile, row or cell shows about one instrument of a snapshot as of `now`: its
    state as `assess` decided it. A snapshot not assessed (built by hand) gives its dataset's
    status to each record it holds."""
    state = snapshot.states.get(instrument)
    if state is not None:
        return Shown(state.status, state.age_s(now), state.reason, state.source, state.as_of)
    record = _newest_by_instrument(snapshot.records).get(instrument)
    if record is None:
        status = snapshot.status if snapshot.status in NO_DATA else Status.ERROR
        return Shown(status, None, snapshot.error or "no data")
    as_of = record_time(record)
    age = max(0.0, (now - as_of).total_seconds())
    if isinstance(record, Quote) and record.kept and snapshot.status in FRESH:
        return Shown(Status.STALE, age, snapshot.error or "last good value", snapshot.source, as_of)
    return Shown(snapshot.status, age, None, snapshot.source, as_of)
