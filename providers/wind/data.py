"""Turning WindPy results into canonical records (pure): the Data orientations, the error
codes, quotes, stream ticks, bars, EDB series, and the check that tells a wrong
`providers.wind.quote_tz` from the quote times. The session and the calls live in
providers.wind, the push stream in providers.wind.stream."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import ValidationError

from config.schema import INDICATOR_WARM_UP_BARS, Dataset, Instrument
from providers.errors import BadPayload, EmptyResult, NotConfigured, ProviderError, Unavailable
from providers.markets import ROUND_THE_CLOCK, UnknownMarket, calendar
from providers.models import Bar, CurvePoint, Quote, Tick
from providers.stooq import calendar_days
from providers.treasury import tenor_years

NAME = "wind"
QUOTE_FIELDS = "rt_last,rt_pre_close,rt_chg,rt_pct_chg,rt_date,rt_time"
BAR_FIELDS = "open,high,low,close,volume"
WIND_CLOCK = ZoneInfo("Asia/Shanghai")  # Wind's own clock, for markets without an exchange
MAX_FUTURE = timedelta(minutes=5)
DEFAULT_HISTORY_BARS = Dataset.model_fields["history_bars"].default  # a chart's shown bars
EDB_DAYS = 400  # EDB look-back: a monthly series still has a previous value
SPARK_POINTS = 20
PCT_TOLERANCE = 0.05  # percentage points between Wind's RT_PCT_CHG and ours before a note
WSI_STAMPS_BAR_END = True  # check: wsi's 09:35 bar covers 09:30-09:35
BACKOFF_FIRST_S, BACKOFF_MAX_S = 5.0, 300.0  # start attempts after a failure: 5, 10, ... 300 s
RESTART_PAUSE_S = 1.0  # WindPy wants w.stop() before a new w.start(); let the terminal settle
NOT_INSTALLED = "WindPy not installed (it ships with the Wind terminal)"
MARKET_ZONE = "market"  # providers.wind.quote_tz: each instrument's exchange zone (market_tz)
# A live quote (its market open) this close to a whole number of hours from the server clock
# counts as "off by whole hours": a wrong quote_tz, not a late quote.
CLOCK_TOLERANCE = timedelta(minutes=10)

# ErrorCodes (check): -40520007 no data; -40521xxx network; login/timeout/session codes.
NO_DATA_CODES = frozenset({-40520007})
LOGGED_OUT_CODES = frozenset({-103, -40520014, -40522001})  # the session is gone: restart it
DOWN_CODES = LOGGED_OUT_CODES | {-40520004, -40520008, -40520013}
NETWORK_CODES = range(-40521999, -40520999)
DOWN_WORDS = ("timeout", "time out", "network", "login", "disconnect", "connection")
_SECRET = re.compile(r"(?i)\b(pass\w*|pwd|token|key|secret|user\w*)\s*[=:]\s*[^\s;,]+")

Table = dict[tuple[str, str], list[tuple[Any, Any]]]


def history_days(history_bars: int) -> int:
    """Calendar days back that hold the `history_bars` a chart shows and the indicators'
    warm-up before them, on any market (wsd takes dates, not a count)."""
    return calendar_days(history_bars + INDICATOR_WARM_UP_BARS)


# wsd's look-back for the default chart: 250 shown + 311 warm-up = 561 sessions, 880 days.
HISTORY_DAYS = history_days(DEFAULT_HISTORY_BARS)


def short_message(text: Any, limit: int = 80) -> str:
    """One line of Wind's message text, bounded, with anything like `password=...` removed."""
    line = _SECRET.sub(r"\1=…", " ".join(str(text if text is not None else "").split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def wind_error(code: int, message: Any, where: str = "Wind") -> ProviderError:
    """Our error for a non-zero ErrorCode: no data -> EmptyResult, session/network ->
    Unavailable, anything else (bad code, bad field) -> BadPayload."""
    text = short_message(message) or "no message"
    error = f"{where}: {text} (ErrorCode {code})"
    lowered = text.lower()
    if code in NO_DATA_CODES or "no data" in lowered:
        return EmptyResult(error)
    if code in DOWN_CODES or code in NETWORK_CODES or any(w in lowered for w in DOWN_WORDS):
        return Unavailable(error)
    return BadPayload(error)


def _value(value: Any) -> Any:
    """A finite float for numbers, None for None/NaN/inf; other values (names) as given."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None if value is None or value is pd.NaT else value


def _code(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadPayload("Wind's answer has no ErrorCode") from None


def _first_cell(rows: Any) -> Any:
    try:
        return rows.iat[0, 0] if isinstance(rows, pd.DataFrame) else rows[0][0]
    except (IndexError, KeyError, TypeError):
        return None


def _frame_table(result: tuple, codes: list[str], fields: list[str]) -> Table:
    """A `usedf=True` answer: rows are codes (wsq/wss) or times (wsd/wsi/edb)."""
    code, frame = _code(result[0]), result[1] if len(result) > 1 else None
    if code:
        raise wind_error(code, _first_cell(frame))
    if not isinstance(frame, pd.DataFrame):
        raise BadPayload("Wind's usedf answer holds no DataFrame")
    cols, rows = [str(c).upper() for c in frame.columns], list(frame.index)
    cells = frame.to_numpy(dtype=object).tolist()
    if rows and all(isinstance(r, str) and r.upper() in codes for r in rows):
        return {(r.upper(), f): [(None, _value(cells[i][j]))] for i, r in enumerate(rows)
                for j, f in enumerate(cols)}  # fmt: skip
    times = [t.to_pydatetime() if isinstance(t, pd.Timestamp) else t for t in rows]
    if len(fields) == 1 and set(cols) <= set(codes):
        keys = [(c, fields[0]) for c in cols]  # several codes, one field
    elif len(codes) == 1:  # one code: columns are its fields (edb names its one column CLOSE)
        keys = [(codes[0], fields[0] if len(cols) == len(fields) == 1 else f) for f in cols]
    else:
        raise BadPayload("cannot tell codes from fields in Wind's DataFrame")
    return {key: [(t, _value(cells[i][j])) for i, t in enumerate(times)]
            for j, key in enumerate(keys)}  # fmt: skip


def table(result: Any, *, codes: Iterable[str] = (), fields: Iterable[str] = ()) -> Table:
    """{(CODE, FIELD): [(time, value)]} from a WindData in any documented orientation, or from
    a `usedf=True` tuple (then `codes`/`fields` say what was asked). Raises `wind_error` on a
    non-zero ErrorCode. Orientation is read from the Codes/Fields/Times lengths and Data's
    shape: several codes x fields at one time (wsq/wss, also wsd's one-date answer),
    several codes x one field over times, or one code x several fields over times.
    """
    want_codes = [c.strip().upper() for c in codes]
    want_fields = [f.strip().upper() for f in fields]
    if isinstance(result, tuple):
        return _frame_table(result, want_codes, want_fields)
    code = _code(getattr(result, "ErrorCode", None))
    if code:
        raise wind_error(code, _first_cell(getattr(result, "Data", None)))
    try:
        cs = [str(c).upper() for c in result.Codes]
        fs = [str(f).upper() for f in result.Fields]
        ts, data = list(result.Times or []), [list(row) for row in result.Data]
    except (AttributeError, TypeError):
        raise BadPayload("Wind's answer is not a WindData") from None

    def fits(rows: int, cols: int) -> bool:
        return len(data) == rows and all(len(row) == cols for row in data)

    def along(i: int) -> list[tuple[Any, Any]]:
        return [(t, _value(v)) for t, v in zip(ts, data[i], strict=True)]

    if len(ts) <= 1 and fits(len(fs), len(cs)):
        at = ts[0] if ts else None
        return {(c, f): [(at, _value(data[i][j]))] for i, f in enumerate(fs)
                for j, c in enumerate(cs)}  # fmt: skip
    if len(fs) == 1 and fits(len(cs), len(ts)):
        return {(c, fs[0]): along(i) for i, c in enumerate(cs)}
    if len(cs) == 1 and fits(len(fs), len(ts)):
        return {(cs[0], f): along(i) for i, f in enumerate(fs)}
    raise BadPayload("Wind's Data does not line up with its Codes, Fields and Times")


def market_tz(market: str | None) -> ZoneInfo:
    """The clock Wind's local times are in: the exchange's, or Wind's (Shanghai) for 24/x."""
    if not market or market in ROUND_THE_CLOCK:
        return WIND_CLOCK
    try:
        return ZoneInfo(str(calendar(market).tz))
    except UnknownMarket:
        return WIND_CLOCK


def quote_zone(quote_tz: str, market: str | None) -> ZoneInfo:
    """The zone an instrument's RT_DATE/RT_TIME are read in: `providers.wind.quote_tz` for
    every instrument, or with `market` the instrument's exchange zone (market_tz)."""
    return market_tz(market) if quote_tz == MARKET_ZONE else ZoneInfo(quote_tz)


def wind_reading(day: Any, clock: Any) -> datetime | None:
    """RT_DATE (YYYYMMDD) + RT_TIME (HHMMSS), numbers, as the naive wall-clock time Wind wrote;
    None when missing. Kept naive so the zone is a separate decision (quote_zone)."""
    if day is None or clock is None:
        return None
    try:
        d, t = round(float(day)), round(float(clock))
        return datetime(d // 10000, d // 100 % 100, d % 100, t // 10000, t // 100 % 100, t % 100)
    except (TypeError, ValueError, OverflowError):
        raise BadPayload(f"unreadable RT_DATE/RT_TIME {day!r} {clock!r}") from None


def wind_time(day: Any, clock: Any, tz: ZoneInfo) -> datetime | None:
    """RT_DATE (YYYYMMDD) + RT_TIME (HHMMSS), numbers in `tz`, as UTC; None when missing."""
    local = wind_reading(day, clock)
    return None if local is None else local.replace(tzinfo=tz).astimezone(UTC)


def _row(tab: Table, symbol: str) -> dict[str, Any]:
    """One code's last value per field (codes match case-insensitively)."""
    code = symbol.strip().upper()
    row = {f: (points[-1][1] if points else None) for (c, f), points in tab.items() if c == code}
    if not row:
        raise BadPayload(f"{symbol}: not in Wind's answer")
    return row


def _number(value: Any) -> float | None:
    return value if isinstance(value, float) else None


def parse_quotes(
    tab: Table,
    pairs: list[tuple[Instrument, str]],
    *,
    now: datetime,
    market: str,
    quote_tz: str = MARKET_ZONE,
) -> tuple[list[Quote], list[ProviderError], list[str]]:
    """Quotes from a wsq table; a bad instrument is an error, a disagreeing RT_PCT_CHG a note.

    RT_DATE/RT_TIME are read in `quote_tz` (quote_zone). change and change_pct are worked out
    from RT_LAST and RT_PRE_CLOSE (Quote.from_prices); Wind's RT_PCT_CHG (percent, 1.25 =
    1.25 %) is only a cross-check, never shown.
    """
    quotes, errors, notes = [], [], []
    for inst, symbol in pairs:
        try:
            row = _row(tab, symbol)
            price, prev = _number(row.get("RT_LAST")), _number(row.get("RT_PRE_CLOSE"))
            if price is None:
                raise BadPayload(f"{symbol}: no usable price (RT_LAST missing)")
            if price <= 0 and inst.unit != "%":
                raise BadPayload(f"{symbol}: price {price:g} is not above zero")
            prev = None if prev is not None and prev <= 0 and inst.unit != "%" else prev
            where = inst.market or market
            as_of = wind_time(row.get("RT_DATE"), row.get("RT_TIME"), quote_zone(quote_tz, where))
            if as_of is None:  # a price without its time cannot be shown as current
                raise BadPayload(f"{symbol}: no quote time (RT_DATE/RT_TIME missing)")
            if as_of > now + MAX_FUTURE:
                raise BadPayload(
                    f"{symbol}: quote time {as_of:%Y-%m-%d %H:%M} UTC is in the future"
                )
            quote = Quote.from_prices(
                price=price, prev_close=prev, symbol=inst.id, name=inst.name,
                currency=inst.currency, unit=inst.unit, market=where, as_of=as_of,
            )  # fmt: skip
        except ProviderError as exc:
            errors.append(exc if str(exc).startswith(symbol) else type(exc)(f"{symbol}: {exc}"))
            continue
        except ValidationError:
            errors.append(BadPayload(f"{symbol}: quote fails validation"))
            continue
        quotes.append(quote)
        theirs = _number(row.get("RT_PCT_CHG"))
        if (
            None not in (theirs, quote.change_pct)
            and abs(theirs - quote.change_pct) > PCT_TOLERANCE
        ):
            notes.append(
                f"{symbol}: Wind's RT_PCT_CHG {theirs:.4g} % differs from "
                f"{quote.change_pct:.4g} % from the prices (showing ours)"
            )
    return quotes, errors, notes


def quote_readings(tab: Table, symbols: Iterable[str]) -> dict[str, datetime]:
    """Each code's RT_DATE/RT_TIME as Wind wrote them (naive), for the quote clock check; codes
    without a readable time are left out (parse_quotes reports them)."""
    readings = {}
    for symbol in symbols:
        try:
            row = _row(tab, symbol)
            local = wind_reading(row.get("RT_DATE"), row.get("RT_TIME"))
        except BadPayload:
            continue
        if local is not None:
            readings[symbol.strip().upper()] = local
    return readings


def table_rows(tab: Table) -> dict[str, dict[str, Any]]:
    """{CODE: {FIELD: last value}} of every code in a table: a push carries only the fields
    that changed, so the stream merges these rows into what it knew."""
    rows: dict[str, dict[str, Any]] = {}
    for (code, field_name), points in tab.items():
        rows.setdefault(code, {})[field_name] = points[-1][1] if points else None
    return rows


def quote_tick(symbol: str, row: Mapping[str, Any], *, inst_id: str, tz: ZoneInfo) -> Tick:
    """A Tick from one code's merged wsq fields (RT_LAST, RT_DATE/RT_TIME read in `tz`,
    RT_VOL the day's volume, RT_PCT_CHG Wind's % change); BadPayload when it has no usable
    price or time, so the stream counts the push as garbage."""
    price = _number(row.get("RT_LAST"))
    if price is None:
        raise BadPayload(f"{symbol}: no usable price (RT_LAST missing)")
    at = wind_time(row.get("RT_DATE"), row.get("RT_TIME"), tz)
    if at is None:
        raise BadPayload(f"{symbol}: no quote time (RT_DATE/RT_TIME missing)")
    volume = _number(row.get("RT_VOL"))
    try:
        return Tick(
            symbol=inst_id, price=price, time=at, change_pct=_number(row.get("RT_PCT_CHG")),
            day_volume=volume if volume is not None and volume >= 0 else None,
        )  # fmt: skip
    except ValidationError:
        raise BadPayload(f"{symbol}: price {price:g} is not a usable tick") from None


# -- the quote clock: is providers.wind.quote_tz right? --------------------------------------


def _whole_hours(delta: timedelta, tolerance: timedelta) -> int | None:
    """`delta` as a whole number of hours when it is within `tolerance` of one, else None."""
    hours = round(delta / timedelta(hours=1))
    return hours if abs(delta - timedelta(hours=hours)) <= tolerance else None


def _common_offset(
    quote_times: Mapping[str, datetime], now: datetime, tolerance: timedelta
) -> int | None:
    """The whole hours every time is from `now` when they all agree (0 included), else None."""
    offsets = {_whole_hours(t - now, tolerance) for t in quote_times.values()}
    if len(offsets) != 1 or None in offsets:
        return None
    return offsets.pop()


def clock_offset_hours(
    quote_times: Mapping[str, datetime], now: datetime, *, tolerance: timedelta = CLOCK_TOLERANCE
) -> int | None:
    """How many whole hours Wind's quote times are off the server clock, when they all are
    by the same non-zero number (+8: all 8 h in the future; -8: all 8 h behind), else None.

    `quote_times` are the times as read (UTC), of instruments whose market is open now only:
    a closed market's last trade is legitimately hours old (even a whole number, at a 16:00
    close), so it proves nothing. Mixed offsets, or ones not within `tolerance` of a whole
    hour (a late quote, a half-hour zone), are not detected: None.
    """
    return _common_offset(quote_times, now, tolerance) or None


def stamp_offset_hours(
    readings: Mapping[str, datetime], now: datetime, *, tolerance: timedelta = CLOCK_TOLERANCE
) -> int | None:
    """The UTC offset, in whole hours, of the clock Wind stamps live quotes on (0 for UTC, 8
    for Shanghai), when all naive `readings` (quote_readings, markets open) agree, else None."""
    as_utc = {code: local.replace(tzinfo=UTC) for code, local in readings.items()}
    return _common_offset(as_utc, now, tolerance)


def zone_hint(offset_h: int) -> str:
    """An IANA zone for a whole-hour UTC offset: UTC, Wind's Asia/Shanghai, else Etc/GMT-N
    (whose sign is inverted by POSIX convention, and which keeps no summer time)."""
    if offset_h == 0:
        return "UTC"
    if offset_h == 8:
        return "Asia/Shanghai"
    return f"Etc/GMT{-offset_h:+d}"


def clock_warning(offset_h: int, quote_tz: str, *, stamped_h: int | None = None) -> str:
    """The operator's line for a whole-hour offset (clock_offset_hours), naming the setting:
    "Wind quote times are 8 h ahead of the server clock: set providers.wind.quote_tz (now
    'market')", with the zone Wind seems to stamp on when that is known."""
    way = "ahead of" if offset_h > 0 else "behind"
    line = (
        f"Wind quote times are {abs(offset_h)} h {way} the server clock: "
        f"set providers.wind.quote_tz (now {quote_tz!r})"
    )
    return line + _stamp_hint(stamped_h)


def _stamp_hint(stamped_h: int | None) -> str:
    if stamped_h is None:
        return ""
    return f"; Wind seems to stamp them at UTC{stamped_h:+d} (e.g. {zone_hint(stamped_h)!r})"


def quote_clock_problem(
    readings: Mapping[str, tuple[datetime, ZoneInfo]],
    now: datetime,
    quote_tz: str,
    *,
    tolerance: timedelta = CLOCK_TOLERANCE,
) -> str | None:
    """The operator's line when `quote_tz` reads Wind's times off by whole hours, else None.

    `readings` maps each code whose market is open now to (naive RT_DATE/RT_TIME, the zone it
    is read in). Two signs: all times as read are off by the same whole hours (a wrong IANA
    quote_tz), or, with quote_tz `market`, Wind stamps every live quote on one clock that some
    exchange zones do not match (times then off by different whole hours per exchange).
    """
    if not readings:
        return None
    as_read = {c: t.replace(tzinfo=zone).astimezone(UTC) for c, (t, zone) in readings.items()}
    naive = {c: local for c, (local, _) in readings.items()}
    stamped = stamp_offset_hours(naive, now, tolerance=tolerance)
    offset = clock_offset_hours(as_read, now, tolerance=tolerance)
    if offset is not None:
        return clock_warning(offset, quote_tz, stamped_h=stamped)
    if stamped is None:
        return None
    wrong = [
        f"{code} {round((at - now) / timedelta(minutes=30)) / 2:+g} h"
        for code, at in sorted(as_read.items())
        if abs(at - now) > tolerance
    ]
    if not wrong:
        return None
    return (
        f"Wind quote times are off the server clock by whole hours ({', '.join(wrong)}): "
        f"set providers.wind.quote_tz (now {quote_tz!r})" + _stamp_hint(stamped)
    )


def _local(when: Any, tz: ZoneInfo, daily: bool) -> datetime:
    """A Times entry as UTC: a day at local midnight, or a naive local datetime."""
    if daily:
        if not isinstance(when, date):
            raise BadPayload(f"daily time {when!r} is not a date")
        day = when.date() if isinstance(when, datetime) else when  # wsd stamps 00:00:00.005
        return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    if not isinstance(when, datetime):
        raise BadPayload(f"intraday time {when!r} is not a datetime")
    return (when if when.tzinfo else when.replace(tzinfo=tz)).astimezone(UTC)


def parse_bars(
    tab: Table, symbol: str, *, inst_id: str, tz: ZoneInfo, now: datetime,
    daily: bool = True, shift: timedelta = timedelta(0),
) -> list[Bar]:  # fmt: skip
    """OHLCV bars of one code (rows with a None/NaN price skipped); `shift` moves stamps that
    mark a bar's end back to its open."""
    code = symbol.strip().upper()
    cols = [tab.get((code, f)) for f in ("OPEN", "HIGH", "LOW", "CLOSE")]
    if any(col is None for col in cols):
        raise BadPayload(f"{symbol}: no OPEN/HIGH/LOW/CLOSE in Wind's answer")
    volumes = tab.get((code, "VOLUME")) or []
    bars: list[Bar] = []
    for k, (when, _) in enumerate(cols[0]):
        o, h, low, c = (_number(col[k][1]) for col in cols)
        if None in (o, h, low, c):
            continue  # a holiday or halted bar
        at = _local(when, tz, daily) - shift
        if at > now + MAX_FUTURE:
            raise BadPayload(f"{symbol}: bar time {at:%Y-%m-%d %H:%M} UTC is in the future")
        if bars and at <= bars[-1].time:
            raise BadPayload(f"{symbol}: bar times are not strictly increasing")
        volume = _number(volumes[k][1]) if k < len(volumes) else None
        try:
            bars.append(Bar(symbol=inst_id, time=at, open=o, high=h, low=low, close=c,
                            volume=volume))  # fmt: skip
        except ValidationError as exc:
            raise BadPayload(
                f"{symbol}: bar fails validation ({exc.error_count()} errors)"
            ) from None
    if not bars:
        raise EmptyResult(f"{symbol}: no bar with a price")
    return bars


def _series(tab: Table, symbol: str, tz: ZoneInfo) -> list[tuple[datetime, float]]:
    """One EDB code's (time, value) points that have a value, oldest first."""
    code = symbol.strip().upper()
    points = next((p for (c, _), p in tab.items() if c == code), None)
    if points is None:
        raise BadPayload(f"{symbol}: not in Wind's answer")
    values = [(_local(t, tz, True), v) for t, v in points if _number(v) is not None]
    if not values:
        raise EmptyResult(f"{symbol}: no observation with a value")
    return values


def series_quote(points: list[tuple[datetime, float]], inst: Instrument, market: str) -> Quote:
    """A quote from an EDB series: the newest value, the one before as prev_close."""
    (as_of, price), prev = points[-1], (points[-2][1] if len(points) > 1 else None)
    spark = tuple(v for _, v in points[-SPARK_POINTS:])
    try:
        return Quote.from_prices(
            price=price, prev_close=prev, symbol=inst.id, name=inst.name, currency=inst.currency,
            unit=inst.unit, market=inst.market or market, as_of=as_of, sparkline=spark,
        )  # fmt: skip
    except ValidationError:
        raise BadPayload(f"value {price:g} is not a usable price") from None


def curve_point(points: list[tuple[datetime, float]], inst: Instrument) -> CurvePoint:
    """The newest value of an EDB yield series as a curve point (yield in % as Wind gives it)."""
    as_of, value = points[-1]
    if not -20 < value < 100:
        raise BadPayload(f"yield {value:g} is not a plausible percentage")
    try:
        years = tenor_years(inst.id)
    except ValueError:
        raise NotConfigured(f"instrument id {inst.id!r} is not a tenor like 3M or 10Y") from None
    return CurvePoint(tenor=inst.id, years=years, yield_pct=value, as_of=as_of)
