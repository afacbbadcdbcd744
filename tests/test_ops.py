"""Operations: /metrics parses as Prometheus text, admin endpoints need the token, logs are
JSON lines with secrets redacted."""

from __future__ import annotations

import io
import json
import logging

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from tests.support.configs import shipped_config
from tests.support.services import wait_until
from web.logs import RedactingFilter, configure_json_logging, redact

TOKEN = "s3cret-admin-token-0123456789"


@pytest.fixture
def demo(make_settings):
    app = create_app(make_settings("demo"), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in ("crypto", "fx"):
        board.refresher.refresh(name)
    return app


def families(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}


def test_metrics_scrape_cleanly_with_board_and_process_figures(demo):
    client = demo.server.test_client()
    client.get("/api/status")
    found = families(client)
    age = {s.labels["dataset"]: s.value for s in found["wallboard_data_age_seconds"].samples}
    assert set(age) == {"crypto", "fx"}  # only datasets holding data have an age
    status = [
        s
        for s in found["wallboard_dataset_status"].samples
        if s.labels["dataset"] == "crypto" and s.value == 1
    ]
    assert [s.labels["status"] for s in status] in (["ok"], ["closed"])
    refreshes = {s.labels["dataset"]: s.value for s in found["wallboard_dataset_refreshes"].samples}
    assert refreshes["crypto"] == 1 and refreshes["rates"] == 0
    routes = {s.labels["route"] for s in found["wallboard_http_request_seconds"].samples}
    assert "/api/status" in routes
    fetches = [
        s
        for s in found["wallboard_provider_fetches"].samples
        if s.name.endswith("_total") and s.labels["dataset"] == "crypto"
    ]
    assert any(s.labels["outcome"] == "ok" and s.value >= 1 for s in fetches)
    reads = {s.labels["result"] for s in found["wallboard_cache_reads"].samples}
    assert reads >= {"hit", "miss"}
    assert "wallboard_alerts_active" in found and "wallboard_screens_connected" in found


def test_the_leaders_streams_are_scraped_from_every_worker(demo):
    """What the stream hub wrote to the cache (the demo stream, run here for a moment) is on
    /metrics and /api/status: per stream its state and counters with the leader holding it,
    and the tick-to-cache histogram per dataset."""
    board = demo.server.extensions["wallboard"]
    hub = board.refresher.live
    hub.start()
    try:
        wait_until(lambda: (board.store.read_streams() or {}).get("tick_to_cache"), 10, 0.05)
    finally:
        hub.stop()
    client = demo.server.test_client()
    found = families(client)
    state = [s for s in found["wallboard_stream_state"].samples if s.value == 1]
    assert [(s.labels["stream"], s.labels["leader"]) for s in state] == [
        ("demo", board.refresher.identity)
    ]
    latency = found["wallboard_stream_tick_to_cache_seconds"].samples
    count = next(
        s for s in latency if s.name.endswith("_count") and s.labels["dataset"] == "crypto"
    )
    assert count.value >= 1
    infinite = next(
        s for s in latency if s.labels.get("le") == "+Inf" and s.labels["dataset"] == "crypto"
    )
    assert infinite.value == count.value
    said = client.get("/api/status").get_json()["streams"]
    assert said["leader"] == board.refresher.identity
    assert set(said["streams"]["demo"]) >= {
        "state", "since", "messages_per_s", "last_tick_age_s", "reconnects", "dropped",
        "quarantined", "garbage",
    }  # fmt: skip


def test_admin_endpoints_are_disabled_without_a_token(demo, monkeypatch):
    monkeypatch.delenv("WALLBOARD_ADMIN_TOKEN", raising=False)
    response = demo.server.test_client().post("/admin/refresh/crypto")
    assert response.status_code == 404
    assert "disabled" in response.get_json()["error"]


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_admin_endpoints_refuse_a_missing_or_wrong_token(demo, monkeypatch, header):
    monkeypatch.setenv("WALLBOARD_ADMIN_TOKEN", TOKEN)
    headers = {"Authorization": header} if header else {}
    client = demo.server.test_client()
    for path in ("/admin/refresh/crypto", "/admin/reload", "/admin/demo/spike"):
        response = client.post(path, headers=headers)
        assert response.status_code == 401, path
        assert TOKEN not in response.get_data(as_text=True)


def test_forced_refresh_with_the_token(demo, monkeypatch):
    monkeypatch.setenv("WALLBOARD_ADMIN_TOKEN", TOKEN)
    board = demo.server.extensions["wallboard"]
    before = board.snapshot("crypto").fetch_count
    response = demo.server.test_client().post(
        "/admin/refresh/crypto", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200
    assert response.get_json()["fetch_count"] == before + 1
    missing = demo.server.test_client().post(
        "/admin/refresh/nope", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert missing.status_code == 404


def test_a_bad_reload_keeps_the_running_config_and_says_why(demo, monkeypatch, tmp_path):
    monkeypatch.setenv("WALLBOARD_ADMIN_TOKEN", TOKEN)
    board = demo.server.extensions["wallboard"]
    running = board.settings
    config = shipped_config()
    config["datasets"]["crypto"]["refresh_s"] = -1
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("WALLBOARD_CONFIG", str(bad))
    monkeypatch.setenv("WALLBOARD_EDITION", "demo")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    response = demo.server.test_client().post("/admin/reload", headers=auth)
    assert response.status_code == 400
    assert "datasets.crypto.refresh_s" in response.get_json()["error"]
    assert board.settings is running

    config["datasets"]["crypto"]["refresh_s"] = 20
    config["state_dir"] = running.state_dir
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("WALLBOARD_CONFIG", str(good))
    response = demo.server.test_client().post("/admin/reload", headers=auth)
    assert response.status_code == 200, response.get_json()
    assert board.settings.datasets["crypto"].refresh_s == 20
    assert board.refresher.settings is board.settings


def test_a_reload_that_enables_disables_or_reorders_scenes_applies_live(
    demo, monkeypatch, tmp_path
):
    monkeypatch.setenv("WALLBOARD_ADMIN_TOKEN", TOKEN)
    board = demo.server.extensions["wallboard"]
    running = board.settings
    client = demo.server.test_client()
    beat = {"id": "ops-test-screen-01", "seen": ""}
    before = client.post("/api/screens/beat", json=beat).get_json()["control"]["scenes"]
    assert "news" in [s["name"] for s in before] and client.get("/news").status_code == 200

    config = shipped_config()
    config["state_dir"] = running.state_dir
    config["scenes"]["news"]["enabled"] = False
    config["scenes"]["rates"]["order"] = -5
    config["scenes"]["rates"]["dwell_s"] = 7
    changed = tmp_path / "scenes.yaml"
    changed.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("WALLBOARD_CONFIG", str(changed))
    monkeypatch.setenv("WALLBOARD_EDITION", "demo")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        response = client.post("/admin/reload", headers=auth)
        assert response.status_code == 200, response.get_json()
        assert client.get("/news").status_code == 404  # no longer served
        # a running screen gets the new rotation at its next beat: no restart, no reload
        after = client.post("/api/screens/beat", json=beat).get_json()["control"]["scenes"]
        assert "news" not in [s["name"] for s in after]
        assert (after[0]["name"], after[0]["dwell_ms"]) == ("rates", 7000)
        config["scenes"]["news"]["enabled"] = True
        changed.write_text(yaml.safe_dump(config))
        assert client.post("/admin/reload", headers=auth).status_code == 200
        assert client.get("/news").status_code == 200  # enabled again, live
    finally:
        board.settings = running
        board.refresher.settings = running


def test_logs_are_json_lines_with_secrets_redacted():
    stream = io.StringIO()
    configure_json_logging(["FREDKEY1234567890"])
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)
    log = logging.getLogger("wallboard.test")
    log.warning("fetch %s failed", "https://x/fred?api_key=FREDKEY1234567890&series_id=DFF")
    try:
        raise ValueError("token=abcdef123456 rejected")
    except ValueError:
        log.exception("boom with apikey=zzz999")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["level"] for line in lines] == ["WARNING", "ERROR"]
    assert lines[0]["logger"] == "wallboard.test" and "time" in lines[0]
    text = stream.getvalue()
    assert "FREDKEY1234567890" not in text and "abcdef123456" not in text and "zzz999" not in text
    assert "api_key=***" in lines[0]["message"]
    logging.getLogger().handlers.clear()


def test_redaction_rules():
    assert redact("url?api_key=abc&x=1 token=t0k3n", []) == "url?api_key=***&x=1 token=***"
    assert redact("key sk-live-1234 in text", ["sk-live-1234"]) == "key *** in text"
    assert RedactingFilter(["", "abc"]).secrets == ("abc",)
