"""A board whose instruments have different ages: the fixture set of issue 16.

Every dataset's snapshot is made from the real recorded payloads in ../shared/fixtures, parsed by
the providers' own pure functions, then shifted in time so that, within each dataset of quotes,
curve points or bars, instruments have roles by their place in the configuration:

- the first (and every one after the third): from today, 40 s before NOW, delivered by
  the dataset's first source;
- the second: from last week (seven days before NOW), delivered by the chain's second source (a
  hybrid fill), so its tile must say stale, old and where it came from;
- the third: missing, with the fetch's own error naming it.

One recorded payload per asset class gives the values (relabelled per instrument: every index
shows the recorded S&P 500 day, every sector the recorded QQQ day): the ages, sources and statuses
are what these tests are about, and those are set per instrument. Headlines keep their recorded
2018 times, so the news is years old, as it would be on a wall whose feeds stopped. The fed funds
futures have no recording, so that dataset is empty with its error (as the open edition's is when
Yahoo refuses it). The calendar is the configured schedule, as the `schedule` source gives it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cachelib import SimpleCache

from config.schema import Dataset, Instrument, Settings
from engine.board import Board
from engine.freshness import assess
from engine.store import SnapshotStore
from providers import cboe, coingecko, configured_events, fred, rss, treasury, yahoo
from providers.models import AnyRecord, Bar, CurvePoint, Quote, Snapshot, Status
from tests.support.paths import FIXTURES

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # Wednesday: New York, Frankfurt, London open
TODAY = NOW - timedelta(seconds=40)
LAST_WEEK = NOW - timedelta(days=7)
FETCHED = NOW - timedelta(seconds=20)
TODAY_ROLE, LAST_WEEK_ROLE, MISSING_ROLE = 0, 1, 2


def _read(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def _chart(path: str) -> Callable[[Instrument, datetime], Quote]:
    payload = json.loads(_read(path))

    def quote(instrument: Instrument, now: datetime) -> Quote:
        vendor = payload["chart"]["result"][0]["meta"]["symbol"]
        return yahoo.parse_chart_quote(
            payload,
            symbol=instrument.id,
            name=instrument.name,
            now=now,
            currency=instrument.currency,
            unit=instrument.unit,
            vendor_symbol=vendor,
        )

    return quote


def _coins(instrument: Instrument, now: datetime) -> Quote:
    rows = coingecko.parse_coins_markets(_read("coingecko/coins_markets_usd_top5_2023-01-02.json"))
    row = rows.get(instrument.symbols.get("coingecko", ""), next(iter(rows.values())))
    return coingecko.coin_quote(
        row, symbol=instrument.id, name=instrument.name, now=now, currency=instrument.currency
    )


def _vix(instrument: Instrument, now: datetime) -> Quote:
    bars = cboe.parse_cboe_csv(
        _read("cboe/VIX_History_2016-01-04_to_2026-07-02_truncated.csv"), symbol=instrument.id
    )
    return cboe.cboe_quote(bars, symbol=instrument.id, name=instrument.name, now=now)


def _dff(instrument: Instrument, now: datetime) -> Quote:
    series = fred.parse_observations_json(
        _read("fred/series_observations_DFF_json_2023-01-01_2023-06-06.json")
    )
    return fred.quote_from_series(series, instrument.model_copy(update={"unit": "%"}), now, "24/7")


QUOTES: dict[str, Callable[[Instrument, datetime], Quote]] = {
    "indices": _chart("yahoo/chart_GSPC_INDEX_range1d_interval1d_2024-02-29.json"),
    "fx": _chart("yahoo/chart_EURUSDX_CURRENCY_1d_20200101-20200103.json"),
    "commodities": _chart("yahoo/chart_GCF_FUTURE_1d_20200101-20200103.json"),
    "sectors": _chart("yahoo/chart_QQQ_ETF_1d_20200101-20200103.json"),
    "crypto": _coins,
    "volatility": _vix,
    "policy_rates": _dff,
}


def _shift(record: AnyRecord, by: timedelta) -> AnyRecord:
    if isinstance(record, Quote | CurvePoint):
        return record.model_copy(update={"as_of": record.as_of + by})
    if isinstance(record, Bar):
        return record.model_copy(update={"time": record.time + by})
    return record


def _to(records: list[AnyRecord], when: datetime) -> list[AnyRecord]:
    """The records moved in time together so that the newest is at `when`."""
    newest = max((r.as_of if isinstance(r, Quote | CurvePoint) else r.time) for r in records)
    return [_shift(r, when - newest) for r in records]


def _recorded(name: str, dataset: Dataset, instrument: Instrument) -> list[AnyRecord]:
    """An instrument's records as its recorded payload gives them (before shifting)."""
    if dataset.kind.value == "quote":
        return [QUOTES.get(name, QUOTES["indices"])(instrument, NOW)]
    if dataset.kind.value == "bar":
        payload = json.loads(_read("yahoo/chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json"))
        return list(yahoo.parse_chart_bars(payload, symbol=instrument.id, vendor_symbol="^GSPC"))
    _, rows = treasury.parse_curve_csv(
        _read("treasury/daily_treasury_par_yield_curve_2024_to_2024-10-10.csv")
    )
    points, _ = treasury.curve_points(rows, {instrument.id: instrument.symbols["treasury"]}, NOW)
    return list(points)


def _per_instrument(name: str, dataset: Dataset, chain: list[str]) -> Snapshot:
    first, second = chain[0], chain[1] if len(chain) > 1 else chain[0]
    records: list[AnyRecord] = []
    origins: dict[str, str] = {}
    missing: list[str] = []
    for index, instrument in enumerate(dataset.instruments):
        if index == MISSING_ROLE:
            missing.append(instrument)
            continue
        when = LAST_WEEK if index == LAST_WEEK_ROLE else TODAY
        records += _to(_recorded(name, dataset, instrument), when)
        origins[instrument.id] = second if index == LAST_WEEK_ROLE else first
    error = "; ".join(
        f"{first}: {i.symbols.get(first, i.id)}: no data in the answer" for i in missing
    )
    used = list(dict.fromkeys(origins.values()))
    return Snapshot(
        dataset=name,
        records=tuple(records),
        as_of=TODAY,
        fetched_at=FETCHED,
        source="+".join(used),
        status=Status.OK,
        error=error or None,
        attempted_at=FETCHED,
        fetch_count=1,
        origins=origins,
    )


def _news(name: str, chain: list[str]) -> Snapshot:
    headlines = rss.parse_feed(
        _read("rss/news/guardian_us_2018-01-31.rss"), source="Guardian US", now=NOW
    )
    return Snapshot(
        dataset=name,
        records=tuple(headlines),
        as_of=FETCHED,
        fetched_at=FETCHED,
        source=chain[0],
        status=Status.OK,
        attempted_at=FETCHED,
        fetch_count=1,
    )


def _calendar(name: str, dataset: Dataset) -> Snapshot:
    events = configured_events.scheduled_events(dataset.instruments, NOW)
    return Snapshot(
        dataset=name,
        records=tuple(events),
        as_of=FETCHED,
        fetched_at=FETCHED,
        source="schedule",
        status=Status.FALLBACK,
        error="fred: no FRED API key configured",
        attempted_at=FETCHED,
        fetch_count=1,
    )


def stored(settings: Settings) -> dict[str, Snapshot]:
    """Every dataset's snapshot as the refresher would have stored it (facts, not judged)."""
    out: dict[str, Snapshot] = {}
    for name, dataset in settings.datasets.items():
        chain = settings.chain(name) or ["none"]
        if name == "fed_funds_futures":
            out[name] = Snapshot(
                dataset=name,
                status=Status.ERROR,
                error="yahoo: no fed funds futures recording (ZQ=F)",
                failures=1,
                attempted_at=FETCHED,
            )
        elif dataset.kind.value in ("quote", "curve", "bar"):
            out[name] = _per_instrument(name, dataset, chain)
        elif dataset.kind.value == "headline":
            out[name] = _news(name, chain)
        else:
            out[name] = _calendar(name, dataset)
    return out


def assessed(settings: Settings, now: datetime = NOW) -> dict[str, Snapshot]:
    """The snapshots as the board hands them out as of `now` (Board.snapshot)."""
    return {
        name: assess(snapshot, settings.datasets[name], now)
        for name, snapshot in stored(settings).items()
    }


def board(settings: Settings, now: datetime = NOW) -> Board:
    """A board (no refresher, its clock stopped at `now`) whose store holds `stored(settings)`."""
    store = SnapshotStore(SimpleCache(), namespace=settings.edition.value, persist_dir=None)
    for snapshot in stored(settings).values():
        store.write(snapshot, persist=False)
    return Board(settings, store, None, lambda: now)
