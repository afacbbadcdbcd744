"""The header's market clocks as one React component (wallboard.Clocks, drawn by
assets/37c_clocks.js), which keeps its own time, where they were three Dash components a clock
written by a clientside callback on the carousel's one-second tick.

Each clock reads HH:MM in its zone from the screen's own clock, drawn at once and turned at
each minute by the component itself, so the time costs the page no Dash callback and no store
update, and the clocks no components to check on the renderer's other updates.
"""

from __future__ import annotations

from typing import TypedDict

from components.drawn import NAMESPACE, Drawn


class ClockEntry(TypedDict):
    """One clock: its label and IANA time zone (config: clocks, validated)."""

    label: str
    tz: str


class Clocks(Drawn):
    """The market `clocks` (ClockEntry), in config order."""

    _namespace = NAMESPACE
    _type = "Clocks"
    PROPS = ("id", "clocks")
