"""Binance spot's combined streams: `<url>?streams=btcusdt@miniTicker/...`, pure.

The symbols go in the URL, so nothing is sent once connected (Binance allows 5 messages a
second from a client; a URL subscription spends none). Every frame comes wrapped as
{"stream": "btcusdt@miniTicker", "data": <event>}; the events read are the ones its docs give:
- `24hrMiniTicker` ({"E" event ms, "s", "c" last, "o" 24 h open, "v" 24 h base volume, ...}),
  sent once a second per symbol: the tick time is its event time;
- `trade` and `aggTrade` ({"T" trade ms, "p" price, "q" quantity, ...}): the trade's time.
The server pings every 20 s and the WebSocket library answers, so no keepalive is sent; it also
closes every connection after 24 h, which the connection handles by reconnecting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from providers.errors import NotConfigured
from providers.models import Tick
from providers.streams.base import (
    BadFrame,
    StreamRefused,
    StreamSource,
    Subscription,
    epoch_ms,
    json_object,
    number,
    said,
    shown,
    tick,
)

NAME = "binance"
DEFAULT_URL = "wss://stream.binance.com:9443/stream"
MAX_STREAMS = 1024  # Binance's limit of streams on one connection
CHANNELS = ("miniTicker", "trade", "aggTrade")
_SYMBOL = re.compile(r"^[A-Z0-9]{2,20}$")


def combined_url(url: str, streams: Sequence[str]) -> str:
    """The combined-stream URL of these stream names (`<url>?streams=a/b`), keeping any query
    the configured URL already has."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}streams={'/'.join(streams)}"


def _refusal(payload: dict[str, Any]) -> StreamRefused | None:
    """A Binance error answer ({"error": {"code", "msg"}} or {"code", "msg"}), else None."""
    error = payload.get("error", payload)
    if isinstance(error, dict) and "code" in error and "msg" in error:
        return StreamRefused(NAME, said(error["code"], 20), said(error["msg"]))
    return None


def _tick(event: dict[str, Any], kind: str, instrument: str) -> Tick:
    """The tick of one miniTicker, trade or aggTrade event."""
    what = f"{NAME} {kind}"
    if kind == "24hrMiniTicker":
        return tick(
            NAME,
            symbol=instrument,
            price=number(event.get("c"), f"{what} c"),
            time=epoch_ms(event.get("E"), f"{what} E"),
            day_open=number(event.get("o"), f"{what} o"),
            day_volume=number(event.get("v"), f"{what} v"),
        )
    return tick(
        NAME,
        symbol=instrument,
        price=number(event.get("p"), f"{what} p"),
        time=epoch_ms(event.get("T"), f"{what} T"),
        volume=number(event.get("q"), f"{what} q"),
    )


class BinanceStream(StreamSource):
    """Binance spot ticks, by default the 1-second miniTicker (last price, 24 h open and
    volume); `trade` or `aggTrade` give every trade instead."""

    name = NAME
    default_url = DEFAULT_URL
    keepalive_s = None  # the server pings; the WebSocket library answers

    def __init__(self, channel: str = "miniTicker") -> None:
        if channel not in CHANNELS:
            raise ValueError(f"binance: no {channel!r} stream (known: {', '.join(CHANNELS)})")
        self.channel = channel

    def subscription(self, url: str, vendor_symbols: Sequence[str]) -> Subscription:
        """The combined-stream URL of the symbols (lower case, as Binance names streams)."""
        symbols = list(dict.fromkeys(vendor_symbols))
        bad = [s for s in symbols if not _SYMBOL.match(s)]
        if bad:
            raise NotConfigured(f"{NAME}: not a Binance symbol like BTCUSDT: {shown(bad[0])}")
        if not symbols:
            raise NotConfigured(f"{NAME}: no symbols to stream")
        if len(symbols) > MAX_STREAMS:
            raise NotConfigured(f"{NAME}: {len(symbols)} streams, {MAX_STREAMS} at most")
        streams = [f"{symbol.lower()}@{self.channel}" for symbol in symbols]
        return Subscription(url=combined_url(url, streams), frames=())

    def parse(self, frame: str | bytes, ids: Mapping[str, str]) -> list[Tick]:
        """The tick in one frame, combined-stream wrapped or raw; [] for an acknowledgement,
        Binance's notice of a server shutdown, or a symbol not in `ids`."""
        payload = json_object(frame, NAME)
        if "stream" in payload or "data" in payload:
            stream, payload = payload.get("stream"), payload.get("data")
            if not isinstance(stream, str) or not isinstance(payload, dict):
                raise BadFrame(f"{NAME}: a combined frame needs a stream name and an event")
        if (refused := _refusal(payload)) is not None:
            raise refused
        if "result" in payload and "id" in payload:  # the answer to a SUBSCRIBE or LIST
            return []
        kind = payload.get("e")
        if kind == "serverShutdown":  # the server is going: the close follows, then a reconnect
            return []
        if kind not in ("24hrMiniTicker", "trade", "aggTrade"):
            raise BadFrame(f"{NAME}: unknown event {shown(kind)}")
        symbol = payload.get("s")
        if not isinstance(symbol, str):
            raise BadFrame(f"{NAME} {kind}: no symbol")
        instrument = ids.get(symbol)
        if instrument is None:
            return []
        return [_tick(payload, kind, instrument)]
