"""The bodies a browser posts to /_dash-update-component (CALLBACK): a scene's refresh tick, the
page content Dash pages asks for when the URL changes, any shell callback; and the version a
refresh answer carries."""

from __future__ import annotations

import json

CALLBACK = "/_dash-update-component"


def scene_refresh_body(
    dependencies: list[dict],
    scene: str,
    *,
    tick: int = 1,
    shown_version: str | None = None,
    query: dict | None = None,
    polling_ms: int | None = None,
) -> dict:
    """Built from /_dash-dependencies as the renderer builds it: the MATCH ids bound to the
    scene, the tick as input, the version the screen shows, its URL query and how often it
    polls (None: not known, as before the first answer) as state."""
    (dependency,) = [d for d in dependencies if "scene-badges" in d["output"]]

    def bind(component_id: str) -> str | dict:
        if not component_id.startswith("{"):
            return component_id
        parsed = json.loads(component_id)
        return {k: scene if v == ["MATCH"] else v for k, v in parsed.items()}

    outputs = [{"id": bind(c), "property": prop} for c, prop in _outputs(dependency)]
    inputs = [
        {"id": bind(i["id"]), "property": i["property"], "value": tick}
        for i in dependency["inputs"]
    ]
    values = {"version": shown_version, "query": query or {}, "tick": polling_ms}
    state = [
        {
            "id": bind(s["id"]),
            "property": s["property"],
            "value": values.get(bind(s["id"])["type"].removeprefix("scene-")),
        }
        for s in dependency["state"]
    ]
    trigger = json.dumps(inputs[0]["id"], separators=(",", ":"), sort_keys=True)
    return {
        "output": dependency["output"],
        "outputs": outputs,
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{trigger}.{inputs[0]['property']}"],
    }


def page_body(dependencies: list[dict], pathname: str, search: str = "") -> dict:
    """The body of Dash pages' content callback for a URL: what a browser posts on a page load
    or a carousel move, and what renders the scene's layout on the server."""
    (dependency,) = [d for d in dependencies if "_pages_content" in d["output"]]
    values = {"pathname": pathname, "search": search}
    inputs = [
        {"id": i["id"], "property": i["property"], "value": values.get(i["property"])}
        for i in dependency["inputs"]
    ]
    return {
        "output": dependency["output"],
        "outputs": [{"id": c, "property": prop} for c, prop in _outputs(dependency)],
        "inputs": inputs,
        "state": [],
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }


def callback_body(
    dependencies: list[dict], output: str, values: dict[str, object] | None = None
) -> dict:
    """The body of the (non-pattern) callback with `output` ("id.property") among its outputs,
    each input and state set from `values` by "id.property" (None when not given); the first
    input is the trigger."""
    (dependency,) = [d for d in dependencies if output in d["output"] and output in _outputs_of(d)]
    values = values or {}

    def bound(items: list[dict]) -> list[dict]:
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    inputs = bound(dependency["inputs"])
    return {
        "output": dependency["output"],
        "outputs": [{"id": c, "property": prop} for c, prop in _outputs(dependency)],
        "inputs": inputs,
        "state": bound(dependency["state"]),
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }


def _outputs_of(dependency: dict) -> list[str]:
    return [f"{c}.{prop}" for c, prop in _outputs(dependency)]


def version_of(answer: dict) -> str | None:
    """The scene's version in a refresh callback's answer (None when not sent)."""
    for component, props in answer.get("response", {}).items():
        if "scene-version" in component:
            return props.get("data")
    return None


def poll_of(answer: dict) -> int | None:
    """How often a refresh callback's answer asks the screen to poll (None when not sent)."""
    for component, props in answer.get("response", {}).items():
        if "scene-tick" in component:
            return props.get("interval")
    return None


def body_sent(answer: dict | None) -> str:
    """How a scene refresh's answer (its JSON; None for a 204) sends the scene: "unchanged",
    "whole" (the body among the outputs), or "in place" (each changed prop set on its own
    component: Dash's `sideUpdate`)."""
    if not answer:
        return "unchanged"
    if any("scene-body" in component for component in answer.get("response", {})):
        return "whole"
    return "in place" if answer.get("sideUpdate") else "unchanged"


def _outputs(dependency: dict) -> list[tuple[str, str]]:
    """(component id, property) of each output of a callback (a multi-output joins them)."""
    parts = dependency["output"].removeprefix("..").removesuffix("..").split("...")
    return [tuple(part.rsplit(".", 1)) for part in parts]
