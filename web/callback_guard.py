"""Dash's own routes against hand-made requests: a 4xx with a short JSON reason, never a 500.

Dash 4.4 answers a callback request it cannot use with a 500 (and a traceback in the log): a body
that is JSON but not an object, one without `output` or `inputs`, an output no server callback
has, inputs or state that are not the callback's, a non-string URL for its page router. Browsers
never send those; scanners and hand-written requests do. A before-request hook (`callback_checker`,
installed by web.hooks) checks the body of `POST /_dash-update-component` before Dash reads it:
its size (413), media type (415), JSON (400), shape, and that its outputs, inputs, state and
changed ids are those the renderer sends for the server callback Dash will run (400). What a
callback then does with the values is the callback's business: it refuses one it cannot use with
`refuse(reason)` (400), and any other exception is a bug of ours, a 500 in the log. A
`/_dash-component-suites/` path that is no registered resource (`..` in it) is a 404 rather than
Dash's DependencyException, a 500.

A body's shape (its ids, properties and changed ids, not its values) is checked once: a shape
the checks admitted is admitted again without them (AdmittedShapes), and only the values the
guard reads, the page router's, are checked on every request.

What a request may look like is derived from the callback itself, never listed by hand. Dash runs
`app.callback_map[body["output"]]` (dash.dash `_prepare_callback`; `dash.callback`s of the
global list are moved into that map by Dash's own first before-request hook, which runs before
this one). The renderer builds the rest from that same key and the callback's dependencies
(dash-renderer `executeCallback`, `fillVals`, `unwrapIfNotMulti`):

- `outputs`: a list with one slot per output when the key is a multi-output one (`..a.x...b.y..`),
  else the one slot alone; absent for a callback without outputs. Each property is the key's own
  text for it, so a duplicate output (`allow_duplicate=True`) is `prop@<hash>`.
- `inputs` and `state`: one slot per dependency, in order (`state` absent when there is none).
- a slot is one `{id, property, value}` item, or a list of them (possibly empty) when the id has
  an ALL or ALLSMALLER wildcard; a wildcard stands for any scalar, a MATCH for the same value in
  every slot of the request.
- `changedPropIds`: `<id>.<property>` (a dict id as JSON) of inputs that changed, each checked
  against the inputs' patterns rather than the items sent: one changed just before its component
  left the layout is still named.
- an optional input (`allow_optional=True`) missing from the layout comes as its own
  `{id, property, allow_optional}` with a null value: a string id fits as it is; for a pattern id
  the renderer sends its `{"wild": ...}` placeholders, refused here (no callback of ours has one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import flask
from dash import ALL, ALLSMALLER, MATCH, Dash
from dash.dependencies import Wildcard
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
MANY = (ALL, ALLSMALLER)  # wildcards that stand for a list of components
WILDCARD_JSON = [[w.value] for w in Wildcard]  # a wildcard in a stringified id: ["ALL"]
SCALARS = (str, int, float, bool)  # what a dict id's value may be (Dash validates layouts so)
# Inputs of Dash's page router that it uses as strings without checking (dash.dash router):
# the path always (a location always has one; with a path template, as /instrument/<ident>
# has, Dash splits it), the query string or nothing.
ROUTER_TEXT = {("_pages_location", "pathname"): str, ("_pages_location", "search"): str | None}


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class Item(_Strict):
    """One component property as the renderer names it (an output, input or state)."""

    id: str | dict[str, str | int | float | bool]
    property: str


Slot = Item | list[Item]  # a list for an ALL or ALLSMALLER dependency


class CallbackBody(_Strict):
    """The JSON the renderer posts to /_dash-update-component."""

    output: str
    outputs: Slot | list[Slot] | None = None  # absent for a callback without outputs
    inputs: list[Slot]
    state: list[Slot] = []  # absent for a callback without state
    changedPropIds: list[str] = []  # the renderer's name for the trigger(s)


def refuse(reason: str) -> NoReturn:
    """Answer the current request with 400 and `reason` (for a callback given a value it cannot
    use; the reason should not repeat the value)."""
    flask.abort(flask.make_response(flask.jsonify({"error": reason}), 400))


def callback_checker(app: Dash) -> Callable[[], tuple[flask.Response, int] | None]:
    """The before-request hook that checks callback requests before Dash reads them: None to
    let one through, else the 4xx answer. web.hooks installs it, in its place among the board's
    hooks (after Dash's own, which fill the callback map it reads)."""
    route = app.config.routes_pathname_prefix + "_dash-update-component"

    def check_callback_request() -> tuple[flask.Response, int] | None:
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
        if admitted.holds(app.callback_map, raw):
            problem = router_problem(raw["inputs"])
        else:
            problem = callback_problem(app.callback_map, raw)
            if problem is None:
                admitted.add(app.callback_map, raw)
        return _error(400, problem) if problem else None

    admitted = AdmittedShapes()
    return check_callback_request


def refuse_unknown_resources(app: Dash) -> None:
    """A `/_dash-component-suites/` path that is no registered resource: 404, not Dash's 500."""

    @app.server.errorhandler(DependencyException)
    def _unknown_resource(_exc: DependencyException) -> tuple[flask.Response, int]:
        return _error(404, "no such resource")


def guard(app: Dash) -> None:
    """The guard on a bare Dash app of its own (the browser tests build such apps): the
    callback check and the 404 for unknown resources. The board's app gets both from
    web.hooks.install_hooks, the check in its place among the board's other hooks."""
    app.server.before_request(callback_checker(app))
    refuse_unknown_resources(app)


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
    shape = _shape_of(body.output, spec)
    if shape is None:
        return "unknown callback output"
    if not _outputs_fit(body.outputs, shape):
        return "outputs do not match the callback"
    if not _all_fit(body.inputs, shape.inputs):
        return "inputs do not match the callback"
    if not _all_fit(body.state, shape.state):
        return "state does not match the callback"
    if not _one_match_value(body, shape):
        return "MATCH ids differ within the request"
    if not all(
        any(_item_fits(*_changed(changed), dep) for dep in shape.inputs)
        for changed in body.changedPropIds
    ):
        return "changedPropIds names a component that is not an input"
    return router_problem(raw["inputs"])


def router_problem(inputs: list) -> str | None:
    """Why the values of an admitted body's inputs cannot be the page router's, or None: the
    one check of a body that reads values, not ids (so it is never taken from the memo)."""
    for item in (item for slot in inputs for item in (slot if isinstance(slot, list) else [slot])):
        component, prop = item["id"], item["property"]
        kind = ROUTER_TEXT.get((component, prop)) if isinstance(component, str) else None
        if kind is not None and not isinstance(item.get("value"), kind):
            return f"{component}.{prop} must be a string"
    return None


_ABSENT = object()  # a key the body leaves out (not the same shape as a null)


class AdmittedShapes:
    """The shapes of callback bodies the checks admitted, so the same shape is admitted again
    without them: every screen posts the same few shapes (ids, properties, changed ids) every
    tick, with only the values changing, and the checks were a third of an idle tick's time.

    A shape is everything `callback_problem` reads but the router's values: the body's keys, the
    output, each slot's items by id (with each value's type: True is not 1) and property, the
    changed ids. A body with anything the checks might refuse for its types (a key that is no
    string, an id value that is no scalar) has no shape and is always checked in full. Each
    shape is kept with the callback_map entry it was admitted for, so an app that registers a
    callback anew never reuses it.
    """

    LIMIT = 4096  # shapes kept: pattern ids make one per scene and symbol, far fewer than this

    def __init__(self) -> None:
        self._shapes: dict[tuple, dict] = {}

    def holds(self, callback_map: dict[str, dict], raw: Any) -> bool:
        """Whether a body of this shape was admitted for the callback it names now."""
        shape = body_shape(raw)
        return shape is not None and self._shapes.get(shape, _ABSENT) is callback_map.get(shape[0])

    def add(self, callback_map: dict[str, dict], raw: Any) -> None:
        """Keep the shape of a body the checks admitted."""
        shape = body_shape(raw)
        if shape is None:
            return
        if len(self._shapes) >= self.LIMIT:
            self._shapes.clear()
        self._shapes[shape] = callback_map[shape[0]]


def body_shape(raw: Any) -> tuple | None:
    """The hashable shape of a callback body (see AdmittedShapes), or None when it has none."""
    if type(raw) is not dict or type(raw.get("output")) is not str:
        return None
    keys = ("outputs", "inputs", "state")
    slots = tuple(_slots_shape(raw.get(key, _ABSENT)) for key in keys)
    changed = raw.get("changedPropIds", _ABSENT)
    if changed is not _ABSENT:
        if type(changed) is not list or any(type(c) is not str for c in changed):
            return None
        changed = tuple(changed)
    if any(slot is None for slot in slots):
        return None
    return (raw["output"], *slots, changed)


def _slots_shape(given: Any) -> Any:
    if given is _ABSENT or given is None:
        return given
    if type(given) is dict:
        return _item_shape(given)
    if type(given) is not list:
        return None
    shapes = tuple(_slots_shape(slot) for slot in given)
    return None if any(shape is None for shape in shapes) else ("list", shapes)


def _item_shape(item: dict) -> tuple | None:
    component, prop = item.get("id"), item.get("property")
    if type(prop) is not str:
        return None
    if type(component) is str:
        return (component, prop)
    if type(component) is not dict:
        return None
    values = []
    for key, value in component.items():
        if type(key) is not str or type(value) not in (str, int, float, bool):
            return None
        values.append((key, type(value).__name__, value))
    return (tuple(values), prop)


@dataclass(frozen=True)
class Dependency:
    """One output, input or state of a callback, as the renderer names it in a request."""

    id: str | dict[str, Any]  # a pattern's wildcards as Dash's Wildcard members
    property: str  # for a duplicate output, `prop@<hash>` (the browser sends it so)

    @property
    def many(self) -> bool:
        """Whether its slot is a list of items (an ALL or ALLSMALLER id), not one item."""
        return isinstance(self.id, dict) and any(v in MANY for v in self.id.values())


@dataclass(frozen=True)
class Shape:
    """What the renderer posts for one server callback."""

    outputs: list[Dependency]
    multi_output: bool  # `outputs` is a list of slots (else the one slot, or absent if none)
    inputs: list[Dependency]
    state: list[Dependency]


# output key -> (the callback_map entry it was worked out from, its shape): every tick of every
# screen asks for one of a few callbacks, and a shape is some JSON parsing to work out.
_SHAPES: dict[str, tuple[dict, Shape | None]] = {}


def _shape_of(output: str, spec: dict) -> Shape | None:
    """request_shape, worked out once per callback_map entry."""
    known = _SHAPES.get(output)
    if known is None or known[0] is not spec:
        if len(_SHAPES) > 256:  # only a new app (the tests build many) makes new entries
            _SHAPES.clear()
        known = _SHAPES[output] = (spec, request_shape(output, spec))
    return known[1]


def request_shape(output: str, spec: dict) -> Shape | None:
    """The request shape of the callback Dash registered as `callback_map[output]`, or None when
    the key and its outputs disagree (never for a callback Dash registered itself)."""
    inputs = [_registered(dep) for dep in spec["inputs"]]
    state = [_registered(dep) for dep in spec["state"]]
    if spec.get("no_output"):
        return Shape([], False, inputs, state)
    registered = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    # The renderer's own reading of the key (isMultiOutputProp, parseMultipleOutputs,
    # splitIdAndProp): the property is what follows the last dot, `@<hash>` included.
    multi = output.startswith("..")
    parts = output[2:-2].split("...") if multi else [output]
    props = [part.rpartition(".")[2] for part in parts]
    if len(props) != len(registered) or any(
        prop.split("@")[0] != dep.component_property
        for prop, dep in zip(props, registered, strict=True)
    ):
        return None
    outputs = [
        Dependency(_pattern(dep.component_id), prop)
        for dep, prop in zip(registered, props, strict=True)
    ]
    return Shape(outputs, multi, inputs, state)


def _registered(dep: dict) -> Dependency:
    """An input or state of callback_map, whose id is stringified (a pattern as JSON)."""
    component_id = dep["id"]
    parsed = json.loads(component_id) if component_id.startswith("{") else component_id
    return Dependency(_pattern(parsed), dep["property"])


def _pattern(component_id: Any) -> str | dict[str, Any]:
    """A dependency id with its wildcards (Wildcard, or `["ALL"]` as JSON) as Wildcard members."""
    if not isinstance(component_id, dict):
        return component_id
    return {
        key: Wildcard(value[0]) if value in WILDCARD_JSON else value
        for key, value in component_id.items()
    }


def _outputs_fit(given: Any, shape: Shape) -> bool:
    if not shape.outputs:  # a callback without outputs: the renderer sends none
        return given is None or given == []
    if shape.multi_output:
        return _all_fit(given, shape.outputs)
    return given is not None and _fits(given, shape.outputs[0])


def _all_fit(given: Any, expected: list[Dependency]) -> bool:
    if not isinstance(given, list) or len(given) != len(expected):
        return False
    return all(_fits(slot, dep) for slot, dep in zip(given, expected, strict=True))


def _fits(slot: Slot, dep: Dependency) -> bool:
    """Whether a slot of the body is `dep`: a list of its components for ALL or ALLSMALLER."""
    if isinstance(slot, list) != dep.many:
        return False
    items = slot if isinstance(slot, list) else [slot]
    return all(_item_fits(item.id, item.property, dep) for item in items)


def _item_fits(component_id: Any, prop: str, dep: Dependency) -> bool:
    if prop != dep.property:
        return False
    pattern = dep.id
    if isinstance(pattern, str) or not isinstance(component_id, dict):
        return component_id == pattern
    if component_id.keys() != pattern.keys():
        return False
    return all(
        isinstance(given, SCALARS)
        if isinstance(wanted, Wildcard)
        else given == wanted and isinstance(given, bool) == isinstance(wanted, bool)
        for given, wanted in ((component_id[key], pattern[key]) for key in pattern)
    )


def _one_match_value(body: CallbackBody, shape: Shape) -> bool:
    """Whether each MATCH key has one value across the request (the renderer resolves a MATCH
    callback for one set of values)."""
    outputs = body.outputs if shape.multi_output else [body.outputs]
    seen: dict[str, set] = {}
    slots = zip(
        [*(outputs if shape.outputs else []), *body.inputs, *body.state],
        [*shape.outputs, *shape.inputs, *shape.state],
        strict=True,
    )
    for slot, dep in slots:
        if not isinstance(dep.id, dict):
            continue
        for item in slot if isinstance(slot, list) else [slot]:
            for key, wanted in dep.id.items():
                if wanted is MATCH:
                    value = item.id[key]
                    seen.setdefault(key, set()).add((type(value), value))
    return all(len(values) == 1 for values in seen.values())


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
