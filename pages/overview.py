"""World indices scene: US, Europe and Asia equity indices."""

from dash import html

from components.scene import scene_layout

SCENE = "overview"


def layout(**_query: str) -> html.Div:
    """The overview scene as of now."""
    return scene_layout(SCENE)
