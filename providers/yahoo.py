"""Yahoo Finance quotes and daily bars from the chart API v8 (`/v8/finance/chart/{symbol}`).

`chart_request` builds the request (pure); `YahooProvider.fetch_chart` is the only I/O, through
the shared HttpClient like every other source (Retry-After, size cap, truncation, per-host rate
limit: providers/http.py); `check_answer` refuses a chart that does not answer what was asked
(another symbol, another bar interval, a longer range: daily bars for a 5-minute request) and
`parse_chart_*` make records (pure).

The client runs on a session yfinance builds (`yahoo_session`): curl_cffi imitating Chrome's TLS
handshake and headers, which Yahoo wants from its clients. yfinance's cookie and crumb are not
fetched: the chart API answers without them (yfinance itself carries on without a crumb when
getcrumb is rate limited), and fetching them means calls to other Yahoo hosts outside the rules.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from config.schema import Instrument, RecordKind, Settings
from providers.base import Batch, Provider, Request
from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    ProviderError,
    RateLimited,
    Unavailable,
)
from providers.http import HttpClient
from providers.models import AnyRecord, Bar, Quote
from providers.stooq import calendar_days

NAME = "yahoo"
DEFAULT_BASE_URL = "https://query2.finance.yahoo.com"
# (range, interval) per kind: quotes want today's session for the sparkline; bars the shortest
# range (`bar_range`) holding the bars the chart shows plus the indicators' warm-up.
WINDOWS = {RecordKind.QUOTE: ("1d", "5m"), RecordKind.BAR: ("5y", "1d")}
# (range, interval) of an on-demand lookup's series (providers.base.HISTORY_SERIES).
HISTORY_WINDOWS = {"daily": ("5y", "1d"), "intraday": ("5d", "5m")}
BAR_RANGES = (("1y", 365), ("2y", 730), ("5y", 1826), ("10y", 3652))  # Yahoo's, in days

# Clocks drift and Yahoo stamps some quotes a little ahead; beyond this the time is wrong.
MAX_FUTURE = timedelta(minutes=5)
_EPOCH_MAX = 1e10  # epoch seconds in the year 2286: anything beyond is not a time
# The longest a range's bars may span, first to last, in days: its calendar length plus room
# for a weekend and a holiday, as Yahoo starts a range at the session on or before its first
# day ("5d" is five sessions, nine days over a weekend and a holiday). Bars spanning more
# answer a longer range than asked. "max" (and any range not listed) has no bound.
RANGE_SPAN_DAYS = {
    "1d": 2,
    "5d": 9,
    "1mo": 35,
    "3mo": 96,
    "6mo": 188,
    "1y": 370,
    "2y": 735,
    "5y": 1831,
    "10y": 3657,
    "ytd": 370,
}


@dataclass(frozen=True)
class ChartQuery:
    """What one chart request asked for: Yahoo's symbol, the range and the bar interval."""

    symbol: str
    range: str
    interval: str


def bar_range(sessions: int) -> str:
    """The shortest daily range holding `sessions` bars (a chart's shown bars and the warm-up
    before them, `Dataset.fetch_bars`: 561 for 250 shown is '5y', as '2y' holds ~500
    sessions); 'max' beyond ten years."""
    days = calendar_days(sessions)
    return next((name for name, span in BAR_RANGES if span >= days), "max")


def chart_request(
    symbol: str, *, range_: str, interval: str, base_url: str = DEFAULT_BASE_URL
) -> tuple[str, dict[str, str]]:
    """The URL and query parameters of one chart request."""
    url = f"{base_url.rstrip('/')}/v8/finance/chart/{quote(symbol, safe='')}"  # ^GSPC: one segment
    return url, {"range": range_, "interval": interval, "includePrePost": "false"}


def yahoo_session():
    """yfinance's session for Yahoo: curl_cffi imitating Chrome (or, without curl_cffi, requests
    with a browser User-Agent). Built, not shared with yfinance's own calls."""
    from yfinance._http import new_session  # lazy: yfinance pulls in pandas, curl_cffi, bs4

    return new_session()


def chart_document(body: bytes | None) -> dict | None:
    """A chart document in an error answer's body ({"chart": {"error": ...}}), or None."""
    try:
        document = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return None
    is_chart = isinstance(document, dict) and isinstance(document.get("chart"), dict)
    return document if is_chart else None


def _number(value: Any) -> float | None:
    """A finite number, or None (bool is not a number; NaN is what Yahoo sends for gaps)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _result(payload: Any, symbol: str) -> dict:
    """The first chart result, after the checks every chart payload needs."""
    chart = payload.get("chart") if isinstance(payload, dict) else None
    if not isinstance(chart, dict):
        raise BadPayload(f"{symbol}: not a chart document")
    error = chart.get("error")
    if error:
        code = error.get("code") if isinstance(error, dict) else None
        if code == "Not Found":
            raise EmptyResult(f"{symbol}: symbol not found")
        raise BadPayload(f"{symbol}: Yahoo error {str(code or error)[:60]}")
    if "result" not in chart:  # Yahoo sends "result": null when it has nothing, never no key
        raise BadPayload(f"{symbol}: chart has no result key")
    if not (results := chart["result"]):
        raise EmptyResult(f"{symbol}: no chart result")
    first = results[0] if isinstance(results, list) else None
    if not isinstance(first, dict) or not isinstance(first.get("meta"), dict):
        raise BadPayload(f"{symbol}: chart result has no meta object")
    return first


def _column(result: dict, name: str) -> list:
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, dict) else None
    first = quotes[0] if isinstance(quotes, list) and quotes else None
    column = first.get(name) if isinstance(first, dict) else None
    return column if isinstance(column, list) else []


def _times(stamps: Any, rows: int, symbol: str, what: str) -> list[float]:
    """One time per row, each a time, strictly increasing; else BadPayload.

    Yahoo lists rows oldest first. A chart out of order, or with a time twice, is refused like
    any other broken payload, never sorted: which row is the latest would be a guess.
    """
    if not isinstance(stamps, list) or len(stamps) != rows:
        raise BadPayload(f"{symbol}: price columns and timestamps do not line up")
    times: list[float] = []
    for stamp in stamps:
        t = _number(stamp)
        if t is None or not 0 < t < _EPOCH_MAX:
            raise BadPayload(f"{symbol}: a {what} time is missing or not a time")
        if times and t <= times[-1]:
            why = "repeated" if t == times[-1] else "out of order"
            at = datetime.fromtimestamp(t, UTC)
            raise BadPayload(
                f"{symbol}: {what} times are not strictly increasing "
                f"({at:%Y-%m-%d %H:%M} UTC {why})"
            )
        times.append(t)
    return times


def _label(meta: dict, key: str) -> str:
    value = meta.get(key)
    return value if isinstance(value, str) else ""


def check_answer(payload: Any, asked: ChartQuery) -> None:
    """Refuse a chart that is not the answer to `asked` (BadPayload naming what was asked and
    what came): `meta.symbol` must be the symbol asked, `meta.dataGranularity` the interval
    asked, `meta.range` (when Yahoo names one) the range asked, and the bars may not span more
    than that range (RANGE_SPAN_DAYS). A chart carrying Yahoo's own error raises as in parsing.

    Without it, daily bars answering a 5-minute request make a day's change out of a sparkline,
    and one symbol's chart answering for another puts ^GSPC's 5,085 on a fed funds future.
    """
    named = asked.symbol
    meta = _result(payload, named)["meta"]
    symbol = _label(meta, "symbol")
    if symbol.upper() != asked.symbol.upper():
        raise BadPayload(f"{named}: asked {asked.symbol}, got a chart of {symbol or 'no symbol'}")
    interval = _label(meta, "dataGranularity")
    if interval != asked.interval:
        raise BadPayload(f"{named}: asked {asked.interval} bars, got {interval or 'unnamed'} bars")
    range_ = _label(meta, "range")
    if range_ and range_ != asked.range:
        raise BadPayload(f"{named}: asked range {asked.range}, got range {range_}")
    longest = RANGE_SPAN_DAYS.get(asked.range)
    stamps = payload["chart"]["result"][0].get("timestamp")
    times = [t for t in map(_number, stamps if isinstance(stamps, list) else []) if t is not None]
    if longest is None or len(times) < 2:
        return
    first, last = (datetime.fromtimestamp(t, UTC) for t in (min(times), max(times)))
    if last - first > timedelta(days=longest):
        raise BadPayload(
            f"{named}: asked range {asked.range}, got bars spanning {(last - first).days} days "
            f"({first:%Y-%m-%d} to {last:%Y-%m-%d})"
        )


def parse_chart_quote(
    payload: Any,
    *,
    symbol: str,
    name: str,
    now: datetime,
    currency: str | None = None,
    unit: str | None = None,
    market: str | None = None,
    vendor_symbol: str | None = None,
) -> Quote:
    """One Quote of instrument `symbol` (its id) from a chart payload's meta, with today's closes
    as the sparkline. Errors name `vendor_symbol`, Yahoo's symbol (else `symbol`)."""
    named = vendor_symbol or symbol
    result = _result(payload, named)
    meta = result["meta"]
    price = _number(meta.get("regularMarketPrice"))
    if price is None or price <= 0:
        raise BadPayload(f"{named}: no usable price")
    stamp = _number(meta.get("regularMarketTime"))
    if stamp is None or not 0 < stamp < _EPOCH_MAX:
        raise BadPayload(f"{named}: no usable regularMarketTime")
    as_of = datetime.fromtimestamp(stamp, UTC)
    if as_of > now + MAX_FUTURE:
        raise BadPayload(f"{named}: quote time {as_of:%Y-%m-%d %H:%M} UTC is in the future")
    # previousClose is the session before regularMarketTime; chartPreviousClose is the close
    # before the chart's first bar, which is the same for range=1d but not for dated requests.
    prev = _number(meta.get("previousClose")) or _number(meta.get("chartPreviousClose"))
    prev = prev if prev is not None and prev > 0 else None
    change = None if prev is None else price - prev  # finite: both are positive floats
    if currency is None and unit is None:
        # With a unit (index points, %) the price is a level, not an amount in Yahoo's currency.
        currency = meta.get("currency") if isinstance(meta.get("currency"), str) else None
    column = _column(result, "close")
    if column:  # the sparkline follows the rows: they must be in time order
        _times(result.get("timestamp"), len(column), named, "chart")
    closes = [c for c in map(_number, column) if c is not None]
    # Every field is checked above, so the record cannot fail its own validation.
    return Quote(
        symbol=symbol,
        name=name,
        price=price,
        change=change,
        change_pct=None if prev is None else _number(change / prev * 100),
        currency=currency,
        unit=unit,
        prev_close=prev,
        sparkline=tuple(closes),
        market=market,
        as_of=as_of,
    )


def parse_chart_bars(payload: Any, *, symbol: str, vendor_symbol: str | None = None) -> list[Bar]:
    """The OHLCV bars of instrument `symbol` (its id) in a chart payload; rows with a missing
    price (holidays) are skipped. Errors name `vendor_symbol`, Yahoo's symbol (else `symbol`)."""
    named = vendor_symbol or symbol
    result = _result(payload, named)
    stamps = result.get("timestamp")
    if not stamps:  # a weekend intraday request, or a symbol with no history
        raise EmptyResult(f"{named}: no bars in the chart")
    cols = [_column(result, k) for k in ("open", "high", "low", "close")]
    volumes = _column(result, "volume")
    if not isinstance(stamps, list) or any(len(col) != len(stamps) for col in cols):
        raise BadPayload(f"{named}: price columns and timestamps do not line up")
    times = _times(stamps, len(stamps), named, "bar")
    bars = []
    try:
        for i, t in enumerate(times):
            o, h, low, c = (_number(col[i]) for col in cols)
            if None in (o, h, low, c):
                continue  # Yahoo sends a row of nulls for a holiday or a halted session
            v = _number(volumes[i]) if i < len(volumes) else None
            when = datetime.fromtimestamp(t, UTC)
            bars.append(Bar(symbol=symbol, time=when, open=o, high=h, low=low, close=c, volume=v))
    except ValidationError as exc:
        raise BadPayload(f"{named}: bar fails validation ({exc.error_count()} errors)") from None
    if not bars:
        raise EmptyResult(f"{named}: every bar lacks a price")
    return bars


def history_query(symbol: str, series: str) -> ChartQuery:
    """The chart request of one symbol's lookup series ("daily": 5y of 1d; "intraday": 5d of
    5m); NotConfigured for a series Yahoo is not asked for."""
    if series not in HISTORY_WINDOWS:
        raise NotConfigured(f"yahoo has no {series} history")
    range_, interval = HISTORY_WINDOWS[series]
    return ChartQuery(symbol, range_, interval)


def parse_history(payload: Any, asked: ChartQuery, *, now: datetime) -> list[Bar]:
    """The bars answering a lookup's chart request, labelled with Yahoo's symbol: refused like
    any chart that is not the answer to what was asked (`check_answer`), or whose last bar lies
    in the future."""
    check_answer(payload, asked)
    bars = parse_chart_bars(payload, symbol=asked.symbol)
    if bars[-1].time > now + MAX_FUTURE:
        raise BadPayload(f"{asked.symbol}: bar time {bars[-1].time:%Y-%m-%d %H:%M} UTC is ahead")
    return bars


class YahooProvider(Provider):
    """Quotes (today's session) and daily bars (shown plus warm-up) from Yahoo's chart API."""

    name = NAME
    kinds = frozenset({RecordKind.QUOTE, RecordKind.BAR})

    def __init__(
        self,
        settings: Settings,
        fetch_json: Callable[[str, dict, float], Any] | None = None,
        base_url: str | None = None,
    ) -> None:
        self.settings = settings
        self._fetch_json = fetch_json or self.fetch_chart
        self.options = settings.provider_options(self.name)
        self.base = base_url or self.options.base_url or DEFAULT_BASE_URL
        self._http: HttpClient | None = None
        self._http_lock = threading.Lock()

    @property
    def http(self) -> HttpClient:
        """The shared HTTP client, built at first use (importing yfinance takes a while)."""
        with self._http_lock:
            if self._http is None:
                self._http = HttpClient(
                    self.name,
                    self.base,
                    timeout_s=self.settings.refresh.deadline_s,
                    requests_per_second=self.options.requests_per_second,
                    max_bytes=self.options.max_bytes,
                    session=yahoo_session(),
                    user_agent=None,  # the imitated browser's own: Yahoo refuses others
                    hold_on_retry_after=True,  # one host and one limit for every dataset
                )
            return self._http

    def fetch_chart(self, url: str, params: dict, timeout: float) -> Any:
        """GET one chart document through the shared client; map Yahoo's answers to our errors."""
        try:
            answer = self.http.get(url, params, timeout_s=timeout)  # headers: the browser's
        except BadPayload as exc:
            # The client keeps the start of a 4xx body: Yahoo explains a bad range there, in a
            # chart document whose error the parser turns into ours.
            document = chart_document(exc.body)
            if document is None:
                raise
            return document
        except EmptyResult as exc:  # the client's 404
            raise EmptyResult("symbol not found (HTTP 404)") from exc
        except NotConfigured as exc:  # 401/403: Yahoo wanting a cookie or crumb, not our config
            raise Unavailable(f"Yahoo refused the request (HTTP {exc.status})") from exc
        try:
            return json.loads(answer.content)
        except (ValueError, UnicodeDecodeError):
            raise BadPayload("Yahoo's answer is not JSON") from None

    def _records(self, inst: Instrument, symbol: str, request: Request) -> list[AnyRecord]:
        range_, interval = WINDOWS[request.kind]
        if request.kind == RecordKind.BAR:
            range_ = bar_range(self.settings.datasets[request.dataset].fetch_bars)
        url, params = chart_request(symbol, range_=range_, interval=interval, base_url=self.base)
        try:
            payload = self._fetch_json(url, params, self.settings.deadline_s(request.dataset))
        except RateLimited as exc:  # name the symbol, keep the retry hint
            raise RateLimited(f"{symbol}: {exc}", exc.retry_after_s) from exc
        except ProviderError as exc:
            raise type(exc)(f"{symbol}: {exc}") from exc
        check_answer(payload, ChartQuery(symbol, range_, interval))
        if request.kind == RecordKind.BAR:
            return parse_chart_bars(payload, symbol=inst.id, vendor_symbol=symbol)
        quote_ = parse_chart_quote(
            payload,
            symbol=inst.id,
            name=inst.name,  # the configured display name, not Yahoo's
            now=request.now,
            currency=inst.currency,
            unit=inst.unit,
            market=inst.market or request.market,
            vendor_symbol=symbol,
        )
        return [quote_]

    def history(
        self, symbol: str, series: str, now: datetime, market: str | None = None
    ) -> list[Bar]:
        """One symbol's lookup series from the chart API (see `history_query`)."""
        asked = history_query(symbol, series)
        url, params = chart_request(
            symbol, range_=asked.range, interval=asked.interval, base_url=self.base
        )
        try:
            payload = self._fetch_json(url, params, self.settings.refresh.deadline_s)
        except RateLimited as exc:  # name the symbol, keep the retry hint
            raise RateLimited(f"{symbol}: {exc}", exc.retry_after_s) from exc
        except ProviderError as exc:
            raise type(exc)(f"{symbol}: {exc}") from exc
        return parse_history(payload, asked, now=now)

    def load(self, request: Request) -> Batch:
        """Fetch and parse each mapped instrument; one failure becomes a problem, not an error.

        After a rate limit the rest are not requested: Yahoo limits by address, not by symbol,
        and hitting it again only prolongs the block (a Retry-After is kept by the client too).
        """
        return self.each_instrument(
            request,
            lambda inst, symbol: self._records(inst, symbol, request),
            stop_when_limited=True,
        )
