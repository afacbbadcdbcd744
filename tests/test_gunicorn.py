"""Under gunicorn with four workers: one refresher per host, one fetch per dataset per cadence."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.support.configs import shipped_config
from tests.support.services import free_port, poll, wait_until

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def gunicorn_board(tmp_path):
    config = shipped_config()
    config.update(edition="demo", state_dir=str(tmp_path / "state"))
    config["cache"]["dir"] = str(tmp_path / "cache")
    config["refresh"]["leader_poll_s"] = 0.5
    config["datasets"]["crypto"].update(refresh_s=1, stale_after_s=10)
    path = tmp_path / "wallboard.yaml"
    path.write_text(yaml.safe_dump(config))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}", "app:server"],
        cwd=ROOT,
        env={**os.environ, "WALLBOARD_CONFIG": str(path)},
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the process
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text()[-2000:])
    yield url
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def poll_status(url: str, seconds: float, clients: int = 8) -> list[dict]:
    """Many screens polling /api/status at once; every answer's crypto row."""
    return [s.body["datasets"]["crypto"] for _, s in poll(url, ["/api/status"], seconds, clients)]


def test_one_refresher_and_one_fetch_per_cadence_across_four_workers(gunicorn_board):
    poll_status(gunicorn_board, 3)  # every worker has served a request: all run a refresher
    # Measured from the first fetch on: until then every worker answers "waiting" (no refresher).
    assert wait_until(lambda: poll_status(gunicorn_board, 0.2, 1)[-1]["fetch_count"] >= 1, 30)
    started = time.monotonic()
    rows = poll_status(gunicorn_board, 6)
    elapsed = time.monotonic() - started
    counts = [r["fetch_count"] for r in rows]
    leaders = {r["refreshed_by"] for r in rows}
    assert len(rows) > 100
    assert len(leaders) == 1, f"more than one process refreshed: {leaders}"
    fetched = max(counts) - min(counts)
    # 1 s cadence: at most one fetch a second (plus the one in flight at the start). Four
    # refreshing workers would make ~4 a second.
    assert 2 <= fetched <= elapsed + 1, (fetched, elapsed)
    # Polled by the demo provider, moved between polls by the demo stream (its source then).
    assert all(r["status"] == "ok" and r["source"] in ("demo", "demo stream") for r in rows[-20:])

    # The leading worker dies: another takes over within the lock poll, and fetching goes on.
    leader_pid = int(leaders.pop().rsplit(":", 1)[1])
    os.kill(leader_pid, signal.SIGKILL)
    time.sleep(2)
    rows = poll_status(gunicorn_board, 3)
    assert {r["refreshed_by"] for r in rows[-10:]} != {f"{socket.gethostname()}:{leader_pid}"}
    assert max(r["fetch_count"] for r in rows) > max(counts)
