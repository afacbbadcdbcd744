"""One stream connection: the only stream I/O. A source (providers.streams.base) says where to
connect, what to send and how to read a frame; this module keeps the socket open.

A StreamConnection runs in its own daemon thread with its own asyncio loop, so a slow cache
write or a busy refresher never delays a frame, and stop() can end it from any thread.
- **Reconnects** after any failure with jittered exponential backoff (`backoff_delay`), and
  resubscribes: the subscription is sent afresh on every connection. A session that ticked, or
  stayed open longer than the longest backoff, was healthy: the next failure starts the backoff
  from the first step again, while a server that accepts and hangs up at once is backed off.
  The wait after a server's return is at most the step under way, so the cap bounds it: the
  default 4 s keeps a board ticking within 5 s of any return, at most ~75 attempts in 5
  minutes during an outage (Binance allows 300 connection attempts in 5 minutes).
- **Rotates** the connection after `max_lifetime_s` (23.5 h), before Binance's 24 h forced
  disconnect, and reconnects at once.
- **Keeps alive**: websockets answers server pings itself and pings the server every 20 s, so
  a dead TCP connection is found within 40 s; a source with `keepalive_s` also gets its own
  text frame (OKX "ping", Yahoo's repeated subscribe) sent that often. Replies ("pong") are
  the source's to read: its parse returns [] for them.
- **Never dies of its input**: a frame the source refuses (BadFrame, or any other exception from
  parse) is counted as garbage and skipped; an error event (StreamRefused) is logged and kept as
  `last_error`, and the other symbols keep streaming; an exception from `on_ticks` is logged.

Yahoo goes through websockets too, not yfinance's `AsyncWebSocket`: its `listen()` (1.7) spins
without yielding once the server closes the connection normally (so the loop, and stop(),
hang), never reconnects after an abnormal close (it retries the dead socket every 3 s), and
sleeps 3 s on every frame that is not JSON. The frames are yfinance's all the same: the Yahoo
source decodes them with yfinance's `PricingData` and re-subscribes every 15 s as it does.

`on_ticks(ticks, received_at)` runs on the stream's thread: it must be quick (hand the ticks
over, as engine.streams' book does) and must lock what it shares.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from providers.models import Tick
from providers.streams.base import BadFrame, StreamRefused, StreamSource

log = logging.getLogger(__name__)

STATES = ("connecting", "subscribed", "ticking", "backoff", "stopped")
OPEN_TIMEOUT_S = 10.0  # the TCP, TLS and WebSocket handshakes together
CLOSE_TIMEOUT_S = 1.0  # a close handshake not answered by then is cut: stop() stays prompt
PING_INTERVAL_S = PING_TIMEOUT_S = 20.0  # websockets' own pings (Binance pings us as well)
SEND_GAP_S = 0.2  # between subscribe frames: Binance takes at most 5 client messages a second
MAX_FRAME_BYTES = 1 << 20
_ERROR_CHARS = 200


@dataclass
class StreamStats:
    """What a connection is doing, for /api/status: a copy, taken under the connection's lock.

    `state` is one of STATES, `since` when it entered it; `messages` counts every frame
    received, `ticks` the ticks they carried, `garbage` the frames skipped as unreadable,
    `reconnects` the connections opened after the first; times are from the connection's clock.
    """

    state: str = "connecting"
    since: datetime | None = None
    messages: int = 0
    ticks: int = 0
    garbage: int = 0
    reconnects: int = 0
    last_message_at: datetime | None = None
    last_tick_at: datetime | None = None
    last_error: str | None = None

    def ticked(self, count: int, at: datetime) -> None:
        """`count` ticks received at `at`: counted, and the state is `ticking` from then.
        Called under the owner's lock, like every change to the stats."""
        self.ticks += count
        self.last_tick_at = at
        if self.state != "ticking":
            self.state, self.since = "ticking", at


def backoff_delay(failures: int, first_s: float, max_s: float, rng: random.Random) -> float:
    """How long to wait after `failures` failures in a row (1 for the first): a nominal delay
    doubling from `first_s` up to `max_s`, and a wait drawn from its upper half ("equal
    jitter"), so boards restarted together spread their reconnects yet never hammer."""
    nominal = min(max_s, first_s * 2.0 ** min(max(failures, 1) - 1, 64))
    return nominal * rng.uniform(0.5, 1.0)


class _Closed(Exception):
    """The server ended the connection with a close frame (Binance's 24 h disconnect)."""


class StreamConnection:
    """One WebSocket connection of one source for a set of symbols, kept open until stop()."""

    def __init__(
        self,
        source: StreamSource,
        url: str,
        ids: Mapping[str, str],
        on_ticks: Callable[[list[Tick], datetime], None],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        backoff_first_s: float = 0.5,
        backoff_max_s: float = 4.0,
        rng: random.Random | None = None,
        max_lifetime_s: float = 23.5 * 3600,
    ) -> None:
        """`ids` maps each vendor symbol to stream to its instrument id. The subscription is
        built here, so a symbol the source cannot stream fails now (NotConfigured), not later
        in the thread."""
        self.source = source
        self._ids = dict(ids)
        self._symbols = list(self._ids)
        self._subscription = source.subscription(url, self._symbols)
        self._on_ticks = on_ticks
        self._clock = clock
        self._backoff_first_s = backoff_first_s
        self._backoff_max_s = backoff_max_s
        self._rng = rng or random.Random()
        self._max_lifetime_s = max_lifetime_s
        self._lock = threading.Lock()
        self._stats = StreamStats(since=clock())
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._stop_requested = False
        self._opened = 0  # connections opened, for `reconnects`
        self._ticked = False  # this session delivered a tick
        self._garbage_logged = False  # this session logged its first garbage frame

    @property
    def stats(self) -> StreamStats:
        """A consistent copy of the counters and state."""
        with self._lock:
            return replace(self._stats)

    def start(self) -> None:
        """Connect in a daemon thread of its own, and keep connecting until stop()."""
        if self._thread is not None:
            raise RuntimeError("a StreamConnection starts once")
        self._thread = threading.Thread(
            target=self._run, name=f"stream-{self.source.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Close the socket (a close handshake of at most CLOSE_TIMEOUT_S) and return once the
        thread has ended; logs a warning if it has not within `timeout`."""
        with self._lock:
            self._stop_requested = True
            loop, task = self._loop, self._task
        if loop is not None and task is not None:
            # A closed loop (RuntimeError) means the thread is ending by itself.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s stream did not stop within %.1f s", self.source.name, timeout)

    # -- the thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            task = loop.create_task(self._main())
            with self._lock:
                self._loop, self._task = loop, task
                if self._stop_requested:
                    task.cancel()
            loop.run_until_complete(task)
        except asyncio.CancelledError:
            pass
        except Exception:  # _main handles its failures: this is a bug, not a network event
            log.exception("%s stream ended", self.source.name)
        finally:
            self._set_state("stopped")
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _main(self) -> None:
        """Connect, read until the connection ends, back off, and again, until cancelled."""
        failures = 0
        while True:
            self._set_state("connecting")
            started = time.monotonic()
            self._ticked = self._garbage_logged = False
            try:
                await self._session()
                log.info("%s stream: rotating the connection", self.source.name)
                failures = 0
                continue  # the planned end of its lifetime: reconnect at once
            except Exception as exc:  # refused, cut, timed out, closed: all mean "again, later"
                error = self._describe(exc)
            healthy = self._ticked or time.monotonic() - started > self._backoff_max_s
            failures = 1 if healthy else failures + 1
            delay = backoff_delay(failures, self._backoff_first_s, self._backoff_max_s, self._rng)
            log.warning("%s stream: %s; reconnecting in %.2f s", self.source.name, error, delay)
            self._set_state("backoff", error=error)
            await asyncio.sleep(delay)

    async def _session(self) -> None:
        """One connection: subscribe, keep alive, read. Returns at the end of its lifetime,
        raises on any other end."""
        async with connect(
            self._subscription.url,
            open_timeout=OPEN_TIMEOUT_S,
            close_timeout=CLOSE_TIMEOUT_S,
            ping_interval=PING_INTERVAL_S,
            ping_timeout=PING_TIMEOUT_S,
            max_size=MAX_FRAME_BYTES,
        ) as socket:
            with self._lock:
                self._opened += 1
                self._stats.reconnects = max(self._opened - 1, 0)
            for number, frame in enumerate(self._subscription.frames):
                if number:
                    await asyncio.sleep(SEND_GAP_S)
                await socket.send(frame)
            self._set_state("subscribed")
            keepalive = asyncio.create_task(self._keepalive(socket))
            lifetime = asyncio.timeout(self._max_lifetime_s)
            try:
                async with lifetime:
                    async for frame in socket:
                        self._receive(frame)
            except TimeoutError:
                if lifetime.expired():
                    return  # the lifetime is over; leaving `connect` closes the socket
                raise
            finally:
                keepalive.cancel()
                await asyncio.wait([keepalive])  # ended, so no task outlives its socket
            raise _Closed(f"closed by the server ({socket.close_code} {socket.close_reason})")

    async def _keepalive(self, socket: ClientConnection) -> None:
        """The source's keepalive frame every `keepalive_s`, while the connection lasts."""
        every = self.source.keepalive_s
        if not every:
            return
        try:
            while True:
                await asyncio.sleep(every)
                frame = self.source.keepalive_frame(self._symbols)
                if frame is not None:
                    await socket.send(frame)
        except ConnectionClosed:
            pass  # the reading side sees it too, and reconnects
        except Exception:  # a source's bug: the stream goes on without its keepalive
            log.exception("%s stream: keepalive failed", self.source.name)

    def _receive(self, frame: str | bytes) -> None:
        """Count a frame, turn it into ticks and hand them on; nothing here raises."""
        received = self._clock()
        with self._lock:
            self._stats.messages += 1
            self._stats.last_message_at = received
        try:
            ticks = self.source.parse(frame, self._ids)
        except StreamRefused as exc:
            log.warning("%s stream: %s", self.source.name, exc)
            with self._lock:
                self._stats.last_error = str(exc)[:_ERROR_CHARS]
            return
        except Exception as exc:  # BadFrame, or a parser bug: the frame is skipped either way
            self._count_garbage(exc)
            return
        if not ticks:
            return
        self._ticked = True
        with self._lock:
            self._stats.ticked(len(ticks), received)
        try:
            self._on_ticks(ticks, received)
        except Exception:
            log.exception("%s stream: on_ticks failed", self.source.name)

    def _count_garbage(self, exc: Exception) -> None:
        """Count a skipped frame; log the first of each connection (a flood stays one line)."""
        error = str(exc) if isinstance(exc, BadFrame) else f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._stats.garbage += 1
            self._stats.last_error = error[:_ERROR_CHARS]
        if not isinstance(exc, BadFrame):
            log.error("%s stream: parse failed", self.source.name, exc_info=exc)
        elif not self._garbage_logged:
            log.warning("%s stream: skipped a bad frame: %s", self.source.name, error)
        self._garbage_logged = True

    def _set_state(self, state: str, *, error: str | None = None) -> None:
        with self._lock:
            if self._stats.state != state:
                self._stats.state, self._stats.since = state, self._clock()
            if error is not None:
                self._stats.last_error = error

    def _describe(self, exc: BaseException) -> str:
        """An error as an operator reads it: short, without the URL's query."""
        text = str(exc) if isinstance(exc, _Closed) else f"{type(exc).__name__}: {exc}"
        url = self._subscription.url
        return text.replace(url, url.split("?")[0])[:_ERROR_CHARS]
