"""Daily-history CSVs (one row a day: date, open, high, low, close, maybe volume): the reader.

Stooq and CBOE answer the same shape of file; what differs is only the header (and what a
non-CSV answer means) and the date format. `read_daily_csv` is the one pure loop both use: text
and BOM, "empty answer", "CSV has no rows", the field-count check that catches a body cut off
mid-row, the number checks and the strictly increasing dates. Each source passes a `columns`
function (its header recognition) and a `parse_date` (its date format).

Bar time is the row's date at 00:00 UTC: the file gives a date, not a session time. Only the
last `limit` rows are read, so a bad row from decades ago cannot blank today's quote.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from itertools import pairwise

from providers.errors import BadPayload, EmptyResult
from providers.models import Bar

PRICES = ("open", "high", "low", "close")

# header (stripped, lower case), the whole answer, the name errors carry -> where each field
# stands ("date" and PRICES, "volume" when there is one); raises the source's error when the
# answer is not its CSV.
Columns = Callable[[list[str], str, str], dict[str, int]]


def number(text: str, named: str, day: str, column: str, *, zero_ok: bool = False) -> float:
    """A cell as a finite number above zero (or at zero with `zero_ok`, for a volume); a price
    of 0 is a placeholder, never a level. BadPayload names `named`, the day and the column."""
    try:
        value = float(text)
    except ValueError:
        raise BadPayload(f"{named}: {day}: {column} {text[:12]!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        raise BadPayload(f"{named}: {day}: {column} {value:g} is out of range")
    return value


def _text(content: bytes | str, named: str) -> str:
    """The answer as text without a byte-order mark; BadPayload when it is not UTF-8."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadPayload(f"{named}: answer is not text") from None
    return content.removeprefix("\ufeff")


def read_daily_csv(
    content: bytes | str,
    *,
    symbol: str,
    named: str,
    columns: Columns,
    parse_date: Callable[[str], date],
    date_words: str,
    limit: int | None = None,
) -> list[Bar]:
    """Daily bars of instrument `symbol` (its id) from a daily-history CSV, oldest first; only
    the last `limit` rows. Errors name `named` (the vendor's symbol).

    `columns` recognises the header; `parse_date` reads a date cell (ValueError when it is not
    one, reported as "is not {date_words}").
    """
    text = _text(content, named)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise BadPayload(f"{named}: empty answer")
    header = [name.strip().lower() for name in lines[0].split(",")]
    where = columns(header, text, named)
    rows = lines[1:]
    if not rows:
        raise EmptyResult(f"{named}: CSV has no rows")
    bars = []
    for line in rows[-limit:] if limit else rows:
        cells = [cell.strip() for cell in line.split(",")]
        day = cells[0][:10]
        if len(cells) != len(header):  # also what a body cut off mid-row looks like
            raise BadPayload(f"{named}: {day}: {len(cells)} fields, header has {len(header)}")
        try:
            when = datetime.combine(parse_date(cells[where["date"]]), time(), UTC)
        except ValueError:
            raise BadPayload(f"{named}: {day!r} is not {date_words}") from None
        o, h, low, c = (number(cells[where[k]], named, day, k) for k in PRICES)
        volume = None  # an empty cell or no column: unknown, which is not the same as 0
        if "volume" in where and cells[where["volume"]]:
            volume = number(cells[where["volume"]], named, day, "volume", zero_ok=True)
        # Every field is checked above, so the record cannot fail its own validation.
        bars.append(Bar(symbol=symbol, time=when, open=o, high=h, low=low, close=c, volume=volume))
    if any(b.time <= a.time for a, b in pairwise(bars)):
        raise BadPayload(f"{named}: dates are not strictly increasing")
    return bars
