"""axe-core (from npm) in headless Chromium: no serious or critical accessibility violation on
any scene of the demo edition, in normal and kiosk mode."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app import create_app
from tests.support.browser import sign_in_to_console, wait_scene_shown
from tests.support.paths import NODE_MODULES
from tests.test_app import SCENES

pytestmark = pytest.mark.browser
AXE = Path(os.environ.get("AXE_CORE_JS", NODE_MODULES / "axe-core/axe.min.js"))
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))
  .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: the README's test command installs axe-core from npm")
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", ["", "?kiosk=1"])
def test_no_serious_or_critical_violations_on_any_scene(dash_duo, make_settings, axe_source, mode):
    settings = make_settings("demo")
    scenes = {n: s.model_copy(update={"dwell_s": 600}) for n, s in settings.scenes.items()}
    app = create_app(settings.model_copy(update={"scenes": scenes}), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in settings.datasets:
        board.refresher.refresh(name)
    dash_duo.start_server(app)
    dash_duo.driver.set_script_timeout(60)
    found = {}
    for scene in SCENES:
        dash_duo.driver.get(f"{dash_duo.server_url}/{scene}{mode}")
        dash_duo.wait_for_element(f'[data-scene="{scene}"]', timeout=15)
        # A kiosk's scene fades in (assets/28_wall.css): its colours are checked once it has.
        wait_scene_shown(dash_duo.driver)
        dash_duo.driver.execute_script(axe_source)
        bad = [
            v
            for v in dash_duo.driver.execute_async_script(RUN_AXE)
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            found[scene] = bad
    assert found == {}
    assert dash_duo.get_logs() == []


def axe_violations(driver, axe_source: str) -> list[dict]:
    """The serious and critical axe-core violations of the page the driver shows."""
    driver.execute_script(axe_source)
    found = driver.execute_async_script(RUN_AXE)
    return [v for v in found if v["impact"] in ("serious", "critical")]


def test_the_operators_console_has_no_serious_or_critical_violation(
    dash_duo, make_settings, axe_source, monkeypatch
):
    monkeypatch.setenv("WALLBOARD_ADMIN_TOKEN", "console-axe-admin-token-01")
    monkeypatch.setenv("WALLBOARD_SECRET_KEY", "console-axe-secret-key-01")
    app = create_app(make_settings("demo"), start_refresher=False)
    dash_duo.start_server(app)
    driver = dash_duo.driver
    driver.set_script_timeout(60)
    driver.get(f"{dash_duo.server_url}/admin")
    assert axe_violations(driver, axe_source) == [], "sign-in page"
    sign_in_to_console(dash_duo, "console-axe-admin-token-01")
    assert axe_violations(driver, axe_source) == [], "signed in"
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
