"""System status scene: every dataset's freshness, source and last error, for operators."""

from dash import html

from components.scene import SceneView, scene_layout
from components.status import status_table

SCENE = "status"


def render(view: SceneView) -> list:
    """The operator's table of every dataset."""
    return [status_table(view.board)]


def layout(**query: str) -> html.Div:
    """The status scene as of now."""
    return scene_layout(SCENE, render, query)
