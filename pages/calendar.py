"""Macro calendar scene: upcoming economic releases."""

from dash import html

from components.scene import scene_layout

SCENE = "calendar"


def layout(**_query: str) -> html.Div:
    """The calendar scene as of now."""
    return scene_layout(SCENE)
