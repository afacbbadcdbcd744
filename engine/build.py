"""The data engine of one process: cache, snapshot store, leadership, refresher and alerts.

`build_engine` is the one builder of every process: the web app (app.create_app) and the
stand-alone refresher process (engine.refresher_process) both go through it, so they run the same
configuration checks (`check_settings`), read and write the same keys with the same locks, and
evaluate the alert rules after every refresh wherever the refresher runs. Everything a board
writes lives under its `state_dir`: last-good snapshots, locks and (unless `cache.dir` says
otherwise) the cache files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cachelib import FileSystemCache, RedisCache, SimpleCache

from analytics.alert_keeper import AlertKeeper
from config import ConfigError
from config.schema import Settings
from engine.freshness import dataset_markets
from engine.leadership import (
    Exclusive,
    FileLeadership,
    FleetLeadership,
    RedisFlight,
    RedisLock,
    local_flight,
)
from engine.lookup_worker import LookupWorker
from engine.lookups import history_providers
from engine.refresher import Refresher, utc_now
from engine.screen_watch import ScreenWatch
from engine.shared_cache import FleetCache, redis_client
from engine.store import CacheBackend, SnapshotStore
from engine.stream_hub import StreamHub
from engine.validation import validate
from providers import markets
from providers.base import Provider, build_providers, check_chains

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Engine:
    """What a process needs to read (store) and, if it leads, refresh (refresher)."""

    settings: Settings
    state_dir: Path
    cache: CacheBackend
    store: SnapshotStore
    refresher: Refresher
    alerts: AlertKeeper
    control_lock: Exclusive
    problems: list[str] = field(default_factory=list)


def resolve(path: str) -> Path:
    """A configured path; relative ones are relative to the project root."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else ROOT / candidate


def check_settings(settings: Settings) -> None:
    """What the schema cannot check alone: provider names, market codes and scene pages."""
    problems = check_chains(settings)
    for name, dataset in settings.datasets.items():
        for market in sorted(dataset_markets(dataset)):
            if (problem := markets.validate_market(market)) is not None:
                problems.append(f"datasets.{name}: {problem}")
    for name in settings.scenes:
        if not (ROOT / "pages" / f"{name}.py").exists():
            problems.append(f"scenes.{name}: no page module pages/{name}.py")
    if problems:
        raise ConfigError("invalid configuration:" + "".join(f"\n  {p}" for p in problems))


def make_cache(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> CacheBackend:
    """The configured cache: host-local files, Redis with a host-local copy, or in-process."""
    config = settings.cache
    if config.type == "simple":
        return SimpleCache(default_timeout=0)
    local = FileSystemCache(str(resolve(settings.cache_dir())), threshold=10_000, default_timeout=0)
    if config.type == "filesystem":
        return local
    assert config.redis_url is not None
    client = redis_client(config.redis_url.get_secret_value(), timeout_s=config.redis_timeout_s)
    # cachelib's Redis backend over our client (short timeouts, no hidden retries).
    shared = RedisCache(host=client, default_timeout=0)
    return FleetCache(shared, local, retry_s=config.redis_retry_s, clock=clock)


def build_engine(
    settings: Settings,
    *,
    providers: dict[str, Provider] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Engine:
    """Check `settings` (ConfigError naming every problem), then build the cache, the store
    (seeded from the last-good files), leadership, the refresher and the alert keeper it calls
    after every refresh."""
    check_settings(settings)
    state_dir = resolve(settings.state_dir)
    edition = settings.edition.value
    cache = make_cache(settings, clock=clock)
    fleet = cache if isinstance(cache, FleetCache) else None  # Redis: shared by the fleet
    store = SnapshotStore(
        cache, namespace=edition, persist_dir=state_dir / "snapshots", fleet=fleet
    )
    problems = store.load_persisted(list(settings.datasets))
    host = FileLeadership(state_dir / f"refresher-{edition}.lock")
    if fleet is not None:
        lock = RedisLock(fleet, f"wallboard:{edition}:leader", settings.refresh.leader_ttl_s)
        leadership: FileLeadership | FleetLeadership = FleetLeadership(host, lock)
        flight = RedisFlight(fleet, edition)
    else:
        leadership, flight = host, local_flight
    exclusive = Exclusive(
        state_dir / f"alerts-{edition}.lock", fleet=fleet, name=f"wallboard:{edition}:alerts-lock"
    )
    control_lock = Exclusive(
        state_dir / f"control-{edition}.lock",
        fleet=fleet,
        name=f"wallboard:{edition}:control-lock",
    )
    if providers is None:
        chained = {name for dataset in settings.datasets for name in settings.chain(dataset)}
        providers = build_providers(settings, sorted(chained | set(history_providers(settings))))
    refresher = Refresher(
        settings,
        providers,
        store,
        leadership=leadership,
        flight=flight,
        validator=validate,
        clock=clock,
    )
    # The rules are read through the refresher, so a reload (web.endpoints.reload_settings
    # updates the refresher's settings) reaches them too.
    alerts = AlertKeeper(lambda: refresher.settings, store, clock, exclusive=exclusive)
    refresher.after_refresh = alerts.after_refresh
    refresher.live = StreamHub(
        lambda: refresher.settings,
        store,
        clock=clock,
        identity=lambda: refresher.identity,
        providers=lambda: refresher.providers,
    )
    refresher.lookups = LookupWorker(refresher)  # on-demand history, fetched by the leader
    refresher.screen_watch = ScreenWatch(refresher, alerts)  # dark screens, forced refreshes
    return Engine(settings, state_dir, cache, store, refresher, alerts, control_lock, problems)
