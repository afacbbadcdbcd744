"""US Treasury daily par yield curve from home.treasury.gov's yearly CSV download.

`curve_request` builds the request (pure); `TreasuryProvider.load` fetches one CSV per year
through the shared HttpClient (the only I/O); `parse_curve_csv` and `curve_points` are pure.
`curve_points`, `tenor_years` and `close_time` are shared with the FRED provider (same data).

The XML feed is not parsed: the only recorded sample is a fragment with undeclared prefixes.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.schema import RecordKind
from providers.base import Batch, HttpProvider, Request
from providers.errors import (
    BadPayload,
    EmptyResult,
    ProviderError,
    RateLimited,
)
from providers.models import CurvePoint

NAME = "treasury"
DEFAULT_BASE_URL = "https://home.treasury.gov"
NEW_YORK = ZoneInfo("America/New_York")
# Par yields are read from closing bids at about 3:30 pm New York; a row's date gets that time.
PUBLISHED_AT = time(15, 30)
MAX_FUTURE = timedelta(minutes=5)
# The board shows three curves: the latest, and the latest at least a week and 4 weeks older.
LOOKBACKS = (timedelta(days=28), timedelta(days=7), timedelta(0))

Rows = dict[date, dict[str, float]]  # date -> column -> yield in percent (empty cells absent)


def curve_request(year: int) -> tuple[str, dict[str, str]]:
    """The path and query parameters of one year's par yield curve CSV."""
    path = f"/resource-center/data-chart-center/interest-rates/daily-treasury-rates.csv/{year}/all"
    params = {
        "type": "daily_treasury_yield_curve",
        "field_tdr_date_value": str(year),
        "page": "",
        "_format": "csv",
    }
    return path, params


def tenor_years(tenor: str) -> float:
    """A tenor such as 6W, 3M or 10Y as a fraction of a year; ValueError for anything else."""
    match = re.fullmatch(r"(\d{1,3})([WMY])", tenor.strip().upper())
    if match is None or int(match[1]) == 0:
        raise ValueError(f"tenor {tenor!r} is not like 3M or 10Y")
    return int(match[1]) / {"W": 52, "M": 12, "Y": 1}[match[2]]


def close_time(day: date) -> datetime:
    """The time a day's curve refers to: 15:30 New York, as UTC."""
    return datetime.combine(day, PUBLISHED_AT, NEW_YORK).astimezone(UTC)


def check_yield(value: float, where: str) -> float:
    """A yield in percent, or BadPayload: Treasury floors yields at zero, and 100 % is absurd."""
    if not math.isfinite(value) or not 0 <= value < 100:
        raise BadPayload(f"{where}: yield {value!r} is not a plausible percentage")
    return value


def parse_curve_csv(content: bytes) -> tuple[list[str], Rows]:
    """The CSV's yield columns and its rows; empty cells (tenors not yet issued) are skipped."""
    try:
        text = content.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise BadPayload("Treasury answer is not UTF-8 text") from None
    if not text or text.startswith("<"):
        raise BadPayload("Treasury answer is not a CSV (empty or HTML)")
    table = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not table:
        raise BadPayload("Treasury answer is not a CSV (no header)")
    header = [cell.strip() for cell in table[0]]
    if header[0] != "Date" or len(header) < 2:
        raise BadPayload("Treasury CSV has no Date column first")
    columns = header[1:]
    rows: Rows = {}
    previous: date | None = None
    for number, row in enumerate(table[1:], start=2):
        if len(row) != len(header):
            raise BadPayload(f"Treasury CSV line {number} has {len(row)} of {len(header)} fields")
        try:
            day = datetime.strptime(row[0].strip(), "%m/%d/%Y").date()
            cells = {c: float(v) for c, v in zip(columns, row[1:], strict=True) if v.strip()}
        except ValueError:
            raise BadPayload(
                f"Treasury CSV line {number} has an unreadable date or number"
            ) from None
        # Treasury lists the newest day first; anything else means a broken or spliced file.
        if previous is not None and day >= previous:
            raise BadPayload(f"Treasury CSV dates out of order at {day:%m/%d/%Y}")
        if cells:  # a row of empty cells carries no curve: never let it be "the latest"
            rows[day] = {c: check_yield(v, f"{day:%m/%d/%Y} {c}") for c, v in cells.items()}
        previous = day
    if not rows:
        raise EmptyResult("Treasury CSV has no rows yet")
    return columns, rows


def curve_dates(days: Iterable[date]) -> list[date]:
    """The latest day and the latest days at least 7 and 28 days before it, oldest first."""
    ordered = sorted(set(days))
    if not ordered:
        return []
    picked = {
        next((d for d in reversed(ordered) if d <= ordered[-1] - back), None) for back in LOOKBACKS
    }
    return sorted(d for d in picked if d is not None)


def curve_points(
    rows: Rows, columns: dict[str, str], now: datetime
) -> tuple[list[CurvePoint], list[str]]:
    """Points of the three curves (oldest curve first) for `columns` (instrument id -> column).

    Returns the points and one problem per instrument that has no value on the latest day.
    """
    days = curve_dates(rows)
    if not days:
        raise EmptyResult("no curve dates")
    if close_time(days[-1]) > now + MAX_FUTURE:
        raise BadPayload(f"curve date {days[-1]:%Y-%m-%d} is in the future")
    points: list[CurvePoint] = []
    problems: list[str] = []
    for inst_id, column in columns.items():
        try:
            years = tenor_years(inst_id)
        except ValueError as exc:
            problems.append(f"{column}: {exc}")
            continue
        if column not in rows[days[-1]]:
            problems.append(f"{column}: no value on {days[-1]:%Y-%m-%d}")
        for day in days:
            if column in rows[day]:
                point = CurvePoint(
                    tenor=inst_id, years=years, yield_pct=rows[day][column], as_of=close_time(day)
                )
                points.append(point)
    # Oldest curve first, so a reader that keeps the last point per tenor keeps the latest.
    points.sort(key=lambda p: p.as_of)
    return points, problems


class TreasuryProvider(HttpProvider):
    """The latest Treasury par yield curve, with the curves of a week and a month before."""

    name = NAME
    kinds = frozenset({RecordKind.CURVE})
    default_base_url = DEFAULT_BASE_URL

    def _year(self, year: int) -> tuple[list[str], Rows]:
        try:
            return parse_curve_csv(self.http.get(*curve_request(year)).content)
        except RateLimited as exc:
            raise RateLimited(f"{year} CSV: {exc}", exc.retry_after_s) from None
        except ProviderError as exc:
            raise type(exc)(f"{year} CSV: {exc}") from None

    def load(self, request: Request) -> Batch:
        """Fetch this year's CSV (and last year's early in January) and pick three curves."""
        pairs = self.mapped(request)
        year = request.now.astimezone(NEW_YORK).year
        try:
            columns, rows = self._year(year)
        except EmptyResult:  # 1-2 January: no rows (or no file) for the new year yet
            columns, rows = [], {}
        problems: list[str] = []
        # Last year's file is needed while this year has less than a month of rows.
        if not rows or min(rows) > max(rows) - LOOKBACKS[0]:
            try:
                old_columns, old_rows = self._year(year - 1)
            except ProviderError as exc:
                if not rows:
                    raise
                problems.append(str(exc))
            else:
                columns, rows = [*columns, *old_columns], {**old_rows, **rows}
        present = {inst.id: col for inst, col in pairs if col in columns}
        problems += [
            f"{col}: no such column in the Treasury CSV" for _, col in pairs if col not in columns
        ]
        if not present:
            raise BadPayload(f"none of the configured columns is in the CSV ({problems[-1]})")
        points, missing = curve_points(rows, present, request.now)
        if not points:
            raise EmptyResult(f"no yields for the configured tenors ({'; '.join(missing)})")
        return Batch(records=list(points), problems=problems + missing)
