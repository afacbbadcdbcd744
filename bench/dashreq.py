"""The body a browser posts to /_dash-update-component for a scene's refresh tick."""

from __future__ import annotations

import json


def scene_refresh_body(
    dependencies: list[dict],
    scene: str,
    *,
    tick: int = 1,
    shown_version: str | None = None,
    query: dict | None = None,
) -> dict:
    """Built from /_dash-dependencies as the renderer builds it: the MATCH ids bound to the
    scene, the tick as input, the version the screen shows and its URL query as state."""
    (dependency,) = [d for d in dependencies if "scene-badges" in d["output"]]

    def bind(component_id: str) -> str | dict:
        if not component_id.startswith("{"):
            return component_id
        parsed = json.loads(component_id)
        return {k: scene if v == ["MATCH"] else v for k, v in parsed.items()}

    outputs = []
    for part in dependency["output"].removeprefix("..").removesuffix("..").split("..."):
        component_id, prop = part.rsplit(".", 1)
        outputs.append({"id": bind(component_id), "property": prop})
    inputs = [
        {"id": bind(i["id"]), "property": i["property"], "value": tick}
        for i in dependency["inputs"]
    ]
    values = {"version": shown_version, "query": query or {}}
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
