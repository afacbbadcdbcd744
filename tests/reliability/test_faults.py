"""The fault suite: for each way a source can misbehave, the running board (gunicorn, Redis,
a fake upstream; see conftest.py) keeps showing the last good values with a stale badge, no
request answers 5xx, no scene goes blank, and it heals by itself once the fault ends.

Faults of the platform itself (Redis, SIGKILL, disk, config) are at the end of the file. The
fleet's own faults (Redis down behind nginx with two hosts, the leading host killed) are in
tests/deploy/test_fleet.py.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.reliability.conftest import (
    CBOE,
    COINGECKO,
    DEADLINE_S,
    STOOQ,
    Board,
    Screens,
    coins_markets,
    now_utc,
    stooq_csv,
    vix_csv,
)
from tests.support.services import wait_until

TEN_MB = 10 * 1024 * 1024
CAPTIVE_PORTAL = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Wi-Fi</body>"


@dataclass(frozen=True)
class Fault:
    """What to break, and what the board must then say about it."""

    name: str
    dataset: str
    apply: Callable[[Board], None]
    says: tuple[str, ...]  # the error names the cause (any of these words)


def route(path: str, **behaviour) -> Callable[[Board], None]:
    return lambda board: board.upstream.route(path, **behaviour)


FAULTS = [
    Fault("hang", "crypto", route(COINGECKO, hang=True), ("within", "too slow")),
    Fault(
        "slow past the deadline",
        "crypto",
        route(COINGECKO, body=lambda: coins_markets(), delay_s=DEADLINE_S + 1),
        ("within", "too slow"),
    ),
    Fault(
        "body dripped past the deadline",
        "crypto",
        route(COINGECKO, body=lambda: coins_markets() + b" " * 40_000, drip_s=0.2),
        ("within", "too slow"),
    ),
    Fault("HTTP 500", "crypto", route(COINGECKO, status=500, body=b"oops"), ("500",)),
    Fault(
        "malformed JSON",
        "crypto",
        route(COINGECKO, body=b'[{"id": "bitcoin", "current_price": 1'),
        ("not JSON",),
    ),
    Fault(
        "truncated body",
        "crypto",
        route(COINGECKO, body=lambda: coins_markets(), truncate=True),
        ("cut off",),
    ),
    Fault(
        "10 MB body",
        "crypto",
        route(COINGECKO, body=lambda: coins_markets()[:-1] + b" " * TEN_MB + b"]"),
        ("KiB",),
    ),
    Fault(
        "wrong content type (a captive portal's page)",
        "crypto",
        route(COINGECKO, body=CAPTIVE_PORTAL, headers={"Content-Type": "text/html"}),
        ("not JSON", "HTML"),
    ),
    Fault(
        "NaN prices",
        "crypto",
        route(COINGECKO, body=lambda: coins_markets(bitcoin="NaN", ethereum="NaN")),
        ("price",),
    ),
    Fault(
        "zero and negative prices",
        "crypto",
        route(COINGECKO, body=lambda: coins_markets(bitcoin=0, ethereum=-1218.19)),
        ("price",),
    ),
    Fault(
        "timestamps in the future",
        "crypto",
        route(COINGECKO, body=lambda: coins_markets(shift=timedelta(days=1))),
        ("in the future", "after now"),
    ),
    Fault(
        "timestamps going back (out of order)",
        "crypto",
        route(COINGECKO, body=lambda: coins_markets(shift=timedelta(hours=-1))),
        ("went back",),
    ),
    Fault(
        "yesterday's prices served again",
        "crypto",
        route(COINGECKO, body=lambda: coins_markets(shift=timedelta(days=-1))),
        ("went back",),
    ),
    Fault("DNS failure", "crypto", lambda board: board.resolve(False), ("connect", "resolve")),
    Fault(
        "yesterday's data served as today's",
        "volatility",
        route(CBOE, body=lambda: vix_csv(sessions_behind=1)),
        ("went back",),
    ),
    Fault(
        "bars out of order",
        "history",
        route(STOOQ, body=lambda: stooq_csv(shuffled=True)),
        ("order", "increasing"),
    ),
]

SCENE_OF = {"crypto": "crypto", "volatility": "volatility", "history": "technicals"}
HEAL_S = 20  # the longest backoff (2 s) + a deadline (2 s) + a cadence, with room for a slow CI


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_a_failing_source_keeps_the_last_good_values_stale_and_heals(good_board, fault):
    board = good_board
    good = board.latest(fault.dataset)
    assert good["status"] in ("ok", "closed"), good
    with Screens(board) as screens:
        broken_at = now_utc()
        fault.apply(board)
        failed = board.wait_failed(fault.dataset, broken_at)

        # Stale while its market trades; a closed market's last session values stay "closed".
        expected = "stale" if good["status"] == "ok" else "closed"
        assert failed["status"] == expected, failed
        assert failed["records"] == good["records"], "the last good values were not kept"
        # The age stays the last good fetch's: one that ended before the failed attempt began
        # (a fetch already in flight when the fault was applied may still have landed good).
        kept_from = datetime.fromisoformat(failed["fetched_at"])
        assert datetime.fromisoformat(good["fetched_at"]) <= kept_from, failed
        assert kept_from <= datetime.fromisoformat(failed["attempted_at"]), failed
        assert any(word in failed["error"] for word in fault.says), failed["error"]
        shown = board.scene_text(SCENE_OF[fault.dataset])
        assert f'data-status":"{expected}"' in shown.replace("\\", ""), "no badge on the scene"
        for record in good["records"][:3]:  # the values are on screen, not a blank scene
            assert record.get("name", record.get("symbol")) in shown

        healed_from = now_utc()
        board.serve_good()
        healed = board.wait_fresh(fault.dataset, healed_from, HEAL_S)
    assert healed["status"] in ("ok", "closed"), healed
    assert screens.answers, "the screens never polled"
    assert screens.failures == [], screens.failures[:10]


def test_one_bad_price_keeps_that_instruments_last_value_stale_and_the_rest_move(good_board):
    board = good_board
    good = {q["symbol"]: q for q in board.latest("crypto")["records"]}
    with Screens(board) as screens:
        broken_at = now_utc()
        board.upstream.route(COINGECKO, body=lambda: coins_markets(bitcoin="NaN", ethereum=1300.5))
        partial = board.wait_fresh("crypto", broken_at)
        quotes = {q["symbol"]: q for q in partial["records"]}
        assert quotes["eth"]["price"] == 1300.5 and not quotes["eth"]["kept"]
        assert quotes["btc"]["kept"] and quotes["btc"]["price"] == good["btc"]["price"]
        # The kept value keeps the time of the last good answer: no later than the break
        # (a good refresh may land between reading `good` and breaking the route).
        kept_as_of = datetime.fromisoformat(quotes["btc"]["as_of"])
        assert datetime.fromisoformat(good["btc"]["as_of"]) <= kept_as_of <= broken_at
        assert "previous value kept for btc" in partial["error"]
        shown = board.scene_text("crypto")
        (btc_tile,) = [t for t in tiles(json.loads(shown)) if t["data-instrument"] == "btc"]
        assert btc_tile["data-status"] == "stale", btc_tile
        assert "16,730.75" in json.dumps(btc_tile) and "last good" in json.dumps(btc_tile)
        healed_from = now_utc()
        board.serve_good()
        healed = board.wait_fresh("crypto", healed_from)
    assert not any(q["kept"] for q in healed["records"])
    assert screens.failures == [], screens.failures[:10]


def tiles(tree) -> list[dict]:
    """The props of every quote tile in a Dash answer."""
    found = []
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and "data-instrument" in props:
            found.append(props)
        for value in tree.values():
            found += tiles(value)
    elif isinstance(tree, list):
        for value in tree:
            found += tiles(value)
    return found


def test_a_slow_source_just_under_the_deadline_is_fresh(good_board):
    board = good_board
    before = board.latest("crypto")
    with Screens(board) as screens:
        slow_from = now_utc()
        board.upstream.route(COINGECKO, body=lambda: coins_markets(), delay_s=DEADLINE_S * 0.6)
        slow = board.wait_fresh("crypto", slow_from)
    assert slow["status"] == "ok" and slow["fetched_at"] > before["fetched_at"]
    assert screens.failures == []


def test_429_with_retry_after_is_honoured_then_heals(good_board):
    board = good_board
    good = board.latest("crypto")
    path = COINGECKO.rstrip("*")
    with Screens(board) as screens:
        limited_at = now_utc()
        board.upstream.route(COINGECKO, status=429, headers={"Retry-After": "4"}, body=b"slow down")
        failed = board.wait_failed("crypto", limited_at)
        hits = board.upstream.hits.get(path, 0)
        assert failed["status"] == "stale" and failed["records"] == good["records"]
        assert "rate limited" in failed["error"], failed["error"]
        # Within the Retry-After, the refresher must not ask again (it would extend the ban).
        assert not wait_until(lambda: board.upstream.hits.get(path, 0) > hits, 2.5)
        board.serve_good()
        healed = board.wait_fresh("crypto", limited_at, HEAL_S)
    assert healed["status"] == "ok"
    assert screens.failures == []


# --- faults of the platform ---------------------------------------------------------------------

DATASETS = ("crypto", "volatility", "history")


def test_redis_down_then_back_costs_no_request_and_heals(good_board):
    board = good_board
    good = board.latest("crypto")
    with Screens(board) as screens:
        down_at = now_utc()
        board.redis.stop()
        assert wait_until(lambda: board.status()["cache"]["state"] == "degraded", 15)
        # The host keeps refreshing on its own and serves from its own copy meanwhile.
        moving = board.wait_fresh("crypto", down_at)
        assert moving["records"] and moving["fetched_at"] > good["fetched_at"]
        assert "Bitcoin" in board.scene_text("crypto")
        board.redis.start()
        assert wait_until(lambda: board.status()["cache"]["state"] == "ok", 15)
        healed = board.wait_fresh("crypto", now_utc())
    assert healed["status"] == "ok"
    assert board.redis.client().exists("wallboard:open:snapshot:crypto"), "Redis not reseeded"
    assert screens.failures == [], screens.failures[:10]


def restart(board: Board, *, before_start=None) -> None:
    """SIGKILL every process of the board, empty Redis, then start it again."""
    board.app.kill()
    board.redis.stop()
    board.redis.start()  # back empty: what the board shows now can only come from its disk
    if before_start is not None:
        before_start()
    board.app.start()
    board.app.wait_healthy()


def test_sigkill_and_a_warm_restart_show_the_last_values_from_disk_at_once(good_board):
    board = good_board
    good = {name: board.latest(name) for name in DATASETS}
    # The sources are down as the board comes back: nothing can be fetched.
    restart(board, before_start=lambda: board.upstream.route(COINGECKO, hang=True))
    first = board.latest("crypto")
    assert first["records"] == good["crypto"]["records"]
    assert first["fetched_at"] == good["crypto"]["fetched_at"], "the age must survive a restart"
    assert "Bitcoin" in board.scene_text("crypto")
    for name in DATASETS:
        assert board.latest(name)["records"], f"{name} was not restored from disk"
    failed = board.wait_failed("crypto", now_utc())
    assert failed["status"] == "stale" and failed["records"] == good["crypto"]["records"]
    board.serve_good()
    assert board.wait_fresh("crypto", now_utc())["status"] == "ok"


def corrupt_everything_of(board: Board, dataset: str) -> list[Path]:
    """Garbage in the dataset's last-good file and in every file of the host's cache."""
    state = Path(yaml.safe_load(board.config_path.read_text())["state_dir"])
    cache = Path(yaml.safe_load(board.config_path.read_text())["cache"]["dir"])
    files = [*state.rglob(f"{dataset}.json"), *(p for p in cache.rglob("*") if p.is_file())]
    for path in files:
        path.write_bytes(b"\x80\x04\x95garbage\xff{not json" * 3)
    return files


def test_a_corrupted_snapshot_on_disk_is_set_aside_and_the_board_starts(good_board):
    board = good_board
    good = board.latest("volatility")
    corrupted: list[Path] = []

    def corrupt() -> None:
        board.upstream.route(COINGECKO, hang=True)
        corrupted.extend(corrupt_everything_of(board, "crypto"))

    restart(board, before_start=corrupt)
    assert any(p.name == "crypto.json" for p in corrupted)
    with Screens(board) as screens:
        crypto = board.latest("crypto")
        assert crypto["records"] == [] and crypto["status"] in ("empty", "error"), crypto
        assert board.latest("volatility")["records"] == good["records"], "a good file was lost"
        assert "crypto.json" in board.app.log_tail(20_000), "the bad file is not named in the log"
        board.serve_good()
        healed = board.wait_fresh("crypto", now_utc())
    assert healed["status"] == "ok"
    assert screens.failures == [], screens.failures[:10]


def test_an_invalid_config_during_a_reload_is_refused_and_the_board_keeps_serving(good_board):
    board = good_board
    running = board.config_path.read_text()
    refusals = board.app.log_tail(1_000_000).count("configuration refused")
    try:
        with Screens(board) as screens:
            invalid_yaml = "datasets: [unclosed\n"
            invalid_value = running.replace("refresh_s: 1", "refresh_s: -1")
            for broken in (invalid_yaml, invalid_value):
                board.config_path.write_text(broken)
                board.app.process.send_signal(signal.SIGHUP)
                refusals += 1
                assert wait_until(
                    lambda n=refusals: (
                        board.app.log_tail(1_000_000).count("configuration refused") >= n
                    ),
                    30,
                ), board.app.log_tail()
                # The new workers run the old configuration: data keeps moving at its cadence.
                assert board.wait_fresh("crypto", now_utc())["status"] == "ok"
                assert "Bitcoin" in board.scene_text("crypto")
    finally:
        board.config_path.write_text(running)
    assert screens.failures == [], screens.failures[:10]
