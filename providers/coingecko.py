"""CoinGecko crypto quotes from `/api/v3/coins/markets`: every coin in one request.

`markets_request` builds the request (pure), `CoinGeckoProvider.load` fetches it (the only
I/O), `parse_coins_markets` and `coin_quote` turn the answer into records (pure).
`parse_simple_price` reads `/api/v3/simple/price` answers (not used by `load`).

`day_range` reads a row's own 24 h low and high (`low_24h`, `high_24h`): CoinGecko's range over
every trade, where a sparkline gives only hourly points, and present even when the sparkline is
not (the recorded answer has none).
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from typing import Any

from config.schema import RecordKind
from providers.base import Batch, HttpProvider, Request, batch_of
from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    ProviderError,
)
from providers.models import AnyRecord, Quote

NAME = "coingecko"
DEFAULT_BASE_URL = "https://api.coingecko.com"
VS_CURRENCY = "usd"
SPARK_POINTS = 25  # the 7-day sparkline is hourly: keep the last day, as Binance shows
MAX_FUTURE = timedelta(minutes=5)
_ID = re.compile(r"^[a-z0-9][a-z0-9\-]{0,99}$")


def markets_request(ids: list[str]) -> tuple[str, dict[str, str]]:
    """The path and query parameters of one batched markets request."""
    params = {
        "vs_currency": VS_CURRENCY,
        "ids": ",".join(ids),
        "sparkline": "true",
        "price_change_percentage": "24h",
    }
    return "/api/v3/coins/markets", params


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("CoinGecko answer is not JSON") from None


def _number(value: Any) -> float | None:
    """A finite number, or None (bool is not a number; CoinGecko sends null for unknowns)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def parse_coins_markets(raw: bytes) -> dict[str, dict]:
    """The rows of a coins/markets answer by coin id; each row is checked by `coin_quote`."""
    rows = _json(raw)
    if isinstance(rows, dict):  # {"error": ...} or {"status": {"error_code": ...}}
        raise BadPayload("CoinGecko answered an error object instead of markets")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise BadPayload("CoinGecko answer is not a list of markets")
    by_id = {row["id"]: row for row in rows if isinstance(row.get("id"), str)}
    if len(by_id) != len(rows):
        raise BadPayload("a CoinGecko market row has no id, or an id appears twice")
    return by_id


def day_range(row: dict) -> tuple[float, float] | None:
    """(low, high) of the last 24 h in the quote currency from a markets row's `low_24h` and
    `high_24h`; None when either is missing, not above zero, or the low is above the high."""
    low, high = _number(row.get("low_24h")), _number(row.get("high_24h"))
    if low is None or high is None or low <= 0 or low > high:
        return None
    return low, high


def coin_quote(
    row: dict,
    *,
    symbol: str,
    name: str,
    now: datetime,
    currency: str | None = None,
    unit: str | None = None,
    market: str | None = None,
    vendor_symbol: str | None = None,
) -> Quote:
    """A Quote of instrument `symbol` (its id) from one markets row: price, 24 h change and the
    row's last_updated time. Errors name `vendor_symbol`, CoinGecko's coin id (else `symbol`)."""
    coin = vendor_symbol or symbol
    price = _number(row.get("current_price"))
    if price is None or price <= 0:
        raise BadPayload(f"{coin}: no usable current_price")
    stamp = row.get("last_updated")
    try:
        as_of = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        as_of = None
    if as_of is None or as_of.tzinfo is None:
        raise BadPayload(f"{coin}: no usable last_updated time")
    if as_of > now + MAX_FUTURE:
        raise BadPayload(f"{coin}: last_updated {as_of:%Y-%m-%d %H:%M} UTC is in the future")
    change = _number(row.get("price_change_24h"))
    prev = None if change is None else price - change
    if prev is not None and prev <= 0:  # a change larger than the price is not a real change
        change = prev = None
    pct = None
    if change is not None and prev is not None:
        pct = _number(row.get("price_change_percentage_24h"))
        pct = change / prev * 100 if pct is None else pct
    spark = row.get("sparkline_in_7d")  # only present when asked for with sparkline=true
    points = spark.get("price") if isinstance(spark, dict) else None
    closes = [p for p in map(_number, points or []) if p is not None]
    low, high = day_range(row) or (None, None)
    return Quote(
        symbol=symbol,
        name=name,
        price=price,
        change=change,
        change_pct=pct,
        currency=currency,
        unit=unit,
        prev_close=prev,
        sparkline=tuple(closes[-SPARK_POINTS:]),
        day_low=low,
        day_high=high,
        market=market,
        as_of=as_of,
    )


def parse_simple_price(raw: bytes) -> dict[str, dict[str, float]]:
    """A simple/price answer as {coin id: {"usd": 5005.73, ...}}; prices must be above zero."""
    payload = _json(raw)
    if not isinstance(payload, dict) or not payload:
        raise BadPayload("CoinGecko simple/price answer is not an object of coins")
    out: dict[str, dict[str, float]] = {}
    for coin, prices in payload.items():
        if not isinstance(prices, dict) or not prices:
            raise BadPayload(f"{coin}: no prices")
        out[coin] = {}
        for key, value in prices.items():
            number = _number(value)
            # "usd" is a price; "usd_24h_change" and friends may be negative.
            if number is None or ("_" not in key and number <= 0):
                raise BadPayload(f"{coin}: {key} is not a usable number")
            out[coin][key] = number
    return out


class CoinGeckoProvider(HttpProvider):
    """Crypto quotes in USD from CoinGecko, every coin in one batched request."""

    name = NAME
    kinds = frozenset({RecordKind.QUOTE})
    default_base_url = DEFAULT_BASE_URL

    def load(self, request: Request) -> Batch:
        """Fetch every mapped coin at once; a coin missing or broken is a problem of its own."""
        records: list[AnyRecord] = []
        errors: list[ProviderError] = []
        wanted = []
        for inst, symbol in self.mapped(request):
            if _ID.match(symbol):
                wanted.append((inst, symbol))
            else:
                errors.append(NotConfigured(f"{symbol}: not a CoinGecko coin id"))
        if wanted:
            path, params = markets_request([symbol for _, symbol in wanted])
            rows = parse_coins_markets(self.http.get(path, params).content)  # one call for all
            for inst, symbol in wanted:
                try:
                    if symbol not in rows:
                        raise EmptyResult(f"{symbol}: not in CoinGecko's answer")
                    quote_ = coin_quote(
                        rows[symbol],
                        symbol=inst.id,
                        name=inst.name,
                        now=request.now,
                        currency=inst.currency,
                        unit=inst.unit,
                        market=inst.market or request.market,
                        vendor_symbol=symbol,
                    )
                except ProviderError as exc:
                    errors.append(exc)
                    continue
                records.append(quote_)
        return batch_of(records, errors)
