"""The fleet on loopback: two app instances (gunicorn with deploy/gunicorn.conf.py, two workers
each) behind nginx (deploy/nginx), sharing one redis-server, fetching from a fake upstream that
counts every call. One refresher leads the fleet; killing its instance hands the lead over within
the lock's expiry; a Redis outage costs no 5xx and heals by itself."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from tests.support.configs import shipped_config
from tests.support.nginx_server import NginxServer
from tests.support.paths import FIXTURES
from tests.support.services import AppInstance, RedisServer, Seen, poll, wait_until

CADENCE_S = 1.0  # crypto
LEADER_TTL_S = 3.0
LEADER_POLL_S = 0.5
TAKEOVER_BOUND_S = LEADER_TTL_S + LEADER_POLL_S
COINGECKO = "/api/v3/coins/markets"
CBOE_VIX = "/api/global/us_indices/daily_prices/VIX_History.csv"


def fleet_config(tmp_path: Path, upstream_url: str, name: str) -> Path:
    """The shipped configuration cut to two datasets on the fake upstream, fast cadences."""
    config = shipped_config()
    config["edition"] = "open"
    config["state_dir"] = str(tmp_path / name / "state")
    config["cache"].update(dir=str(tmp_path / name / "cache"), redis_retry_s=1)
    config["refresh"].update(
        leader_poll_s=LEADER_POLL_S,
        leader_ttl_s=LEADER_TTL_S,
        attempts=1,
        backoff_s=0,
        deadline_s=2,
    )
    config["alerts"]["rules"] = []
    datasets = config["datasets"]
    config["datasets"] = {"crypto": datasets["crypto"], "volatility": datasets["volatility"]}
    config["datasets"]["crypto"].update(
        chains={"open": ["coingecko"]}, refresh_s=CADENCE_S, stale_after_s=30
    )
    config["datasets"]["volatility"].update(chains={"open": ["cboe"]}, refresh_s=2)
    config["scenes"] = {k: config["scenes"][k] for k in ("crypto", "volatility", "status")}
    config["providers"] = {
        name: {"base_url": upstream_url, "requests_per_second": 50}
        for name in ("coingecko", "cboe")
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@dataclass
class Fleet:
    redis: RedisServer
    apps: list[AppInstance]
    nginx: NginxServer
    upstream: object

    @property
    def url(self) -> str:
        return self.nginx.url

    def status(self) -> dict:
        return requests.get(f"{self.url}/api/status", timeout=5).json()

    def crypto_count(self) -> int:
        return self.status()["datasets"]["crypto"]["fetch_count"]


@pytest.fixture
def fleet(tmp_path, upstream) -> Iterator[Fleet]:
    upstream.route(COINGECKO + "*", body=(FIXTURES / "coingecko" / CG_FIXTURE).read_bytes())
    upstream.route(
        "/api/global/us_indices/daily_prices/*",
        body=(FIXTURES / "cboe" / CBOE_FIXTURE).read_bytes(),
    )
    redis_server = RedisServer(tmp_path / "redis").start()
    apps = [
        AppInstance(
            name,
            fleet_config(tmp_path, upstream.url, name),
            tmp_path / name,
            env={"REDIS_URL": redis_server.url},
        ).start()
        for name in ("app1", "app2")
    ]
    nginx = None
    try:
        for app in apps:
            app.wait_healthy()
        nginx = NginxServer([f"127.0.0.1:{a.port}" for a in apps], tmp_path / "nginx").start()
        fleet = Fleet(redis_server, apps, nginx, upstream)
        assert wait_until(lambda: fleet.crypto_count() >= 2, 30), "the fleet never fetched"
        yield fleet
    finally:
        if nginx is not None:
            nginx.stop()
        for app in apps:
            app.stop()
        redis_server.stop()


CG_FIXTURE = "coins_markets_usd_top5_2023-01-02.json"
CBOE_FIXTURE = "VIX_History_2016-01-04_to_2026-07-02_truncated.csv"


def test_every_screen_sees_the_same_snapshots_and_each_dataset_is_fetched_once_per_cadence(fleet):
    before_hits = dict(fleet.upstream.hits)
    before = fleet.status()["datasets"]
    started = time.monotonic()
    seen = poll(fleet.url, ["/api/latest/crypto", "/api/latest/volatility"], 8, clients=24)
    elapsed = time.monotonic() - started
    after = fleet.status()["datasets"]
    hits = {p: fleet.upstream.hits.get(p, 0) - before_hits.get(p, 0) for p in (COINGECKO, CBOE_VIX)}

    assert len(seen) > 500
    assert {s.status for _, s in seen} == {200}
    # Identical snapshots: whichever instance and worker answered, one fetch is one content.
    versions = defaultdict(set)
    for path, s in seen:
        key = (path, s.body["fetched_at"])
        versions[key].add(repr((s.body["records"], s.body["source"], s.body["fetch_count"])))
    assert all(len(v) == 1 for v in versions.values())
    leaders = {s.body["refreshed_by"] for _, s in seen}
    assert len(leaders) == 1, f"more than one refresher fetched: {leaders}"
    # Both instances served screens (nginx balances), yet there is one fetch per cadence.
    assert all(app.access_count("/api/latest/crypto") > 50 for app in fleet.apps)

    fetched = {
        name: after[name]["fetch_count"] - before[name]["fetch_count"]
        for name in ("crypto", "volatility")
    }
    # Every fetch is one upstream call (counted at the upstream), and fetches keep the cadence.
    assert abs(hits[COINGECKO] - fetched["crypto"]) <= 1, (hits, fetched)
    assert abs(hits[CBOE_VIX] - fetched["volatility"]) <= 1, (hits, fetched)
    assert elapsed / CADENCE_S - 2 <= fetched["crypto"] <= elapsed / CADENCE_S + 1, fetched
    assert elapsed / 2 - 2 <= fetched["volatility"] <= elapsed / 2 + 1, fetched


def instance_of(fleet: Fleet, identity: str) -> AppInstance:
    pid = int(identity.rsplit(":", 1)[1])
    owners = [app for app in fleet.apps if pid in app.pids()]
    assert len(owners) == 1, f"{identity} is in no instance"
    return owners[0]


def test_killing_the_leading_instance_hands_the_lead_over_within_the_bound(fleet):
    leader = fleet.status()["refresher"]["leader"]
    doomed = instance_of(fleet, leader)
    survivor = next(app for app in fleet.apps if app is not doomed)
    poll(fleet.url, ["/api/latest/crypto"], 1.5, clients=4)  # steady first

    observations: list[Seen] = []
    stop = threading.Event()

    def watch() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                response = session.get(f"{fleet.url}/api/latest/crypto", timeout=10)
                body = response.json() if response.status_code == 200 else None
                observations.append(Seen(time.monotonic(), response.status_code, body))
                time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    time.sleep(1)
    killed_at = time.monotonic()
    doomed.kill()
    time.sleep(TAKEOVER_BOUND_S + CADENCE_S + 4)
    stop.set()
    watcher.join()

    assert {o.status for o in observations} == {200}, "nginx must route around the dead instance"
    # When each new snapshot was first seen by a screen.
    firsts: dict[str, float] = {}
    for o in observations:
        firsts.setdefault(o.body["fetched_at"], o.at)
    times = sorted(firsts.values())
    around_kill = [t for t in times if t >= killed_at - CADENCE_S * 2]
    gaps = [b - a for a, b in zip([killed_at, *around_kill], around_kill, strict=False) if b > a]
    assert max(gaps) <= CADENCE_S + TAKEOVER_BOUND_S + 1.0, (max(gaps), gaps)
    new_leader = observations[-1].body["refreshed_by"]
    assert new_leader != leader
    assert instance_of(fleet, new_leader) is survivor
    assert times[-1] > killed_at + TAKEOVER_BOUND_S  # still fetching at the end


def test_a_redis_outage_costs_no_5xx_and_heals_by_itself(fleet):
    paths = ["/api/latest/crypto", "/api/status", "/crypto", "/_dash-layout", "/healthz"]
    poll(fleet.url, paths, 1, clients=4)
    fleet.redis.stop()
    during = poll(fleet.url, paths, 5, clients=8)
    fleet.redis.start()  # on the same port, empty (no persistence)

    assert {s.status for _, s in during} == {200}
    states = [s.body["cache"]["state"] for p, s in during if p == "/api/status"]
    assert "degraded" in states
    health = [s.body["cache"] for p, s in during if p == "/healthz"]
    assert "degraded" in health
    # The board kept refreshing during the outage (each host for itself).
    counts = [s.body["fetch_count"] for p, s in during if p == "/api/latest/crypto"]
    assert max(counts) > min(counts)

    # Redis back: every instance reconnects, one leader again, snapshots in Redis again.
    recovered = wait_until(
        lambda: all(
            requests.get(f"{app.url}/api/status", timeout=5).json()["cache"]["state"] == "ok"
            for app in fleet.apps
            for _ in range(4)  # several workers per instance
        ),
        20,
        0.5,
    )
    assert recovered, "an instance still reports the cache degraded"
    time.sleep(TAKEOVER_BOUND_S + CADENCE_S)
    after = poll(fleet.url, ["/api/latest/crypto"], 4, clients=8)
    assert {s.status for _, s in after} == {200}
    assert len({s.body["refreshed_by"] for _, s in after[-40:]}) == 1
    assert max(s.body["fetch_count"] for _, s in after) > max(counts)
    assert fleet.redis.client().exists("wallboard:open:snapshot:crypto") == 1


def test_an_instance_started_while_redis_is_down_serves_and_joins_when_it_returns(
    tmp_path, upstream
):
    upstream.route(COINGECKO + "*", body=(FIXTURES / "coingecko" / CG_FIXTURE).read_bytes())
    upstream.route(
        "/api/global/us_indices/daily_prices/*",
        body=(FIXTURES / "cboe" / CBOE_FIXTURE).read_bytes(),
    )
    redis_server = RedisServer(tmp_path / "redis")  # not started yet
    app = AppInstance(
        "app1",
        fleet_config(tmp_path, upstream.url, "app1"),
        tmp_path / "app1",
        env={"REDIS_URL": redis_server.url},
    ).start()
    try:
        app.wait_healthy()
        health = requests.get(f"{app.url}/healthz", timeout=5).json()
        assert health == {"ok": True, "cache": "degraded"}
        # Serving and refreshing for its own host meanwhile.
        assert wait_until(
            lambda: (
                requests.get(f"{app.url}/api/latest/crypto", timeout=5).json()["fetch_count"] >= 2
            ),
            20,
        )
        assert requests.get(f"{app.url}/crypto", timeout=5).status_code == 200
        redis_server.start()
        assert wait_until(
            lambda: all(
                requests.get(f"{app.url}/api/status", timeout=5).json()["cache"]["state"] == "ok"
                for _ in range(4)
            ),
            20,
            0.5,
        )
        assert wait_until(
            lambda: redis_server.client().exists("wallboard:open:snapshot:crypto") == 1, 10
        )
        assert wait_until(
            lambda: (
                requests.get(f"{app.url}/api/status", timeout=5).json()["refresher"]["leader_role"]
                == "leader"
            ),
            10,
        )
    finally:
        app.stop()
        redis_server.stop()
