"""A fake exchange stream on loopback: one WebSocket server per protocol (Binance combined
streams, OKX public, Yahoo's streamer) that records what clients do and sends ticks on demand.

    stream = FakeStream("binance").start()        # or "okx", "yahoo"; stream.url to connect to
    stream.send("BTCUSDT", 65_000.5)               # one tick to every connection subscribed to it
    stream.wait_for(lambda s: s.subscribed == {"BTCUSDT"})
    stream.drop()  /  stream.refuse(2.0)  /  stream.go_silent()  /  stream.garbage()
    stream.spike("BTCUSDT", 1.5)  /  stream.stale("BTCUSDT", 65_000, age_s=600)
    stream.flood("BTCUSDT", per_s=500, seconds=2).result()   # how many frames were sent
    stream.stop()

Why a real server rather than a patched client: the connection's reconnects, keepalives and
close handshakes are the thing under test, and only a socket shows them. Frames follow the
vendors' documented shapes; Yahoo's carry yfinance's own `PricingData` protobuf, base64 in JSON,
as its streamer sends them. The server runs its own asyncio loop in a daemon thread; every
public method is called from the test's thread and returns once the frames are written.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

PROTOCOLS = ("binance", "okx", "yahoo")
# The path each protocol's URL ends with, as the public endpoints have it.
PATHS = {"binance": "/stream", "okx": "/ws/v5/public", "yahoo": "/?version=2"}
BINANCE_STREAM_TYPES = ("miniTicker", "trade", "aggTrade")
YAHOO_SESSIONS = {"pre": 0, "regular": 1, "post": 2}  # PricingData.market_hours
# Frames no protocol sends: not JSON, cut short, JSON of the wrong shape, a price that is no
# number, binary noise. Each is one frame; `garbage()` sends them all.
GARBAGE = {
    "binance": (
        "not json at all",
        '{"stream": "btcusdt@miniTicker", "data": {"e": "24hrMiniTicker", "c": ',
        "[1, 2, 3]",
        '{"stream": "btcusdt@trade", "data": {"e": "trade", "s": "BTCUSDT", "p": "abc", '
        '"q": "1", "T": 1, "E": 1}}',
        b"\x00\xff\xfe",
    ),
    "okx": (
        "not json at all",
        '{"arg": {"channel": "tickers", "instId": "BTC-USDT"}, "data": [{"instId": ',
        "[1, 2, 3]",
        '{"arg": {"channel": "tickers", "instId": "BTC-USDT"}, '
        '"data": [{"instId": "BTC-USDT", "last": "abc", "ts": "1"}]}',
        b"\x00\xff\xfe",
    ),
    "yahoo": (
        "not json at all",
        '{"type": "pricing", "message": "!!!not base64!!!"}',
        '{"type": "pricing", "message": "' + base64.b64encode(b"\xff\xff\xff").decode() + '"}',
        "[1, 2, 3]",
        b"\x00\xff\xfe",
    ),
}


@dataclass
class FakeConnection:
    """One client connection as the server saw it (times from time.monotonic())."""

    number: int
    path: str  # with its query
    opened: float
    closed: float | None = None
    streams: set[str] = field(default_factory=set)  # Binance stream names, as asked
    symbols: set[str] = field(default_factory=set)  # vendor symbols, upper case for Binance
    frames: list[tuple[float, str | bytes]] = field(default_factory=list)  # what the client sent
    socket: ServerConnection | None = field(default=None, repr=False)


@dataclass
class _Price:
    """The last price sent per symbol: what a spike jumps from and a flood walks on."""

    price: float
    time: datetime


class FakeStream:
    """A WebSocket server on 127.0.0.1 (a free port) speaking one vendor's stream protocol."""

    def __init__(self, protocol: str, *, ping_interval: float | None = 20.0) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}")
        self.protocol = protocol
        self.port = 0
        self.connections: list[FakeConnection] = []
        self.attempts: list[tuple[float, str, int]] = []  # (time, path, HTTP status answered)
        self.unknown: set[str] = set()  # OKX instIds answered with an error event
        self.sent = 0  # data frames written, all connections together
        self._ping_interval = ping_interval
        self._silent = False
        self._refuse_until = 0.0
        self._last: dict[str, _Price] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._tasks: set[asyncio.Task] = set()
        self._thread = threading.Thread(
            target=self._run, name=f"fakestream-{protocol}", daemon=True
        )

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeStream:
        """Serve in a daemon thread; returns once the port is open."""
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake stream did not start")
        return self

    def stop(self) -> None:
        """Close every connection (1001, going away), stop serving and end the thread."""
        if self._thread.is_alive():
            stopping = self._stopping
            if stopping is not None:
                self._loop.call_soon_threadsafe(stopping.set)
            self._thread.join(10)

    def __enter__(self) -> FakeStream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The stream URL a client is configured with (`providers.<name>.stream_url`)."""
        return f"ws://127.0.0.1:{self.port}{PATHS[self.protocol]}"

    # -- what clients did -----------------------------------------------------------------------

    @property
    def open_connections(self) -> list[FakeConnection]:
        """The connections open now."""
        with self._lock:
            return [c for c in self.connections if c.closed is None]

    @property
    def subscribed(self) -> set[str]:
        """Vendor symbols subscribed on the open connections."""
        return set().union(*(c.symbols for c in self.open_connections))

    def received(self, connection: FakeConnection | None = None) -> list[str | bytes]:
        """The frames clients sent, oldest first (of one connection, or of all)."""
        with self._lock:
            chosen = [connection] if connection else list(self.connections)
            return [frame for c in chosen for _, frame in c.frames]

    def wait_for(self, condition: Callable[[FakeStream], object], timeout: float = 5.0) -> None:
        """Wait until `condition(self)` holds; AssertionError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"fake {self.protocol} stream: condition not met in time")
            time.sleep(0.01)

    # -- ticks ----------------------------------------------------------------------------------

    def send(
        self,
        symbol: str,
        price: float,
        time: datetime | None = None,
        *,
        volume: float | None = None,
        day_volume: float | None = None,
        day_open: float | None = None,
        change_pct: float | None = None,
        session: str = "regular",
    ) -> int:
        """One tick for a vendor symbol to every open connection subscribed to it, in the
        protocol's frame (each Binance stream the connection asked for gets its own); returns
        how many frames were written. Nothing while silent."""
        tick = {
            "symbol": symbol,
            "price": price,
            "time": time or datetime.now(UTC),
            "volume": volume,
            "day_volume": day_volume,
            "day_open": day_open,
            "change_pct": change_pct,
            "session": session,
        }
        return self._call(self._send_tick(tick))

    def spike(self, symbol: str, factor: float) -> int:
        """A tick `factor` times the last price sent for the symbol (a bad print)."""
        return self.send(symbol, self._last_price(symbol) * factor)

    def stale(self, symbol: str, price: float, age_s: float) -> int:
        """A tick whose exchange time is `age_s` seconds in the past."""
        return self.send(symbol, price, datetime.now(UTC) - timedelta(seconds=age_s))

    def flood(self, symbol: str, per_s: float, seconds: float, *, seed: int = 17) -> Future[int]:
        """Send `per_s` ticks a second for `seconds`, a random walk from the last price, each a
        millisecond or more after the one before; the future gives how many frames went out."""
        return asyncio.run_coroutine_threadsafe(
            self._flood(symbol, per_s, seconds, seed), self._loop
        )

    def ticking(self, symbols: Iterable[str], every_s: float = 0.05) -> Callable[[], None]:
        """Tick each symbol every `every_s` seconds until the returned function is called, so
        a client that comes back finds ticks waiting (a reconnect's time to its first tick)."""
        task = self._call(self._start_ticking(list(symbols), every_s))

        def stop() -> None:
            self._loop.call_soon_threadsafe(task.cancel)

        return stop

    # -- faults ---------------------------------------------------------------------------------

    def drop(self, *, clean: bool = False) -> int:
        """Cut every open connection: the TCP connection torn down without a close frame, or with
        `clean` a 1001 close (Binance's 24 h disconnect). Returns how many were cut."""
        return self._call(self._drop(clean))

    def refuse(self, seconds: float) -> None:
        """Answer new connections with HTTP 503 for `seconds` (open ones stay: drop() them)."""
        self._refuse_until = time.monotonic() + seconds

    @property
    def returns_at(self) -> float:
        """When refused connections end (time.monotonic())."""
        return self._refuse_until

    def go_silent(self) -> None:
        """Send nothing more (no ticks, acks or pongs) while connections stay open."""
        self._silent = True

    def speak(self) -> None:
        """End the silence."""
        self._silent = False

    def garbage(self, frames: Iterable[str | bytes] | None = None) -> int:
        """Frames no protocol sends (default: this protocol's GARBAGE) to every open connection;
        returns how many frames were written."""
        chosen = tuple(GARBAGE[self.protocol] if frames is None else frames)
        return self._call(self._broadcast(chosen))

    def send_raw(self, frame: str | bytes) -> int:
        """One frame as given to every open connection."""
        return self._call(self._broadcast((frame,)))

    # -- server side ----------------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        async with serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            ping_interval=self._ping_interval,
            close_timeout=1,
        ) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stopping.wait()
            for task in list(self._tasks):
                task.cancel()

    def _call(self, coroutine):
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        refused = time.monotonic() < self._refuse_until
        status = HTTPStatus.SERVICE_UNAVAILABLE if refused else HTTPStatus.SWITCHING_PROTOCOLS
        with self._lock:
            self.attempts.append((time.monotonic(), request.path, int(status)))
        if refused:
            return connection.respond(status, "refused for a while\n")
        return None

    async def _handle(self, socket: ServerConnection) -> None:
        path = socket.request.path if socket.request else ""
        connection = FakeConnection(next(self._numbers), path, time.monotonic(), socket=socket)
        if self.protocol == "binance":
            for name in parse_qs(urlsplit(path).query).get("streams", [""])[0].split("/"):
                self._binance_subscribe(connection, name)
        with self._lock:
            self.connections.append(connection)
        try:
            async for frame in socket:
                with self._lock:
                    connection.frames.append((time.monotonic(), frame))
                replies = self._answer(connection, frame)
                if not self._silent:
                    for reply in replies:
                        await socket.send(reply)
        except ConnectionClosed:
            pass
        finally:
            connection.closed = time.monotonic()

    def _answer(self, connection: FakeConnection, frame: str | bytes) -> list[str]:
        """What the protocol replies to a client frame, recording subscriptions."""
        if frame == "ping" and self.protocol == "okx":
            return ["pong"]
        try:
            message = json.loads(frame)
        except ValueError:
            return []
        if not isinstance(message, dict):
            return []
        if self.protocol == "binance":
            return self._binance_answer(connection, message)
        if self.protocol == "okx":
            return self._okx_answer(connection, message)
        for symbol in message.get("subscribe") or ():
            connection.symbols.add(symbol)
        for symbol in message.get("unsubscribe") or ():
            connection.symbols.discard(symbol)
        return []

    def _binance_subscribe(self, connection: FakeConnection, name: str) -> None:
        symbol, _, kind = name.partition("@")
        if symbol and kind in BINANCE_STREAM_TYPES:
            connection.streams.add(name)
            connection.symbols.add(symbol.upper())

    def _binance_answer(self, connection: FakeConnection, message: dict) -> list[str]:
        method, params = message.get("method"), message.get("params") or []
        if method == "SUBSCRIBE":
            for name in params:
                self._binance_subscribe(connection, name)
        elif method == "UNSUBSCRIBE":
            connection.streams.difference_update(params)
            connection.symbols = {n.partition("@")[0].upper() for n in connection.streams}
        elif method != "LIST_SUBSCRIPTIONS":
            return [json.dumps({"error": {"code": 2, "msg": "Invalid request"}, "id": None})]
        result = sorted(connection.streams) if method == "LIST_SUBSCRIPTIONS" else None
        return [json.dumps({"result": result, "id": message.get("id")})]

    def _okx_answer(self, connection: FakeConnection, message: dict) -> list[str]:
        op, replies = message.get("op"), []
        for arg in message.get("args") or ():
            inst, channel = arg.get("instId"), arg.get("channel")
            if channel != "tickers" or inst in self.unknown:
                error = f"Wrong URL or channel:{channel},instId:{inst} doesn't exist."
                replies.append(json.dumps({"event": "error", "code": "60018", "msg": error}))
                continue
            if op == "subscribe":
                connection.symbols.add(inst)
            elif op == "unsubscribe":
                connection.symbols.discard(inst)
            replies.append(json.dumps({"event": op, "arg": arg, "connId": "fake0001"}))
        return replies

    def _last_price(self, symbol: str) -> float:
        last = self._last.get(symbol)
        if last is None:
            raise ValueError(f"no tick sent for {symbol} yet")
        return last.price

    async def _send_tick(self, tick: dict) -> int:
        self._last[tick["symbol"]] = _Price(tick["price"], tick["time"])
        if self._silent:
            return 0
        written = 0
        for connection in self.open_connections:
            for frame in self._frames(connection, tick):
                with contextlib.suppress(ConnectionClosed):
                    await connection.socket.send(frame)
                    written += 1
        self.sent += written
        return written

    def _frames(self, connection: FakeConnection, tick: dict) -> list[str]:
        """The tick in this protocol's frames for one connection ([] if it did not ask)."""
        symbol = tick["symbol"]
        if self.protocol == "binance":
            names = [n for n in sorted(connection.streams) if n.partition("@")[0] == symbol.lower()]
            return [binance_frame(name, tick) for name in names]
        if symbol not in connection.symbols:
            return []
        return [okx_frame(tick) if self.protocol == "okx" else yahoo_frame(tick)]

    async def _broadcast(self, frames: tuple[str | bytes, ...]) -> int:
        written = 0
        for connection in self.open_connections:
            for frame in frames:
                with contextlib.suppress(ConnectionClosed):
                    await connection.socket.send(frame)
                    written += 1
        return written

    async def _drop(self, clean: bool) -> int:
        dropped = self.open_connections
        for connection in dropped:
            if clean:
                with contextlib.suppress(ConnectionClosed):
                    await connection.socket.close(1001, "going away")
            else:
                connection.socket.transport.abort()
        return len(dropped)

    async def _flood(self, symbol: str, per_s: float, seconds: float, seed: int) -> int:
        rng, start = random.Random(seed), time.monotonic()
        last = self._last.get(symbol) or _Price(100.0, datetime.now(UTC))
        price, when, written = last.price, max(last.time, datetime.now(UTC)), 0
        for n in range(round(per_s * seconds)):
            delay = start + n / per_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            price = round(price * (1 + rng.gauss(0, 0.0002)), 8)
            when = max(when + timedelta(milliseconds=1), datetime.now(UTC))
            written += await self._send_tick(
                {"symbol": symbol, "price": price, "time": when, "volume": 0.01,
                 "day_volume": None, "day_open": None, "change_pct": None, "session": "regular"}
            )  # fmt: skip
        return written

    async def _start_ticking(self, symbols: list[str], every_s: float) -> asyncio.Task:
        task = asyncio.create_task(self._ticking(symbols, every_s))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _ticking(self, symbols: list[str], every_s: float) -> None:
        rng = random.Random(5)
        while True:
            for symbol in symbols:
                last = self._last.get(symbol)
                price = round((last.price if last else 100.0) * (1 + rng.gauss(0, 0.0005)), 6)
                await self._send_tick(
                    {"symbol": symbol, "price": price, "time": datetime.now(UTC), "volume": 0.01,
                     "day_volume": None, "day_open": None, "change_pct": None,
                     "session": "regular"}
                )  # fmt: skip
            await asyncio.sleep(every_s)


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _number(value: float) -> str:
    """A price or size as the exchanges write it: a decimal string."""
    return f"{value:.8f}".rstrip("0").rstrip(".")


def binance_frame(stream: str, tick: dict) -> str:
    """A combined-stream frame ({"stream", "data"}) of one miniTicker, trade or aggTrade."""
    kind, symbol, ms = stream.partition("@")[2], tick["symbol"].upper(), _ms(tick["time"])
    price = tick["price"]
    if kind == "miniTicker":
        open_ = tick["day_open"] if tick["day_open"] is not None else price
        day_volume = tick["day_volume"] if tick["day_volume"] is not None else 1234.5
        data = {
            "e": "24hrMiniTicker",
            "E": ms,
            "s": symbol,
            "c": _number(price),
            "o": _number(open_),
            "h": _number(max(price, open_)),
            "l": _number(min(price, open_)),
            "v": _number(day_volume),
            "q": _number(day_volume * price),
        }
    else:
        volume = tick["volume"] if tick["volume"] is not None else 0.001
        data = {"e": kind, "E": ms + 1, "s": symbol, "p": _number(price), "q": _number(volume)}
        if kind == "trade":
            data |= {"t": ms, "T": ms, "m": True, "M": True}
        else:
            data |= {"a": ms, "f": ms, "l": ms, "T": ms, "m": False, "M": True}
    return json.dumps({"stream": stream, "data": data})


def okx_frame(tick: dict) -> str:
    """A `tickers` channel push of one instrument, every field a string as OKX sends them."""
    price = tick["price"]
    open_ = tick["day_open"] if tick["day_open"] is not None else price
    day_volume = tick["day_volume"] if tick["day_volume"] is not None else 1234.5
    volume = tick["volume"] if tick["volume"] is not None else 0.001
    item = {
        "instType": "SPOT",
        "instId": tick["symbol"],
        "last": _number(price),
        "lastSz": _number(volume),
        "askPx": _number(price * 1.0001),
        "askSz": "1",
        "bidPx": _number(price * 0.9999),
        "bidSz": "1",
        "open24h": _number(open_),
        "high24h": _number(max(price, open_)),
        "low24h": _number(min(price, open_)),
        "sodUtc0": _number(open_),
        "sodUtc8": _number(open_),
        "volCcy24h": _number(day_volume * price),
        "vol24h": _number(day_volume),
        "ts": str(_ms(tick["time"])),
    }
    arg = {"channel": "tickers", "instId": tick["symbol"]}
    return json.dumps({"arg": arg, "data": [item]})


def yahoo_frame(tick: dict) -> str:
    """A streamer frame: JSON carrying yfinance's PricingData protobuf, base64 encoded."""
    from yfinance.pricing_pb2 import PricingData

    data = PricingData(
        id=tick["symbol"],
        price=tick["price"],
        time=_ms(tick["time"]),
        market_hours=YAHOO_SESSIONS[tick["session"]],
    )
    if tick["change_pct"] is not None:
        data.change_percent = tick["change_pct"]
    if tick["day_volume"] is not None:
        data.day_volume = round(tick["day_volume"])
    message = base64.b64encode(data.SerializeToString()).decode()
    return json.dumps({"type": "pricing", "message": message})
