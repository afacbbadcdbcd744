"""The frame every scene shares: title, one stale badge per dataset, the body, and its refresh.

A page module defines `render(view) -> children` (pure: snapshots in, components out) and
`layout(**query)` returning `scene_layout(SCENE, render, query)`. The layout is rendered from
the cache when the page is served, so a scene is never blank while waiting for a callback.
One pattern-matching callback then refreshes whichever scene is showing: the badges every
tick (their ages move), the body only when a snapshot changed (else `no_update`), so an idle
wall screen receives a few hundred bytes per tick rather than whole figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dash import MATCH, Dash, Input, Output, State, ctx, dcc, html, no_update

from components.badges import stale_badge
from providers.board import Board, current_board
from providers.models import Snapshot, Status

MIN_POLL_S, MAX_POLL_S = 5, 30
NO_DATA = {Status.ERROR, Status.EMPTY}


@dataclass(frozen=True)
class SceneView:
    """What a scene's renderer sees: its datasets' snapshots as of now, and the URL query."""

    board: Board
    scene: str
    snapshots: dict[str, Snapshot]
    now: datetime
    query: dict[str, str] = field(default_factory=dict)

    def dataset(self, name: str):
        """The configuration of one of the scene's datasets."""
        return self.board.settings.datasets[name]


Renderer = Callable[[SceneView], Any]


@dataclass(frozen=True)
class ScenePage:
    """A page's renderer and how often its body must be redrawn even without new data."""

    render: Renderer
    redraw_s: float | None = None


def ids(scene: str) -> dict[str, dict[str, str]]:
    """The ids of a scene's frame (pattern-matching: one callback serves every scene)."""
    return {
        part: {"type": f"scene-{part}", "scene": scene}
        for part in ("tick", "version", "query", "badges", "body")
    }


def view_of(board: Board, scene: str, query: dict[str, str] | None = None) -> SceneView:
    """The scene's snapshots read from the cache now."""
    datasets = board.settings.scenes[scene].datasets
    return SceneView(
        board=board,
        scene=scene,
        snapshots={name: board.snapshot(name) for name in datasets},
        now=board.clock(),
        query=dict(query or {}),
    )


def version(view: SceneView, redraw_s: float | None = None) -> str:
    """Changes whenever what the body shows would change (new data, status or error), and
    every `redraw_s` seconds for scenes that show relative times ("12 min ago", "Today")."""
    parts = [
        f"{name}:{snap.fetched_at}:{snap.status.value}:{snap.error}"
        for name, snap in view.snapshots.items()
    ]
    if redraw_s:
        parts.append(f"t{int(view.now.timestamp() // redraw_s)}")
    return "|".join(parts)


def has_data(view: SceneView) -> bool:
    """False when every dataset of the scene is empty or errored (the carousel skips it)."""
    if not view.snapshots:
        return True  # the status scene shows the board's own state
    return any(snap.status not in NO_DATA for snap in view.snapshots.values())


def badges(view: SceneView) -> list:
    """One stale badge per dataset, labelled with the dataset's title."""
    return [
        html.Span(
            [
                html.Span(view.dataset(name).title, className="wb-scene__dataset"),
                stale_badge(snap, view.now),
            ],
            className="wb-scene__badge",
            **{"data-dataset": name},
        )
        for name, snap in view.snapshots.items()
    ]


def poll_ms(board: Board, scene: str) -> int:
    """How often a scene re-reads the cache: its fastest dataset's cadence, within bounds."""
    cadences = [board.settings.datasets[d].refresh_s for d in board.settings.scenes[scene].datasets]
    return int(1000 * min(MAX_POLL_S, max(MIN_POLL_S, min(cadences, default=MIN_POLL_S))))


def scene_layout(
    scene: str,
    render: Renderer,
    query: dict[str, str] | None = None,
    *,
    redraw_s: float | None = None,
) -> html.Div:
    """A scene page as of now: frame, badges, body, and the interval that keeps it current."""
    board = current_board()
    view = view_of(board, scene, query)
    frame = ids(scene)
    return html.Div(
        [
            html.Header(
                [
                    html.H1(board.settings.scenes[scene].title, className="wb-scene__title"),
                    html.Div(badges(view), id=frame["badges"], className="wb-scene__badges"),
                ],
                className="wb-scene__head",
            ),
            dcc.Interval(id=frame["tick"], interval=poll_ms(board, scene)),
            dcc.Store(id=frame["version"], data=version(view, redraw_s)),
            dcc.Store(id=frame["query"], data=view.query),
            html.Div(render(view), id=frame["body"], className="wb-scene__body"),
        ],
        className="wb-scene",
        **{"data-scene": scene, "data-has-data": "true" if has_data(view) else "false"},
    )


def register_scene_callbacks(app: Dash, pages: dict[str, ScenePage]) -> None:
    """The one callback that keeps the showing scene current from the cache."""
    frame = ids(MATCH)

    @app.callback(
        Output(frame["badges"], "children"),
        Output(frame["body"], "children"),
        Output(frame["version"], "data"),
        Input(frame["tick"], "n_intervals"),
        State(frame["version"], "data"),
        State(frame["query"], "data"),
        prevent_initial_call=True,
    )
    def refresh_scene(_tick: int, shown: str | None, query: dict | None):
        scene = ctx.triggered_id["scene"]
        page = pages[scene]
        view = view_of(current_board(), scene, query)
        current = version(view, page.redraw_s)
        if current == shown:
            return badges(view), no_update, no_update
        return badges(view), page.render(view), current
