"""The Data view's rows (components/data_rows.py) on real snapshots: the demo edition's, as its
refresher writes them and Board.snapshot assesses them, and hand-made ones for the edge cases
(a kept quote, a missing instrument, a validation finding)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from components.data_rows import KEYS, columns_in, dataset_rows, local_time, scene_rows
from components.tiles import quote_tile
from config import load_settings
from engine.freshness import assess
from providers.models import Bar, CalendarEvent, Finding, Headline, Quote, Snapshot, Status
from tests.support.demo import refreshed_demo_app
from tests.support.pages import prop

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)  # New York trades


@pytest.fixture(scope="module")
def demo_board(tmp_path_factory):
    """The demo edition with every dataset refreshed once, as the browser tests have it."""
    return refreshed_demo_app(tmp_path_factory.mktemp("demo")).server.extensions["wallboard"]


def rows_of(board, name: str) -> list[dict]:
    now = board.clock()
    return dataset_rows(
        name, board.settings.datasets[name], board.snapshot(name, now), "America/New_York", now
    )


def test_every_row_has_every_column_and_values_are_the_records_own(demo_board):
    for name in demo_board.settings.datasets:
        rows = rows_of(demo_board, name)
        assert rows, name
        for row in rows:
            assert tuple(row) == KEYS
            assert row["dataset"] == name
            assert row["status"] in {s.value for s in Status}
    indices = demo_board.snapshot("indices")
    quotes = indices.quotes_by_id()
    rows = rows_of(demo_board, "indices")
    configured = demo_board.settings.datasets["indices"].instruments
    assert [r["id"] for r in rows] == [i.id for i in configured]
    for row in rows:
        quote = quotes[row["id"]]
        # Full precision: the very floats of the record, not rounded for display.
        assert row["value"] == quote.price and row["change"] == quote.change
        assert row["change_pct"] == quote.change_pct
        assert row["as_of_utc"] == quote.as_of.isoformat()
        assert datetime.fromisoformat(row["as_of_utc"]) == quote.as_of
        assert row["instrument"] == quote.name
        assert row["unit"] == (quote.unit or quote.currency)


def test_quote_rows_show_the_status_source_and_time_their_tiles_show(demo_board):
    snapshot = demo_board.snapshot("indices")
    dataset = demo_board.settings.datasets["indices"]
    quotes = snapshot.quotes_by_id()
    for row, instrument in zip(rows_of(demo_board, "indices"), dataset.instruments, strict=True):
        tile = quote_tile(instrument, quotes.get(instrument.id), snapshot)
        assert row["status"] == prop(tile, "data-status"), instrument.id
        assert row["source"] == prop(tile, "data-source"), instrument.id
        assert row["as_of_utc"] == prop(tile, "data-as-of"), instrument.id


def test_curve_bar_headline_and_event_rows(demo_board):
    curve = rows_of(demo_board, "rates")
    points = demo_board.snapshot("rates").records
    assert len(curve) == len(points)  # every point the scene draws: now, a week, a month ago
    assert {(r["id"], r["value"]) for r in curve} == {(p.tenor, p.yield_pct) for p in points}
    assert all(r["unit"] == "%" for r in curve)
    # Tenors in configuration order, each newest first.
    tenors = [i.id for i in demo_board.settings.datasets["rates"].instruments]
    assert [r["id"] for r in curve[::3]] == tenors
    assert curve[0]["as_of_utc"] > curve[1]["as_of_utc"] > curve[2]["as_of_utc"]

    bars = demo_board.snapshot("history").records
    for row in rows_of(demo_board, "history"):
        mine = sorted((b for b in bars if b.symbol == row["id"]), key=lambda b: b.time)
        assert row["value"] == mine[-1].close
        assert row["change"] == mine[-1].close - mine[-2].close
        assert row["change_pct"] == pytest.approx(row["change"] / mine[-2].close * 100, rel=1e-15)
        assert row["as_of_utc"] == mine[-1].time.isoformat()

    news = rows_of(demo_board, "news")
    headlines = sorted(demo_board.snapshot("news").records, key=lambda h: h.published)[::-1]
    assert [r["instrument"] for r in news] == [h.title for h in headlines]
    assert [r["source"] for r in news] == [h.source for h in headlines]
    assert all(r["value"] is None and r["id"] is None for r in news)

    events = rows_of(demo_board, "calendar")
    assert [r["instrument"] for r in events] == [
        e.name for e in sorted(demo_board.snapshot("calendar").records, key=lambda e: e.time)
    ]
    assert all(r["detail"].startswith("US") for r in events)


def test_scene_rows_hold_every_dataset_of_the_scene_in_order(demo_board):
    board = demo_board
    names = board.settings.scenes["rates"].datasets
    snapshots = {n: board.snapshot(n) for n in names}
    rows = scene_rows({n: board.settings.datasets[n] for n in names}, snapshots, "UTC", WED)
    assert list(dict.fromkeys(r["dataset"] for r in rows)) == list(names)
    assert len(rows) == sum(len(rows_of(board, n)) for n in names)


def hand_made(settings_datasets):
    dataset = settings_datasets["indices"]
    spx, ndx, dji = dataset.instruments[:3]
    fresh = Quote(symbol=spx.id, name=spx.name, price=5000.123456789012, as_of=WED, currency="USD")
    kept = Quote(
        symbol=ndx.id, name=ndx.name, price=18000.5, as_of=WED - timedelta(days=2), kept=True
    )
    stored = Snapshot(
        dataset="indices",
        records=(fresh, kept),
        as_of=WED,
        fetched_at=WED,
        source="yahoo",
        status=Status.OK,
        origins={spx.id: "yahoo", ndx.id: "stooq"},
        findings=(
            Finding(
                tier="core",
                rule="implausible",
                symbol=dji.id,
                detail="price 0.01 is 99.9 % off",
                rejected=True,
            ),
            Finding(tier="quality", rule="spike", symbol=spx.id, detail="moved 9 % in a tick"),
        ),
    )
    return dataset, assess(stored, dataset, WED), (spx, ndx, dji)


def test_kept_missing_and_found_instruments_say_so():
    settings = load_settings(env={})
    dataset, snapshot, (spx, ndx, dji) = hand_made(settings.datasets)
    rows = {r["id"]: r for r in dataset_rows("indices", dataset, snapshot, "Europe/London", WED)}
    assert rows[spx.id]["value"] == 5000.123456789012
    assert rows[spx.id]["findings"] == "spike: moved 9 % in a tick"
    assert rows[spx.id]["source"] == "yahoo" and rows[spx.id]["status"] == "ok"
    assert rows[ndx.id]["status"] == "stale" and rows[ndx.id]["source"] == "stooq"
    assert rows[ndx.id]["detail"] == "last good value"
    assert "this refresh could not get it" in rows[ndx.id]["reason"]
    # Missing: a row all the same, saying why, as its tile does.
    assert rows[dji.id]["value"] is None and rows[dji.id]["status"] == "error"
    assert "refused: price 0.01 is 99.9 % off" in rows[dji.id]["reason"]
    assert rows[dji.id]["findings"] == "implausible: price 0.01 is 99.9 % off"
    assert rows[dji.id]["as_of_utc"] is None and rows[dji.id]["as_of_local"] is None
    assert len(rows) == len(dataset.instruments)


def test_headline_rows_keep_feed_text_as_text_and_events_their_figures():
    settings = load_settings(env={})
    news = settings.datasets["news"]
    title = '=HYPERLINK("http://x","<b>click</b>")'
    snapshot = Snapshot(
        dataset="news",
        records=(Headline(title=title, source="wire", published=WED),),
        as_of=WED,
        fetched_at=WED,
        source="rss",
        status=Status.OK,
    )
    (row,) = dataset_rows("news", news, snapshot, "UTC", WED)
    assert row["instrument"] == title  # data, never markup: the grid shows it as text
    assert row["status"] == "ok" and row["as_of_utc"] == WED.isoformat()
    calendar = settings.datasets["calendar"]
    event = CalendarEvent(time=WED, country="US", name="US CPI", prior="-0.1%", actual="0.2%")
    (row,) = dataset_rows(
        "calendar",
        calendar,
        Snapshot(dataset="calendar", records=(event,), status=Status.OK),
        "UTC",
        WED,
    )
    assert row["detail"] == "US · prior -0.1% · actual 0.2%"


def test_a_bar_dataset_with_one_bar_has_no_change():
    settings = load_settings(env={})
    history = settings.datasets["history"]
    spx = history.instruments[0]
    bar = Bar(symbol=spx.id, time=WED, open=1.0, high=2.0, low=0.5, close=1.5, volume=10.0)
    snapshot = Snapshot(dataset="history", records=(bar,), status=Status.OK, fetched_at=WED)
    rows = dataset_rows("history", history, snapshot, "UTC", WED)
    assert rows[0]["value"] == 1.5 and rows[0]["change"] is None
    assert rows[0]["detail"] == "O 1.0 H 2.0 L 0.5 C 1.5 V 10.0"
    assert rows[1]["value"] is None and rows[1]["status"] == "error"


def test_local_time_is_the_wall_zone_and_columns_in_keeps_known_ones():
    assert local_time(WED, "America/New_York") == "2025-03-05 10:00:00 EST"
    assert local_time(WED, "Asia/Hong_Kong") == "2025-03-05 23:00:00 HKT"
    assert local_time(None, "UTC") is None
    assert columns_in(["value", "nope", "id", "value"]) == ["value", "id"]
