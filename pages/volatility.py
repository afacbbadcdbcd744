"""Volatility scene: VIX and its term structure."""

from dash import html

from components.scene import scene_layout

SCENE = "volatility"


def layout(**_query: str) -> html.Div:
    """The volatility scene as of now."""
    return scene_layout(SCENE)
