"""The demo edition in headless Chromium: every scene shows data, the watermark, no errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SCENES = {
    "overview": ["S&P 500", "Hang Seng", "CSI 300"],
    "fx": ["EUR/USD", "USD/CNH"],
    "rates": ["10 years", "Fed funds effective"],
    "commodities": ["WTI crude", "Gold"],
    "crypto": ["Bitcoin"],
    "volatility": ["VIX"],
    "sectors": ["Technology"],
    "technicals": ["S&P 500"],
    "calendar": ["US CPI"],
    "news": ["DEMO: "],
    "status": ["Data status — demo edition"],
}


def test_every_scene_renders_demo_data_with_watermark_and_clean_console(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    assert dash_duo.driver.find_element("css selector", "html").get_attribute("lang") == "en"
    for scene, expected in SCENES.items():
        dash_duo.driver.get(f"{dash_duo.server_url}/{scene}")
        dash_duo.wait_for_element(f'[data-scene="{scene}"]', timeout=10)
        text = dash_duo.find_element(f'[data-scene="{scene}"]').text
        for words in expected:
            assert words in text, f"{scene}: {words!r} not shown"
        watermark = dash_duo.find_element("#demo-watermark")
        assert watermark.is_displayed() and "DEMO DATA" in watermark.text
        assert not dash_duo.find_elements('[data-status="error"]'), scene
        assert not dash_duo.find_elements('[data-status="empty"]'), scene
        if scene != "status":
            badges = dash_duo.find_elements(".wb-scene__badges .wb-badge")
            assert badges and all(" · demo" in badge.text for badge in badges), scene
    assert dash_duo.get_logs() == []


def test_home_shows_the_first_scene_and_the_tiles_refresh(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.wait_for_element('[data-scene="overview"]', timeout=10)
    assert dash_duo.driver.current_url.endswith("/overview")
    tiles = dash_duo.find_elements('[data-scene="overview"] .wb-tile')
    assert len(tiles) == 10
    # The interval re-reads the cache: a refresh published now shows up without a reload.
    board = demo_app.server.extensions["wallboard"]
    before = board.snapshot("indices").fetch_count
    board.refresher.refresh("indices")
    assert board.snapshot("indices").fetch_count == before + 1
    dash_duo.wait_for_contains_text('[data-dataset="indices"] .wb-badge', "demo", timeout=10)
    assert dash_duo.get_logs() == []


ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_every_scene_fits_the_wall_and_is_saved_as_a_screenshot(dash_duo, demo_app, width, height):
    """Screenshots land in tests/artifacts/screens (git-ignored); the README shows a set."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dash_duo.start_server(demo_app)
    dash_duo.driver.set_window_size(width, height)
    for scene in SCENES:
        dash_duo.driver.get(f"{dash_duo.server_url}/{scene}?kiosk=1")
        dash_duo.wait_for_element(f'[data-scene="{scene}"]', timeout=10)
        time.sleep(0.5)  # charts finish their first draw
        inner, scroll = dash_duo.driver.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth]"
        )
        assert scroll <= inner, f"{scene} overflows sideways at {width}x{height}"
        dash_duo.driver.save_screenshot(str(ARTIFACTS / f"{scene}-{width}x{height}.png"))
    assert dash_duo.get_logs() == []


def test_technicals_symbol_picker_and_unknown_symbol(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/technicals?symbol=%3Cb%3EXYZ")
    dash_duo.wait_for_contains_text("#technicals-chart", "Unknown symbol '<b>XYZ'", timeout=10)
    assert not dash_duo.find_elements("#technicals-chart b")  # shown as text, never as HTML
    assert "S&P 500" in dash_duo.find_element(".wb-technicals__readout").text
    dash_duo.find_element('button[aria-pressed="false"]').click()
    dash_duo.wait_for_contains_text(".wb-technicals__readout", "Nasdaq 100", timeout=10)
    # Found afresh on each try: the choice goes into the URL and the page is drawn again from
    # it, so a button found before that redraw is gone.
    dash_duo.wait_for_text_to_equal('button[aria-pressed="true"]', "Nasdaq 100", timeout=10)
    assert dash_duo.get_logs() == []
