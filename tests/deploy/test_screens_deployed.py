"""The screens on a deployed fleet: two app instances (gunicorn with deploy/gunicorn.conf.py, the
refresher in its own process) sharing one redis-server, demo edition, and a real Chromium kiosk
served by instance B. An operator's action taken through instance A's API reaches that kiosk;
once the kiosk is gone, the leading refresher finds it dark after `dark_after_s`, raises one
`screen` alert and posts the webhook once. About 30 s."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.support.configs import shipped_config
from tests.support.kiosk import kiosk_browser, page_value
from tests.support.services import AppInstance, RedisServer, wait_until
from tests.support.webhook_receiver import WebhookReceiver

TOKEN = "deployed-admin-token-0123456789"
DARK_AFTER_S = 6
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def config(tmp_path: Path, name: str) -> Path:
    """The shipped demo configuration with quick screens and a short dwell."""
    settings = shipped_config()
    settings.update(edition="demo", state_dir=str(tmp_path / name / "state"))
    settings["cache"].update(dir=str(tmp_path / name / "cache"), redis_retry_s=1)
    settings["refresh"].update(leader_poll_s=0.5, leader_ttl_s=3)
    settings["screens"] = {"dark_after_s": DARK_AFTER_S, "report_every_s": 2}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def fleet(tmp_path, receiver) -> Iterator[list[AppInstance]]:
    redis_server = RedisServer(tmp_path / "redis").start()
    env = {
        "REDIS_URL": redis_server.url,
        "WALLBOARD_ADMIN_TOKEN": TOKEN,
        "WALLBOARD_ALERT_WEBHOOK": receiver.url,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    apps = [
        AppInstance(name, config(tmp_path, name), tmp_path / name, workers=2, env=env).start()
        for name in ("a", "b")
    ]
    try:
        for app in apps:
            app.wait_healthy()
        yield apps
    finally:
        for app in apps:
            app.stop()
        redis_server.stop()


def listed(app: AppInstance) -> dict[str, dict]:
    answer = requests.get(f"{app.url}/api/screens", headers=AUTH, timeout=5)
    answer.raise_for_status()
    return {row["label"]: row for row in answer.json()["screens"]}


def dark_posts(receiver: WebhookReceiver) -> int:
    """How many posted alert lines say wall-b went dark."""
    return sum("Screen wall-b is dark" in line for line in receiver.alert_lines())


def test_an_action_through_a_reaches_a_kiosk_on_b_and_a_dead_kiosk_goes_dark_once(fleet, receiver):
    a, b = fleet
    driver = kiosk_browser()
    try:
        driver.get(f"{b.url}/overview?kiosk=1&screen=wall-b")
        assert wait_until(lambda: "wall-b" in listed(a), 15), a.log_tail()  # via Redis
        row = listed(a)["wall-b"]
        assert row["kiosk"] is True and row["state"] == "live"
        assert row["scene"].startswith("/")

        sent = requests.post(
            f"{a.url}/api/broadcast",
            json={"text": "Fleet drill at 11:00", "ttl_s": 30, "severity": "warning"},
            headers=AUTH,
            timeout=5,
        )
        assert sent.status_code == 200, sent.text
        shown_text = "document.getElementById('wb-broadcast').textContent"
        started = time.monotonic()
        assert wait_until(
            lambda: "Fleet drill at 11:00" in (page_value(driver, shown_text) or ""), 5
        )
        assert time.monotonic() - started < 2.5, "the broadcast took more than 2 s to show"
        audit = requests.get(f"{b.url}/api/audit", headers=AUTH, timeout=5).json()
        assert audit["audit"][0]["action"] == "broadcast"  # one log for the fleet
    finally:
        driver.quit()

    gone_at = time.monotonic()
    assert wait_until(lambda: listed(a)["wall-b"]["state"] == "dark", DARK_AFTER_S + 10)
    assert time.monotonic() - gone_at >= DARK_AFTER_S - 2.5  # not before its time (one report)

    def screen_alerts() -> list[dict]:
        return requests.get(f"{b.url}/api/status", timeout=5).json()["screen_alerts"]

    assert wait_until(lambda: screen_alerts(), 10), a.log_tail()
    (alert,) = screen_alerts()
    assert alert["kind"] == "screen" and alert["name"] == "wall-b"
    assert wait_until(lambda: dark_posts(receiver) >= 1, 10)
    time.sleep(3)  # more looks of the watch, on both hosts: still one alert, one post
    assert len(screen_alerts()) == 1
    assert dark_posts(receiver) == 1, receiver.alert_lines()
    summary = requests.get(f"{a.url}/api/status", timeout=5).json()["screens"]
    assert summary["dark"][0]["label"] == "wall-b" and summary["live"] == 0
