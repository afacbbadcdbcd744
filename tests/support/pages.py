"""Reading a Dash component tree in page tests: walk it, find by class, read its text."""

from __future__ import annotations

from dash.development.base_component import Component


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
