"""Commodities scene: energy and metals futures."""

from dash import html

from components.scene import SceneView, scene_layout
from components.sections import dataset_sections

SCENE = "commodities"


def render(view: SceneView) -> list:
    """The scene's body from its snapshots."""
    return dataset_sections(view)


def layout(**query: str) -> html.Div:
    """The commodities scene as of now."""
    return scene_layout(SCENE, render, query)
