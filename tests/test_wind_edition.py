"""The wind edition end to end (no terminal here: a fake WindPy that follows the contract).

With WindPy importable, Wind serves what it maps and public sources fill the rest; without it
the app starts, says why Wind is unavailable, and the rest of the chain carries on."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from config.schema import Settings
from engine.build import build_engine
from engine.stream_hub import StreamHub, make_feed
from providers.base import REGISTRY
from providers.wind.stream import POLLING, WindStream
from tests.support.fakes.windpy import Scenario, make_module
from tests.support.pages import served
from tests.support.services import wait_until
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
        shown = text_of(served(pages.overview.layout()))
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


NOW = datetime(2026, 11, 18, 15, 2, 30, tzinfo=UTC)  # the fake terminal's day; New York open


def _wind_hub(engine, **quick):
    """The engine's stream hub with Wind's feed only: the crypto exchanges (the open streams the
    wind edition keeps for crypto) would reach for the internet. `quick`: the WindStream built
    here with these options (poll_s, silent_s) instead of by make_feed."""
    real = make_feed(engine.settings, engine.refresher.clock, engine.refresher.providers)

    def only_wind(name, ids, datasets, on_ticks):
        if name != "wind":
            raise ValueError("not in this test")
        if quick:
            wind = engine.refresher.providers["wind"]
            return WindStream(wind, ids, on_ticks, clock=engine.refresher.clock, **quick)
        return real(name, ids, datasets, on_ticks)

    return StreamHub(
        lambda: engine.settings,
        engine.store,
        clock=engine.refresher.clock,
        identity=lambda: "test",
        providers=lambda: engine.refresher.providers,
        feeds=only_wind,
    )


def test_wind_pushes_move_the_indices_through_the_stream_hub(make_settings, monkeypatch):
    module = make_module()
    monkeypatch.setitem(sys.modules, "WindPy", module)
    engine = build_engine(wind_settings(make_settings), clock=lambda: NOW)
    engine.refresher.refresh("indices")
    hub = engine.refresher.live = _wind_hub(engine)
    hub.start()
    try:
        assert wait_until(lambda: module.w.subscriptions, 10, 0.02)
        module.w.push_tick("SPX.GI", 5961.25, NOW - timedelta(seconds=1))
        assert wait_until(
            lambda: engine.store.read("indices").quotes_by_id()["spx"].price == 5961.25, 10, 0.02
        )
        shown = engine.store.read("indices")
        assert shown.stream == "wind stream" and shown.origins["spx"] == "wind stream"
        assert hub.status()["streams"]["wind"]["state"] == "ticking"
    finally:
        hub.stop()
    assert not module.w.subscriptions  # cancelled on stop


def test_without_pushes_the_wind_stream_polls_wsq(make_settings, monkeypatch):
    module = make_module(Scenario(pushes=False))
    monkeypatch.setitem(sys.modules, "WindPy", module)
    engine = build_engine(wind_settings(make_settings), clock=lambda: NOW)
    engine.refresher.refresh("indices")
    hub = engine.refresher.live = _wind_hub(engine, poll_s=0.5, silent_s=1.0)
    hub.start()
    try:
        assert wait_until(
            lambda: hub.status()["streams"]["wind"].get("last_error") == POLLING, 30, 0.1
        )
        assert wait_until(lambda: hub.status()["streams"]["wind"]["messages"] >= 2, 10, 0.1)
    finally:
        hub.stop()


def test_with_quote_tz_utc_and_a_terminal_on_utc_wind_serves_indices_and_fx(
    make_settings, monkeypatch
):
    monkeypatch.setitem(sys.modules, "WindPy", make_module(Scenario(stamp_tz="UTC")))
    settings = wind_settings(make_settings)
    raw = settings.model_dump()
    raw["providers"]["wind"] = {**raw["providers"].get("wind", {}), "quote_tz": "UTC"}
    engine = build_engine(Settings.model_validate(raw), clock=lambda: NOW)
    for name in ("indices", "fx"):
        snapshot = engine.refresher.refresh(name)
        assert snapshot.source.startswith("wind"), (name, snapshot.error)
    assert engine.refresher.provider_warnings() == []


def test_a_wrong_quote_tz_is_said_and_names_the_setting(make_settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "WindPy", make_module(Scenario(stamp_tz="UTC")))
    app = create_app(wind_settings(make_settings), start_refresher=False)  # quote_tz: market
    board = app.server.extensions["wallboard"]
    board.refresher.clock = lambda: NOW
    for name in ("indices", "fx"):
        board.refresher.refresh(name)
    warnings = board.refresher.provider_warnings()
    assert warnings and "providers.wind.quote_tz" in warnings[0]
    board.refresher._tick(leading=True)  # the heartbeat carries it to every worker
    body = app.server.test_client().get("/api/status").get_json()
    assert body["refresher"]["warnings"] == warnings
    import pages.status

    with app.server.test_request_context("/status"):
        assert "providers.wind.quote_tz" in text_of(served(pages.status.layout()))
