"""Both themes in headless Chromium: the charts follow the page (dark text on the light theme,
light text on the dark one), as drawn by Plotly; a screenshot of each is kept."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app import create_app

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
SCENE = "rates"  # a chart scene: the yield curve, with tick labels, a legend and gridlines


def luminance(rgb: str) -> float:
    """Relative luminance (0 black .. 1 white) of a computed colour, 'rgb(r, g, b)'."""
    channels = rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")
    red, green, blue = (float(c) / 255 for c in channels[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


COLOURS = """
const graph = document.querySelector('.rates-curve__graph');
const fill = (selector) =>
    [...graph.querySelectorAll(selector)].map((el) => getComputedStyle(el).fill);
return {
    ticks: fill('.xtick text').concat(fill('.ytick text')),
    legend: fill('.legendtext'),
    page: getComputedStyle(document.body).color,
    background: getComputedStyle(document.body).backgroundColor,
    theme: document.documentElement.getAttribute('data-bs-theme'),
};
"""


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_chart_text_follows_the_theme(dash_duo, make_settings, theme):
    app = create_app(make_settings("demo", theme=theme), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in board.settings.scenes[SCENE].datasets:
        assert board.refresher.refresh(name).records, name
    dash_duo.start_server(app)
    dash_duo.driver.get(f"{dash_duo.server_url}/{SCENE}?kiosk=1")
    dash_duo.wait_for_element(".rates-curve__graph .xtick text", timeout=10)
    time.sleep(0.5)  # the chart finishes its first draw
    seen = dash_duo.driver.execute_script(COLOURS)

    assert seen["theme"] == theme
    assert seen["ticks"] and seen["legend"], seen
    text = {luminance(colour) for colour in seen["ticks"] + seen["legend"]}
    if theme == "light":
        assert luminance(seen["background"]) > 0.8
        assert max(text) < 0.2, seen  # dark text on the light page
    else:
        assert luminance(seen["background"]) < 0.1
        assert min(text) > 0.8, seen  # light text on the dark page
    # The charts' text is the page's text colour, not merely dark or light enough.
    assert set(seen["ticks"]) == {seen["page"]}, seen

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.save_screenshot(str(ARTIFACTS / f"{SCENE}-{theme}-theme.png"))
    severe = [entry for entry in dash_duo.get_logs() if entry["level"] == "SEVERE"]
    assert severe == []
