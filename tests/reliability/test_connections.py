"""Screens polling gunicorn directly (no nginx in front) never see a dropped connection.

gunicorn closes a kept-alive connection once it has been idle for `keepalive` seconds. A screen
whose next request leaves just as that close happens gets "Remote end closed connection without
response": with 5 s, a screen polling about every 5 s met that race a few times a minute. So
gunicorn's keepalive outlasts every gap between a screen's requests (the board's slowest poll
is the ticker's 30 s), and nginx, in front, closes its idle upstream connections first.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from components.shell import HEALTH_POLL_MS, TICKER_POLL_MS
from config import DEFAULT_CONFIG
from tests.support.dashreq import scene_refresh_body
from tests.support.services import GUNICORN_CONF, AppInstance

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 20
POLL_FOR_S = 300.0


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """The demo edition under deploy/gunicorn.conf.py with its default worker count."""
    work = tmp_path_factory.mktemp("connections")
    instance = AppInstance(
        "connections",
        DEFAULT_CONFIG,
        work,
        workers=4,
        env={"WALLBOARD_EDITION": "demo", "WALLBOARD_STATE_DIR": str(work / "state")},
    ).start()
    instance.wait_healthy()
    yield instance
    instance.stop()


def configured_seconds(path: Path, pattern: str) -> float:
    """A number of seconds set in a config file (`keepalive = 75`, `keepalive_timeout 60s;`)."""
    match = re.search(pattern, path.read_text(), re.MULTILINE)
    assert match, f"{path.name}: no {pattern}"
    return float(match.group(1))


def test_keepalive_outlasts_every_poll_gap_and_nginx_closes_first():
    keepalive = configured_seconds(GUNICORN_CONF, r"^keepalive = (\d+)")
    nginx_idle = configured_seconds(
        ROOT / "deploy" / "nginx" / "upstream.conf", r"^\s*keepalive_timeout (\d+)s;"
    )
    slowest_poll_s = max(HEALTH_POLL_MS, TICKER_POLL_MS) / 1000
    assert keepalive > 2 * slowest_poll_s
    assert nginx_idle < keepalive


def test_a_screen_idle_between_polls_is_answered_on_its_connection(board):
    gap_s = HEALTH_POLL_MS / 1000 + 2  # longer than the health poll's gap
    connection = http.client.HTTPConnection("127.0.0.1", board.port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        first = connection.getresponse()
        first.read()
        socket_before = connection.sock
        time.sleep(gap_s)
        connection.request("GET", "/healthz")  # raises if gunicorn closed it meanwhile
        second = connection.getresponse()
        second.read()
        socket_after = connection.sock
    finally:
        connection.close()
    assert (first.status, second.status) == (200, 200)
    assert socket_after is socket_before  # the same connection, not a new one


def test_twenty_screens_polling_for_five_minutes_see_no_dropped_connection(board):
    dependencies = requests.get(f"{board.url}/_dash-dependencies", timeout=10).json()
    scenes = ["overview", "fx", "crypto", "rates"]
    gets = ["/api/status", "/healthz", "/api/latest/crypto", *(f"/{s}" for s in scenes)]
    answers: Counter[int] = Counter()
    dropped: list[str] = []
    stop = time.monotonic() + POLL_FOR_S

    def screen(seed: int) -> None:
        rnd = random.Random(seed)
        with requests.Session() as session:
            while time.monotonic() < stop:
                started = time.monotonic()
                try:
                    if rnd.random() < 0.4:
                        body = scene_refresh_body(dependencies, rnd.choice(scenes))
                        url = f"{board.url}/_dash-update-component"
                        response = session.post(url, json=body, timeout=30)
                    else:
                        response = session.get(board.url + rnd.choice(gets), timeout=30)
                    answers[response.status_code] += 1
                except requests.RequestException as exc:
                    dropped.append(f"after {time.monotonic() - started:.1f} s: {exc}")
                # Gaps from a busy screen's to an idle one's, many near the old 5 s keepalive.
                gaps = [(0.05, 1.0), (4.0, 7.0), (8.0, 12.0)]
                time.sleep(rnd.uniform(*rnd.choice(gaps)))

    threads = [threading.Thread(target=screen, args=(seed,)) for seed in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert dropped == [], f"{len(dropped)} dropped of {sum(answers.values())}: {dropped[:5]}"
    assert set(answers) <= {200, 204}, answers
    assert sum(answers.values()) > CLIENTS * POLL_FOR_S / 10
