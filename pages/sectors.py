"""Sectors scene: S&P 500 sector ETFs."""

from dash import html

from components.scene import scene_layout

SCENE = "sectors"


def layout(**_query: str) -> html.Div:
    """The sectors scene as of now."""
    return scene_layout(SCENE)
