"""Chart cells on a board whose instruments have different ages (tests/support/mixed_ages.py):
each treemap box, heatmap cell and technicals readout states its own status, source and time,
so a week-old value among live ones looks stale by mark and word, and a chart is never dated
by its dataset's newest value."""

from __future__ import annotations

import pytest
from dash import dcc, html

from components.scene import view_of
from config import load_settings
from engine.board import Board
from pages import fx, sectors, technicals, volatility
from tests.support import mixed_ages
from tests.support.pages import prop, text_of, walk, with_class


@pytest.fixture(scope="module")
def board() -> Board:
    return mixed_ages.board(load_settings({}))


def graph_trace(tree):
    (graph,) = [n for n in walk(tree) if isinstance(n, dcc.Graph)]
    (trace,) = graph.figure.data
    return trace


def graph_trace_all(tree):
    (graph,) = [n for n in walk(tree) if isinstance(n, dcc.Graph)]
    return graph.figure.data


def roles(board: Board, name: str):
    """A dataset's instruments, in their roles' order (today, last week, missing: a dataset of
    two has none missing), and its chain's sources."""
    return board.settings.datasets[name].instruments, board.settings.chain(name)


# --- the sectors treemap --------------------------------------------------------------------


def test_each_treemap_box_says_its_own_state(board):
    (today, last_week, missing, *_), chain = roles(board, "sectors")
    trace = graph_trace(sectors.render(view_of(board, "sectors")))
    texts = dict(zip(trace.ids, trace.text, strict=True))
    titles = dict(zip(trace.ids, trace.hovertext, strict=True))
    hatches = dict(zip(trace.ids, trace.marker.pattern.shape, strict=True))

    assert texts[last_week.id].endswith("<br>⚠ stale 7 d")  # shape and word, not colour
    assert hatches[last_week.id] == "/"
    assert titles[last_week.id] == (
        f"{last_week.name}: Stale · {chain[1]} · as of Wed 11 Nov 2026 15:00 UTC (7 d old)"
        " · 7 d old (stale after 5 min)"
    )

    assert "⚠" not in texts[today.id] and "stale" not in texts[today.id]
    assert hatches[today.id] == ""
    assert titles[today.id] == (
        f"{today.name}: Live · {chain[0]} · as of Wed 18 Nov 2026 14:59 UTC (40 s old)"
    )

    assert texts[missing.id] == "no data"
    assert titles[missing.id] == (
        f"{missing.name}: Unavailable · {chain[0]}: {missing.symbols[chain[0]]}: "
        "no data in the answer"
    )
    marked = [i for i, text in texts.items() if "⚠" in text or "stale" in text]
    assert marked == [last_week.id]  # every other box is live


def test_each_ranked_sector_carries_its_own_state(board):
    (today, last_week, missing, *_), chain = roles(board, "sectors")
    body = sectors.render(view_of(board, "sectors"))
    rows = {prop(li, "data-instrument"): li for li in with_class(body, "sectors-rank__item")}
    old = rows[last_week.id]
    assert prop(old, "data-status") == "stale"
    assert text_of(with_class(old, "sectors-rank__name")) == f"⚠ {last_week.name}"
    assert f"{chain[1]} · as of Wed 11 Nov 2026 15:00 UTC" in old.title
    assert prop(rows[today.id], "data-status") == "ok"
    assert text_of(with_class(rows[today.id], "sectors-rank__name")) == today.name
    assert prop(rows[missing.id], "data-status") == "error"
    assert "no data" in text_of(rows[missing.id])


def test_one_stale_sector_does_not_rename_the_session_of_the_live_ones(board):
    caption = text_of(with_class(sectors.render(view_of(board, "sectors")), "sectors-caption"))
    assert "colour: % change today" in caption  # the live boxes' session; the stale box says so
    assert "as of Wed 11 Nov 2026 15:00 UTC" in caption  # dated by its oldest, never its newest


# --- the FX heatmap -------------------------------------------------------------------------


def test_heatmap_cells_touching_the_stale_leg_are_marked_and_no_others(board):
    (today, last_week, missing, *_), chain = roles(board, "fx")
    assert (today.name, last_week.name, missing.name) == ("EUR/USD", "USD/JPY", "GBP/USD")
    trace = graph_trace(fx.render(view_of(board, "fx")))
    assert "JPY" in trace.x and "GBP" not in trace.x  # the missing leg draws no row
    i = {c: n for n, c in enumerate(trace.x)}
    for base in trace.x:
        for quote in trace.x:
            text = trace.text[i[base]][i[quote]]
            if base != quote and "JPY" in (base, quote):
                assert text.endswith("<br>⚠ stale"), (base, quote, text)
            else:
                assert "⚠" not in text and "stale" not in text, (base, quote, text)
    eur_jpy = trace.customdata[i["EUR"]][i["JPY"]][0].split("<br>")
    assert eur_jpy[1] == f"EUR/USD: Live · {chain[0]} · as of Wed 18 Nov 2026 14:59 UTC (40 s old)"
    assert eur_jpy[2] == (
        f"USD/JPY: Stale · {chain[1]} · as of Wed 11 Nov 2026 15:00 UTC (7 d old)"
        " · 7 d old (stale after 1 min)"
    )
    assert "Stale" not in trace.customdata[i["EUR"]][i["CHF"]][0]


def test_the_heatmap_caption_gives_its_oldest_leg_and_the_sources(board):
    _, chain = roles(board, "fx")
    body = fx.render(view_of(board, "fx"))
    (figure,) = [n for n in walk(body) if isinstance(n, html.Figure)]
    assert prop(figure, "data-status") == "stale"  # its worst cell's
    caption = text_of(with_class(body, "wb-fx__caption"))
    assert caption.endswith(
        f"· {chain[0]}+{chain[1]}, as of 11 Nov 2026 15:00 UTC (its oldest pair)"
        " · ⚠ stale: USD/JPY 7 d"
    )
    assert "18 Nov 2026" not in caption  # never the newest leg's time


# --- the technicals chart -------------------------------------------------------------------


def test_the_stale_symbols_readout_and_caption_are_its_own(board):
    (_, last_week), chain = roles(board, "history")
    body = technicals.render(view_of(board, "technicals", {"symbol": last_week.id}))
    (readout,) = with_class(body, "wb-technicals__readout")
    assert (prop(readout, "data-status"), prop(readout, "data-source")) == ("stale", chain[1])
    assert text_of(with_class(readout, "wb-technicals__asof")) == (
        "Last bar Wed 11 Nov 2026 · as of Wed 11 Nov 2026 15:00 UTC · ⚠ stale, 7 d old"
    )
    caption = text_of(with_class(body, "wb-technicals__caption"))
    assert caption.endswith(
        f"Data as of Wed 11 Nov 2026 15:00 UTC · {chain[1]} · stale: 7 d old (stale after 4 d)."
    )
    assert f"{chain[0]}+{chain[1]}" not in caption


def test_the_live_symbols_readout_and_caption_are_its_own(board):
    (today, _), chain = roles(board, "history")
    body = technicals.render(view_of(board, "technicals", {"symbol": today.id}))
    (readout,) = with_class(body, "wb-technicals__readout")
    assert prop(readout, "data-status") == "ok"
    asof = text_of(with_class(readout, "wb-technicals__asof"))
    assert asof == "Last bar Wed 18 Nov 2026 · as of Wed 18 Nov 2026 14:59 UTC"
    caption = text_of(with_class(body, "wb-technicals__caption"))
    assert caption.endswith(f"Data as of Wed 18 Nov 2026 14:59 UTC · {chain[0]} · ok.")


# --- the volatility term structure and chart captions ---------------------------------------


def test_a_stale_point_on_the_term_structure_says_so_next_to_it(board):
    (today, last_week, *_), _ = roles(board, "volatility")
    tree = volatility.render(view_of(board, "volatility"))
    now_line = next(t for t in graph_trace_all(tree) if t.name == "Now")
    labels = dict(zip(now_line.x, now_line.text, strict=True))
    symbols = dict(zip(now_line.x, now_line.marker.symbol, strict=True))
    stale_term, live_term = volatility.term_of(last_week.id)[0], volatility.term_of(today.id)[0]

    assert labels[stale_term].endswith("<br>⚠ stale 7 d") and symbols[stale_term] == "circle-open"
    assert "⚠" not in labels[live_term] and symbols[live_term] == "circle"


def test_a_chart_caption_dates_itself_by_its_oldest_value_and_counts_the_stale(board):
    tree = volatility.render(view_of(board, "volatility"))
    (caption,) = with_class(tree, "vol-caption")
    words = text_of(caption)
    assert "as of Wed 11 Nov 2026 15:00 UTC (oldest)" in words, words
    assert "1 of " in words and " stale" in words, words
