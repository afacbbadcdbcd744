"""Reading a Dash component tree in page tests: walk it, find by class, read its text."""

from __future__ import annotations

import importlib

from dash.development.base_component import Component

from components.patch import plain


def walk(node):
    """Every component and string in a component tree, depth first."""
    yield node
    children = getattr(node, "children", None) if isinstance(node, Component) else None
    if isinstance(node, list | tuple):
        children = node
    if children is None:
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        yield from walk(child)


def text_of(node) -> str:
    """Every string in the tree, joined with single spaces (what a reader sees)."""
    words = " ".join(str(n) for n in walk(node) if isinstance(n, str | int | float))
    return " ".join(words.split())


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
    if {"type", "namespace", "props"} <= node.keys() and node["namespace"] in NAMESPACES:
        module = importlib.import_module(NAMESPACES[node["namespace"]])
        props = {key: _revived(value) for key, value in node["props"].items()}
        return getattr(module, node["type"])(**props)
    return {key: _revived(value) for key, value in node.items()}
