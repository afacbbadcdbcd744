"""Sectors scene: the treemap (size = weight, colour = % change on a fixed ±3 % diverging
scale, labels with arrows), sectors without data greyed, and the ranking beside it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from dash import dcc, html

from components.scene import SceneView
from config.schema import Instrument
from engine.freshness import Shown
from pages import sectors
from providers.base import Request
from providers.demo import DemoProvider
from providers.models import Quote, Snapshot, Status
from tests.support.links import hrefs
from tests.support.pages import prop, text_of, walk, with_class

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
ORANGE, GREY, PURPLE = "rgb(166, 97, 26)", "rgb(58, 70, 86)", "rgb(1, 133, 113)"  # DIVERGING ends


def quote(symbol: str, price: float, prev: float) -> Quote:
    return Quote.from_prices(
        symbol=symbol, name=symbol, price=price, prev_close=prev, currency="USD", as_of=WED
    )


@pytest.fixture(scope="module")
def instruments(settings) -> list[Instrument]:
    return settings.datasets["sectors"].instruments


@pytest.fixture(scope="module")
def demo(settings) -> Snapshot:
    ds = settings.datasets["sectors"]
    batch = DemoProvider(settings).load(
        Request("sectors", ds.kind, tuple(ds.instruments), WED, ds.market)
    )
    return snapshot(batch.records)


def snapshot(records, *, status=Status.OK, error=None) -> Snapshot:
    return Snapshot(
        dataset="sectors",
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
        scene="sectors",
        snapshots={} if snap is None else {"sectors": snap},
        now=WED,
    )


# --- colours and labels ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pct", "colour"),
    [(0.0, GREY), (3.0, PURPLE), (9.5, PURPLE), (-3.0, ORANGE), (-12.0, ORANGE)],
)
def test_the_scale_is_fixed_symmetric_and_centred_on_zero(pct, colour):
    assert sectors.pct_colour(pct) == colour


def test_equal_moves_either_way_sit_symmetrically_on_the_scale():
    assert sectors.pct_colour(1.5) == "rgb(128, 205, 193)"  # the scale's 0.75 stop
    assert sectors.pct_colour(-1.5) == "rgb(223, 194, 125)"  # the scale's 0.25 stop


def test_percent_text_carries_an_arrow():
    assert sectors.pct_text(1.234) == "▲ +1.23%"
    assert sectors.pct_text(-0.5) == "▼ -0.50%"
    assert sectors.pct_text(0.0) == "■ 0.00%"
    assert sectors.pct_text(-0.004) == "■ 0.00%"  # rounds to nothing: never '▼ -0.00%'
    assert sectors.pct_text(None) == "—"


def test_a_change_shown_as_zero_is_grey_and_flat_everywhere(instruments):
    """Box colour, label and ranking class all follow the change as shown."""
    assert sectors.pct_colour(-0.004) == GREY and sectors.pct_colour(0.004) == GREY
    quotes = [quote("xlk", 100.004, 100.0)]  # +0.004 %
    (tree,) = sectors.make_sector_treemap(quotes, instruments).data
    assert dict(zip(tree.ids, tree.marker.colors, strict=True))["xlk"] == GREY
    assert dict(zip(tree.ids, tree.text, strict=True))["xlk"].startswith("■ 0.00%")
    (item,) = with_class(sectors.ranking(quotes, instruments[:1]), "sectors-rank__pct")
    assert item.className == "sectors-rank__pct wb-flat"


def test_the_scale_legend_and_weights_use_the_wall_format():
    legend = text_of(sectors.scale_legend())
    assert legend == "▼ -3% or less ▲ +3% or more"
    (tree,) = sectors.make_sector_treemap(
        [quote("a", 101.0, 100.0)], [Instrument(id="a", name="A", weight=31.7)]
    ).data
    assert [list(c) for c in tree.customdata] == [["31.7%", "a"]]
    assert "weight %{customdata[0]}" in tree.hovertemplate


# --- the treemap ----------------------------------------------------------------------------


def test_treemap_boxes_sized_by_weight_and_labelled(instruments):
    quotes = [quote("xlk", 232.1, 229.0), quote("xle", 88.0, 90.0)]
    fig = sectors.make_sector_treemap(quotes, instruments)
    (tree,) = fig.data
    assert tree.type == "treemap"
    assert list(tree.labels) == [i.name for i in instruments]
    assert list(tree.values) == [i.weight for i in instruments]
    assert set(tree.parents) == {""}
    by_id = dict(zip(tree.ids, tree.text, strict=True))
    assert by_id["xlk"] == "▲ +1.35%<br>232.10"
    assert by_id["xle"] == "▼ -2.22%<br>88.00"
    assert tree.texttemplate == "<b>%{label}</b><br>%{text}"


def test_treemap_colours_follow_the_move_and_missing_sectors_are_grey(instruments):
    quotes = [quote("xlk", 103.0, 100.0), quote("xle", 97.0, 100.0), quote("xlf", 50.0, 50.0)]
    (tree,) = sectors.make_sector_treemap(quotes, instruments).data
    colours = dict(zip(tree.ids, tree.marker.colors, strict=True))
    assert colours["xlk"] == PURPLE and colours["xle"] == ORANGE and colours["xlf"] == GREY
    assert colours["xlu"] == sectors.MISSING_COLOUR
    texts = dict(zip(tree.ids, tree.text, strict=True))
    assert texts["xlu"] == "no data"
    fonts = dict(zip(tree.ids, tree.textfont.color, strict=True))
    assert fonts["xlu"] == sectors.MISSING_TEXT
    assert fonts["xlk"] == sectors.LIGHT_TEXT  # light text on the dark purple end


def test_text_is_dark_on_light_boxes():
    assert sectors.pct_colour(-1.5) == "rgb(223, 194, 125)"
    (tree,) = sectors.make_sector_treemap(
        [quote("a", 98.5, 100.0)], [Instrument(id="a", name="A", weight=1)]
    ).data
    assert list(tree.textfont.color) == [sectors.DARK_TEXT]


def test_missing_weights_take_the_average_and_names_cannot_inject_markup():
    instruments = [
        Instrument(id="a", name="<b>Alpha</b>", weight=4.0),
        Instrument(id="b", name="Beta", weight=2.0),
        Instrument(id="c", name="Gamma"),
    ]
    (tree,) = sectors.make_sector_treemap([], instruments).data
    assert list(tree.values) == [4.0, 2.0, 3.0]
    assert tree.labels[0] == "&lt;b&gt;Alpha&lt;/b&gt;"
    assert list(tree.text) == ["no data"] * 3


def test_demo_treemap_has_every_sector(demo, instruments):
    (tree,) = sectors.make_sector_treemap(list(demo.records), instruments).data
    assert len(tree.labels) == 11 and "no data" not in tree.text
    assert all(t.startswith(("▲", "▼", "■")) for t in tree.text)


# --- each box's own state -----------------------------------------------------------------

TWO_H = WED - timedelta(hours=2)
LIVE = Shown(Status.OK, 40.0, None, "yahoo", WED - timedelta(seconds=40))
OLD = Shown(Status.STALE, 7200.0, "2 h old (stale after 5 min)", "stooq", TWO_H)
GONE = Shown(Status.ERROR, None, "yahoo: XLV: no data in the answer")


@pytest.mark.parametrize(
    ("seen", "words"),
    [
        (LIVE, ""),
        (OLD, "⚠ stale 2 h"),
        (Shown(Status.CLOSED, 9.0, None, "yahoo", WED), "☾ closed"),
        (Shown(Status.FALLBACK, 9.0, None, "stooq", WED), "↺ fallback: stooq"),
        (Shown(Status.FALLBACK, 9.0, None, None, WED), "↺ fallback"),
        (GONE, ""),  # no value: its box says 'no data'
    ],
)
def test_a_state_reads_as_mark_and_word(seen, words):
    assert sectors.state_words(seen) == words


def states_of(instruments, **special) -> dict[str, Shown]:
    return {i.id: special.get(i.id, LIVE) for i in instruments}


def test_a_stale_box_says_so_by_mark_word_and_hatch_and_its_tooltip_says_why(instruments):
    quotes = [quote("xlk", 232.1, 229.0), quote("xlf", 50.5, 50.0)]
    states = states_of(instruments, xlf=OLD, xlv=GONE)
    (tree,) = sectors.make_sector_treemap(quotes, instruments, states=states, now=WED).data
    texts = dict(zip(tree.ids, tree.text, strict=True))
    assert texts["xlf"] == "▲ +1.00%<br>50.50<br>⚠ stale 2 h"
    assert texts["xlk"] == "▲ +1.35%<br>232.10"  # live: nothing added
    assert texts["xlv"] == "no data"
    hatches = dict(zip(tree.ids, tree.marker.pattern.shape, strict=True))
    assert hatches["xlf"] == "/" and hatches["xlk"] == "" and hatches["xlv"] == ""
    titles = dict(zip(tree.ids, tree.hovertext, strict=True))
    assert titles["xlf"] == (
        "Financials: Stale · stooq · as of Wed 05 Mar 2025 13:00 UTC (2 h old)"
        " · 2 h old (stale after 5 min)"
    )
    assert titles["xlk"].startswith("Technology: Live · yahoo · as of Wed 05 Mar 2025 14:59 UTC")
    assert titles["xlv"] == "Health care: Unavailable · yahoo: XLV: no data in the answer"
    assert tree.hovertemplate.endswith("<br>%{hovertext}<extra></extra>")
    colours = dict(zip(tree.ids, tree.marker.colors, strict=True))
    assert colours["xlf"] == sectors.pct_colour(1.0)  # the move's colour stays: the mark tells


def test_a_tooltip_cannot_inject_markup_from_a_fetch_error(instruments):
    bad = Shown(Status.STALE, 7200.0, "yahoo: <b>boom</b>", "yahoo", TWO_H)
    states = states_of(instruments, xlk=bad)
    (tree,) = sectors.make_sector_treemap(
        [quote("xlk", 1.0, 1.0)], instruments, states=states, now=WED
    ).data
    title = dict(zip(tree.ids, tree.hovertext, strict=True))["xlk"]
    assert "&lt;b&gt;boom&lt;/b&gt;" in title and "<b>" not in title


def test_ranked_rows_carry_their_own_state_like_table_rows(instruments):
    quotes = [quote("xlk", 232.1, 229.0), quote("xlf", 50.5, 50.0)]
    states = states_of(instruments, xlf=OLD, xlv=GONE)
    rows = {
        prop(li, "data-instrument"): li
        for li in with_class(
            sectors.ranking(quotes, instruments, states=states, now=WED), "sectors-rank__item"
        )
    }
    old, live, gone = rows["xlf"], rows["xlk"], rows["xlv"]
    assert prop(old, "data-status") == "stale" and "sectors-rank__item--stale" in old.className
    assert text_of(with_class(old, "sectors-rank__name")) == "⚠ Financials"
    assert old.title.startswith("Financials: Stale · stooq · as of Wed 05 Mar 2025 13:00 UTC")
    assert prop(live, "data-status") == "ok" and live.className == "sectors-rank__item"
    assert text_of(with_class(live, "sectors-rank__name")) == "Technology"
    assert prop(gone, "data-status") == "error" and "no data in the answer" in gone.title
    assert "sectors-rank__item--missing" in gone.className


# --- the scene ------------------------------------------------------------------------------


def test_demo_scene_treemap_key_caption_and_ranking(settings, demo):
    body = sectors.render(view_of(settings, demo))
    (graph,) = [n for n in walk(body) if isinstance(n, dcc.Graph)]
    assert graph.id == {"type": "wb-linked-graph", "graph": "sectors-treemap"}
    assert "wb-graph" in graph.className
    (figure,) = [n for n in walk(body) if isinstance(n, html.Figure)]
    assert "aria-label" in figure.to_plotly_json()["props"]
    caption = text_of(with_class(body, "sectors-caption"))
    assert "▼ -3% or less" in caption and "▲ +3% or more" in caption
    assert "as of Wed 05 Mar 2025 15:00 UTC" in caption and "Live" in caption
    items = with_class(body, "sectors-rank__item")
    assert len(items) == 11 and "Technology" in text_of(body)
    pcts = [q.change_pct for q in demo.records]
    shown = [text_of(with_class(i, "sectors-rank__pct")) for i in items]
    assert shown == [sectors.pct_text(p) for p in sorted(pcts, reverse=True)]


def test_error_says_no_data_and_why_with_the_names_still_shown(settings):
    error = snapshot([], status=Status.ERROR, error="stooq: 503 Service Unavailable")
    body = sectors.render(view_of(settings, error))
    text = text_of(body)
    assert not [n for n in walk(body) if isinstance(n, dcc.Graph)]
    assert "S&P 500 sectors: no data" in text and "stooq: 503 Service Unavailable" in text
    missing = with_class(body, "sectors-rank__item--missing")
    assert len(missing) == 11 and all("no data" in text_of(m) for m in missing)


def test_no_snapshot_yet_does_not_crash(settings):
    text = text_of(sectors.render(view_of(settings, None)))
    assert "no data" in text and "waiting for first refresh" in text


def test_partial_records_grey_the_missing_sectors_last_in_the_ranking(settings):
    partial = snapshot([quote("xle", 91.0, 90.0), quote("xlk", 230.0, 232.0)], error="XLU: 404")
    body = sectors.render(view_of(settings, partial))
    (graph,) = [n for n in walk(body) if isinstance(n, dcc.Graph)]
    (tree,) = graph.figure.data
    assert list(tree.text).count("no data") == 9
    items = with_class(body, "sectors-rank__item")
    ids = [i.to_plotly_json()["props"]["data-instrument"] for i in items]
    assert ids[:2] == ["xle", "xlk"] and len(ids) == 11
    assert all("sectors-rank__item--missing" in i.className for i in items[2:])
    assert "XLU: 404" in text_of(body)


def test_stale_data_is_marked_under_the_treemap(settings, demo):
    stale = demo.model_copy(update={"status": Status.STALE})
    later = SceneView(
        board=SimpleNamespace(settings=settings),
        scene="sectors",
        snapshots={"sectors": stale},
        now=WED + timedelta(hours=2),
    )
    body = sectors.render(later)
    assert "Stale" in text_of(with_class(body, "sectors-caption"))
    assert with_class(body, "sectors-figure--stale")
    (graph,) = [n for n in walk(body) if isinstance(n, dcc.Graph)]
    (tree,) = graph.figure.data
    assert all(t.endswith("<br>⚠ stale 2 h") for t in tree.text)  # each box, in words
    assert list(tree.marker.pattern.shape) == ["/"] * 11
    items = with_class(body, "sectors-rank__item")
    assert all(prop(i, "data-status") == "stale" for i in items)


# --- which session the change is of -------------------------------------------------------

THU_MORNING = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)  # 07:00 in New York: before the open
WED_EVENING = datetime(2025, 3, 5, 22, 0, tzinfo=UTC)  # after Wednesday's close
SAT = datetime(2025, 3, 8, 15, 0, tzinfo=UTC)


def at(status: Status = Status.OK, as_of: datetime | None = WED) -> Snapshot:
    return snapshot([quote("xlk", 101.0, 100.0)], status=status).model_copy(update={"as_of": as_of})


@pytest.mark.parametrize(
    ("as_of", "status", "now", "words"),
    [
        # In session, with data of today's session: "today".
        (WED, Status.OK, WED, "% change today"),
        # The market has closed: the badge says Closed, and the change is named by its session.
        (WED, Status.CLOSED, WED_EVENING, "% change on Wed 05 Mar's session vs the previous close"),
        # The next morning before the open: yesterday's session, never "today".
        (
            datetime(2025, 3, 5, 20, 59, tzinfo=UTC),
            Status.CLOSED,
            THU_MORNING,
            "% change on Wed 05 Mar's session vs the previous close",
        ),
        # A weekend: Friday's session.
        (
            datetime(2025, 3, 7, 21, 0, tzinfo=UTC),
            Status.CLOSED,
            SAT,
            "% change on Fri 07 Mar's session vs the previous close",
        ),
        # Open, but the data is from an earlier session (stale): that session's day.
        (
            datetime(2025, 3, 4, 20, 0, tzinfo=UTC),
            Status.STALE,
            WED,
            "% change on Tue 04 Mar's session vs the previous close",
        ),
        # Whatever the clock says, a snapshot decided Closed is not "today".
        (WED, Status.CLOSED, WED, "% change on Wed 05 Mar's session vs the previous close"),
        (None, Status.ERROR, WED, "% change vs the previous close"),
    ],
)
def test_the_caption_names_the_session_the_change_is_of(as_of, status, now, words):
    assert sectors.change_words(at(status, as_of), "XNYS", now) == words


def test_the_session_is_the_newest_boxs_not_the_oldest():
    """An assessed snapshot is dated by its oldest sector: one a week old must not rename the
    session the live boxes show (its own box says it is stale)."""
    oldest = at(Status.OK, WED - timedelta(days=7))
    assert sectors.change_words(oldest, "XNYS", WED) == (
        "% change on Wed 26 Feb's session vs the previous close"
    )
    assert sectors.change_words(oldest, "XNYS", WED, WED) == "% change today"


def test_an_unknown_market_or_time_says_no_day():
    assert sectors.session_day("XNYS", datetime(1900, 1, 2, tzinfo=UTC)) is None
    assert sectors.change_words(at(), "NOPE", WED) == "% change vs the previous close"


def test_the_market_is_the_one_the_sectors_trade_on(settings):
    assert sectors.market_of(settings.datasets["sectors"]) == "XNYS"


def test_a_closed_scene_says_which_session_not_today(settings, demo):
    closed = demo.model_copy(update={"status": Status.CLOSED})
    view = SceneView(
        board=SimpleNamespace(settings=settings),
        scene="sectors",
        snapshots={"sectors": closed},
        now=THU_MORNING,
    )
    caption = text_of(with_class(sectors.render(view), "sectors-caption"))
    assert "colour: % change on Wed 05 Mar's session vs the previous close" in caption
    assert "today" not in caption and "Closed" in caption


def test_an_open_scene_says_today(settings, demo):
    caption = text_of(with_class(sectors.render(view_of(settings, demo)), "sectors-caption"))
    assert "colour: % change today" in caption


# --- links to the instrument page ------------------------------------------------------------


def test_each_box_carries_its_sector_for_a_click_and_only_an_analyst_sees_a_pointer(
    settings, demo, instruments
):
    interactive = view_of(settings, demo)
    (graph,) = [n for n in walk(sectors.render(interactive)) if isinstance(n, dcc.Graph)]
    (tree,) = graph.figure.data
    assert [c[1] for c in tree.customdata] == [i.id for i in instruments] == list(tree.ids)
    assert "wb-graph--links" in graph.className.split()
    kiosk = replace(interactive, query={"kiosk": "1"})
    (still,) = [n for n in walk(sectors.render(kiosk)) if isinstance(n, dcc.Graph)]
    assert "wb-graph--links" not in still.className.split()
    assert hrefs(sectors.render(kiosk)) == []
