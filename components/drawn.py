"""The board's own Dash components: each declared here by its props and drawn in the browser by
one of its assets (window.wallboard.<type>: the tape, a quote tile, a shown-only part, the
scene links, the clocks), where Dash's html components were one component per element.

Dash finds a component by its namespace and type in the page; the scripts are assets, loaded
on every page before Dash's renderer, so there is no bundle to serve. The declaration is what
a generated component class holds (its props, which of them may be components), written once.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dash.development.base_component import Component

NAMESPACE = "wallboard"  # window.wallboard, where the assets put them (assets/30_core.js)


class Drawn(Component):
    """A component drawn by the board's own asset. A subclass names its `_type` and `PROPS`
    (`children` among them when it holds Dash components), and `WILDCARDS` (prefixes such as
    'data-') when it takes attributes as they are; a prop given as None is not sent."""

    _namespace = NAMESPACE
    _type = "Drawn"
    _children_props: ClassVar[list[str]] = []
    PROPS: ClassVar[tuple[str, ...]] = ()
    WILDCARDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **props: Any):
        self._prop_names = list(self.PROPS)
        self._base_nodes = ["children"] if "children" in self.PROPS else []
        self._valid_wildcard_attributes = list(self.WILDCARDS)
        self.available_properties = list(self.PROPS)
        self.available_wildcard_properties = list(self.WILDCARDS)
        super().__init__(**{name: value for name, value in props.items() if value is not None})
