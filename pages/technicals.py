"""Technicals scene: daily price history of the configured symbols."""

from dash import html

from components.scene import scene_layout

SCENE = "technicals"


def layout(**_query: str) -> html.Div:
    """The technicals scene as of now."""
    return scene_layout(SCENE)
