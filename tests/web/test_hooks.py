"""web/hooks.py: every request hook installed once, in the documented order; so a request an
early hook refuses is still timed for /metrics and still gets the security headers."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from engine.refresher import Refresher
from web.hooks import AFTER_REQUEST, BEFORE_REQUEST

CALLBACK = "/_dash-update-component"


@pytest.fixture
def demo(make_settings):
    return create_app(make_settings("demo"), start_refresher=False)


def run_order(server) -> tuple[list[str], list[str]]:
    """The names of the installed hooks, in the order Flask runs them."""
    before = [hook.__name__ for hook in server.before_request_funcs.get(None, [])]
    after = [hook.__name__ for hook in reversed(server.after_request_funcs.get(None, []))]
    return before, after


def test_the_documented_order():
    assert BEFORE_REQUEST == (
        "start_timer",
        "start_refresher",
        "only_scene_paths",
        "check_callback_request",
    )
    assert AFTER_REQUEST == ("secure_response", "observe_request")


def test_hooks_are_installed_in_the_documented_order(make_settings):
    app = create_app(make_settings("demo"), start_refresher=True)  # no request: nothing starts
    before, after = run_order(app.server)
    # Dash's own come first (installed when the app is built): the guard reads what they fill.
    assert before == ["_setup_server", "router_sync", *BEFORE_REQUEST]
    assert after == list(AFTER_REQUEST)
    assert not app.server.teardown_request_funcs


def test_without_a_refresher_to_start_the_rest_keep_their_order(demo):
    before, after = run_order(demo.server)
    assert before == ["_setup_server", "router_sync"] + [
        name for name in BEFORE_REQUEST if name != "start_refresher"
    ]
    assert after == list(AFTER_REQUEST)


def timed(client) -> dict[tuple[str, str, str], float]:
    """How many requests /metrics counts per (route, method, status)."""
    text = client.get("/metrics").get_data(as_text=True)
    (family,) = [
        f
        for f in text_string_to_metric_families(text)
        if f.name == "wallboard_http_request_seconds"
    ]
    return {
        (s.labels["route"], s.labels["method"], s.labels["status"]): s.value
        for s in family.samples
        if s.name.endswith("_count")
    }


def test_requests_refused_by_an_early_hook_are_timed_and_secured(demo):
    client = demo.server.test_client()
    before = timed(client)
    answers = {
        ("/", "GET", "302"): client.get("/?kiosk=1"),  # the scene filter redirects
        ("/<path:path>", "GET", "404"): client.get("/no-such-scene"),  # ... or refuses
        (CALLBACK, "POST", "400"): client.post(
            CALLBACK, data="{not json", content_type="application/json"
        ),
        (CALLBACK, "POST", "415"): client.post(CALLBACK, data="x", content_type="text/plain"),
    }
    after = timed(client)
    for key, response in answers.items():
        assert str(response.status_code) == key[2], key
        assert after.get(key, 0) == before.get(key, 0) + 1, key
        # Security headers come after every refusal too.
        assert response.headers["X-Content-Type-Options"] == "nosniff", key
        assert "Content-Security-Policy" in response.headers, key


def test_the_first_request_starts_the_refresher_whatever_its_answer(make_settings, monkeypatch):
    starts = []
    monkeypatch.setattr(Refresher, "start", lambda self: starts.append(self))
    app = create_app(make_settings("demo"), start_refresher=True)
    client = app.server.test_client()
    assert client.get("/no-such-scene").status_code == 404
    assert len(starts) == 1
    client.get("/healthz")
    assert len(starts) == 1  # once per worker
