"""An offline first run of the open edition in headless Chromium: the kiosk shows the banner
that no market source could be reached, pointing to the demo edition, whatever scene is on."""

from __future__ import annotations

import pytest

from app import create_app
from components.status import NO_SOURCE_REACHED
from providers.base import build_providers
from tests.test_app import offline_settings, offline_yahoo

pytestmark = pytest.mark.browser


def test_the_kiosk_of_an_offline_open_board_points_to_the_demo(dash_duo, make_settings):
    settings = offline_settings(make_settings)
    providers = {**build_providers(settings), "yahoo": offline_yahoo()}
    app = create_app(settings, start_refresher=False, providers=providers)
    board = app.server.extensions["wallboard"]
    for name in settings.datasets:
        board.refresher.refresh(name)
    dash_duo.start_server(app)
    for scene in ("overview", "status"):
        dash_duo.driver.get(f"{dash_duo.server_url}/{scene}?kiosk=1")
        dash_duo.wait_for_element("#wb-no-source:not([hidden])", timeout=10)
        shown = dash_duo.find_element("#wb-no-source")
        assert shown.is_displayed() and shown.text.endswith(NO_SOURCE_REACHED), shown.text
        assert "wb-kiosk" in dash_duo.find_element("body").get_attribute("class")
    # The browser's age rule is the server's (tests/components/age_cases.json).
    rule = "return [150, 9000].map(window.dash_clientside.wallboard.formatAge)"
    assert dash_duo.driver.execute_script(rule) == ["2 min", "2 h"]
    assert dash_duo.get_logs() == []
