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


def system_summary(board: Board) -> html.Section:
    """The shared cache (ok, or degraded and serving this host's copy) and who refreshes."""
    now = board.clock()
    cache = board.store.health()
    refresher = board.refresher_status(now)
    if cache["state"] == "degraded":
        cache_line = html.P(
            [
                html.Strong("Cache degraded", className="wb-status__degraded"),
                f" — {cache['backend']} unreachable since {cache['since'][11:19]} UTC; "
                "showing this host's last-good copy and reconnecting by itself. ",
                html.Span(cache["error"] or "", className="wb-status__error"),
            ],
            role="alert",
            **{"data-cache": "degraded"},
        )
    else:
        cache_line = html.P(f"Cache: {cache['backend']}, ok.", **{"data-cache": "ok"})
    leader = refresher["leader"]
    age = refresher["heartbeat_age_s"]
    if leader:
        seen = f", last seen {age:.0f} s ago" if age is not None else ""
        refresher_line = f"Refresher: {leader} ({refresher['leader_role']}){seen}."
    else:
        refresher_line = "Refresher: not started yet."
    return html.Section(
        [
            html.H2("System", className="wb-section__title"),
            cache_line,
            html.P(refresher_line, **{"data-leader": leader or ""}),
        ],
        className="wb-section",
    )


def alerts_list(board: Board) -> html.Section:
    """Active alerts, newest first."""
    alerts = board.alerts.active() if board.alerts is not None else []
    items = [
        html.Li(f"{a.raised_at:%H:%M} UTC · {a.message}", **{"data-alert": a.key}) for a in alerts
    ]
    return html.Section(
        [
            html.H2("Active alerts", className="wb-section__title"),
            html.Ul(items, className="wb-status__list") if items else html.P("None."),
        ],
        className="wb-section",
    )


def findings_list(board: Board) -> html.Section:
    """What validation rejected or flagged in each dataset's latest refresh."""
    rows = []
    for name, dataset in board.settings.datasets.items():
        for finding in board.snapshot(name).findings:
            verdict = "rejected" if finding.rejected else "flagged"
            who = f" {finding.symbol}" if finding.symbol else ""
            rows.append(
                html.Li(
                    f"{dataset.title}{who}: {verdict} ({finding.tier}, "
                    f"{finding.rule}) — {finding.detail}"
                )
            )
    return html.Section(
        [
            html.H2("Data validation", className="wb-section__title"),
            html.Ul(rows, className="wb-status__list") if rows else html.P("Nothing rejected."),
        ],
        className="wb-section",
    )


def failures_list(board: Board, limit: int = 20) -> html.Section:
    """The refresher's recent failures across datasets, newest first."""
    entries = [
        (entry, board.settings.datasets[name].title)
        for name in board.settings.datasets
        for entry in board.snapshot(name).failure_log
    ]
    entries.sort(key=lambda pair: pair[0].at, reverse=True)
    items = [
        html.Li(f"{e.at:%Y-%m-%d %H:%M:%S} UTC · {title} · {e.provider or '—'}: {e.error}")
        for e, title in entries[:limit]
    ]
    return html.Section(
        [
            html.H2("Recent failures", className="wb-section__title"),
            html.Ul(items, className="wb-status__list") if items else html.P("None."),
        ],
        className="wb-section",
    )
