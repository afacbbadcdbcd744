"""A kiosk (`?kiosk=1`) is a wall: nothing on a scene or on the tape is a link, a control, in the
tab order or under a pointer.

Headless Chromium on the demo edition, every enabled scene: once the scene shows its data, no
element inside the scene (`.wb-main`) or the ticker tape is an `a[href]`, a button, an input,
a select, a textarea, has a tabindex of 0 or more, is editable, or has a computed cursor other
than `none`; and Tab moves the focus nowhere (it stays on the page's body). The same scenes as
an analyst's do have their links, so the check is not one that nothing could fail.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys

from app import create_app
from tests.support.links import FOCUS_JS, REACHABLE_JS

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WALL = [".wb-main", ".wb-ticker"]
TABS = 6  # more than enough to reach anything focusable on the wall, if there were any


@pytest.fixture
def still_app(make_settings):
    """The demo edition refreshed once, each scene shown long enough not to rotate away."""
    settings = make_settings("demo")
    scenes = {n: s.model_copy(update={"dwell_s": 600}) for n, s in settings.scenes.items()}
    app = create_app(settings.model_copy(update={"scenes": scenes}), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in settings.datasets:
        assert board.refresher.refresh(name).records, name
    return app


def show(dash_duo, scene: str, query: str) -> None:
    dash_duo.driver.get(f"{dash_duo.server_url}/{scene}{query}")
    dash_duo.wait_for_element(f'[data-scene="{scene}"][data-has-data="true"]', timeout=15)


def test_nothing_on_a_kiosk_scene_or_its_tape_is_a_link_focusable_or_under_a_pointer(
    dash_duo, still_app
):
    scenes = [
        name for name, _ in still_app.server.extensions["wallboard"].settings.enabled_scenes()
    ]
    dash_duo.start_server(still_app)
    reachable, focused = {}, {}
    for scene in scenes:
        show(dash_duo, scene, "?kiosk=1")
        assert "wb-kiosk" in dash_duo.find_element("body").get_attribute("class")
        # The tape's callback has answered for this screen (a kiosk's: no links).
        dash_duo.wait_for_element(".wb-ticker .wb-ticker__item", timeout=10)
        found = dash_duo.driver.execute_script(REACHABLE_JS, WALL)
        if found:
            reachable[scene] = found
        body = dash_duo.find_element("body")
        dash_duo.driver.execute_script("document.activeElement && document.activeElement.blur()")
        where = []
        for _ in range(TABS):
            body.send_keys(Keys.TAB)
            where.append(dash_duo.driver.execute_script(FOCUS_JS, WALL))
        if any(place != ["body", False] for place in where):
            focused[scene] = where
    assert reachable == {}
    assert focused == {}
    assert dash_duo.get_logs() == []


def test_the_same_scenes_on_an_analyst_s_screen_do_link(dash_duo, still_app):
    """The check above can fail: an analyst's overview has its tile links and a pointer."""
    dash_duo.start_server(still_app)
    show(dash_duo, "overview", "")
    dash_duo.wait_for_element(".wb-ticker a[data-nav=page]", timeout=10)
    found = dash_duo.driver.execute_script(REACHABLE_JS, WALL, False)
    assert any(item.startswith("a.wb-tile__name") and "[link]" in item for item in found), found
    assert dash_duo.get_logs() == []
