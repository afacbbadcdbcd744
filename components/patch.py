"""Send a screen only what changed in a scene's body: a Dash `Patch` from the tree it shows to
the new one.

Both trees are the JSON form of the components (what Dash sends). The diff walks them together:
equal parts cost nothing, a changed text or number becomes one assignment at its path, and a
part whose shape changed (another component type, a list of another length, most of a list
changed) is sent whole. When the patch would not be clearly smaller than the body, the body is
sent instead.
"""

from __future__ import annotations

import json
from typing import Any

import plotly.io.json as plotly_json
from dash import Patch

Path = list[str | int]

# Past this share of the body's size a patch saves too little to be worth it.
WORTH_IT = 0.7


def plain(children: Any) -> Any:
    """The JSON form of components (what Dash would send), as plain lists and dicts."""
    return json.loads(plotly_json.to_json_plotly(children))


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


def worth_patching(old: Any, new: Any) -> list[tuple[Path, Any]] | None:
    """The assignments turning the shown body `old` into `new`, or None when sending `new`
    whole is as good (nothing in common, or the patch would be nearly as big)."""
    found = changes(old, new)
    if not found or any(not path for path, _ in found):
        return None
    size = len(json.dumps([[p, v] for p, v in found], separators=(",", ":")))
    if size > WORTH_IT * len(json.dumps(new, separators=(",", ":"))):
        return None
    return found


def patch_of(found: list) -> Patch:
    """A Patch making each (path, value) assignment `changes` found."""
    patch = Patch()
    for path, value in found:
        target = patch
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return patch
