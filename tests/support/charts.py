"""The charts a demo board draws, as the browser gets them: for tests that check every figure."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator

from dash import dcc
from dash.development.base_component import Component
from plotly.utils import PlotlyJSONEncoder

from app import create_app
from config import Settings
from tests.support.pages import served

CHART_SCENES = ("fx", "rates", "sectors", "technicals", "volatility")


def graphs(node: object) -> Iterator[dcc.Graph]:
    """Every dcc.Graph in a component tree."""
    if isinstance(node, list | tuple):
        for child in node:
            yield from graphs(child)
    elif isinstance(node, Component):
        if isinstance(node, dcc.Graph):
            yield node
        yield from graphs(getattr(node, "children", None))


def chart_figures(make_settings: Callable[..., Settings], theme: str) -> dict[str, list[dict]]:
    """The figures of every chart scene of a demo board in `theme`, as JSON for the browser."""
    app = create_app(make_settings("demo", theme=theme), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in board.settings.datasets:
        board.refresher.refresh(name)
    shown = {}
    for scene in CHART_SCENES:
        with app.server.test_request_context(f"/{scene}"):
            layout = served(sys.modules[f"pages.{scene}"].layout())
        shown[scene] = [
            json.loads(json.dumps(graph.figure, cls=PlotlyJSONEncoder)) for graph in graphs(layout)
        ]
        assert shown[scene], scene
    return shown
