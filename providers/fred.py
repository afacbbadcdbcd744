"""FRED (St. Louis Fed): Treasury yields, the fed funds rate and release calendars.

The JSON API is called directly (fredapi has no timeout): `*_request` build requests (pure),
`FredProvider` fetches through the shared HttpClient (the only I/O), `parse_*` are pure. The key
is only ever in the query string: HttpClient's errors never show URLs, FRED's are redacted.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Any

import defusedxml.ElementTree as SafeET

from config.schema import Instrument, RecordKind
from providers.base import Batch, HttpProvider, Request, most_telling
from providers.configured_events import AHEAD, BEHIND, scheduled_events
from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    ProviderError,
    RateLimited,
    Unavailable,
)
from providers.models import AnyRecord, CalendarEvent, Quote
from providers.treasury import MAX_FUTURE, NEW_YORK, check_yield, curve_points

NAME = "fred"
DEFAULT_BASE_URL = "https://api.stlouisfed.org"
SPARK_POINTS = 30
RELEASE_TIME = time(8, 30)  # BLS and BEA release CPI, payrolls, GDP, retail at 08:30 New York
# The calendar's window is the same whichever source answers.
_TOKEN = re.compile(r"[A-Za-z0-9]{20,}")  # anything shaped like a key is never echoed


def observations_request(series_id: str, api_key: str, limit: int = 40) -> tuple[str, dict]:
    """Path and parameters for a series' newest observations (40: 8 weeks of business days)."""
    params = {"series_id": series_id, "api_key": api_key, "file_type": "json"}
    return "/fred/series/observations", {**params, "sort_order": "desc", "limit": str(limit)}


def release_dates_request(release_id: str, api_key: str, since: date) -> tuple[str, dict]:
    """Path and parameters for a release's dates from `since` on, future ones included."""
    params = {"release_id": release_id, "api_key": api_key, "file_type": "json"}
    extra = {"realtime_start": since.isoformat(), "sort_order": "asc"}
    return "/fred/release/dates", {**params, "include_release_dates_with_no_data": "true", **extra}


def fred_error(message: Any, code: Any = 400, api_key: str | None = None) -> ProviderError:
    """FRED's own error as ours, its message shortened and any key-like text removed."""
    text = str(message).split(" Read http")[0]  # drop the link to FRED's docs
    if api_key:
        text = text.replace(api_key, "***")
    text = " ".join(_TOKEN.sub("***", text).split())[:120]
    code = int(code) if str(code).isdigit() else 400
    # 400 means a key FRED does not know or an id it does not have: both are configuration.
    kind = RateLimited if code == 429 else Unavailable if code >= 500 else NotConfigured
    return kind(f"FRED refused the request: {text}")


def _json(content: bytes, api_key: str | None) -> dict:
    try:
        payload = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("FRED answer is not JSON") from None
    if not isinstance(payload, dict):
        raise BadPayload("FRED answer is not a JSON object")
    if "error_code" in payload or "error_message" in payload:
        raise fred_error(payload.get("error_message"), payload.get("error_code"), api_key)
    return payload


def _series(pairs: list[tuple[Any, Any]]) -> list[tuple[date, float]]:
    """Dated values, oldest first; "." gaps skipped, anything unreadable or unordered rejected."""
    try:
        days = [date.fromisoformat(day) for day, _ in pairs]
        # "." is FRED's value for a day without data (a holiday in a business-day series).
        values = [None if v == "." else float(v) for _, v in pairs]
    except (TypeError, ValueError):
        raise BadPayload("FRED observation with an unreadable date or value") from None
    if any(v is not None and not math.isfinite(v) for v in values):
        raise BadPayload("FRED observation is not a finite number")
    if days != sorted(set(days)) and days != sorted(set(days), reverse=True):
        raise BadPayload("FRED observation dates are repeated or out of order")
    return sorted((d, v) for d, v in zip(days, values, strict=True) if v is not None)


def parse_observations_json(content: bytes, api_key: str | None = None) -> list[tuple[date, float]]:
    """(date, value) pairs of a JSON observations answer, oldest first, "." gaps skipped."""
    observations = _json(content, api_key).get("observations")
    if not isinstance(observations, list) or not all(isinstance(o, dict) for o in observations):
        raise BadPayload("FRED answer has no observations list")
    return _series([(o.get("date"), o.get("value")) for o in observations])


def parse_observations_xml(content: bytes, api_key: str | None = None) -> list[tuple[date, float]]:
    """(date, value) pairs of an XML observations answer (parsed with defusedxml)."""
    try:
        root = SafeET.fromstring(content)
    except (SafeET.ParseError, ValueError):  # defusedxml's refusals are ValueErrors
        raise BadPayload("FRED answer is not well-formed XML") from None
    if root.tag == "error":
        raise fred_error(root.get("message"), root.get("code"), api_key)
    if root.tag != "observations":
        raise BadPayload("FRED answer is not an observations document")
    return _series([(o.get("date"), o.get("value")) for o in root.iter("observation")])


def parse_release_dates_json(content: bytes, api_key: str | None = None) -> list[date]:
    """The dates of a release-dates answer, in order."""
    entries = _json(content, api_key).get("release_dates")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BadPayload("FRED answer has no release_dates list")
    try:
        return sorted({date.fromisoformat(e.get("date")) for e in entries})
    except (TypeError, ValueError):
        raise BadPayload("FRED release date is unreadable") from None


def quote_from_series(
    series: list[tuple[date, float]], inst: Instrument, now: datetime, market: str
) -> Quote:
    """A quote: the newest value, the one before it as prev_close, the last values as sparkline."""
    if not series:
        raise EmptyResult("no observation with a value")
    (day, price), previous = series[-1], (series[-2][1] if len(series) > 1 else None)
    # A rate in % may be zero or negative (as the models allow); anything else is a price.
    if inst.unit != "%" and (price <= 0 or (previous is not None and previous <= 0)):
        raise BadPayload(f"value {price:g} on {day} is not above zero")
    # A daily value has no time of day: it is stamped at the start of its day in New York.
    as_of = datetime.combine(day, time(0), NEW_YORK).astimezone(UTC)
    if as_of > now + MAX_FUTURE:
        raise BadPayload(f"observation date {day} is in the future")
    change = None if previous is None else price - previous
    return Quote(
        symbol=inst.id,
        name=inst.name,
        price=price,
        change=change,
        change_pct=None if not previous else change / previous * 100,
        currency=inst.currency,
        unit=inst.unit,
        prev_close=previous,
        sparkline=tuple(value for _, value in series[-SPARK_POINTS:]),
        market=inst.market or market,
        as_of=as_of,
    )


def release_events(days: list[date], name: str, now: datetime) -> list[CalendarEvent]:
    """One US event at 08:30 New York per release date within [now - 7 days, now + 14 days]."""
    times = [datetime.combine(day, RELEASE_TIME, NEW_YORK).astimezone(UTC) for day in days]
    window = [t for t in times if now - BEHIND <= t <= now + AHEAD]
    return [CalendarEvent(time=t, country="US", name=name) for t in window]


class FredProvider(HttpProvider):
    """Yield curves (DGS*), policy rates (DFF) and release dates from the FRED API."""

    name = NAME
    kinds = frozenset({RecordKind.CURVE, RecordKind.QUOTE, RecordKind.EVENT})
    default_base_url = DEFAULT_BASE_URL

    def _fetch(self, symbol: str, path: str, params: dict, parse: Any) -> Any:
        """GET and parse one series or release; every error names the FRED symbol."""
        try:
            return parse(self.http.get(path, params).content, params["api_key"])
        except ProviderError as exc:
            # FRED answers 400 to a key it does not know or an id it does not have, explained
            # in a JSON body HttpClient keeps on the error; fred_error keeps the key out of it.
            if exc.status == 400:
                try:
                    detail = json.loads(exc.body or b"").get("error_message") or "HTTP 400"
                except (ValueError, UnicodeDecodeError, AttributeError):
                    detail = "HTTP 400; check the key and id"
                exc = fred_error(detail, 400, params.get("api_key"))
            elif exc.status in (401, 403):  # the key, not the request
                exc = NotConfigured("FRED refused the API key; check FRED_API_KEY")
            raise _named(symbol, exc) from None

    def _events(self, request: Request, key: str) -> tuple[list, list[str], list[ProviderError]]:
        """Release dates FRED knows by id; configured dates (FOMC) for instruments without one."""
        scheduled = [i for i in request.instruments if self.symbol(i) is None and i.schedule]
        pairs = [(i, s) for i in request.instruments if (s := self.symbol(i)) is not None]
        if not pairs and not scheduled:
            raise NotConfigured(f"fred: no release ids or schedules for {request.dataset}")
        records: list[AnyRecord] = []
        errors: list[ProviderError] = []
        since = (request.now - BEHIND).date()
        for inst, release_id in pairs:
            call = release_dates_request(release_id, key, since)
            try:
                days = self._fetch(release_id, *call, parse_release_dates_json)
            except ProviderError as exc:
                errors.append(exc)
                continue
            records.extend(release_events(days, inst.name, request.now))
        if pairs and len(errors) == len(pairs):
            # FRED itself failed: say so (the chain falls back) rather than pass off the
            # configured dates alone as a good FRED answer.
            raise most_telling(errors)
        records += scheduled_events(scheduled, request.now, behind=BEHIND, ahead=AHEAD)
        records.sort(key=lambda event: (event.time, event.name))
        if not records and not errors:
            raise EmptyResult("no releases scheduled in the calendar window")
        return records, [], errors

    def _series(self, request: Request, key: str) -> tuple[list, list[str], list[ProviderError]]:
        """Quotes, or three curves (on dates the series share), from each series' newest values."""
        records: list[AnyRecord] = []
        errors: list[ProviderError] = []
        rows: dict[date, dict[str, float]] = defaultdict(dict)
        columns: dict[str, str] = {}
        for inst, symbol in self.mapped(request):
            call = observations_request(symbol, key)
            try:
                series = self._fetch(symbol, *call, parse_observations_json)
                if request.kind == RecordKind.QUOTE:
                    records.append(quote_from_series(series, inst, request.now, request.market))
                    continue
                checked = [(day, check_yield(value, f"{day}")) for day, value in series]
            except ProviderError as exc:
                errors.append(exc if str(exc).startswith(f"{symbol}:") else _named(symbol, exc))
                continue
            for day, value in checked:
                rows[day][symbol] = value
            columns[inst.id] = symbol
        records, problems = curve_points(rows, columns, request.now) if rows else (records, [])
        return records, problems, errors

    def load(self, request: Request) -> Batch:
        """Fetch each mapped series or release; one failure becomes a problem, not an error."""
        secret = self.settings.fred_api_key
        key = secret.get_secret_value().strip() if secret is not None else ""
        if not key:
            raise NotConfigured("needs FRED_API_KEY")
        fetch = self._events if request.kind == RecordKind.EVENT else self._series
        records, problems, errors = fetch(request, key)
        if not records and errors:
            raise most_telling(errors)
        return Batch(records=records, problems=[str(e) for e in errors] + problems)


def _named(symbol: str, exc: ProviderError) -> ProviderError:
    """The same error with the FRED symbol in front, keeping a rate limit's retry hint."""
    if isinstance(exc, RateLimited):
        return RateLimited(f"{symbol}: {exc}", exc.retry_after_s)
    return type(exc)(f"{symbol}: {exc}")
