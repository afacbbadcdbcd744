"""Rates scene: the US Treasury yield curve and policy rates."""

from dash import html

from components.scene import scene_layout

SCENE = "rates"


def layout(**_query: str) -> html.Div:
    """The rates scene as of now."""
    return scene_layout(SCENE)
