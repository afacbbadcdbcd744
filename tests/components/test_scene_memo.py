"""The frame renders a scene's page, and a page's redrawn part, once per version of its data
for every screen (components/scene.py), and serves what it rendered as JSON after that."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest

import components.scene as scene_module
import pages.fx as fx
import pages.sectors as sectors
import pages.technicals as technicals
import pages.volatility as volatility
from providers.models import Quote, Snapshot, Status
from tests.support.charts import graphs
from tests.support.dashreq import CALLBACK
from tests.support.demo import refreshed_demo_app
from tests.support.hostile_requests import picker_body
from tests.support.pages import served, text_of, walk


@pytest.fixture
def demo(tmp_path):
    app = refreshed_demo_app(tmp_path)
    scene_module.SHOWN._recent.clear()  # another test's app may have rendered the same keys
    return app, app.server.extensions["wallboard"]


def counted(monkeypatch, module, name: str) -> list:
    calls = []
    real = getattr(module, name)

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def page(app, scene: str, **query):
    with app.server.test_request_context(f"/{scene}"):
        return sys.modules[f"pages.{scene}"].layout(**query)


def test_a_page_is_rendered_once_per_version_and_anew_for_new_data(demo, monkeypatch):
    app, board = demo
    renders = counted(monkeypatch, scene_module, "body_of")
    first = served(page(app, "overview", kiosk="1"))
    second = served(page(app, "overview", kiosk="1"))
    assert len(renders) == 1
    assert text_of(first) == text_of(second) and "S&P 500" in text_of(second)
    page(app, "overview")  # another query: another page (an analyst's links, toggles)
    assert len(renders) == 2
    board.refresher.providers["demo"].spike("spx", 5.0)
    board.refresher.refresh("indices")
    page(app, "overview", kiosk="1")
    assert len(renders) == 3


def test_a_body_that_turns_with_the_clock_is_rendered_once_per_turn(demo, monkeypatch):
    app, board = demo
    renders = counted(monkeypatch, scene_module, "body_of")
    start = board.clock()
    symbols = [i.id for i in board.settings.datasets["history"].instruments]
    for offset in (0, 1, technicals.CYCLE_S, technicals.CYCLE_S + 1):
        now = start + timedelta(seconds=offset)
        monkeypatch.setattr(board, "clock", lambda now=now: now)
        tree = served(page(app, "technicals", kiosk="1"))
        store = [n for n in walk(tree) if getattr(n, "id", None) == technicals.IDS["picker"]]
        assert store[0].data == technicals.kiosk_pick(symbols, now)  # never another turn's
    assert len(renders) <= 3  # one per turn met (the offsets span two turns, or three)


def test_a_redrawn_chart_is_drawn_once_per_version_for_every_screen(demo, monkeypatch):
    app, _ = demo
    drawn = counted(monkeypatch, technicals, "chart_panel")
    client = app.server.test_client()
    client.get("/technicals")
    dependencies = client.get("/_dash-dependencies").get_json()
    body = picker_body(dependencies, "ndx")
    answers = [client.post(CALLBACK, json=body) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].get_json() == answers[2].get_json()
    assert "Nasdaq 100" in answers[0].get_data(as_text=True)
    assert len(drawn) == 1
    client.post(CALLBACK, json=picker_body(dependencies, "spx"))
    assert len(drawn) == 2


# --- charts of streamed prices (components.scene.hold_charts) -----------------------------

HOLDING = {"fx": fx, "volatility": volatility, "sectors": sectors}


def streamed(snapshot: Snapshot, step: int, at: datetime) -> Snapshot:
    """`snapshot` as a stream leaves it `step` ticks on: its first quote moved `step` tenths of
    a percent, as of `at`, and the stream named as live."""
    records = list(snapshot.records)
    first = next(i for i, r in enumerate(records) if isinstance(r, Quote))
    quote = records[first]
    fields = quote.model_dump(exclude={"kind", "price", "prev_close", "change", "change_pct"})
    fields["as_of"] = at
    price = quote.price * (1 + step / 1000)
    records[first] = Quote.from_prices(price=price, prev_close=quote.prev_close, **fields)
    return snapshot.model_copy(update={"records": tuple(records), "stream": "demo"})


def figures(body) -> list:
    """Every graph's figure in a rendered body (JSON)."""
    return [graph.figure for graph in graphs(served(body))]


def held_scene(board, scene: str):
    """A scene that holds its charts: its page, HOLD_S, first dataset and that dataset's
    polled snapshot."""
    page = HOLDING[scene]
    name = board.settings.scenes[scene].datasets[0]
    return page, page.HOLD_S, name, board.snapshot(name)


def view_at(board, scene: str, snapshots: dict, now: datetime) -> scene_module.SceneView:
    return scene_module.SceneView(board=board, scene=scene, snapshots=snapshots, now=now)


def turn_start(board, hold_s: float) -> datetime:
    """The start of the next turn of `hold_s` after the board's clock."""
    now = board.clock().timestamp()
    return datetime.fromtimestamp((now // hold_s + 1) * hold_s, UTC)


@pytest.mark.parametrize("scene", HOLDING)
def test_a_streamed_chart_is_held_for_its_turn_while_the_tiles_move(demo, scene):
    _, board = demo
    page, hold_s, name, polled = held_scene(board, scene)
    start = turn_start(board, hold_s)

    def body(step: int, offset_s: float) -> dict:
        now = start + timedelta(seconds=offset_s)
        view = view_at(board, scene, {name: streamed(polled, step, now)}, now)
        return scene_module.rendered(view, page.render, hold_s)["body"], page_version(view)

    def page_version(view):
        return scene_module.version(view, None, hold_s)

    first, first_version = body(1, 0.2)
    later, later_version = body(2, hold_s - 0.5)  # a tick later in the same turn
    assert len(figures(first)) == 1
    assert figures(later) == figures(first)  # the chart as the turn's first render drew it
    assert later != first  # ... while the tiles show the tick
    assert later_version != first_version
    # The next turn draws the last prices, and its version steps even with no new tick.
    still, still_version = body(2, hold_s + 0.2)
    assert figures(still) != figures(first)
    assert still_version != later_version


@pytest.mark.parametrize("scene", HOLDING)
def test_a_chart_is_redrawn_at_once_for_a_poll_a_status_or_without_a_stream(demo, scene):
    _, board = demo
    page, hold_s, name, polled = held_scene(board, scene)
    now = turn_start(board, hold_s) + timedelta(seconds=0.2)

    def chart(snapshot: Snapshot) -> list:
        view = view_at(board, scene, {name: snapshot}, now)
        return figures(scene_module.rendered(view, page.render, hold_s)["body"])

    held = chart(streamed(polled, 1, now))
    # A new poll within the turn
    moved = streamed(polled, 5, now)
    polled_again = moved.model_copy(update={"fetched_at": now})
    assert chart(polled_again) != held
    # The stream stopped: the prices are drawn as they stand
    assert chart(moved.model_copy(update={"stream": None})) != held
    # A status that changed is never held back behind a chart drawn before it
    stale = streamed(polled, 5, now).model_copy(update={"status": Status.STALE})
    assert chart(stale) != held


def test_without_a_stream_the_version_does_not_step_with_the_turns(demo):
    _, board = demo
    name = board.settings.scenes["fx"].datasets[0]
    polled = board.snapshot(name).model_copy(update={"stream": None})
    start = turn_start(board, fx.HOLD_S)
    views = [
        view_at(board, "fx", {name: polled}, start + timedelta(seconds=s))
        for s in (0.2, fx.HOLD_S + 0.2, 2 * fx.HOLD_S + 0.2)
    ]
    held_versions = {scene_module.version(v, None, fx.HOLD_S) for v in views}
    assert held_versions == {scene_module.version(v) for v in views}
    assert len(held_versions) == 1  # a poll is drawn when it comes


def test_the_frame_holds_the_charts_of_the_scenes_that_declare_it(demo):
    for scene, page in HOLDING.items():
        assert page.layout.__self__.hold_s == page.HOLD_S == scene_module.CHART_HOLD_S, scene
    assert technicals.layout.__self__.hold_s is None  # its chart is of daily bars, not streamed
