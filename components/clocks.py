"""The header's market clocks as one React component (wallboard.Clocks, drawn by
assets/37c_clocks.js), which keeps its own time, where they were three Dash components a clock
written by a clientside callback on the carousel's one-second tick.

Each clock reads HH:MM in its zone from the screen's own clock, drawn at once and turned at
each minute by the component itself, so the time costs the page no Dash callback and no store
update, and the clocks no components to check on the renderer's other updates.
"""

from __future__ import annotations

from typing import TypedDict

from dash.development.base_component import Component


class ClockEntry(TypedDict):
    """One clock: its label and IANA time zone (config: clocks, validated)."""

    label: str
    tz: str


class Clocks(Component):
    """The market clocks, in config order."""

    _namespace = "wallboard"
    _type = "Clocks"
    _children_props: list[str] = []
    _base_nodes: list[str] = []

    def __init__(self, clocks: list[ClockEntry], id: str | None = None):
        self._prop_names = ["id", "clocks"]
        self._valid_wildcard_attributes: list[str] = []
        self.available_properties = ["id", "clocks"]
        self.available_wildcard_properties: list[str] = []
        super().__init__(clocks=clocks, **({"id": id} if id else {}))
