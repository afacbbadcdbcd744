"""The screen's mode, as its URL says: the one place that decides a kiosk from an analyst's screen.

`?kiosk=1` is a wall screen: it rotates by itself, and nothing on it is a link, a control or
focusable, and no chart answers a hover (tiles, the Data view toggle, technicals' links and the
instrument page ask here). The browser reads the same parameter (assets/30_core.js).
"""

from __future__ import annotations

from collections.abc import Mapping


def kiosk(query: Mapping[str, object]) -> bool:
    """Whether the URL's query makes this screen a kiosk (`kiosk=1`)."""
    return query.get("kiosk") == "1"
