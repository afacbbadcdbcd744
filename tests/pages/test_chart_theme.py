"""Charts follow the configured theme: one place (components.figures.chart_theme) decides the
template and colours, and a light board's charts carry none of the dark theme's colours."""

from __future__ import annotations

import json

import pytest

from components.figures import DARK, LIGHT, THEMES, chart_theme
from tests.support.charts import chart_figures


def test_one_place_decides_the_chart_theme(make_settings):
    assert chart_theme(make_settings("demo")) is DARK  # the default
    assert chart_theme(make_settings("demo", theme="light")) is LIGHT
    assert set(THEMES) == {"dark", "light"}  # every theme the schema allows


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_every_chart_uses_its_theme_template(make_settings, theme):
    colours = THEMES[theme]
    for scene, figures in chart_figures(make_settings, theme).items():
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
    for scene, figures in chart_figures(make_settings, "light").items():
        drawn = json.dumps(figures).lower()
        assert [c for c in dark_only if c.lower() in drawn] == [], scene
