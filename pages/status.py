"""System status scene: every dataset's freshness, source and last error, for operators."""

from dash import html

from components.scene import SceneView, scene_layout
from components.status import (
    alerts_list,
    failures_list,
    findings_list,
    status_table,
    system_summary,
)

SCENE = "status"
REDRAW_S = 10  # it shows every dataset and the alerts, not a dataset of its own


def render(view: SceneView) -> list:
    """The operator's table of every dataset."""
    board = view.board
    return [
        system_summary(board),
        status_table(board),
        alerts_list(board),
        findings_list(board),
        failures_list(board),
    ]


def layout(**query: str) -> html.Div:
    """The status scene as of now."""
    return scene_layout(SCENE, render, query, redraw_s=REDRAW_S)
