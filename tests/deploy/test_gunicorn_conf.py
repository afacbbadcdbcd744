"""deploy/gunicorn.conf.py on a real gunicorn: gthread workers over a preloaded app, one refresher
process per instance (not one per worker) that the master restarts if it dies, JSON access log,
and a clean stop that takes the refresher with it."""

from __future__ import annotations

import json
import os
import runpy
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.support.configs import shipped_config
from tests.support.services import GUNICORN_CONF, AppInstance, wait_until


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def refresher_pids(app: AppInstance) -> set[int]:
    return {pid for pid in app.pids() if "engine.refresher_process" in cmdline(pid)}


@pytest.fixture
def instance(tmp_path) -> Iterator[AppInstance]:
    config = shipped_config()
    config.update(edition="demo", state_dir=str(tmp_path / "state"))
    config["cache"]["dir"] = str(tmp_path / "cache")
    config["refresh"]["leader_poll_s"] = 0.5
    config["datasets"]["crypto"].update(refresh_s=1, stale_after_s=10)
    path = tmp_path / "wallboard.yaml"
    path.write_text(yaml.safe_dump(config))
    app = AppInstance("app", path, tmp_path / "app", workers=3).start()
    app.wait_healthy()
    yield app
    app.stop()


def status(app: AppInstance) -> dict:
    return requests.get(f"{app.url}/api/status", timeout=5).json()


def test_one_refresher_process_fetches_for_all_workers_and_is_restarted(instance):
    assert wait_until(lambda: len(refresher_pids(instance)) == 1, 15)
    (refresher,) = refresher_pids(instance)
    assert wait_until(lambda: len(instance.pids() - {instance.process.pid, refresher}) == 3, 15)
    assert wait_until(lambda: status(instance)["datasets"]["crypto"]["fetch_count"] >= 2, 15)
    # Started as gunicorn read its configuration, before the app loaded, and adopted then.
    assert f"refresher process {refresher} started before the app loaded" in instance.log_tail(
        100_000
    )

    seen = [status(instance) for _ in range(30)]  # answered by several workers
    crypto = {s["datasets"]["crypto"]["refreshed_by"] for s in seen}
    assert crypto == {f"{os.uname().nodename}:{refresher}"}, "only the refresher process fetches"
    assert {s["refresher"]["role"] for s in seen} == {"standby"}  # the workers only read
    assert {s["refresher"]["leader"] for s in seen} == crypto
    assert all(s["refresher"]["heartbeat_age_s"] < 5 for s in seen)

    # The refresher dies: the master starts another, and fetching goes on.
    os.kill(refresher, signal.SIGKILL)
    assert wait_until(lambda: refresher_pids(instance) - {refresher}, 15)
    (successor,) = refresher_pids(instance)
    before = status(instance)["datasets"]["crypto"]["fetch_count"]
    assert wait_until(
        lambda: status(instance)["datasets"]["crypto"]["fetch_count"] > before + 1, 15
    )
    assert status(instance)["datasets"]["crypto"]["refreshed_by"].endswith(f":{successor}")


def test_access_log_is_json_without_query_strings(instance):
    requests.get(f"{instance.url}/api/status?token=planted-secret", timeout=5)
    time.sleep(0.5)
    lines = [json.loads(line) for line in instance.access_log.read_text().splitlines() if line]
    entry = next(e for e in reversed(lines) if e["path"] == "/api/status")
    assert entry["method"] == "GET" and entry["status"] == 200
    assert entry["duration_ms"] >= 0 and int(entry["bytes"]) > 100
    assert "planted-secret" not in instance.access_log.read_text()


def test_a_stopped_instance_leaves_no_refresher_behind(instance):
    assert wait_until(lambda: len(refresher_pids(instance)) == 1, 15)
    (refresher,) = refresher_pids(instance)
    instance.process.send_signal(signal.SIGTERM)
    instance.process.wait(timeout=30)
    assert wait_until(lambda: not Path(f"/proc/{refresher}").exists() or _zombie(refresher), 20)


def _zombie(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_hup_applies_a_changed_configuration_everywhere_and_refuses_a_bad_one(instance):
    assert wait_until(lambda: len(refresher_pids(instance)) == 1, 15)
    (refresher,) = refresher_pids(instance)
    config = yaml.safe_load(instance.config.read_text())
    config["datasets"]["crypto"]["stale_after_s"] = 77
    instance.config.write_text(yaml.safe_dump(config))
    instance.process.send_signal(signal.SIGHUP)

    def every_worker_has(value: int) -> bool:
        answers = [status(instance)["datasets"]["crypto"]["stale_after_s"] for _ in range(20)]
        return set(answers) == {value}

    assert wait_until(lambda: every_worker_has(77), 20)
    assert wait_until(lambda: refresher_pids(instance) - {refresher}, 15), "refresher restarted"
    (refresher,) = refresher_pids(instance)

    instance.config.write_text("theme: purple\n")  # a bad file: refused, nothing lost
    instance.process.send_signal(signal.SIGHUP)
    time.sleep(3)
    assert every_worker_has(77)
    assert refresher_pids(instance) == {refresher}, "the running refresher must be kept"
    assert "configuration refused" in instance.log_tail(20_000)


def conf_with(monkeypatch, **env: str) -> dict:
    """deploy/gunicorn.conf.py's settings as gunicorn reads them, under this environment."""
    for name in ("HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WALLBOARD_REFRESHER", "worker")  # the file sets it; restored after
    return runpy.run_path(str(GUNICORN_CONF))


def test_it_listens_on_host_and_port_like_python_app_py(monkeypatch):
    assert conf_with(monkeypatch)["bind"] == ["127.0.0.1:8050"]
    assert conf_with(monkeypatch, HOST="0.0.0.0", PORT="9123")["bind"] == ["0.0.0.0:9123"]
    assert conf_with(monkeypatch, PORT="8061")["bind"] == ["127.0.0.1:8061"]
    assert conf_with(monkeypatch, HOST="::1")["bind"] == ["[::1]:8050"]
    with pytest.raises(SystemExit, match=r"PORT \(environment\).*'http'"):
        conf_with(monkeypatch, PORT="http")
