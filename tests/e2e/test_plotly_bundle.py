"""In Chromium: a chart scene draws with the board's plotly.js bundle and never fetches Dash's
full one, the bundle registers exactly deploy/plotly/traces.json, and a tile scene loads no
plotly.js at all."""

from __future__ import annotations

import pytest
from plotly.offline import get_plotlyjs_version

from web.plotly_bundle import BUNDLE, bundled_traces

pytestmark = pytest.mark.browser

RESOURCES = "return performance.getEntriesByType('resource').map(function (r) { return r.name; })"


def plotly_requests(dash_duo) -> list[str]:
    return [url for url in dash_duo.driver.execute_script(RESOURCES) if "plotly" in url.lower()]


def test_a_tile_scene_loads_no_plotly(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/overview")
    dash_duo.wait_for_element('[data-scene="overview"] .wb-tile', timeout=10)
    assert plotly_requests(dash_duo) == []
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("scene", ["sectors", "technicals"])
def test_charts_draw_with_the_partial_bundle_only(dash_duo, demo_app, scene):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/{scene}")
    dash_duo.wait_for_element(f'[data-scene="{scene}"] .js-plotly-plot .main-svg', timeout=15)
    (loaded,) = plotly_requests(dash_duo)
    assert f"/assets/{BUNDLE}?m=" in loaded
    version, traces = dash_duo.driver.execute_script(
        "return [Plotly.version, Object.keys(Plotly.PlotSchema.get().traces)]"
    )
    assert version == get_plotlyjs_version()
    assert set(traces) == bundled_traces()
    assert dash_duo.get_logs() == []
