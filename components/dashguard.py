"""Dash's own routes against hand-made requests: a 4xx with a short JSON reason, never a 500.

Dash 4.4 answers a callback request it cannot use with a 500 (and a traceback in the log): a body
that is JSON but not an object, one without `output` or `inputs`, an output no server callback
has, inputs or state that are not the callback's, a non-string URL for its page router. Browsers
never send those; scanners and hand-written requests do. `guard(app)` checks the body of
`POST /_dash-update-component` before Dash reads it: its size (413), media type (415), JSON (400),
shape, and that its output, inputs, state and changed ids are those of one of the app's server
callbacks (400). What a callback then does with the values is the callback's business: it refuses
one it cannot use with `refuse(reason)` (400), and any other exception is a bug of ours, a 500 in
the log. A `/_dash-component-suites/` path that is no registered resource (`..` in it) is a 404
rather than Dash's DependencyException, a 500.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import flask
from dash import Dash
from dash.exceptions import DependencyException
from pydantic import BaseModel, ConfigDict, ValidationError
from werkzeug.exceptions import HTTPException

# A real callback body here is a few hundred bytes: ids, a version, the URL query (at most 4 KiB:
# gunicorn caps the request line). Ten times the largest leaves room for growth, not a flood.
MAX_BODY_BYTES = 64 * 1024
UNREADABLE = {
    400: "the body is not valid JSON",
    413: f"the body is over {MAX_BODY_BYTES} bytes",
    415: "the body must be application/json",
}
WILDCARDS = (["ALL"], ["ALLSMALLER"])  # pattern values that stand for a list of components
# Inputs of Dash's page router that it uses as strings without checking (dash.dash router).
ROUTER_TEXT = (("_pages_location", "pathname"), ("_pages_location", "search"))


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class Item(_Strict):
    """One component property as the renderer names it (an output, input or state)."""

    id: str | dict[str, str | int | float | bool]
    property: str


Slot = Item | list[Item]  # a list for a wildcard (ALL) dependency


class CallbackBody(_Strict):
    """The JSON the renderer posts to /_dash-update-component."""

    output: str
    outputs: Slot | list[Slot]
    inputs: list[Slot]
    state: list[Slot] = []
    changedPropIds: list[str] = []  # the renderer's name for the trigger(s)


def refuse(reason: str) -> NoReturn:
    """Answer the current request with 400 and `reason` (for a callback given a value it cannot
    use; the reason should not repeat the value)."""
    flask.abort(flask.make_response(flask.jsonify({"error": reason}), 400))


def guard(app: Dash) -> None:
    """Check callback requests before Dash reads them; 404 for unknown component-suite paths."""
    server = app.server
    route = app.config.routes_pathname_prefix + "_dash-update-component"

    @server.before_request
    def _check_callback_request() -> tuple[flask.Response, int] | None:
        request = flask.request
        if request.path != route or request.method != "POST":
            return None
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _error(413, UNREADABLE[413])
        # A chunked body has no length to check: werkzeug reads it up to the cap and stops there.
        request.max_content_length = MAX_BODY_BYTES
        try:
            request.get_data(cache=True)
            if request.content_length is None and getattr(request.stream, "is_exhausted", False):
                return _error(413, UNREADABLE[413])
            raw = request.get_json()  # parsed once: Dash reads the cached value
        except HTTPException as exc:
            code = exc.code or 400
            return _error(code, UNREADABLE.get(code, "unreadable body"))
        problem = callback_problem(app.callback_map, raw)
        return _error(400, problem) if problem else None

    @server.errorhandler(DependencyException)
    def _unknown_resource(_exc: DependencyException) -> tuple[flask.Response, int]:
        return _error(404, "no such resource")


def callback_problem(callback_map: dict[str, dict], raw: Any) -> str | None:
    """Why a parsed callback body cannot be one of these callbacks' requests, or None."""
    try:
        body = CallbackBody.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"malformed callback request: {where}: {first['msg']}"[:200]
    spec = callback_map.get(body.output)
    if spec is None or "callback" not in spec:  # clientside callbacks have no server function
        return "unknown callback output"
    outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    given_outputs = body.outputs if isinstance(spec["output"], list) else [body.outputs]
    if not spec.get("no_output") and not _all_fit(
        given_outputs, [(o.component_id_str(), o.component_property) for o in outputs]
    ):
        return "outputs do not match the callback"
    if not _all_fit(body.inputs, [(i["id"], i["property"]) for i in spec["inputs"]]):
        return "inputs do not match the callback"
    if not _all_fit(body.state, [(s["id"], s["property"]) for s in spec["state"]]):
        return "state does not match the callback"
    inputs = [item for slot in body.inputs for item in (slot if isinstance(slot, list) else [slot])]
    if any(
        _changed(changed) not in [(i.id, i.property) for i in inputs]
        for changed in body.changedPropIds
    ):
        return "changedPropIds names a component that is not an input"
    for item in inputs:
        if (item.id, item.property) in ROUTER_TEXT and not isinstance(
            getattr(item, "value", None), str | None
        ):
            return f"{item.id}.{item.property} must be a string"
    return None


def _all_fit(given: Any, expected: list[tuple[str, str]]) -> bool:
    if not isinstance(given, list) or len(given) != len(expected):
        return False
    return all(
        _fits(slot, spec_id, prop) for slot, (spec_id, prop) in zip(given, expected, strict=True)
    )


def _fits(slot: Slot, spec_id: str, prop: str) -> bool:
    """Whether a slot of the body is the dependency `spec_id.prop` (a pattern is JSON)."""
    pattern = json.loads(spec_id) if spec_id.startswith("{") else spec_id
    wild = isinstance(pattern, dict) and any(v in WILDCARDS for v in pattern.values())
    if isinstance(slot, list) != wild:
        return False
    return all(
        item.property == prop and _id_fits(item.id, pattern)
        for item in (slot if isinstance(slot, list) else [slot])
    )


def _id_fits(given: str | dict, pattern: str | dict) -> bool:
    if isinstance(pattern, str) or isinstance(given, str):
        return given == pattern
    # A wildcard (MATCH, ALL, ALLSMALLER: a list in the pattern) takes any scalar value.
    return given.keys() == pattern.keys() and all(
        isinstance(value, list) or given[key] == value for key, value in pattern.items()
    )


def _changed(prop_id: str) -> tuple[Any, str]:
    """A changedPropIds entry, `<id>.<property>` with a dict id as JSON, as (id, property)."""
    component, _, prop = prop_id.rpartition(".")
    if component.startswith("{"):
        try:
            return json.loads(component), prop
        except ValueError:
            return None, prop
    return component, prop


def _error(status: int, reason: str) -> tuple[flask.Response, int]:
    return flask.jsonify({"error": reason}), status
