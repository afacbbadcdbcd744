"""Which plotly.js the browser loads: the board's partial bundle, never Dash's full one.

dcc.Graph loads plotly.js itself, when the first graph renders, from `window._dashPlotlyJSURL`.
Dash's renderer sets that to the full bundle (plotly.min.js, 4.7 MB, no fingerprint, so never
long-cached) when the page's config says `serve_locally`, and to the config's `plotlyjs_url`
(meant for a CDN) otherwise; `serve_locally` is read for nothing else in the browser. So the
page's config names our bundle, an asset with Dash's ?m=<mtime> fingerprint that nginx caches
for a year (deploy/nginx/maps.conf). The bundle holds only the traces the board draws
(deploy/plotly/traces.json, built by deploy/plotly/build.js), and tile scenes load no plotly.js.
"""

from __future__ import annotations

import json
from pathlib import Path

from dash import Dash

ROOT = Path(__file__).resolve().parent.parent
# Under assets/ but out of Dash's automatic <script> tags (assets_path_ignore): only dcc.Graph
# loads it, and only on a page with a graph.
VENDOR_DIR = "vendor"
BUNDLE = f"{VENDOR_DIR}/plotly-wallboard.min.js"
TRACES_FILE = ROOT / "deploy" / "plotly" / "traces.json"


def bundled_traces() -> frozenset[str]:
    """The trace types the bundle registers (deploy/plotly/traces.json)."""
    return frozenset(json.loads(TRACES_FILE.read_text(encoding="utf-8")))


def bundle_url(app: Dash) -> str:
    """The bundle's URL under the app's prefix, with Dash's fingerprint for assets."""
    path = Path(app.config.assets_folder) / BUNDLE
    return f"{app.get_asset_url(BUNDLE)}?m={path.stat().st_mtime}"
