"""The data engine of one process: cache, snapshot store, leadership and refresher, from settings.

Built the same way by the web app (app.create_app) and by the stand-alone refresher process
(providers.service), so both read and write the same keys with the same locks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_caching.backends import FileSystemCache, RedisCache, SimpleCache

from config.schema import Settings
from providers.base import Provider, build_providers
from providers.fleetcache import FleetCache, redis_client
from providers.leader import FileLeadership, FleetLeadership, RedisFlight, RedisLock, local_flight
from providers.refresher import Refresher, utc_now
from providers.store import CacheBackend, SnapshotStore
from providers.validation import validate

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Engine:
    """What a process needs to read (store) and, if it leads, refresh (refresher)."""

    settings: Settings
    state_dir: Path
    cache: CacheBackend
    store: SnapshotStore
    refresher: Refresher
    problems: list[str] = field(default_factory=list)


def resolve(path: str) -> Path:
    """A configured path; relative ones are relative to the project root."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else ROOT / candidate


def make_cache(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> CacheBackend:
    """The configured cache: host-local files, Redis with a host-local copy, or in-process."""
    config = settings.cache
    if config.type == "simple":
        return SimpleCache(default_timeout=0)
    local = FileSystemCache(str(resolve(config.dir)), threshold=10_000, default_timeout=0)
    if config.type == "filesystem":
        return local
    assert config.redis_url is not None
    client = redis_client(config.redis_url.get_secret_value(), timeout_s=config.redis_timeout_s)
    # flask-caching's Redis backend over our client (short timeouts, no hidden retries).
    shared = RedisCache(host=client, default_timeout=0)
    return FleetCache(shared, local, retry_s=config.redis_retry_s, clock=clock)


def build_engine(
    settings: Settings,
    *,
    providers: dict[str, Provider] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Engine:
    """Cache, store (seeded from the last-good files), leadership and refresher for `settings`."""
    state_dir = resolve(settings.state_dir)
    edition = settings.edition.value
    cache = make_cache(settings, clock=clock)
    store = SnapshotStore(cache, namespace=edition, persist_dir=state_dir / "snapshots")
    problems = store.load_persisted(list(settings.datasets))
    host = FileLeadership(state_dir / f"refresher-{edition}.lock")
    if isinstance(cache, FleetCache):
        lock = RedisLock(cache, f"wallboard:{edition}:leader", settings.refresh.leader_ttl_s)
        leadership: FileLeadership | FleetLeadership = FleetLeadership(host, lock)
        flight = RedisFlight(cache, edition)
    else:
        leadership, flight = host, local_flight
    refresher = Refresher(
        settings,
        providers if providers is not None else build_providers(settings),
        store,
        leadership=leadership,
        flight=flight,
        validator=validate,
        clock=clock,
    )
    return Engine(settings, state_dir, cache, store, refresher, problems)
