"""Commodities scene: energy and metals groups, units, sparklines, missing data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from components.figures import sparkline_points
from components.scene import SceneView
from config.schema import Instrument
from pages import commodities
from providers.base import Request
from providers.demo import DemoProvider
from providers.models import Snapshot, Status
from tests.support.links import hrefs
from tests.support.pages import prop, text_of, with_class

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_records(settings):
    ds = settings.datasets["commodities"]
    request = Request("commodities", ds.kind, tuple(ds.instruments), WED, ds.market)
    return tuple(DemoProvider(settings).load(request).records)


def view(settings, snapshot: Snapshot) -> SceneView:
    return SceneView(
        board=SimpleNamespace(settings=settings),
        scene="commodities",
        snapshots={"commodities": snapshot},
        now=WED,
    )


def snap(records, status: Status = Status.OK, error: str | None = None) -> Snapshot:
    return Snapshot(
        dataset="commodities",
        records=records,
        as_of=max(r.as_of for r in records),
        fetched_at=WED,
        source="demo",
        status=status,
        error=error,
    )


def test_groups_and_units_from_names():
    def inst(ident, name, currency="USD"):
        return Instrument(id=ident, name=name, currency=currency)

    assert commodities.group_of(inst("wti", "WTI crude")) == "Energy"
    assert commodities.group_of(inst("natgas", "Natural gas")) == "Energy"
    assert commodities.group_of(inst("copper", "Copper")) == "Metals"
    assert commodities.group_of(inst("zw", "Wheat")) == "Agriculture"
    assert commodities.group_of(inst("lumber", "Lumber")) == "Other"
    assert commodities.unit_label(inst("brent", "Brent crude")) == "USD / bbl"
    assert commodities.unit_label(inst("natgas", "Natural gas")) == "USD / MMBtu"
    assert commodities.unit_label(inst("gold", "Gold")) == "USD / troy oz"
    assert commodities.unit_label(inst("copper", "Copper")) == "USD / lb"
    assert commodities.unit_label(inst("lumber", "Lumber")) == "USD"
    assert commodities.unit_label(inst("lumber", "Lumber", None)) is None


def test_demo_tiles_in_energy_and_metals_groups(settings, demo_records):
    body = commodities.render(view(settings, snap(demo_records)))
    groups = {prop(g, "data-group"): g for g in with_class(body, "wb-quotes__group")}
    assert list(groups) == ["Energy", "Metals"]
    names = {group: [t.name for t in with_class(g, "wb-tile")] for group, g in groups.items()}
    assert names == {
        "Energy": ["WTI crude", "Brent crude", "Natural gas"],
        "Metals": ["Gold", "Silver", "Copper"],
    }
    assert [text_of(h) for h in with_class(body, "wb-quotes__title")] == ["Energy", "Metals"]
    tiles = {prop(t, "data-instrument"): t for t in with_class(body, "wb-tile")}
    gold = next(r for r in demo_records if r.symbol == "gold")
    assert tiles["gold"].price == f"{gold.price:,.2f}"
    assert text_of(with_class(tiles["wti"], "wb-commodities__unit")) == "USD / bbl"
    for ident, tile in tiles.items():
        # a canvas the browser draws from the record's points (drawn only when there are some)
        record = next(r for r in demo_records if r.symbol == ident)
        assert tile.spark and tile.spark == sparkline_points(record.sparkline)
        assert prop(tile, "data-status") == "ok"


def test_error_snapshot_says_no_data_and_why(settings):
    snapshot = Snapshot(dataset="commodities", status=Status.ERROR, error="stooq: HTTP 503")
    body = commodities.render(view(settings, snapshot))
    text = text_of(body)
    assert "stooq: HTTP 503" in text
    tiles = with_class(body, "wb-tile")
    assert len(tiles) == 6 and text.count("no data") == 6
    assert "WTI crude" in text and "Gold" in text


def test_partial_and_stale_records(settings, demo_records):
    partial = tuple(r for r in demo_records if r.symbol != "silver")
    body = commodities.render(view(settings, snap(partial, Status.STALE, "refresh overdue")))
    tiles = {prop(t, "data-instrument"): t for t in with_class(body, "wb-tile")}
    assert len(tiles) == 6
    assert "wb-tile--missing" in tiles["silver"].className
    assert prop(tiles["gold"], "data-status") == "stale"
    assert "refresh overdue" in text_of(body)


def test_tiles_link_to_their_instrument_except_on_a_kiosk(settings, demo_records):
    interactive = view(settings, snap(demo_records))
    ids = [i.id for i in settings.datasets["commodities"].instruments]
    assert sorted(hrefs(commodities.render(interactive))) == sorted(f"/instrument/{i}" for i in ids)
    assert hrefs(commodities.render(replace(interactive, query={"kiosk": "1"}))) == []
