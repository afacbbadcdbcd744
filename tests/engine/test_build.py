"""The one builder of every process (engine.build.build_engine): the app's configuration
checks, the alert rules evaluated after every refresh (and reached by a reload), and everything
written under the state directory."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from config import ConfigError
from engine.board import Board
from engine.build import build_engine, check_settings
from tests.support.fakes.providers import T0
from tests.support.webhook_receiver import WebhookReceiver
from web.endpoints import reload_settings

TINY_MOVE = {"rules": [{"kind": "move", "threshold_pct": 0.01, "datasets": ["crypto"]}]}


def crypto_alerts(engine) -> set[str]:
    return {a.key for a in engine.alerts.active() if a.dataset == "crypto"}


def test_the_builder_runs_the_apps_configuration_checks(make_settings):
    settings = make_settings("demo", scenes={"weather": {"title": "Weather"}})
    with pytest.raises(ConfigError, match=r"scenes\.weather: no page module pages/weather\.py"):
        build_engine(settings)


def test_alerts_are_evaluated_after_every_refresh_and_posted_once(make_settings, monkeypatch):
    receiver = WebhookReceiver().start()
    monkeypatch.setenv("WALLBOARD_ALERT_WEBHOOK", receiver.url)
    try:
        engine = build_engine(make_settings("demo", alerts=TINY_MOVE), clock=lambda: T0)
        engine.refresher.refresh("crypto")
        keys = crypto_alerts(engine)
        assert keys, "a 0.01 % move rule holds for the demo's crypto"
        engine.refresher.refresh("crypto")  # the same episode: no second post
        deadline = time.monotonic() + 5
        while not receiver.posts and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        assert len(receiver.posts) == 1
        names = {a.name for a in engine.alerts.active()}
        assert all(receiver.count_for(name) == 1 for name in names), receiver.alert_lines()
        assert crypto_alerts(engine) == keys
    finally:
        receiver.stop()


def test_a_reload_reaches_the_alert_rules(make_settings):
    quiet = make_settings("demo", alerts={"rules": []})
    engine = build_engine(quiet, clock=lambda: T0)
    engine.refresher.refresh("crypto")
    assert crypto_alerts(engine) == set()

    board = Board(quiet, engine.store, engine.refresher, alerts=engine.alerts)
    code, body = reload_settings(board, check_settings, make_settings("demo", alerts=TINY_MOVE))
    assert code == 200 and body["reloaded"] is True
    engine.refresher.refresh("crypto")
    assert crypto_alerts(engine)


def test_everything_is_written_under_the_state_dir(make_settings, tmp_path):
    state = tmp_path / "state"
    settings = make_settings("demo", state_dir=str(state), cache={"dir": None})
    assert Path(settings.cache_dir()) == state / "cache"
    engine = build_engine(settings, clock=lambda: T0)
    engine.refresher.refresh("crypto")
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {"state"}
    assert any((state / "cache").iterdir()), "the cache files"
    assert (state / "snapshots" / "demo" / "crypto.json").exists()
