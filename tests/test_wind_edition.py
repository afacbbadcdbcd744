"""The wind edition end to end (no terminal here: a fake WindPy that follows the contract).

With WindPy importable, Wind serves what it maps and public sources fill the rest; without it
the app starts, says why Wind is unavailable, and the rest of the chain carries on."""

from __future__ import annotations

import sys

import pytest

from app import create_app
from providers.base import REGISTRY
from tests.support.fakes.windpy import make_module
from tests.test_app import NOWHERE, text_of


def wind_settings(make_settings):
    """The wind edition with every public source unreachable (only Wind can answer)."""
    return make_settings(
        "wind",
        refresh={"attempts": 1, "backoff_s": 0, "deadline_s": 2},
        providers={name: {"base_url": NOWHERE} for name in REGISTRY},
    )


def test_without_windpy_the_app_starts_and_says_why(make_settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "WindPy", None)  # import WindPy -> ImportError
    app = create_app(wind_settings(make_settings), start_refresher=False)
    board = app.server.extensions["wallboard"]
    board.refresher.refresh("indices")
    body = app.server.test_client().get("/api/status").get_json()
    assert body["edition"] == "wind"
    assert body["providers"]["wind"]["state"] == "not installed"
    assert "wind: WindPy not installed" in body["datasets"]["indices"]["error"]
    assert {"crypto", "news", "rates"} <= set(body["wind_unmapped"])
    assert "indices" not in body["wind_unmapped"]
    assert app.server.test_client().get("/overview").status_code == 200


def test_with_windpy_wind_serves_what_it_maps(make_settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "WindPy", make_module())
    app = create_app(wind_settings(make_settings), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in ("indices", "fx", "history"):
        snapshot = board.refresher.refresh(name)
        assert snapshot.source.startswith("wind"), (name, snapshot.error)
        assert snapshot.records, name
    quotes = {q.symbol: q for q in board.snapshot("indices").records}
    assert quotes["spx"].price == 5950.12 and quotes["hsi"].symbol == "hsi"
    body = app.server.test_client().get("/api/status").get_json()
    assert body["providers"]["wind"]["state"] == "connected"
    import pages.overview

    with app.server.test_request_context("/overview"):
        shown = text_of(pages.overview.layout())
    assert "5,950.12" in shown and "S&P 500" in shown


@pytest.mark.browser
def test_wind_edition_renders_the_mapped_scenes(dash_duo, make_settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "WindPy", make_module())
    app = create_app(wind_settings(make_settings), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in ("indices", "fx", "history"):
        board.refresher.refresh(name)
    dash_duo.start_server(app)
    for scene, words in (("overview", "5,950.12"), ("fx", "USD/CNH"), ("technicals", "S&P 500")):
        dash_duo.driver.get(f"{dash_duo.server_url}/{scene}")
        dash_duo.wait_for_contains_text(f'[data-scene="{scene}"]', words, timeout=10)
        badge = dash_duo.find_element(".wb-scene__badges .wb-badge").text
        assert "wind" in badge, (scene, badge)
    assert dash_duo.get_logs() == []
