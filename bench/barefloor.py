"""The bare floor: a Flask app that only returns recorded bytes, under the board's gunicorn
settings, for the refresh benchmark (bench/latency.py) to measure the board against.

Each recorded request is keyed by its path and the SHA-256 of its body; the answer is the
recorded status, content type and bytes (a 204 stays a 204 with no body). Nothing else runs:
no Dash, no cache, no board. The recordings come from a JSON file named by
`BENCH_BAREFLOOR_RECORDINGS` (`write_recordings`), read once when gunicorn preloads the app.

This file is also the floor's gunicorn configuration (`gunicorn -c bench/barefloor.py`): read
as such, it copies deploy/gunicorn.conf.py's worker class, threads, keep-alive, timeouts,
preload, logging (the JSON access log) and worker recycling, without its hooks (they start the
board's refresher); the worker count and address come on the command line, as for the board.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import runpy
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ENV = "BENCH_BAREFLOOR_RECORDINGS"
SHIPPED_CONF = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"
COPIED = (
    "worker_class",
    "threads",
    "keepalive",
    "timeout",
    "graceful_timeout",
    "preload_app",
    "accesslog",
    "errorlog",
    "logger_class",
    "max_requests",
    "max_requests_jitter",
    "control_socket_disable",
    "chdir",
)


@dataclass(frozen=True)
class Recorded:
    """One answer to give: to a POST or GET of `path` with exactly `body`."""

    path: str
    body: bytes
    status: int
    content_type: str
    answer: bytes

    @property
    def key(self) -> str:
        """What the floor looks the answer up by."""
        return key_of(self.path, self.body)


def key_of(path: str, body: bytes) -> str:
    """A request's path and the digest of its body."""
    return f"{path} {hashlib.sha256(body).hexdigest()}"


def write_recordings(path: Path, recorded: list[Recorded]) -> Path:
    """Keep the answers in a file for the floor's workers."""
    rows = [
        {
            "key": r.key,
            "status": r.status,
            "content_type": r.content_type,
            "answer": base64.b64encode(r.answer).decode(),
        }
        for r in recorded
    ]
    path.write_text(json.dumps(rows))
    return path


def read_recordings(path: Path) -> dict[str, tuple[int, str, bytes]]:
    """key -> (status, content type, bytes)."""
    return {
        row["key"]: (row["status"], row["content_type"], base64.b64decode(row["answer"]))
        for row in json.loads(path.read_text())
    }


def shipped_settings() -> dict:
    """The settings of deploy/gunicorn.conf.py this floor shares with the board."""
    # Read under another name than gunicorn's "__config__": its refresher is then not started.
    values = runpy.run_path(str(SHIPPED_CONF), run_name="bench_barefloor_shipped")
    return {name: values[name] for name in COPIED if name in values}


if __name__ == "__config__":  # gunicorn reading this file as its configuration
    globals().update(shipped_settings())
else:
    import flask

    ANSWERS = read_recordings(Path(os.environ[ENV])) if os.environ.get(ENV) else {}
    server = flask.Flask("barefloor")

    @server.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @server.route("/<path:path>", methods=["GET", "POST"])
    def answer(path: str) -> flask.Response:
        """The recorded answer to this request, or a 404 saying none was recorded."""
        found = ANSWERS.get(key_of(flask.request.path, flask.request.get_data()))
        if found is None:
            return flask.Response(b"not recorded", status=404, mimetype="text/plain")
        status, content_type, body = found
        if status == 204:
            return flask.Response(status=204)
        return flask.Response(body, status=status, content_type=content_type)


class BareFloor:
    """The floor under gunicorn on a free loopback port, with `workers` workers."""

    def __init__(self, workdir: Path, recordings: Path, workers: int) -> None:
        from tests.support.services import free_port

        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.recordings = recordings
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> BareFloor:
        """Start it and wait until it answers (a 404 for anything not recorded)."""
        import requests

        from tests.support.services import wait_until

        env = {**os.environ, ENV: str(self.recordings)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                __file__,
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "bench.barefloor:server",
            ],
            cwd=SHIPPED_CONF.parents[1],
            env=env,
            stdout=open(self.workdir / "access.log", "ab"),  # noqa: SIM115 - the process owns it
            stderr=open(self.workdir / "error.log", "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        if not wait_until(lambda: requests.get(self.url, timeout=2).status_code == 404, 30, 0.2):
            self.stop()
            raise RuntimeError(f"the bare floor did not start: see {self.workdir}/error.log")
        return self

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM, then SIGKILL)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
