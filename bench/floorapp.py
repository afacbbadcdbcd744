"""The board plus two floors for the benchmarks, in the same gunicorn (`bench.floorapp:server`):

- `POST /bench/floor/<scene>`: a bare Flask route that reads the scene's snapshots from the same
  cache as the refresh callback and returns the bytes that callback returned (captured by the
  benchmark into the cache first): what serving a refresh costs without Dash.
- `/bench/bare/`: a bare Dash page (same Dash, same server): the framework's own page load.

Never part of the app itself; only the benchmarks load this module.
"""

from __future__ import annotations

import flask
from dash import Dash, html

import app as wallboard
from web.boards import EXTENSION

CAPTURE_KEY = "bench:floor:{scene}"

board_app = wallboard.__getattr__("app")
server = board_app.server
board = server.extensions[EXTENSION]


@server.post("/bench/capture/<scene>")
def capture(scene: str) -> flask.Response:
    """Keep the bytes (and status) the refresh callback answered, for the floor to return."""
    status = int(flask.request.args.get("status", "200"))
    body = flask.request.get_data()
    board.store.cache.set(CAPTURE_KEY.format(scene=scene), (status, body), 0)
    return flask.jsonify({"kept": len(body)})


@server.post("/bench/floor/<scene>")
def floor(scene: str) -> flask.Response:
    """The same cache reads as the callback, then the captured bytes."""
    for dataset in board.settings.scenes[scene].datasets:
        board.store.read(dataset)
    status, body = board.store.cache.get(CAPTURE_KEY.format(scene=scene)) or (200, b"{}")
    return flask.Response(body, status=status, mimetype="application/json")


bare = Dash(__name__, server=server, url_base_pathname="/bench/bare/", title="Bare Dash")
bare.index_string = bare.index_string.replace("<html>", '<html lang="en">')
bare.layout = html.Main([html.H1("Bare Dash page"), html.P("The framework floor.")])
