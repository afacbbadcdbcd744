"""ECB data portal series (SDMX-JSON) as quotes: policy rates such as the deposit facility rate.

A symbol is "<flow>/<series key>", e.g. "FM/D.U2.EUR.4F.KR.DFR.LEV". `series_request` builds
the request (pure), `EcbDataProvider.load` fetches one series per instrument (the only I/O),
`parse_sdmx_json` and `series_quote` turn the answer into records (pure).
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime, time
from itertools import pairwise
from typing import Any

from config.schema import Instrument, RecordKind
from providers.base import Batch, HttpProvider, Request
from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    ProviderError,
    RateLimited,
)
from providers.models import Quote

NAME = "ecbdata"
DEFAULT_BASE_URL = "https://data-api.ecb.europa.eu"
OBSERVATIONS = 30  # the sparkline: about six weeks of daily observations
# A flow id, then a dotted key whose parts may be empty (wildcards) or "A+B" (alternatives):
# anything else would change the URL path, so it is refused rather than escaped.
_SYMBOL = re.compile(r"^[A-Z0-9_]{1,40}/[A-Za-z0-9_.+\-]{1,200}$")
# Daily, monthly, quarterly and annual periods as the ECB writes them: 2024-06-07, 2024-06,
# 2024-Q2, 2024. A period's observation is dated at its first day.
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-Q([1-4]))?$")


def series_request(symbol: str) -> tuple[str, dict[str, str | int]]:
    """The path and query parameters of one series' last observations."""
    if not _SYMBOL.match(symbol):
        raise NotConfigured(f"{symbol}: not an ECB series like FM/D.U2.EUR.4F.KR.DFR.LEV")
    params = {"format": "jsondata", "lastNObservations": OBSERVATIONS, "detail": "dataonly"}
    return f"/service/data/{symbol}", params


def _period_start(period: Any) -> date:
    match = _PERIOD.match(period) if isinstance(period, str) else None
    if not match:
        raise BadPayload(f"time period {str(period)[:20]!r} is not a date")
    year, month, day, quarter = match.groups()
    month = (int(quarter) - 1) * 3 + 1 if quarter else int(month or 1)
    try:
        return date(int(year), month, int(day or 1))
    except ValueError:
        raise BadPayload(f"time period {period!r} is not a date") from None


def _times(payload: dict) -> list[date]:
    structure = payload.get("structure")
    dims = structure.get("dimensions") if isinstance(structure, dict) else None
    obs_dims = dims.get("observation") if isinstance(dims, dict) else None
    if not isinstance(obs_dims, list):
        raise BadPayload("SDMX structure has no observation dimension")
    time_dim = next(
        (d for d in obs_dims if isinstance(d, dict) and d.get("id") == "TIME_PERIOD"), None
    )
    values = time_dim.get("values") if time_dim else None
    if not isinstance(values, list):
        raise BadPayload("SDMX structure has no TIME_PERIOD values")
    return [_period_start(v.get("id") if isinstance(v, dict) else None) for v in values]


def parse_sdmx_json(raw: bytes) -> list[tuple[date, float]]:
    """The observations of a single-series SDMX-JSON answer, oldest first; null values (gaps)
    are skipped."""
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("ECB answer is not JSON") from None
    data_sets = payload.get("dataSets") if isinstance(payload, dict) else None
    if not isinstance(data_sets, list):
        raise BadPayload("ECB answer is not SDMX-JSON (no dataSets)")
    series = data_sets[0].get("series") if data_sets and isinstance(data_sets[0], dict) else {}
    if not isinstance(series, dict):
        raise BadPayload("SDMX dataSet has no series object")
    if not series:
        raise EmptyResult("the series has no observations")
    if len(series) > 1:  # a wildcard key: which series to show would be a guess
        raise BadPayload(f"expected one series, got {len(series)}")
    only = next(iter(series.values()))
    observations = only.get("observations") if isinstance(only, dict) else None
    if not isinstance(observations, dict):
        raise BadPayload("SDMX series has no observations object")
    times = _times(payload)
    points: list[tuple[date, float]] = []
    for index, obs in observations.items():
        if not (isinstance(index, str) and index.isdigit() and int(index) < len(times)):
            raise BadPayload(f"observation {str(index)[:12]!r} has no time period")
        value = obs[0] if isinstance(obs, list) and obs else None
        if value is None:
            continue  # a missing observation: the ECB sends null, not a placeholder number
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadPayload(f"observation on {times[int(index)]} is not a number")
        if not math.isfinite(value):
            raise BadPayload(f"observation on {times[int(index)]} is not finite")
        points.append((times[int(index)], float(value)))
    points.sort()
    if any(a[0] == b[0] for a, b in pairwise(points)):
        raise BadPayload("two observations share a time period")
    if not points:
        raise EmptyResult("the series has no observations")
    return points


def series_quote(
    points: list[tuple[date, float]],
    *,
    symbol: str,
    name: str,
    now: datetime,
    currency: str | None = None,
    unit: str | None = None,
    market: str | None = None,
    vendor_symbol: str | None = None,
) -> Quote:
    """A Quote of instrument `symbol` (its id) from a series: the last observation, the one
    before as prev_close. Errors name `vendor_symbol`, the series key (else `symbol`).

    as_of is the observation's date at 00:00 UTC: the portal dates observations, not times.
    """
    named = vendor_symbol or symbol
    day, value = points[-1]
    as_of = datetime.combine(day, time(0), tzinfo=UTC)
    if day > now.astimezone(UTC).date():
        raise BadPayload(f"{named}: observation dated {day} is in the future")
    # A rate may be zero or negative (the deposit rate was -0.50 % in 2019-2022); a price not.
    if value <= 0 and unit != "%":
        raise BadPayload(f"{named}: value {value:g} on {day} cannot be shown as a price")
    prev = points[-2][1] if len(points) > 1 else None
    prev = prev if prev is None or prev > 0 or unit == "%" else None
    return Quote.from_prices(
        symbol=symbol,
        name=name,
        price=value,
        currency=currency,
        unit=unit,
        prev_close=prev,
        sparkline=tuple(v for _, v in points),
        market=market,
        as_of=as_of,
    )


class EcbDataProvider(HttpProvider):
    """Series from the ECB data portal (policy rates, reference rates) as quotes."""

    name = NAME
    kinds = frozenset({RecordKind.QUOTE})
    default_base_url = DEFAULT_BASE_URL

    def _quote(self, inst: Instrument, symbol: str, request: Request) -> Quote:
        path, params = series_request(symbol)
        try:
            raw = self.http.get(path, params).content
            points = parse_sdmx_json(raw)
        except RateLimited as exc:  # name the series, keep the retry hint
            raise RateLimited(f"{symbol}: {exc}", exc.retry_after_s) from exc
        except ProviderError as exc:
            raise type(exc)(f"{symbol}: {exc}") from exc
        return series_quote(
            points,
            symbol=inst.id,
            name=inst.name,
            now=request.now,
            currency=inst.currency,
            unit=inst.unit,
            market=inst.market or request.market,
            vendor_symbol=symbol,
        )

    def load(self, request: Request) -> Batch:
        """Fetch and parse each mapped series; one failure becomes a problem, not an error."""
        return self.each_instrument(request, lambda i, s: [self._quote(i, s, request)])
