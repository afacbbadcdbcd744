"""A plain section per dataset (title, reason when it has a problem, widget by record kind).

The default body of a scene; designed scenes compose their own from the same pieces.
"""

from __future__ import annotations

from dash import html

from components.scene import SceneView
from components.tiles import bars_table, curve_table, event_table, headline_list, quote_tiles
from providers.models import Snapshot


def reason(snapshot: Snapshot) -> html.P | None:
    """The last error of a dataset, shown under its title (None when there is none)."""
    if not snapshot.error:
        return None
    return html.P(snapshot.error, className="wb-section__reason", role="note")


def dataset_section(view: SceneView, name: str) -> html.Section:
    """One dataset: its title, the reason when it has a problem, then its widget."""
    dataset = view.dataset(name)
    snapshot = view.snapshots[name]
    kind = dataset.kind.value
    if kind == "quote":
        body = quote_tiles(dataset, snapshot)
    elif kind == "curve":
        body = curve_table(dataset, snapshot)
    elif kind == "bar":
        body = bars_table(dataset, snapshot)
    elif kind == "headline":
        body = headline_list(dataset, snapshot, view.now)
    else:
        body = event_table(dataset, snapshot)
    return html.Section(
        [html.H2(dataset.title, className="wb-section__title"), reason(snapshot), body],
        className="wb-section",
        **{"data-dataset": name, "data-status": snapshot.status.value},
    )


def dataset_sections(view: SceneView) -> list:
    """A section for each of the scene's datasets, in config order."""
    return [dataset_section(view, name) for name in view.snapshots]
