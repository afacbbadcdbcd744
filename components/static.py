"""A part of a page that only shows things (a table, a list, a tile's session line) as one
Dash component, wallboard.Static (drawn by assets/37h_static.js), where it was one component
per element.

Dash's renderer checks every component it holds on each of its store updates, fifteen-odd for
every callback, so a table's cells cost every screen on every poll and every second's tick as
much as anything a callback sets. A part that no callback sets and nobody clicks needs none of
that: `static` turns its html components into data, [tag, props, *children], drawn by React
as the same elements.

What may be drawn is closed: html elements with presentational props only (class, tooltip,
style, role, hidden, table spans, data- and aria- attributes). A part with an id, a link, a
handler or another library's component is not static, and `static` refuses it (ValueError)
rather than drop what it holds. Text stays React's text, never HTML.
"""

from __future__ import annotations

from typing import Any

from dash.development.base_component import Component

from components.drawn import NAMESPACE, Drawn
from components.patch import plain

HTML_NAMESPACE = "dash_html_components"

# The elements a static part may hold: what the board's tables, lists and lines are made of.
TAGS = frozenset(
    {
        *("div", "span", "p", "ul", "ol", "li", "strong", "em", "small"),
        *("table", "caption", "thead", "tbody", "tr", "th", "td"),
        *("section", "header", "figure", "figcaption", "dl", "dt", "dd", "h2", "h3"),
    }
)
# Their props: only what changes how they look or read, never what they do.
PROPS = frozenset({"className", "title", "style", "role", "hidden", "scope", "colSpan", "rowSpan"})
PREFIXES = ("data-", "aria-")

Node = str | int | float | list


class Static(Drawn):
    """A shown-only part: `tree` is its elements as data (`static` makes it)."""

    _namespace = NAMESPACE
    _type = "Static"
    PROPS = ("id", "tree")


def static(part: Component) -> Static:
    """`part` (html components) as one Static component drawing the same elements."""
    return Static(tree=tree_of(plain(part)))


def tree_of(node: Any) -> Node | None:
    """An html component's JSON form (components.patch.plain) as [tag, props, *children];
    text as text, None (nothing drawn) as None."""
    if node is None or (isinstance(node, str | int | float) and not isinstance(node, bool)):
        return node
    if isinstance(node, list):
        return ["", {}, *(tree_of(child) for child in node if child is not None)]
    if not isinstance(node, dict) or node.get("namespace") != HTML_NAMESPACE:
        raise ValueError(f"not an html element, so not static: {str(node)[:80]}")
    tag = node["type"].lower()
    if tag not in TAGS:
        raise ValueError(f"<{tag}> is not one a static part may hold")
    props = dict(node["props"])
    children = props.pop("children", None)
    for name in props:
        if name not in PROPS and not name.startswith(PREFIXES):
            raise ValueError(f"<{tag} {name}=…> is not static: only how it looks, not what it does")
    kids = children if isinstance(children, list) else [children]
    return [tag, props, *(tree_of(child) for child in kids if child is not None)]
