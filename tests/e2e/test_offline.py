"""The server goes away and comes back: the screen keeps its last render under an "offline"
banner, then reloads by itself (keeping the kiosk URL) when the server answers again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from selenium.common.exceptions import TimeoutException

from tests.support.configs import shipped_config
from tests.support.paths import ROOT
from tests.support.services import free_port

pytestmark = pytest.mark.browser


def serve(config: Path, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={**os.environ, "WALLBOARD_CONFIG": str(config), "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=open(log, "a"),  # noqa: SIM115 - closed with the process
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("server did not start: " + log.read_text()[-2000:])


def crypto_refreshed(port: int, log: Path) -> None:
    """Wait until the board holds crypto data: a kiosk skips a scene whose datasets are still
    empty, so a screen opened on a cold server's /crypto may move on before its first refresh
    (the CI flake this waits out)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = requests.get(f"http://127.0.0.1:{port}/api/status", timeout=5).json()
        if status["datasets"]["crypto"]["status"] not in ("error", "empty"):
            return
        time.sleep(0.2)
    raise AssertionError("crypto never refreshed: " + log.read_text()[-2000:])


def first_render(dash_br, log: Path) -> None:
    """The scene's first render: a cold server on a busy 2-core CI machine builds its first
    page slowly, so the wait is generous and a failure says what the browser and server saw."""
    try:
        dash_br.wait_for_element('[data-scene="crypto"]', timeout=45)
    except TimeoutException as error:
        page = dash_br.driver.page_source[-1500:]
        raise AssertionError(f"no crypto scene: {page}\n{log.read_text()[-2000:]}") from error


def test_offline_banner_then_recovery_without_a_person(dash_br, tmp_path):
    config = shipped_config()
    config.update(edition="demo", state_dir=str(tmp_path / "state"))
    config["cache"]["dir"] = str(tmp_path / "cache")
    path = tmp_path / "wallboard.yaml"
    path.write_text(yaml.safe_dump(config))
    port, log = free_port(), tmp_path / "server.log"
    server = serve(path, port, log)
    try:
        crypto_refreshed(port, log)
        dash_br.driver.get(f"http://127.0.0.1:{port}/crypto?kiosk=1")
        first_render(dash_br, log)
        dash_br.wait_for_element("#wb-offline[hidden]", timeout=5)

        server.kill()
        server.wait(10)
        dash_br.wait_for_element("#wb-offline:not([hidden])", timeout=20)
        assert "Offline" in dash_br.find_element("#wb-offline").text
        assert dash_br.find_element('[data-scene="crypto"]').is_displayed()  # last render kept
        assert "Bitcoin" in dash_br.find_element('[data-scene="crypto"]').text

        server = serve(path, port, log)
        dash_br.wait_for_element("#wb-offline[hidden]", timeout=30)
        dash_br.wait_for_element("[data-scene]", timeout=45)
        assert "kiosk=1" in dash_br.driver.current_url
        assert "wb-kiosk" in dash_br.find_element("body").get_attribute("class")
    finally:
        server.kill()
        server.wait(10)
