"""Every scene on a board whose instruments have different ages (tests/support/mixed_ages.py):
each tile, row and cell states its own age, source and status, and each badge summarises
honestly (its oldest age, how many are stale or missing), never its newest."""

from __future__ import annotations

import importlib
import re

import pytest

from components.scene import badges, view_of
from config import load_settings
from engine.board import Board
from tests.support import mixed_ages
from tests.support.mixed_ages import LAST_WEEK, TODAY
from tests.support.pages import prop, text_of, walk, with_class

TILE_SCENES = {  # scene: its dataset of tiles
    "overview": "indices",
    "fx": "fx",
    "commodities": "commodities",
    "crypto": "crypto",
    "volatility": "volatility",
}


@pytest.fixture(scope="module")
def board() -> Board:
    return mixed_ages.board(load_settings({}))


def rendered(board: Board, scene: str):
    view = view_of(board, scene)
    return view, importlib.import_module(f"pages.{scene}").render(view)


def marked(tree, attribute: str) -> dict[str, dict]:
    """Components carrying `attribute`, by its value: their props and the text shown."""
    found = {}
    for node in walk(tree):
        props = node.to_plotly_json()["props"] if hasattr(node, "to_plotly_json") else {}
        if attribute in props and props[attribute] not in found:
            found[props[attribute]] = {**props, "text": text_of(node)}
    return found


def badge_of(view, dataset: str) -> dict:
    (badge,) = [b for b in badges(view) if prop(b, "data-dataset") == dataset]
    (inner,) = with_class(badge, "wb-badge")
    return {"status": prop(inner, "data-status"), "text": text_of(badge), "title": inner.title}


@pytest.mark.parametrize("scene", sorted(TILE_SCENES))
def test_each_tile_states_its_own_age_source_and_status(board, scene):
    name = TILE_SCENES[scene]
    config = board.settings.datasets[name]
    chain = board.settings.chain(name)
    view, tree = rendered(board, scene)
    tiles = marked(tree, "data-instrument")
    today, last_week, missing = config.instruments[:3]

    fresh = tiles[today.id]
    assert fresh["data-status"] == "ok"
    assert fresh["data-source"] == chain[0]
    assert fresh["data-as-of"] == TODAY.isoformat()
    assert f"{chain[0]} · " in fresh["text"] and " old" not in fresh["text"]

    old = tiles[last_week.id]
    assert old["data-status"] == "stale" and "⚠ Stale" in old["text"]  # shape and word
    assert old["data-source"] == chain[1]  # its own source, not its dataset's first
    assert old["data-as-of"] == LAST_WEEK.isoformat()
    assert re.search(rf"{chain[1]} · \d d old", old["text"])
    assert old["title"].startswith("7 d old (stale after")

    gone = tiles[missing.id]
    assert gone["data-status"] == "error" and "no data" in gone["text"]
    assert missing.symbols[chain[0]] in gone["title"]  # why this one is missing

    badge = badge_of(view, name)
    total = len(config.instruments)
    assert badge["status"] == "ok"
    assert f"1 of {total} stale · 1 of {total} missing · oldest 7 d" in badge["text"]
    assert f"{chain[0]}+{chain[1]}" in badge["text"]
    assert "stale 7 d" in badge["title"] and "no data in the answer" in badge["title"]


def test_a_closed_market_tile_reads_closed_with_its_session(board):
    _, tree = rendered(board, "overview")
    tokyo = marked(tree, "data-instrument")["n225"]
    assert tokyo["data-status"] == "closed" and "☾ Closed" in tokyo["text"]
    assert "● Live" not in tokyo["text"]
    assert "Wed 18 Nov session" in tokyo["text"]


def test_rates_scene_rows_and_tiles(board):
    view, tree = rendered(board, "rates")
    policy = marked(tree, "data-instrument")
    assert policy["effr"]["data-status"] == "ok"
    assert policy["ecb_dfr"]["data-status"] == "stale"
    assert policy["ecb_dfr"]["data-source"] == "ecbdata"
    curve = badge_of(view, "rates")
    assert "1 of 11 stale · 1 of 11 missing · oldest 7 d" in curve["text"]
    assert "6 Mo: no data in the answer" in curve["title"]
    futures = badge_of(view, "fed_funds_futures")
    assert futures["status"] == "error"


def test_technicals_badge_and_history(board):
    view, _ = rendered(board, "technicals")
    badge = badge_of(view, "history")
    assert "1 of 2 stale · oldest 7 d" in badge["text"]


def test_news_years_old_is_never_live(board):
    view, _ = rendered(board, "news")
    badge = badge_of(view, "news")
    assert badge["status"] == "stale"
    assert "● Live" not in badge["text"] and "⚠ Stale" in badge["text"]
    assert "newest headline" in badge["title"]


def test_calendar_says_where_it_came_from_and_why(board):
    view, _ = rendered(board, "calendar")
    badge = badge_of(view, "calendar")
    assert badge["status"] == "fallback" and "schedule" in badge["text"]
    assert "no FRED API key" in badge["title"]


def test_the_status_scene_shows_staleness_with_the_fetch_error(board):
    _, tree = rendered(board, "status")
    rows = marked(tree, "data-dataset")
    indices = rows["indices"]["text"]
    assert "7 d" in indices
    assert "stale 7 d" in indices and "yahoo: ^DJI: no data in the answer" in indices


def test_api_status_lists_each_instrument_and_the_fetch_error(board):
    status = board.dataset_status("indices")
    assert status["fetch_error"] == "yahoo: ^DJI: no data in the answer"
    assert status["error"].startswith("1 of 10 stale, 1 of 10 missing: stale 7 d")
    assert status["error"].endswith("yahoo: ^DJI: no data in the answer")
    assert status["as_of"] == LAST_WEEK.isoformat()
    ndx = status["instruments"]["ndx"]
    assert (ndx["status"], ndx["source"], ndx["age_s"]) == ("stale", "stooq", 7 * 86400.0)
    assert status["instruments"]["dji"]["reason"] == "yahoo: ^DJI: no data in the answer"
    assert status["instruments"]["n225"]["status"] == "closed"
