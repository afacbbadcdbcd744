"""Fleet leadership against a real redis-server: one leader across hosts, renewal, takeover after
expiry, the degraded host mode when Redis is down, and single flight across processes."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from cachelib import FileSystemCache, RedisCache

from engine.leadership import FileLeadership, FleetLeadership, RedisFlight, RedisLock
from engine.refresher import Refresher
from engine.shared_cache import FleetCache, redis_client
from engine.store import SnapshotStore
from tests.support.fakes.providers import ScriptedProvider, quotes_for, settings_with


def fleet_cache(redis_server, tmp_path, host: str) -> FleetCache:
    shared = RedisCache(host=redis_client(redis_server.url, timeout_s=0.5), default_timeout=0)
    local = FileSystemCache(str(tmp_path / host / "cache"), default_timeout=0)
    return FleetCache(shared, local, retry_s=0.3, clock=lambda: datetime.now(UTC))


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_holder_renewal_and_takeover_after_expiry(redis_server, tmp_path):
    clock = Monotonic()
    one = RedisLock(fleet_cache(redis_server, tmp_path, "a"), "wb:leader", 1, monotonic=clock)
    two = RedisLock(fleet_cache(redis_server, tmp_path, "b"), "wb:leader", 1, monotonic=clock)
    assert one.acquire() is True
    assert two.acquire() is False
    ttl = redis_server.client().pttl("wb:leader")
    assert 0 < ttl <= 1000

    time.sleep(0.5)
    clock.now += 0.5  # past a third of the expiry: the holder renews
    assert one.acquire() is True
    assert redis_server.client().pttl("wb:leader") > 700

    time.sleep(1.2)  # the holder stops renewing (it died): the lock expires
    assert two.acquire() is True
    clock.now += 2
    assert one.acquire() is False, "a holder whose lock expired must learn it lost"
    assert two.acquire() is True


def test_roles_leader_follower_standby_and_degraded(redis_server, tmp_path):
    cache_a = fleet_cache(redis_server, tmp_path, "a")
    host_a = FleetLeadership(
        FileLeadership(tmp_path / "a" / "lock"), RedisLock(cache_a, "wb:leader", 1.5)
    )
    same_host = FleetLeadership(
        FileLeadership(tmp_path / "a" / "lock"), RedisLock(cache_a, "wb:leader", 1.5)
    )
    host_b = FleetLeadership(
        FileLeadership(tmp_path / "b" / "lock"),
        RedisLock(fleet_cache(redis_server, tmp_path, "b"), "wb:leader", 1.5),
    )
    assert host_a.acquire() is True and host_a.role == "leader"
    assert same_host.acquire() is False and same_host.role == "standby"
    assert host_b.acquire() is False and host_b.role == "follower" and host_b.mirrors

    redis_server.stop()
    time.sleep(0.6)  # the leader next renews (and so notices) after a third of the expiry
    # Redis down: each host's process refreshes for its own host.
    assert host_b.acquire() is True and host_b.role == "host leader (cache degraded)"
    assert not host_b.mirrors
    assert host_a.acquire() is True and host_a.role == "host leader (cache degraded)"

    redis_server.start()  # back, empty: the first host to ask leads the fleet again
    time.sleep(0.4)
    first = host_b.acquire()
    second = host_a.acquire()
    assert (first, second) == (True, False)
    assert host_b.role == "leader" and host_a.role == "follower"
    host_b.release()
    assert host_a.acquire() is True and host_a.role == "leader"


def test_single_flight_across_processes_shares_the_running_refresh(redis_server, tmp_path):
    provider = ScriptedProvider("a", lambda request, call: quotes_for(request, 100.0 + call), 0.5)
    settings = settings_with(["a"])
    refreshers = []
    for host in ("a", "b"):
        cache = fleet_cache(redis_server, tmp_path, host)
        store = SnapshotStore(cache, namespace="open", persist_dir=None, fleet=cache)
        flight = RedisFlight(cache, "open")
        refreshers.append(Refresher(settings, {"a": provider}, store, flight=flight))
    results = [None, None]

    def run(index: int) -> None:
        results[index] = refreshers[index].refresh("fx")

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    threads[0].start()
    time.sleep(0.1)
    threads[1].start()
    for thread in threads:
        thread.join()
    assert provider.calls == 1
    assert results[0].records == results[1].records
    assert results[1].fetch_count == 1


def test_two_hosts_fetch_once_per_cadence_and_the_follower_keeps_a_copy(redis_server, tmp_path):
    provider = ScriptedProvider("a", lambda request, call: quotes_for(request, 100.0 + call))
    settings = settings_with(["a"], refresh_s=0.5, leader_poll_s=0.2, leader_ttl_s=1)
    refreshers = []
    for host in ("a", "b"):
        cache = fleet_cache(redis_server, tmp_path, host)
        snaps = tmp_path / host / "snaps"
        store = SnapshotStore(cache, namespace="open", persist_dir=snaps, fleet=cache)
        leadership = FleetLeadership(
            FileLeadership(tmp_path / host / "lock"), RedisLock(cache, "wb:open:leader", 1)
        )
        refreshers.append(
            Refresher(
                settings,
                {"a": provider},
                store,
                leadership=leadership,
                flight=RedisFlight(cache, "open"),
                identity=host,
            )
        )
    for refresher in refreshers:
        refresher.start()
    try:
        time.sleep(2.6)
        calls = provider.calls
        roles = sorted(r.role for r in refreshers)
        assert roles == ["follower", "leader"]
        # 0.5 s cadence over ~2.6 s: about 6 fetches; two leaders would make about 12.
        assert 4 <= calls <= 7, calls
        follower = next(r for r in refreshers if r.role == "follower")
        leader = next(r for r in refreshers if r.role == "leader")
        assert leader.store.read("fx").refreshed_by == leader.identity
        copy = follower.store.cache.local.get(follower.store.key("fx"))
        assert copy is not None and copy.fetch_count >= calls - 3
        assert (tmp_path / follower.identity / "snaps" / "open" / "fx.json").exists()

        leader.stop()  # releases its lock: the follower leads at its next poll
        time.sleep(1.0)
        assert follower.role == "leader"
        before = provider.calls
        time.sleep(1.1)
        assert provider.calls > before
    finally:
        for refresher in refreshers:
            refresher.stop()
