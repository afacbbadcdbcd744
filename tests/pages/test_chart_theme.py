"""Charts follow the configured theme: one place (components.figures.chart_theme) decides the
template and colours, and a light board's charts carry none of the dark theme's colours."""

from __future__ import annotations

import json
import sys

import pytest
from dash import dcc
from dash.development.base_component import Component
from plotly.utils import PlotlyJSONEncoder

from app import create_app
from components.figures import DARK, LIGHT, THEMES, chart_theme

CHART_SCENES = ("fx", "rates", "sectors", "technicals", "volatility")


def graphs(node):
    """Every dcc.Graph in a component tree."""
    if isinstance(node, list | tuple):
        for child in node:
            yield from graphs(child)
    elif isinstance(node, Component):
        if isinstance(node, dcc.Graph):
            yield node
        yield from graphs(getattr(node, "children", None))


def figures_of(make_settings, theme: str) -> dict[str, list[dict]]:
    """The figures of every chart scene of a demo board in `theme`, as the browser gets them."""
    app = create_app(make_settings("demo", theme=theme), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in board.settings.datasets:
        board.refresher.refresh(name)
    shown = {}
    for scene in CHART_SCENES:
        with app.server.test_request_context(f"/{scene}"):
            layout = sys.modules[f"pages.{scene}"].layout()
        shown[scene] = [
            json.loads(json.dumps(graph.figure, cls=PlotlyJSONEncoder)) for graph in graphs(layout)
        ]
        assert shown[scene], scene
    return shown


def test_one_place_decides_the_chart_theme(make_settings):
    assert chart_theme(make_settings("demo")) is DARK  # the default
    assert chart_theme(make_settings("demo", theme="light")) is LIGHT
    assert set(THEMES) == {"dark", "light"}  # every theme the schema allows


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_every_chart_uses_its_theme_template(make_settings, theme):
    colours = THEMES[theme]
    for scene, figures in figures_of(make_settings, theme).items():
        for figure in figures:
            template = figure["layout"]["template"]["layout"]
            assert template["font"]["color"] == colours.text, scene
            assert template["xaxis"]["gridcolor"] == colours.grid, scene


def test_a_light_board_draws_no_dark_colour(make_settings):
    dark_only = {
        DARK.text,
        DARK.muted,
        DARK.grid,
        DARK.panel,
        DARK.up,
        DARK.down,
        DARK.accent,
        DARK.missing,
        DARK.missing_text,
        DARK.band_fill,
        *DARK.series,
    }
    assert not dark_only & {LIGHT.text, LIGHT.muted, LIGHT.grid, LIGHT.panel, *LIGHT.series}
    for scene, figures in figures_of(make_settings, "light").items():
        drawn = json.dumps(figures).lower()
        assert [c for c in dark_only if c.lower() in drawn] == [], scene
