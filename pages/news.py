"""News scene: latest headlines from the configured feeds."""

from dash import html

from components.scene import SceneView, scene_layout
from components.sections import dataset_sections

SCENE = "news"


def render(view: SceneView) -> list:
    """The scene's body from its snapshots."""
    return dataset_sections(view)


def layout(**query: str) -> html.Div:
    """The news scene as of now."""
    return scene_layout(SCENE, render, query)
