"""A quote tile's Dash component: one React component (wallboard.Tile, drawn by
assets/37q_tile.js) whose parts are data, where a tile was about fourteen html components.

Dash's renderer checks every component it holds on each of its store updates, fifteen-odd for
every callback (a poll, the carousel's second), so the tiles were most of that work on a tile
scene (the overview's ten: 68 divs, 66 spans and 10 canvases of its 241 components). Set in
place (components/patch.py), a moved price is now the tile's changed props, not each part's.

The tile's own element takes `className`, `title` and every `data-` prop as they are, so the
page, its tests and the browser's scripts (ages, sparklines, price flash, the wall fit) read
the tile as before. The lines a scene adds under the change (a session, a 24 h range, a unit)
are Dash components, its `children`.
"""

from __future__ import annotations

from typing import TypedDict

from components.drawn import NAMESPACE, Drawn


class SourceLine(TypedDict):
    """'yahoo · Fri 04 Dec session · 9 h': the text before the age, the age as first shown and
    its suffix (' old'), and the time the browser counts it from (assets/31_ages.js): None when
    it is the tile's own data-as-of (the same time is sent once)."""

    text: str
    age: str | None
    suffix: str
    ageOf: str | None


# The parts, in the order they are drawn; a part not given is not drawn.
PARTS = [
    "name",  # the instrument's name
    "href",  # its page, on an analyst's screen: the name is then the tile's link
    "badge",  # the status's mark and word ('● Live'); its class is the tile's data-status
    "label",  # the status's word alone: the badge's tooltip
    "price",  # as shown ('—' when missing)
    "change",  # the change line as shown
    "move",  # 'up', 'down' or 'flat': the change line's colour
    "spark",  # the sparkline's points (components/figures.py sparkline_points)
    "sparkColour",  # the sparkline's colour
    "source",  # a SourceLine
    "reason",  # 'last good value', 'no data'
]


class Tile(Drawn):
    """One instrument's tile: its element's class, tooltip and data- attributes, its parts
    (PARTS) and the lines a scene adds (`children`)."""

    _namespace = NAMESPACE
    _type = "Tile"
    PROPS = ("children", "id", "className", "title", *PARTS)
    WILDCARDS = ("data-",)
