"""The header's links to every scene as one React component (wallboard.NavLinks, drawn by
assets/37n_nav.js), where they were 23 Dash components (a Nav, and a NavItem and a NavLink per
scene) on every page: Dash's renderer checks every component it holds on each of its store
updates, fifteen-odd for every callback.

The DOM is the one dash-bootstrap-components drew (the navbar's classes, `active` on the
scene shown), and a link opens its scene in the page (37l_links.js follows data-nav="page").
"""

from __future__ import annotations

from typing import TypedDict

from components.drawn import NAMESPACE, Drawn


class NavEntry(TypedDict):
    """One scene's link: its title and path."""

    title: str
    href: str


class NavLinks(Drawn):
    """The scenes' `links` (NavEntry), the one whose path is the page's marked active
    (aria-current), in an element of `className`."""

    _namespace = NAMESPACE
    _type = "NavLinks"
    PROPS = ("id", "links", "className")
