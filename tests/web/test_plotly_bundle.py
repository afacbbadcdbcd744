"""dcc.Graph loads the board's partial plotly.js bundle, never Dash's full one
(web/plotly_bundle.py): the page's config names it, it is served fingerprinted, it is the
plotly.js version plotly.py writes figures for, and it registers every trace the board draws."""

from __future__ import annotations

import json
import re
from pathlib import Path

from plotly.offline import get_plotlyjs_version

from app import create_app
from tests.support.charts import chart_figures
from web.plotly_bundle import BUNDLE, TRACES_FILE, bundled_traces

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "deploy" / "plotly"
DASH_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


def page_config(client, path: str) -> tuple[str, dict]:
    page = client.get(path).get_data(as_text=True)
    return page, json.loads(DASH_CONFIG.search(page).group(1))


def test_every_page_points_graphs_at_the_fingerprinted_bundle(make_settings):
    app = create_app(make_settings("demo"), start_refresher=False)
    client = app.server.test_client()
    for path in ("/fx", "/overview", "/instrument/spx"):
        page, config = page_config(client, path)
        # The browser's serve_locally only picks plotly.js's URL (web/plotly_bundle.py).
        assert config["serve_locally"] is False, path
        assert re.fullmatch(rf"/assets/{re.escape(BUNDLE)}\?m=[0-9.]+", config["plotlyjs_url"])
        # Neither bundle is a <script> of the page: dcc.Graph loads one when a graph renders.
        scripts = re.findall(r'<script src="([^"]+)"', page)
        assert scripts and not [src for src in scripts if "plotly" in src], path
    answer = client.get(config["plotlyjs_url"])
    assert answer.status_code == 200 and "javascript" in answer.content_type
    head = answer.get_data(as_text=True)[:200]
    assert head.startswith(f"/*! plotly.js v{get_plotlyjs_version()} (MIT), traces: ")


def test_the_bundle_is_the_plotly_js_that_plotly_py_writes_figures_for():
    kit = json.loads((KIT / "package.json").read_text())
    lock = json.loads((KIT / "package-lock.json").read_text())
    assert kit["devDependencies"]["plotly.js"] == get_plotlyjs_version()
    assert lock["packages"]["node_modules/plotly.js"]["version"] == get_plotlyjs_version()
    banner = (ROOT / "assets" / BUNDLE).read_text()[:200]
    listed = ", ".join(json.loads(TRACES_FILE.read_text()))
    assert banner.startswith(f"/*! plotly.js v{get_plotlyjs_version()} (MIT), traces: {listed}.")


def trace_types_in_source() -> set[str]:
    """Every trace type the board's code builds (go.Candlestick( → candlestick)."""
    found = set()
    for folder in ("components", "pages", "analytics"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= {name.lower() for name in re.findall(r"\bgo\.([A-Z]\w*)\(", path.read_text())}
    return found - {"figure", "layout"}


def test_the_bundle_registers_every_trace_the_board_draws(make_settings):
    in_source = trace_types_in_source()
    assert {"scatter", "bar", "candlestick", "heatmap", "treemap"} <= in_source  # the scan works
    assert in_source <= bundled_traces()
    drawn = {
        trace.get("type", "scatter")
        for figures in chart_figures(make_settings, "dark").values()
        for figure in figures
        for trace in figure["data"]
    }
    assert drawn and drawn <= bundled_traces()
