"""Stream faults on a streaming open-edition board under gunicorn (tests/support/livestack.py):
the fake Binance stream drops and refuses connections, goes silent, and floods. The board
reconnects and ticks again within 5 s of the server's return, says "stream silent — polling"
within silent_s + 1 s and polls meanwhile, bounds its cache writes under a flood, and answers
no request with a 5xx throughout."""

from __future__ import annotations

import math
import time
from datetime import datetime

import pytest
import requests

from engine.stream_hub import SILENT_NOTE
from tests.support.livestack import live_board
from tests.support.serverlog import server_failures
from tests.support.services import wait_until

pytestmark = pytest.mark.slow

SILENT_S = 3.0
PUBLISH_MS = 250
RETURN_BOUND_S = 5.0


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    stream = {"silent_s": SILENT_S, "publish_ms": PUBLISH_MS}
    with live_board(tmp_path_factory.mktemp("faults"), ["crypto"], stream=stream) as live:
        live.seed("binance")
        yield live


def crypto(board) -> dict:
    return board.status()["datasets"]["crypto"]


def btc_as_of(board) -> datetime:
    return datetime.fromisoformat(board.latest("crypto")["btc"]["as_of"])


def test_a_dropped_stream_ticks_again_within_5_s_of_the_servers_return(board):
    stream = board.streams["binance"]
    stop = stream.ticking(["BTCUSDT"], every_s=0.05)
    try:
        assert wait_until(lambda: crypto(board)["stream"] == "binance stream", 10, 0.05)
        stream.refuse(2.0)
        stream.drop()
        returns_wall = time.time() + (stream.returns_at - time.monotonic())
        back = wait_until(
            lambda: btc_as_of(board).timestamp() > returns_wall, RETURN_BOUND_S + 10, 0.05
        )
        took = time.time() - returns_wall
        print(f"stream back and ticking on screen {took:.2f} s after the server's return")
        assert back and took <= RETURN_BOUND_S
        assert wait_until(
            lambda: board.status()["streams"]["streams"]["binance"]["reconnects"] >= 1, 5, 0.1
        )
    finally:
        stop()


def test_a_silent_stream_is_said_within_silent_s_plus_1_and_polling_goes_on(board):
    stream = board.streams["binance"]
    stop = stream.ticking(["BTCUSDT"], every_s=0.05)
    assert wait_until(lambda: crypto(board)["stream"] == "binance stream", 10, 0.05)
    stream.go_silent()
    silent_from = time.monotonic()
    stop()
    try:
        said = wait_until(lambda: crypto(board)["stream_note"] == SILENT_NOTE, SILENT_S + 10, 0.05)
        took = time.monotonic() - silent_from
        print(f"'{SILENT_NOTE}' {took:.2f} s after the last tick (silent_s {SILENT_S:g})")
        assert said and took <= SILENT_S + 1
        assert crypto(board)["stream"] is None
        fetched = crypto(board)["fetch_count"]
        assert wait_until(lambda: crypto(board)["fetch_count"] > fetched, 10, 0.1)  # polled
    finally:
        stream.speak()
    stop = stream.ticking(["BTCUSDT"], every_s=0.05)
    try:  # back by itself
        assert wait_until(lambda: crypto(board)["stream"] == "binance stream", 10, 0.05)
        assert crypto(board)["stream_note"] is None
    finally:
        stop()


def test_a_flood_of_500_ticks_a_second_costs_bounded_cache_writes(board):
    stream = board.streams["binance"]
    before = board.publishes("crypto")
    cpu_before, started = board.refresher_cpu_s(), time.monotonic()
    sent = stream.flood("BTCUSDT", per_s=500, seconds=20).result(timeout=60)
    elapsed = time.monotonic() - started
    cpu = (board.refresher_cpu_s() - cpu_before) / elapsed * 100
    time.sleep(1)
    writes = board.publishes("crypto") - before
    # One write per publish_ms, plus the first (at once) and the last (after the flood ends).
    bound = math.ceil(elapsed * 1000 / PUBLISH_MS) + 2
    print(
        f"flood: {sent} ticks in {elapsed:.1f} s, {writes} cache writes "
        f"({writes / elapsed:.1f}/s, bound {1000 / PUBLISH_MS:.0f}/s); refresher CPU {cpu:.0f} %"
    )
    assert sent >= 500 * 20 * 0.9
    assert 1 <= writes <= bound


def test_no_request_got_a_5xx(board):
    for path in ("/crypto", "/api/status", "/metrics", "/status"):
        assert requests.get(f"{board.url}{path}", timeout=10).status_code == 200
    assert not server_failures(board.app)
