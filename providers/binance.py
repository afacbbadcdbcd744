"""Binance spot quotes from hourly klines (`/api/v3/klines`).

The 24 h ticker would be one call too, but no recorded answer of it exists to test against, so
the quote is derived from the last 25 hourly candles. `klines_request` builds the request
(pure), `BinanceProvider.load` fetches one symbol at a time (the only I/O), `check_klines`
refuses klines of another interval than asked (1-minute klines for an hourly request make
"24 h" a 24-minute change), `parse_klines` and `klines_quote` turn the answer into records
(pure).
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from pydantic import ValidationError

from config.schema import Instrument, RecordKind
from providers.base import Batch, HttpProvider, Request
from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    ProviderError,
    RateLimited,
    Unavailable,
)
from providers.models import Bar, Quote

NAME = "binance"
DEFAULT_BASE_URL = "https://api.binance.com"
INTERVAL, LIMIT = "1h", 25  # 24 closed hours and the one in progress
DAY_BARS = 24
MAX_FUTURE = timedelta(minutes=5)
_EPOCH_MS_MAX = 1e13  # epoch milliseconds in the year 2286: anything beyond is not a time
_SYMBOL = re.compile(r"^[A-Z0-9]{2,20}$")
_MINUTE, _HOUR, _DAY = 60_000, 3_600_000, 86_400_000
# Binance's fixed kline intervals, in milliseconds ("1M", a calendar month, has no fixed length).
INTERVAL_MS = {
    "1s": 1_000,
    **{f"{n}m": n * _MINUTE for n in (1, 3, 5, 15, 30)},
    **{f"{n}h": n * _HOUR for n in (1, 2, 4, 6, 8, 12)},
    "1d": _DAY,
    "3d": 3 * _DAY,
    "1w": 7 * _DAY,
}


def klines_request(symbol: str) -> tuple[str, dict[str, str | int]]:
    """The path and query parameters of the last 25 hourly klines of one symbol."""
    if not _SYMBOL.match(symbol):
        raise NotConfigured("not a Binance symbol like BTCUSDT")  # the caller names it
    return "/api/v3/klines", {"symbol": symbol, "interval": INTERVAL, "limit": LIMIT}


def binance_error(status: int | None, body: Any = None, retry_after_s: float | None = None):
    """Our error for a Binance error answer ({"code": -1121, "msg": "Invalid symbol."})."""
    code = body.get("code") if isinstance(body, dict) else None
    if status in (418, 429):  # 418 is Binance's IP ban after ignored 429s: back off the same
        return RateLimited(f"Binance answered HTTP {status} (rate limited)", retry_after_s)
    if code == -1121:
        return EmptyResult("unknown symbol")
    if status and status >= 500:
        return Unavailable(f"Binance answered HTTP {status}")
    what = f"code {code}" if isinstance(code, int) else f"HTTP {status}"
    return BadPayload(f"Binance error ({what})")


def _number(value: Any, what: str) -> float:
    """A number Binance sends as a string ("60719.27000000"); plain numbers are accepted."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadPayload(f"{what} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise BadPayload(f"{what} is not a number") from None
    if not math.isfinite(number):
        raise BadPayload(f"{what} is not finite")
    return number


def _klines(raw: bytes, symbol: str) -> list[tuple[Bar, datetime]]:
    """(bar, close time) per kline, oldest first, every field checked."""
    try:
        rows = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("Binance answer is not JSON") from None
    if isinstance(rows, dict) and "code" in rows:  # an error object instead of klines
        raise binance_error(None, rows)
    if not isinstance(rows, list):
        raise BadPayload("Binance answer is not a list of klines")
    if not rows:
        raise EmptyResult("no klines")
    out = []
    for row in rows:
        if not isinstance(row, list) or len(row) < 7:
            raise BadPayload("a kline is not a list of at least 7 fields")
        opened, closed = _number(row[0], "open time"), _number(row[6], "close time")
        if not 0 < opened < closed < _EPOCH_MS_MAX:
            raise BadPayload("a kline's open and close times are not times in order")
        o, h, low, c, v = (_number(row[i], "a kline price") for i in range(1, 6))
        if not low <= min(o, c) <= max(o, c) <= h:
            raise BadPayload("a kline's open and close are not between its low and high")
        try:
            bar = Bar(
                symbol=symbol,
                time=datetime.fromtimestamp(opened / 1000, UTC),
                open=o,
                high=h,
                low=low,
                close=c,
                volume=v,
            )
        except ValidationError as exc:
            raise BadPayload(f"kline fails validation ({exc.error_count()} errors)") from None
        out.append((bar, datetime.fromtimestamp(closed / 1000, UTC)))
    if any(b[0].time <= a[0].time for a, b in pairwise(out)):
        raise BadPayload("kline times are not strictly increasing")
    return out


def _interval_name(ms: float) -> str:
    names = {length: name for name, length in INTERVAL_MS.items()}
    return names.get(ms) or f"{ms / 1000:g} s"


def check_klines(raw: bytes, interval: str) -> None:
    """Refuse klines that are not `interval` klines (BadPayload naming what was asked and what
    came): each kline must last the interval (Binance's close time is its open time plus the
    interval less 1 ms, also for the kline in progress) and each must open one interval after
    the one before. A broken answer raises as in parsing."""
    length = INTERVAL_MS[interval]
    rows = _klines(raw, "?")
    for bar, closes_at in rows:
        lasts = (closes_at - bar.time).total_seconds() * 1000 + 1
        if round(lasts) != length:
            raise BadPayload(f"asked {interval} klines, got {_interval_name(round(lasts))} klines")
    for (a, _), (b, _) in pairwise(rows):
        apart = round((b.time - a.time).total_seconds() * 1000)
        if apart != length:
            raise BadPayload(
                f"asked {interval} klines, got klines {_interval_name(apart)} apart at "
                f"{b.time:%Y-%m-%d %H:%M} UTC"
            )


def parse_klines(raw: bytes, *, symbol: str) -> list[Bar]:
    """The klines of a Binance answer as bars (time = open time), oldest first; `symbol` is the
    instrument id they carry."""
    return [bar for bar, _ in _klines(raw, symbol)]


def klines_quote(
    raw: bytes,
    *,
    symbol: str,
    name: str,
    now: datetime,
    currency: str | None = None,
    unit: str | None = None,
    market: str | None = None,
) -> Quote:
    """A Quote of instrument `symbol` (its id) from hourly klines: the last close against the
    open 24 candles back, and the low and high of those 24 candles as its 24 h range.

    The last candle is still in progress, so its close is the latest trade and its close time
    lies ahead: as_of is that close time capped at now. With fewer than 24 candles (a new
    listing) the change runs from the first candle's open.
    """
    rows = _klines(raw, symbol)
    last, closes_at = rows[-1]
    if last.time > now + MAX_FUTURE:
        raise BadPayload(f"kline time {last.time:%Y-%m-%d %H:%M} UTC is in the future")
    day = [bar for bar, _ in rows[-DAY_BARS:]]
    prev = day[0].open
    change = last.close - prev
    return Quote(
        symbol=symbol,
        name=name,
        price=last.close,
        change=change,
        change_pct=change / prev * 100,
        currency=currency,
        unit=unit,
        prev_close=prev,
        sparkline=tuple(bar.close for bar, _ in rows),
        day_low=min(bar.low for bar in day),
        day_high=max(bar.high for bar in day),
        market=market,
        as_of=min(closes_at, now),
    )


class BinanceProvider(HttpProvider):
    """Crypto quotes from Binance spot klines, one request per symbol."""

    name = NAME
    kinds = frozenset({RecordKind.QUOTE})
    default_base_url = DEFAULT_BASE_URL

    def _fetch(self, symbol: str) -> bytes:
        path, params = klines_request(symbol)
        try:
            return self.http.get(path, params).content
        except BadPayload as exc:
            # HttpClient reports other 4xx answers as BadPayload with the start of the body;
            # Binance explains them there in JSON (-1121: unknown symbol).
            if exc.status is None:
                raise
            try:
                body = json.loads(exc.body) if exc.body else None
            except (ValueError, UnicodeDecodeError, TypeError):
                body = None
            raise binance_error(exc.status, body, exc.retry_after_s) from exc

    def _quote(self, inst: Instrument, symbol: str, request: Request) -> Quote:
        try:
            raw = self._fetch(symbol)
            check_klines(raw, INTERVAL)
            return klines_quote(
                raw,
                symbol=inst.id,
                name=inst.name,
                now=request.now,
                currency=inst.currency,
                unit=inst.unit,
                market=inst.market or request.market,
            )
        except RateLimited as exc:  # name the symbol, keep the retry hint
            raise RateLimited(f"{symbol}: {exc}", exc.retry_after_s) from exc
        except ProviderError as exc:
            raise type(exc)(f"{symbol}: {exc}") from exc

    def load(self, request: Request) -> Batch:
        """Fetch and parse each mapped symbol; one failure becomes a problem, not an error."""
        return self.each_instrument(request, lambda i, s: [self._quote(i, s, request)])
