"""web/screens_api.py: the screens' beat (no token; 200 with the control, 204 once applied;
400/413/415 for what it cannot use) and the operators' JSON API with Bearer tokens (effects
seen in board.control and its audit; 401/403/400 refusals), and no token or secret key in any
answer, log line, /api/status or the audit."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from app import create_app
from config import ADMIN_ENV, Settings, load_settings
from engine.release import release_id
from web.admin_console import register_admin_console
from web.auth import SECRET_KEY_ENV, VIEWER_ENV, gate_of
from web.screens_api import MAX_BEAT_BYTES, register_screens_api

ADMIN = "admin-token-screens-api-5f1c9a"
VIEWER = "viewer-token-screens-api-77b2"
SECRET = "secret-key-screens-api-0d3e41"
BEAT = "/api/screens/beat"
XSS = "<script>alert(1)</script><b>x</b>"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("screens-api")
    raw = load_settings(env={"WALLBOARD_EDITION": "demo"}).model_dump()
    raw["state_dir"] = str(workdir / "state")
    raw["cache"]["dir"] = str(workdir / "cache")
    app = create_app(Settings.model_validate(raw), start_refresher=False)
    board = app.server.extensions["wallboard"]
    # Until web/endpoints.py registers them itself (Flask refuses a route registered twice).
    if "screens_beat" not in app.server.view_functions:
        register_screens_api(app.server, board)
    if "admin_console.home" not in app.server.view_functions:
        register_admin_console(app.server, board)
    return app


@pytest.fixture
def board(app):
    return app.server.extensions["wallboard"]


@pytest.fixture
def http(app, monkeypatch):
    monkeypatch.setenv(ADMIN_ENV, ADMIN)
    monkeypatch.setenv(VIEWER_ENV, VIEWER)
    monkeypatch.setenv(SECRET_KEY_ENV, SECRET)
    gate_of(app.server, None).limiter._times.clear()  # each test starts with a fresh minute
    return app.server.test_client()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def report(name: str | None = "wall-a", scene: str = "/overview", **changes) -> dict:
    """A screen's full report as the page sends it."""
    return {
        "name": name,
        "kiosk": True,
        "scene": scene,
        "release": release_id(),
        "loaded_at": "2026-12-05T10:00:00Z",
        "viewport": "1920x1080",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131",
        "errors": 0,
        "last_error": None,
        "offline_episodes": 0,
        **changes,
    }


def beat(http, screen_id: str, *, seen: str = "", **report_fields):
    """A first beat (with a report) for the screen; its answer."""
    body = {"id": screen_id, "seen": seen, "report": report(**report_fields)}
    return http.post(BEAT, json=body)


def control_of(http, screen_id: str) -> dict:
    """The control the screen's next beat is answered with (seen "" forces the full answer)."""
    answer = http.post(BEAT, json={"id": screen_id, "seen": ""})
    assert answer.status_code == 200
    return answer.get_json()["control"]


# The beat ---------------------------------------------------------------------------------------


def test_a_beat_gets_the_control_then_204_once_the_screen_has_the_version(http, board):
    first = beat(http, "beat-screen-0001", name="lobby-1", scene="/rates")
    assert first.status_code == 200
    answer = first.get_json()
    config = board.settings.screens
    assert answer["report_every_ms"] == int(config.report_every_s * 1000)
    assert answer["beat_ms"] == config.beat_ms
    assert answer["version"] == board.control.version()
    assert set(answer["control"]) == {"broadcasts", "pin", "scenes", "reload"}
    enabled = [f"/{name}" for name, _ in board.settings.enabled_scenes()]
    assert [s["path"] for s in answer["control"]["scenes"]] == enabled

    again = http.post(BEAT, json={"id": "beat-screen-0001", "seen": answer["version"]})
    assert again.status_code == 204 and again.data == b""
    # A report always gets the full answer (the screen learns the pace from it).
    with_report = beat(http, "beat-screen-0001", seen=answer["version"], name="lobby-1")
    assert with_report.status_code == 200

    row = next(r for r in board.screens.rows() if r["id"] == "beat-screen-0001")
    assert (row["name"], row["scene"], row["state"]) == ("lobby-1", "/overview", "live")
    assert row["address"] == "127.0.0.1"


def test_the_address_is_the_one_nginx_saw_only_behind_a_trusted_proxy(http, board):
    body = {"id": "beat-proxied-01", "seen": "", "report": report(name="proxied")}
    proxied = {"X-Real-IP": "10.1.2.3", "X-Forwarded-For": "6.6.6.6, 10.1.2.3"}
    assert http.post(BEAT, json=body, headers=proxied).status_code == 200
    rows = {r["id"]: r for r in board.screens.rows()}
    assert rows["beat-proxied-01"]["address"] == "10.1.2.3"

    body["id"] = "beat-direct-01"
    outside = {"REMOTE_ADDR": "192.0.2.7"}
    answer = http.post(BEAT, json=body, headers=proxied, environ_base=outside)
    assert answer.status_code == 200
    rows = {r["id"]: r for r in board.screens.rows()}
    assert rows["beat-direct-01"]["address"] == "192.0.2.7"  # the headers are not believed


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"id": "bad id!", "seen": ""}, "screen id"),
        ({"id": "x" * 65, "seen": ""}, "screen id"),
        ({"id": 12345, "seen": ""}, "'id' must be a string"),
        ({"seen": ""}, "'id' is required"),
        ({"id": "ok-screen-1", "seen": "", "extra": 1}, "unknown key 'extra'"),
        ({"id": "ok-screen-1", "seen": "", "report": "text"}, "'report' must be"),
        ({"id": "ok-screen-1", "seen": "", "report": {**report(), "scene": "rates"}}, "scene"),
        ({"id": "ok-screen-1", "seen": "", "report": {**report(), "kiosk": "maybe"}}, "kiosk"),
        ({"id": "ok-screen-1", "seen": "", "report": {**report(), "errors": -1}}, "errors"),
        ({"id": "ok-screen-1", "seen": "", "report": {**report(), "spy": 1}}, "spy"),
        ({"id": "ok-screen-1", "seen": "", "report": {**report(), "name": XSS}}, "name"),
        ({"id": "ok-screen-1", "seen": 7}, "'seen' must be a string"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_beat_the_registry_cannot_use_is_a_400_with_the_reason(http, board, body, reason):
    answer = http.post(BEAT, json=body)
    assert answer.status_code == 400
    assert answer.mimetype == "application/json"
    assert reason in answer.get_json()["error"]
    assert "<script" not in answer.get_data(as_text=True)  # the reason never echoes markup
    assert "ok-screen-1" not in {r["id"] for r in board.screens.rows()}


def test_a_beat_that_is_not_json_is_a_415_and_a_big_one_a_413(http):
    text = http.post(BEAT, data='{"id": "abc"}', content_type="text/plain")
    assert text.status_code == 415
    form = http.post(BEAT, data={"id": "abc"})
    assert form.status_code == 415
    broken = http.post(BEAT, data="{", content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["error"] == "the body is not JSON"
    big = {"id": "big-screen-01", "seen": "", "report": report(user_agent="x" * MAX_BEAT_BYTES)}
    assert http.post(BEAT, json=big).status_code == 413


def test_free_text_from_a_screen_is_stored_as_text_and_answered_as_json(http):
    answer = beat(http, "xss-screen-0001", name="xss-wall", last_error=XSS, errors=1)
    assert answer.status_code == 200
    listed = http.get("/api/screens", headers=auth(VIEWER))
    assert listed.mimetype == "application/json"
    row = next(r for r in listed.get_json()["screens"] if r["id"] == "xss-screen-0001")
    assert row["last_error"] == XSS
    assert "1 console error since load" in row["problems"]


def test_the_beat_needs_no_token_even_when_none_is_configured(http, monkeypatch):
    monkeypatch.delenv(ADMIN_ENV)
    monkeypatch.delenv(VIEWER_ENV)
    assert beat(http, "tokenless-0001", name="tokenless").status_code == 200
    refused = http.get("/api/screens")
    assert refused.status_code == 404
    assert "set WALLBOARD_ADMIN_TOKEN" in refused.get_json()["error"]
    assert http.post("/api/pin", json={"scene": "rates", "minutes": 1}).status_code == 404


# Who may -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/screens", None),
        ("get", "/api/audit", None),
        ("post", "/api/broadcast", {"text": "hi", "ttl_s": 60}),
        ("delete", "/api/broadcast", None),
        ("post", "/api/pin", {"scene": "rates", "minutes": 1}),
        ("delete", "/api/pin", None),
        ("post", "/api/screens/reload", {}),
        ("post", "/api/skip", {"scene": "rates", "minutes": 1}),
        ("delete", "/api/skip", {"scene": "rates"}),
        ("post", "/api/scenes/fx", {"dwell_s": 9}),
        ("post", "/api/refresh/fx", None),
    ],
)
def test_no_token_or_a_wrong_one_is_a_401_asking_for_a_bearer_token(http, method, path, body):
    for headers in ({}, auth("wrong-token"), {"Authorization": ADMIN}, auth("")):
        answer = getattr(http, method)(path, json=body, headers=headers)
        assert answer.status_code == 401, (path, headers)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert "token" in answer.get_json()["error"]


def test_the_viewer_reads_but_every_action_is_a_403(http, board):
    assert http.get("/api/screens", headers=auth(VIEWER)).status_code == 200
    assert http.get("/api/audit", headers=auth(VIEWER)).status_code == 200
    before = board.control.audit()
    actions = [
        ("post", "/api/broadcast", {"text": "hi", "ttl_s": 60}),
        ("delete", "/api/broadcast", None),
        ("post", "/api/pin", {"scene": "rates", "minutes": 1}),
        ("delete", "/api/pin", None),
        ("post", "/api/screens/reload", {}),
        ("post", "/api/skip", {"scene": "rates", "minutes": 1}),
        ("delete", "/api/skip", {"scene": "rates"}),
        ("post", "/api/scenes/fx", {"dwell_s": 9}),
        ("post", "/api/refresh/fx", None),
    ]
    for method, path, body in actions:
        answer = getattr(http, method)(path, json=body, headers=auth(VIEWER))
        assert answer.status_code == 403, path
        assert "read-only" in answer.get_json()["error"]
    assert board.control.audit() == before  # nothing was done


# What they do ------------------------------------------------------------------------------------


def test_a_broadcast_reaches_every_screen_as_text_and_is_cleared(http, board):
    beat(http, "bcast-screen-01", name="bcast-a")
    body = {"text": XSS, "ttl_s": 120, "severity": "warning"}
    answer = http.post("/api/broadcast", json=body, headers=auth(ADMIN))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["ok"] is True
    shown = control_of(http, "bcast-screen-01")["broadcasts"]
    assert [(b["text"], b["severity"]) for b in shown] == [(XSS, "warning")]
    assert 110_000 < shown[0]["remaining_ms"] <= 120_000
    assert board.control.audit(1)[0]["action"] == "broadcast"
    assert board.control.audit(1)[0]["role"] == "admin"

    cleared = http.delete("/api/broadcast", headers=auth(ADMIN))
    assert cleared.status_code == 200
    assert control_of(http, "bcast-screen-01")["broadcasts"] == []


def test_a_targeted_pin_reaches_only_its_screen(http, board):
    beat(http, "pin-screen-a-01", name="wall-a")
    beat(http, "pin-screen-b-01", name="wall-b")
    body = {"scene": "rates", "minutes": 10, "screens": ["wall-b"]}
    assert http.post("/api/pin", json=body, headers=auth(ADMIN)).status_code == 200
    pinned = control_of(http, "pin-screen-b-01")["pin"]
    assert (pinned["scene"], pinned["path"]) == ("rates", "/rates")
    assert 590_000 < pinned["remaining_ms"] <= 600_000
    assert control_of(http, "pin-screen-a-01")["pin"] is None
    assert board.control.for_screen("pin-screen-a-01", "wall-a")["pin"] is None
    entry = board.control.audit(1)[0]
    assert (entry["action"], entry["targets"]) == ("pin", "wall-b")

    assert http.delete("/api/pin", headers=auth(ADMIN)).status_code == 200
    assert control_of(http, "pin-screen-b-01")["pin"] is None


def test_reload_skip_scene_changes_and_refresh_act_and_are_audited(http, board):
    beat(http, "misc-screen-001", name="misc-a")
    before = control_of(http, "misc-screen-001")["reload"]
    assert http.post("/api/screens/reload", json={}, headers=auth(ADMIN)).status_code == 200
    after = control_of(http, "misc-screen-001")["reload"]
    assert after is not None and after != before

    tomorrow = board.clock() + timedelta(days=1)
    skip = {"scene": "fx", "until": tomorrow.isoformat()}
    assert http.post("/api/skip", json=skip, headers=auth(ADMIN)).status_code == 200
    names = [s["name"] for s in control_of(http, "misc-screen-001")["scenes"]]
    assert "fx" not in names and "overview" in names
    assert http.delete("/api/skip", json={"scene": "fx"}, headers=auth(ADMIN)).status_code == 200
    names = [s["name"] for s in control_of(http, "misc-screen-001")["scenes"]]
    assert "fx" in names

    changed = http.post("/api/scenes/fx", json={"dwell_s": 7}, headers=auth(ADMIN))
    assert changed.status_code == 200, changed.get_json()
    fx = next(s for s in control_of(http, "misc-screen-001")["scenes"] if s["name"] == "fx")
    assert fx["dwell_ms"] == 7000

    refreshed = http.post("/api/refresh/fx", headers=auth(ADMIN))
    assert refreshed.status_code == 200, refreshed.get_json()
    actions = [e["action"] for e in board.control.audit(5)]
    assert actions[:5] == ["refresh", "scene", "unskip", "skip", "reload"]

    audit = http.get("/api/audit?limit=5", headers=auth(VIEWER)).get_json()["audit"]
    assert [e["action"] for e in audit] == actions[:5]
    assert all(e["role"] == "admin" for e in audit)


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        ("/api/broadcast", "not json", "not JSON"),
        ("/api/broadcast", ["text"], "JSON object"),
        ("/api/broadcast", {"text": "hi"}, "'ttl_s' is required"),
        ("/api/broadcast", {"text": "hi", "ttl_s": "60"}, "'ttl_s' must be a number"),
        ("/api/broadcast", {"text": "hi", "ttl_s": True}, "'ttl_s' must be a number"),
        ("/api/broadcast", {"text": 5, "ttl_s": 60}, "'text' must be a string"),
        ("/api/broadcast", {"text": "hi", "ttl_s": 60, "html": 1}, "unknown key 'html'"),
        ("/api/broadcast", {"text": "hi", "ttl_s": 60, "screens": "wall-a"}, "'screens'"),
        ("/api/broadcast", {"text": "hi", "ttl_s": 60, "screens": [1]}, "'screens'"),
        ("/api/broadcast", {"text": "x" * 281, "ttl_s": 60}, "280"),
        ("/api/broadcast", {"text": "hi", "ttl_s": -5}, "ttl"),
        ("/api/broadcast", {"text": "hi", "ttl_s": 60, "severity": "boom"}, "severity"),
        ("/api/pin", {"scene": "rates"}, "'minutes' is required"),
        ("/api/pin", {"scene": "no-such-scene", "minutes": 5}, "scene"),
        ("/api/skip", {"scene": "rates"}, "either 'minutes' or 'until'"),
        ("/api/skip", {"scene": "rates", "minutes": 1, "until": "2026-12-08T00:00Z"}, "either"),
        ("/api/skip", {"scene": "rates", "until": "tomorrow"}, "ISO time"),
        ("/api/skip", {"scene": "rates", "until": "2026-12-08T00:00"}, "offset"),
        ("/api/scenes/fx", {"order": 1.5}, "'order' must be a number"),
    ],
)
def test_a_bad_action_body_is_a_400_with_the_reason(http, board, path, body, reason):
    before = board.control.audit()
    if isinstance(body, str):
        answer = http.post(path, data=body, content_type="application/json", headers=auth(ADMIN))
    else:
        answer = http.post(path, json=body, headers=auth(ADMIN))
    assert answer.status_code == 400, answer.get_json()
    assert reason in answer.get_json()["error"]
    assert board.control.audit() == before


def test_an_action_body_in_another_type_is_a_415(http):
    answer = http.post(
        "/api/broadcast", data="text=hi&ttl_s=60", content_type="text/plain", headers=auth(ADMIN)
    )
    assert answer.status_code == 415


def test_screens_lists_rows_and_the_summary(http, board):
    beat(http, "list-screen-001", name="listed-a", scene="/fx")
    listed = http.get("/api/screens", headers=auth(ADMIN)).get_json()
    row = next(r for r in listed["screens"] if r["id"] == "list-screen-001")
    assert (row["label"], row["scene"], row["release_current"]) == ("listed-a", "/fx", True)
    assert listed["summary"]["total"] == len(listed["screens"])
    assert listed["summary"]["live"] == sum(r["state"] == "live" for r in listed["screens"])


def test_no_token_or_secret_key_appears_in_answers_logs_status_or_audit(http, caplog):
    caplog.set_level(logging.DEBUG)
    answers = [
        http.get("/api/screens", headers=auth(ADMIN)),
        http.get("/api/screens", headers=auth(ADMIN + "x")),
        http.post("/api/broadcast", json={"text": "leak?", "ttl_s": 5}, headers=auth(ADMIN)),
        http.post("/api/pin", json={"scene": "rates", "minutes": 1}, headers=auth(VIEWER)),
        http.get("/admin"),
        http.get("/api/status"),
        http.get("/api/audit", headers=auth(ADMIN)),
        http.get("/metrics"),
    ]
    secrets = (ADMIN, VIEWER, SECRET)
    for answer in answers:
        text = answer.get_data(as_text=True) + str(answer.headers)
        for secret in secrets:
            assert secret not in text, (answer.request.path, answer.status_code)
    for secret in secrets:
        assert secret not in caplog.text
    assert answers[-3].status_code == 200 and answers[-2].status_code == 200
