"""Prometheus metrics (prometheus-client): what the board does, and how fresh its data is.

Two kinds:
- Process metrics, counted where things happen: HTTP latency by route and callback latency by
  callback (here, timed by the request hooks web.hooks installs), provider fetches / failures /
  latency by provider and dataset (in the refresher that leads) and cache hits and misses
  (engine/metrics.py). Under gunicorn, set PROMETHEUS_MULTIPROC_DIR to a folder shared by the
  workers and they are summed across workers; otherwise each worker reports its own.
- Board metrics, read from the shared cache at scrape time, the same from every worker: data
  age, status, failures and fetch count per dataset, rejected records, active alerts.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator

import flask
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from engine.metrics import BUCKETS
from providers.models import Status

HTTP_SECONDS = Histogram(
    "wallboard_http_request_seconds",
    "HTTP request latency",
    ["route", "method", "status"],
    buckets=BUCKETS,
)
CALLBACK_SECONDS = Histogram(
    "wallboard_callback_seconds", "Dash callback latency", ["callback"], buckets=BUCKETS
)

SCREEN_WINDOW_S = 120


class ScreenCounter:
    """Screens estimated from polling: distinct clients seen in the last two minutes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def saw(self, client: str) -> None:
        """Note a poll from one client (address and browser)."""
        with self._lock:
            self._seen[client] = self.clock()

    def count(self) -> int:
        """How many clients polled within the window (older ones are forgotten)."""
        cutoff = self.clock() - SCREEN_WINDOW_S
        with self._lock:
            for client in [c for c, at in self._seen.items() if at < cutoff]:
                del self._seen[client]
            return len(self._seen)


def start_timer() -> None:
    """Before a request: note when it began (web.hooks runs this before any hook that may
    refuse the request, so every request is timed)."""
    flask.g.wallboard_started = time.perf_counter()


def request_observer(screens: ScreenCounter) -> Callable[[flask.Response], flask.Response]:
    """The after-request hook that times each answer (HTTP latency by route, method and status;
    a callback's latency by its output) and counts the screens that poll."""

    def observe_request(response: flask.Response) -> flask.Response:
        started = getattr(flask.g, "wallboard_started", None)
        if started is None:
            return response
        elapsed = time.perf_counter() - started
        rule = flask.request.url_rule
        route = rule.rule if rule is not None else "unmatched"
        HTTP_SECONDS.labels(route, flask.request.method, str(response.status_code)).observe(elapsed)
        if route.endswith("_dash-update-component") and response.status_code == 200:
            body = flask.request.get_json(silent=True) or {}
            CALLBACK_SECONDS.labels(str(body.get("output", "?"))[:200]).observe(elapsed)
            client = f"{flask.request.remote_addr}|{flask.request.user_agent.string}"
            screens.saw(hashlib.sha256(client.encode()).hexdigest()[:16])
        return response

    return observe_request


class BoardCollector(Collector):
    """Dataset freshness and alert metrics computed from the cache when scraped."""

    def __init__(self, board, screens: ScreenCounter, active_alerts: Callable[[], int]) -> None:
        self.board = board
        self.screens = screens
        self.active_alerts = active_alerts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One family per measure, one sample per dataset."""
        now = self.board.clock()
        age = GaugeMetricFamily(
            "wallboard_data_age_seconds", "Age of each dataset's data", labels=["dataset"]
        )
        status = GaugeMetricFamily(
            "wallboard_dataset_status",
            "1 for each dataset's current status",
            labels=["dataset", "status"],
        )
        failures = GaugeMetricFamily(
            "wallboard_dataset_failures", "Consecutive failed refreshes", labels=["dataset"]
        )
        fetches = GaugeMetricFamily(
            "wallboard_dataset_refreshes", "Refresh cycles run (fleet-wide)", labels=["dataset"]
        )
        rejected = GaugeMetricFamily(
            "wallboard_dataset_rejected_records",
            "Records kept out by validation",
            labels=["dataset"],
        )
        for name in self.board.settings.datasets:
            snap = self.board.snapshot(name, now)
            if snap.as_of is not None:
                age.add_metric([name], snap.age_s(now) or 0.0)
            for state in Status:
                status.add_metric([name, state.value], 1.0 if snap.status is state else 0.0)
            failures.add_metric([name], snap.failures)
            fetches.add_metric([name], snap.fetch_count)
            rejected.add_metric([name], sum(1 for f in snap.findings if f.rejected))
        yield from (age, status, failures, fetches, rejected)
        alerts = GaugeMetricFamily("wallboard_alerts_active", "Alerts currently active")
        alerts.add_metric([], self.active_alerts())
        yield alerts
        screens = GaugeMetricFamily(
            "wallboard_screens_connected", "Screens polling in the last two minutes (this worker)"
        )
        screens.add_metric([], self.screens.count())
        yield screens
        yield from self.stream_families(now)

    def stream_families(self, now) -> Iterator[GaugeMetricFamily]:
        """Each of the leader's streams as its hub last said (engine.stream_hub): the same for
        every worker scraped, since it is read from the cache."""
        said = self.board.streams_status(now)
        measures = {
            "messages_per_s": ("wallboard_stream_messages_per_second", "Messages a second"),
            "last_tick_age_s": ("wallboard_stream_last_tick_age_seconds", "Age of the last tick"),
            "reconnects": ("wallboard_stream_reconnects", "Connections opened after the first"),
            "dropped": ("wallboard_stream_dropped_ticks", "Ticks out of order or duplicated"),
            "quarantined": ("wallboard_stream_quarantined_ticks", "Ticks quarantined as spikes"),
            "garbage": ("wallboard_stream_garbage_frames", "Unreadable frames skipped"),
        }
        families = {
            key: GaugeMetricFamily(name, text, labels=["stream"])
            for key, (name, text) in measures.items()
        }
        up = GaugeMetricFamily(
            "wallboard_stream_state",
            "1 for each stream's state, labelled with the leader holding it",
            labels=["stream", "state", "leader"],
        )
        for stream, row in said["streams"].items():
            for key, family in families.items():
                if isinstance(row.get(key), int | float):
                    family.add_metric([stream], float(row[key]))
            up.add_metric([stream, str(row.get("state")), str(said["leader"])], 1.0)
        yield from families.values()
        yield up
        latency = HistogramMetricFamily(
            "wallboard_stream_tick_to_cache_seconds",
            "From a tick's arrival at the leader to the cache write that publishes it",
            labels=["dataset"],
        )
        for dataset, kept in said.get("tick_to_cache", {}).items():
            buckets = [(str(le), n) for le, n in zip(BUCKETS, kept["buckets"], strict=True)]
            latency.add_metric(
                [dataset], [*buckets, ("+Inf", kept["count"])], sum_value=kept["sum"]
            )
        yield latency


def exposition(board_collector: BoardCollector) -> tuple[bytes, str]:
    """The text exposition of process and board metrics."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
        process = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        process = generate_latest(REGISTRY)
    board = CollectorRegistry()
    board.register(board_collector)
    return process + generate_latest(board), CONTENT_TYPE_LATEST
