"""Volatility scene: VIX big, the term-structure curve, contango or backwardation, a tile per
index; on demo data, a stress day, errors and partial data."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from dash import dcc, html

from components.figures import DOWN, SERIES
from components.scene import SceneView
from pages import volatility
from providers.base import Request
from providers.demo import DemoProvider
from providers.models import Quote, Snapshot, Status
from tests.support.links import hrefs
from tests.support.pages import text_of, walk, with_class

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)


def quote(symbol: str, price: float, prev: float | None = None) -> Quote:
    return Quote.from_prices(
        symbol=symbol, name=symbol.upper(), price=price, prev_close=prev, unit="pts", as_of=WED
    )


# A stress day (illustrative levels, like early August 2024): the VIX above VIX 3-month.
STRESS = [
    quote("vix9d", 34.27, 23.39),
    quote("vix", 38.57, 23.39),
    quote("vix3m", 28.22, 22.0),
    quote("vix6m", 25.94, 21.5),
]


@pytest.fixture(scope="module")
def demo(settings) -> Snapshot:
    ds = settings.datasets["volatility"]
    batch = DemoProvider(settings).load(
        Request("volatility", ds.kind, tuple(ds.instruments), WED, ds.market)
    )
    return snapshot(batch.records)


def snapshot(records, *, status=Status.OK, error=None) -> Snapshot:
    return Snapshot(
        dataset="volatility",
        records=tuple(records),
        as_of=WED if records else None,
        fetched_at=WED if records else None,
        source="demo" if records else None,
        status=status,
        error=error,
    )


def view_of(settings, snap: Snapshot | None) -> SceneView:
    return SceneView(
        board=SimpleNamespace(settings=settings),
        scene="volatility",
        snapshots={} if snap is None else {"volatility": snap},
        now=WED,
    )


# --- pure functions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "term"),
    [
        ("vix9d", ("9D", 9)),
        ("vix", ("1M (VIX)", 30)),
        ("VIX3M", ("3M", 91)),
        ("vix6m", ("6M", 182)),
        ("vix1d", ("1D", 1)),
        ("vvix", None),
        ("spx", None),
    ],
)
def test_term_of_each_index(symbol, term):
    assert volatility.term_of(symbol) == term


def test_contango_when_three_month_is_above_the_vix(demo):
    quotes = [quote("vix", 15.8), quote("vix3m", 17.9)]
    assert volatility.term_structure_shape(quotes) == "Contango"
    assert volatility.term_structure_shape(list(demo.records)) in ("Contango", "Backwardation")


def test_backwardation_on_a_stress_day():
    assert volatility.term_structure_shape(STRESS) == "Backwardation"


def test_flat_at_the_shown_precision_and_unknown_without_both_legs():
    assert volatility.term_structure_shape([quote("vix", 18.001), quote("vix3m", 17.999)]) == "Flat"
    assert volatility.term_structure_shape([quote("vix", 18.0), quote("vix9d", 16.0)]) == "Unknown"
    assert volatility.term_structure_shape([]) == "Unknown"


def test_term_structure_figure_orders_terms_whatever_the_record_order():
    shuffled = STRESS[:]
    random.Random(4).shuffle(shuffled)
    fig = volatility.make_term_structure_figure(shuffled)
    before, now = fig.data
    assert list(now.x) == ["9D", "1M (VIX)", "3M", "6M"]
    assert list(now.y) == [34.27, 38.57, 28.22, 25.94]
    assert list(now.text) == ["34.27", "38.57", "28.22", "25.94"]
    assert now.hovertemplate == "%{x}: %{text}<extra>now</extra>"  # the label, as shown
    assert list(before.customdata) == ["23.39", "23.39", "22.00", "21.50"]
    assert now.line.color == DOWN  # backwardation is drawn in the "down" colour
    assert before.name == "Previous close" and before.line.dash == "dash"
    assert list(before.y) == [23.39, 23.39, 22.0, 21.5]
    assert list(fig.layout.xaxis.categoryarray) == list(now.x)
    low, high = fig.layout.yaxis.range
    assert low < 21.5 and high > 38.57  # room for the value labels


def test_contango_curve_colour_and_no_previous_close_line_without_one():
    fig = volatility.make_term_structure_figure([quote("vix", 15.0), quote("vix3m", 17.0)])
    (now,) = fig.data
    assert now.line.color == SERIES[0] and fig.layout.showlegend is False


# --- the scene ------------------------------------------------------------------------------


def test_demo_scene_hero_vix_shape_chart_and_a_tile_per_index(settings, demo):
    body = volatility.render(view_of(settings, demo))
    (hero,) = with_class(body, "vol-hero")
    assert text_of(hero).startswith("VIX ") and "9-day" not in text_of(hero)
    tiles = with_class(body, "wb-tile")
    names = [t.to_plotly_json()["props"]["data-instrument"] for t in tiles]
    assert names == ["vix", "vix9d", "vix3m", "vix6m"]
    (shape,) = with_class(body, "vol-shape")
    expected = volatility.term_structure_shape(list(demo.records))
    assert shape.to_plotly_json()["props"]["data-shape"] == expected
    assert expected in text_of(shape) and "VIX / VIX 3-month = " in text_of(shape)
    (graph,) = [n for n in walk(body) if isinstance(n, dcc.Graph)]
    assert graph.id == "volatility-term" and "wb-graph" in graph.className
    (figure,) = [n for n in walk(body) if isinstance(n, html.Figure)]
    assert "aria-label" in figure.to_plotly_json()["props"]
    caption = text_of(with_class(body, "vol-caption"))
    assert "as of Wed 05 Mar 2025 15:00 UTC" in caption and "Live" in caption


def test_stress_day_reads_backwardation(settings):
    body = volatility.render(view_of(settings, snapshot(STRESS)))
    (shape,) = with_class(body, "vol-shape")
    assert "vol-shape--backwardation" in shape.className
    assert "↘ Backwardation" in text_of(shape) and "stress" in text_of(shape)
    assert "VIX / VIX 3-month = 1.37" in text_of(shape)


def test_error_says_no_data_and_why_with_every_tile_missing(settings):
    error = snapshot([], status=Status.ERROR, error="yahoo: 429 Too Many Requests")
    body = volatility.render(view_of(settings, error))
    text = text_of(body)
    assert not [n for n in walk(body) if isinstance(n, dcc.Graph)]
    assert "Term structure: no data" in text and "yahoo: 429 Too Many Requests" in text
    assert text.count("yahoo: 429") == 1  # the reason once, not under every widget
    assert len(with_class(body, "wb-tile--missing")) == 4
    (shape,) = with_class(body, "vol-shape")
    assert shape.to_plotly_json()["props"]["data-shape"] == "Unknown"


def test_no_snapshot_yet_does_not_crash(settings):
    text = text_of(volatility.render(view_of(settings, None)))
    assert "no data" in text and "waiting for first refresh" in text


def test_partial_records_draw_what_there_is(settings):
    partial = snapshot(STRESS[:2], error="^VIX3M: 404")
    body = volatility.render(view_of(settings, partial))
    (graph,) = [n for n in walk(body) if isinstance(n, dcc.Graph)]
    assert list(graph.figure.data[-1].x) == ["9D", "1M (VIX)"]
    (shape,) = with_class(body, "vol-shape")
    assert "needs VIX and VIX 3-month" in text_of(shape)
    missing = with_class(body, "wb-tile--missing")
    assert [t.to_plotly_json()["props"]["data-instrument"] for t in missing] == ["vix3m", "vix6m"]
    assert "38.57" in text_of(with_class(body, "vol-hero"))


def test_stale_data_is_marked_on_the_chart_and_tiles(settings):
    body = volatility.render(view_of(settings, snapshot(STRESS, status=Status.STALE)))
    assert "Stale" in text_of(with_class(body, "vol-caption"))
    assert with_class(body, "vol-figure--stale")
    assert len(with_class(body, "wb-tile--stale")) == 4


def test_tiles_link_to_their_instrument_except_on_a_kiosk(settings, demo):
    interactive = view_of(settings, demo)
    ids = [i.id for i in settings.datasets["volatility"].instruments]
    assert sorted(hrefs(volatility.render(interactive))) == sorted(f"/instrument/{i}" for i in ids)
    assert hrefs(volatility.render(replace(interactive, query={"kiosk": "1"}))) == []
