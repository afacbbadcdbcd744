"""Streams in a fleet: two app instances (gunicorn with deploy/gunicorn.conf.py, two workers each)
sharing one redis-server hold exactly one connection per stream source between them, whatever
the screens; killing the leading instance hands its streams over within the leader TTL plus one
poll (plus the new connection's handshake), and the old connection is gone."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime

import pytest

from tests.support import openfake
from tests.support.fakestream import FakeStream
from tests.support.fakeupstream import FakeUpstream
from tests.support.services import AppInstance, RedisServer, poll, wait_until

pytestmark = pytest.mark.slow

LEADER_TTL_S = 3.0
LEADER_POLL_S = 0.5
HANDOVER_BOUND_S = LEADER_TTL_S + LEADER_POLL_S + 2.0  # + connecting and subscribing
SOURCES = ("binance", "okx", "yahoo")


@pytest.fixture
def fleet(tmp_path):
    upstream = FakeUpstream().start()
    openfake.serve_everything(upstream)
    streams = {name: FakeStream(name).start() for name in SOURCES}
    redis_server = RedisServer(tmp_path / "redis").start()
    plan = openfake.plan(datetime.now(UTC))
    apps = []
    for name in ("app1", "app2"):
        config = tmp_path / name / "live.yaml"
        openfake.write_config(
            config,
            upstream.url,
            {d: plan[d] for d in ("crypto", "indices")},
            streams={s: server.url for s, server in streams.items()},
            changes={"refresh": {"leader_ttl_s": LEADER_TTL_S, "leader_poll_s": LEADER_POLL_S}},
        )
        apps.append(AppInstance(name, config, tmp_path / name, env={"REDIS_URL": redis_server.url}))
    try:
        for app in apps:
            app.start()
        for app in apps:
            app.wait_healthy()
        yield apps, streams
    finally:
        for app in apps:
            app.stop()
        for server in streams.values():
            with contextlib.suppress(Exception):
                server.stop()
        redis_server.stop()
        upstream.stop()


def one_each(streams) -> bool:
    return all(len(server.open_connections) == 1 for server in streams.values())


def leader_of(apps) -> AppInstance:
    import requests

    said = requests.get(f"{apps[0].url}/api/status", timeout=5).json()["streams"]["leader"]
    pid = int(said.rsplit(":", 1)[1])
    return next(app for app in apps if pid in app.pids())


def test_one_connection_per_source_for_the_fleet_and_a_handover_on_leader_death(fleet):
    apps, streams = fleet
    assert wait_until(lambda: one_each(streams), 60, 0.1), {
        s: len(v.open_connections) for s, v in streams.items()
    }
    # Screens on both instances change nothing: still one connection per source.
    seen = poll(apps[0].url, ["/crypto", "/api/latest/crypto"], 3, clients=8)
    seen += poll(apps[1].url, ["/overview", "/api/latest/indices"], 3, clients=8)
    assert {s.status for _, s in seen} == {200}
    assert one_each(streams)
    assert sum(len(s.connections) for s in streams.values()) == len(SOURCES)

    leader = leader_of(apps)
    old = {name: server.open_connections[0] for name, server in streams.items()}
    leader.kill()
    killed = time.monotonic()
    assert wait_until(
        lambda: (
            one_each(streams)
            and all(s.open_connections[0] is not old[n] for n, s in streams.items())
        ),
        HANDOVER_BOUND_S + 10,
        0.05,
    )
    took = time.monotonic() - killed
    print(f"streams handed over {took:.2f} s after the leader died")
    assert took <= HANDOVER_BOUND_S
    assert all(old[name].closed is not None for name in SOURCES)
    survivor = next(app for app in apps if app is not leader)
    assert wait_until(lambda: leader_of([survivor]) is survivor, 10, 0.2)
