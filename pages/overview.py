"""World indices scene: US, Europe and Asia equity indices."""

from dash import html

from components.scene import SceneView, scene_layout
from components.sections import dataset_sections

SCENE = "overview"


def render(view: SceneView) -> list:
    """The scene's body from its snapshots."""
    return dataset_sections(view)


def layout(**query: str) -> html.Div:
    """The overview scene as of now."""
    return scene_layout(SCENE, render, query)
