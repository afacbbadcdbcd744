"""The board's Dash app class: Dash, with what the browser loads decided in one place.

- plotly.js: dcc.Graph loads the board's partial bundle (web/plotly_bundle.py), never Dash's
  full one, and only on a page with a graph.
- Component libraries: dash-ag-grid loads when a page first draws a grid, not on every page
  (web/lazy_libraries.py).
"""

from __future__ import annotations

from typing import Any

from dash import Dash

from web.lazy_libraries import LAZY_LIBRARIES, IndexScripts, fills_page, with_dist
from web.plotly_bundle import bundle_url


class WallboardDash(Dash):
    """Dash, with dcc.Graph pointed at the board's plotly.js bundle and the grid loaded lazily."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scripts = IndexScripts(self.config.serve_locally, self.config.eager_loading)
        # Worked out (and the files registered for serving) once, here: with gunicorn's preload
        # every worker inherits it, so any worker serves the bundle a page's answer names.
        self.lazy_dist = self.get_dist(list(LAZY_LIBRARIES))

    def _config(self) -> dict[str, Any]:
        config = super()._config()
        # Components and assets are still served locally (the server-side setting is
        # untouched); in the browser this flag only chooses where plotly.js comes from.
        config["serve_locally"] = False
        config["plotlyjs_url"] = bundle_url(self)
        return config

    def _execute_callback(self, func, args, outputs_list, g):
        run = super()._execute_callback(func, args, outputs_list, g)
        if not fills_page(outputs_list):
            return run

        def with_libraries(*call_args: Any, **call_kwargs: Any) -> Any:
            answer = run(*call_args, **call_kwargs)
            return with_dist(answer, self.lazy_dist) if isinstance(answer, str) else answer

        return with_libraries
