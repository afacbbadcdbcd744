"""World indices scene: region groups, session state and local time per tile, missing data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from dash.development.base_component import Component

from components.figures import sparkline_points
from components.scene import SceneView
from pages import overview
from providers.base import Request
from providers.demo import DemoProvider
from providers.models import Snapshot, Status
from tests.support.links import hrefs
from tests.support.pages import text_of, with_class

# Wednesday 5 March 2025 15:00 UTC: New York, Frankfurt and London trade; Tokyo is at
# midnight (Thursday's session to come), Hong Kong and Shanghai closed at their day's end.
WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
SAT = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_records(settings):
    ds = settings.datasets["indices"]
    request = Request("indices", ds.kind, tuple(ds.instruments), WED, ds.market)
    return tuple(DemoProvider(settings).load(request).records)


def view(settings, snapshot: Snapshot, now: datetime = WED) -> SceneView:
    return SceneView(
        board=SimpleNamespace(settings=settings),
        scene="overview",
        snapshots={"indices": snapshot},
        now=now,
    )


def ok(records, status: Status = Status.OK, error: str | None = None) -> Snapshot:
    return Snapshot(
        dataset="indices",
        records=records,
        as_of=max(r.as_of for r in records),
        fetched_at=WED,
        source="demo",
        status=status,
        error=error,
    )


def tiles_by_region(body) -> dict[str, list[Component]]:
    return {
        section.to_plotly_json()["props"]["data-region"]: with_class(section, "wb-tile")
        for section in with_class(body, "wb-quotes__group")
    }


def test_indices_are_grouped_by_region_in_world_order(settings, demo_records):
    body = overview.render(view(settings, ok(demo_records)))
    regions = tiles_by_region(body)
    assert list(regions) == ["Americas", "Europe", "Asia-Pacific"]
    names = {region: [t.name for t in tiles] for region, tiles in regions.items()}
    assert names == {
        "Americas": ["S&P 500", "Nasdaq 100", "Dow Jones"],
        "Europe": ["Euro Stoxx 50", "DAX", "FTSE 100"],
        "Asia-Pacific": ["Nikkei 225", "Hang Seng", "Shanghai Composite", "CSI 300"],
    }
    headings = [text_of(h) for h in with_class(body, "wb-quotes__title")]
    assert headings == ["Americas", "Europe", "Asia-Pacific"]


def test_each_tile_shows_price_change_sparkline_session_and_local_time(settings, demo_records):
    body = overview.render(view(settings, ok(demo_records)))
    tiles = {t.to_plotly_json()["props"]["data-instrument"]: t for t in with_class(body, "wb-tile")}
    assert len(tiles) == 10
    spx = next(r for r in demo_records if r.symbol == "spx")
    assert tiles["spx"].price == f"{spx.price:,.2f}"
    assert tiles["spx"].move in ("up", "down", "flat")  # the change line's colour
    sessions = {
        ident: text_of(with_class(tile, "wb-overview__session")) for ident, tile in tiles.items()
    }
    assert sessions["spx"] == "● Open New York 10:00"
    assert sessions["dax"] == "● Open Frankfurt 16:00"
    assert sessions["ftse"] == "● Open London 15:00"
    assert sessions["n225"] == "◐ Pre-open Tokyo 00:00"
    assert sessions["hsi"] == "☾ Closed Hong Kong 23:00"
    assert sessions["csi300"] == "☾ Closed Shanghai 23:00"
    states = {
        ident: with_class(tile, "wb-overview__session")[0].to_plotly_json()["props"]["data-session"]
        for ident, tile in tiles.items()
    }
    assert states["spx"] == "open" and states["hsi"] == "post" and states["n225"] == "pre"
    for ident, tile in tiles.items():
        # a canvas the browser draws from the record's points (drawn only when there are some)
        record = next(r for r in demo_records if r.symbol == ident)
        assert tile.spark and tile.spark == sparkline_points(record.sparkline)


def test_weekend_and_lunch_break_states():
    saturday = overview.session_line("XNYS", "closed", SAT)
    assert text_of(saturday) == "○ No trading today New York 07:00"
    lunch = datetime(2025, 3, 5, 4, 30, tzinfo=UTC)
    assert text_of(overview.session_line("XHKG", "break", lunch)) == "◑ Lunch break Hong Kong 12:30"
    unknown = overview.session_line("24/7", None, WED)
    assert text_of(unknown) == "? Session unknown UTC 15:00"


def test_regions_and_cities_from_market_codes(monkeypatch):
    assert overview.region_of("XNYS") == "Americas"
    assert overview.region_of("XETR") == "Europe"
    assert overview.region_of("XSHG") == "Asia-Pacific"
    assert overview.region_of("24/7") == "Other"
    # a code not in the table: its region from the calendar's time zone
    monkeypatch.setattr(overview, "MARKET_REGION", {})
    assert overview.region_of("XNYS") == "Americas"  # America/New_York
    assert overview.region_of("XLON") == "Europe"
    assert overview.region_of("XTKS") == "Asia-Pacific"
    assert overview.region_of("NOPE") == "Other"
    assert overview.city_of("XETR") == "Frankfurt"
    assert overview.city_of("XHKG") == "Hong Kong"
    assert overview.city_of("24/5") == "UTC"


def test_error_snapshot_shows_the_reason_and_no_data_tiles(settings):
    snapshot = Snapshot(dataset="indices", status=Status.ERROR, error="yahoo: could not connect")
    body = overview.render(view(settings, snapshot))
    text = text_of(body)
    assert "yahoo: could not connect" in text
    tiles = with_class(body, "wb-tile")
    assert len(tiles) == 10
    assert all("wb-tile--missing" in t.className for t in tiles)
    assert text.count("no data") == 10
    assert "S&P 500" in text and "CSI 300" in text


def test_partial_and_stale_records(settings, demo_records):
    partial = tuple(r for r in demo_records if r.symbol not in ("hsi", "dax"))
    snapshot = ok(partial, Status.STALE, "refresh overdue")
    body = overview.render(view(settings, snapshot))
    tiles = {t.to_plotly_json()["props"]["data-instrument"]: t for t in with_class(body, "wb-tile")}
    assert len(tiles) == 10
    assert "wb-tile--missing" in tiles["hsi"].className
    assert "wb-tile--missing" in tiles["dax"].className
    assert tiles["spx"].to_plotly_json()["props"]["data-status"] == "stale"
    assert "refresh overdue" in text_of(body)
    assert len(with_class(body, "wb-overview__session")) == 8  # only tiles with a quote


def test_tiles_link_to_their_instrument_except_on_a_kiosk(settings, demo_records):
    interactive = view(settings, ok(demo_records))
    ids = [i.id for i in settings.datasets["indices"].instruments]
    assert sorted(hrefs(overview.render(interactive))) == sorted(f"/instrument/{i}" for i in ids)
    assert hrefs(overview.render(replace(interactive, query={"kiosk": "1"}))) == []
