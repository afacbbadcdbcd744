"""The fleet cache against a real redis-server: shared values, the host-local copy, an outage
served from that copy, and recovery by itself (including a Redis restarted empty)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from cachelib import FileSystemCache, RedisCache

from engine.shared_cache import CacheUnavailable, FleetCache, redis_client
from engine.store import SnapshotStore
from providers.models import Quote, Snapshot, Status

RETRY_S = 0.5


def make_cache(redis_server, tmp_path, name="host") -> FleetCache:
    shared = RedisCache(host=redis_client(redis_server.url, timeout_s=0.5), default_timeout=0)
    local = FileSystemCache(str(tmp_path / name), default_timeout=0)
    return FleetCache(shared, local, retry_s=RETRY_S, clock=lambda: datetime.now(UTC))


def snapshot(count: int) -> Snapshot:
    now = datetime.now(UTC)
    return Snapshot(
        dataset="fx", status=Status.OK, fetched_at=now, as_of=now, fetch_count=count, source="x"
    )


def test_values_are_shared_between_hosts_and_kept_locally(redis_server, tmp_path):
    one, two = make_cache(redis_server, tmp_path, "one"), make_cache(redis_server, tmp_path, "two")
    one.set("k", {"v": 1}, 0)
    assert two.get("k") == {"v": 1}  # through Redis
    assert one.local.get("k") == {"v": 1}  # and on the writer's host
    assert two.local.get("k") is None  # the other host has no copy until it mirrors
    assert two.mirror(["k", "missing"]) == {"k": {"v": 1}}
    assert two.local.get("k") == {"v": 1}
    assert one.health()["state"] == "ok"


def test_an_outage_serves_the_local_copy_and_heals_by_itself(redis_server, tmp_path):
    cache = make_cache(redis_server, tmp_path)
    cache.set("k", "before", 0)
    redis_server.stop()

    assert cache.get("k") == "before"
    health = cache.health()
    assert health["state"] == "degraded" and health["since"] is not None
    assert "ConnectionError" in health["error"] and redis_server.url not in health["error"]
    # The breaker is open: Redis is not asked again until retry_s has passed.
    with pytest.raises(CacheUnavailable):
        cache.shared_call(cache.client.ping)
    assert cache.breaker.opened
    cache.set("k", "during", 0)  # a write during the outage lands locally
    assert cache.get("k") == "during"

    redis_server.start()  # empty: no persistence
    time.sleep(RETRY_S + 0.6)
    assert cache.get("k") == "during"  # Redis lacks it: the local copy answers
    assert cache.health()["state"] == "ok"
    assert cache.reseed(["k"]) == ["k"]
    assert redis_server.client().exists("k") == 1
    assert cache.reseed(["k"]) == []  # already there: nothing overwritten


def test_a_lost_redis_at_start_still_serves(tmp_path):
    from tests.support.services import free_port

    shared = RedisCache(
        host=redis_client(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.5), default_timeout=0
    )
    local = FileSystemCache(str(tmp_path / "host"), default_timeout=0)
    cache = FleetCache(shared, local, retry_s=RETRY_S, clock=lambda: datetime.now(UTC))
    store = SnapshotStore(cache, namespace="open", persist_dir=tmp_path / "snaps", fleet=cache)
    store.write(snapshot(3), persist=True)
    assert store.read("fx").fetch_count == 3
    assert store.health()["state"] == "degraded"


def test_the_store_mirrors_snapshots_to_the_host_and_its_disk(redis_server, tmp_path):
    ours, theirs = make_cache(redis_server, tmp_path, "a"), make_cache(redis_server, tmp_path, "b")
    leader = SnapshotStore(ours, namespace="open", persist_dir=None, fleet=ours)
    follower = SnapshotStore(theirs, namespace="open", persist_dir=tmp_path / "snaps", fleet=theirs)
    leader.write(snapshot(1).model_copy(update={"records": ()}), persist=False)
    assert follower.mirror(["fx"]) == 0  # nothing worth keeping as last good (no records)

    now = datetime.now(UTC)
    quote = Quote.from_prices(
        price=1.08, prev_close=1.07, symbol="eurusd", name="EUR/USD", as_of=now
    )
    leader.write(snapshot(2).model_copy(update={"records": (quote,)}), persist=False)
    assert follower.mirror(["fx"]) == 1
    assert follower.mirror(["fx"]) == 0  # unchanged: not rewritten
    saved = Snapshot.model_validate_json((tmp_path / "snaps" / "open" / "fx.json").read_bytes())
    assert saved.fetch_count == 2
    assert follower.cache.local.get(follower.key("fx")).fetch_count == 2
