"""web/auth.py: tokens compared in constant time and never empty, roles, the console's session
cookie (HttpOnly, SameSite=Strict, /admin only, Secure over https), CSRF and origin checks on
every console POST, the viewer's read-only role, and the per-role rate of actions."""

from __future__ import annotations

import base64
import zlib

import pytest

from app import create_app
from config import ADMIN_ENV, Settings, load_settings
from web.admin_console import register_admin_console
from web.auth import (
    ADMIN,
    SECRET_KEY_ENV,
    SESSION_COOKIE,
    VIEWER,
    VIEWER_ENV,
    ActionLimiter,
    actions_per_minute,
    gate_of,
    role_of_request,
    role_of_token,
    sign_in,
)
from web.screens_api import register_screens_api

ADMIN_TOKEN = "admin-token-auth-tests-93ac1e"
VIEWER_TOKEN = "viewer-token-auth-tests-1b7f"
SECRET = "secret-key-auth-tests-c0ffee"
HOST = "http://localhost"
SAME_ORIGIN = {"Origin": HOST}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("auth")
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
def http(app, monkeypatch):
    monkeypatch.setenv(ADMIN_ENV, ADMIN_TOKEN)
    monkeypatch.setenv(VIEWER_ENV, VIEWER_TOKEN)
    monkeypatch.setenv(SECRET_KEY_ENV, SECRET)
    gate_of(app.server, None).limiter._times.clear()
    return app.server.test_client()


def csrf_of(http) -> str:
    """The CSRF token of the client's session, as the console's forms carry it."""
    page = http.get("/admin").get_data(as_text=True)
    marker = 'name="csrf_token" value="'
    return page.split(marker, 1)[1].split('"', 1)[0]


def signed_in(http, token: str = ADMIN_TOKEN):
    """Sign the client in with the token; the sign-in's answer."""
    form = {"token": token, "csrf_token": csrf_of(http)}
    return http.post("/admin/login", data=form, headers=SAME_ORIGIN)


def pin_form(http, **extra) -> dict:
    return {"action": "unpin", "csrf_token": csrf_of(http), **extra}


# Tokens and roles --------------------------------------------------------------------------------


def test_a_token_gives_its_role_and_nothing_else_does():
    env = {ADMIN_ENV: "a-token-0001", VIEWER_ENV: "v-token-0001"}
    assert role_of_token("a-token-0001", env) == ADMIN
    assert role_of_token("v-token-0001", env) == VIEWER
    assert role_of_token("a-token-000", env) is None
    assert role_of_token("a-token-00011", env) is None
    assert role_of_token("", env) is None
    # An empty or unset variable never matches, not even an empty token.
    assert role_of_token("", {ADMIN_ENV: "", VIEWER_ENV: ""}) is None
    assert role_of_token("v-token-0001", {ADMIN_ENV: "a-token-0001"}) is None


def test_a_bearer_header_is_judged_alone_never_falling_back_to_the_session(app, monkeypatch):
    monkeypatch.setenv(ADMIN_ENV, ADMIN_TOKEN)
    monkeypatch.setenv(SECRET_KEY_ENV, SECRET)
    with app.server.test_request_context("/admin", headers={"Authorization": "Bearer nope"}):
        sign_in(ADMIN)
        assert role_of_request() is None
    with app.server.test_request_context("/admin"):
        sign_in(ADMIN)
        assert role_of_request() == ADMIN
    with app.server.test_request_context("/admin", headers={"Authorization": "Basic abc"}):
        assert role_of_request() is None
    with app.server.test_request_context("/", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}):
        assert role_of_request() == ADMIN


# The session cookie ------------------------------------------------------------------------------


def test_the_session_cookie_is_httponly_strict_console_only_and_holds_no_token(http):
    answer = signed_in(http)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/admin")
    cookie = answer.headers["Set-Cookie"]
    parts = [p.strip() for p in cookie.split(";")]
    assert parts[0].startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in parts
    assert "SameSite=Strict" in parts
    assert "Path=/admin" in parts
    assert "Secure" not in parts  # plain http here
    assert any(p.startswith("Expires=") for p in parts)
    value = parts[0].split("=", 1)[1]
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    data = zlib.decompress(raw) if value.startswith(".") else raw
    for secret in (ADMIN_TOKEN, VIEWER_TOKEN, SECRET):
        assert secret.encode() not in data and secret not in cookie
    assert b'"role":"admin"' in data
    # The Dash pages and the API never set a cookie.
    assert "Set-Cookie" not in http.get("/overview").headers
    assert "Set-Cookie" not in http.get("/api/screens", headers=bearer(ADMIN_TOKEN)).headers


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_cookie_is_secure_when_nginx_says_https_and_only_nginx(http):
    form = {"token": ADMIN_TOKEN, "csrf_token": csrf_of(http)}
    https = {**SAME_ORIGIN, "X-Forwarded-Proto": "https"}
    answer = http.post("/admin/login", data=form, headers=https)
    assert "Secure" in [p.strip() for p in answer.headers["Set-Cookie"].split(";")]

    stranger = app_client_from(http, "192.0.2.9")
    form = {"token": ADMIN_TOKEN, "csrf_token": csrf_of(stranger)}
    answer = stranger.post("/admin/login", data=form, headers=https)
    assert answer.status_code == 303
    assert "Secure" not in [p.strip() for p in answer.headers["Set-Cookie"].split(";")]


def app_client_from(http, address: str):
    """A client of the same app whose requests come from another address."""
    client = http.application.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_tampered_cookie_or_a_changed_token_ends_the_session(http, monkeypatch):
    signed_in(http)
    assert http.get("/admin/screens.json").status_code == 200
    cookie = http.get_cookie(SESSION_COOKIE, path="/admin")
    http.set_cookie(SESSION_COOKIE, cookie.value[:-2] + "xx", path="/admin")
    assert http.get("/admin/screens.json").status_code == 401

    signed_in(http)
    assert http.get("/admin/screens.json").status_code == 200
    monkeypatch.setenv(ADMIN_ENV, ADMIN_TOKEN + "-rotated")
    assert http.get("/admin/screens.json").status_code == 401


def test_without_a_secret_key_sign_in_is_disabled_but_the_api_works(http, monkeypatch):
    monkeypatch.delenv(SECRET_KEY_ENV)
    page = http.get("/admin")
    assert page.status_code == 503
    assert "set WALLBOARD_SECRET_KEY" in page.get_data(as_text=True)
    assert 'name="token"' not in page.get_data(as_text=True)
    refused = http.post("/admin/login", data={"token": ADMIN_TOKEN}, headers=SAME_ORIGIN)
    assert refused.status_code == 503 and "Set-Cookie" not in refused.headers
    assert http.get("/api/screens", headers=bearer(VIEWER_TOKEN)).status_code == 200


# CSRF and origin ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "csrf"),
    [
        (SAME_ORIGIN, None),  # no CSRF token
        (SAME_ORIGIN, "wrong-csrf-token"),
        ({"Origin": "https://evil.example.net"}, "good"),
        ({"Origin": "http://localhost.evil.example.net"}, "good"),
        ({"Origin": "null"}, "good"),
        ({"Referer": "https://evil.example.net/admin"}, "good"),
        ({}, "good"),  # neither Origin nor Referer: not provably ours
    ],
)
def test_a_console_post_without_the_csrf_token_or_from_elsewhere_is_a_403(http, app, headers, csrf):
    signed_in(http)
    form = pin_form(http)
    if csrf is None:
        del form["csrf_token"]
    elif csrf != "good":
        form["csrf_token"] = csrf
    before = app.server.extensions["wallboard"].control.audit()
    answer = http.post("/admin/action", data=form, headers=headers)
    assert answer.status_code == 403
    assert answer.mimetype == "text/plain"
    assert app.server.extensions["wallboard"].control.audit() == before
    # The sign-in and sign-out forms are checked the same way.
    login = {"token": ADMIN_TOKEN, "csrf_token": form.get("csrf_token", "")}
    assert http.post("/admin/login", data=login, headers=headers).status_code == 403
    assert http.post("/admin/logout", data=login, headers=headers).status_code == 403


def test_a_same_origin_post_is_accepted_by_referer_or_header_token(http, app):
    signed_in(http)
    form = pin_form(http)
    by_referer = http.post("/admin/action", data=form, headers={"Referer": f"{HOST}/admin"})
    assert by_referer.status_code == 303
    token = form.pop("csrf_token")
    by_header = http.post(
        "/admin/action", data=form, headers={**SAME_ORIGIN, "X-CSRF-Token": token}
    )
    assert by_header.status_code == 303
    # Behind nginx the browser's Origin carries nginx's port, which only X-Forwarded-Host says.
    proxied = {"Origin": "http://wall.example:8080", "X-Forwarded-Host": "wall.example:8080"}
    form["csrf_token"] = token
    assert http.post("/admin/action", data=form, headers=proxied).status_code == 303
    audit = app.server.extensions["wallboard"].control.audit(3)
    assert [e["action"] for e in audit] == ["unpin"] * 3


# Roles and rate ----------------------------------------------------------------------------------


def test_the_viewer_may_read_but_not_act(http, app):
    assert signed_in(http, VIEWER_TOKEN).status_code == 303
    assert http.get("/admin/screens.json").status_code == 200
    before = app.server.extensions["wallboard"].control.audit()
    answer = http.post("/admin/action", data=pin_form(http), headers=SAME_ORIGIN)
    assert answer.status_code == 403
    assert "read-only" in answer.get_data(as_text=True)
    api = http.delete("/api/pin", headers=bearer(VIEWER_TOKEN))
    assert api.status_code == 403
    assert app.server.extensions["wallboard"].control.audit() == before


def test_actions_beyond_the_rate_are_a_429_with_retry_after(http, app, monkeypatch):
    gate = gate_of(app.server, None)
    monkeypatch.setattr(gate.limiter, "per_minute", lambda: 3)
    for _ in range(3):
        assert http.delete("/api/pin", headers=bearer(ADMIN_TOKEN)).status_code == 200
    refused = http.delete("/api/pin", headers=bearer(ADMIN_TOKEN))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "at most 3 a minute" in refused.get_json()["error"]
    # The console's actions count in the same minute for the same role.
    signed_in(http)
    console = http.post("/admin/action", data=pin_form(http), headers=SAME_ORIGIN)
    assert console.status_code == 429 and "Retry-After" in console.headers
    # Reading is not an action.
    assert http.get("/api/screens", headers=bearer(ADMIN_TOKEN)).status_code == 200


def test_the_limit_is_a_sliding_minute_per_role():
    now = [1000.0]
    limiter = ActionLimiter(lambda: 2, clock=lambda: now[0])
    assert limiter.admit(ADMIN) is None
    now[0] += 30
    assert limiter.admit(ADMIN) is None
    assert limiter.admit(ADMIN) == pytest.approx(30.0)  # the first leaves the window in 30 s
    assert limiter.admit("other") is None  # each role has its own minute
    now[0] += 30
    assert limiter.admit(ADMIN) is None  # the first action is a minute old: room for one
    assert limiter.admit(ADMIN) == pytest.approx(30.0)


def test_the_limit_is_the_configured_one(app):
    board = app.server.extensions["wallboard"]
    assert actions_per_minute(board) == board.settings.screens.actions_per_minute == 30
