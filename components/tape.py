"""The ticker tape's Dash component: one React component (wallboard.Tape, drawn by
assets/37t_tape.js) whose `items` are data, where the tape was seventy-odd html components.

Dash's renderer checks every component it holds on each of its store updates, fifteen-odd for
every callback, so the tape's spans were a fifth to a third of that work on every page (the
components on a page: status 407, overview 322, technicals 207, 72 of them the tape's).

Dash finds a component by its namespace and type in the page (window.wallboard.Tape); the
script is an asset, loaded on every page before Dash's renderer, so nothing else is served.
"""

from __future__ import annotations

from typing import TypedDict

from components.drawn import NAMESPACE, Drawn


class TapeEntry(TypedDict):
    """One item as the browser draws it: the text, its status (a class and data-status), the
    tooltip, and the instrument's page it opens (None: plain text)."""

    text: str
    status: str
    title: str
    href: str | None


class Tape(Drawn):
    """The tape's `items` (TapeEntry), drawn twice over so the scroll loops (the copy hidden
    from screen readers and out of the tab order)."""

    _namespace = NAMESPACE
    _type = "Tape"
    PROPS = ("id", "items")
