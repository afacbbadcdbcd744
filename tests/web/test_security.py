"""web/security.py: security headers on every answer, a CSP that names every inline script
Dash serves, CORS only on /api/* for configured origins, admin endpoints closed to other sites."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from app import create_app
from tests.support.dashreq import CALLBACK, scene_refresh_body, version_of
from web.security import content_security_policy, cors_headers, frame_options, resource_policy

TOKEN = "admin-token-for-security-tests-0123"
SITE = "https://ops.example.com"
OTHER = "https://evil.example.net"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# An inline <script> the browser runs: no src, and no data type such as application/json.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>(.*?)</script>", re.S
)


@pytest.fixture
def make_app(make_settings):
    def make(**security):
        settings = make_settings("demo", security=security) if security else make_settings("demo")
        return create_app(settings, start_refresher=False)

    return make


@pytest.fixture
def client(make_app):
    return make_app(cors_origins=[SITE]).server.test_client()


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parts = [part.split() for part in policy.split(";")]
    return {part[0]: part[1:] for part in parts}


def every_kind_of_answer(client) -> dict[str, object]:
    """One answer of each kind the server gives: page, redirect, API, error, asset, callback."""
    page = client.get("/overview")
    html = page.get_data(as_text=True)
    asset = re.search(r'src="(/assets/[^"]+)"', html).group(1)
    stylesheet = re.search(r'href="(/assets/[^"]+\.css[^"]*)"', html).group(1)
    return {
        "page": page,
        "redirect": client.get("/"),
        "status": client.get("/api/status"),
        "latest": client.get("/api/latest/fx"),
        "unknown dataset": client.get("/api/latest/nope"),
        "unknown scene": client.get("/no-such-scene"),
        "not found": client.get("/_dash-component-suites/nope.js"),
        "healthz": client.get("/healthz"),
        "metrics": client.get("/metrics"),
        "asset": client.get(asset),
        "stylesheet": client.get(stylesheet),
        "layout": client.get("/_dash-layout"),
        "malformed callback": client.post("/_dash-update-component", data="{", headers={}),
        "admin refused": client.post("/admin/reload"),
    }


def test_every_answer_carries_the_security_headers_that_mean_something_on_it(client):
    answers = every_kind_of_answer(client)
    answers.update(ticks(client))
    assert answers["stylesheet"].mimetype == "text/css"
    for kind, response in answers.items():
        headers = response.headers
        for name in SECURITY_HEADERS:
            assert len(headers.getlist(name)) == 1, (kind, name)
        assert headers["X-Content-Type-Options"] == "nosniff", kind
        assert headers["X-Frame-Options"] == "SAMEORIGIN", kind
        assert "frame-ancestors 'self'" in headers["Content-Security-Policy"], kind
        # Documents only: a page (a redirect has an HTML body) and, for the referrer policy
        # its url() fetches follow, a stylesheet. Nothing of it on a tick, the API or scripts.
        page = kind in ("page", "redirect")
        referrer = ["same-origin"] if page or kind == "stylesheet" else []
        assert headers.getlist("Referrer-Policy") == referrer, kind
        assert headers.getlist("Permissions-Policy") == ([PERMISSIONS] if page else []), kind
    assert "Content-Type" not in answers["idle tick"].headers  # a 204: no content, no type
    assert answers["changed tick"].mimetype == "application/json"


def ticks(client) -> dict[str, object]:
    """A scene refresh that finds a new version (200) and one that finds the same (204)."""
    dependencies = client.get("/_dash-dependencies").get_json()
    changed = client.post(CALLBACK, json=scene_refresh_body(dependencies, "overview"))
    shown = version_of(changed.get_json())
    idle = scene_refresh_body(dependencies, "overview", tick=2, shown_version=shown)
    return {"changed tick": changed, "idle tick": client.post(CALLBACK, json=idle)}


def test_the_policy_allows_every_inline_script_of_the_page_by_hash_and_nothing_else(client):
    page = client.get("/overview")
    html = page.get_data(as_text=True)
    scripts = INLINE_SCRIPT.findall(html)
    assert len(scripts) >= 2  # the renderer bootstrap and the pages title callback at least
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    }
    found = directives(page)
    assert set(found["script-src"]) == {"'self'"} | hashes
    assert "'unsafe-inline'" not in found["script-src"]
    assert "'unsafe-eval'" not in found["script-src"]
    assert found["default-src"] == ["'self'"]
    assert found["object-src"] == ["'none'"]
    assert found["base-uri"] == ["'self'"]
    assert found["connect-src"] == ["'self'"]
    assert found["img-src"] == ["'self'", "data:"]  # Bootstrap's CSS icons are data: SVGs
    assert found["frame-ancestors"] == ["'self'"]


def test_frame_ancestors_come_from_the_configuration(make_app):
    denied = make_app(frame_ancestors=["none"]).server.test_client().get("/overview")
    assert directives(denied)["frame-ancestors"] == ["'none'"]
    assert denied.headers["X-Frame-Options"] == "DENY"

    portal = "https://portal.example.com"
    framed = make_app(frame_ancestors=["self", portal]).server.test_client().get("/overview")
    assert directives(framed)["frame-ancestors"] == ["'self'", portal]
    # X-Frame-Options cannot name a site: left out rather than contradict frame-ancestors.
    assert "X-Frame-Options" not in framed.headers


def test_policy_helpers():
    policy = content_security_policy(("'sha256-abc='",), ("self",))
    assert "script-src 'self' 'sha256-abc='" in policy
    assert policy.endswith("frame-ancestors 'self'")
    assert frame_options(["self"]) == "SAMEORIGIN"
    assert frame_options(["none"]) == "DENY"
    assert frame_options(["self", SITE]) is None


def test_api_answers_a_configured_origin_only(client):
    for path in ("/api/status", "/api/latest/fx"):
        allowed = client.get(path, headers={"Origin": SITE})
        assert allowed.status_code == 200
        assert allowed.headers["Access-Control-Allow-Origin"] == SITE
        assert "Origin" in allowed.vary
        assert "Access-Control-Allow-Credentials" not in allowed.headers

        for origin in (OTHER, SITE + ".evil.net", SITE + ":8443", "null", SITE.upper()):
            refused = client.get(path, headers={"Origin": origin})
            assert "Access-Control-Allow-Origin" not in refused.headers, origin
            assert "Origin" in refused.vary  # a shared cache must not mix the two answers
        assert "Access-Control-Allow-Origin" not in client.get(path).headers


def test_api_preflight_is_answered_for_a_configured_origin(client):
    preflight = {"Origin": SITE, "Access-Control-Request-Method": "GET"}
    answer = client.options("/api/latest/fx", headers=preflight)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == SITE
    assert answer.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert int(answer.headers["Access-Control-Max-Age"]) > 0

    refused = client.options("/api/latest/fx", headers={**preflight, "Origin": OTHER})
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Methods" not in refused.headers


def test_callbacks_admin_metrics_and_pages_never_get_cors(client, monkeypatch):
    monkeypatch.setenv("WALLBOARD_ADMIN_TOKEN", TOKEN)
    origin = {"Origin": SITE}
    auth = {**origin, "Authorization": f"Bearer {TOKEN}"}
    answers = {
        "callback": client.post("/_dash-update-component", json={}, headers=origin),
        "admin refused": client.post("/admin/refresh/fx", headers=origin),
        "admin accepted": client.post("/admin/refresh/fx", headers=auth),
        "admin preflight": client.options(
            "/admin/reload", headers={**origin, "Access-Control-Request-Method": "POST"}
        ),
        "callback preflight": client.options(
            "/_dash-update-component",
            headers={**origin, "Access-Control-Request-Method": "POST"},
        ),
        "metrics": client.get("/metrics", headers=origin),
        "healthz": client.get("/healthz", headers=origin),
        "page": client.get("/overview", headers=origin),
    }
    assert answers["admin accepted"].status_code == 200
    for kind, response in answers.items():
        cors = [h for h, _ in response.headers if h.lower().startswith("access-control-")]
        assert cors == [], kind
    assert cors_headers("/admin/reload", "POST", SITE, [SITE]) == {}
    assert cors_headers("/_dash-update-component", "POST", SITE, [SITE]) == {}


def test_a_configuration_reload_changes_cors_without_a_restart(client):
    board = client.application.extensions["wallboard"]
    assert (
        client.get("/api/status", headers={"Origin": OTHER}).headers.get(
            "Access-Control-Allow-Origin"
        )
        is None
    )
    security = board.settings.security.model_copy(update={"cors_origins": [OTHER]})
    board.settings = board.settings.model_copy(update={"security": security})
    answer = client.get("/api/status", headers={"Origin": OTHER})
    assert answer.headers["Access-Control-Allow-Origin"] == OTHER
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/api/status", headers={"Origin": SITE}).headers
    )


@pytest.mark.parametrize(
    ("path", "how"),
    [
        (f"/admin/reload?token={TOKEN}", {}),
        (f"/admin/reload?access_token={TOKEN}", {}),
        (f"/admin/reload?Authorization=Bearer%20{TOKEN}", {}),
        ("/admin/reload", {"data": {"token": TOKEN}}),
        ("/admin/reload", {"headers": {"Cookie": f"token={TOKEN}"}}),
        ("/admin/reload", {"headers": {"Authorization": TOKEN}}),
        ("/admin/reload", {"headers": {"X-Admin-Token": TOKEN}}),
    ],
)
def test_the_admin_token_counts_only_in_the_authorization_header(client, monkeypatch, path, how):
    monkeypatch.setenv("WALLBOARD_ADMIN_TOKEN", TOKEN)
    response = client.post(path, **how)
    assert response.status_code == 401
    assert TOKEN not in response.get_data(as_text=True)


def test_only_pages_get_the_page_policy(client):
    """Callbacks, the API, assets and errors load nothing: a policy that allows nothing, with
    the configured frame ancestors (the page's script hashes were half a tick's headers)."""
    answers = every_kind_of_answer(client)
    answers.update(ticks(client))
    assert answers["idle tick"].status_code == 204
    pages = {"page", "redirect"}  # HTML: werkzeug's redirect has a body
    for kind, answer in answers.items():
        found = directives(answer)
        if kind in pages:
            assert answer.mimetype == "text/html", kind
            assert found["script-src"][0] == "'self'", kind
        else:
            assert found == {"default-src": ["'none'"], "frame-ancestors": ["'self'"]}, kind
    assert resource_policy(("self", SITE)) == f"default-src 'none'; frame-ancestors 'self' {SITE}"
