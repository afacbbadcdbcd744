"""The frame renders a scene's page, and a page's redrawn part, once per version of its data
for every screen (components/scene.py), and serves what it rendered as JSON after that."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest

import components.scene as scene_module
import pages.technicals as technicals
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
