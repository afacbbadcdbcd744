"""The board plus two floors for the benchmarks, in the same gunicorn (`bench.floorapp:server`):

- `POST /bench/floor/<scene>[?case=<name>]`: a Flask route in the board's own app that reads the
  scene's snapshots from the same cache as the refresh callback and returns the bytes that
  callback returned (captured by the benchmark into the cache first, one capture per scene and
  case: an idle tick, a changed one): what serving a refresh costs without Dash, though not a
  bare floor (bench/barefloor.py is that).
- `/bench/bare/`: a bare Dash page (same Dash, same server): the framework's own page load,
  with the component libraries a board page loads up front.

Never part of the app itself; only the benchmarks load this module.
"""

from __future__ import annotations

import flask
from dash import Dash, html

import app as wallboard
from web.boards import EXTENSION
from web.lazy_libraries import IndexScripts

CAPTURE_KEY = "bench:floor:{scene}:{case}"

board_app = wallboard.__getattr__("app")
server = board_app.server
board = server.extensions[EXTENSION]


@server.post("/bench/capture/<scene>")
def capture(scene: str) -> flask.Response:
    """Keep the bytes (and status) the refresh callback answered, for the floor to return."""
    status = int(flask.request.args.get("status", "200"))
    body = flask.request.get_data()
    board.store.cache.set(_capture_key(scene), (status, body), 0)
    return flask.jsonify({"kept": len(body)})


@server.post("/bench/floor/<scene>")
def floor(scene: str) -> flask.Response:
    """The same cache reads as the callback, then the captured bytes."""
    for dataset in board.settings.scenes[scene].datasets:
        board.store.read(dataset)
    status, body = board.store.cache.get(_capture_key(scene)) or (200, b"{}")
    if status == 204:
        return flask.Response(status=204)
    return flask.Response(body, status=status, mimetype="application/json")


def _capture_key(scene: str) -> str:
    return CAPTURE_KEY.format(scene=scene, case=flask.request.args.get("case", "idle"))


bare = Dash(__name__, server=server, url_base_pathname="/bench/bare/", title="Bare Dash")
bare.index_string = bare.index_string.replace("<html>", '<html lang="en">')
# The component scripts a board page loads up front (dash-ag-grid only comes with a Data view).
bare.scripts = IndexScripts(bare.config.serve_locally, bare.config.eager_loading)
bare.layout = html.Main([html.H1("Bare Dash page"), html.P("The framework floor.")])
