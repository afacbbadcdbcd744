"""The header's links to every scene as one React component (wallboard.NavLinks, drawn by
assets/37n_nav.js), where they were 23 Dash components (a Nav, and a NavItem and a NavLink per
scene) on every page: Dash's renderer checks every component it holds on each of its store
updates, fifteen-odd for every callback.

The DOM is the one dash-bootstrap-components drew (the navbar's classes, `active` on the
scene shown), and a link opens its scene in the page (37l_links.js follows data-nav="page").
"""

from __future__ import annotations

from typing import TypedDict

from dash.development.base_component import Component


class NavEntry(TypedDict):
    """One scene's link: its title and path."""

    title: str
    href: str


class NavLinks(Component):
    """The scenes' links, the one whose path is the page's marked active (aria-current)."""

    _namespace = "wallboard"
    _type = "NavLinks"
    _children_props: list[str] = []
    _base_nodes: list[str] = []

    def __init__(self, links: list[NavEntry], className: str = "", id: str | None = None):
        self._prop_names = ["id", "links", "className"]
        self._valid_wildcard_attributes: list[str] = []
        self.available_properties = ["id", "links", "className"]
        self.available_wildcard_properties: list[str] = []
        super().__init__(links=links, className=className, **({"id": id} if id else {}))
