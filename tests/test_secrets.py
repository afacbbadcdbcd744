"""No secret leaves the board: fake secrets are planted in a real gunicorn instance (open edition,
fake upstream on loopback whose errors echo the API key), every output is exercised, then every
response body and header, both logs and the state and cache directories are searched for them.

Planted: a FRED key (its API takes the key in the query string and the fake's errors repeat it),
a Stooq key (in the configuration file), the admin and viewer tokens and the console's secret key
(a sign-in, a broadcast and the audit log are exercised), a Redis URL with a password (Redis is
not running, so the cache degrades and says why) and an alert webhook URL.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import requests
import yaml

from tests.support.configs import shipped_config
from tests.support.dashreq import scene_refresh_body
from tests.support.openfake import PROVIDER_ROUTES, serve_everything
from tests.support.services import AppInstance, free_port, wait_until

FRED_KEY = "plantedfredkey5c1e9a7b3d2f4e6a8b"  # FRED keys are 32 lower-case alphanumerics
STOOQ_KEY = "planted-stooq-key-3f9d1c"
ADMIN_TOKEN = "planted-admin-token-8e2a6b4c"
VIEWER_TOKEN = "planted-viewer-token-2c4e6a8b"
SECRET_KEY = "planted-secret-key-9f1d3b5e"
REDIS_PASSWORD = "planted-redis-pw-6d0b2f"
WEBHOOK_SECRET = "planted-webhook-secret-1a7c"
PLANTED = {
    "FRED key": FRED_KEY,
    "Stooq key": STOOQ_KEY,
    "admin token": ADMIN_TOKEN,
    "viewer token": VIEWER_TOKEN,
    "secret key": SECRET_KEY,
    "Redis password": REDIS_PASSWORD,
    "webhook": WEBHOOK_SECRET,
}
FRED_ROUTES = ("/fred/series/observations*", "/fred/release/dates*")


def leaks(outputs: list[tuple[str, str]], secrets: dict[str, str]) -> list[str]:
    """Where each planted value shows up, as "what in where"."""
    return [
        f"{name} in {where}"
        for where, text in outputs
        for name, secret in secrets.items()
        if secret in text
    ]


def fred_error_echoing_the_key() -> bytes:
    """A FRED 400 that repeats the request, key included, as a careless API might."""
    url = f"/fred/series/observations?series_id=DFF&api_key={FRED_KEY}&file_type=json"
    message = f"Bad Request. The value {FRED_KEY} for variable api_key is not registered ({url})"
    return f'{{"error_code": 400, "error_message": "{message}"}}'.encode()


def board_config(tmp_path: Path, upstream_url: str) -> Path:
    """The shipped configuration on the fake upstream only (Yahoo's client would go out to the
    internet, so it is left out of every chain), with the Stooq key in the file."""
    config = shipped_config()
    config.update(edition="open", state_dir=str(tmp_path / "state"))
    config["cache"]["dir"] = str(tmp_path / "cache")
    config["refresh"].update(attempts=1, backoff_s=0, deadline_s=2)
    datasets = config["datasets"]
    del datasets["fed_funds_futures"]  # Yahoo only
    config["scenes"]["rates"]["datasets"].remove("fed_funds_futures")
    for dataset in datasets.values():
        dataset["chains"] = {"open": [p for p in dataset["chains"]["open"] if p != "yahoo"]}
    for instrument in datasets["news"]["instruments"]:
        instrument["symbols"]["rss"] = f"{upstream_url}/feeds/{instrument['id']}.xml"
    config["providers"] = {
        name: {"base_url": upstream_url, "requests_per_second": 50}
        for name in PROVIDER_ROUTES
        if name != "yahoo"
    }
    config["providers"]["stooq"]["api_key"] = STOOQ_KEY
    # Crypto (24/7, recorded in 2021) is stale at once: an alert, so the webhook is called.
    config["alerts"]["rules"].append({"kind": "stale", "max_age_s": 1, "datasets": ["crypto"]})
    path = tmp_path / "wallboard.yaml"
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)  # as an operator keeps a file holding a key
    return path


@pytest.fixture
def board(tmp_path, upstream):
    serve_everything(upstream)
    for route in FRED_ROUTES:
        upstream.route(route, status=400, body=fred_error_echoing_the_key())
    upstream.route("/q/d/l/*", status=401, body=f"bad apikey={STOOQ_KEY}".encode())
    closed = free_port()
    app = AppInstance(
        "planted",
        board_config(tmp_path, upstream.url),
        tmp_path / "app",
        workers=1,
        env={
            "FRED_API_KEY": FRED_KEY,
            "WALLBOARD_ADMIN_TOKEN": ADMIN_TOKEN,
            "WALLBOARD_VIEWER_TOKEN": VIEWER_TOKEN,
            "WALLBOARD_SECRET_KEY": SECRET_KEY,
            "REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:{closed}/0",
            "WALLBOARD_ALERT_WEBHOOK": f"http://127.0.0.1:{closed}/hooks/{WEBHOOK_SECRET}",
        },
    ).start()
    try:
        app.wait_healthy()
        yield app
    finally:
        app.stop()


def exercise(url: str, settings: dict) -> list[tuple[str, str]]:
    """Every kind of answer the board gives, as (request, headers and body) pairs."""
    outputs: list[tuple[str, str]] = []
    session = requests.Session()

    def send(method: str, path: str, **kwargs) -> requests.Response:
        response = session.request(method, url + path, timeout=15, **kwargs)
        head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        outputs.append((f"{method} {path} ({response.status_code})", f"{head}\n{response.text}"))
        return response

    right = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    wrong = {"Authorization": "Bearer not-the-token"}
    for path in ("/", "/?kiosk=1", "/healthz", "/metrics", "/_dash-layout", "/no-such-scene"):
        send("GET", path)
    for scene in settings["scenes"]:
        send("GET", f"/{scene}")
    for dataset in [*settings["datasets"], "nope"]:
        send("GET", f"/api/latest/{dataset}")
    for headers in ({}, wrong, right):
        assert send("POST", "/admin/refresh/rates", headers=headers).status_code in (200, 401)
        send("POST", "/admin/refresh/policy_rates", headers=headers)
        send("POST", "/admin/refresh/indices", headers=headers)
        send("POST", "/admin/reload", headers=headers)
        send("POST", "/admin/demo/spike", headers=headers, json={"dataset": "fx"})
    send("POST", f"/admin/refresh/calendar?token={ADMIN_TOKEN}")  # a token in the wrong place
    exercise_operators(send, url)
    send("GET", "/api/status")
    dependencies = send("GET", "/_dash-dependencies").json()
    for scene in settings["scenes"]:
        assert send("POST", "/_dash-update-component", json=scene_refresh_body(dependencies, scene))
    send("POST", "/_dash-update-component", data="{not json", headers={"Content-Type": "x"})
    send("POST", "/_dash-update-component", json={"output": "nope.children", "inputs": []})
    return outputs


def exercise_operators(send, url: str) -> None:
    """The screens' beat, the operators' API with each token, and the console's sign-in (the
    session cookie is signed with the secret key), broadcast and audit log."""
    viewer = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    send("POST", "/api/screens/beat", json={"id": "planted-screen-01", "seen": ""})
    for headers in ({}, viewer, admin):
        send("GET", "/api/screens", headers=headers)
        send("POST", "/api/broadcast", headers=headers, json={"text": "Drill", "ttl_s": 60})
    assert send("GET", "/api/audit", headers=viewer).json()["audit"][0]["role"] == "admin"
    origin = {"Origin": url}
    for token in ("wrong", VIEWER_TOKEN, ADMIN_TOKEN):
        page = send("GET", "/admin").text
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        send("POST", "/admin/login", headers=origin, data={"token": token, "csrf_token": csrf})
    home = send("GET", "/admin").text
    csrf = home.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"csrf_token": csrf, "action": "broadcast", "broadcast_text": "Console drill"}
    form |= {"broadcast_ttl_min": "5", "broadcast_severity": "info"}
    send("POST", "/admin/action", headers=origin, data=form)
    assert "Console drill" in send("GET", "/admin").text


def test_planted_secrets_appear_in_no_response_log_or_file(board, upstream, tmp_path):
    settings = yaml.safe_load(board.config.read_text())

    def fred_failed() -> bool:
        status = requests.get(f"{board.url}/api/status", timeout=5).json()["datasets"]
        return all(status[d]["attempted_at"] for d in ("policy_rates", "indices", "calendar"))

    assert wait_until(fred_failed, 60, 0.5), board.log_tail()
    outputs = exercise(board.url, settings)
    assert wait_until(lambda: "alert webhook failed" in board.log_tail(100_000), 15)
    board.stop()

    # The planted values were really used: FRED and Stooq got their keys, admin calls passed,
    # the cache ran degraded, the webhook was tried, and FRED's echoing error reached the
    # board (redacted).
    asked = " ".join(upstream.query_hits)
    assert f"api_key={FRED_KEY}" in asked and f"apikey={STOOQ_KEY}" in asked
    texts = dict(outputs)
    assert any(w.startswith("POST /admin/refresh/rates (200)") for w in texts)
    status = next(text for where, text in outputs if where.startswith("GET /api/status"))
    assert '"degraded"' in status and "is not registered" in status
    assert leaks([("control", f"x{ADMIN_TOKEN}x")], PLANTED) == ["admin token in control"]

    outputs += [
        ("access log", board.access_log.read_text(errors="replace")),
        ("error log", board.error_log.read_text(errors="replace")),
    ]
    assert "Redis unavailable" in outputs[-1][1]
    source = board.config
    for root in (tmp_path / "state", tmp_path / "cache"):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            text = path.read_bytes().decode("utf-8", errors="replace")
            if path.name == "refresher-config.yaml":
                # The refresher's copy of the configuration file holds the Stooq key, as the
                # file does: it must be as private as the file.
                assert text == source.read_text()
                assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(source.stat().st_mode)
                text = text.replace(STOOQ_KEY, "")
            outputs.append((str(path.relative_to(tmp_path)), text))
    assert any("snapshots" in where for where, _ in outputs)  # the state was really written
    assert leaks(outputs, PLANTED) == []
    assert os.environ.get("WALLBOARD_ADMIN_TOKEN") != ADMIN_TOKEN  # planted in the child only
