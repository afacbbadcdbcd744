"""The engine's Prometheus metrics, counted where things happen: provider fetches, failures and
latency by provider and dataset (in the refresher that leads), snapshot reads from the cache,
and whether the shared cache is degraded. web/metrics.py adds HTTP and callback latency and
serves them all at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

FETCHES = Counter(
    "wallboard_provider_fetches", "Provider loads by outcome", ["provider", "dataset", "outcome"]
)
FETCH_SECONDS = Histogram(
    "wallboard_provider_fetch_seconds",
    "Provider load latency",
    ["provider", "dataset"],
    buckets=BUCKETS,
)
CACHE_READS = Counter("wallboard_cache_reads", "Snapshot reads from the cache", ["result"])
CACHE_DEGRADED = Gauge(
    "wallboard_cache_degraded",
    "1 while the shared Redis cache is unreachable and the host-local copy is served",
    multiprocess_mode="max",
)
