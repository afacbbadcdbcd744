"""Alerts on a board deployed as the README's Deployment section says: gunicorn with
deploy/gunicorn.conf.py, the refresher in its own process, web workers that only read. A tiny
move rule on the demo's crypto must show in /api/status and in the scene's banner, and reach a
loopback webhook once per (rule, symbol) however many refreshes follow. About 20 s."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
import yaml

from tests.support.configs import shipped_config
from tests.support.services import AppInstance, wait_until
from tests.support.webhook_receiver import WebhookReceiver

WINDOW_S = 8  # the crypto refreshes every second: several refreshes, one episode


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def board(tmp_path, receiver) -> Iterator[AppInstance]:
    config = shipped_config()
    config.update(edition="demo", state_dir=str(tmp_path / "state"))
    config["refresh"]["leader_poll_s"] = 0.5
    config["datasets"]["crypto"].update(refresh_s=1, stale_after_s=10)
    config["alerts"] = {"rules": [{"kind": "move", "threshold_pct": 0.01, "datasets": ["crypto"]}]}
    path = tmp_path / "wallboard.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {"WALLBOARD_ALERT_WEBHOOK": receiver.url, "NO_PROXY": "127.0.0.1,localhost"}
    app = AppInstance("board", path, tmp_path / "board", workers=2, env=env).start()
    app.wait_healthy()
    yield app
    app.stop()


def status(app: AppInstance) -> dict:
    return requests.get(f"{app.url}/api/status", timeout=5).json()


def test_deployed_board_raises_shows_and_posts_each_alert_once(board, receiver):
    assert wait_until(lambda: status(board)["alerts"], 30), board.log_tail()
    fetched = status(board)["datasets"]["crypto"]["fetch_count"]
    time.sleep(WINDOW_S)
    now = status(board)
    assert now["datasets"]["crypto"]["fetch_count"] >= fetched + WINDOW_S // 2, "refreshing"
    alerts = now["alerts"]
    assert alerts and {a["dataset"] for a in alerts} == {"crypto"}
    assert {a["kind"] for a in alerts} == {"move"}

    # The banner every scene carries (the shell's layout, as a screen loads it).
    layout = requests.get(f"{board.url}/_dash-layout", timeout=5).text
    for alert in alerts:
        assert f'"data-alert":"{alert["key"]}"' in layout.replace(": ", ":"), alert
        assert alert["name"] in layout

    # One post per (rule, symbol), from the refresher process, for the whole window.
    assert wait_until(lambda: receiver.posts, 5), board.log_tail()
    counts = {a["name"]: receiver.count_for(a["name"]) for a in alerts}
    assert counts == {a["name"]: 1 for a in alerts}, receiver.alert_lines()
    assert len(receiver.alert_lines()) == len(alerts), receiver.alert_lines()
    assert all(post["text"].startswith("[DEMO] ") for post in receiver.posts)
