"""The demo edition's stream as a feed: a thread that hands over the demo ticks as they fall due.

It has the surface of a StreamConnection (start, stop, stats, `on_ticks(ticks, received_at)`),
so the stream hub runs the demo edition exactly as it runs the exchanges: the same book, the
same coalescing, the same badge. The ticks themselves are providers.streams.demo's, a pure
function of (instrument, time), so every restart and every leader ticks alike.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from config.schema import Dataset
from providers.models import Tick
from providers.streams.connection import StreamStats
from providers.streams.demo import TICK_MS, ticks_between

log = logging.getLogger(__name__)


class DemoFeed:
    """Synthetic ticks for `datasets`, every TICK_MS, until stop()."""

    def __init__(
        self,
        datasets: Sequence[Dataset],
        on_ticks: Callable[[list[Tick], datetime], None],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._datasets = list(datasets)
        self._on_ticks = on_ticks
        self._clock = clock
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stats = StreamStats(state="subscribed", since=clock())
        self._thread: threading.Thread | None = None

    @property
    def stats(self) -> StreamStats:
        """A consistent copy of the counters and state."""
        with self._lock:
            return replace(self._stats)

    def start(self) -> None:
        """Tick in a daemon thread of its own."""
        if self._thread is not None:
            raise RuntimeError("a DemoFeed starts once")
        self._thread = threading.Thread(target=self._run, name="stream-demo", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread; returns once it has."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            self._stats.state, self._stats.since = "stopped", self._clock()

    def _run(self) -> None:
        last = self._clock()
        while not self._stop.wait(TICK_MS / 1000):
            now = self._clock()
            ticks = [t for dataset in self._datasets for t in ticks_between(dataset, last, now)]
            last = now
            if not ticks:
                continue  # every market closed: a closed market does not tick
            with self._lock:
                self._stats.messages += 1
                self._stats.last_message_at = now
                self._stats.ticked(len(ticks), now)
            try:
                self._on_ticks(ticks, now)
            except Exception:  # the hub's bug must not end the demo's ticking
                log.exception("demo stream: on_ticks failed")
