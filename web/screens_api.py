"""The screens' beat and the operators' JSON API (issue 19).

`POST /api/screens/beat` is every screen's one request (no token: screens are anonymous): it
records the screen's report (engine.screens) and answers the operators' control for it
(engine.control), or 204 when the screen already applied the current version.

The rest is for scripts and chat-ops, with `Authorization: Bearer <token>` (web.auth decides):
- `GET /api/screens`, `GET /api/audit` (viewer or admin);
- `POST|DELETE /api/broadcast`, `POST|DELETE /api/pin`, `POST /api/screens/reload`,
  `POST|DELETE /api/skip`, `POST /api/scenes/<scene>`, `POST /api/refresh/<dataset>` (admin).
Bodies are JSON objects whose shape is checked here (400 with the reason); the values are the
engine's to judge (ActionRefused, also a 400). Every action is audited by the engine with the
role as its actor. No body is ever echoed as markup: answers are JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import flask

from engine.board import Board
from engine.control import ActionRefused
from engine.screens import ScreenRefused
from web.auth import Refused, api_route, client_address, gate_of

MAX_BEAT_BYTES = 4096
MAX_ACTION_BYTES = 4096
MAX_SEEN_CHARS = 128
AUDIT_LIMIT_DEFAULT, AUDIT_LIMIT_MAX = 200, 1000
NUMBER = (int, float)
TEXT = (str,)
TARGETS = (list, type(None))
BEAT_FIELDS = {"id": TEXT, "seen": TEXT, "report": (dict, type(None))}

# Each action's body: the allowed keys with their JSON types, and the required ones.
BROADCAST = (
    {"text": TEXT, "ttl_s": NUMBER, "severity": TEXT, "screens": TARGETS},
    {"text", "ttl_s"},
)
TARGETED = ({"screens": TARGETS}, set())
PIN = ({"scene": TEXT, "minutes": NUMBER, "screens": TARGETS}, {"scene", "minutes"})
SKIP = (
    {"scene": TEXT, "minutes": NUMBER, "until": TEXT, "screens": TARGETS},
    {"scene"},
)
UNSKIP = ({"scene": TEXT}, {"scene"})
SCENE = ({"dwell_s": NUMBER, "order": (int,)}, set())
NOTHING: tuple[dict[str, tuple], set[str]] = ({}, set())


def read_body(limit: int) -> bytes:
    """The request body, at most `limit` bytes; Refused 413 beyond."""
    request = flask.request
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, f"the body is larger than {limit} bytes")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise Refused(413, f"the body is larger than {limit} bytes")
    return data


def parse_object(data: bytes, fields: Mapping[str, tuple], required: set[str]) -> dict[str, Any]:
    """The body as a JSON object of the allowed keys and types; Refused 400 naming the fault."""
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise Refused(400, "the body must be a JSON object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        allowed = ", ".join(sorted(fields)) or "none"
        raise Refused(400, f"unknown key {unknown[0]!r} (allowed: {allowed})")
    missing = sorted(required - set(body))
    if missing:
        raise Refused(400, f"{missing[0]!r} is required")
    for key, value in body.items():
        types = fields[key]
        # JSON true/false are Python bools, which are ints too: never a number here.
        if isinstance(value, bool) or not isinstance(value, types):
            raise Refused(400, f"{key!r} must be {_kind(types)}")
    if isinstance(body.get("screens"), list) and not all(
        isinstance(s, str) for s in body["screens"]
    ):
        raise Refused(400, "'screens' must be a list of screen ids or names")
    return body


def _kind(types: tuple) -> str:
    names = {int: "a number", float: "a number", str: "a string", list: "a list"}
    names |= {dict: "an object", type(None): "null"}
    return " or ".join(dict.fromkeys(names[t] for t in types))


def action_body(spec: tuple[Mapping[str, tuple], set[str]]) -> dict[str, Any]:
    """An action's JSON body checked against its spec (an empty body is {} when nothing is
    required, so `DELETE /api/pin` needs none)."""
    fields, required = spec
    data = read_body(MAX_ACTION_BYTES)
    if not data.strip():
        if required:
            raise Refused(400, f"{sorted(required)[0]!r} is required")
        return {}
    if flask.request.mimetype != "application/json":
        raise Refused(415, "send the body as application/json")
    return parse_object(data, fields, required)


def parse_until(text: str) -> datetime:
    """An ISO time with its offset ("2026-12-05T17:00:00Z"); Refused 400 otherwise."""
    try:
        until = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(400, "'until' must be an ISO time such as 2026-12-05T17:00:00Z") from None
    if until.tzinfo is None:
        raise Refused(400, "'until' needs its offset (Z or +01:00)")
    return until


def beat_answer(board: Board, screen_id: str, seen: str, report: dict | None) -> flask.Response:
    """The beat's answer: 204 when the screen has the current version and sent no report (so it
    needs nothing), else the control for it with the pace of beats and reports."""
    control = board.control
    version = control.version()
    if seen == version and report is None:
        return flask.Response(status=204)
    name = report.get("name") if report is not None else _known_name(board, screen_id)
    config = board.settings.screens
    return flask.jsonify(
        {
            "version": version,
            "report_every_ms": int(config.report_every_s * 1000),
            "beat_ms": int(config.beat_ms),
            "control": control.for_screen(screen_id, name if isinstance(name, str) else None),
        }
    )


def _known_name(board: Board, screen_id: str) -> str | None:
    """The name a screen gave in its last report (a beat without a report carries none)."""
    entry = board.screens.entry(screen_id)
    return entry.report.name if entry is not None else None


def register_screens_api(server: flask.Flask, board: Board) -> None:
    """Add the beat and the operators' API to `server`."""
    gate = gate_of(server, board)
    reader, actor = api_route(gate, act=False), api_route(gate, act=True)

    @server.post("/api/screens/beat")
    def screens_beat() -> flask.Response | tuple[flask.Response, int]:
        try:
            if flask.request.mimetype != "application/json":
                raise Refused(415, "a beat is application/json")
            body = parse_object(read_body(MAX_BEAT_BYTES), BEAT_FIELDS, {"id"})
            seen = body.get("seen", "")
            if len(seen) > MAX_SEEN_CHARS:
                raise Refused(400, "'seen' is too long")
            board.screens.beat(body["id"], body.get("report"), client_address())
        except Refused as refused:
            return refused.json_response()
        except ScreenRefused as exc:
            return flask.jsonify({"error": str(exc)}), 400
        return beat_answer(board, body["id"], seen, body.get("report"))

    @server.get("/api/screens")
    @reader
    def api_screens(role: str) -> flask.Response:
        return flask.jsonify({"screens": board.screens.rows(), "summary": board.screens.summary()})

    @server.get("/api/audit")
    @reader
    def api_audit(role: str) -> flask.Response | tuple[flask.Response, int]:
        try:
            limit = int(flask.request.args.get("limit", AUDIT_LIMIT_DEFAULT))
        except ValueError:
            return flask.jsonify({"error": "'limit' must be a whole number"}), 400
        if not 1 <= limit <= AUDIT_LIMIT_MAX:
            return flask.jsonify({"error": f"'limit' must be 1 to {AUDIT_LIMIT_MAX}"}), 400
        return flask.jsonify({"audit": board.control.audit(limit)})

    def act(spec: tuple, do) -> flask.Response | tuple[flask.Response, int]:
        """Check the body, run the action through board.control, answer its result as JSON."""
        try:
            result = do(action_body(spec))
        except Refused as refused:
            return refused.json_response()
        except ActionRefused as exc:
            return flask.jsonify({"error": str(exc)}), 400
        return flask.jsonify(result)

    @server.post("/api/broadcast")
    @actor
    def api_broadcast(role: str):
        return act(BROADCAST, lambda body: board.control.broadcast(**body, actor=role))

    @server.delete("/api/broadcast")
    @actor
    def api_clear_broadcast(role: str):
        return act(TARGETED, lambda body: board.control.clear_broadcast(**body, actor=role))

    @server.post("/api/pin")
    @actor
    def api_pin(role: str):
        return act(PIN, lambda body: board.control.pin(**body, actor=role))

    @server.delete("/api/pin")
    @actor
    def api_unpin(role: str):
        return act(TARGETED, lambda body: board.control.unpin(**body, actor=role))

    @server.post("/api/screens/reload")
    @actor
    def api_reload(role: str):
        return act(TARGETED, lambda body: board.control.reload(**body, actor=role))

    def skip(body: dict[str, Any], role: str) -> dict:
        if ("until" in body) == ("minutes" in body):
            raise Refused(400, "give either 'minutes' or 'until'")
        if "until" in body:
            # engine.control takes the time as ISO text (its own check: within the next week).
            body["until"] = parse_until(body["until"]).isoformat()
        return board.control.skip(**body, actor=role)

    @server.post("/api/skip")
    @actor
    def api_skip(role: str):
        return act(SKIP, lambda body: skip(body, role))

    @server.delete("/api/skip")
    @actor
    def api_unskip(role: str):
        return act(UNSKIP, lambda body: board.control.unskip(**body, actor=role))

    @server.post("/api/scenes/<scene>")
    @actor
    def api_scene(role: str, scene: str):
        return act(SCENE, lambda body: board.control.set_scene(scene=scene, **body, actor=role))

    @server.post("/api/refresh/<dataset>")
    @actor
    def api_refresh(role: str, dataset: str):
        return act(NOTHING, lambda body: board.control.refresh(dataset=dataset, actor=role))
