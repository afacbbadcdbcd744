"""Commodities scene: energy and metals futures."""

from dash import html

from components.scene import scene_layout

SCENE = "commodities"


def layout(**_query: str) -> html.Div:
    """The commodities scene as of now."""
    return scene_layout(SCENE)
