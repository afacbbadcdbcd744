"""The rows of a scene's Data view: the records its datasets hold, one plain dict per row.

Pure: snapshots (assessed as of now: Board.snapshot) and their configuration in, rows out; the
Data view's grid (components/data_view.py) shows them and the Excel export writes them.

One row per thing the scene draws, with the same status, source and time its tile, cell or
table row shows (engine.freshness.state_shown):
- quotes: one row per configured instrument (no record: a row saying why, as the tile does);
- curve points: one row per point (the rates scene draws the curve now, a week and a month ago);
- bars: one row per instrument, its last bar, with the change from the bar before (the whole
  history is `/api/latest/<dataset>.csv`);
- headlines and calendar events: one row each, with their dataset's status (they are judged as
  a whole, engine.freshness).

Values are the records' own, to full precision (never rounded here); times are ISO 8601 in UTC,
and again in the wall's time zone for reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from config.schema import Dataset, Instrument
from engine.freshness import Shown, state_shown
from providers.models import Bar, CalendarEvent, CurvePoint, Headline, Quote, Snapshot

# (key, header) of every column, in the grid's order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("instrument", "Instrument"),
    ("id", "Id"),
    ("dataset", "Dataset"),
    ("value", "Value"),
    ("change", "Change"),
    ("change_pct", "Change %"),
    ("unit", "Unit"),
    ("source", "Source"),
    ("as_of_utc", "As of (UTC)"),
    ("as_of_local", "As of (local)"),
    ("status", "Status"),
    ("reason", "Reason"),
    ("findings", "Findings"),
    ("detail", "Detail"),
)
KEYS = tuple(key for key, _ in COLUMNS)
HEADERS = dict(COLUMNS)
NUMERIC = frozenset({"value", "change", "change_pct"})


def iso(moment: datetime | None) -> str | None:
    """A time as ISO 8601 in UTC ('2025-03-05T15:00:00+00:00'), None for none."""
    return None if moment is None else moment.isoformat()


def local_time(moment: datetime | None, tz: str) -> str | None:
    """A time in the wall's time zone, to the second, with the zone's abbreviation."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S %Z")


def _findings(snapshot: Snapshot, symbol: str | None) -> str | None:
    """What validation found about one instrument (or, `symbol` None, the dataset as a whole)."""
    found = [f"{f.rule}: {f.detail}" for f in snapshot.findings if f.symbol == symbol]
    return "; ".join(found) or None


def _row(
    *,
    instrument: str,
    ident: str | None,
    dataset: str,
    seen: Shown,
    tz: str,
    value: float | None = None,
    change: float | None = None,
    change_pct: float | None = None,
    unit: str | None = None,
    findings: str | None = None,
    detail: str | None = None,
    as_of: datetime | None = None,
    source: str | None = None,
) -> dict:
    when = as_of if as_of is not None else seen.as_of
    return {
        "instrument": instrument,
        "id": ident,
        "dataset": dataset,
        "value": value,
        "change": change,
        "change_pct": change_pct,
        "unit": unit,
        "source": source if source is not None else seen.source,
        "as_of_utc": iso(when),
        "as_of_local": local_time(when, tz),
        "status": seen.status.value,
        "reason": seen.reason,
        "findings": findings,
        "detail": detail,
    }


def _unit(instrument: Instrument, quote: Quote | None = None) -> str | None:
    if quote is not None and (quote.unit or quote.currency):
        return quote.unit or quote.currency
    return instrument.unit or instrument.currency


def quote_rows(
    name: str, dataset: Dataset, snapshot: Snapshot, tz: str, now: datetime
) -> list[dict]:
    """A row per configured quote instrument, in configuration order."""
    quotes = snapshot.quotes_by_id()
    rows = []
    for instrument in dataset.instruments:
        quote = quotes.get(instrument.id)
        seen = state_shown(snapshot, instrument.id, now)
        rows.append(
            _row(
                instrument=instrument.name,
                ident=instrument.id,
                dataset=name,
                seen=seen,
                tz=tz,
                value=None if quote is None else quote.price,
                change=None if quote is None else quote.change,
                change_pct=None if quote is None else quote.change_pct,
                unit=_unit(instrument, quote),
                findings=_findings(snapshot, instrument.id),
                detail="last good value" if quote is not None and quote.kept else None,
            )
        )
    return rows


def curve_rows(
    name: str, dataset: Dataset, snapshot: Snapshot, tz: str, now: datetime
) -> list[dict]:
    """A row per curve point: configured tenors in order, each newest first."""
    names = {i.id: i.name for i in dataset.instruments}
    order = {i.id: n for n, i in enumerate(dataset.instruments)}
    points = [r for r in snapshot.records if isinstance(r, CurvePoint)]
    points.sort(key=lambda p: (order.get(p.tenor, len(order)), -p.as_of.timestamp()))
    return [
        _row(
            instrument=names.get(p.tenor, p.tenor),
            ident=p.tenor,
            dataset=name,
            # The tenor's state (its newest point's); an older point keeps its own time.
            seen=state_shown(snapshot, p.tenor, now),
            tz=tz,
            value=p.yield_pct,
            unit="%",
            findings=_findings(snapshot, p.tenor),
            detail=f"{p.years!r} years",
            as_of=p.as_of,
        )
        for p in points
    ]


def bar_rows(name: str, dataset: Dataset, snapshot: Snapshot, tz: str, now: datetime) -> list[dict]:
    """A row per configured instrument: its last bar's close, and the change from the bar
    before it."""
    by_symbol: dict[str, list[Bar]] = {}
    for record in snapshot.records:
        if isinstance(record, Bar):
            by_symbol.setdefault(record.symbol, []).append(record)
    rows = []
    for instrument in dataset.instruments:
        bars = sorted(by_symbol.get(instrument.id, []), key=lambda b: b.time)
        last = bars[-1] if bars else None
        before = bars[-2] if len(bars) > 1 else None
        change = None if last is None or before is None else last.close - before.close
        rows.append(
            _row(
                instrument=instrument.name,
                ident=instrument.id,
                dataset=name,
                seen=state_shown(snapshot, instrument.id, now),
                tz=tz,
                value=None if last is None else last.close,
                change=change,
                change_pct=None if change is None else change / before.close * 100,
                unit=_unit(instrument),
                findings=_findings(snapshot, instrument.id),
                detail=None if last is None else _ohlcv(last),
            )
        )
    return rows


def _ohlcv(bar: Bar) -> str:
    volume = "" if bar.volume is None else f" V {bar.volume!r}"
    return f"O {bar.open!r} H {bar.high!r} L {bar.low!r} C {bar.close!r}{volume}"


def _whole(snapshot: Snapshot) -> Shown:
    """A headline or event dataset's state: judged as a whole (engine.freshness.assess)."""
    return Shown(snapshot.status, None, snapshot.error, snapshot.source, snapshot.as_of)


def headline_rows(
    name: str, dataset: Dataset, snapshot: Snapshot, tz: str, now: datetime
) -> list[dict]:
    """A row per headline, newest first; its source is the feed's publisher, as shown."""
    seen = _whole(snapshot)
    found = _findings(snapshot, None)
    items = sorted(
        (r for r in snapshot.records if isinstance(r, Headline)),
        key=lambda h: h.published,
        reverse=True,
    )
    return [
        _row(
            instrument=h.title,
            ident=None,
            dataset=name,
            seen=seen,
            tz=tz,
            findings=found,
            detail=None if h.link is None else str(h.link),
            as_of=h.published,
            source=h.source,
        )
        for h in items
    ]


def event_rows(
    name: str, dataset: Dataset, snapshot: Snapshot, tz: str, now: datetime
) -> list[dict]:
    """A row per calendar event, in time order; its figures are the published strings."""
    seen = _whole(snapshot)
    found = _findings(snapshot, None)
    events = sorted((r for r in snapshot.records if isinstance(r, CalendarEvent)), key=_time)
    return [
        _row(
            instrument=e.name,
            ident=None,
            dataset=name,
            seen=seen,
            tz=tz,
            findings=found,
            detail=" · ".join(
                [e.country]
                + [
                    f"{label} {figure}"
                    for label, figure in (
                        ("prior", e.prior),
                        ("consensus", e.consensus),
                        ("actual", e.actual),
                    )
                    if figure is not None
                ]
            ),
            as_of=e.time,
        )
        for e in events
    ]


def _time(event: CalendarEvent) -> datetime:
    return event.time


BY_KIND = {
    "quote": quote_rows,
    "curve": curve_rows,
    "bar": bar_rows,
    "headline": headline_rows,
    "event": event_rows,
}


def dataset_rows(
    name: str, dataset: Dataset, snapshot: Snapshot, tz: str, now: datetime
) -> list[dict]:
    """One dataset's rows as of `now` (see the module for what a row is, per kind)."""
    return BY_KIND[dataset.kind.value](name, dataset, snapshot, tz, now)


def scene_rows(
    datasets: Mapping[str, Dataset], snapshots: Mapping[str, Snapshot], tz: str, now: datetime
) -> list[dict]:
    """Every row of a scene's datasets as of `now`, dataset by dataset in the order given."""
    return [
        row
        for name, snapshot in snapshots.items()
        for row in dataset_rows(name, datasets[name], snapshot, tz, now)
    ]


def columns_in(keys: Iterable[str]) -> list[str]:
    """The known column keys among `keys`, in the order given, each once."""
    return [key for key in dict.fromkeys(keys) if key in HEADERS]
