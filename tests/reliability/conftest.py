"""The fault suite's board: the open edition under gunicorn (deploy/gunicorn.conf.py, two
workers and the host's refresher process) with Redis, fetching from a fake upstream on loopback
that each test makes misbehave, while screens poll the board like wall screens do.

Three datasets, each the victim of the faults that fit it:
- crypto (CoinGecko, 1 s cadence, 24/7): every HTTP and payload fault. CoinGecko is reached
  by name (coingecko.test), resolved by tests/reliability/fakedns, so DNS can fail too.
- volatility (CBOE daily CSV, exchange sessions): yesterday's data served as today's.
- history (Stooq daily bars): bars out of order.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import yaml

from providers import markets
from tests.support.configs import shipped_config
from tests.support.dashreq import scene_refresh_body
from tests.support.fakeupstream import FakeUpstream
from tests.support.paths import FIXTURES
from tests.support.services import AppInstance, RedisServer, wait_until

FAKE_DNS = Path(__file__).parent / "fakedns"
CRYPTO_HOST = "coingecko.test"
COINGECKO = "/api/v3/coins/markets*"
CBOE = "/api/global/us_indices/daily_prices/*"
STOOQ = "/q/d/l/*"
DEADLINE_S = 2.0
MAX_BACKOFF_S = 2.0
NEW_YORK = ZoneInfo("America/New_York")


def iso_z(when: datetime) -> str:
    """CoinGecko's time format."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def coins_markets(*, shift: timedelta = timedelta(0), **prices: float) -> bytes:
    """The recorded CoinGecko markets answer for Bitcoin and Ether, stamped now (+ shift),
    with prices replaced where given (a float, or a string put in the JSON as is: "NaN")."""
    recorded = FIXTURES / "coingecko" / "coins_markets_usd_top5_2023-01-02.json"
    rows = json.loads(recorded.read_text())
    rows = [row for row in rows if row["id"] in ("bitcoin", "ethereum")]
    stamp = iso_z(datetime.now(UTC) + shift)
    raw_values = {}
    for row in rows:
        row["last_updated"] = stamp
        if row["id"] in prices:
            raw_values[row["id"]] = prices[row["id"]]
            row["current_price"] = f"@{row['id']}@"
    text = json.dumps(rows)
    for coin, value in raw_values.items():
        text = text.replace(f'"@{coin}@"', str(value))
    return text.encode()


def session_dates(count: int) -> list[str]:
    """The New York dates of the latest `count` XNYS sessions begun by now, oldest first."""
    sessions = markets.recent_sessions("XNYS", datetime.now(UTC), count)
    return [opened.astimezone(NEW_YORK).strftime("%m/%d/%Y") for opened, _ in sessions]


def vix_csv(*, sessions_behind: int = 0) -> bytes:
    """A CBOE daily history whose last row is the latest session (or one `sessions_behind`)."""
    dates = session_dates(5 + sessions_behind)[:5]
    rows = [f"{day},15.{i}0,16.{i}0,14.{i}0,15.{i}5" for i, day in enumerate(dates)]
    return ("DATE,OPEN,HIGH,LOW,CLOSE\n" + "\n".join(rows) + "\n").encode()


def stooq_csv(*, shuffled: bool = False) -> bytes:
    """Stooq daily bars for the last 30 sessions; `shuffled` puts them out of order."""
    sessions = markets.recent_sessions("XNYS", datetime.now(UTC), 30)
    rows = [
        f"{opened.astimezone(NEW_YORK):%Y-%m-%d},{5000 + i},{5010 + i},{4990 + i},{5005 + i},1000"
        for i, (opened, _) in enumerate(sessions)
    ]
    if shuffled:
        rows = rows[::2] + rows[1::2]  # every other day, then the days between: going back
    return ("Date,Open,High,Low,Close,Volume\n" + "\n".join(rows) + "\n").encode()


def board_config(workdir: Path, upstream_url: str, port: int) -> dict:
    """The shipped configuration cut to the three victim datasets, fast cadences, short
    deadlines and backoff, so a fault shows within seconds and heals within seconds."""
    config = shipped_config()
    config["edition"] = "open"
    config["state_dir"] = str(workdir / "state")
    config["cache"].update(dir=str(workdir / "cache"), redis_retry_s=1)
    config["refresh"].update(
        attempts=1,
        backoff_s=0,
        deadline_s=DEADLINE_S,
        max_backoff_s=MAX_BACKOFF_S,
        leader_poll_s=0.5,
        leader_ttl_s=3,
    )
    config["alerts"]["rules"] = []
    datasets = config["datasets"]
    crypto = datasets["crypto"]
    crypto.update(chains={"open": ["coingecko"]}, refresh_s=1, stale_after_s=60)
    crypto["instruments"] = [i for i in crypto["instruments"] if i["id"] in ("btc", "eth")]
    # CBOE's daily file times a row at its session's close, or its open while the session runs
    # (the row says no time of day): a daily dataset here, stale after a day, not minutes.
    datasets["volatility"].update(chains={"open": ["cboe"]}, refresh_s=1, stale_after_s=86_400)
    datasets["volatility"]["instruments"] = datasets["volatility"]["instruments"][1:2]  # VIX
    datasets["history"].update(chains={"open": ["stooq"]}, refresh_s=1)
    datasets["history"]["instruments"] = datasets["history"]["instruments"][:1]  # S&P 500
    config["datasets"] = {k: datasets[k] for k in ("crypto", "volatility", "history")}
    config["scenes"] = {k: config["scenes"][k] for k in ("crypto", "volatility", "technicals")}
    config["scenes"]["status"] = {"title": "System status", "order": 110, "datasets": []}
    config["providers"] = {
        "coingecko": {"base_url": f"http://{CRYPTO_HOST}:{port}", "requests_per_second": 50},
        "cboe": {"base_url": upstream_url, "requests_per_second": 50},
        "stooq": {"base_url": upstream_url, "requests_per_second": 50},
    }
    return config


@dataclass
class Board:
    """The running board and the knobs a fault test turns."""

    app: AppInstance
    redis: RedisServer
    upstream: FakeUpstream
    config_path: Path
    hosts: Path
    dependencies: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.app.url

    def serve_good(self) -> None:
        """Every route answers well again and the name resolves."""
        self.upstream.route(COINGECKO, body=lambda: coins_markets())
        self.upstream.route(CBOE, body=lambda: vix_csv())
        self.upstream.route(STOOQ, body=lambda: stooq_csv())
        self.resolve(True)

    def resolve(self, present: bool) -> None:
        """Give CoinGecko's name an address, or take it away (a DNS failure)."""
        table = {CRYPTO_HOST: "127.0.0.1"} if present else {}
        self.hosts.write_text(json.dumps(table))

    def latest(self, dataset: str) -> dict:
        return requests.get(f"{self.url}/api/latest/{dataset}", timeout=5).json()

    def status(self) -> dict:
        return requests.get(f"{self.url}/api/status", timeout=5).json()

    def scene_text(self, scene: str) -> str:
        """A screen's whole scene as a new screen gets it (badges and body), as JSON text."""
        if not self.dependencies:
            self.dependencies = requests.get(f"{self.url}/_dash-dependencies", timeout=5).json()
        body = scene_refresh_body(self.dependencies, scene)
        response = requests.post(f"{self.url}/_dash-update-component", json=body, timeout=5)
        assert response.status_code == 200, response.text[:300]
        return response.text

    def wait_fresh(self, dataset: str, since: datetime, timeout_s: float = 30) -> dict:
        """Wait for a successful fetch of `dataset` that started after `since`."""

        def fresh() -> bool:
            snap = self.latest(dataset)
            return (
                snap["failures"] == 0
                and snap["fetched_at"] is not None
                and datetime.fromisoformat(snap["attempted_at"]) > since
            )

        assert wait_until(fresh, timeout_s, 0.2), (
            f"{dataset} did not fetch well: {self.latest(dataset)}\n{self.app.log_tail()}"
        )
        return self.latest(dataset)

    def wait_failed(self, dataset: str, since: datetime, timeout_s: float = 30) -> dict:
        """Wait for a failed fetch of `dataset` that started after `since`."""

        def failed() -> bool:
            snap = self.latest(dataset)
            return snap["failures"] >= 1 and datetime.fromisoformat(snap["attempted_at"]) > since

        assert wait_until(failed, timeout_s, 0.2), f"{dataset} never failed: {self.latest(dataset)}"
        return self.latest(dataset)


class Screens:
    """Wall screens and analysts polling the board in the background: every answer's status
    is kept, and any 5xx or refused connection is a failure of the fault test."""

    PATHS = ("/api/latest/crypto", "/crypto", "/healthz", "/api/status", "/volatility")

    def __init__(self, board: Board, clients: int = 3) -> None:
        self.board = board
        self.clients = clients
        self.answers: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _poll(self) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                for path in (*self.PATHS, "scene"):
                    try:
                        if path == "scene":
                            self.board.scene_text("crypto")
                            self.answers.append((path, 200))
                            continue
                        response = session.get(self.board.url + path, timeout=10)
                        self.answers.append((path, response.status_code))
                    except (requests.RequestException, AssertionError) as exc:
                        self.answers.append((f"{path}: {exc}"[:200], 0))
                self._stop.wait(0.05)

    def __enter__(self) -> Screens:
        self._threads = [threading.Thread(target=self._poll) for _ in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    @property
    def failures(self) -> list[tuple[str, int]]:
        return [(path, code) for path, code in self.answers if code == 0 or code >= 500]


@pytest.fixture(scope="module")
def board(tmp_path_factory) -> Iterator[Board]:
    workdir = tmp_path_factory.mktemp("faults")
    upstream = FakeUpstream().start()
    redis_server = RedisServer(workdir / "redis").start()
    hosts = workdir / "hosts.json"
    port = upstream.server.server_address[1]
    config_path = workdir / "wallboard.yaml"
    config_path.write_text(yaml.safe_dump(board_config(workdir, upstream.url, port)))
    app = AppInstance(
        "faults",
        config_path,
        workdir,
        env={
            "REDIS_URL": redis_server.url,
            "WALLBOARD_TEST_HOSTS": str(hosts),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(FAKE_DNS), os.environ.get("PYTHONPATH")])
            ),
        },
    )
    the_board = Board(app, redis_server, upstream, config_path, hosts)
    the_board.serve_good()
    app.start()
    try:
        app.wait_healthy()
        started = datetime.now(UTC) - timedelta(seconds=60)
        for dataset in ("crypto", "volatility", "history"):
            the_board.wait_fresh(dataset, started, 60)
        yield the_board
    finally:
        app.stop()
        redis_server.stop()
        upstream.stop()


@pytest.fixture
def good_board(board: Board) -> Board:
    """The board with every source answering well and every dataset freshly fetched."""
    board.serve_good()
    if board.app.process is None:  # a test killed it and failed before starting it again
        board.app.start()
        board.app.wait_healthy()
    now = datetime.now(UTC)
    for dataset in ("crypto", "volatility", "history"):
        board.wait_fresh(dataset, now)
    return board


def now_utc() -> datetime:
    """The test's clock, for comparing with the board's timestamps (same machine)."""
    return datetime.now(UTC)


def sleep_past(seconds: float) -> None:
    time.sleep(seconds)
