"""FX scene: majors, USD/CNH and the dollar index."""

from dash import html

from components.scene import scene_layout

SCENE = "fx"


def layout(**_query: str) -> html.Div:
    """The fx scene as of now."""
    return scene_layout(SCENE)
