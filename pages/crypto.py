"""Crypto scene: the largest coins against the dollar."""

from dash import html

from components.scene import scene_layout

SCENE = "crypto"


def layout(**_query: str) -> html.Div:
    """The crypto scene as of now."""
    return scene_layout(SCENE)
