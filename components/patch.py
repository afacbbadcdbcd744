"""Send a screen only what changed in a scene's body: each changed prop set on its own
component, from the tree the screen shows to the new one.

Both trees are the JSON form of the components (what Dash sends). The diff walks them together:
equal parts cost nothing, a changed text or number becomes one assignment at its path, and a
part whose shape changed (another component type, a list of another length, most of a list
changed) is sent whole. When the update would not be clearly smaller than the body, the body
is sent instead.

Why each change goes to its own component (`updates`, sent with Dash's `set_props`) and not as
one Patch of the body's `children`: Dash's renderer mounts anew every component under a
`children` a callback updates, Patch or not. A tick that moved one price rebuilt the whole
scene in the browser, its charts redrawn by plotly.js. Set on the component it belongs to, a
new price re-renders that one element. So every component of a rendered body has an id
(`addressed`): its own, or one made from its place in the tree, the same for every version
that keeps that place.
"""

from __future__ import annotations

import json
from typing import Any

import plotly.io.json as plotly_json
from dash._utils import stringify_id

Path = list[str | int]
Updates = dict[str, dict[str, Any]]  # component id (as Dash writes it) -> its props to set

# Past this share of the body's size a patch saves too little to be worth it.
WORTH_IT = 0.7


def plain(children: Any) -> Any:
    """The JSON form of components (what Dash would send), as plain lists and dicts."""
    return json.loads(plotly_json.to_json_plotly(children))


def is_component(node: Any) -> bool:
    """Whether a JSON node is a component (as Dash writes one: type, namespace and props)."""
    return isinstance(node, dict) and "props" in node and "type" in node and "namespace" in node


ADDRESS_MARK = "~"  # in every id `addressed` makes (scene.py: "<scene>~b<place>"), in no other


def is_address(component_id: Any) -> bool:
    """Whether an id is one `addressed` made from a place in the tree, not the page's own."""
    return isinstance(component_id, str) and ADDRESS_MARK in component_id


def addressed(tree: Any, prefix: str) -> Any:
    """`tree` (fresh from `plain`, changed in place) with an id on every component that has
    none: `prefix` and its place in the tree (child indices, and a prop's name for a component
    held by another prop than `children`), so a change can be set on the component it
    belongs to."""
    _address(tree, prefix, "")
    return tree


def _address(node: Any, prefix: str, place: str) -> None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, dict | list):
                _address(item, prefix, f"{place}_{index}" if place else str(index))
        return
    if not isinstance(node, dict):
        return
    if not is_component(node):
        for key, value in node.items():
            if isinstance(value, dict | list):
                _address(value, prefix, f"{place}_{key}")
        return
    props = node["props"]
    if props.get("id") is None:
        props["id"] = f"{prefix}{place or '0'}"
    for key, value in props.items():
        if key == "children" and isinstance(value, list):
            _address(value, prefix, place or "0")  # each child: its index after its parent's
        elif isinstance(value, dict | list):
            _address(value, prefix, f"{place or '0'}_{0 if key == 'children' else key}")


def changes(old: Any, new: Any, path: Path | None = None) -> list[tuple[Path, Any]]:
    """(path, new value) assignments that turn `old` into `new`."""
    found: list[tuple[Path, Any]] = []
    _diff(old, new, path or [], found)
    return found


def _diff(old: Any, new: Any, path: Path, found: list[tuple[Path, Any]]) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        if old.get("type") != new.get("type") or old.get("namespace") != new.get("namespace"):
            found.append((path, new))
            return
        for key in sorted(new.keys() | old.keys()):
            if key not in new:
                found.append(([*path, key], None))  # a prop no longer set
            elif key not in old:
                found.append(([*path, key], new[key]))
            else:
                _diff(old[key], new[key], [*path, key], found)
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        differing = sum(1 for a, b in zip(old, new, strict=True) if a != b)
        if differing * 2 > len(old) and _all_scalars(new):
            found.append((path, new))  # a series that moved: one assignment, not many
            return
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff(a, b, [*path, index], found)
        return
    found.append((path, new))


def _all_scalars(items: list) -> bool:
    return not any(isinstance(item, dict | list) for item in items)


def updates(tree: Any, found: list[tuple[Path, Any]]) -> Updates | None:
    """The `changes` found, each set on the component it belongs to in `tree` (the new,
    `addressed` tree): the changed prop's new value, whole even when only a part of it changed
    (a point of a figure, one field of a grid row). Not a Patch of the prop: an answer can
    reach a kiosk that has moved on to its next scene, and Dash's renderer throws on a Patch
    for a component it no longer has (a plain value there is dropped). None when a change is
    not inside a component with an id (a top-level part of the tree replaced)."""
    found_updates: Updates = {}
    for path, _value in found:
        owner = _owner(tree, path)
        if owner is None:
            return None
        component, prop = owner
        props = component["props"]
        found_updates.setdefault(stringify_id(props["id"]), {})[prop] = props.get(prop)
    return found_updates


def _owner(tree: Any, path: Path) -> tuple[dict, str] | None:
    """The innermost component on `path` holding the changed value, and the prop (None when it
    is not in a component with an id)."""
    owner = None
    node = tree
    for index, key in enumerate(path):
        if key == "props" and is_component(node) and index + 1 < len(path):
            owner = (node, path[index + 1])
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break  # a prop no longer set: its owner is already known
    if owner is None or owner[0]["props"].get("id") is None:
        return None
    return owner


def worth_updating(old: Any, new: Any, *, any_size: bool = False) -> Updates | None:
    """Each component's changed props turning the shown tree `old` into `new` (`addressed`), or
    None when sending `new` whole is as good (nothing in common, or, unless `any_size`, the
    update nearly as big)."""
    found = changes(old, new)
    if not found or any(not path for path, _ in found):
        return None
    set_each = updates(new, found)
    if set_each is None or any_size:
        return set_each
    size = len(json.dumps(set_each, separators=(",", ":")))
    if size > WORTH_IT * len(json.dumps(new, separators=(",", ":"))):
        return None
    return set_each
