"""Component libraries the page loads only when a callback first draws one of their components.

Dash puts a <script> for every imported component library on every page. dash-ag-grid's main
bundle is 1.3 MB, and only the analysts' Data view (components/data_view.py) draws a grid: a
kiosk never shows one. So the index page leaves it out, and the page callback (Dash pages'
router, which fills `_pages_content`) names it in its answer's `dist` when the page it sends
holds one of its components. Dash's renderer loads a `dist` before it applies the answer: the
mechanism Dash itself uses for a library imported inside a callback. A grid reaches a screen only
through a page (the toggle is a link, so opening the Data view is a page change); a scene
refresh that re-sends the body finds the library already loaded.
"""

from __future__ import annotations

import json
from typing import Any

from dash.development.base_component import ComponentRegistry
from dash.resources import Scripts

LAZY_LIBRARIES = ("dash_ag_grid",)
PAGE_CONTENT = "_pages_content"  # the id Dash pages' router writes a page's layout to


class IndexScripts(Scripts):
    """The index page's component scripts: every imported library but the lazy ones."""

    def get_all_scripts(self, dev_bundles: bool = False) -> list:
        eager = [name for name in ComponentRegistry.registry if name not in LAZY_LIBRARIES]
        return self.get_library_scripts(eager, dev_bundles)


def fills_page(outputs_list: Any) -> bool:
    """Whether a callback writes a page's layout (the only way a grid reaches a screen)."""
    outputs = outputs_list if isinstance(outputs_list, list) else [outputs_list]
    return any(isinstance(o, dict) and o.get("id") == PAGE_CONTENT for o in outputs)


def with_dist(answer: str, dist: list[dict[str, str]]) -> str:
    """A callback's JSON answer naming the lazy libraries to load when it holds one of their
    components; unchanged otherwise."""
    if not any(f'"{name}"' in answer for name in LAZY_LIBRARIES):
        return answer
    data = json.loads(answer)
    if not _uses_lazy_library(data.get("response")):
        return answer
    data["dist"] = [*data.get("dist", []), *dist]
    return json.dumps(data)


def _uses_lazy_library(value: Any) -> bool:
    if isinstance(value, dict):
        if value.get("namespace") in LAZY_LIBRARIES and "type" in value:
            return True
        return any(_uses_lazy_library(v) for v in value.values())
    if isinstance(value, list):
        return any(_uses_lazy_library(v) for v in value)
    return False
