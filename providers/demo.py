"""The demo edition: offline, deterministic synthetic records for every dataset kind.

Output is a pure function of (config, request.now): each price is level * exp(deviation(t)), the
deviation a bounded sum of sine waves whose periods and phases are seeded through hashlib from
the instrument id, so every worker and every restart draws the same board. Markets keep their
hours: a closed market's clock is frozen where it stopped. Never a fallback for real data;
everything says it is demo (source "demo", headlines "DEMO: " from "Demo wire").

The demo tells one story across scenes: a release with a configured `schedule` (the calendar's
FOMC dates) is shown on those dates only, the same ones the rates scene prices; the curve comes
at the three dates the rates scene compares (now, a week and four weeks back, as Treasury's);
daily bars cover what the technicals scene shows plus the warm-up its indicators need.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np

from config.schema import INDICATOR_WARM_UP_BARS, Dataset, Instrument, RecordKind, Settings
from providers import markets
from providers.base import (
    HISTORY_YEARS,
    INTRADAY_MINUTES,
    INTRADAY_SESSIONS,
    Batch,
    Provider,
    Request,
)
from providers.configured_events import country_of, scheduled_events
from providers.errors import EmptyResult, NotConfigured, ProviderError
from providers.models import AnyRecord, Bar, CalendarEvent, CurvePoint, Headline, Quote
from providers.treasury import LOOKBACKS

_SEED = "market-wallboard-demo-v1"
_TICK_S = 5.0  # prices step every 5 s of market time, so each board refresh shows a move
_DAY_S = 86_400.0
_BOUND = 0.13  # |log deviation| < 0.13: prices stay within -12 % / +14 % of the level
_PERIODS_S = 60.0 * 4.0 ** np.arange(10)  # 1 minute .. ~180 days, so moves at every scale
_SPARK_POINTS = 48
DEFAULT_HISTORY_BARS = Dataset.model_fields["history_bars"].default
DEMO_WIRE = "Demo wire"  # the only source demo headlines name
_HEADLINE_EVERY_S = 1200
_HEADLINE_COUNT = 12


def _uniforms(key: str, n: int) -> np.ndarray:
    """`n` floats in [0, 1) from a key; hashlib, as Python's hash() is salted per process."""
    digest = hashlib.shake_256(f"{_SEED}:{key}".encode()).digest(8 * n)
    return np.frombuffer(digest, dtype="<u8") / 2.0**64


@lru_cache(maxsize=1024)
def _waves(key: str, daily_vol_pct: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u = _uniforms(key, 3 * len(_PERIODS_S)).reshape(3, -1)
    periods = _PERIODS_S * (0.7 + 0.6 * u[0])  # jittered, so the sum never visibly repeats
    # A random walk moves ~ vol * sqrt(horizon): weight each wave so the daily move is about
    # daily_vol_pct; cap the slow ones so high-vol series do not sit pinned at the bound.
    weights = 0.4 * daily_vol_pct / 100 * np.sqrt(periods / _DAY_S) * (0.7 + 0.6 * u[1])
    return periods, 2 * math.pi * u[2], np.minimum(weights, _BOUND / 4)


def deviation(key: str, daily_vol_pct: float, times: np.ndarray) -> np.ndarray:
    """Log deviation from the level at epoch seconds `times`: mean-reverting, |value| < 0.13."""
    periods, phases, weights = _waves(key, daily_vol_pct)
    ticks = np.floor(np.asarray(times, dtype=float) / _TICK_S)[..., None] * _TICK_S
    raw = (weights * np.sin(2 * math.pi * ticks / periods + phases)).sum(axis=-1)
    return _BOUND * np.tanh(raw / _BOUND)  # smooth squash: bounded whatever the volatility


def price_path(instrument: Instrument, times: np.ndarray) -> np.ndarray:
    """The demo price of an instrument at epoch seconds `times` (any array shape)."""
    params = instrument.demo
    return params.level * np.exp(deviation(instrument.id, params.daily_vol_pct, times))


def _epochs(times: list[datetime]) -> np.ndarray:
    return np.array([t.timestamp() for t in times])


def _spark_grid(market: str, as_of: datetime, span: timedelta) -> list[datetime]:
    """The sparkline's times before its last point: a fixed grid (the session's or the day's
    `span` in whole-minute steps) up to the last step before `as_of`. Fixed, so two refreshes
    within one step draw the same line but for its last point, and a screen's patch carries the
    prices that moved, not every sparkline redrawn."""
    step_s = max(60, round(span.total_seconds() / (_SPARK_POINTS - 1) / 60) * 60)
    last = math.floor(as_of.timestamp() / step_s) * step_s
    return [
        markets.trading_time(market, datetime.fromtimestamp(last - k * step_s, UTC))
        for k in range(_SPARK_POINTS - 2, -1, -1)
    ]


def quote(instrument: Instrument, market: str, now: datetime, spike_pct: float = 0.0) -> Quote:
    """A quote at `now`, frozen at the last traded minute while the market is closed.

    `spike_pct` moves the last price by that much (an operator's forced spike, to see the
    alerts work); the next refresh without it is back on the path.
    """
    as_of = markets.trading_time(market, now)
    if market in ("24/7", "24/5"):
        start = as_of - timedelta(days=1)  # no sessions: the change is over 24 hours
        prev_time, end = markets.trading_time(market, start), as_of
    else:
        (_, prev_time), (start, end) = markets.recent_sessions(market, now, 2)
    spark = price_path(instrument, _epochs([*_spark_grid(market, as_of, end - start), as_of]))
    spark[-1] *= 1 + spike_pct / 100
    price = float(spark[-1])
    prev_close = float(price_path(instrument, _epochs([prev_time]))[0])
    return Quote.from_prices(
        symbol=instrument.id,
        name=instrument.name,
        price=price,
        currency=instrument.currency,
        unit=instrument.unit,
        prev_close=prev_close,
        sparkline=tuple(float(p) for p in spark),
        market=market,
        as_of=as_of,
    )


def daily_bars(instrument: Instrument, market: str, now: datetime, count: int) -> list[Bar]:
    """Daily bars of the last `count` sessions; today's bar is partial while the session is
    open."""
    sessions = markets.recent_sessions(market, now, count)
    opens = _epochs([o for o, _ in sessions])
    closes = _epochs([c for _, c in sessions])
    ends = np.minimum(closes, now.timestamp())
    grid = opens[:, None] + (ends - opens)[:, None] * np.linspace(0, 1, 27)  # every ~15 min
    prices = price_path(instrument, grid)
    done = (ends - opens) / (closes - opens)  # share of the session traded so far
    bars = []
    for i, (session_open, _) in enumerate(sessions):
        first, last = float(prices[i, 0]), float(prices[i, -1])
        noise = _uniforms(f"{instrument.id}:volume:{session_open.date()}", 1)[0]
        # busier on big days, and a session in progress has traded only part of its volume
        volume = 1e9 * (0.6 + 0.8 * noise) * (1 + 20 * abs(last / first - 1)) * done[i]
        bars.append(
            Bar(
                symbol=instrument.id,
                time=session_open,
                open=first,
                high=float(prices[i].max()),
                low=float(prices[i].min()),
                close=last,
                volume=round(max(volume, 1.0)),
            )
        )
    return bars


def curve_point(instrument: Instrument, now: datetime) -> CurvePoint:
    """One yield-curve point at `now`; tenors share most of their move, so the curve keeps its
    shape."""
    match = re.fullmatch(r"(\d+)([MY])", instrument.id.upper())
    if match is None:
        raise ValueError(f"tenor {instrument.id!r} is not like 3M or 10Y")
    years = int(match[1]) / (12 if match[2] == "M" else 1)
    vol, t = instrument.demo.daily_vol_pct, np.array([now.timestamp()])
    move = 0.8 * deviation("curve", vol, t) + 0.2 * deviation(instrument.id, vol, t)
    yield_pct = float(instrument.demo.level * np.exp(move)[0])
    return CurvePoint(tenor=instrument.id, years=years, yield_pct=yield_pct, as_of=now)


_COMPANIES = (
    "Northwind Holdings",
    "Globex",
    "Initech",
    "Acme Industrials",
    "Contoso Energy",
    "Vandelay Imports",
    "Soylent Foods",
    "Cyberdyne Systems",
    "Stark Logistics",
)
_PLACES = ("Freedonia", "Ruritania", "Genovia", "Elbonia", "Latveria", "Sokovia")
_COMMODITIES = ("Crude", "Copper", "Gold", "Wheat", "Natural gas")
_TEMPLATES = (
    "{company} shares {move} after quarterly results",
    "{company} announces {n} bn share buyback",
    "Analysts lift {company} price target on strong demand",
    "{company} to acquire {other} in all-stock deal",
    "Central bank of {place} holds rates, signals patience",
    "{place} factory output {beats} expectations",
    "{commodity} prices {move} as traders weigh supply outlook",
    "Treasury yields {move} ahead of inflation data",
    "Index futures {move} in quiet pre-market trade",
    "{place} inflation cools for a {nth} month",
)


def _pick(options: tuple[str, ...], u: float) -> str:
    return options[int(u * len(options))]


def _headline_title(slot: int) -> str:
    u = _uniforms(f"headline:{slot}", 8)
    company = _pick(_COMPANIES, u[1])
    fills = {
        "company": company,
        "other": _pick(tuple(c for c in _COMPANIES if c != company), u[2]),
        "place": _pick(_PLACES, u[3]),
        "commodity": _pick(_COMMODITIES, u[4]),
        "move": _pick(("rise", "fall", "edge higher", "slip", "jump", "drop"), u[5]),
        "beats": _pick(("beats", "misses", "matches"), u[6]),
        "n": 1 + int(u[7] * 20),
        "nth": _pick(("second", "third", "fourth"), u[7]),
    }
    # step through the templates (7 is coprime with their count) so neighbours never repeat
    return "DEMO: " + _TEMPLATES[slot * 7 % len(_TEMPLATES)].format(**fills)


def headlines(now: datetime) -> list[Headline]:
    """The latest ~12 fictional headlines, newest first, one new every ~20 minutes."""
    items: list[Headline] = []
    slot = int(now.timestamp() // _HEADLINE_EVERY_S)
    while len(items) < _HEADLINE_COUNT:
        # one headline per 20-minute slot, at a seeded minute inside it, so times look natural
        offset = _uniforms(f"published:{slot}", 1)[0] * _HEADLINE_EVERY_S
        published = datetime.fromtimestamp(slot * _HEADLINE_EVERY_S + int(offset), UTC)
        if published <= now:
            items.append(
                Headline(title=_headline_title(slot), source=DEMO_WIRE, published=published)
            )
        slot -= 1
    return items


# name keyword -> (centre, step, steps either side, decimals, suffix, release time UTC)
_RELEASES = {
    "payroll": (180.0, 1.0, 80, 0, "K", (12, 30)),
    "fomc": (4.50, 0.25, 1, 2, "%", (18, 0)),
    "cpi": (3.0, 0.1, 4, 1, "%", (12, 30)),
    "gdp": (2.2, 0.1, 10, 1, "%", (12, 30)),
    "": (0.3, 0.1, 5, 1, "%", (12, 30)),
}


def release_times(instrument: Instrument, now: datetime) -> list[tuple[datetime, str, str]]:
    """(time, key, key of the release before) of the releases shown at `now`: the configured
    `schedule`'s dates near now (the window the schedule provider shows), else this week's and
    next week's, each on a seeded weekday. The keys seed the released values."""
    if instrument.schedule:
        every = sorted(instrument.schedule)
        shown = {event.time for event in scheduled_events([instrument], now)}
        return [
            (time, f"{time.date()}", f"{every[k - 1].date()}" if k else f"{time.date()}:before")
            for k, time in enumerate(every)
            if time in shown
        ]
    key = next(k for k in _RELEASES if k in instrument.name.lower())  # "" matches any
    hour, minute = _RELEASES[key][-1]
    this_monday = datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(now.weekday())
    out = []
    for monday in (this_monday, this_monday + timedelta(days=7)):
        day = int(_uniforms(f"{instrument.id}:day:{monday.date()}", 1)[0] * 5)  # Mon .. Fri
        time = monday + timedelta(days=day, hours=hour, minutes=minute)
        out.append((time, f"{monday.date()}", f"{(monday - timedelta(days=7)).date()}"))
    return out


def events(instrument: Instrument, now: datetime) -> list[CalendarEvent]:
    """The releases of a macro series shown at `now` (see `release_times`); `actual` only once
    it is out, and each release's prior is the value the one before it gave."""
    key = next(k for k in _RELEASES if k in instrument.name.lower())  # "" matches any
    centre, step, steps, decimals, suffix, _ = _RELEASES[key]

    def value(release: str) -> float:
        u = _uniforms(f"{instrument.id}:value:{release}", 1)[0]
        return centre + step * round(steps * (2 * u - 1))

    def text(number: float) -> str:
        return f"{number:.{decimals}f}{suffix}"

    out = []
    for time, release, before in release_times(instrument, now):
        actual, prior = value(release), value(before)
        consensus = step * round((actual + prior) / 2 / step)  # the market guesses in between
        out.append(
            CalendarEvent(
                time=time,
                country=country_of(instrument.name),
                name=instrument.name,
                prior=text(prior),
                consensus=text(consensus),
                actual=text(actual) if time <= now else None,
            )
        )
    return out


ADHOC_MARKET = "XNYS"  # an ad-hoc demo symbol trades New York hours: the board's own default


def adhoc_instrument(symbol: str) -> Instrument:
    """A symbol the configuration does not know, as a demo instrument: its level and volatility
    seeded by the symbol, so every process draws the same walk for it."""
    u = _uniforms(f"adhoc:{symbol}", 2)
    safe = re.sub(r"[^A-Za-z0-9_.\-]", "_", symbol)[:33]
    return Instrument(
        id=f"adhoc-{safe}",
        name=symbol[:60],
        demo={"level": round(10 + 490 * float(u[0]), 2), "daily_vol_pct": 0.8 + 1.7 * float(u[1])},
    )


def intraday_bars(
    instrument: Instrument, market: str, now: datetime, *, sessions: int, minutes: int
) -> list[Bar]:
    """`minutes`-minute bars of the last `sessions` sessions up to `now`, each timed at its open
    (the bar in progress ends at `now`), on the instrument's demo path."""
    step = minutes * 60
    starts: list[float] = []
    for session_open, session_close in markets.recent_sessions(market, now, sessions):
        first, end = session_open.timestamp(), min(session_close, now).timestamp()
        starts.extend(np.arange(first, end, step).tolist())
    if not starts:
        return []
    opens = np.array(starts)
    ends = np.minimum(opens + step, now.timestamp())
    grid = opens[:, None] + (ends - opens)[:, None] * np.linspace(0, 1, minutes + 1)
    prices = price_path(instrument, grid)
    noise = _uniforms(f"{instrument.id}:intraday:{int(starts[0])}", len(starts))
    return [
        Bar(
            symbol=instrument.id,
            time=datetime.fromtimestamp(start, UTC),
            open=float(row[0]),
            high=float(row.max()),
            low=float(row.min()),
            close=float(row[-1]),
            volume=round(1e6 * (0.5 + float(u)) * (1 + 200 * abs(row[-1] / row[0] - 1))),
        )
        for start, row, u in zip(starts, prices, noise, strict=True)
    ]


class DemoProvider(Provider):
    """Synthetic data for the demo edition: every kind, offline, the same for the same time."""

    name = "demo"
    kinds = frozenset(RecordKind)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._spikes: dict[str, float] = {}

    def spike(self, instrument_id: str, pct: float) -> None:
        """Move an instrument's price by `pct` % in the next load only (operators' test)."""
        self._spikes[instrument_id] = pct

    def bar_sessions(self, request: Request) -> int:
        """Sessions of daily bars to make: what a real source fetches for the dataset (its
        `history_bars` and the indicators' warm-up)."""
        dataset = self.settings.datasets.get(request.dataset)
        shown = dataset.history_bars if dataset is not None else DEFAULT_HISTORY_BARS
        return shown + INDICATOR_WARM_UP_BARS

    def history_instrument(self, symbol: str) -> Instrument:
        """The configured instrument whose id is `symbol` (its quotes and bars are on the same
        path), else an ad-hoc one seeded by the symbol."""
        for dataset in self.settings.datasets.values():
            for instrument in dataset.instruments:
                if instrument.id == symbol:
                    return instrument
        return adhoc_instrument(symbol)

    def history(
        self, symbol: str, series: str, now: datetime, market: str | None = None
    ) -> list[Bar]:
        """A lookup's synthetic bars, consistent with the instrument's demo quotes: about five
        years of daily bars, or the last five sessions of 5-minute bars."""
        if now.tzinfo is None:
            raise ProviderError("demo: the request time must be timezone-aware")
        now = now.astimezone(UTC)
        instrument = self.history_instrument(symbol)
        market = market or instrument.market or ADHOC_MARKET
        try:
            if series == "daily":
                bars = daily_bars(instrument, market, now, HISTORY_YEARS * 252)
            elif series == "intraday":
                bars = intraday_bars(
                    instrument, market, now, sessions=INTRADAY_SESSIONS, minutes=INTRADAY_MINUTES
                )
            else:
                raise NotConfigured(f"demo has no {series} history")
        except ValueError as exc:  # unknown market, a time outside the calendar
            raise EmptyResult(f"demo: no history for {symbol} ({exc})") from None
        if not bars:
            raise EmptyResult(f"demo: no {series} bars for {symbol}")
        return [bar.model_copy(update={"symbol": symbol}) for bar in bars]

    def load(self, request: Request) -> Batch:
        """Synthesise one dataset's records at `request.now`; bad instruments become problems."""
        if request.now.tzinfo is None:
            raise ProviderError("demo: the request time must be timezone-aware")
        now = request.now.astimezone(UTC)
        if request.kind is RecordKind.HEADLINE:
            return Batch(records=[*headlines(now)])
        records: list[AnyRecord] = []
        problems: list[str] = []
        for instrument in request.instruments:
            market = instrument.market or request.market
            try:
                if request.kind is RecordKind.QUOTE:
                    spike = self._spikes.pop(instrument.id, 0.0)
                    records.append(quote(instrument, market, now, spike))
                elif request.kind is RecordKind.BAR:
                    records.extend(daily_bars(instrument, market, now, self.bar_sessions(request)))
                elif request.kind is RecordKind.CURVE:
                    # now, a week and four weeks back: the three curves the rates scene compares
                    records.extend([curve_point(instrument, now - back) for back in LOOKBACKS])
                else:
                    records.extend(events(instrument, now))
            except ValueError as exc:  # unknown market, bad tenor, time outside the calendar
                problems.append(f"{instrument.id}: {exc}")
        if not records:
            raise EmptyResult(f"demo: nothing for {request.dataset} ({'; '.join(problems)})")
        if request.kind is RecordKind.EVENT:
            records.sort(key=lambda event: event.time)
        elif request.kind is RecordKind.CURVE:
            records.sort(key=lambda point: point.as_of)  # oldest first, as Treasury's; stable
        return Batch(records=records, problems=problems)
