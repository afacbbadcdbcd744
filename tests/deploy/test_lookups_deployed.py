"""On-demand history on a deployed board: the open edition under gunicorn
(deploy/gunicorn.conf.py: the refresher in its own process, web workers that only read) on the
loopback fake upstream (tests/support/openfake.py, whose Yahoo answers per symbol).

Five screens ask `GET /api/lookup/AAPL` every 100 ms: the bars are there within 2 s of the first
ask, the fake sees exactly one chart call for AAPL, and that call comes from the refresher
process (the fake finds the calling process by its socket while the request is open). A
malformed symbol gets a clear 400 and no upstream call; beyond the caps, a clear 429.
About 15 s.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.support import openfake
from tests.support.fakeupstream import FakeUpstream
from tests.support.services import AppInstance, wait_until

pytestmark = pytest.mark.slow

CHART = "/v8/finance/chart/"
SCREENS = [f"screen-{n}" for n in range(5)]
FIRST_DATA_S = 2.0


def socket_owner(port: int, candidates: set[int]) -> int | None:
    """The process (among `candidates`) holding the loopback TCP socket whose local port is
    `port`: the caller of a request the fake is answering, found while its connection is open."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for pid in candidates:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    return None


def command_of(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.fixture
def stack(tmp_path) -> Iterator[tuple[AppInstance, FakeUpstream, list[tuple[str, str]]]]:
    upstream = FakeUpstream().start()
    openfake.serve_everything(upstream)
    setups = {"indices": openfake.plan(datetime.now(UTC))["indices"]}
    config = tmp_path / "lookups.yaml"
    openfake.write_config(
        config,
        upstream.url,
        setups,
        changes={
            # The fake's Yahoo answers charts per symbol; no dataset's chain names Yahoo here,
            # so an ad-hoc Yahoo symbol is the only thing that calls it.
            "providers": {"yahoo": {"base_url": upstream.url, "requests_per_second": 100}},
            "lookups": {"max_per_screen": 2, "max_total": 3},
        },
    )
    app = AppInstance("lookups", config, tmp_path / "app", workers=2)
    callers: list[tuple[str, str]] = []  # (raw chart path, the calling process's command line)

    def seen(raw: str, client: tuple) -> None:
        if raw.startswith(CHART):
            pid = socket_owner(client[1], app.pids())
            callers.append((raw, command_of(pid) if pid else "unknown"))

    upstream.on_request = seen
    app.start()
    try:
        app.wait_healthy()
        indices = lambda: requests.get(f"{app.url}/api/status", timeout=5).json()["datasets"]  # noqa: E731
        assert wait_until(lambda: indices()["indices"]["fetch_count"] >= 1, 60), app.log_tail()
        yield app, upstream, callers
    finally:
        app.stop()
        upstream.stop()


def ask(app: AppInstance, ident: str, screen: str, series: str = "daily") -> requests.Response:
    return requests.get(
        f"{app.url}/api/lookup/{ident}", params={"series": series, "screen": screen}, timeout=5
    )


def chart_calls(upstream: FakeUpstream, symbol: str) -> int:
    return sum(n for raw, n in upstream.query_hits.items() if raw.startswith(CHART + symbol + "?"))


def test_an_ad_hoc_symbol_is_fetched_once_by_the_refresher_for_five_screens(stack):
    app, upstream, callers = stack

    # Malformed: a clear 400, nothing said back as markup, and no upstream call.
    for ident in ("%3Cscript%3Ealert(1)%3C%2Fscript%3E", "AA%20PL", "A" * 200, "..%2F..%2Fetc"):
        answer = ask(app, ident, "screen-0")
        assert answer.status_code == 400, (ident, answer.text)
        assert answer.headers["Content-Type"] == "application/json"
        assert "symbol" in answer.json()["error"] and "<" not in answer.text
    assert ask(app, "AAPL", "<b>").status_code == 400
    assert "screen id" in ask(app, "AAPL", "").json()["error"]

    # Five screens polling, as five instrument pages would.
    answers: dict[str, list[dict]] = {screen: [] for screen in SCREENS}
    stop = threading.Event()

    def screen_polls(screen: str) -> None:
        with requests.Session() as session:
            while not stop.is_set():
                url = f"{app.url}/api/lookup/AAPL"
                body = session.get(url, params={"screen": screen}, timeout=5).json()
                answers[screen].append(body)
                stop.wait(0.1)

    asked = time.monotonic()
    threads = [threading.Thread(target=screen_polls, args=(s,), daemon=True) for s in SCREENS]
    for thread in threads:
        thread.start()
    try:
        arrived = wait_until(
            lambda: any(a and a[-1]["status"] == "ok" for a in answers.values()),
            FIRST_DATA_S,
            0.02,
        )
        first_data_s = time.monotonic() - asked
        assert arrived, f"no data {FIRST_DATA_S} s after the ask: {app.log_tail()}"
        assert wait_until(lambda: all(a and a[-1]["status"] == "ok" for a in answers.values()), 5)
        time.sleep(1.5)  # the screens go on asking: no second fetch
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
    print(f"time to first data of an ad-hoc symbol: {first_data_s:.2f} s")

    for screen in SCREENS:
        first = answers[screen][0]["status"]
        assert first in ("fetching", "ok")
        last = answers[screen][-1]
        assert (last["key"], last["status"], last["source"]) == ("yahoo:AAPL:daily", "ok", "yahoo")
        assert len(last["bars"]) == 291 and last["bars"][-1]["symbol"] == "yahoo:AAPL"
    assert chart_calls(upstream, "AAPL") == 1, upstream.query_hits
    assert [raw for raw, _ in callers] == [
        "/v8/finance/chart/AAPL?range=5y&interval=1d&includePrePost=false"
    ]
    assert "engine.refresher_process" in callers[0][1], callers  # not a web worker

    status = requests.get(f"{app.url}/api/status", timeout=5).json()["lookups"]
    assert status["active"] == 1
    assert status["lookups"]["yahoo:AAPL:daily"]["status"] == "ok"
    assert status["lookups"]["yahoo:AAPL:daily"]["screens"] == 5

    # The caps: two ad-hoc symbols per screen, three in all; configured instruments are free.
    assert ask(app, "MSFT", "screen-0").status_code == 200
    refused = ask(app, "NVDA", "screen-0")
    assert refused.status_code == 429
    assert "already looks up 2 symbols, the most it may (2)" in refused.json()["error"]
    assert ask(app, "NVDA", "screen-1").status_code == 200
    refused = ask(app, "TSLA", "screen-2")
    assert refused.status_code == 429
    assert "board already looks up 3 symbols" in refused.json()["error"]
    assert ask(app, "spx", "screen-2").status_code == 200
    assert ask(app, "AAPL", "screen-2", "intraday").status_code == 200  # a symbol it has
    assert chart_calls(upstream, "TSLA") == 0
