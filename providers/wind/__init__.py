"""Wind (WindPy): quotes, daily and 5-minute bars, yield curves and macro series.

WindPy ships with the Wind terminal and is not on PyPI. It is imported on first use, never at
import or construction, so a board without it starts and this provider says NotConfigured.
WindPy's `w` is one session per process: `WindSession` serializes every call with one lock,
checks `w.isconnected()` before each and restarts a dropped session with a capped backoff.

RT_DATE/RT_TIME are read in `providers.wind.quote_tz` (Settings.wind_quote_tz): an IANA zone
for every instrument, or `market` for each exchange's own. Nobody has confirmed which clock the
terminal uses, so `QuoteClock` keeps the last reading per code and health() says, naming the
setting, when live quotes are all off the server clock by whole hours.

The pure pieces, tested without a session, are in providers.wind.data: `table` (any WindData
orientation, or a `usedf` DataFrame, -> {(CODE, FIELD): [(time, value)]}), `wind_error`
(ErrorCode -> our error), `parse_quotes`, `parse_bars`, `series_quote`, `curve_point`,
`quote_clock_problem`. The push stream is providers.wind.stream. Values marked "check" come
from public WindPy use, not from a confirmed document (shared/WINDPY.md).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from config.schema import Instrument, RecordKind, Settings
from providers import markets
from providers.base import (
    HISTORY_YEARS,
    INTRADAY_MINUTES,
    Batch,
    Provider,
    Request,
    batch_of,
)
from providers.errors import BadPayload, NotConfigured, ProviderError, Unavailable
from providers.models import Bar
from providers.wind.data import (
    BACKOFF_FIRST_S,
    BACKOFF_MAX_S,
    BAR_FIELDS,
    EDB_DAYS,
    HISTORY_DAYS,
    LOGGED_OUT_CODES,
    MAX_FUTURE,
    NAME,
    NOT_INSTALLED,
    QUOTE_FIELDS,
    RESTART_PAUSE_S,
    WIND_CLOCK,
    WSI_STAMPS_BAR_END,
    Table,
    _code,
    _first_cell,
    _series,
    curve_point,
    history_days,
    market_tz,
    parse_bars,
    parse_quotes,
    quote_clock_problem,
    quote_readings,
    quote_zone,
    series_quote,
    short_message,
    table,
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


# WindPy's `w` is a module global, one per process, and not safe to call from two threads.
_CALL_LOCK = threading.Lock()


class WindSession:
    """The one WindPy session: lazy import, start, reconnect with backoff, serialized calls."""

    def __init__(
        self,
        import_windpy: Callable[[], Any],
        *,
        wait_s: float,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
    ) -> None:
        self._import_windpy, self.wait_s = import_windpy, wait_s
        self.clock, self.sleep = clock, sleep
        self.w: Any = None
        self.state, self.since, self.error = "not started", clock(), None
        self._next_start: datetime | None = None  # no start attempt before this
        self._delay = BACKOFF_FIRST_S
        # Started sessions so far: a push subscription lives and dies with the session it was
        # made on, so a stream resubscribes when this moves on.
        self.generation = 0

    def _set(self, state: str, error: str | None = None) -> None:
        if state != self.state:
            self.state, self.since = state, self.clock()
        self.error = error

    def health(self) -> dict:
        """{"state": not installed|connected|down|not started, "since": ISO time, "error"}."""
        return {"state": self.state, "since": self.since.isoformat(), "error": self.error}

    def _connected(self) -> bool:
        try:
            return bool(self.w.isconnected())
        except Exception:  # a dead terminal may raise instead of answering
            return False

    def _ready(self) -> Any:
        if self.w is None:
            try:
                self.w = self._import_windpy().w
            except ImportError:
                self._set("not installed", NOT_INSTALLED)
                raise NotConfigured(NOT_INSTALLED) from None
        if self.state == "connected":
            if self._connected():
                return self.w
            self._set("down", "session dropped")
            self._next_start = None  # the first restart is immediate, later ones back off
        now = self.clock()
        if self._next_start is not None and now < self._next_start:
            wait = math.ceil((self._next_start - now).total_seconds())
            raise Unavailable(f"Wind session down; retrying in {wait} s")
        if self.state == "down":
            with contextlib.suppress(Exception):  # WindPy wants w.stop() before a new start
                self.w.stop()
            self.sleep(RESTART_PAUSE_S)
        self._start()
        return self.w

    def _start(self) -> None:
        try:
            result = self.w.start(waitTime=self.wait_s)
            code, message = _code(result.ErrorCode), _first_cell(result.Data)
        except Exception as exc:  # ProviderError from _code included: no usable answer
            code, message = -1, type(exc).__name__
        if code == 0:
            self.generation += 1
            self._set("connected")
            self._next_start, self._delay = None, BACKOFF_FIRST_S
            return
        error = f"Wind session could not start: {short_message(message) or code}"
        self._set("down", error)
        self._next_start = self.clock() + timedelta(seconds=self._delay)
        self._delay = min(self._delay * 2, BACKOFF_MAX_S)
        raise Unavailable(error)

    def call(self, name: str, *args: Any) -> Any:
        """`w.<name>(*args)` on a live session, one call at a time in the process."""
        if not _CALL_LOCK.acquire(timeout=self.wait_s):
            raise Unavailable("Wind session busy with another call")
        try:
            w = self._ready()
            try:
                result = getattr(w, name)(*args)
            except Exception as exc:
                raise Unavailable(f"Wind {name} failed ({type(exc).__name__})") from None
            if getattr(result, "ErrorCode", 0) in LOGGED_OUT_CODES:
                self._set("down", "session logged out")  # restart on the next call
            return result
        finally:
            _CALL_LOCK.release()


class QuoteClock:
    """The latest RT_DATE/RT_TIME Wind wrote per code (naive), with the zone it was read in and
    its market, from wsq answers and pushes: what quote_clock_problem needs to tell a wrong
    `providers.wind.quote_tz` while those markets trade. Thread-safe: pushes arrive on
    WindPy's thread."""

    def __init__(self, quote_tz: str) -> None:
        self.quote_tz = quote_tz
        self._lock = threading.Lock()
        self._readings: dict[str, tuple[datetime, ZoneInfo, str | None]] = {}

    def note(self, code: str, local: datetime, market: str | None) -> None:
        """Keep one code's latest reading; its zone follows quote_tz and the market."""
        zone = quote_zone(self.quote_tz, market)
        with self._lock:
            self._readings[code.strip().upper()] = (local, zone, market)

    def note_all(
        self, readings: dict[str, datetime], markets_by_code: dict[str, str | None]
    ) -> None:
        """note() for each reading of a wsq answer."""
        for code, local in readings.items():
            self.note(code, local, markets_by_code.get(code))

    def problem(self, now: datetime) -> str | None:
        """The operator's line when live quotes are off by whole hours (see
        data.quote_clock_problem), else None. Codes whose market is closed now are no evidence."""
        with self._lock:
            readings = dict(self._readings)
        live = {
            code: (local, zone)
            for code, (local, zone, market) in readings.items()
            if _trading(market, now)
        }
        return quote_clock_problem(live, now, self.quote_tz)


def _trading(market: str | None, now: datetime) -> bool:
    """Whether a market trades now; an unknown or missing one does not count as evidence."""
    if not market:
        return False
    try:
        return markets.is_open(market, now)
    except Exception:  # an unknown market code, or a calendar out of its range
        return False


def _markets_by_code(
    pairs: Iterable[tuple[Instrument, str]], market: str | None
) -> dict[str, str | None]:
    return {symbol.strip().upper(): inst.market or market for inst, symbol in pairs}


def _import_windpy() -> Any:
    import WindPy  # lazy: only on a machine with the Wind terminal

    return WindPy


class WindProvider(Provider):
    """Quotes (wsq, or edb for EDB codes), daily bars (wsd), curves (edb) from a Wind terminal.

    Instrument symbols with a dot (SPX.GI, 000300.SH) are Wind codes; without one they are
    EDB indicator codes (macro series, yields). Events are not served: the WindPy contract has
    no release calendar.
    """

    name = NAME
    kinds = frozenset({RecordKind.QUOTE, RecordKind.BAR, RecordKind.CURVE})

    def __init__(
        self,
        settings: Settings,
        *,
        import_windpy: Callable[[], Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.settings = settings
        # Leave room inside the refresher's deadline for the restart pause and the call itself.
        wait_s = max(1, math.ceil(settings.refresh.deadline_s or 30) - 2)
        self.session = WindSession(
            import_windpy or _import_windpy, wait_s=wait_s, clock=clock, sleep=sleep
        )
        self.quote_tz = settings.wind_quote_tz()
        self.quote_clock = QuoteClock(self.quote_tz)

    def health(self) -> dict:
        """The session's state for the status page, with `quote_clock`: the operator's line
        when live quote times say quote_tz is wrong (else None). Never calls WindPy."""
        return {**self.session.health(), "quote_clock": self.clock_problem()}

    def clock_problem(self, now: datetime | None = None) -> str | None:
        """The quote clock's warning at `now` (the session's clock by default), or None."""
        return self.quote_clock.problem(now or self.session.clock())

    def _edb(self, symbols: list[str], now: datetime) -> Table:
        end = now.astimezone(WIND_CLOCK).date()
        begin = end - timedelta(days=EDB_DAYS)
        result = self.session.call("edb", ",".join(symbols), begin.isoformat(), end.isoformat(), "")
        return table(result, codes=symbols, fields=["CLOSE"])

    def _each_series(self, request, pairs, make) -> tuple[list, list[ProviderError]]:
        """One edb call for all pairs; `make(points, inst)` per instrument, failures apart."""
        tab = self._edb([s for _, s in pairs], request.now)
        records, errors = [], []
        for inst, symbol in pairs:
            try:
                points = _series(tab, symbol, market_tz(inst.market or request.market))
                if points[-1][0] > request.now + MAX_FUTURE:
                    raise BadPayload(f"{symbol}: observation {points[-1][0]:%Y-%m-%d} is ahead")
                records.append(make(points, inst))
            except ProviderError as exc:
                text = str(exc)
                errors.append(type(exc)(text if text.startswith(symbol) else f"{symbol}: {text}"))
        return records, errors

    def _quotes(self, request: Request, pairs: list[tuple[Instrument, str]]) -> Batch:
        listed = [(i, s) for i, s in pairs if "." in s]
        edb = [(i, s) for i, s in pairs if "." not in s]
        records, errors, notes = [], [], []
        try:  # one call for all listed codes; a failing call leaves the EDB ones standing
            if listed:
                codes = [s for _, s in listed]
                result = self.session.call("wsq", ",".join(codes), QUOTE_FIELDS)
                tab = table(result, codes=codes, fields=QUOTE_FIELDS.split(","))
                self.quote_clock.note_all(
                    quote_readings(tab, codes), _markets_by_code(listed, request.market)
                )
                records, errors, notes = parse_quotes(
                    tab, listed, now=request.now, market=request.market, quote_tz=self.quote_tz
                )
        except ProviderError as exc:
            errors.append(exc)
        try:
            if edb:
                more, failed = self._each_series(
                    request, edb, lambda points, inst: series_quote(points, inst, request.market)
                )
                records, errors = records + more, errors + failed
        except ProviderError as exc:
            errors.append(exc)
        batch = batch_of(records, errors)
        batch.problems.extend(notes)
        return batch

    def _bars(self, inst: Instrument, symbol: str, request: Request) -> list[Bar]:
        tz = market_tz(inst.market or request.market)
        end = request.now.astimezone(tz).date()
        dataset = self.settings.datasets.get(request.dataset)
        days = HISTORY_DAYS if dataset is None else history_days(dataset.history_bars)
        begin = end - timedelta(days=days)
        result = self.session.call(
            "wsd", symbol, BAR_FIELDS, begin.isoformat(), end.isoformat(), "PriceAdj=F"
        )
        tab = table(result, codes=[symbol], fields=BAR_FIELDS.split(","))
        return parse_bars(tab, symbol, inst_id=inst.id, tz=tz, now=request.now)

    def intraday_bars(
        self, inst: Instrument, now: datetime, *, market: str | None = None, bar_minutes: int = 5
    ) -> list[Bar]:
        """The last 24 hours of `bar_minutes` bars of one instrument (wsi), times at bar open."""
        symbol = self.symbol(inst)
        if symbol is None:
            raise NotConfigured(f"wind: no symbol configured for {inst.id}")
        tz = market_tz(inst.market or market)
        local = now.astimezone(tz).replace(tzinfo=None, microsecond=0)
        begin, end = (local - timedelta(days=1)).isoformat(" "), local.isoformat(" ")
        result = self.session.call("wsi", symbol, BAR_FIELDS, begin, end, f"BarSize={bar_minutes}")
        tab = table(result, codes=[symbol], fields=BAR_FIELDS.split(","))
        shift = timedelta(minutes=bar_minutes) if WSI_STAMPS_BAR_END else timedelta(0)
        return parse_bars(tab, symbol, inst_id=inst.id, tz=tz, now=now, daily=False, shift=shift)

    def history(
        self, symbol: str, series: str, now: datetime, market: str | None = None
    ) -> list[Bar]:
        """A lookup's bars of one Wind code: five years of daily bars (wsd), or the last week's
        5-minute bars (wsi, which holds the last five sessions), times at bar open."""
        tz = market_tz(market)
        fields = BAR_FIELDS.split(",")
        if series == "daily":
            end = now.astimezone(tz).date()
            begin = end - timedelta(days=round(365.25 * HISTORY_YEARS))
            result = self.session.call(
                "wsd", symbol, BAR_FIELDS, begin.isoformat(), end.isoformat(), "PriceAdj=F"
            )
            tab = table(result, codes=[symbol], fields=fields)
            return parse_bars(tab, symbol, inst_id=symbol, tz=tz, now=now)
        if series != "intraday":
            raise NotConfigured(f"wind has no {series} history")
        local = now.astimezone(tz).replace(tzinfo=None, microsecond=0)
        begin, end = (local - timedelta(days=7)).isoformat(" "), local.isoformat(" ")
        size = f"BarSize={INTRADAY_MINUTES}"
        result = self.session.call("wsi", symbol, BAR_FIELDS, begin, end, size)
        tab = table(result, codes=[symbol], fields=fields)
        shift = timedelta(minutes=INTRADAY_MINUTES) if WSI_STAMPS_BAR_END else timedelta(0)
        return parse_bars(tab, symbol, inst_id=symbol, tz=tz, now=now, daily=False, shift=shift)

    def load(self, request: Request) -> Batch:
        """Records of the mapped instruments; a bad instrument is a problem, not an error."""
        pairs = self.mapped(request)
        if request.kind == RecordKind.QUOTE:
            return self._quotes(request, pairs)
        if request.kind == RecordKind.BAR:
            return self.each_instrument(request, lambda i, s: self._bars(i, s, request))
        return batch_of(*self._each_series(request, pairs, lambda p, inst: curve_point(p, inst)))
