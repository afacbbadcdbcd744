"""Shared test helpers: settings built from the real config file, in a temporary state dir."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from config import load_settings
from config.schema import Settings

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def _loopback(host: object) -> bool:
    if host in ("localhost", "", None) or (isinstance(host, str) and host.endswith(".localhost")):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """No test touches the internet: a connection or name lookup beyond loopback fails loudly."""

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise AssertionError(f"test tried to reach {address[0]}")
        return _real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _loopback(host):
            raise AssertionError(f"test tried to resolve {host}")
        return _real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    # libcurl (curl_cffi: Yahoo's session, from yfinance) opens sockets Python never sees.
    from curl_cffi import requests as curl

    real_request = curl.Session.request

    def curl_request(session, method, url, *args, **kwargs):
        if not _loopback(urlsplit(url).hostname):
            raise AssertionError(f"test tried to reach {urlsplit(url).hostname} through curl")
        return real_request(session, method, url, *args, **kwargs)

    monkeypatch.setattr(curl.Session, "request", curl_request)


@pytest.fixture
def make_settings(tmp_path: Path):
    """Settings from config/wallboard.yaml with overrides, state kept in tmp_path."""

    def make(edition: str = "open", **overrides) -> Settings:
        raw = load_settings(env={"WALLBOARD_EDITION": edition}).model_dump()
        raw["state_dir"] = str(tmp_path / "state")
        raw["cache"]["dir"] = str(tmp_path / "cache")
        for key, value in overrides.items():
            raw[key] = {**raw[key], **value} if isinstance(value, dict) else value
        return Settings.model_validate(raw)

    return make


def pytest_setup_options():
    """Chromium flags for dash_duo: headless as root, no background traffic to the internet."""
    from tests.support.browser import chrome_options

    return chrome_options()


@pytest.fixture
def upstream():
    """A fake upstream HTTP server on loopback (see tests/support/fakeupstream.py)."""
    from tests.support.fakeupstream import FakeUpstream

    server = FakeUpstream().start()
    yield server
    server.stop()


@pytest.fixture
def redis_server(tmp_path: Path):
    """A real redis-server on a free loopback port, stopped after the test."""
    from tests.support.services import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


# The developer loop (`pytest -m "not slow"`, README) leaves out what starts real browsers,
# servers and fleets. Decided here, from where a test lives and what it uses, so a new test in
# those places is slow without remembering a marker.
SLOW_PLACES = ("e2e", "deploy", "reliability", "test_gunicorn.py", "test_secrets.py")
SLOW_FIXTURES = {"dash_duo", "dash_thread_server", "dash_process_server", "redis_server"}


def pytest_collection_modifyitems(config, items):
    """Mark the slow suites `slow`: browser, deploy and fleet, reliability (load and soak too)."""
    tests_root = Path(__file__).parent
    for item in items:
        place = Path(item.fspath).relative_to(tests_root).parts[0]
        browser = item.get_closest_marker("browser") is not None
        if place in SLOW_PLACES or browser or SLOW_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)
