"""FX scene: pair tiles and the cross-rate % change heatmap, on demo and ECB data."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from dash import dcc, html

from analytics.derived import fx_cross_matrix
from components.figures import DIVERGING
from components.scene import SceneView
from engine.freshness import Shown
from pages import fx
from providers.base import Request
from providers.demo import DemoProvider
from providers.ecb_fx import pair_quote, parse_eurofxref
from providers.models import Quote, Snapshot, Status
from tests.support.links import hrefs
from tests.support.pages import prop, text_of, walk, with_class
from tests.support.paths import FIXTURES

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
T = datetime(2024, 6, 7, 16, 0, tzinfo=UTC)


def of_type(node, kind: type) -> list:
    return [n for n in walk(node) if isinstance(n, kind)]


@pytest.fixture(scope="module")
def demo_records(settings):
    ds = settings.datasets["fx"]
    request = Request("fx", ds.kind, tuple(ds.instruments), WED, ds.market)
    return tuple(DemoProvider(settings).load(request).records)


def view(settings, snapshot: Snapshot) -> SceneView:
    return SceneView(
        board=SimpleNamespace(settings=settings), scene="fx", snapshots={"fx": snapshot}, now=WED
    )


def snap(records, status: Status = Status.OK, error: str | None = None, source="demo"):
    return Snapshot(
        dataset="fx",
        records=records,
        as_of=max(r.as_of for r in records),
        fetched_at=WED,
        source=source,
        status=status,
        error=error,
    )


def q(name: str, price: float, prev: float | None) -> Quote:
    return Quote(symbol=name.lower(), name=name, price=price, prev_close=prev, as_of=T)


def test_cell_text_has_an_arrow_and_two_decimals():
    assert fx.cell_text(0.1234) == "▲ +0.12%"
    assert fx.cell_text(-1.2345) == "▼ -1.23%"
    assert fx.cell_text(-0.004) == "■ 0.00%"  # rounds to nothing: flat, never '-0.00'
    assert fx.cell_text(0.004) == "■ 0.00%"  # nor '+0.00': zero is zero
    assert fx.cell_text(-0.005001) == "▼ -0.01%"
    assert fx.cell_text(None) == ""


def test_a_cell_is_coloured_by_its_change_as_shown():
    """A change that reads '0.00%' sits on the neutral grey, like every zero on the wall."""
    matrix = fx_cross_matrix([q("EUR/USD", 1.10003, 1.10)])
    (trace,) = fx.make_cross_figure(matrix).data
    assert trace.text[1][0] == "■ 0.00%"
    assert trace.z[1][0] == 0.0 and trace.z[0][1] == 0.0
    assert fx.cell_value(-0.004) == 0.0 and fx.cell_value(1.2345) == 1.23
    assert fx.cell_value(None) is None


def test_heatmap_is_diverging_centred_on_zero_with_labelled_axes():
    matrix = fx_cross_matrix(
        [q("EUR/USD", 1.10, 1.00), q("USD/JPY", 150.0, 150.0), q("US Dollar Index", 104.0, 103.0)]
    )
    figure = fx.make_cross_figure(matrix)
    (trace,) = figure.data
    assert trace.type == "heatmap"
    assert trace.zmid == 0
    assert [list(step) for step in trace.colorscale] == [list(step) for step in DIVERGING]
    assert list(trace.x) == list(trace.y) == ["USD", "EUR", "JPY"]  # the index is not a pair
    assert trace.z[1][0] == pytest.approx(10.0)  # EUR/USD +10 %
    assert trace.text[1][0] == "▲ +10.00%"
    assert trace.text[0][1] == "▼ -9.09%"  # USD/EUR
    assert trace.text[1][2] == "▲ +10.00%"  # EUR/JPY
    assert trace.text[2][0] == "■ 0.00%"  # JPY/USD unchanged
    assert [trace.text[i][i] for i in range(3)] == ["", "", ""]
    assert trace.z[0][0] is None
    assert figure.layout.template.layout.paper_bgcolor == "rgba(0,0,0,0)"  # the wallboard look
    assert figure.layout.xaxis.title.text == "quote"
    assert figure.layout.yaxis.title.text == "base"
    assert figure.layout.yaxis.autorange == "reversed"  # the first currency on top


# --- each cell as fresh as its legs ---------------------------------------------------------

LIVE = Shown(Status.OK, 40.0, None, "yahoo", T - timedelta(seconds=40))
OLD = Shown(Status.STALE, 7200.0, "2 h old (stale after 1 min)", "ecb", T - timedelta(hours=2))
LEGS = {
    "EUR": fx.Leg("EUR/USD", LIVE),
    "JPY": fx.Leg("USD/JPY", OLD),
    "GBP": fx.Leg("GBP/USD", LIVE),
}
MATRIX = (q("EUR/USD", 1.10, 1.00), q("USD/JPY", 150.0, 150.0), q("GBP/USD", 1.25, 1.25))


def test_a_cell_is_made_of_its_legs_and_as_fresh_as_the_worse():
    assert [leg.pair for leg in fx.cell_legs(LEGS, "EUR", "JPY")] == ["EUR/USD", "USD/JPY"]
    assert [leg.pair for leg in fx.cell_legs(LEGS, "USD", "JPY")] == ["USD/JPY"]  # USD: no leg
    assert fx.cell_legs(LEGS, "EUR", "EUR") == [LEGS["EUR"]]
    assert fx.worst(fx.cell_legs(LEGS, "EUR", "JPY")) is Status.STALE
    assert fx.worst(fx.cell_legs(LEGS, "EUR", "GBP")) is Status.OK
    closed = fx.Leg("EUR/USD", Shown(Status.CLOSED, 1.0, None, "yahoo", T))
    fallback = fx.Leg("GBP/USD", Shown(Status.FALLBACK, 1.0, None, "ecb", T))
    assert fx.worst([fallback, closed]) is Status.CLOSED and fx.worst([]) is Status.OK


def test_cells_touching_a_stale_leg_say_so_and_name_it_in_the_tooltip():
    figure = fx.make_cross_figure(fx_cross_matrix(list(MATRIX)), legs=LEGS, now=T)
    (trace,) = figure.data
    assert list(trace.x) == ["USD", "EUR", "JPY", "GBP"]
    i = {c: n for n, c in enumerate(trace.x)}
    for base in trace.x:
        for quote in trace.x:
            text = trace.text[i[base]][i[quote]]
            if base == quote:
                assert text == ""
            elif "JPY" in (base, quote):
                assert text.endswith("<br>⚠ stale"), (base, quote)
            else:
                assert "⚠" not in text and "stale" not in text, (base, quote)
    assert trace.text[i["EUR"]][i["JPY"]] == "▲ +10.00%<br>⚠ stale"
    assert trace.z[i["EUR"]][i["JPY"]] == 10.0  # the colour is the move's: the mark tells
    hover = trace.customdata[i["EUR"]][i["JPY"]][0].split("<br>")
    assert hover == [
        "EUR/JPY: 165, ▲ +10.00%",
        "EUR/USD: Live · yahoo · as of Fri 07 Jun 2024 15:59 UTC (40 s old)",
        "USD/JPY: Stale · ecb · as of Fri 07 Jun 2024 14:00 UTC (2 h old)"
        " · 2 h old (stale after 1 min)",
    ]
    assert trace.customdata[i["EUR"]][i["GBP"]][0].count("Live ·") == 2


def test_a_leg_reason_cannot_inject_markup_into_the_tooltip():
    bad = Shown(Status.STALE, 60.0, "ecb: <img src=x>", "ecb", T)
    legs = {"EUR": fx.Leg("EUR/USD", bad)}
    (trace,) = fx.make_cross_figure(fx_cross_matrix([MATRIX[0]]), legs=legs, now=T).data
    tooltip = trace.customdata[1][0][0]
    assert "&lt;img src=x&gt;" in tooltip and "<img" not in tooltip


def test_the_caption_dates_the_matrix_by_its_oldest_leg_and_names_their_sources():
    caption = fx.legs_caption(LEGS, snap(MATRIX, source="yahoo"))
    assert (
        caption == "yahoo+ecb, as of 07 Jun 2024 14:00 UTC (its oldest pair) · ⚠ stale: USD/JPY 2 h"
    )
    closed = {
        c: fx.Leg(leg.pair, Shown(Status.CLOSED, 9.0, None, "ecb", T)) for c, leg in LEGS.items()
    }
    assert (
        fx.legs_caption(closed, snap(MATRIX))
        == "ecb, as of 07 Jun 2024 16:00 UTC · ☾ closed: all pairs"
    )
    assert fx.legs_caption({}, snap(MATRIX, source="demo")) == "demo, as of 07 Jun 2024 16:00 UTC"


def test_a_stale_snapshot_marks_every_cell_and_the_figure(settings):
    stale = snap(MATRIX, Status.STALE, "refresh overdue")
    body = fx.render(view(settings, stale))
    (figure,) = of_type(body, html.Figure)
    assert prop(figure, "data-status") == "stale" and "wb-fx__figure--stale" in figure.className
    (trace,) = of_type(body, dcc.Graph)[0].figure.data
    off_diagonal = [t for n, row in enumerate(trace.text) for m, t in enumerate(row) if n != m]
    assert off_diagonal and all(t.endswith("⚠ stale") for t in off_diagonal)
    assert "⚠ stale: all pairs" in text_of(with_class(body, "wb-fx__caption"))


def test_demo_scene_has_tiles_and_the_heatmap(settings, demo_records):
    body = fx.render(view(settings, snap(demo_records)))
    tiles = with_class(body, "wb-tile")
    names = [t.name for t in tiles]
    assert names == [
        "EUR/USD",
        "USD/JPY",
        "GBP/USD",
        "USD/CHF",
        "AUD/USD",
        "USD/CAD",
        "USD/CNH",
        "US Dollar Index",
    ]
    prices = {t.name: t.price for t in tiles}
    assert len(prices["EUR/USD"].split(".")[1]) == 4
    assert len(prices["USD/JPY"].split(".")[1]) == 3
    assert len(prices["US Dollar Index"].split(".")[1]) == 2
    (graph,) = of_type(body, dcc.Graph)
    assert graph.id == {"type": "wb-linked-graph", "graph": "fx-heatmap-fx"}
    assert "wb-graph" in graph.className
    (trace,) = graph.figure.data
    assert list(trace.x) == ["USD", "EUR", "JPY", "GBP", "CHF", "AUD", "CAD", "CNH"]
    eur = next(r for r in demo_records if r.name == "EUR/USD")
    assert trace.z[1][0] == round(eur.change_pct, 2)  # coloured as labelled
    (figure,) = of_type(body, html.Figure)
    assert figure.to_plotly_json()["props"]["aria-label"].startswith("Heatmap")
    caption = text_of(of_type(figure, html.Figcaption))
    assert "row = base, column = quote" in caption
    assert f"as of {eur.as_of:%d %b %Y %H:%M} UTC" in caption and "demo" in caption


def test_the_caption_says_the_year(settings):
    """A rate matrix captioned '05 Mar 15:00' could be any year's: the caption dates it fully."""
    records = (q("EUR/USD", 1.10, 1.00), q("USD/JPY", 150.0, 149.0))
    caption = text_of(with_class(fx.render(view(settings, snap(records))), "wb-fx__caption"))
    assert "as of 07 Jun 2024 16:00 UTC" in caption


def test_error_snapshot_says_no_data_and_why(settings):
    error = "yahoo: could not resolve host (offline)"
    body = fx.render(view(settings, Snapshot(dataset="fx", status=Status.ERROR, error=error)))
    assert not of_type(body, dcc.Graph)
    (placeholder,) = with_class(body, "wb-fx__nodata")
    assert text_of(placeholder) == f"no data Cross-rate changes: {error}"
    tiles = with_class(body, "wb-tile")
    assert len(tiles) == 8 and all("wb-tile--missing" in t.className for t in tiles)
    assert "EUR/USD" in text_of(body)


def test_partial_records_draw_the_currencies_there_are(settings, demo_records):
    partial = tuple(r for r in demo_records if r.name in ("EUR/USD", "USD/JPY", "US Dollar Index"))
    body = fx.render(view(settings, snap(partial, Status.STALE, "refresh overdue")))
    (graph,) = of_type(body, dcc.Graph)
    assert list(graph.figure.data[0].x) == ["USD", "EUR", "JPY"]
    tiles = with_class(body, "wb-tile")
    assert sum("wb-tile--missing" in t.className for t in tiles) == 5
    assert all(
        t.to_plotly_json()["props"]["data-status"] == "stale"
        for t in tiles
        if "wb-tile--missing" not in t.className
    )
    assert "refresh overdue" in text_of(body)


def test_quotes_without_a_previous_close_explain_the_missing_heatmap(settings):
    records = (q("EUR/USD", 1.08, None), q("USD/JPY", 151.0, None))
    body = fx.render(view(settings, snap(records)))
    assert not of_type(body, dcc.Graph)
    assert "no previous close" in text_of(with_class(body, "wb-fx__nodata"))


def test_ecb_reference_rates_through_the_parser():
    days = parse_eurofxref((FIXTURES / "ecb" / "eurofxref-hist-90d_2019-11-29.xml").read_bytes())
    now = datetime(2019, 11, 29, 18, 0, tzinfo=UTC)
    quotes = [
        pair_quote(days, pair, now=now, name=name)
        for pair, name in (("EURUSD", "EUR/USD"), ("USDJPY", "USD/JPY"), ("GBPUSD", "GBP/USD"))
    ]
    matrix = fx_cross_matrix(quotes)
    trace = fx.make_cross_figure(matrix).data[0]
    assert list(trace.x) == ["USD", "EUR", "JPY", "GBP"]
    eur = quotes[0]
    expected = (eur.price / eur.prev_close - 1) * 100
    assert trace.z[1][0] == pytest.approx(round(expected, 2))
    assert trace.text[1][0] == fx.cell_text(expected)
    assert all(trace.text[i][j] for i in range(4) for j in range(4) if i != j)


# --- links to the instrument page ------------------------------------------------------------


def test_every_tile_and_cell_opens_its_instrument_on_an_analyst_s_screen(settings, demo_records):
    interactive = view(settings, snap(demo_records))
    body = fx.render(interactive)
    ids = [i.id for i in settings.datasets["fx"].instruments]
    assert hrefs(body) == [f"/instrument/{i}" for i in ids]
    (graph,) = of_type(body, dcc.Graph)
    assert "wb-graph--links" in graph.className.split()
    (trace,) = graph.figure.data
    at = {c: n for n, c in enumerate(trace.x)}
    by_name = {r.name: r.symbol for r in demo_records}

    def opens(base: str, quote: str) -> str:
        return trace.customdata[at[base]][at[quote]][1]

    assert opens("USD", "JPY") == opens("JPY", "USD") == by_name["USD/JPY"]  # its one leg
    assert opens("EUR", "JPY") == by_name["EUR/USD"]  # a cross: its base's leg
    assert opens("JPY", "EUR") == by_name["USD/JPY"]
    assert opens("EUR", "EUR") == ""  # the diagonal opens nothing


def test_a_kiosk_fx_scene_has_no_link_and_no_pointer(settings, demo_records):
    body = fx.render(replace(view(settings, snap(demo_records)), query={"kiosk": "1"}))
    assert hrefs(body) == []
    (graph,) = of_type(body, dcc.Graph)
    assert "wb-graph--links" not in graph.className.split()
    # No chart answers a hover on a kiosk: its cells carry no tooltips (every changed tick
    # would send them); the cell texts and the caption still say each value's state and source.
    (trace,) = graph.figure.data
    assert trace.customdata is None and trace.hovertemplate is None
    assert trace.hoverinfo == "skip"
    # Each label the signed change alone, so it fits its cell at wall sizes; states and
    # sources are in the caption.
    at = {c: n for n, c in enumerate(trace.x)}
    assert trace.text[at["USD"]][at["USD"]] == ""
    labels = [t for n, row in enumerate(trace.text) for m, t in enumerate(row) if n != m]
    assert labels and all(re.fullmatch(r"[+-]?\d+\.\d\d", t) for t in labels), labels
    (caption,) = of_type(body, html.Figcaption)
    assert "demo" in caption.children


def test_a_wall_label_is_the_signed_change_as_the_analyst_s_reads_it():
    assert fx.wall_text(0.1234) == "+0.12"
    assert fx.wall_text(-1.2345) == "-1.23"
    assert fx.wall_text(-0.004) == "0.00"  # zero is zero, never '-0.00'
    assert fx.wall_text(None) == ""
