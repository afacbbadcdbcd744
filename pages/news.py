"""News scene: latest headlines from the configured feeds."""

from dash import html

from components.scene import scene_layout

SCENE = "news"


def layout(**_query: str) -> html.Div:
    """The news scene as of now."""
    return scene_layout(SCENE)
