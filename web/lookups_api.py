"""`GET /api/lookup/<ident>?series=daily&screen=<id>`: ask for one instrument's or symbol's
history (engine.lookups) and read what the leading refresher has for it, as JSON.

The same ask the instrument page makes: it records the screen's wish in the shared cache and
answers at once with the current result ("fetching" until the refresher wrote one); it never
calls an upstream. A malformed symbol or screen id is a 400, a cap reached a 429, each with its
reason in `error` (plain JSON text, never HTML).
"""

from __future__ import annotations

import flask

from engine.board import Board
from engine.lookups import LookupRefused, check_screen, lookup_for


def register_lookups_api(server: flask.Flask, board: Board) -> None:
    """Add the lookup endpoint to `server`."""

    @server.get("/api/lookup/<path:ident>")
    def api_lookup(ident: str) -> tuple[flask.Response, int] | flask.Response:
        series = flask.request.args.get("series", "daily")
        screen = flask.request.args.get("screen", "")
        try:
            check_screen(screen)
            lookup = lookup_for(board.settings, ident, series)
        except LookupRefused as exc:
            return flask.jsonify({"error": str(exc)}), 400
        try:
            result = board.ask_lookup(lookup, screen)
        except LookupRefused as exc:
            return flask.jsonify({"error": str(exc)}), 429
        return flask.Response(result.model_dump_json(), mimetype="application/json")
