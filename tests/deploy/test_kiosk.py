"""deploy/kiosk: the launcher waits for /healthz before starting the browser; the user unit."""

from __future__ import annotations

import configparser
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "kiosk" / "wallboard-kiosk.sh"
UNIT = ROOT / "deploy" / "kiosk" / "wallboard-kiosk.service"
INSTALL_ROOT = Path("/opt/wallboard")

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="the launcher needs curl")


class HealthServer(ThreadingHTTPServer):
    """/healthz answers 503 `failures` times, then 200; records when the first 200 went out."""

    daemon_threads = True

    def __init__(self, failures: int) -> None:
        super().__init__(("127.0.0.1", 0), _Health)
        self.failures = failures
        self.answers: list[int] = []
        self.healthy_at: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server: HealthServer = self.server  # type: ignore[assignment]
        if self.path != "/healthz":
            status = 404
        elif len([a for a in server.answers if a == 503]) < server.failures:
            status = 503
        else:
            status = 200
            server.healthy_at = server.healthy_at or time.time()
        server.answers.append(status)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def health_server(failures: int) -> Iterator[HealthServer]:
    """A running HealthServer, shut down on exit."""
    server = HealthServer(failures)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def fake_browser(tmp_path: Path) -> Path:
    """An executable that records its arguments and the time it was started, then exits 0."""
    browser = tmp_path / "fake-browser"
    browser.write_text(
        "#!/bin/sh\n"
        f"date +%s.%N > '{tmp_path}/launched_at'\n"
        f"printf '%s\\n' \"$@\" > '{tmp_path}/argv'\n"
    )
    browser.chmod(0o755)
    return browser


def run_launcher(tmp_path: Path, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the launcher on `url` with the fake browser and a clean environment."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(exist_ok=True)
    return subprocess.run(
        [str(SCRIPT)],
        env={
            "PATH": os.environ["PATH"],
            "XDG_RUNTIME_DIR": str(runtime),
            "WALLBOARD_URL": url,
            "WALLBOARD_BROWSER": str(fake_browser(tmp_path)),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_launcher_is_valid_bash_and_executable():
    assert subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True).returncode == 0
    assert os.access(SCRIPT, os.X_OK)


def test_the_browser_starts_in_kiosk_mode_once_health_answers_200(tmp_path):
    with health_server(failures=2) as server:
        result = run_launcher(tmp_path, server.url, WALLBOARD_BROWSER_ARGS="--foo --bar=1")
    assert result.returncode == 0, result.stderr
    assert server.answers == [503, 503, 200]
    argv = (tmp_path / "argv").read_text().splitlines()
    assert float((tmp_path / "launched_at").read_text()) >= server.healthy_at
    assert argv[-1] == f"{server.url}/?kiosk=1"
    for flag in ("--kiosk", "--incognito", "--noerrdialogs", "--no-first-run", "--foo", "--bar=1"):
        assert flag in argv
    assert f"--user-data-dir={tmp_path}/runtime/wallboard-kiosk-{os.getuid()}" in argv


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [("/", "/?kiosk=1"), ("/fx", "/fx?kiosk=1"), ("/?rotate=1", "/?rotate=1&kiosk=1")],
)
def test_kiosk_is_added_to_the_url_given(tmp_path, suffix, expected):
    with health_server(failures=0) as server:
        result = run_launcher(tmp_path, server.url + suffix)
    assert result.returncode == 0, result.stderr
    assert server.answers == [200]  # /healthz at the root, whatever the path
    assert (tmp_path / "argv").read_text().splitlines()[-1] == server.url + expected


def test_the_launcher_gives_up_when_the_board_never_answers(tmp_path):
    # A port that accepts connections but never answers: every curl runs into --max-time.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        result = run_launcher(tmp_path, url, WALLBOARD_HEALTH_TIMEOUT_S="3")
        elapsed = time.monotonic() - started
    assert result.returncode != 0
    assert "did not answer 200 within 3 s" in result.stderr
    assert not (tmp_path / "argv").exists()
    assert elapsed < 15


def test_the_user_unit_restarts_the_launcher_forever():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string(UNIT.read_text())
    assert unit["Service"]["ExecStart"] == str(INSTALL_ROOT / SCRIPT.relative_to(ROOT))
    assert unit["Service"]["Restart"] == "always"
    assert unit["Service"]["RestartSec"] == "5"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"
    assert "graphical-session.target" in unit["Unit"]["After"].split()
    assert unit["Install"]["WantedBy"] == "graphical-session.target"
    assert unit["Service"]["Environment"].startswith("WALLBOARD_URL=http")
