"""A forced spike in the demo edition raises a banner on every scene within one refresh, with its
data's source and time, and the banner clears by itself once the move is gone and the cooldown
has passed."""

from __future__ import annotations

import time

import pytest
import requests

from app import create_app
from config.schema import AlertRule

pytestmark = pytest.mark.browser
TOKEN = "e2e-admin-token-0123456789"


def test_spike_raises_a_banner_then_it_clears_after_cooldown(dash_duo, make_settings, monkeypatch):
    monkeypatch.setenv("WALLBOARD_ADMIN_TOKEN", TOKEN)
    settings = make_settings("demo")
    alerts = settings.alerts.model_copy(
        update={
            "cooldown_s": 15,  # longer than a banner tick (10 s), as in real use (300 s)
            "rules": [AlertRule(kind="move", threshold_pct=10, datasets=["crypto"])],
        }
    )
    app = create_app(settings.model_copy(update={"alerts": alerts}), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in settings.datasets:
        board.refresher.refresh(name)
    dash_duo.start_server(app)
    dash_duo.driver.get(f"{dash_duo.server_url}/fx?kiosk=1")
    dash_duo.wait_for_element('[data-scene="fx"]', timeout=10)
    assert not dash_duo.find_elements("#wb-alerts .wb-alert")

    answer = requests.post(
        f"{dash_duo.server_url}/admin/demo/spike",
        json={"dataset": "crypto", "instrument": "btc", "pct": 25},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    started = time.monotonic()
    dash_duo.wait_for_contains_text("#wb-alerts", "Bitcoin", timeout=15)
    assert time.monotonic() - started < 15  # one banner tick (10 s) after the refresh
    banner = dash_duo.find_element("#wb-alerts").text
    assert "▲" in banner and "10" in banner, banner  # the move and the limit it broke
    assert " · demo · as of " in banner, banner  # its data's source and time, next to it
    assert requests.get(f"{dash_duo.server_url}/api/status", timeout=5).json()["alerts"]

    board.refresher.refresh("crypto")  # the next refresh: back on the path, no spike
    assert dash_duo.find_elements("#wb-alerts .wb-alert")  # shown through the cooldown
    deadline = time.monotonic() + 30  # cooldown (15 s) + a banner tick (10 s)
    while dash_duo.find_elements("#wb-alerts .wb-alert") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not dash_duo.find_elements("#wb-alerts .wb-alert")
    assert dash_duo.get_logs() == []
