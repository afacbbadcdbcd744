"""Check a dataset's fresh records before they are shown: core rules reject, quality rules note.

Core rules (failing records are removed; `Finding.rejected` is True):
- `future_time`: a record timed more than 5 minutes after now (a quote's or curve point's
  `as_of`, a bar's `time`, a headline's `published`). Calendar events are about the future by
  nature and are not checked.
- `duplicate_time` / `out_of_order`: bars of one symbol must go forward in time. Of bars at a
  time already seen the first is kept; a bar earlier than the latest one kept is dropped.
- `went_back`: an instrument whose newest record (a quote, a tenor's newest curve point, a
  symbol's last bar; daily bars by the session they end in, see `session_close`) is timed
  earlier than its value already shown (a source answering yesterday's data as today's, a
  lagging mirror, a slower fallback): every record of that instrument is refused, so a board
  never replaces a newer value (or bar series) with an older one. The times not to go back
  from are the previous snapshot's by default; the refresher passes its own per source
  (`since`, see engine.refresher), so that a primary source coming back takes its dataset
  back from a fallback whose value was newer. When every record goes back, the refresh fails
  and the last good values stay, with a stale badge.
- `implausible`: a value outside the dataset's `validation.plausible` range (a Range: fed funds
  futures (0, 100], yields [-5, 30] %): a quote's price or previous close, a curve point's
  yield. The record is refused, never shown as real: a source answering another instrument
  (^GSPC's 5,085 as a fed funds future) or a broken scale shows as a refusal, not as an implied
  rate thousands of percent below zero. Bars are not checked (no dataset sets a range for them).
- `implausible_move`: a quote further than `validation.max_move_pct` % from the same
  instrument's price in the previous snapshot (FX rates: 10 %; a rate in % moves as in
  `move_pct`). The quote is refused and the refresher keeps the value shown, marked `kept`
  (stale). A first value (no previous one) is not checked. The bound is against the value
  shown, so a true move beyond it stays refused until an operator widens the bound.

Already impossible, so not checked again here: NaN or infinite values, prices <= 0 (except
rates in %) and naive times. `providers.models` refuses them when a provider builds a record.

Quality rules (records are kept; `Finding.rejected` is False, the finding says what looks wrong):
- `jump`: a quote moved more than `validation.max_jump_pct` % from the same symbol's price in
  the previous snapshot. For a rate in % (unit "%") the move in percentage points is taken
  relative to max(|previous|, 1 pp): near zero, 0.01 % -> 0.02 % (1 bp) counts as a 1 % move,
  not +100 %, and a negative rate has no meaningful relative change (see `move_pct`).
- `gap`: daily bars of an exchange market (not 24/7 or 24/5) that skip more than
  `validation.max_gap_sessions` sessions of its exchange calendar between the first and the
  last bar (see `missing_sessions`).
- `stale_source`: the newest record time equals the previous snapshot's `as_of` although the
  previous snapshot was fetched before the dataset's latest session began: a new session has
  started since, yet the source still answers with the old data (yesterday's data as today's).
  It can only fire on the first refresh of a session; the status page shows it as a note.
- `disagrees` (from `cross_check`): a quote differs from another source's by more than the
  tolerance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

import pandas as pd

from config.schema import Dataset, Range
from engine import freshness
from providers import markets
from providers.models import (
    AnyRecord,
    Bar,
    CurvePoint,
    Finding,
    Quote,
    Snapshot,
    data_time,
    instrument_id,
    record_time,
)

# Finding lives in providers.models with the snapshot that carries it; re-exported from here.
__all__ = [
    "Finding",
    "Key",
    "cross_check",
    "instrument_key",
    "missing_sessions",
    "move_pct",
    "newest_times",
    "shown_times",
    "validate",
]

FUTURE_SLACK = timedelta(minutes=5)  # clocks differ a little; more than this is a bad time
MAX_DETAIL = 200
# Bars this far apart (median) are daily: 12 h covers a short session, 5 days stops short of
# weekly bars (7 days), which would otherwise look like four missing sessions a week.
DAILY_MIN = timedelta(hours=12)
DAILY_MAX = timedelta(days=5)
_WEEK = pd.Timedelta(days=7)
RATE_FLOOR_PP = 1.0  # a % rate's move is relative to at least 1 percentage point


def _finding(tier: str, rule: str, symbol: str | None, detail: str) -> Finding:
    if len(detail) > MAX_DETAIL:
        detail = detail[: MAX_DETAIL - 1] + "…"
    return Finding(tier=tier, rule=rule, symbol=symbol, detail=detail, rejected=tier == "core")


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _number(value: float) -> str:
    """A value as a finding names it: six significant digits, thousands separated (5,085.06)."""
    return f"{value:,.6g}"


Key = tuple[str, str]  # (record kind, symbol or tenor): one instrument of a dataset
_TIMED = ("quote", "curve", "bar")  # the kinds whose values can go back in time


def instrument_key(record: AnyRecord) -> Key | None:
    """Which instrument a quote, curve point or bar is of; None for headlines and events."""
    label = instrument_id(record)
    return (record.kind, label) if record.kind in _TIMED and label is not None else None


def newest_times(records: Iterable[AnyRecord]) -> dict[Key, datetime]:
    """The newest time per instrument: a quote's as_of, a tenor's newest point, the last bar."""
    newest: dict[Key, datetime] = {}
    for record in records:
        key, when = instrument_key(record), record_time(record)
        if key is not None and when is not None and (key not in newest or when > newest[key]):
            newest[key] = when
    return newest


def shown_times(snapshot: Snapshot | None) -> dict[Key, datetime]:
    """The newest time of each instrument a snapshot shows (nothing for no snapshot)."""
    return newest_times(snapshot.records) if snapshot is not None else {}


def move_pct(new: float, old: float, *, unit: str | None = None) -> float:
    """% change from `old` to `new`; for a rate in % relative to max(|old|, 1 pp) (see module)."""
    base = max(abs(old), RATE_FLOOR_PP) if unit == "%" else abs(old)
    return (new - old) / base * 100


# --- core ------------------------------------------------------------------------------------


def _drop_future(records: list[AnyRecord], now: datetime) -> tuple[list[AnyRecord], list[Finding]]:
    limit = now + FUTURE_SLACK
    kept: list[AnyRecord] = []
    late: dict[str | None, list[datetime]] = defaultdict(list)
    for record in records:
        when = record_time(record)
        if when is not None and when > limit:
            late[instrument_id(record)].append(when)
        else:
            kept.append(record)
    findings = [
        _finding(
            "core",
            "future_time",
            label,
            f"{len(times)} record(s) timed after now + 5 min (latest {_stamp(max(times))}, "
            f"now {_stamp(now)})",
        )
        for label, times in late.items()
    ]
    return kept, findings


def _drop_disordered_bars(records: list[AnyRecord]) -> tuple[list[AnyRecord], list[Finding]]:
    seen: dict[str, set[datetime]] = defaultdict(set)
    latest: dict[str, datetime] = {}
    bad: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    kept: list[AnyRecord] = []
    for record in records:
        if not isinstance(record, Bar):
            kept.append(record)
            continue
        symbol, when = record.symbol, record.time
        if when in seen[symbol]:
            bad["duplicate_time", symbol].append(when)
        elif symbol in latest and when < latest[symbol]:
            bad["out_of_order", symbol].append(when)
        else:
            seen[symbol].add(when)
            latest[symbol] = when
            kept.append(record)
    what = {
        "duplicate_time": "at a time already seen (the first kept)",
        "out_of_order": "earlier than the bar before (going back in time)",
    }
    findings = [
        _finding(
            "core", rule, symbol, f"{len(times)} bar(s) {what[rule]}, first {_stamp(times[0])}"
        )
        for (rule, symbol), times in bad.items()
    ]
    return kept, findings


def _implausible(record: AnyRecord, plausible: Range) -> str | None:
    """What in a record lies outside `plausible` (for the finding), or None when nothing does."""
    if isinstance(record, Quote):
        unit = "%" if record.unit == "%" else ""
        for what, value in (("", record.price), (" previous close", record.prev_close)):
            if value is not None and not plausible.holds(value):
                return f"{record.name}{what} {_number(value)}{unit} outside {plausible}"
    elif isinstance(record, CurvePoint) and not plausible.holds(record.yield_pct):
        return f"{record.tenor} yield {_number(record.yield_pct)}% outside {plausible}"
    return None


def _drop_implausible(
    records: list[AnyRecord], dataset: Dataset
) -> tuple[list[AnyRecord], list[Finding]]:
    plausible = dataset.validation.plausible
    if plausible is None:
        return records, []
    kept: list[AnyRecord] = []
    findings: list[Finding] = []
    for record in records:
        why = _implausible(record, plausible)
        if why is None:
            kept.append(record)
        else:
            findings.append(_finding("core", "implausible", instrument_id(record), why))
    return kept, findings


def _drop_moves(
    records: list[AnyRecord], dataset: Dataset, previous: Snapshot | None
) -> tuple[list[AnyRecord], list[Finding]]:
    limit = dataset.validation.max_move_pct
    if limit is None or previous is None:
        return records, []
    before = previous.quotes_by_id()
    kept: list[AnyRecord] = []
    findings: list[Finding] = []
    for record in records:
        old = before.get(record.symbol) if isinstance(record, Quote) else None
        pct = None if old is None else move_pct(record.price, old.price, unit=record.unit)
        if pct is None or abs(pct) <= limit:
            kept.append(record)
            continue
        findings.append(
            _finding(
                "core",
                "implausible_move",
                record.symbol,
                f"{record.name} {_number(record.price)} is {pct:+.1f}% from the "
                f"{_number(old.price)} shown before (limit {limit:g}%)",
            )
        )
    return kept, findings


def session_close(when: datetime, market: str) -> datetime:
    """The close of the session a daily bar timed `when` belongs to: the first one closing at
    or after it (as in `missing_sessions`, which places every source's daily time stamp);
    `when` itself for a market without a calendar or a time beyond it."""
    if market in markets.ROUND_THE_CLOCK:
        return when
    try:
        closes = markets.calendar(market).schedule["close"]
    except markets.UnknownMarket:
        return when
    slot = int(closes.searchsorted(pd.Timestamp(when), side="left"))
    return closes.iloc[slot].to_pydatetime() if 0 < slot < len(closes) else when


def _drop_went_back(
    records: list[AnyRecord], since: Mapping[Key, datetime], dataset: Dataset
) -> tuple[list[AnyRecord], list[Finding]]:
    bar_times: dict[str, list[datetime]] = defaultdict(list)
    for record in records:
        if isinstance(record, Bar):
            bar_times[record.symbol].append(record.time)
    where = _market_of(dataset)

    def older(key: Key, when: datetime, before: datetime) -> bool:
        kind, label = key
        if kind == "bar" and _is_daily(bar_times[label]):
            # Sources stamp a day's bar differently (Yahoo at the open, Stooq at the close):
            # daily bars go back when they end in an earlier session, not at an earlier time.
            market = where.get(label, dataset.market)
            return session_close(when, market) < session_close(before, market)
        return when < before

    back = {
        key: (when, since[key])
        for key, when in newest_times(records).items()
        if key in since and older(key, when, since[key])
    }
    kept = [r for r in records if instrument_key(r) not in back]
    what = {"quote": "quote", "curve": "newest point", "bar": "last bar"}
    findings = [
        _finding(
            "core",
            "went_back",
            label,
            f"{label}: {what[kind]} timed {_stamp(when)}, older than the {_stamp(before)} "
            "already shown (went back in time)",
        )
        for (kind, label), (when, before) in back.items()
    ]
    return kept, findings


# --- quality ---------------------------------------------------------------------------------


def _jumps(records: Iterable[AnyRecord], dataset: Dataset, previous: Snapshot) -> list[Finding]:
    before = previous.quotes_by_id()
    limit = dataset.validation.max_jump_pct
    findings = []
    for quote in records:
        if not isinstance(quote, Quote) or quote.symbol not in before:
            continue
        old = before[quote.symbol]
        pct = move_pct(quote.price, old.price, unit=quote.unit)
        if abs(pct) > limit:
            findings.append(
                _finding(
                    "quality",
                    "jump",
                    quote.symbol,
                    f"{quote.name}: {quote.price:g} after {old.price:g} in the previous "
                    f"snapshot ({pct:+.1f}%, limit {limit:g}%)",
                )
            )
    return findings


def _is_daily(times: Sequence[datetime]) -> bool:
    if len(times) < 2:
        return False
    spacing = pd.Series(sorted(times)).diff().median()
    return DAILY_MIN <= spacing < DAILY_MAX


def missing_sessions(times: Sequence[datetime], market: str) -> list[date]:
    """Sessions of `market` from the first to the last bar's session that no bar falls in.

    A bar belongs to the first session that closes at or after its time. That one rule places
    every daily time stamp a source uses: a session's open (Yahoo), its last trade (a bar in
    progress), its close (Stooq), local midnight (Tokyo's 15:00 UTC the day before) and UTC
    midnight of the date (for New York the evening before). Bars outside the calendar's range
    (about 20 years back) are ignored. Raises UnknownMarket for an unknown code.
    """
    cal = markets.calendar(market)
    lo, hi = cal.first_session.tz_localize("UTC"), cal.last_session.tz_localize("UTC")
    stamps = sorted(pd.Timestamp(t) for t in times if lo <= pd.Timestamp(t) <= hi)
    if not stamps:
        return []
    # a week either side holds the sessions the first and the last bar belong to
    start = max(cal.first_session, stamps[0].tz_localize(None).normalize() - _WEEK)
    window = cal.schedule.loc[start : stamps[-1].tz_localize(None).normalize() + _WEEK]
    closes = pd.DatetimeIndex(window["close"])
    slots = closes.searchsorted(pd.DatetimeIndex(stamps), side="left")
    covered = {window.index[i] for i in slots if i < len(window.index)}
    if not covered:
        return []
    span = window.index[(window.index >= min(covered)) & (window.index <= max(covered))]
    return [label.date() for label in span if label not in covered]


def _market_of(dataset: Dataset) -> dict[str, str]:
    """Instrument id and every provider symbol -> the market that instrument trades on."""
    where: dict[str, str] = {}
    for instrument in dataset.instruments:
        market = instrument.market or dataset.market
        for key in (instrument.id, *instrument.symbols.values()):
            where[key] = market
    return where


def _gaps(records: Iterable[AnyRecord], dataset: Dataset) -> list[Finding]:
    times: dict[str, list[datetime]] = defaultdict(list)
    for bar in records:
        if isinstance(bar, Bar):
            times[bar.symbol].append(bar.time)
    where = _market_of(dataset)
    allowed = dataset.validation.max_gap_sessions
    findings = []
    for symbol, stamps in times.items():
        market = where.get(symbol, dataset.market)
        if market in markets.ROUND_THE_CLOCK or not _is_daily(stamps):
            continue
        try:
            missing = missing_sessions(stamps, market)
        except markets.UnknownMarket:
            continue  # the config check reports unknown markets at start
        if len(missing) > allowed:
            findings.append(
                _finding(
                    "quality",
                    "gap",
                    symbol,
                    f"{len(missing)} {market} session(s) missing, first {missing[0]} "
                    f"(allowed {allowed})",
                )
            )
    return findings


def _stale_source(
    records: Iterable[AnyRecord], dataset: Dataset, now: datetime, previous: Snapshot
) -> list[Finding]:
    if previous.as_of is None or previous.fetched_at is None:
        return []
    newest = data_time(records)  # what a snapshot's as_of is made of
    if newest is None or newest != previous.as_of:
        return []
    try:
        session = freshness.latest_session(freshness.dataset_markets(dataset), now)
    except markets.UnknownMarket:
        return []
    if session is None or previous.fetched_at >= session[0]:
        return []  # round the clock, or the previous fetch was already in this session
    return [
        _finding(
            "quality",
            "stale_source",
            None,
            f"newest data still {_stamp(previous.as_of)}, as before the session that began "
            f"{_stamp(session[0])}",
        )
    ]


def validate(
    records: list[AnyRecord],
    *,
    dataset: Dataset,
    now: datetime,
    previous: Snapshot | None,
    since: Mapping[Key, datetime] | None = None,
) -> tuple[list[AnyRecord], list[Finding]]:
    """The records fit to show (input order kept) and every finding, core ones first.

    `since`: per instrument, the time its newest record must not go back from; by default the
    times `previous` shows.
    """
    kept, future = _drop_future(records, now)
    kept, disorder = _drop_disordered_bars(kept)
    kept, implausible = _drop_implausible(kept, dataset)
    findings = [*future, *disorder, *implausible]
    kept, back = _drop_went_back(kept, shown_times(previous) if since is None else since, dataset)
    kept, moves = _drop_moves(kept, dataset, previous)
    findings += [*back, *moves]
    if previous is not None and previous.records:
        findings += _jumps(kept, dataset, previous)
    findings += _gaps(kept, dataset)
    if previous is not None:
        findings += _stale_source(kept, dataset, now, previous)
    return kept, findings


def cross_check(
    primary: list[AnyRecord], secondary: list[AnyRecord], *, tolerance_pct: float, source: str
) -> list[Finding]:
    """`disagrees` findings for quotes whose price differs from `source`'s by > tolerance_pct %.

    Quotes pair by symbol, else by display name: each provider has its own symbol (^GSPC at
    Yahoo, ^spx at Stooq) but every one names a quote by the configured instrument name. A
    name held by two quotes of either side pairs nothing. The difference is relative to the
    other source's price (for a rate in %, as in `move_pct`).
    """
    others = [r for r in secondary if isinstance(r, Quote)]
    by_symbol = {q.symbol: q for q in others}
    names = [q.name for q in others]
    by_name = {q.name: q for q in others if names.count(q.name) == 1}
    own_names = [r.name for r in primary if isinstance(r, Quote)]
    findings = []
    for quote in primary:
        if not isinstance(quote, Quote):
            continue
        other = by_symbol.get(quote.symbol)
        if other is None and own_names.count(quote.name) == 1:
            other = by_name.get(quote.name)
        if other is None:
            continue
        pct = move_pct(quote.price, other.price, unit=quote.unit)
        if abs(pct) > tolerance_pct:
            findings.append(
                _finding(
                    "quality",
                    "disagrees",
                    quote.symbol,
                    f"{quote.name}: {quote.price:g} here, {other.price:g} at {source} "
                    f"({pct:+.2f}%, tolerance {tolerance_pct:g}%)",
                )
            )
    return findings
