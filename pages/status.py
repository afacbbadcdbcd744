"""System status scene: every dataset's freshness, source and last error, for operators."""

from components.scene import SceneView
from components.static import static
from components.status import (
    alerts_list,
    failures_list,
    findings_list,
    screens_summary,
    status_table,
    streams_table,
    system_summary,
)

SCENE = "status"
REDRAW_S = 10  # it shows every dataset and the alerts, not a dataset of its own


def render(view: SceneView) -> list:
    """The floor's screens, then the operator's table of every dataset: all of it only shown,
    so each part is one component (components/static.py), not one per cell."""
    board = view.board
    parts = [
        screens_summary(board),
        system_summary(board),
        status_table(board),
        streams_table(board),
        alerts_list(board),
        findings_list(board),
        failures_list(board),
    ]
    return [static(part) for part in parts]
