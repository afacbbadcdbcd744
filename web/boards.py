"""The board a Flask app serves: kept in the app's extensions, read back per request.

The data side (engine/) knows nothing of Flask; the web side finds the board here.
"""

from __future__ import annotations

import flask

from engine.board import Board

EXTENSION = "wallboard"  # the key in Flask's app.extensions (gunicorn.conf.py reads it too)


def current_board() -> Board:
    """The board of the app serving the current request."""
    return flask.current_app.extensions[EXTENSION]
