"""The leader's streams: one connection per source for the whole fleet, laid over the polls.

Only the refresher that leads runs a hub (engine.refresher starts it on taking the lead and stops
it on losing it), so a fleet holds one connection per source however many screens, workers and
hosts it serves. Each source gets one feed for every instrument of every dataset that streams
from it (providers.streams.connection for the WebSockets, providers.streams.demo_feed for the
demo edition, providers.wind.stream for Wind's push).

What a tick does:
- the feed hands it over on its own thread (`_ticks`); the dataset's book (engine.streams)
  judges it, but only from the dataset's *active* stream: the first of its `streams` that has
  not gone silent. A backup exchange connected beside the primary feeds nothing until the
  primary fails, so two exchanges' prints never interleave on one tile;
- an accepted tick marks its dataset due; the publisher thread writes the dataset at most every
  `stream.publish_ms` (engine.streams.Coalescer): a flood never floods the cache;
- a publish lays the book over the dataset's latest *polled* snapshot (its base): the poll
  keeps giving previous close, names and history, the stream moves price, change and time.

The refresher hands each poll to `lay_over` before writing it, so a poll never paints an older
price over a streamed one, not even for a moment. The values a stream moved are marked
"<name> stream" in `origins` (`origin_of`): not a source of the chain, so they never hold the
next poll back (engine.refresher's going-back rule).

Silence: a dataset whose active stream has sent it nothing for `stream.silent_s` while its
market is open is polled as if it did not stream, and says so ("stream silent — polling") until
a tick comes again. A closed market is not a silent stream.

Operators: `status()` (what /api/status, the status scene and /metrics show: each stream's
counters and the tick-to-cache histogram) is written to the cache every half second, with the
leader's identity, so any worker can show it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from config.schema import Settings
from engine.metrics import BUCKETS
from engine.store import SnapshotStore
from engine.streams import Coalescer, TickBook, dataset_open, overlay, silent
from providers.models import Snapshot, Tick

log = logging.getLogger(__name__)

SILENT_NOTE = "stream silent — polling"
STATUS_EVERY_S = 0.5  # the stream status is written this often, and silence checked
_RATE_WINDOW_S = 10.0  # messages/s is averaged over about this long


def origin_of(stream: str) -> str:
    """How a streamed value names its source ("binance stream"): never a name of the chain, as
    the exchange's REST provider is also "binance", so it never holds a poll back and a tile
    says which of the two its price came from."""
    return f"{stream} stream"


class Feed(Protocol):
    """A running stream: providers.streams.connection.StreamConnection's surface."""

    def start(self) -> None: ...
    def stop(self, timeout: float = 5.0) -> None: ...
    @property
    def stats(self) -> Any: ...


OnTicks = Callable[[list[Tick], datetime], None]
# (source name, {vendor symbol: instrument id}, the datasets it feeds, on_ticks) -> a feed
FeedMaker = Callable[[str, Mapping[str, str], Sequence[str], OnTicks], Feed]


def make_feed(
    settings: Settings, clock: Callable[[], datetime], providers: Mapping[str, Any]
) -> FeedMaker:
    """The real feeds: a WebSocket per exchange and Yahoo, the demo ticker, Wind's push (on the
    Wind provider's own session and lock: WindPy is one session per process)."""

    def build(name: str, ids: Mapping[str, str], datasets: Sequence[str], on: OnTicks) -> Feed:
        if name == "demo":
            from providers.streams.demo_feed import DemoFeed

            return DemoFeed([settings.datasets[d] for d in datasets], on, clock=clock)
        if name == "wind":
            from providers.wind.stream import WindStream

            markets = {
                i.id: i.market or settings.datasets[d].market
                for d in datasets
                for i in settings.datasets[d].instruments
            }
            wind = providers.get("wind")
            if wind is None:
                raise ValueError("the wind stream needs the wind provider")
            return WindStream(
                wind, ids, on, quote_tz=settings.wind_quote_tz(), markets=markets, clock=clock
            )
        from providers.streams.base import build_source, stream_url
        from providers.streams.connection import StreamConnection

        source = build_source(name)
        return StreamConnection(source, stream_url(settings, source), ids, on, clock=clock)

    return build


@dataclass
class Latency:
    """Tick-to-cache seconds of one dataset as a Prometheus histogram holds them (cumulative
    counts per bucket of engine.metrics.BUCKETS): kept by the hub and written with its status,
    so /metrics shows them from every worker, not only from the process that leads."""

    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    count: int = 0
    sum: float = 0.0

    def observe(self, seconds: float) -> None:
        self.count += 1
        self.sum += seconds
        for index, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.buckets[index] += 1


@dataclass
class _Source:
    """One stream source of the hub: its feed, whom it feeds, and what its ticks got."""

    name: str
    datasets: list[str]
    feed: Feed | None = None
    verdicts: dict[str, int] = field(default_factory=dict)
    rate: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, messages) samples


class StreamHub:
    """Runs the streams of one board while its refresher leads (see the module)."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        store: SnapshotStore,
        *,
        clock: Callable[[], datetime],
        identity: Callable[[], str],
        providers: Callable[[], Mapping[str, Any]] = dict,
        feeds: FeedMaker | None = None,
        pace: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`clock` is the board's (what ticks are judged against); `pace` the real time that
        paces publishing and measures tick-to-cache, even under a test's frozen clock."""
        self._settings = settings
        self.store = store
        self.clock = clock
        self._identity = identity
        self._feeds = feeds
        self._providers = providers
        self._pace = pace
        self._lock = threading.RLock()
        self._books: dict[str, TickBook] = {}
        self._ids: dict[str, frozenset[str]] = {}  # dataset -> its instrument ids
        self._bases: dict[str, Snapshot] = {}
        self._sources: dict[str, _Source] = {}
        self._heard: dict[tuple[str, str], datetime] = {}  # (dataset, source) -> last tick in
        self._silent: dict[str, bool] = {}
        self._publishes: dict[str, int] = {}  # dataset -> cache writes by the hub
        self._latency: dict[str, Latency] = {}  # dataset -> tick-to-cache seconds
        self._coalescer = Coalescer(settings().stream.publish_ms)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifetime -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None

    def streaming_datasets(self) -> dict[str, list[str]]:
        """Each dataset that streams in this edition, with its streams in order."""
        settings = self._settings()
        return {name: s for name in settings.datasets if (s := settings.streams(name))}

    def start(self) -> None:
        """Open one feed per source and start publishing (on taking the lead). Idempotent."""
        if self._thread is not None:
            return
        settings = self._settings()
        plan = self.streaming_datasets()
        if not plan:
            return
        self._stop.clear()
        self._coalescer = Coalescer(settings.stream.publish_ms)
        now = self.clock()
        with self._lock:
            # A lead taken again starts afresh: polls and silences from before are not current.
            self._bases, self._silent = {}, {}
            self._books = {name: TickBook(settings.datasets[name]) for name in plan}
            self._ids = {
                name: frozenset(i.id for i in settings.datasets[name].instruments) for name in plan
            }
            self._sources = {}
            for dataset, names in plan.items():
                for name in names:
                    self._sources.setdefault(name, _Source(name, [])).datasets.append(dataset)
                    self._heard[(dataset, name)] = now  # a new stream gets its silent_s
        for source in self._sources.values():
            ids = self._vendor_ids(settings, source)
            maker = self._feeds or make_feed(settings, self.clock, self._providers())
            try:
                source.feed = maker(source.name, ids, source.datasets, self._on_ticks(source.name))
                source.feed.start()
            except Exception as exc:  # a source that cannot start leaves the others streaming
                log.error("stream %s could not start: %s", source.name, exc)
                source.feed = None
        self._thread = threading.Thread(target=self._publisher, name="stream-hub", daemon=True)
        self._thread.start()
        log.info("streams started: %s", ", ".join(self._sources))

    def stop(self) -> None:
        """Close every feed and stop publishing (on losing the lead, or at exit)."""
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)
        self._thread = None
        for source in self._sources.values():
            if source.feed is not None:
                try:
                    source.feed.stop()
                except Exception:
                    log.exception("stream %s did not stop cleanly", source.name)
        self._write_status()
        log.info("streams stopped")

    @staticmethod
    def _vendor_ids(settings: Settings, source: _Source) -> dict[str, str]:
        """{vendor symbol: instrument id} over every dataset the source feeds (demo: the ids)."""
        ids: dict[str, str] = {}
        for dataset in source.datasets:
            for instrument in settings.datasets[dataset].instruments:
                symbol = (
                    instrument.id if source.name == "demo" else instrument.symbols.get(source.name)
                )
                if symbol is not None:
                    ids.setdefault(symbol, instrument.id)
        return ids

    # -- ticks in (feed threads) --------------------------------------------------------------

    def _on_ticks(self, name: str) -> OnTicks:
        def on_ticks(ticks: list[Tick], received_at: datetime) -> None:
            self.offer(name, ticks, received_at)

        return on_ticks

    def offer(self, name: str, ticks: Sequence[Tick], received_at: datetime) -> None:
        """Ticks from source `name`: judged by each dataset it actively feeds (see the module)."""
        now = self.clock()
        due = False
        with self._lock:
            source = self._sources.get(name)
            if source is None:
                return
            for dataset in source.datasets:
                book = self._books[dataset]
                mine = [t for t in ticks if t.symbol in self._ids[dataset]]
                if not mine:
                    continue
                self._heard[(dataset, name)] = received_at
                if self._active(dataset, now) != name:
                    continue
                verdicts = book.offer(mine, origin_of(name), now)
                for verdict in verdicts:
                    source.verdicts[verdict] = source.verdicts.get(verdict, 0) + 1
                if "accepted" in verdicts:
                    self._coalescer.offer(dataset, self._pace())
                    due = True
        if due:
            self._wake.set()

    def _active(self, dataset: str, now: datetime) -> str | None:
        """The dataset's first stream that is running and not silent; None: it polls."""
        settings = self._settings()
        market_open = dataset_open(settings.datasets[dataset], now)
        for name in settings.streams(dataset):
            source = self._sources.get(name)
            if source is None or source.feed is None:
                continue
            if source.feed.stats.state in ("connecting", "backoff", "stopped"):
                continue
            heard = self._heard.get((dataset, name))
            if not silent(heard, now, settings.stream.silent_s, market_open):
                return name
        return None

    # -- snapshots out -------------------------------------------------------------------------

    def lay_over(self, dataset: str, polled: Snapshot) -> Snapshot:
        """A poll as it should be published: the book laid over it (the refresher calls this
        before every write, so a poll never paints over newer streamed prices)."""
        with self._lock:
            book = self._books.get(dataset)
            if book is None or self._thread is None:
                return polled
            self._bases[dataset] = polled
            book.anchor(polled)
            return self._laid(dataset, polled, self.clock())

    def _laid(self, dataset: str, base: Snapshot, now: datetime) -> Snapshot:
        """`base` with the book over it, and what the badge should say of the stream."""
        if self._active(dataset, now) is None:
            market_open = dataset_open(self._settings().datasets[dataset], now)
            note = SILENT_NOTE if market_open else None
            return base.model_copy(update={"stream": None, "stream_note": note})
        laid = overlay(base, self._books[dataset], now)
        return laid.model_copy(update={"stream_note": None})

    def publish(self, dataset: str) -> Snapshot | None:
        """Write the dataset's live snapshot to the cache now."""
        now = self.clock()
        with self._lock:
            if dataset not in self._books:
                return None
            base = self._bases.get(dataset)
            if base is None:  # nothing polled yet by this leader: what the cache holds
                base = self.store.read(dataset)
                if not base.records:
                    return None
                self._bases[dataset] = base
                self._books[dataset].anchor(base)
            laid = self._laid(dataset, base, now)
        self.store.write(laid, persist=False)
        with self._lock:
            self._publishes[dataset] = self._publishes.get(dataset, 0) + 1
        return laid

    def _publisher(self) -> None:
        next_status = 0.0
        while not self._stop.is_set():
            now = self._pace()
            with self._lock:
                pending = dict(self._coalescer.pending)
                due = self._coalescer.due(now)
                wait = self._coalescer.wait_s(now)
            for dataset in due:
                try:
                    self.publish(dataset)
                except Exception:  # a cache hiccup: the next tick publishes again
                    log.exception("publishing %s failed", dataset)
                    continue
                waited = max(0.0, (self._pace() - pending[dataset]).total_seconds())
                with self._lock:
                    self._latency.setdefault(dataset, Latency()).observe(waited)
            if time.monotonic() >= next_status:
                next_status = time.monotonic() + STATUS_EVERY_S
                self._check_silence(self.clock())
                self._write_status()
            timeout = STATUS_EVERY_S if wait is None else min(wait, STATUS_EVERY_S)
            self._wake.wait(max(0.005, timeout))
            self._wake.clear()

    def _check_silence(self, now: datetime) -> None:
        """Publish a dataset whose stream went silent, or came back, so its badge says so."""
        for dataset in list(self._books):
            with self._lock:
                quiet = self._active(dataset, now) is None
                changed = self._silent.get(dataset) != quiet
                self._silent[dataset] = quiet
            if changed:
                try:
                    self.publish(dataset)
                except Exception:
                    log.exception("publishing %s failed", dataset)

    # -- operators -----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Per stream: state, since, messages/s, last tick age, reconnects, garbage, dropped and
        quarantined ticks; per dataset: the stream feeding it or why none does."""
        now = self.clock()
        streams: dict[str, Any] = {}
        with self._lock:
            for name, source in self._sources.items():
                stats = source.feed.stats if source.feed is not None else None
                streams[name] = self._stream_row(source, stats, now)
            datasets = {}
            for dataset in self._books:
                active = self._active(dataset, now)
                market_open = dataset_open(self._settings().datasets[dataset], now)
                state = "closed" if not market_open else ("streaming" if active else "silent")
                datasets[dataset] = {
                    "stream": active,
                    "state": state,
                    "publishes": self._publishes.get(dataset, 0),
                }
            latency = {name: vars(kept).copy() for name, kept in self._latency.items()}
        return {
            "leader": self._identity(),
            "at": now,
            "running": self._thread is not None,
            "streams": streams,
            "datasets": datasets,
            "tick_to_cache": latency,
        }

    def _stream_row(self, source: _Source, stats: Any, now: datetime) -> dict[str, Any]:
        verdicts = source.verdicts
        row: dict[str, Any] = {
            "datasets": list(source.datasets),
            "accepted": verdicts.get("accepted", 0),
            "dropped": verdicts.get("out_of_order", 0) + verdicts.get("duplicate", 0),
            "quarantined": verdicts.get("quarantined", 0),
            "stale": verdicts.get("stale", 0) + verdicts.get("future", 0),
        }
        if stats is None:
            return {**row, "state": "failed", "since": None, "messages_per_s": 0.0}
        last_tick = stats.last_tick_at
        row.update(
            state=stats.state,
            since=stats.since,
            messages=stats.messages,
            messages_per_s=self._rate(source, stats.messages),
            last_tick_age_s=None if last_tick is None else (now - last_tick).total_seconds(),
            reconnects=stats.reconnects,
            garbage=stats.garbage,
            last_error=stats.last_error,
        )
        return row

    @staticmethod
    def _rate(source: _Source, messages: int) -> float:
        """Messages a second over the last ~10 s of samples (one sample per status write)."""
        now = time.monotonic()
        source.rate.append((now, messages))
        while len(source.rate) > 2 and now - source.rate[1][0] >= _RATE_WINDOW_S:
            source.rate.pop(0)
        (t0, m0), (t1, m1) = source.rate[0], source.rate[-1]
        return round((m1 - m0) / (t1 - t0), 2) if t1 > t0 else 0.0

    def _write_status(self) -> None:
        try:
            self.store.write_streams(self.status())
        except Exception as exc:  # the cache is away: the next second tries again
            log.info("stream status not written: %s", exc.__class__.__name__)
