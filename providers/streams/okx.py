"""OKX's public `tickers` channel (API v5), pure: the crypto fallback when Binance is down.

Once connected the client sends {"op": "subscribe", "args": [{"channel": "tickers",
"instId": "BTC-USDT"}, ...]}; OKX acknowledges with {"event": "subscribe", "arg": {...}} or
refuses with {"event": "error", "code": "60012", "msg": "..."}, then pushes
{"arg": {"channel": "tickers", "instId": ...}, "data": [{"instId", "last", "lastSz",
"open24h", "vol24h", "ts", ...}]}, numbers as strings and `ts` in epoch milliseconds.
OKX closes a connection that is quiet for 30 s: the client sends the text "ping" and OKX
answers "pong".
"""

from __future__ import annotations

import json
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

NAME = "okx"
DEFAULT_URL = "wss://ws.okx.com:8443/ws/v5/public"
CHANNEL = "tickers"
KEEPALIVE_S = 25.0  # below OKX's 30 s idle close
ARGS_PER_FRAME = 100  # OKX caps a request at 64 KiB: 100 instruments is ~5 KiB
_INST_ID = re.compile(r"^[A-Z0-9]{1,20}(-[A-Z0-9]{1,20}){1,3}$")  # BTC-USDT, BTC-USDT-SWAP


def subscribe_frames(inst_ids: Sequence[str]) -> tuple[str, ...]:
    """The subscribe requests of the tickers channel for these instruments."""
    args = [{"channel": CHANNEL, "instId": inst_id} for inst_id in inst_ids]
    return tuple(
        json.dumps({"op": "subscribe", "args": args[start : start + ARGS_PER_FRAME]})
        for start in range(0, len(args), ARGS_PER_FRAME)
    )


def _optional(item: dict[str, Any], key: str, what: str) -> float | None:
    """A field OKX may leave empty ("") or out: None then, else the number."""
    value = item.get(key)
    return None if value in (None, "") else number(value, what)


def _ticks(data: list[Any], ids: Mapping[str, str]) -> list[Tick]:
    """The ticks of a tickers push's data items, for the instruments in `ids`."""
    ticks = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("instId"), str):
            raise BadFrame(f"{NAME}: a ticker without an instId")
        instrument = ids.get(item["instId"])
        if instrument is None:
            continue
        what = f"{NAME} ticker"
        ticks.append(
            tick(
                NAME,
                symbol=instrument,
                price=number(item.get("last"), f"{what} last"),
                time=epoch_ms(item.get("ts"), f"{what} ts"),
                volume=_optional(item, "lastSz", f"{what} lastSz"),
                day_open=_optional(item, "open24h", f"{what} open24h"),
                day_volume=_optional(item, "vol24h", f"{what} vol24h"),
            )
        )
    return ticks


class OkxStream(StreamSource):
    """OKX spot tickers: the last trade's price and size, 24 h open and volume."""

    name = NAME
    default_url = DEFAULT_URL
    keepalive_s = KEEPALIVE_S

    def subscription(self, url: str, vendor_symbols: Sequence[str]) -> Subscription:
        """The public URL as given, and the tickers subscribe request(s) to send."""
        inst_ids = list(dict.fromkeys(vendor_symbols))
        bad = [s for s in inst_ids if not _INST_ID.match(s)]
        if bad:
            raise NotConfigured(f"{NAME}: not an OKX instrument like BTC-USDT: {shown(bad[0])}")
        if not inst_ids:
            raise NotConfigured(f"{NAME}: no symbols to stream")
        return Subscription(url=url, frames=subscribe_frames(inst_ids))

    def keepalive_frame(self, vendor_symbols: Sequence[str]) -> str | None:
        """OKX's text keepalive."""
        return "ping"

    def parse(self, frame: str | bytes, ids: Mapping[str, str]) -> list[Tick]:
        """The ticks of a tickers push; [] for "pong" and OKX's events (subscribe, notice...);
        StreamRefused for an error event."""
        if frame in ("pong", b"pong"):
            return []
        payload = json_object(frame, NAME)
        if "event" in payload:
            event = payload["event"]
            if event == "error":
                raise StreamRefused(NAME, said(payload.get("code"), 20), said(payload.get("msg")))
            if not isinstance(event, str):
                raise BadFrame(f"{NAME}: an event named {shown(event)}")
            return []  # subscribe, unsubscribe, notice (a service upgrade), channel-conn-count
        arg, data = payload.get("arg"), payload.get("data")
        if not isinstance(arg, dict) or not isinstance(data, list):
            raise BadFrame(f"{NAME}: a push needs an arg and a data list")
        if arg.get("channel") != CHANNEL:
            raise BadFrame(f"{NAME}: a push of channel {shown(arg.get('channel'))}")
        return _ticks(data, ids)
