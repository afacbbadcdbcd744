"""Rates scene: the curve chart (three dates from Treasury and the demo), the spreads in bp with
their changes and the inverted marker, the yield table, policy-rate tiles, and the implied policy
path: its inputs' times, and no odds at all from an EFFR or futures not of the latest session.
Every %, bp and sign in the scene is written one way ('4.60%', '+12 bp')."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from dash import dcc, html

from components.scene import SceneView
from pages import rates
from providers.base import Request
from providers.demo import DemoProvider
from providers.fred import parse_observations_json, quote_from_series
from providers.models import CurvePoint, Quote, Snapshot, Status
from providers.treasury import curve_points, parse_curve_csv
from tests.support.pages import prop, text_of, walk, with_class
from tests.support.paths import FIXTURES

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


def test_basis_point_changes_keep_sign_and_arrow_as_shown():
    assert rates.bp_change(-4.0) == "▼ -4 bp"
    assert rates.bp_change(7.2) == "▲ +7 bp"
    assert rates.bp_change(0.0) == rates.bp_change(-0.4) == "■ 0 bp"  # never '-0' nor '▼ 0'
    assert rates.bp_change(None) == "—"


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


def test_demo_gives_the_three_curves_the_scene_promises(demo):
    points = list(demo["rates"].records)
    fig = rates.make_curve_figure(points)
    assert [t.name for t in fig.data] == [
        "05 Feb 2025 · 1m before",
        "26 Feb 2025 · 1w before",
        "05 Mar 2025 · latest",
    ]
    assert fig.layout.showlegend is True
    assert all(len(trace.x) == 11 for trace in fig.data)


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
    assert "+11 bp" in two_ten and "10 years \u2212 2 years" in two_ten
    assert "▼ -4 bp vs 1w" in two_ten and "▲ +7 bp vs 1m" in two_ten
    assert "inverted" not in two_ten
    three_ten = text_of(tiles["3m10y"])
    assert "-66 bp" in three_ten and "⚠ inverted" in three_ten
    assert "▲ +17 bp vs 1w" in three_ten and "▲ +72 bp vs 1m" in three_ten
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
    # the demo's week-old and month-old curves: each spread has its two changes
    assert "no earlier curve" not in spreads
    assert spreads.count(" vs 1w") == spreads.count(" vs 1m") == 2
    (table,) = with_class(body, "rates-table")
    assert "05 Mar (latest)" in text_of(table) and "Δ 1w, bp" in text_of(table)
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
    assert "-66 bp" in text_of(tiles["3m10y"])
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


# --- the implied policy path (fed funds futures, FOMC dates) ---------------------------------

NOV20 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
# the shipped demo levels of the seven configured contracts, Dec 2026 .. Jun 2027
LEVELS = {
    "zq_2026_12": 95.64,
    "zq_2027_01": 95.70,
    "zq_2027_02": 95.74,
    "zq_2027_03": 95.82,
    "zq_2027_04": 95.88,
    "zq_2027_05": 95.93,
    "zq_2027_06": 95.98,
}
MEETINGS_2027 = ["2027-01-27", "2027-03-17", "2027-04-28", "2027-06-16"]


def futures(prices=None, *, status=Status.OK, error=None) -> Snapshot:
    quotes = [
        Quote(symbol=symbol, name=symbol, price=price, unit="pts", as_of=NOV20)
        for symbol, price in (LEVELS if prices is None else prices).items()
    ]
    return snapshot("fed_funds_futures", quotes, as_of=NOV20, status=status, error=error)


def policy(effr: float) -> Snapshot:
    quote = Quote(symbol="effr", name="Fed funds effective", price=effr, unit="%", as_of=NOV20)
    return snapshot("policy_rates", [quote], as_of=NOV20)


def with_fomc(settings, schedule):
    """The shipped settings with the calendar's fomc schedule replaced.

    `schedule` holds aware datetimes or ISO dates (taken at 18:00 UTC, 14:00 New York)."""
    times = [
        t if isinstance(t, datetime) else datetime.fromisoformat(f"{t}T18:00:00+00:00")
        for t in schedule
    ]
    calendar = settings.datasets["calendar"]
    instruments = [
        i.model_copy(update={"schedule": times}) if i.id == "fomc" else i
        for i in calendar.instruments
    ]
    calendar = calendar.model_copy(update={"instruments": instruments})
    return settings.model_copy(update={"datasets": {**settings.datasets, "calendar": calendar}})


def path_of(settings, now=NOV20, **snapshots):
    view = SceneView(
        board=SimpleNamespace(settings=settings), scene="rates", snapshots=snapshots, now=now
    )
    (section,) = [
        n
        for n in walk(rates.render(view))
        if isinstance(n, html.Section) and prop(n, "data-dataset") == "fed_funds_futures"
    ]
    return section


def rows_of(section) -> list[list[str]]:
    (table,) = with_class(section, "rates-path")
    body = [r for r in walk(table) if isinstance(r, html.Tr)][1:]  # after the header
    return [[text_of(cell) for cell in row.children] for row in body]


def test_fomc_dates_come_from_the_calendar_schedule_in_new_york(settings):
    dates = rates.fomc_dates(view_of(settings))
    assert dates[0] == date(2026, 1, 28) and dates[-1] == date(2026, 12, 9) and len(dates) == 8
    # 03:00 UTC on 10 December is still the 9th in New York
    night = with_fomc(settings, [datetime(2026, 12, 10, 3, tzinfo=UTC)])
    assert rates.fomc_dates(view_of(night)) == [date(2026, 12, 9)]


def test_futures_prices_by_contract_month_from_the_instrument_ids():
    prices = rates.futures_prices(futures().records)
    assert prices[date(2026, 12, 1)] == 95.64 and prices[date(2027, 6, 1)] == 95.98
    assert len(prices) == 7
    assert rates.futures_prices(policy(4.4).records) == {}  # 'effr' is no contract


def test_the_december_meeting_with_the_shipped_config(settings):
    # 20 Nov 2026: the one meeting still configured is 9 Dec. EFFR 4.40, December's average
    # 100 - 95.64 = 4.36: (31 x 4.36 - 8 x 4.40) / 23 = 4.346 after it, -5.4 bp: 22 % cut.
    section = path_of(settings, fed_funds_futures=futures(), policy_rates=policy(4.40))
    assert text_of(with_class(section, "wb-section__title")) == "Next FOMC meetings"
    assert rows_of(section) == [["09 Dec 2026", "4.35%", "22%", "78%", "0%"]]
    (row,) = with_class(section, "rates-path__row")
    assert prop(row, "data-meeting") == "2026-12-09" and prop(row, "data-likeliest") == "hold"
    (top,) = with_class(section, "rates-path__odds--top")
    assert text_of(top) == "78%"  # the likeliest outcome stands out
    # the method beside the title, with what it is worked out from and when each is from
    assert text_of(with_class(section, "rates-path__note")) == (
        "CME FedWatch from EFFR 4.40% as of Fri 20 Nov · futures as of 15:00 UTC"
    )


def test_three_meetings_with_percentages_and_the_size_split(settings):
    board = with_fomc(settings, ["2026-12-09", *MEETINGS_2027])
    section = path_of(board, fed_funds_futures=futures(), policy_rates=policy(4.58))
    # Dec: (31 x 4.36 - 8 x 4.58) / 23 = 4.2835, -29.7 bp: 81 % -25, 19 % -50.
    # Jan 27 (5 days left): February's 4.26 is the rate after it: -2.3 bp, 9 % cut.
    # Mar 17: (31 x 4.18 - 16 x 4.26) / 15 = 4.0947, -16.5 bp: 66 % cut.
    # April and June are priced too but do not fit under the policy rates on a 1080p wall.
    assert rows_of(section) == [
        ["09 Dec 2026", "4.28%", "100% 25 bp 81% · 50 bp 19%", "0%", "0%"],
        ["27 Jan 2027", "4.26%", "9%", "91%", "0%"],
        ["17 Mar 2027", "4.09%", "66%", "34%", "0%"],
    ]
    rows = with_class(section, "rates-path__row")
    assert [prop(r, "data-likeliest") for r in rows] == ["cut", "hold", "cut"]
    assert [text_of(c) for c in with_class(section, "rates-path__split")] == [
        "25 bp 81% · 50 bp 19%"
    ]
    heads = [
        text_of(th) for th in walk(with_class(section, "rates-path")) if isinstance(th, html.Th)
    ]
    assert heads[:5] == ["Meeting", "Rate after", "Cut", "Hold", "Hike"]


def test_a_meeting_before_the_first_contract_says_so(settings):
    # 1 Oct 2026: the 28 Oct meeting has no contract; December is backed out of December and
    # January: start (31 x 4.36 - 23 x 4.30) / 8 = 4.5325, after 4.30: -23.25 bp, 93 % cut.
    section = path_of(
        settings,
        now=datetime(2026, 10, 1, 12, tzinfo=UTC),
        fed_funds_futures=futures(),
        policy_rates=policy(4.58),
    )
    assert rows_of(section) == [
        ["28 Oct 2026", "—", "no futures for Oct 2026"],
        ["09 Dec 2026", "4.30%", "93%", "7%", "0%"],
    ]
    assert with_class(section, "rates-path__row--missing")


def test_without_the_effective_rate_the_first_contract_starts_the_path(settings):
    section = path_of(settings, fed_funds_futures=futures())  # policy rates still pending
    assert rows_of(section)[0][:3] == ["09 Dec 2026", "4.30%", "93%"]
    note = text_of(with_class(section, "rates-path__note"))
    assert note == "CME FedWatch from the first contract · futures as of 15:00 UTC"


def test_no_meeting_dates_configured(settings):
    section = path_of(with_fomc(settings, []), fed_funds_futures=futures())
    assert "no meeting dates configured" in text_of(section)
    assert not with_class(section, "rates-path")


def test_no_upcoming_meeting_dates(settings):
    section = path_of(
        settings, now=datetime(2026, 12, 10, 12, tzinfo=UTC), fed_funds_futures=futures()
    )
    text = text_of(section)
    assert "no upcoming meeting dates configured" in text and "the last was 09 Dec 2026" in text


def test_no_futures_data_says_why(settings):
    failed = futures({}, status=Status.ERROR, error="yahoo: ZQZ26.CBT: 404 not found")
    section = path_of(settings, fed_funds_futures=failed, policy_rates=policy(4.58))
    text = text_of(section)
    assert "no futures data" in text and "yahoo: ZQZ26.CBT: 404 not found" in text
    assert prop(section, "data-status") == "error" and not with_class(section, "rates-path")
    # the scene's other tests render without a futures snapshot at all: pending
    assert "waiting for first refresh" in text_of(path_of(settings))


def test_stale_futures_say_so_under_the_table(settings):
    stale = futures(status=Status.STALE, error="refresh overdue")
    section = path_of(settings, fed_funds_futures=stale, policy_rates=policy(4.40))
    assert text_of(with_class(section, "rates-path__note")).endswith("· ⚠ Stale")
    assert "refresh overdue" in text_of(section) and rows_of(section)
    assert "rates-path-panel--stale" in section.className


def test_percentages_for_the_wall():
    assert [rates.percent(p) for p in (None, 0, 0.001, 0.2157, 0.999, 1)] == [
        "—",
        "0%",
        "<1%",
        "22%",
        ">99%",
        "100%",
    ]


def test_two_meetings_in_one_month_are_explained_not_priced(settings):
    board = with_fomc(settings, ["2026-12-09", "2026-12-16"])
    text = text_of(path_of(board, fed_funds_futures=futures(), policy_rates=policy(4.40)))
    assert "meeting dates cannot be priced" in text and "two meetings in Dec 2026" in text


def test_a_scene_configured_without_futures_draws_the_rest(settings, demo):
    scene = settings.scenes["rates"].model_copy(update={"datasets": ["rates", "policy_rates"]})
    trimmed = settings.model_copy(update={"scenes": {**settings.scenes, "rates": scene}})
    body = rates.render(view_of(trimmed, **demo))
    assert [n for n in walk(body) if isinstance(n, dcc.Graph)], "the curve is drawn"
    assert len(with_class(body, "wb-tile")) == 2  # the policy rates
    assert "Next FOMC meetings" not in text_of(body)  # no path panel without futures


# --- the path's inputs: their times, and no odds from an old EFFR or old futures -------------

DEC4 = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # a Friday: XNYS and CME trading
DFF = FIXTURES / "fred" / "series_observations_DFF_json_2023-01-01_2023-06-06.json"


def recorded_effr(settings, now) -> Snapshot:
    """The policy rates with FRED's recorded DFF, whose newest day is Tue 6 Jun 2023."""
    (inst,) = (i for i in settings.datasets["policy_rates"].instruments if i.id == "effr")
    series = parse_observations_json(DFF.read_bytes())
    quote = quote_from_series(series, inst, now, "24/7")
    return snapshot("policy_rates", [quote], as_of=quote.as_of)


def futures_at(as_of: datetime) -> Snapshot:
    quotes = [
        Quote(symbol=symbol, name=symbol, price=price, unit="pts", as_of=as_of)
        for symbol, price in LEVELS.items()
    ]
    return snapshot("fed_funds_futures", quotes, as_of=as_of)


def effr_at(as_of: datetime, rate: float = 4.33) -> Snapshot:
    quote = Quote(symbol="effr", name="Fed funds effective", price=rate, unit="%", as_of=as_of)
    return snapshot("policy_rates", [quote], as_of=as_of)


def test_an_effr_years_old_shows_no_odds_and_says_how_old(settings):
    effr = recorded_effr(settings, DEC4)
    assert effr.records[0].price == 5.08 and effr.as_of == datetime(2023, 6, 6, 4, tzinfo=UTC)
    section = path_of(settings, now=DEC4, fed_funds_futures=futures_at(DEC4), policy_rates=effr)
    text = text_of(section)
    assert "No FedWatch: EFFR is from 06 Jun 2023 (1,277 d 11 h old)" in text
    assert "the odds need the EFFR and futures of the latest session" in text
    assert not with_class(section, "rates-path") and not with_class(section, "rates-path__note")
    assert "%" not in text  # no odds, no implied rate, nothing priced from 5.08


def test_futures_from_an_earlier_session_show_no_odds(settings):
    # CME's Friday session opened Thursday 17:00 Chicago (23:00 UTC); Thursday's prices are old
    thursday = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    section = path_of(
        settings,
        now=DEC4,
        fed_funds_futures=futures_at(thursday),
        policy_rates=effr_at(datetime(2026, 12, 3, 5, tzinfo=UTC)),
    )
    assert text_of(with_class(section, "rates-nodata__title")) == (
        "No FedWatch: futures are from Thu 20:00 UTC (19 h old)"
    )
    assert not with_class(section, "rates-path")
    # both old: both said, the EFFR first
    section = path_of(
        settings,
        now=DEC4,
        fed_funds_futures=futures_at(datetime(2026, 11, 2, 20, tzinfo=UTC)),
        policy_rates=recorded_effr(settings, DEC4),
    )
    assert text_of(with_class(section, "rates-nodata__title")) == (
        "No FedWatch: EFFR is from 06 Jun 2023 (1,277 d 11 h old); "
        "futures are from 02 Nov 2026 20:00 UTC (31 d 19 h old)"
    )


def test_the_effr_may_lag_two_sessions_as_it_is_published(settings):
    # Friday 4 Dec 10:00 New York: Thursday's rate is out at 09:00, on FRED by the afternoon,
    # so Wednesday's is the newest FRED may have; Tuesday's is not of the latest session
    def note(effr_day):
        effr = effr_at(datetime(2026, 12, effr_day, 5, tzinfo=UTC))
        section = path_of(settings, now=DEC4, fed_funds_futures=futures_at(DEC4), policy_rates=effr)
        return text_of(section)

    assert "CME FedWatch from EFFR 4.33% as of Thu 03 Dec · futures as of 15:00 UTC" in note(3)
    assert "CME FedWatch from EFFR 4.33% as of Wed 02 Dec" in note(2)
    assert "No FedWatch: EFFR is from 01 Dec 2026 (3 d 10 h old)" in note(1)
    # Monday 08:00 New York, before the open: Friday's session is still the latest, so
    # Wednesday's rate still counts and Tuesday's does not; the weekend adds no sessions
    monday = datetime(2026, 12, 7, 13, tzinfo=UTC)
    assert rates.effr_is_current(datetime(2026, 12, 2, 5, tzinfo=UTC), monday)
    assert not rates.effr_is_current(datetime(2026, 12, 1, 5, tzinfo=UTC), monday)


def test_futures_of_another_day_are_dated_on_the_wall_clock(settings):
    # Saturday: CME is shut; Friday's last prices are of the latest session, and say Friday
    saturday = datetime(2026, 12, 5, 12, tzinfo=UTC)
    friday_close = datetime(2026, 12, 4, 21, 59, tzinfo=UTC)
    section = path_of(
        settings,
        now=saturday,
        fed_funds_futures=futures_at(friday_close),
        policy_rates=effr_at(datetime(2026, 12, 3, 5, tzinfo=UTC)),
    )
    assert text_of(with_class(section, "rates-path__note")) == (
        "CME FedWatch from EFFR 4.33% as of Thu 03 Dec · futures as of Fri 21:59 UTC"
    )
    # in the wall's own zone when it has one
    london = settings.model_copy(update={"wall_tz": "America/New_York"})
    section = path_of(
        london,
        now=saturday,
        fed_funds_futures=futures_at(friday_close),
        policy_rates=effr_at(datetime(2026, 12, 3, 5, tzinfo=UTC)),
    )
    assert text_of(with_class(section, "rates-path__note")).endswith("futures as of Fri 16:59 EST")


def test_only_the_contracts_the_shown_meetings_use_date_the_odds(settings):
    # three meetings shown (Dec, Jan, Mar): priced from Dec 2026 to Apr 2027; an old June
    # quote does not hide the odds, an old March one does
    board = with_fomc(settings, ["2026-12-09", *MEETINGS_2027])
    old = datetime(2026, 11, 30, 20, tzinfo=UTC)
    quotes = list(futures_at(DEC4).records)
    june = [q.model_copy(update={"as_of": old}) if q.symbol == "zq_2027_06" else q for q in quotes]
    march = [q.model_copy(update={"as_of": old}) if q.symbol == "zq_2027_03" else q for q in quotes]
    effr = effr_at(datetime(2026, 12, 3, 5, tzinfo=UTC))
    fine = path_of(board, now=DEC4, policy_rates=effr, fed_funds_futures=futures_of(june))
    assert len(rows_of(fine)) == 3
    held = path_of(board, now=DEC4, policy_rates=effr, fed_funds_futures=futures_of(march))
    assert "No FedWatch: futures are from Mon 20:00 UTC (3 d 19 h old)" in text_of(held)


def futures_of(quotes) -> Snapshot:
    return snapshot("fed_funds_futures", quotes, as_of=max(q.as_of for q in quotes))


# --- the demo tells one story, in one number style -------------------------------------------


@pytest.fixture(scope="module")
def demo_dec3(settings):
    """Every demo dataset the rates scene and the calendar read, on Thu 3 Dec 2026 15:00 UTC."""
    now = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    provider = DemoProvider(settings)
    out = {}
    for name in ("rates", "policy_rates", "fed_funds_futures", "calendar"):
        ds = settings.datasets[name]
        records = provider.load(Request(name, ds.kind, tuple(ds.instruments), now, ds.market))
        out[name] = snapshot(name, records.records, as_of=now)
    return now, out


def test_the_demo_calendar_and_path_show_the_same_fomc_meeting(settings, demo_dec3):
    now, snapshots = demo_dec3
    (meeting,) = [e for e in snapshots["calendar"].records if e.name == "FOMC rate decision"]
    calendar = snapshots.pop("calendar")
    section = path_of(settings, now=now, **snapshots)
    assert rows_of(section)[0][0] == f"{meeting.time.astimezone(rates.NEW_YORK):%d %b %Y}"
    assert rows_of(section)[0][0] == "09 Dec 2026"
    note = text_of(with_class(section, "rates-path__note"))
    assert note.startswith("CME FedWatch from EFFR ") and note.endswith(
        " as of Thu 03 Dec · futures as of 15:00 UTC"
    )
    snapshots["calendar"] = calendar


def test_one_number_style_across_the_scene(settings, demo_dec3):
    now, snapshots = demo_dec3
    scene = {k: v for k, v in snapshots.items() if k != "calendar"}
    view = SceneView(
        board=SimpleNamespace(settings=settings), scene="rates", snapshots=scene, now=now
    )
    text = text_of(rates.render(view))
    assert "%" in text and " bp" in text
    assert not re.search(r"\d %", text), "a percentage with a space"
    assert not re.search(r"\d\.\d+ bp", text), "basis points with decimals"
    assert not re.search(r"[-+]0(\.0+)?(?![\d.])", text), "a signed zero"
