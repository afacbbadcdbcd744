"""Real components on loopback for the tests: redis-server and gunicorn instances of the app.

Each runs as a background process on a free port, in its own process group, and is stopped
(or killed, when a test says so) by the test that started it. nginx lives in
nginx_server.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import redis
import requests

from tests.support.paths import ROOT

GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout_s: float, interval_s: float = 0.1) -> bool:
    """Poll `predicate` until it is true or the time is up; whether it became true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return True
        time.sleep(interval_s)
    return False


@dataclass
class Seen:
    at: float
    status: int
    body: dict | None


def poll(url: str, paths: list[str], seconds: float, clients: int) -> list[tuple[str, Seen]]:
    """`clients` screens polling `paths` in turn for `seconds`; every answer, JSON parsed."""
    seen: list[tuple[str, Seen]] = []
    stop = time.monotonic() + seconds

    def client() -> None:
        with requests.Session() as session:
            while time.monotonic() < stop:
                for path in paths:
                    try:
                        response = session.get(url + path, timeout=10)
                    except requests.RequestException:
                        seen.append((path, Seen(time.monotonic(), 0, None)))
                        continue
                    body = None
                    if response.headers.get("Content-Type", "").startswith("application/json"):
                        body = response.json()
                    seen.append((path, Seen(time.monotonic(), response.status_code, body)))
                time.sleep(0.01)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seen


class RedisServer:
    """redis-server on a free loopback port, without persistence (a restart comes back empty)."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (.ci/run installs Debian's)")
        self.binary = binary
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        """Start (again, on the same port) and wait until it answers PING."""
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(self.workdir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        if not wait_until(client.ping, 10):
            self.stop()
            raise RuntimeError(f"redis-server did not start on {self.port}")
        return self

    def client(self) -> redis.Redis:
        """A client for checks from the test."""
        return redis.Redis(port=self.port, socket_timeout=2)

    def stop(self) -> None:
        """Stop it (its data goes with it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class AppInstance:
    """One host's app: `gunicorn -c deploy/gunicorn.conf.py` with its own state and cache dirs."""

    def __init__(
        self,
        name: str,
        config: Path,
        workdir: Path,
        *,
        workers: int = 2,
        env: dict | None = None,
        target: str = "app:server",
        gunicorn_args: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.target = target
        self.gunicorn_args = gunicorn_args
        self.config = config
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.workers = workers
        self.env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = workdir / "access.log"
        self.error_log = workdir / "error.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> AppInstance:
        """Start the master (which starts its workers and its refresher process)."""
        env = {**os.environ, "WALLBOARD_CONFIG": str(self.config), **self.env}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(GUNICORN_CONF),
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                *self.gunicorn_args,
                self.target,
            ],
            cwd=ROOT,
            env=env,
            stdout=open(self.access_log, "ab"),  # noqa: SIM115 - the process owns it
            stderr=open(self.error_log, "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        return self

    def wait_healthy(self, timeout_s: float = 60) -> None:
        """Wait for 200 on /healthz, or fail with the end of its log."""
        ok = wait_until(
            lambda: requests.get(f"{self.url}/healthz", timeout=2).status_code == 200,
            timeout_s,
            0.2,
        )
        if not ok:
            self.kill()
            raise RuntimeError(f"{self.name} did not start: {self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the error log, for failure messages."""
        return self.error_log.read_text(errors="replace")[-chars:]

    def pids(self) -> set[int]:
        """Every live process of this instance (master, workers, refresher)."""
        if self.process is None:
            return set()
        group = self.process.pid
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == group and fields[0] != "Z":  # fields: state, ppid, pgrp
                found.add(int(entry.name))
        return found

    def access_count(self, path: str) -> int:
        """How many requests for `path` this instance's access log shows."""
        if not self.access_log.exists():
            return 0
        return self.access_log.read_text(errors="replace").count(f'"path":"{path}"')

    def kill(self) -> None:
        """SIGKILL every process of the instance at once (a host dying)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the master), then SIGKILL for whatever is left."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None
