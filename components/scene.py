"""The frame of a scene: a title, one section per dataset with its stale badge, and a poll.

The layout is rendered from the cache when the page is served, so a scene is never blank while
waiting for its first callback; a `dcc.Interval` then re-renders it from the cache. One
pattern-matching callback serves every scene (ids carry the scene name).
"""

from __future__ import annotations

from datetime import datetime

from dash import MATCH, Dash, Input, Output, ctx, dcc, html

from components.badges import stale_badge
from components.status import status_table
from components.tiles import bars_table, curve_table, event_table, headline_list, quote_tiles
from providers.board import Board, current_board
from providers.models import Snapshot

BODY = "scene-body"
TICK = "scene-tick"
MIN_POLL_S, MAX_POLL_S = 5, 30


def poll_ms(board: Board, scene_name: str) -> int:
    """How often a scene re-reads the cache: its fastest dataset's cadence, within bounds."""
    scene = board.settings.scenes[scene_name]
    cadences = [board.settings.datasets[d].refresh_s for d in scene.datasets] or [MIN_POLL_S]
    return int(1000 * min(MAX_POLL_S, max(MIN_POLL_S, min(cadences))))


def dataset_section(board: Board, name: str, snapshot: Snapshot, now: datetime) -> html.Section:
    """One dataset: heading with its badge, the reason when it has a problem, then its widget."""
    dataset = board.settings.datasets[name]
    kind = dataset.kind.value
    if kind == "quote":
        body = quote_tiles(dataset, snapshot)
    elif kind == "curve":
        body = curve_table(dataset, snapshot)
    elif kind == "bar":
        body = bars_table(dataset, snapshot)
    elif kind == "headline":
        body = headline_list(dataset, snapshot, now)
    else:
        body = event_table(dataset, snapshot)
    reason = (
        html.P(snapshot.error, className="wb-section__reason", role="note")
        if snapshot.error
        else None
    )
    return html.Section(
        [
            html.Header(
                [html.H2(dataset.title, className="wb-section__title"), stale_badge(snapshot, now)],
                className="wb-section__head",
            ),
            reason,
            body,
        ],
        className="wb-section",
        **{"data-dataset": name, "data-status": snapshot.status.value},
    )


def render_scene(board: Board, scene_name: str) -> list:
    """The scene's content as of now, from the cache only."""
    scene = board.settings.scenes[scene_name]
    now = board.clock()
    if not scene.datasets:
        return [status_table(board)]
    return [dataset_section(board, d, board.snapshot(d), now) for d in scene.datasets]


def scene_layout(scene_name: str) -> html.Div:
    """A scene page: title, content rendered now, and the interval that keeps it current."""
    board = current_board()
    scene = board.settings.scenes[scene_name]
    return html.Div(
        [
            html.H1(scene.title, className="wb-scene__title"),
            dcc.Interval(
                id={"type": TICK, "scene": scene_name}, interval=poll_ms(board, scene_name)
            ),
            html.Div(
                render_scene(board, scene_name),
                id={"type": BODY, "scene": scene_name},
                className="wb-scene__body",
            ),
        ],
        className="wb-scene",
        **{"data-scene": scene_name},
    )


def register_callbacks(app: Dash) -> None:
    """The one callback that re-renders whichever scene is showing."""

    @app.callback(
        Output({"type": BODY, "scene": MATCH}, "children"),
        Input({"type": TICK, "scene": MATCH}, "n_intervals"),
        prevent_initial_call=True,
    )
    def refresh_scene(_n: int) -> list:
        return render_scene(current_board(), ctx.triggered_id["scene"])
