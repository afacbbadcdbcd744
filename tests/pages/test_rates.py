"""Rates scene: the curve chart (one date from the demo, three from Treasury), the spreads in bp
with their changes and the inverted marker, the yield table and policy-rate tiles."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from dash import dcc, html

from components.scene import SceneView
from pages import rates
from providers.base import Request
from providers.demo import DemoProvider
from providers.models import CurvePoint, Snapshot, Status
from providers.treasury import curve_points, parse_curve_csv
from tests.conftest import FIXTURES
from tests.pages.helpers import text_of, walk, with_class

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
TREASURY_NOW = datetime(2024, 10, 11, 12, 0, tzinfo=UTC)  # the morning after the last row


@pytest.fixture(scope="module")
def demo(settings):
    """Demo snapshots of the scene's two datasets on a Wednesday afternoon."""
    provider = DemoProvider(settings)
    out = {}
    for name in ("rates", "policy_rates"):
        ds = settings.datasets[name]
        records = provider.load(Request(name, ds.kind, tuple(ds.instruments), WED, ds.market))
        out[name] = snapshot(name, records.records, as_of=WED)
    return out


@pytest.fixture(scope="module")
def treasury(settings):
    """The three curves Treasury's 2024 CSV gives on 11 Oct 2024 (10 Oct, 3 Oct, 12 Sep)."""
    _, rows = parse_curve_csv(
        (
            FIXTURES / "treasury" / "daily_treasury_par_yield_curve_2024_to_2024-10-10.csv"
        ).read_bytes()
    )
    columns = {i.id: i.symbols["treasury"] for i in settings.datasets["rates"].instruments}
    points, problems = curve_points(rows, columns, TREASURY_NOW)
    assert not problems
    return points


def snapshot(name, records, *, as_of=None, status=Status.OK, error=None) -> Snapshot:
    return Snapshot(
        dataset=name,
        records=tuple(records),
        as_of=as_of,
        fetched_at=as_of,
        source="demo" if as_of else None,
        status=status,
        error=error,
    )


def view_of(settings, **snapshots) -> SceneView:
    return SceneView(
        board=SimpleNamespace(settings=settings), scene="rates", snapshots=snapshots, now=WED
    )


# --- pure helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "label"), [(1, "1d"), (7, "1w"), (8, "1w"), (14, "2w"), (28, "1m"), (31, "1m")]
)
def test_lookback_labels(days, label):
    assert rates.lookback_label(days) == label


def test_basis_points_keep_sign_and_arrow():
    assert rates.format_bp(11.0) == "+11.0 bp"
    assert rates.format_bp(-66.04) == "-66.0 bp"
    assert rates.format_bp(-4.0, arrow=True) == "▼ -4.0 bp"
    assert rates.format_bp(0.0, arrow=True) == "■ +0.0 bp"
    assert rates.format_bp(None) == "—"


# --- the curve figure -----------------------------------------------------------------------


def test_treasury_gives_three_curves_newest_bold_and_on_top(treasury):
    fig = rates.make_curve_figure(treasury)
    assert [t.type for t in fig.data] == ["scatter"] * 3
    # drawn oldest first so the newest sits on top; the legend lists the newest first
    assert [t.name for t in fig.data] == [
        "12 Sep 2024 · 1m before",
        "03 Oct 2024 · 1w before",
        "10 Oct 2024 · latest",
    ]
    assert fig.layout.legend.traceorder == "reversed"
    oldest, week, latest = fig.data
    assert latest.line.width == 5 and latest.line.dash == "solid" and latest.opacity == 1.0
    assert week.line.dash == "dash" and oldest.line.dash == "dot"
    assert max(week.line.width, oldest.line.width) < latest.line.width
    assert max(week.opacity, oldest.opacity) < 1
    assert len({latest.line.color, week.line.color, oldest.line.color}) == 3


def test_curve_x_is_years_on_a_log_axis_labelled_with_tenors(treasury):
    fig = rates.make_curve_figure(treasury)
    latest = fig.data[-1]
    assert list(latest.text) == [
        "1M",
        "3M",
        "6M",
        "1Y",
        "2Y",
        "3Y",
        "5Y",
        "7Y",
        "10Y",
        "20Y",
        "30Y",
    ]
    assert list(latest.x) == sorted(latest.x) and latest.x[0] == pytest.approx(1 / 12)
    assert latest.x[-1] == 30
    assert fig.layout.xaxis.type == "log"
    assert list(fig.layout.xaxis.ticktext) == list(latest.text)
    assert list(fig.layout.xaxis.tickvals) == list(latest.x)
    by_tenor = dict(zip(latest.text, latest.y, strict=True))
    ten_year = next(p.yield_pct for p in treasury if p.tenor == "10Y" and p.as_of.date().day == 10)
    assert by_tenor["10Y"] == ten_year
    assert fig.layout.yaxis.ticksuffix == "%"
    assert fig.layout.template.layout.paper_bgcolor == "rgba(0,0,0,0)"  # the wallboard template


def test_demo_gives_one_curve_still_with_its_date_in_the_legend(demo):
    points = list(demo["rates"].records)
    fig = rates.make_curve_figure(points)
    assert len(fig.data) == 1 and fig.data[0].name == "05 Mar 2025 · latest"
    assert fig.layout.showlegend is True
    assert len(fig.data[0].x) == 11


def test_a_partial_curve_draws_the_tenors_it_has(treasury):
    points = [p for p in treasury if p.tenor not in ("2Y", "20Y")]
    fig = rates.make_curve_figure(points)
    assert "2Y" not in fig.data[-1].text and len(fig.data[-1].x) == 9
    assert rates.make_curve_figure([]).data == ()


# --- the scene ------------------------------------------------------------------------------


def test_treasury_spreads_in_bp_with_changes_and_the_inverted_marker(settings, treasury, demo):
    view = view_of(
        settings,
        rates=snapshot("rates", treasury, as_of=treasury[-1].as_of),
        policy_rates=demo["policy_rates"],
    )
    body = rates.render(view)
    tiles = {
        t.to_plotly_json()["props"]["data-spread"]: t for t in with_class(body, "rates-spread")
    }
    assert set(tiles) == {"2s10s", "3m10y"}
    # 10 Oct 2024: 2s10s +11 bp (+15 a week before, +4 a month before); 3m10y -66 (-83, -138)
    two_ten = text_of(tiles["2s10s"])
    assert "+11.0 bp" in two_ten and "10 years \u2212 2 years" in two_ten
    assert "▼ -4.0 bp vs 1w" in two_ten and "▲ +7.0 bp vs 1m" in two_ten
    assert "inverted" not in two_ten
    three_ten = text_of(tiles["3m10y"])
    assert "-66.0 bp" in three_ten and "⚠ inverted" in three_ten
    assert "▲ +17.0 bp vs 1w" in three_ten and "▲ +72.0 bp vs 1m" in three_ten
    assert tiles["3m10y"].to_plotly_json()["props"]["data-inverted"] == "true"
    changes = with_class(tiles["2s10s"], "rates-spread__change")
    assert [c.className.split()[-1] for c in changes] == ["wb-down", "wb-up"]


def test_treasury_table_lists_tenor_names_yields_and_changes(settings, treasury, demo):
    view = view_of(
        settings,
        rates=snapshot("rates", treasury, as_of=treasury[-1].as_of),
        policy_rates=demo["policy_rates"],
    )
    (table,) = with_class(rates.render(view), "rates-table")
    text = text_of(table)
    for name in ("1 month", "2 years", "10 years", "30 years"):
        assert name in text
    assert "10 Oct (latest)" in text and "03 Oct" in text and "12 Sep" in text
    assert "Δ 1w, bp" in text and "Δ 1m, bp" in text
    rows = [r for r in walk(table) if isinstance(r, html.Tr)]
    assert len(rows) == 1 + 3 + 2  # header, three curves, two change rows
    latest, week = (text_of(r) for r in rows[1:3])
    assert latest.split()[-3] == "4.09" and week.split()[-3] == "3.85"  # 10 years
    week_change = [text_of(cell) for cell in rows[4].children[1:]]
    assert week_change[0] == "▼ -1" and week_change[-3] == "▲ +24"  # 1 month, 10 years
    assert rows[4].children[1].className == "wb-down"


def test_demo_scene_chart_caption_spreads_and_policy_tiles(settings, demo):
    body = rates.render(view_of(settings, **demo))
    (graph,) = [n for n in walk(body) if isinstance(n, dcc.Graph)]
    assert graph.id == "rates-curve" and "wb-graph" in graph.className
    assert graph.config["displayModeBar"] is False
    (figure,) = [n for n in walk(body) if isinstance(n, html.Figure)]
    assert "aria-label" in figure.to_plotly_json()["props"]
    caption = text_of(with_class(body, "rates-caption"))
    assert "as of Wed 05 Mar 2025 15:00 UTC" in caption and "Live" in caption
    spreads = text_of(with_class(body, "rates-spreads"))
    assert spreads.count("no earlier curve") == 2  # the demo has one curve date
    policy = with_class(body, "wb-tile")
    assert [text_of(t).split("●")[0].strip() for t in policy] == [
        "Fed funds effective",
        "ECB deposit rate",
    ]
    assert all(" bp" in text_of(t) and "%" in text_of(t) for t in policy)


def test_error_snapshots_say_no_data_and_why_without_a_chart(settings):
    view = view_of(
        settings,
        rates=snapshot("rates", [], status=Status.ERROR, error="treasury: 503 Service Unavailable"),
        policy_rates=snapshot("policy_rates", [], status=Status.EMPTY, error="fred: no key"),
    )
    body = rates.render(view)
    text = text_of(body)
    assert not [n for n in walk(body) if isinstance(n, dcc.Graph)]
    assert "US Treasury yield curve: no data" in text
    assert "treasury: 503 Service Unavailable" in text and "fred: no key" in text
    assert "Spreads: no data" in text
    assert "10 years" in text  # the tenor names stay on the wall
    tiles = with_class(body, "wb-tile--missing")
    assert len(tiles) == 2 and all("no data" in text_of(t) for t in tiles)


def test_a_pending_scene_without_snapshots_does_not_crash(settings):
    text = text_of(rates.render(view_of(settings)))
    assert "no data" in text and "waiting for first refresh" in text


def test_stale_curve_says_so_under_the_chart(settings, treasury, demo):
    stale = snapshot("rates", treasury, as_of=treasury[-1].as_of, status=Status.STALE)
    body = rates.render(view_of(settings, rates=stale, policy_rates=demo["policy_rates"]))
    assert "Stale" in text_of(with_class(body, "rates-caption"))
    assert with_class(body, "rates-figure--stale")


def test_partial_records_show_what_is_there(settings, treasury, demo):
    curve = [p for p in treasury if p.tenor != "2Y"]
    policy = [q for q in demo["policy_rates"].records if q.symbol == "effr"]
    view = view_of(
        settings,
        rates=snapshot("rates", curve, as_of=curve[-1].as_of, error="2 Yr: no value"),
        policy_rates=snapshot("policy_rates", policy, as_of=WED),
    )
    body = rates.render(view)
    tiles = {
        t.to_plotly_json()["props"]["data-spread"]: t for t in with_class(body, "rates-spread")
    }
    assert (
        "no data" in text_of(tiles["2s10s"]) and "rates-spread--missing" in tiles["2s10s"].className
    )
    assert "-66.0 bp" in text_of(tiles["3m10y"])
    (table,) = with_class(body, "rates-table")
    assert "—" in text_of(table)  # no 2-year yield
    missing = with_class(body, "wb-tile--missing")
    assert len(missing) == 1 and "ECB deposit rate" in text_of(missing[0])
    assert "2 Yr: no value" in text_of(body)


def test_a_curve_without_the_short_legs_has_no_spreads(settings, demo):
    point = CurvePoint(tenor="10Y", years=10, yield_pct=4.0, as_of=WED)
    view = view_of(
        settings,
        rates=snapshot("rates", [point], as_of=WED),
        policy_rates=demo["policy_rates"],
    )
    tiles = with_class(rates.render(view), "rates-spread--missing")
    assert len(tiles) == 2 and all("no data" in text_of(t) for t in tiles)
