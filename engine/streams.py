"""Stream ticks judged, kept and laid over the polled snapshot: pure, no sockets, no threads.

A stream (providers.streams) hands over `Tick`s; this module decides what the wall may show of
them. The connection (providers.streams.connection) is the only I/O; whoever owns the book
serialises calls to it (it holds no lock: one stream hub feeds it and publishes from it).

`TickBook` judges each tick of one dataset as it arrives, in this order, and counts every verdict:
- `unknown`: an instrument the dataset does not hold (a wiring error, never shown);
- `extended`: a pre- or post-market tick (Yahoo's `session`): the board shows the regular
  session's price, as its polls do, so an after-hours print never reads as today's close;
- `future`: timed more than engine.validation's 5 minutes after now (a `future_time` finding).
  Accepting it would make every honest tick after it look out of order;
- `out_of_order`: timed before the instrument's last accepted tick (by exchange time: the
  order ticks arrive in is the network's, not the market's);
- `duplicate`: the same time and price as a tick already accepted (a resend after a
  reconnect, the same update from two channels). Both of these are `dropped`;
- `stale`: timed more than the dataset's `stale_after_s` before now (a replay, a lagging
  stream, Yahoo's last print of a closed market): true, but not live, so never overlaid;
- `quarantined`: a price outside `validation.plausible` (`implausible`) or further than the
  dataset's jump limit from the reference price (`tick_jump`), with a core Finding; never
  shown, and it moves no reference, so a spike cannot drag the next tick's check with it.
  The limit is `validation.max_jump_pct`, or `max_move_pct` where that is tighter (FX): a tick
  may not show what a poll would have been refused for. The reference is the instrument's last
  accepted tick, or the polled price where that is newer (`anchor`): a stream back from an hour
  of silence is checked against where the market is now, not where it was, so a real move
  while it was away never quarantines it for good;
- otherwise `accepted`: the instrument's live value, rolled into its 1-minute bars.

`overlay` lays the accepted ticks over the polled snapshot: the stream moves price, change and
as-of; the REST chain keeps giving previous close, name, units and the sparkline's base. A tick
not newer than the polled value is not laid over it, so the overlay never goes back in time,
whichever of the two is ahead.

1-minute bars use analytics.ohlcv's clock-aligned `Window`s, built from ticks, so their VWAP is
exact (sum of price x volume over the volume) where every tick carries its traded volume, and
unknown otherwise: miniTicker-style ticks carry a 24 h volume, not a traded quantity. `Bar`
records of them roll up into longer windows with `analytics.ohlcv.aggregate`.

`Coalescer` bounds cache writes however fast ticks come; `silent` says when a stream has gone
quiet while its market trades, and only then (a closed market is not a silent stream).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from analytics.ohlcv import ONE_MINUTE, Window, window_start
from config.schema import Dataset, Instrument
from engine import freshness
from engine.validation import FUTURE_SLACK, MAX_DETAIL, Finding, move_pct
from providers import markets
from providers.models import Bar, Quote, Snapshot, Tick, data_time

Verdict = Literal[
    "accepted", "unknown", "extended", "future", "out_of_order", "duplicate", "stale", "quarantined"
]
MAX_MINUTES = 24 * 60  # 1-minute bars kept per instrument: a day of them
MAX_FINDINGS = 50  # the newest findings kept; the counts hold the totals
MAX_SPARK_POINTS = 60  # live points a sparkline may gain between two polls (an hour of minutes)
_EXTENDED = frozenset({"pre", "post"})


def _finding(rule: str, symbol: str, detail: str) -> Finding:
    """A core finding, as engine.validation words them (bounded detail, rejected)."""
    if len(detail) > MAX_DETAIL:
        detail = detail[: MAX_DETAIL - 1] + "…"
    return Finding(tier="core", rule=rule, symbol=symbol, detail=detail, rejected=True)


def _clock(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def _number(value: float) -> str:
    return f"{value:,.6g}"


def jump_limit(dataset: Dataset) -> float:
    """The % a tick may move from its reference: `max_jump_pct`, or `max_move_pct` if tighter."""
    checks = dataset.validation
    return min(checks.max_jump_pct, checks.max_move_pct or checks.max_jump_pct)


@dataclass
class TickCounts:
    """How many ticks got each verdict since the book began (for /api/status and /metrics)."""

    accepted: int = 0
    unknown: int = 0
    extended: int = 0
    future: int = 0
    out_of_order: int = 0
    duplicate: int = 0
    stale: int = 0
    quarantined: int = 0

    @property
    def dropped(self) -> int:
        """Ticks dropped as out of order or duplicated."""
        return self.out_of_order + self.duplicate


@dataclass(frozen=True)
class Live:
    """An instrument's last accepted tick, the stream it came from and when it was received."""

    tick: Tick
    stream: str
    received_at: datetime


@dataclass
class _Minute:
    """One 1-minute bar being rolled from ticks (volume None once a tick lacks one)."""

    start: datetime
    open: float
    high: float
    low: float
    close: float
    last: datetime  # the exchange time of its newest tick
    volume: float | None
    traded: float  # sum of price x volume, for the VWAP
    ticks: int
    first: bool  # the book's first minute of the instrument: its ticks began inside it

    def add(self, tick: Tick) -> None:
        """Roll one more (accepted, in-order) tick into the bar."""
        self.high, self.low = max(self.high, tick.price), min(self.low, tick.price)
        self.close, self.last, self.ticks = tick.price, tick.time, self.ticks + 1
        if self.volume is None or tick.volume is None:
            self.volume = None
        else:
            self.volume += tick.volume
            self.traded += tick.price * tick.volume

    def window(self, symbol: str, now: datetime) -> Window:
        """The bar as analytics.ohlcv's Window; `bars` counts its ticks, `trades` is unknown."""
        end = self.start + ONE_MINUTE
        return Window(
            symbol=symbol,
            start=self.start,
            end=end,
            open=self.open,
            high=self.high,
            low=self.low,
            close=self.close,
            volume=self.volume,
            vwap=self.traded / self.volume if self.volume else None,
            bars=self.ticks,
            trades=None,
            partial=self.first or now < end,
        )


def _minute(tick: Tick, first: bool) -> _Minute:
    known = tick.volume is not None
    return _Minute(
        start=window_start(tick.time, ONE_MINUTE),
        open=tick.price,
        high=tick.price,
        low=tick.price,
        close=tick.price,
        last=tick.time,
        volume=tick.volume if known else None,
        traded=tick.price * tick.volume if known else 0.0,
        ticks=1,
        first=first,
    )


class TickBook:
    """One dataset's ticks: judged as they arrive (see the module), the live value per instrument
    and its 1-minute bars. `anchor` it with each polled snapshot (the jump check's reference)."""

    def __init__(self, dataset: Dataset, *, keep_minutes: int = MAX_MINUTES) -> None:
        self.dataset = dataset
        self.counts = TickCounts()
        self.last_tick_at: datetime | None = None  # when the last accepted tick was received
        self._keep_minutes = keep_minutes
        self._instruments = {i.id: i for i in dataset.instruments}
        self._live: dict[str, Live] = {}
        self._at_last: dict[str, set[float]] = {}  # prices accepted at the last accepted time
        self._polled: dict[str, Quote] = {}
        self._minutes: dict[str, deque[_Minute]] = {}
        self._findings: deque[Finding] = deque(maxlen=MAX_FINDINGS)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The newest quarantine and future-time findings, oldest first."""
        return tuple(self._findings)

    def anchor(self, polled: Snapshot) -> None:
        """Check ticks against this polled snapshot's prices where they are newer than the last
        accepted tick (see the module). Call it with every snapshot the refresher publishes."""
        self._polled = polled.quotes_by_id()

    def latest(self, instrument: str) -> Live | None:
        """The instrument's last accepted tick, or None before its first."""
        return self._live.get(instrument)

    def offer(self, ticks: Iterable[Tick], stream: str, now: datetime) -> list[Verdict]:
        """Judge each tick in turn (see `accept`); their verdicts in the same order."""
        return [self.accept(tick, stream, now) for tick in ticks]

    def accept(self, tick: Tick, stream: str, now: datetime) -> Verdict:
        """Judge one tick from `stream` received at `now` (see the module) and count it; only an
        `accepted` one changes the live value and the bars."""
        verdict = self._judge(tick, now)
        setattr(self.counts, verdict, getattr(self.counts, verdict) + 1)
        if verdict == "accepted":
            self._take(tick, stream, now)
        return verdict

    def _judge(self, tick: Tick, now: datetime) -> Verdict:
        instrument = self._instruments.get(tick.symbol)
        if instrument is None:
            return "unknown"
        if tick.session in _EXTENDED:
            return "extended"
        if tick.time > now + FUTURE_SLACK:
            self._findings.append(
                _finding(
                    "future_time",
                    tick.symbol,
                    f"{instrument.name}: tick timed {_clock(tick.time)}, after now + 5 min "
                    f"(now {_clock(now)})",
                )
            )
            return "future"
        last = self._live.get(tick.symbol)
        if last is not None and tick.time < last.tick.time:
            return "out_of_order"
        seen = self._at_last.get(tick.symbol, ())
        if last is not None and tick.time == last.tick.time and tick.price in seen:
            return "duplicate"
        if now - tick.time > timedelta(seconds=self.dataset.stale_after_s):
            return "stale"
        why = self._refused(tick, instrument)
        if why is not None:
            self._findings.append(_finding(why[0], tick.symbol, why[1]))
            return "quarantined"
        return "accepted"

    def _refused(self, tick: Tick, instrument: Instrument) -> tuple[str, str] | None:
        """(rule, detail) when the tick's price may not be shown, else None."""
        plausible = self.dataset.validation.plausible
        if plausible is not None and not plausible.holds(tick.price):
            return "implausible", (
                f"{instrument.name}: tick {_number(tick.price)} outside {plausible}: quarantined"
            )
        reference = self._reference(tick.symbol)
        if reference is None:
            return None  # a first value has nothing to jump from (as in engine.validation)
        price, what = reference
        pct = move_pct(tick.price, price, unit=instrument.unit)
        limit = jump_limit(self.dataset)
        if abs(pct) <= limit:
            return None
        return "tick_jump", (
            f"{instrument.name}: tick {_number(tick.price)} at {_clock(tick.time)} is "
            f"{pct:+.1f}% from {what} {_number(price)} (limit {limit:g}%): quarantined"
        )

    def _reference(self, instrument: str) -> tuple[float, str] | None:
        """The price a tick's jump is measured from, and what it is (see the module)."""
        live, polled = self._live.get(instrument), self._polled.get(instrument)
        if live is not None and (polled is None or live.tick.time >= polled.as_of):
            return live.tick.price, "the last accepted tick"
        if polled is not None:
            return polled.price, "the polled price"
        return None

    def _take(self, tick: Tick, stream: str, now: datetime) -> None:
        last = self._live.get(tick.symbol)
        if last is None or tick.time > last.tick.time:
            self._at_last[tick.symbol] = set()
        self._at_last[tick.symbol].add(tick.price)
        self._live[tick.symbol] = Live(tick, stream, now)
        self.last_tick_at = now
        minutes = self._minutes.get(tick.symbol)
        if minutes is None:
            minutes = self._minutes[tick.symbol] = deque(maxlen=self._keep_minutes)
        if minutes and minutes[-1].start == window_start(tick.time, ONE_MINUTE):
            minutes[-1].add(tick)
        else:
            minutes.append(_minute(tick, first=not minutes))

    def minutes(self, instrument: str, now: datetime) -> list[Window]:
        """The instrument's 1-minute bars from accepted ticks, oldest first; `partial` when the
        minute is still running at `now` or the book's ticks began inside it."""
        return [m.window(instrument, now) for m in self._minutes.get(instrument, ())]

    def minute_bars(self, instrument: str) -> list[Bar]:
        """The 1-minute bars as `Bar` records (timed at their start): what
        `analytics.ohlcv.aggregate(bars, window, interval=ONE_MINUTE)` rolls into longer ones."""
        return [
            Bar(
                symbol=instrument,
                time=m.start,
                open=m.open,
                high=m.high,
                low=m.low,
                close=m.close,
                volume=m.volume,
            )
            for m in self._minutes.get(instrument, ())
        ]

    def closes_after(self, instrument: str, when: datetime) -> list[float]:
        """The closes of the minutes holding ticks newer than `when`: what the poll at `when`
        has not seen yet, the last one the live price."""
        return [m.close for m in self._minutes.get(instrument, ()) if m.last > when]


def _moved(quote: Quote, live: Live, closes: Sequence[float]) -> Quote:
    """The polled quote at the tick's price and time: change from the polled previous close (the
    tick's own % change without one), sparkline extended, the day's range widened to the tick."""
    tick = live.tick
    fields = quote.model_dump(exclude={"kind", "price", "prev_close", "change", "change_pct"})
    fields.update(
        as_of=tick.time,
        kept=False,
        sparkline=(*quote.sparkline, *closes[-MAX_SPARK_POINTS:]),
    )
    if quote.day_low is not None and quote.day_high is not None:
        fields.update(
            day_low=min(quote.day_low, tick.price), day_high=max(quote.day_high, tick.price)
        )
    moved = Quote.from_prices(price=tick.price, prev_close=quote.prev_close, **fields)
    if quote.prev_close is None and tick.change_pct is not None:
        moved = moved.model_copy(update={"change_pct": tick.change_pct})
    return moved


def overlay(snapshot: Snapshot, book: TickBook, now: datetime) -> Snapshot:
    """The polled snapshot with each instrument's last accepted tick laid over its quote where
    the tick is newer (see the module); `origins` names the stream of each value moved.

    `stream` names the streams whose laid-over ticks are live as of `now` (within the dataset's
    `stale_after_s`), None when none is: a "Streaming" badge is never shown over ticks that
    have aged. An old tick still stands where it is newer than the poll; freshness judges it
    by its time. Instruments without a polled quote are not invented from ticks alone: without
    a reference price, nothing vouches for the tick.
    """
    records = []
    origins = dict(snapshot.origins)
    moved: list[str] = []  # the stream of each quote moved
    live_streams: list[str] = []
    limit = timedelta(seconds=book.dataset.stale_after_s)
    for record in snapshot.records:
        live = book.latest(record.symbol) if isinstance(record, Quote) else None
        if live is None or live.tick.time <= record.as_of:
            records.append(record)
            continue
        records.append(_moved(record, live, book.closes_after(record.symbol, record.as_of)))
        origins[record.symbol] = live.stream
        moved.append(live.stream)
        if now - live.tick.time <= limit:
            live_streams.append(live.stream)
    if not moved:
        return snapshot
    return snapshot.model_copy(
        update={
            "records": tuple(records),
            "origins": origins,
            "as_of": data_time(records),
            "stream": "+".join(dict.fromkeys(live_streams)) or None,
        }
    )


class Coalescer:
    """Bounds publishes: a dataset offered ticks is due at most once every `publish_ms`, however
    many ticks arrive (500 ticks/s is 4 writes/s at 250 ms, not 500).

    The first offer after a quiet spell is due at once (no added latency); offers within
    `publish_ms` of the last publish wait for its end, and are then published together.
    """

    def __init__(self, publish_ms: float) -> None:
        if publish_ms <= 0:
            raise ValueError("publish_ms must be above zero")
        self.every = timedelta(milliseconds=publish_ms)
        # dataset -> when it was first offered since its last publish (tick-to-cache latency)
        self.pending: dict[str, datetime] = {}
        self._published: dict[str, datetime] = {}

    def offer(self, dataset: str, now: datetime) -> None:
        """Note that `dataset` has news (a tick accepted) as of `now`."""
        self.pending.setdefault(dataset, now)

    def _ready(self, dataset: str, now: datetime) -> bool:
        last = self._published.get(dataset)
        # a clock stepped back (NTP) must not hold a dataset back for the size of the step
        return last is None or not last <= now < last + self.every

    def due(self, now: datetime) -> list[str]:
        """The datasets to publish now, in the order first offered; each counts as published."""
        ready = [name for name in self.pending if self._ready(name, now)]
        for name in ready:
            del self.pending[name]
            self._published[name] = now
        return ready

    def wait_s(self, now: datetime) -> float | None:
        """Seconds until the next pending dataset is due (0: now), None when none is pending."""
        waits = [
            0.0
            if self._ready(name, now)
            else (self._published[name] + self.every - now).total_seconds()
            for name in self.pending
        ]
        return min(waits, default=None)


def silent(
    last_tick_at: datetime | None, now: datetime, silent_s: float, market_open: bool
) -> bool:
    """Whether a stream has gone quiet: no tick for `silent_s` while its market is open.

    A closed market is never silent: no ticks is what it should send. No tick at all (None) is
    silent while the market is open: pass the time it subscribed instead until its first tick,
    to give a new stream its `silent_s`.
    """
    if not market_open:
        return False
    return last_tick_at is None or (now - last_tick_at).total_seconds() >= silent_s


def dataset_open(dataset: Dataset, now: datetime) -> bool:
    """Whether any market the dataset's instruments trade on is open at `now` (the market
    `silent` asks about: a world board's indices stream while any of them trades)."""
    return any(markets.is_open(code, now) for code in freshness.dataset_markets(dataset))
