"""A streaming open-edition board on loopback: the fake upstream answering its polls
(tests/support/openfake.py), fake Binance, OKX and Yahoo streams (tests/support/fakestream.py)
and the board itself under gunicorn (`deploy/gunicorn.conf.py`, its refresher process leading).

    with live_board(tmp_path, ["crypto", "indices"]) as board:
        board.streams["binance"].send("BTCUSDT", 16_800.5)
        board.latest("crypto")["btc"]

The tick-to-glass test, the stream fault suite and bench/stream.py run on it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

from tests.support import openfake
from tests.support.fakestream import FakeStream
from tests.support.fakeupstream import FakeUpstream
from tests.support.services import AppInstance, wait_until

STREAMED = ("binance", "okx", "yahoo")
# The vendor symbol each stream is driven with, and the instrument it moves.
SYMBOLS = {"binance": ("BTCUSDT", "btc"), "okx": ("BTC-USDT", "btc"), "yahoo": ("^GSPC", "spx")}


@dataclass
class LiveBoard:
    upstream: FakeUpstream
    streams: dict[str, FakeStream]
    app: AppInstance
    config: Path
    scenes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.app.url

    def status(self) -> dict:
        return requests.get(f"{self.url}/api/status", timeout=5).json()

    def latest(self, dataset: str) -> dict[str, dict]:
        """Each instrument's record as /api/latest serves it, by instrument id."""
        body = requests.get(f"{self.url}/api/latest/{dataset}", timeout=5).json()
        return {record["symbol"]: record for record in body["records"]}

    def seed(self, source: str) -> float:
        """Send the instrument's shown price on the source's stream, so the fake's walks
        (`ticking`, `flood`, `spike`) start where the board is, not where a jump check refuses
        them; the price sent."""
        symbol, instrument = SYMBOLS[source]
        dataset = "crypto" if instrument == "btc" else "indices"
        price = self.latest(dataset)[instrument]["price"]
        self.streams[source].send(symbol, price)
        return price

    def publishes(self, dataset: str) -> int:
        """The stream hub's cache writes of a dataset so far, as /api/status says it."""
        return self.status()["streams"]["datasets"][dataset]["publishes"]

    def refresher_cpu_s(self) -> float:
        """CPU seconds (user + system) the refresher process has used: where the streams run."""
        for pid in self.app.pids():
            if b"refresher_process" in Path(f"/proc/{pid}/cmdline").read_bytes():
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        raise RuntimeError("no refresher process")

    def subscribed(self, source: str) -> bool:
        symbol, _ = SYMBOLS[source]
        return symbol in self.streams[source].subscribed


def start_live_board(
    workdir: Path,
    datasets: list[str],
    *,
    workers: int = 2,
    stream: dict | None = None,
    env: dict | None = None,
    changes: dict | None = None,
) -> LiveBoard:
    """Start everything; returns once every dataset was fetched and every stream subscribed."""
    upstream = FakeUpstream().start()
    openfake.serve_everything(upstream)
    streams = {name: FakeStream(name).start() for name in STREAMED}
    setups = {name: setup for name, setup in openfake.plan(datetime.now(UTC)).items()}
    setups = {name: setups[name] for name in datasets}
    config = workdir / "live.yaml"
    scenes = openfake.write_config(
        config,
        upstream.url,
        setups,
        streams={name: server.url for name, server in streams.items()},
        changes={"stream": stream or {}, **(changes or {})},
    )
    app = AppInstance("live", config, workdir / "app", workers=workers, env=env).start()
    board = LiveBoard(upstream, streams, app, config, scenes)
    try:
        app.wait_healthy()
        fetched = wait_until(
            lambda: all(
                d["fetch_count"] >= 1
                for name, d in board.status()["datasets"].items()
                if name in datasets
            ),
            60,
            0.2,
        )
        if not fetched:
            raise RuntimeError(f"the live board did not fetch its datasets: {app.log_tail()}")
        wanted = [s for s in STREAMED if any(s in streams_of(board, d) for d in datasets)]
        if not wait_until(lambda: all(board.subscribed(s) for s in wanted), 30, 0.1):
            raise RuntimeError(f"the streams did not subscribe: {app.log_tail()}")
    except BaseException:
        stop_live_board(board)
        raise
    return board


def streams_of(board: LiveBoard, dataset: str) -> list[str]:
    return board.status()["datasets"][dataset]["streams"]


def stop_live_board(board: LiveBoard) -> None:
    board.app.stop()
    for server in board.streams.values():
        with contextlib.suppress(Exception):
            server.stop()
    board.upstream.stop()


@contextlib.contextmanager
def live_board(workdir: Path, datasets: list[str], **options) -> Iterator[LiveBoard]:
    board = start_live_board(workdir, datasets, **options)
    try:
        yield board
    finally:
        stop_live_board(board)
