"""What every stream source is: how to subscribe, how to keep the line open, how to read a frame.

A source is pure: it builds the URL and the frames to send, and turns one received frame into
Ticks. The connection (providers.streams.connection) is the only stream I/O; it calls these.
A frame that is not what the protocol says raises BadFrame, which the connection counts and
skips: no input, however broken, raises anything else, so one bad frame never ends a stream.

The helpers below read the JSON frames the exchanges send, where numbers come as strings
("60719.27") and times as epoch milliseconds.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from config.schema import Settings
from providers.errors import ProviderError
from providers.models import Tick

# name in config (`streams`, `providers.<name>.stream_url`) -> "module:Class", as providers.base.
REGISTRY: dict[str, str] = {
    "binance": "providers.streams.binance:BinanceStream",
    "okx": "providers.streams.okx:OkxStream",
    "yahoo": "providers.streams.yahoo:YahooStream",
}

# Epoch milliseconds from 2001-09-09 to 2286: a time outside is not milliseconds (seconds,
# microseconds, or a zero the sender left unset).
_EPOCH_MS_MIN, _EPOCH_MS_MAX = 1e12, 1e13
_SHOWN = 40  # characters of a bad value a message repeats
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?")  # not "nan", "1_0", " 1"


class BadFrame(ProviderError):
    """A frame that is not what the protocol says: counted and skipped."""


class StreamRefused(ProviderError):
    """The server refused what we asked (OKX's {"event": "error"}, a Binance error answer):
    `code` and `reason` are its own words, for the operator."""

    def __init__(self, source: str, code: str, reason: str) -> None:
        super().__init__(f"{source} refused the subscription: {code} {reason}".strip())
        self.source = source
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Subscription:
    """How to start a stream: where to connect and what to send once connected."""

    url: str  # the URL to connect to (Binance's combined streams name the symbols here)
    frames: tuple[str, ...]  # text frames to send once connected (OKX, Yahoo subscribe); may be ()


class StreamSource(ABC):
    """One stream protocol. Subclasses set `name`, `default_url` and `keepalive_s`."""

    name: str = ""  # as in config: `streams` lists and providers.<name>
    default_url: str = ""
    # Send keepalive_frame() this often; None: the server pings and the WebSocket library
    # answers by itself.
    keepalive_s: float | None = None

    @abstractmethod
    def subscription(self, url: str, vendor_symbols: Sequence[str]) -> Subscription:
        """Where to connect and what to send to receive these symbols' ticks."""

    def keepalive_frame(self, vendor_symbols: Sequence[str]) -> str | None:
        """The text frame sent every `keepalive_s` to keep the stream open; None: nothing."""
        return None

    @abstractmethod
    def parse(self, frame: str | bytes, ids: Mapping[str, str]) -> list[Tick]:
        """The ticks in one received frame; `ids` maps vendor symbol -> instrument id.

        A control frame (an acknowledgement, a pong) and a frame about a symbol not in `ids`
        give []; a frame that is not what the protocol says raises BadFrame, a refusal
        StreamRefused.
        """


def build_source(name: str) -> StreamSource:
    """The stream source of one config name (REGISTRY), imported on first use."""
    module_name, _, class_name = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)()


def stream_url(settings: Settings, source: StreamSource) -> str:
    """Where a source's stream connects: `providers.<name>.stream_url`, else its public URL."""
    return settings.provider_options(source.name).stream_url or source.default_url


def shown(value: Any) -> str:
    """A received value as a message may repeat it: short, whatever it was (a container by its
    type only: its repr could be huge or nested past the recursion limit)."""
    if value is not None and not isinstance(value, str | int | float):
        return f"<{type(value).__name__}>"
    try:
        text = repr(value)
    except ValueError:  # an int past Python's digit limit for str()
        return "<int>"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def said(value: Any, limit: int = 200) -> str:
    """A server's own words (an error code or message) as text, at most `limit` characters."""
    return (value if isinstance(value, str) else shown(value))[:limit]


def json_frame(frame: str | bytes, source: str) -> Any:
    """A frame's JSON value; BadFrame when it is not UTF-8 JSON."""
    try:
        text = frame.decode("utf-8") if isinstance(frame, bytes) else frame
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise BadFrame(f"{source}: not a JSON frame") from None


def json_object(frame: str | bytes, source: str) -> dict[str, Any]:
    """A frame's JSON object; BadFrame when it is anything else."""
    payload = json_frame(frame, source)
    if not isinstance(payload, dict):
        raise BadFrame(f"{source}: not a JSON object")
    return payload


def number(value: Any, what: str) -> float:
    """A finite number sent as a string ("60719.27") or a JSON number; BadFrame otherwise."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadFrame(f"{what} is not a number: {shown(value)}")
    if isinstance(value, str) and not _DECIMAL.fullmatch(value):
        raise BadFrame(f"{what} is not a number: {shown(value)}")
    try:
        result = float(value)
    except OverflowError:  # an int too large for a float
        raise BadFrame(f"{what} is not a number: {shown(value)}") from None
    if not math.isfinite(result):
        raise BadFrame(f"{what} is not a finite number: {shown(value)}")
    return result


def epoch_ms(value: Any, what: str) -> datetime:
    """A time sent as whole epoch milliseconds (a number or a string of digits), in UTC."""
    ms = number(value, what)
    if ms != int(ms) or not _EPOCH_MS_MIN <= ms < _EPOCH_MS_MAX:
        raise BadFrame(f"{what} is not epoch milliseconds: {shown(value)}")
    return datetime.fromtimestamp(ms / 1000, UTC)


def tick(source: str, **fields: Any) -> Tick:
    """A Tick of these fields; BadFrame when they make no valid tick (a price of zero)."""
    try:
        return Tick(**fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadFrame(f"{source}: {where}: {first['msg']}") from None
