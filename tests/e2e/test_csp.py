"""The Content-Security-Policy in headless Chromium: every scene renders in full under it with no
violation, and an injected inline script or handler is refused (the policy is not a no-op)."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.test_scenes import SCENES
from tests.support.services import wait_until

pytestmark = pytest.mark.browser

# Runs in every new document before the page's own scripts (Chromium DevTools protocol), so a
# violation during load is recorded too. A devtools script is not itself subject to the CSP.
RECORDER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push([e.effectiveDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(" "));
});
"""


def record_violations(dash_duo) -> None:
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})


def violations(dash_duo) -> list[str]:
    return dash_duo.driver.execute_script("return window.__csp || null")


def test_every_scene_renders_under_the_policy_without_a_violation(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    policy = requests.get(f"{dash_duo.server_url}/overview", timeout=10).headers
    assert "script-src 'self' 'sha256-" in policy["Content-Security-Policy"]
    record_violations(dash_duo)
    for scene, expected in SCENES.items():
        dash_duo.driver.get(f"{dash_duo.server_url}/{scene}")
        dash_duo.wait_for_element(f'[data-scene="{scene}"]', timeout=10)
        text = dash_duo.find_element(f'[data-scene="{scene}"]').text
        for words in expected:
            assert words in text, f"{scene}: {words!r} not shown"
        # Charts drawn (plotly.js ran) and every image decoded.
        if dash_duo.find_elements(f'[data-scene="{scene}"] .js-plotly-plot'):
            dash_duo.wait_for_element(f'[data-scene="{scene}"] .js-plotly-plot .main-svg')
        broken = dash_duo.driver.execute_script(
            "return Array.from(document.images)"
            ".filter(function (i) { return !i.complete || i.naturalWidth === 0; })"
            ".map(function (i) { return i.src.slice(0, 60); })"
        )
        assert broken == [], f"{scene}: images not shown {broken}"
        assert violations(dash_duo) == [], scene
    assert dash_duo.get_logs() == []


def test_an_injected_inline_script_and_event_handler_are_refused(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    record_violations(dash_duo)
    dash_duo.driver.get(f"{dash_duo.server_url}/overview")
    dash_duo.wait_for_element('[data-scene="overview"]', timeout=10)
    ran = dash_duo.driver.execute_script(
        """
        var s = document.createElement("script");
        s.textContent = "window.__injected = true;";
        document.body.appendChild(s);
        var img = document.createElement("img");
        img.setAttribute("onerror", "window.__handler = true;");
        img.src = "data:,not-an-image";
        document.body.appendChild(img);
        return window.__injected === true;
        """
    )
    assert ran is False
    assert wait_until(lambda: len(violations(dash_duo)) >= 2, 5), violations(dash_duo)
    found = violations(dash_duo)
    assert any(v.startswith("script-src-elem inline") for v in found), found
    assert any(v.startswith("script-src-attr inline") for v in found), found
    assert not dash_duo.driver.execute_script("return window.__handler === true")
