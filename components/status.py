"""The operator's table: every dataset's status, source, as-of, age, failures and last error;
and the one decision that no market source could be reached (the wall's banner says it too)."""

from __future__ import annotations

from dash import html

from components.alerts import alert_text
from components.badges import stale_badge
from components.format import age_words
from config.schema import Edition
from engine.board import Board
from engine.screens import summary_line
from providers.models import Snapshot, Status

NO_SOURCE_REACHED = (
    "No market source could be reached from this machine: check its internet access, "
    "or run the offline demo with WALLBOARD_EDITION=demo."
)
# Providers that need no network: their data says nothing about reaching a market source (the
# calendar's fallback lists the FOMC dates written in the configuration, offline too).
LOCAL_SOURCES = frozenset({"demo", "schedule"})


def _only_local(snap: Snapshot) -> bool:
    """Data, all of it from sources that need no network ('fred+schedule' is not)."""
    return bool(snap.records) and all(
        part in LOCAL_SOURCES for part in (snap.source or "").split("+")
    )


def _never_got_anything(snap: Snapshot) -> bool:
    """Tried, failed, and no data ever: nothing now, nothing fetched, nothing kept from disk."""
    return snap.status is Status.ERROR and not snap.records and snap.fetched_at is None


def no_source_reached(board: Board) -> bool:
    """Whether no market source could be reached: the one place this is decided.

    True only outside the demo edition, once every dataset has been tried and each has either
    errored without ever having had data, or has only data that needs no network (the
    calendar's configured FOMC dates), with at least one errored. A dataset still waiting for
    its first refresh, one with market data of any status (even stale), or one whose source
    answered with nothing to give (empty) means it is not, or not yet, true.
    """
    if board.settings.edition is Edition.DEMO:
        return False
    failed = 0
    for name in board.settings.datasets:
        snap = board.snapshot(name)
        if snap.attempted_at is None:
            return False
        if _never_got_anything(snap):
            failed += 1
        elif not _only_local(snap):
            return False
    return failed > 0


def status_table(board: Board) -> html.Table:
    """One row per dataset, read from the cache as of now."""
    now = board.clock()
    rows = []
    for name, dataset in board.settings.datasets.items():
        snap = board.snapshot(name, now)
        rows.append(
            html.Tr(
                [
                    html.Th(dataset.title, scope="row"),
                    html.Td(stale_badge(snap, now)),
                    html.Td(snap.source or "—"),
                    html.Td(f"{snap.as_of:%Y-%m-%d %H:%M:%S} UTC" if snap.as_of else "—"),
                    html.Td(age_words(snap.age_s(now))),  # its oldest instrument's
                    html.Td(f"{dataset.refresh_s:g} s"),
                    html.Td(str(snap.failures)),
                    # Staleness and the fetch's own error together (engine.freshness).
                    html.Td(snap.error or "", className="wb-status__error"),
                ],
                **{"data-dataset": name, "data-status": snap.status.value},
            )
        )
    head = ["Dataset", "Status", "Source", "As of (oldest)", "Age", "Cadence", "Failures", "Why"]
    return html.Table(
        [
            html.Caption(f"Data status — {board.settings.edition.value} edition"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(rows),
        ],
        className="wb-table wb-status",
    )


def screens_summary(board: Board) -> html.Section:
    """The status scene's opening: how many screens are live and which are dark since when,
    with their alerts (a `screen` alert per dark screen, raised by the leading refresher)."""
    summary = board.screens.summary()
    alerts = board.alerts.screen_alerts() if board.alerts is not None else []
    dark = bool(summary["dark"])
    line = summary_line(summary, board.settings.wall_tz)
    return html.Section(
        [
            html.P(
                html.Strong(line, className="wb-status__degraded") if dark else line,
                className="wb-status__screens",
                **{
                    "data-screens-live": str(summary["live"]),
                    "data-screens-dark": str(len(summary["dark"])),
                },
            ),
            *(
                [
                    html.Ul(
                        [
                            html.Li(
                                f"{a.raised_at:%H:%M} UTC · {a.message}", **{"data-alert": a.key}
                            )
                            for a in alerts
                        ],
                        className="wb-status__list",
                    )
                ]
                if alerts
                else []
            ),
        ],
        className="wb-section",
        **{"aria-label": "Screens"},
    )


def system_summary(board: Board) -> html.Section:
    """No source reached (when so), what the leader's providers warn of (Wind's quote clock off
    by whole hours), the shared cache (ok, or degraded and serving this host's copy) and who
    refreshes."""
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
    stranded = (
        [
            html.P(
                html.Strong(NO_SOURCE_REACHED, className="wb-status__degraded"),
                **{"data-sources": "none-reached"},
            )
        ]
        if no_source_reached(board)
        else []
    )
    warnings = [
        html.P(
            html.Strong(warning, className="wb-status__degraded"),
            role="alert",
            **{"data-warning": "provider"},
        )
        for warning in refresher.get("warnings", [])
    ]
    return html.Section(
        [
            html.H2("System", className="wb-section__title"),
            *stranded,
            *warnings,
            cache_line,
            html.P(refresher_line, **{"data-leader": leader or ""}),
        ],
        className="wb-section",
    )


def _stream_cells(row: dict) -> list:
    age = row.get("last_tick_age_s")
    since = row.get("since")
    return [
        html.Td(row.get("state", "—")),
        html.Td(f"{since[11:19]} UTC" if isinstance(since, str) else "—"),
        html.Td(f"{row.get('messages_per_s', 0):g}/s"),
        html.Td(age_words(age) if age is not None else "no tick yet"),
        html.Td(str(row.get("reconnects", 0))),
        html.Td(str(row.get("dropped", 0))),
        html.Td(str(row.get("quarantined", 0))),
        html.Td(str(row.get("garbage", 0))),
        html.Td(row.get("last_error") or "", className="wb-status__error"),
    ]


def streams_table(board: Board) -> html.Section:
    """The leader's streams: one row per source, with its state and counters, and who holds it
    (one connection per source for the fleet)."""
    said = board.streams_status(board.clock())
    if not said["streams"]:
        words = (
            "No dataset streams in this edition."
            if not any(board.settings.streams(d) for d in board.settings.datasets)
            else "No stream status yet: the leading refresher has not reported its streams."
        )
        return html.Section(
            [html.H2("Streams", className="wb-section__title"), html.P(words)],
            className="wb-section",
        )
    head = [
        "Stream",
        "State",
        "Since",
        "Messages",
        "Last tick",
        "Reconnects",
        "Dropped",
        "Quarantined",
        "Garbage",
        "Last error",
    ]
    rows = [
        html.Tr([html.Th(name, scope="row"), *_stream_cells(row)], **{"data-stream": name})
        for name, row in said["streams"].items()
    ]
    age = said["said_age_s"]
    held = f"Held by {said['leader']}" + (f", said {age_words(age)} ago" if age is not None else "")
    return html.Section(
        [
            html.H2("Streams", className="wb-section__title"),
            html.P(held, **{"data-stream-leader": said["leader"] or ""}),
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                    html.Tbody(rows),
                ],
                className="wb-table wb-status wb-status--streams",
            ),
        ],
        className="wb-section",
    )


def alerts_list(board: Board) -> html.Section:
    """Active alerts, newest first, each with when it was raised and its data's source, time
    and age (the banner's words)."""
    alerts = board.alerts.active() if board.alerts is not None else []
    now = board.clock()
    items = [
        html.Li(f"{a.raised_at:%H:%M} UTC · {alert_text(board, a, now)}", **{"data-alert": a.key})
        for a in alerts
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
