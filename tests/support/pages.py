"""Reading a Dash component tree in page tests: walk it, find by class, read its text."""

from __future__ import annotations

import importlib

from dash import html
from dash.development.base_component import Component

from components.patch import plain
from components.static import Static
from components.tile import Tile


def walk(node):
    """Every component and string in a component tree, depth first; a Static's elements as the
    html components they were made from (revived)."""
    yield node
    children = getattr(node, "children", None) if isinstance(node, Component) else None
    if isinstance(node, Static):
        children = revived(getattr(node, "tree", None))
    if isinstance(node, list | tuple):
        children = node
    if children is None:
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        yield from walk(child)


def text_of(node) -> str:
    """Every string in the tree, joined with single spaces (what a reader sees). A Tile is read
    as the browser draws it (assets/37q_tile.js): its parts' text in their order (name, badge,
    price, change, source line with its age, reason), then its children's, as its parts are
    props, not components."""
    words = " ".join(str(n) for n in _shown(node))
    return " ".join(words.split())


def _shown(node):
    """The strings of a tree in reading order (walk's), a Tile's drawn parts before its
    children."""
    for n in walk(node):
        if isinstance(n, Tile):
            source = getattr(n, "source", None) or {}
            parts = [getattr(n, p, None) for p in ("name", "badge", "price", "change")]
            parts += [source.get("text"), source.get("age"), getattr(n, "reason", None)]
            yield from (part for part in parts if part is not None)
        elif isinstance(n, str | int | float):
            yield n


def revived(tree):
    """A Static's tree ([tag, props, *children], components/static.py) as the html components
    it was made from, so a shown-only part reads in tests as it did before it was data."""
    if not isinstance(tree, list):
        return tree
    tag, props, *children = tree
    kids = [revived(child) for child in children]
    if tag == "":
        return kids
    made = getattr(html, tag.capitalize())
    if not kids:
        return made(**props)
    return made(kids[0] if len(kids) == 1 else kids, **props)


def with_class(node, name: str) -> list[Component]:
    """The components carrying a CSS class."""
    return [
        n
        for n in walk(node)
        if isinstance(n, Component) and name in (getattr(n, "className", "") or "").split()
    ]


def prop(component: Component, name: str):
    """A property as Dash sends it (also hyphenated ones such as aria-label)."""
    return component.to_plotly_json()["props"][name]


# The namespaces Dash sends, and the modules their components come from.
NAMESPACES = {
    "dash_html_components": "dash.html",
    "dash_core_components": "dash.dcc",
    "dash_bootstrap_components": "dash_bootstrap_components",
    "dash_ag_grid": "dash_ag_grid",
}
# The board's own components (drawn by its assets), by type: the module declaring each.
WALLBOARD = {"Static": "components.static", "Tape": "components.tape", "Tile": "components.tile"}


def served(tree):
    """A tree as the browser gets it (its JSON: the frame serves a scene's body rendered once,
    as JSON), read back into Dash components, so the helpers above walk one kind of tree
    whether the frame rendered the page now or served what it rendered before."""
    return _revived(plain(tree))


def _revived(node):
    if isinstance(node, list):
        return [_revived(child) for child in node]
    if not isinstance(node, dict):
        return node
    if {"type", "namespace", "props"} <= node.keys() and (
        node["namespace"] in NAMESPACES or node["namespace"] == "wallboard"
    ):
        namespace = node["namespace"]
        name = WALLBOARD[node["type"]] if namespace == "wallboard" else NAMESPACES[namespace]
        module = importlib.import_module(name)
        props = {key: _revived(value) for key, value in node["props"].items()}
        return getattr(module, node["type"])(**props)
    return {key: _revived(value) for key, value in node.items()}
