"""ECB euro foreign exchange reference rates (`/stats/eurofxref/eurofxref-hist-90d.xml`).

One file gives every currency's rate per euro for the last ~90 business days; each configured
pair (EURUSD, USDJPY, GBPUSD, ...) is derived from it. `eurofxref_request` builds the request
(pure), `EcbProvider.load` fetches it once (the only I/O), `parse_eurofxref` and `pair_quote`
turn it into records (pure).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from xml.etree.ElementTree import ParseError
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from config.schema import RecordKind
from providers.base import Batch, HttpProvider, Request, batch_of
from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    ProviderError,
)
from providers.models import AnyRecord, Quote

NAME = "ecb"
DEFAULT_BASE_URL = "https://www.ecb.europa.eu"
PATH = "/stats/eurofxref/eurofxref-hist-90d.xml"
# The rates are a snapshot of the market at 14:15 Frankfurt time (CET/CEST), published around
# 16:00 on each TARGET business day (ECB press release of 7 December 2015): a rate's time is
# the snapshot's, which a file can never be ahead of, whenever it is published.
FRANKFURT = ZoneInfo("Europe/Berlin")
FIXED = time(14, 15)
MAX_FUTURE = timedelta(minutes=5)  # clocks drift; more than this is a wrong date
_PAIR = re.compile(r"^[A-Z]{6}$")
_CCY = re.compile(r"^[A-Z]{3}$")


def eurofxref_request() -> tuple[str, dict[str, str]]:
    """The path and query parameters of the 90-day reference rate file."""
    return PATH, {}


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _rate(text: str | None, day: date, ccy: str) -> float:
    try:
        value = float(text or "")
    except ValueError:
        raise BadPayload(f"{ccy} rate on {day} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise BadPayload(f"{ccy} rate on {day} is not a positive number")
    return value


def parse_eurofxref(raw: bytes) -> dict[date, dict[str, float]]:
    """Rates per euro by day, newest day first: {date: {"USD": 1.0982, ...}}."""
    try:
        root = fromstring(raw)
    except (ParseError, DefusedXmlException, ValueError):
        raise BadPayload("ECB reference rates are not well-formed XML") from None
    if _local(root.tag) != "Envelope":  # an HTML error page can be well-formed XML too
        raise BadPayload("not an ECB reference rate file")
    days: dict[date, dict[str, float]] = {}
    for cube in root.iter():
        if _local(cube.tag) != "Cube" or "time" not in cube.attrib:
            continue
        try:
            day = date.fromisoformat(cube.attrib["time"])
        except ValueError:
            raise BadPayload("a reference rate day is not a date") from None
        if day in days:
            raise BadPayload(f"reference rates for {day} appear twice")
        rates: dict[str, float] = {}
        for child in cube:
            ccy = child.attrib.get("currency", "")
            if not _CCY.match(ccy):
                raise BadPayload(f"a currency code on {day} is not three letters")
            rates[ccy] = _rate(child.attrib.get("rate"), day, ccy)
        days[day] = rates
    if not days:
        raise EmptyResult("the ECB file has no reference rates")
    return dict(sorted(days.items(), reverse=True))


def pair_series(days: dict[date, dict[str, float]], pair: str) -> list[tuple[date, float]]:
    """One pair (e.g. USDJPY = JPY per USD) by day, newest first, from rates per euro.

    The newest day must quote both currencies: a currency the ECB stopped publishing must not
    show an old rate as the latest one.
    """
    if not _PAIR.match(pair):
        raise NotConfigured(f"{pair}: not a six-letter currency pair")
    base, quote_ccy = pair[:3], pair[3:]
    latest = next(iter(days), None)
    for ccy in (base, quote_ccy):
        if ccy != "EUR" and (latest is None or ccy not in days[latest]):
            raise EmptyResult(f"{pair}: no ECB reference rate for {ccy} on {latest}")
    series = []
    for day, rates in days.items():
        rates = {**rates, "EUR": 1.0}
        if base in rates and quote_ccy in rates:
            series.append((day, rates[quote_ccy] / rates[base]))  # both checked > 0
    return series


def pair_quote(
    days: dict[date, dict[str, float]],
    pair: str,
    *,
    now: datetime,
    name: str,
    currency: str | None = None,
    unit: str | None = None,
    market: str | None = None,
    symbol: str | None = None,
) -> Quote:
    """A Quote for one pair: the newest day's rate, the day before as prev_close. `symbol` is the
    instrument id the quote carries (else the pair); errors name the pair.

    as_of is the rate's 14:15 Frankfurt snapshot; a rate dated after that is BadPayload.
    """
    series = pair_series(days, pair)
    day, price = series[0]
    as_of = datetime.combine(day, FIXED, tzinfo=FRANKFURT).astimezone(UTC)
    if as_of > now + MAX_FUTURE:
        raise BadPayload(f"{pair}: reference rate dated {day} is in the future")
    prev = series[1][1] if len(series) > 1 else None
    return Quote.from_prices(
        symbol=symbol or pair,
        name=name,
        price=price,
        currency=currency,
        unit=unit,
        prev_close=prev,
        sparkline=tuple(value for _, value in reversed(series)),
        market=market,
        as_of=as_of,
    )


class EcbProvider(HttpProvider):
    """Daily ECB reference rates as FX quotes: one file for every configured pair."""

    name = NAME
    kinds = frozenset({RecordKind.QUOTE})
    default_base_url = DEFAULT_BASE_URL

    def load(self, request: Request) -> Batch:
        """Fetch the 90-day file once and derive each mapped pair; a missing currency is a
        problem for its instrument only."""
        pairs = self.mapped(request)
        path, params = eurofxref_request()
        days = parse_eurofxref(self.http.get(path, params).content)  # errors: the whole batch
        records: list[AnyRecord] = []
        errors: list[ProviderError] = []
        for inst, symbol in pairs:
            try:
                quote_ = pair_quote(
                    days,
                    symbol,
                    now=request.now,
                    name=inst.name,
                    currency=inst.currency,
                    unit=inst.unit,
                    market=inst.market or request.market,
                    symbol=inst.id,
                )
            except ProviderError as exc:
                errors.append(exc)  # its message starts with the pair
                continue
            records.append(quote_)
        return batch_of(records, errors)
