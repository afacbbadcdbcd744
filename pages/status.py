"""System status scene: every dataset's freshness, source and last error, for operators."""

from dash import html

from components.scene import scene_layout

SCENE = "status"


def layout(**_query: str) -> html.Div:
    """The status scene as of now."""
    return scene_layout(SCENE)
