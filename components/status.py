"""The operator's table: every dataset's status, source, as-of, age, failures and last error."""

from __future__ import annotations

from dash import html

from components.badges import stale_badge
from components.format import format_age
from providers.board import Board


def status_table(board: Board) -> html.Table:
    """One row per dataset, read from the cache as of now."""
    now = board.clock()
    rows = []
    for name, dataset in board.settings.datasets.items():
        snap = board.snapshot(name)
        rows.append(
            html.Tr(
                [
                    html.Th(dataset.title, scope="row"),
                    html.Td(stale_badge(snap, now)),
                    html.Td(snap.source or "—"),
                    html.Td(f"{snap.as_of:%Y-%m-%d %H:%M:%S} UTC" if snap.as_of else "—"),
                    html.Td(format_age(snap.age_s(now))),
                    html.Td(f"{dataset.refresh_s:g} s"),
                    html.Td(str(snap.failures)),
                    html.Td(snap.error or "", className="wb-status__error"),
                ],
                **{"data-dataset": name, "data-status": snap.status.value},
            )
        )
    head = ["Dataset", "Status", "Source", "As of", "Age", "Cadence", "Failures", "Last error"]
    return html.Table(
        [
            html.Caption(f"Data status — {board.settings.edition.value} edition"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(rows),
        ],
        className="wb-table wb-status",
    )
