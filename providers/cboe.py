"""CBOE index history CSVs (`/api/global/us_indices/daily_prices/{SYMBOL}_History.csv`): quotes.

`cboe_request` builds the request (pure); `CboeProvider.load` fetches through the shared
HttpClient (the only I/O); `parse_cboe_csv` and `cboe_quote` are pure. One file per index
(VIX, VIX9D, VIX3M, VIX6M), daily rows `DATE,OPEN,HIGH,LOW,CLOSE` with MM/DD/YYYY dates, from
1990 on; the early VIX rows (1990) have OPEN=HIGH=LOW=CLOSE.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from config.schema import Instrument, RecordKind
from providers.base import Batch, HttpProvider, Request
from providers.daily_csv import read_daily_csv
from providers.errors import (
    BadPayload,
    EmptyResult,
    ProviderError,
    RateLimited,
)
from providers.models import Bar, Quote

NAME = "cboe"
DEFAULT_BASE_URL = "https://cdn.cboe.com"
SPARKLINE = 30  # daily closes behind a quote tile: about six weeks
NEW_YORK = ZoneInfo("America/New_York")
# CBOE's indices settle at 16:15 New York, after the options close: that is the close's time.
CLOSE_TIME = time(16, 15)
# The regular session opens at 09:30 New York: the file's OPEN is the value at that time.
OPEN_TIME = time(9, 30)
# Clocks drift; a row dated beyond this is a wrong date, not an early one.
MAX_FUTURE = timedelta(minutes=5)
_COLUMNS = ("date", "open", "high", "low", "close")


def cboe_request(symbol: str) -> str:
    """The path of one index's history file (the file has no query parameters)."""
    return f"/api/global/us_indices/daily_prices/{quote(symbol.upper(), safe='')}_History.csv"


def _columns(header: list[str], text: str, named: str) -> dict[str, int]:
    """Where each field stands in a CBOE file: always DATE,OPEN,HIGH,LOW,CLOSE first."""
    if header[:5] != list(_COLUMNS):
        # CloudFront/S3 errors are XML, a block page is HTML; never echo the body itself.
        markup = text.lstrip().startswith("<")
        raise BadPayload(f"{named}: {'HTML/XML instead of CSV' if markup else 'not a CBOE CSV'}")
    return {name: i for i, name in enumerate(_COLUMNS)}


def _date(cell: str) -> date:
    """A CBOE date cell (MM/DD/YYYY); ValueError when it is not one."""
    return datetime.strptime(cell, "%m/%d/%Y").date()


def parse_cboe_csv(
    content: bytes | str, *, symbol: str, limit: int | None = None, vendor_symbol: str | None = None
) -> list[Bar]:
    """Daily bars (no volume) of instrument `symbol` (its id) from a CBOE history CSV, oldest
    first; only the last `limit` rows. Errors name `vendor_symbol`, CBOE's (else `symbol`).

    Bar time is the date at 00:00 UTC (the file gives a date, no time). Rows before the window
    are not read, so a bad row from 1990 cannot blank today's quote (see providers.daily_csv).
    """
    return read_daily_csv(
        content,
        symbol=symbol,
        named=vendor_symbol or symbol,
        columns=_columns,
        parse_date=_date,
        date_words="an MM/DD/YYYY date",
        limit=limit,
    )


def close_time(day: date) -> datetime:
    """The time of a day's closing value: 16:15 New York, in UTC (EST or EDT as that day had)."""
    return datetime.combine(day, CLOSE_TIME, NEW_YORK).astimezone(UTC)


def row_time(day: date, now: datetime) -> datetime:
    """The time a row's CLOSE refers to: 16:15 New York on its date once that has passed.

    A row for a day still in progress gives no time for its value: it is at least as recent as
    the 09:30 open (or the start of the day in New York, before the open), so that is its time.
    Never the fetch time: a value stamped `now` would look newer than a real-time source's
    quote of a minute ago and refuse it as going back.
    """
    for when in (CLOSE_TIME, OPEN_TIME, time()):
        stamp = datetime.combine(day, when, NEW_YORK).astimezone(UTC)
        if stamp <= now:
            return stamp
    return stamp  # the day begins within MAX_FUTURE of now (cboe_quote checked)


def cboe_quote(
    bars: list[Bar],
    *,
    symbol: str,
    name: str,
    now: datetime,
    unit: str | None = None,
    currency: str | None = None,
    market: str | None = None,
    vendor_symbol: str | None = None,
) -> Quote:
    """The last close as a Quote of instrument `symbol` (its id), the close before it as
    prev_close, recent closes as sparkline. Errors name `vendor_symbol` (else `symbol`).

    as_of is 16:15 New York on the last row's date, or for a day in progress the time its value
    is known to be from (see `row_time`); a row dated after today in New York is BadPayload.
    """
    named = vendor_symbol or symbol
    if not bars:
        raise EmptyResult(f"{named}: no rows")
    day = bars[-1].time.date()
    if datetime.combine(day, time(), NEW_YORK) > now + MAX_FUTURE:
        raise BadPayload(f"{named}: row dated {day} is in the future")
    return Quote.from_daily_bars(
        bars,
        sparkline=SPARKLINE,
        symbol=symbol,
        name=name,
        currency=currency,
        unit=unit,
        market=market,
        as_of=row_time(day, now),
    )


class CboeProvider(HttpProvider):
    """Index levels (VIX term structure) from the daily history files on CBOE's CDN; no key."""

    name = NAME
    kinds = frozenset({RecordKind.QUOTE})
    default_base_url = DEFAULT_BASE_URL

    def _quote(self, inst: Instrument, symbol: str, request: Request) -> Quote:
        try:
            answer = self.http.get(cboe_request(symbol))
        except RateLimited as exc:  # name the symbol, keep the retry hint
            raise RateLimited(f"{symbol}: {exc}", exc.retry_after_s) from exc
        except ProviderError as exc:
            raise type(exc)(f"{symbol}: {exc}") from exc
        bars = parse_cboe_csv(answer.content, symbol=inst.id, limit=SPARKLINE, vendor_symbol=symbol)
        return cboe_quote(
            bars,
            symbol=inst.id,
            name=inst.name,  # the configured display name
            now=request.now,
            unit=inst.unit,
            currency=inst.currency,
            market=inst.market or request.market,
            vendor_symbol=symbol,
        )

    def load(self, request: Request) -> Batch:
        """Fetch and parse each mapped index; one failure becomes a problem, not an error."""
        return self.each_instrument(request, lambda i, s: [self._quote(i, s, request)])
