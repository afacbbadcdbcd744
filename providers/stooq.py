"""Stooq daily history CSV (`/q/d/l/?s=<symbol>&i=d`): quotes from the latest closes, daily bars.

`stooq_request` builds the request (pure); `StooqProvider.load` fetches through the shared
HttpClient (the only I/O); `parse_stooq_csv`, `last_session`, `quote_time`, `stooq_quote` and
`session_bars` are pure. Stooq answers some failures in-band with HTTP 200: "No data" for an
unknown symbol, "Exceeded the daily hits limit" when the daily quota is spent; the parser maps
both.

A row gives a date, not a time. The CSV's bars are first dated 00:00 UTC; a bar dataset's bars
are then timed at their session's close on the instrument's market (`session_bars`), the time
their close refers to, so the wall's "as of" for them is the close, not a midnight before the
session even opened. A bar dataset asks for the bars its chart shows plus the indicators' warm-up
(`Dataset.fetch_bars`).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pandas as pd

from config.schema import Instrument, RecordKind
from providers import markets
from providers.base import HISTORY_YEARS, Batch, HttpProvider, Request
from providers.daily_csv import read_daily_csv
from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    ProviderError,
    RateLimited,
)
from providers.models import AnyRecord, Bar, Quote

NAME = "stooq"
DEFAULT_BASE_URL = "https://stooq.com"
SPARKLINE = 30  # daily closes behind a quote tile: about six weeks
QUOTE_DAYS = 60  # calendar days asked for a quote: over SPARKLINE sessions on any calendar
# Fewest sessions a calendar day holds on any market: 5 weekdays in 7, less 10 % for holidays
# (NYSE closes on ~9 weekdays a year, Shanghai on ~17, 7 %).
SESSIONS_PER_DAY = 5 / 7 * 0.9
# Clocks drift; a row dated beyond this is a wrong date, not an early one.
MAX_FUTURE = timedelta(minutes=5)
# Field -> its header name at stooq.pl, which answers in Polish. Some series (FX) have no volume.
_POLISH = {"date": "data", "open": "otwarcie", "high": "najwyzszy", "low": "najnizszy"}
_POLISH |= {"close": "zamkniecie", "volume": "wolumen"}
_COLUMNS = {name: field for field, polish in _POLISH.items() for name in (field, polish)}
_REQUIRED = ("date", "open", "high", "low", "close")
_NO_DATA = ("no data", "brak danych")  # stooq.com / stooq.pl for an unknown symbol


def calendar_days(sessions: int) -> int:
    """Calendar days back that hold at least `sessions` sessions on any market (a week to spare:
    a request may fall after a long weekend)."""
    return math.ceil(sessions / SESSIONS_PER_DAY) + 7


def stooq_request(
    symbol: str, *, since: date | None = None, api_key: str | None = None
) -> tuple[str, dict[str, str]]:
    """The path and query parameters of one symbol's daily history.

    `since` asks only for the rows from that day on (the whole ^SPX history is 1.6 MB);
    `api_key` is sent when configured, as Stooq now asks scripts for one.
    """
    params = {"s": symbol, "i": "d"}
    if since is not None:
        params["d1"] = since.strftime("%Y%m%d")
    if api_key:
        params["apikey"] = api_key
    return "/q/d/l/", params


def _not_csv(text: str, symbol: str) -> ProviderError:
    """The error an answer that is not a Stooq CSV stands for (never echoing the body)."""
    lower = text.strip().lower()
    if "daily hits limit" in lower:
        return RateLimited(f"{symbol}: Stooq daily hits limit exceeded")
    if lower.startswith(_NO_DATA):
        return EmptyResult(f"{symbol}: Stooq has no data (unknown symbol?)")
    if "apikey" in lower:  # reported since mid-2026: CSV downloads need a captcha-issued key
        return NotConfigured(f"{symbol}: Stooq asks for an API key")
    if lower.startswith("<"):
        return BadPayload(f"{symbol}: HTML instead of CSV")
    return BadPayload(f"{symbol}: not a Stooq CSV")


def _columns(header: list[str], text: str, named: str) -> dict[str, int]:
    """Where each field stands in a Stooq file (English or Polish header, volume optional)."""
    if header[0] not in ("date", "data"):
        raise _not_csv(text, named)
    where = {_COLUMNS[name]: i for i, name in enumerate(header) if name in _COLUMNS}
    if missing := [name for name in _REQUIRED if name not in where]:
        raise BadPayload(f"{named}: CSV has no {', '.join(missing)} column")
    return where


def parse_stooq_csv(
    content: bytes | str, *, symbol: str, limit: int | None = None, vendor_symbol: str | None = None
) -> list[Bar]:
    """Daily bars of instrument `symbol` (its id) from a Stooq CSV, oldest first; only the last
    `limit` rows. Errors name `vendor_symbol`, Stooq's symbol (else `symbol`).

    Bar time is the row's date at 00:00 UTC: Stooq gives a date, not a session time. Rows before
    the window are not read, so a bad row from 1871 cannot blank today's quote (see
    providers.daily_csv).
    """
    return read_daily_csv(
        content,
        symbol=symbol,
        named=vendor_symbol or symbol,
        columns=_columns,
        parse_date=date.fromisoformat,
        date_words="a date",
        limit=limit,
    )


def last_session(
    bars: list[Bar], *, symbol: str, now: datetime, market: str | None
) -> tuple[datetime, datetime]:
    """(open, close) of the last bar's session; BadPayload (naming `symbol`) when that session
    starts after `now`.

    From the market's exchange calendar; for a market without one (24/7, 24/5, unknown) or a day
    outside the calendar (or not a session on it), both are the date at 00:00 UTC.
    """
    day = bars[-1].time.date()
    opens = closes = bars[-1].time
    if market and market not in markets.ROUND_THE_CLOCK:
        try:
            cal = markets.calendar(market)
            if cal.is_session(day.isoformat()):
                opens = cal.session_open(day.isoformat()).to_pydatetime()
                closes = cal.session_close(day.isoformat()).to_pydatetime()
        except ValueError:  # UnknownMarket, DateOutOfBounds: keep the date at 00:00 UTC
            pass
    if opens > now + MAX_FUTURE:
        raise BadPayload(f"{symbol}: row dated {day} is in the future")
    return opens, closes


def quote_time(opens: datetime, closes: datetime, now: datetime) -> datetime:
    """The time a daily row's close refers to: its session's close once that has passed.

    While the session still runs, Stooq's row for it moves with the market but says nothing of
    when its last trade was; the only time it vouches for is the session's open, so that is the
    row's time (never the fetch time: a value stamped `now` would look newer than a real-time
    source's quote of a minute ago, and refuse it as going back). The tile then shows its age
    honestly: how long ago the data could be from.
    """
    return closes if closes <= now else opens


def session_times(days: list[date], market: str | None) -> list[tuple[datetime, datetime] | None]:
    """(open, close) of each day's session on the market's exchange calendar; None for a day that
    is not a session on it (or lies outside it), and for every day of a market without one."""
    if not market or market in markets.ROUND_THE_CLOCK:
        return [None] * len(days)
    try:
        schedule = markets.calendar(market).schedule
    except markets.UnknownMarket:
        return [None] * len(days)
    rows = schedule.reindex(pd.DatetimeIndex([pd.Timestamp(day) for day in days]))
    return [
        None if pd.isna(o) or pd.isna(c) else (o.to_pydatetime(), c.to_pydatetime())
        for o, c in zip(rows["open"], rows["close"], strict=True)
    ]


def session_bars(bars: list[Bar], *, symbol: str, now: datetime, market: str | None) -> list[Bar]:
    """The daily bars (dated 00:00 UTC) timed when their close was struck: each session's close
    on the market, or its open while it still runs (see `quote_time`); a day with no session on
    the market's calendar (24/7, 24/5, an unknown market, a date outside the calendar) keeps
    00:00 UTC. BadPayload (naming `symbol`) when the last bar's session starts after `now`.

    Every other source times a finished day at or after its session's open (Yahoo at the open);
    a midnight UTC stamp is hours before the New York open, so the data looked older than it is
    and read "as of 00:00 UTC".
    """
    if not bars:
        return bars
    last_session(bars, symbol=symbol, now=now, market=market)  # the future check
    times = session_times([b.time.date() for b in bars], market)
    return [
        bar if session is None else bar.model_copy(update={"time": quote_time(*session, now)})
        for bar, session in zip(bars, times, strict=True)
    ]


def stooq_quote(
    bars: list[Bar],
    *,
    symbol: str,
    name: str,
    now: datetime,
    market: str | None = None,
    currency: str | None = None,
    unit: str | None = None,
    vendor_symbol: str | None = None,
) -> Quote:
    """The last close as a Quote of instrument `symbol` (its id), the close before it as
    prev_close, recent closes as sparkline. Errors name `vendor_symbol` (else `symbol`).

    as_of is the session close of the last row's date (see `quote_time`).
    """
    named = vendor_symbol or symbol
    if not bars:
        raise EmptyResult(f"{named}: no rows")
    opens, closes = last_session(bars, symbol=named, now=now, market=market)
    return Quote.from_daily_bars(
        bars,
        sparkline=SPARKLINE,
        symbol=symbol,
        name=name,
        currency=currency,
        unit=unit,
        market=market,
        as_of=quote_time(opens, closes, now),
    )


def history_since(now: datetime) -> date:
    """The first day of a lookup's daily history: five years back."""
    return (now - timedelta(days=round(365.25 * HISTORY_YEARS))).date()


def stooq_history(
    content: bytes | str, *, symbol: str, since: date, now: datetime, market: str | None
) -> list[Bar]:
    """A lookup's daily bars from a Stooq CSV, labelled with Stooq's symbol: the rows from
    `since` on (Stooq may send older ones), timed at their session's close (`session_bars`)."""
    bars = [b for b in parse_stooq_csv(content, symbol=symbol) if b.time.date() >= since]
    if not bars:
        raise EmptyResult(f"{symbol}: no rows since {since}")
    return session_bars(bars, symbol=symbol, now=now, market=market)


class StooqProvider(HttpProvider):
    """Quotes (last daily close) and daily bars from Stooq's history CSV; no key needed."""

    name = NAME
    kinds = frozenset({RecordKind.QUOTE, RecordKind.BAR})
    default_base_url = DEFAULT_BASE_URL

    def _records(self, inst: Instrument, symbol: str, request: Request) -> list[AnyRecord]:
        limit = SPARKLINE
        days = QUOTE_DAYS
        if request.kind == RecordKind.BAR:
            limit = self.settings.datasets[request.dataset].fetch_bars
            days = calendar_days(limit)
        key = self.settings.provider_options(NAME).api_key
        path, params = stooq_request(
            symbol,
            since=(request.now - timedelta(days=days)).date(),
            api_key=key.get_secret_value() if key else None,
        )
        try:
            answer = self.http.get(path, params)
        except RateLimited as exc:  # name the symbol, keep the retry hint
            raise RateLimited(f"{symbol}: {exc}", exc.retry_after_s) from exc
        except ProviderError as exc:
            raise type(exc)(f"{symbol}: {exc}") from exc
        market = inst.market or request.market
        bars = parse_stooq_csv(answer.content, symbol=inst.id, limit=limit, vendor_symbol=symbol)
        if request.kind == RecordKind.BAR:
            return session_bars(bars, symbol=symbol, now=request.now, market=market)
        quote = stooq_quote(
            bars,
            symbol=inst.id,
            name=inst.name,
            now=request.now,
            market=market,
            currency=inst.currency,
            unit=inst.unit,
            vendor_symbol=symbol,
        )
        return [quote]

    def history(
        self, symbol: str, series: str, now: datetime, market: str | None = None
    ) -> list[Bar]:
        """Five years of one symbol's daily bars; Stooq's CSV has no intraday bars."""
        if series != "daily":
            raise NotConfigured("stooq has no intraday bars")
        since = history_since(now)
        key = self.settings.provider_options(NAME).api_key
        path, params = stooq_request(
            symbol, since=since, api_key=key.get_secret_value() if key else None
        )
        try:
            answer = self.http.get(path, params)
        except RateLimited as exc:  # name the symbol, keep the retry hint
            raise RateLimited(f"{symbol}: {exc}", exc.retry_after_s) from exc
        except ProviderError as exc:
            raise type(exc)(f"{symbol}: {exc}") from exc
        return stooq_history(answer.content, symbol=symbol, since=since, now=now, market=market)

    def load(self, request: Request) -> Batch:
        """Fetch and parse each mapped instrument; one failure becomes a problem, not an error.

        After a rate limit the rest are not requested: Stooq's quota is per day, and every
        further hit would only spend more of it.
        """
        return self.each_instrument(
            request,
            lambda inst, symbol: self._records(inst, symbol, request),
            stop_when_limited=True,
        )
