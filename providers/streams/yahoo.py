"""Yahoo's price streamer, as yfinance speaks it (`yfinance.live`), pure.

The client sends {"subscribe": [symbols]} once connected and again every 15 s (yfinance's
heartbeat, which is what keeps Yahoo sending). Yahoo sends JSON text frames
{"type": "pricing", "message": <base64 of a protobuf PricingData>}, decoded here with
yfinance's own `pricing_pb2` and read through protobuf's dict form, exactly as yfinance hands
it to an AsyncWebSocket listener; `ticks_from_pricing` reads that dict, so the raw frames and
yfinance's listener give the same ticks.

PricingData is proto3: a field at zero is not sent, so "absent" and "zero" are one. A missing
change % or day volume is read as not given (None), a missing `market_hours` as 0, which is
pre-market in Yahoo's numbering (0 pre, 1 regular, 2 post, 3 extended hours, 4 overnight).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import DecodeError, Message

from providers.errors import NotConfigured
from providers.models import Tick
from providers.streams.base import (
    BadFrame,
    StreamSource,
    Subscription,
    epoch_ms,
    json_object,
    number,
    said,
    shown,
    tick,
)

NAME = "yahoo"
DEFAULT_URL = "wss://streamer.finance.yahoo.com/?version=2"
HEARTBEAT_S = 15.0  # yfinance re-sends its subscription this often
# PricingData.market_hours -> Tick.session; extended hours (3) and overnight (4) have none.
SESSIONS = {0: "pre", 1: "regular", 2: "post"}
MAX_SYMBOL = 40


@cache
def _pricing_type() -> type[Message]:
    """yfinance's PricingData message class, imported on first use (yfinance pulls in pandas)."""
    from yfinance.pricing_pb2 import PricingData

    return PricingData


def subscribe_frame(symbols: Sequence[str]) -> str:
    """The subscribe request yfinance sends, first and as its heartbeat."""
    return json.dumps({"subscribe": list(symbols)})


def decode_pricing(message: str) -> dict[str, Any]:
    """A frame's base64 PricingData as the dict yfinance gives its listener (proto field
    names, 64-bit integers as strings, zero fields left out)."""
    try:
        raw = base64.b64decode(message, validate=True)
        pricing = _pricing_type()()
        pricing.ParseFromString(raw)
    except (binascii.Error, ValueError, DecodeError):
        raise BadFrame(f"{NAME}: the message is not a base64 PricingData") from None
    return MessageToDict(pricing, preserving_proto_field_name=True)


def _session(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadFrame(f"{NAME}: market_hours is not a whole number: {shown(value)}")
    return SESSIONS.get(value)


def ticks_from_pricing(message: Any, ids: Mapping[str, str]) -> list[Tick]:
    """The tick in one PricingData dict (as yfinance's AsyncWebSocket hands its listener);
    [] for a symbol not in `ids`. yfinance's own {"error": ...} for a frame it could not decode
    is a BadFrame, as is a price or time missing."""
    if not isinstance(message, dict):
        raise BadFrame(f"{NAME}: a pricing message is not an object")
    if "error" in message:
        raise BadFrame(f"{NAME}: yfinance could not decode a frame: {said(message['error'], 80)}")
    symbol = message.get("id")
    if not isinstance(symbol, str) or not symbol:
        raise BadFrame(f"{NAME}: a pricing message without an id")
    instrument = ids.get(symbol)
    if instrument is None:
        return []
    change_pct, day_volume = message.get("change_percent"), message.get("day_volume")
    return [
        tick(
            NAME,
            symbol=instrument,
            price=number(message.get("price"), f"{NAME} price"),
            time=epoch_ms(message.get("time"), f"{NAME} time"),
            change_pct=None if change_pct is None else number(change_pct, f"{NAME} change %"),
            day_volume=None if day_volume is None else number(day_volume, f"{NAME} day volume"),
            session=_session(message.get("market_hours", 0)),
        )
    ]


class YahooStream(StreamSource):
    """Yahoo's streamer: indices, FX, futures, ETFs and crypto, with Yahoo's own % change and
    the session (pre, regular, post) each price is from."""

    name = NAME
    default_url = DEFAULT_URL
    keepalive_s = HEARTBEAT_S

    def subscription(self, url: str, vendor_symbols: Sequence[str]) -> Subscription:
        """The URL as given and yfinance's subscribe request."""
        symbols = list(dict.fromkeys(vendor_symbols))
        bad = [s for s in symbols if not s or len(s) > MAX_SYMBOL or not s.isprintable()]
        if bad:
            raise NotConfigured(f"{NAME}: not a Yahoo symbol: {shown(bad[0])}")
        if not symbols:
            raise NotConfigured(f"{NAME}: no symbols to stream")
        return Subscription(url=url, frames=(subscribe_frame(symbols),))

    def keepalive_frame(self, vendor_symbols: Sequence[str]) -> str | None:
        """The subscription again, as yfinance's heartbeat sends it."""
        return subscribe_frame(list(dict.fromkeys(vendor_symbols)))

    def parse(self, frame: str | bytes, ids: Mapping[str, str]) -> list[Tick]:
        """The tick in one {"type": "pricing", "message": <base64>} frame."""
        payload = json_object(frame, NAME)
        kind, message = payload.get("type", "pricing"), payload.get("message")
        if kind != "pricing" or not isinstance(message, str):
            raise BadFrame(f"{NAME}: not a pricing frame (type {shown(kind)})")
        return ticks_from_pricing(decode_pricing(message), ids)
