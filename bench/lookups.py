"""Time to the first data of an ad-hoc symbol (issue 18: "any symbol, never in the request path").

The open edition runs under `gunicorn -c deploy/gunicorn.conf.py` (the refresher in its own
process) on the loopback fake upstream (tests/support/openfake.py: Yahoo's chart API answers per
symbol from the recordings, ~290 daily bars). For each of a few symbols the board has never
fetched, one screen asks `GET /api/lookup/<symbol>?screen=...` every 50 ms, as the instrument
page does every second, and the time from its first ask to the first answer with status "ok" is
taken. That time is the request table's round trip through the shared cache, the lookup
worker's poll (`lookups.poll_s`), the upstream call and the result written back; the fake
answers in a millisecond or two, so it is nearly all the board's own.

Target: the issue's "within 2 s of the request", as the median of the symbols.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench.report import Section, Target, median, run_alone, table
from config.schema import Lookups
from tests.support import openfake
from tests.support.fakeupstream import FakeUpstream
from tests.support.services import AppInstance, wait_until

SYMBOLS = ("AAPL", "MSFT", "NVDA", "AMZN", "TSLA", "META", "GOOG")
QUICK_SYMBOLS = 3
GOAL_S = 2.0
POLL_S = 0.05
GIVE_UP_S = 15.0


def first_data_s(url: str, symbol: str, screen: str) -> float | None:
    """Seconds from the first ask of `symbol` to the first answer with its bars, None when it
    did not come within GIVE_UP_S."""
    started = time.monotonic()
    with requests.Session() as session:
        while time.monotonic() - started < GIVE_UP_S:
            body = session.get(
                f"{url}/api/lookup/{symbol}", params={"screen": screen}, timeout=5
            ).json()
            if body.get("status") == "ok" and body.get("bars"):
                return time.monotonic() - started
            if body.get("status") == "error":
                raise RuntimeError(f"{symbol}: {body.get('error')}")
            time.sleep(POLL_S)
    return None


def run(workdir: Path, quick: bool = False) -> Section:
    """Ask for each symbol in turn on a fresh board; the section."""
    symbols = SYMBOLS[:QUICK_SYMBOLS] if quick else SYMBOLS
    upstream = FakeUpstream().start()
    openfake.serve_everything(upstream)
    config = workdir / "lookups.yaml"
    openfake.write_config(
        config,
        upstream.url,
        {"indices": openfake.plan(datetime.now(UTC))["indices"]},
        changes={
            "providers": {"yahoo": {"base_url": upstream.url, "requests_per_second": 100}},
            "lookups": {"max_per_screen": len(SYMBOLS), "max_total": len(SYMBOLS)},
        },
    )
    app = AppInstance("lookups", config, workdir / "app", workers=2).start()
    try:
        app.wait_healthy()
        status = lambda: requests.get(f"{app.url}/api/status", timeout=5).json()  # noqa: E731
        if not wait_until(lambda: status()["datasets"]["indices"]["fetch_count"] >= 1, 60):
            raise RuntimeError(f"the board did not start refreshing: {app.log_tail()}")
        times = {symbol: first_data_s(app.url, symbol, f"bench-{symbol}") for symbol in symbols}
        calls = {
            s: sum(
                n
                for raw, n in upstream.query_hits.items()
                if raw.startswith(f"/v8/finance/chart/{s}?")
            )
            for s in symbols
        }
    finally:
        app.stop()
        upstream.stop()
    got = [t for t in times.values() if t is not None]
    middle = median(got)
    rows = [
        [symbol, "not within 15 s" if t is None else f"{t * 1000:.0f} ms", str(calls[symbol])]
        for symbol, t in times.items()
    ]
    body = "\n".join(
        [
            f"{len(symbols)} Yahoo symbols the board had not fetched, asked one after another by "
            f"one screen polling every {POLL_S * 1000:.0f} ms (the worker polls every "
            f"{Lookups().poll_s:g} s); open edition, 2 gunicorn workers, the refresher in its "
            "own process, the loopback fake upstream.",
            "",
            table(["symbol", "first data after", "upstream calls"], rows),
            "",
            f"Median {middle * 1000:.0f} ms, slowest {max(got) * 1000:.0f} ms." if got else "",
        ]
    )
    met = bool(got) and len(got) == len(symbols) and middle <= GOAL_S
    measured = f"median {middle:.2f} s of {len(got)}/{len(symbols)}" if got else "no data"
    return Section(
        "Ad-hoc symbol: time to first data",
        body,
        [Target("ad-hoc symbol, first data", f"<= {GOAL_S:g} s", measured, met)],
    )


if __name__ == "__main__":
    run_alone("lookups", run, sys.argv[1:])
