"""Canonical records and the per-dataset snapshot.

Every provider turns its vendor payload into these records, so pages and the cache never see a
vendor field name. Units are stated in the field names or docstrings; every time is a tz-aware
datetime in UTC (naive or non-UTC times are rejected or converted at the boundary).

A record names its instrument by the id the configuration gives it (`symbol` of a Quote or Bar,
e.g. "spx"), never by a vendor's symbol for it ("^GSPC" at Yahoo, "^spx" at Stooq): the vendor
symbol stays inside its provider (its requests and error messages), so an instrument's records
match whichever source delivered them (a fallback's, the previous snapshot's, a page's lookup).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, model_validator


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("time must be timezone-aware")
    return value.astimezone(UTC)


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("value must be a finite number")
    return value


def _positive(value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise ValueError("price must be a finite number above zero")
    return value


UtcTime = Annotated[datetime, AfterValidator(_utc)]
Finite = Annotated[float, AfterValidator(_finite)]
Price = Annotated[float, AfterValidator(_positive)]


class Record(BaseModel):
    """Base of every canonical record: immutable and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Quote(Record):
    """A last price for one instrument.

    `symbol` is the instrument's configured id ("spx"), not a vendor's symbol for it.
    `price` is in `currency` units (or in `unit` for levels such as index points or %);
    `change` is in the same units, `change_pct` in percent (1.25 means 1.25 %).
    """

    kind: Literal["quote"] = "quote"
    symbol: str
    name: str
    price: Finite
    change: Finite | None = None
    change_pct: Finite | None = None
    currency: str | None = None
    unit: str | None = None
    prev_close: Finite | None = None
    sparkline: tuple[Finite, ...] = ()
    # The source's own low and high over the last 24 h (crypto), when it gives them: a tile's
    # range from these, not from the sparkline's closes, which miss the highs and lows between.
    day_low: Finite | None = None
    day_high: Finite | None = None
    market: str | None = None
    as_of: UtcTime
    # The previous snapshot's value, kept because this refresh could not get the instrument
    # (refused, failed or absent) while it got others: the tile shows it stale, never blank.
    kept: bool = False

    @classmethod
    def from_prices(cls, *, price: float, prev_close: float | None, **fields: object) -> Quote:
        """A quote with its change and % change worked out from the previous close."""
        change = None if prev_close is None else price - prev_close
        # A % change is meaningless from a zero or negative base (a rate of -0.50 %).
        pct = None if change is None or prev_close <= 0 else change / prev_close * 100
        return cls(price=price, prev_close=prev_close, change=change, change_pct=pct, **fields)

    @classmethod
    def from_daily_bars(cls, bars: Sequence[Bar], *, sparkline: int, **fields: object) -> Quote:
        """A daily source's quote: the last close, the close before it as prev_close, and the
        last `sparkline` closes; `fields` give the rest (symbol, name, as_of...)."""
        return cls.from_prices(
            price=bars[-1].close,
            prev_close=bars[-2].close if len(bars) > 1 else None,
            sparkline=tuple(bar.close for bar in bars[-sparkline:]),
            **fields,
        )

    @model_validator(mode="after")
    def _prices_above_zero_unless_a_rate(self) -> Quote:
        # A rate in % can be zero or negative (the ECB deposit rate was -0.50 % until 2022);
        # a price cannot.
        if self.unit != "%":
            for value in (self.price, self.prev_close):
                if value is not None and value <= 0:
                    raise ValueError("price must be above zero")
        if (self.day_low is None) != (self.day_high is None):
            raise ValueError("a day range needs both its low and its high")
        if self.day_low is not None and not 0 < self.day_low <= self.day_high:
            raise ValueError("a day range's low must be above zero and not above its high")
        return self


class Bar(Record):
    """One OHLCV bar; `time` is when the source stamps it (an intraday or Yahoo daily bar at its
    open, a Stooq daily bar at its session's close), `volume` in shares/contracts/units.

    `symbol` is the instrument's configured id ("spx"), not a vendor's symbol for it.
    """

    kind: Literal["bar"] = "bar"
    symbol: str
    time: UtcTime
    open: Price
    high: Price
    low: Price
    close: Price
    volume: Annotated[float, Field(ge=0)] | None = None


class CurvePoint(Record):
    """One point of a yield curve: `yield_pct` in percent, `years` the tenor as a year fraction."""

    kind: Literal["curve"] = "curve"
    tenor: str
    years: Annotated[float, Field(gt=0)]
    yield_pct: Finite
    as_of: UtcTime


class Headline(Record):
    """A news headline. `title` is plain text (sanitised upstream), `link` only http(s)."""

    kind: Literal["headline"] = "headline"
    title: Annotated[str, Field(min_length=1, max_length=300)]
    source: str
    link: HttpUrl | None = None
    published: UtcTime


class CalendarEvent(Record):
    """A scheduled macro release; values are display strings as published (units vary)."""

    kind: Literal["event"] = "event"
    time: UtcTime
    country: str
    name: str
    prior: str | None = None
    consensus: str | None = None
    actual: str | None = None


def _quantity(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValueError("a volume must be a finite number, zero or above")
    return value


Quantity = Annotated[float, AfterValidator(_quantity)]


class Tick(Record):
    """One price update from a stream: what the exchange said and when it said it.

    Not a snapshot record: ticks move a polled snapshot's quotes (engine.streams), they are not
    stored themselves. `symbol` is the instrument's configured id ("btc"), never the vendor's.
    `time` is the exchange's own event or trade time, not when the tick was received, so order
    and staleness are judged on the source's clock, whatever the network did. `price` and
    `day_open` are in the instrument's units; `volume` is the quantity traded in this tick
    (a trade's size), `day_volume` the 24 h or session volume so far, both in the source's base
    units; `change_pct` is the source's own % change (1.25 means 1.25 %), `session` the part of
    the trading day the source says the price is from (Yahoo's market hours).
    """

    kind: Literal["tick"] = "tick"
    symbol: str
    price: Price
    time: UtcTime
    volume: Quantity | None = None
    day_volume: Quantity | None = None
    day_open: Price | None = None
    change_pct: Finite | None = None
    session: Literal["pre", "regular", "post"] | None = None


AnyRecord = Annotated[
    Quote | Bar | CurvePoint | Headline | CalendarEvent, Field(discriminator="kind")
]


def instrument_id(record: AnyRecord) -> str | None:
    """The instrument a record is of: a quote's or bar's symbol (the configured id), a curve
    point's tenor; None for headlines and calendar events."""
    if record.kind in ("quote", "bar"):
        return record.symbol
    if record.kind == "curve":
        return record.tenor
    return None


def record_time(record: AnyRecord) -> datetime | None:
    """The time a record's value refers to: a quote's or curve point's `as_of`, a bar's `time`,
    a headline's `published`; None for a calendar event (about the future by nature)."""
    if record.kind in ("quote", "curve"):
        return record.as_of
    if record.kind == "bar":
        return record.time
    if record.kind == "headline":
        return record.published
    return None


def data_time(records: Iterable[AnyRecord]) -> datetime | None:
    """The time of a dataset's data (its snapshot's `as_of`): the newest record time, headlines
    not counted; None when no record dates the data (then the data is as of its fetch).

    A headline is timed by its publication, but a feed's newest headline does not date the feed:
    a quiet feed fetched a minute ago is current, not hours old.
    """
    times = [t for r in records if r.kind != "headline" and (t := record_time(r)) is not None]
    return max(times) if times else None


class Status(StrEnum):
    """What a widget should say about its data."""

    OK = "ok"
    STALE = "stale"
    CLOSED = "closed"
    FALLBACK = "fallback"
    ERROR = "error"
    EMPTY = "empty"


class RecordState(BaseModel):
    """What the wall says about one instrument's value as of a moment (engine.freshness decides
    it): its status, its own time, who delivered it and, when not current, why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Status
    as_of: UtcTime | None = None  # None: no value (status error, `reason` says why)
    source: str | None = None
    reason: Annotated[str, Field(max_length=600)] | None = None

    def age_s(self, now: datetime) -> float | None:
        """Seconds since the value's own time, or None when there is no value."""
        return None if self.as_of is None else max(0.0, (now - self.as_of).total_seconds())


class Finding(BaseModel):
    """What validation found in a refresh: a core problem (records rejected) or a quality one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tier: Literal["core", "quality"]
    rule: str
    symbol: str | None = None
    detail: Annotated[str, Field(max_length=300)]
    rejected: bool = False


class FailureEntry(BaseModel):
    """One failed provider call: when, which provider, why (the refresher's dead letters)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: UtcTime
    provider: str | None = None
    error: Annotated[str, Field(max_length=300)]


FAILURE_LOG_SIZE = 20


class Snapshot(BaseModel):
    """The latest state of one dataset: its records and where, when and how they were got.

    `as_of` is the time of the data itself, `fetched_at` the time the records were fetched.
    `error` is short, human-readable and never holds a secret. `failures` counts consecutive
    failed refreshes; `fetch_count` counts every refresh cycle run for the dataset, so an
    operator can check that it is fetched once per cadence however many workers serve it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    dataset: str
    records: tuple[AnyRecord, ...] = ()
    as_of: UtcTime | None = None
    fetched_at: UtcTime | None = None
    source: str | None = None
    status: Status = Status.EMPTY
    error: str | None = None
    failures: int = 0
    fetch_count: int = 0
    attempted_at: UtcTime | None = None
    refreshed_by: str | None = None
    findings: tuple[Finding, ...] = ()
    failure_log: tuple[FailureEntry, ...] = ()  # newest first, at most FAILURE_LOG_SIZE
    # The source that delivered each instrument's value shown (by instrument id), written by the
    # refresher: a hybrid's tiles each name their own source, and survive a restart.
    origins: dict[str, str] = {}
    # The stream whose ticks move this snapshot's prices ("binance"), set by the overlay; None
    # when the snapshot is polled only, so a badge can tell streamed from polled data.
    stream: str | None = None
    # Why a dataset that streams is polled instead right now ("stream silent — polling"), set
    # by the stream hub; None while it streams, when its market is closed, or it never streams.
    stream_note: str | None = None
    # Each instrument's state as of a moment: filled only by engine.freshness.assess (a read
    # side view), never stored by the refresher.
    states: dict[str, RecordState] = {}

    @classmethod
    def pending(cls, dataset: str) -> Snapshot:
        """The snapshot of a dataset nothing has been fetched for yet."""
        return cls(dataset=dataset, status=Status.EMPTY, error="waiting for first refresh")

    def quotes_by_id(self) -> dict[str, Quote]:
        """The snapshot's quotes by instrument id (after parsing, a Quote's `symbol` is the id)."""
        return {r.symbol: r for r in self.records if isinstance(r, Quote)}

    def age_s(self, now: datetime) -> float | None:
        """Seconds since the data's own time (`as_of`), or None when there is no data."""
        return None if self.as_of is None else max(0.0, (now - self.as_of).total_seconds())
