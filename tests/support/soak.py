"""Soak: a kiosk rotating every scene at a short dwell for 30 minutes (3 in quick mode) while the
fake upstream cycles its sources through faults (the run; tests/reliability/test_soak.py asserts
on it, bench/soak.py reports it).

The open edition runs under `gunicorn -c deploy/gunicorn.conf.py` (services.AppInstance,
2 workers and the host's refresher process) against a fake upstream on loopback
(fakeupstream.FakeUpstream) serving every provider's recorded payloads
(openfake.serve_everything). The configuration is openfake.write_config's: the
shipped one without Yahoo (yfinance talks only to Yahoo's hosts), every other source on the
fake. Here every dataset refreshes every REFRESH_S with a DEADLINE_S deadline, turns stale
after STALE_S, retries at most MAX_BACKOFF_S apart, the shipped alert rules stay on, and every
scene's dwell is DWELL_S. The app gets a proxy that refuses, for any address but loopback.

Faults: every PHASE_S the cycler puts every source back to good, then gives one group of
sources (GROUPS, in turn) the next behaviour of CYCLE: a hang, an answer slower than the
deadline, HTTP 500, HTTP 429 with Retry-After, malformed JSON, a truncated body, an HTML page
where data was expected, then good again. A group holds a primary and its fallback at times
(crypto: Binance and CoinGecko), so scenes show fallbacks, stale badges and stale alerts.

Watched (kiosk.py): headless Chromium with --kiosk on `/?kiosk=1`, opened once the
refresher has a snapshot of every dataset and never reloaded:
- console errors: every SEVERE entry of the browser log (a failed request shows there);
- stuck carousel: a scene showing longer than STUCK_S (the dwell is DWELL_S);
- heap and DOM: sampled at each visit of the first scene from the second loop on, after a forced
  garbage collection. Flat means: the median of the samples in the last quarter of the run
  against the median of those in the second quarter (the first is warm-up: Chromium's caches
  and V8's code fill then), within HEAP_GROWTH_PCT for the JS heap and NODE_SLACK for the
  node counter; and the page's own elements at the first scene no more at the end than at
  the start (NODE_SLACK);
- Dash's undo history (each interval tick is an entry, never dropped by Dash itself:
  plotly/dash#727) no longer than UNDO_HISTORY_MAX: assets/35_undo_history.js trims it;
- the server: no 5xx in the access log and no exception logged with a traceback.
"""

from __future__ import annotations

import dataclasses
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from config import DEFAULT_CONFIG
from tests.support.demo import all_fetched
from tests.support.fakeupstream import FakeUpstream
from tests.support.figures import table
from tests.support.kiosk import Watch, follow, kiosk_browser, open_kiosk, wait_for_snapshots
from tests.support.openfake import PROVIDER_ROUTES, plan, serve_everything, write_config
from tests.support.serverlog import access_statuses, server_errors, server_failures, tracebacks
from tests.support.services import AppInstance, wait_until

MINUTES, QUICK_MINUTES = 30.0, 3.0
WORKERS = 2
DWELL_S = 2
STUCK_S = 3 * DWELL_S  # a scene shown longer than this: the carousel was stuck
REFRESH_S = 5
DEADLINE_S = 3
STALE_S = 20
MAX_BACKOFF_S = 10
PHASE_S = 20.0
HEAP_GROWTH_PCT = 10.0
NODE_SLACK = 1.02
# Dash's undo history, which assets/35_undo_history.js trims to 10 entries every 10 s; a few
# interval ticks a second come on top in between. Untrimmed it grows by about two entries a
# second.
UNDO_HISTORY_MAX = 60
REFUSING_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens, connections fail

FAULTS = {
    "hang": {"hang": True},
    "slow": {"delay_s": DEADLINE_S + 3},
    "http_500": {
        "status": 500,
        "body": b"<html><body><h1>500 Internal Server Error</h1></body></html>",
        "headers": {"Content-Type": "text/html"},
    },
    "http_429": {"status": 429, "body": b"Too Many Requests", "headers": {"Retry-After": "7"}},
    "malformed_json": {
        "body": b'{"data": [{"date": "2024-01-02", "close": 47',
        "headers": {"Content-Type": "application/json"},
    },
    "truncated": {"truncate": True},
    "wrong_type": {
        "body": b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
        b"<body>Checking your browser before accessing the site.</body></html>",
        "headers": {"Content-Type": "text/html; charset=UTF-8"},
    },
}
CYCLE = (*FAULTS, "good")
# Yahoo is not on the fake (see above). Each group holds a dataset's whole chain at times.
GROUPS = (
    ("stooq", "binance", "coingecko"),
    ("ecb", "treasury", "fred"),
    ("ecbdata", "cboe", "rss"),
)


@dataclass
class Phase:
    """One phase of the cycle: from when (s into the soak), what, to whom, for how long."""

    at_s: float
    behaviour: str
    group: tuple[str, ...]
    lasted_s: float = 0.0


class FaultCycler:
    """Every `phase_s`, every source back to good, then the next fault on the next group."""

    def __init__(self, upstream: FakeUpstream, phase_s: float = PHASE_S) -> None:
        self.upstream = upstream
        self.phase_s = phase_s
        paths = [p for group in GROUPS for provider in group for p in PROVIDER_ROUTES[provider]]
        self.good = {path: upstream.routes[path] for path in paths}
        self.phases: list[Phase] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-cycler", daemon=True)
        self._started = 0.0

    def apply(self, behaviour: str, group: tuple[str, ...]) -> None:
        """Every source good, then `behaviour` for the sources of `group`."""
        self.upstream.routes.update(self.good)
        if behaviour == "good":
            return
        for provider in group:
            for path in PROVIDER_ROUTES[provider]:
                self.upstream.routes[path] = dataclasses.replace(
                    self.good[path], **FAULTS[behaviour]
                )

    def _run(self) -> None:
        phase = 0
        while True:
            behaviour, group = CYCLE[phase % len(CYCLE)], GROUPS[phase % len(GROUPS)]
            self.apply(behaviour, group)
            began = time.monotonic()
            self.phases.append(Phase(began - self._started, behaviour, group))
            phase += 1
            stopping = self._stop.wait(self.phase_s)
            self.phases[-1].lasted_s = time.monotonic() - began
            if stopping:
                break
        self.upstream.routes.update(self.good)

    def start(self) -> FaultCycler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def cycled(self) -> set[str]:
        """The faults that lasted long enough for a fetch to meet them: a cadence and a
        deadline (the last phase may be cut short by the end of the run)."""
        enough = REFRESH_S + DEADLINE_S
        return {p.behaviour for p in self.phases if p.lasted_s >= enough} - {"good"}


def soak_config(workdir: Path, upstream_url: str) -> Path:
    """openfake.write_config's open-edition configuration on the fake, with the soak's cadence,
    deadline, staleness, backoff, alerts and dwell."""
    path = workdir / "wallboard.yaml"
    setups = {
        name: dataclasses.replace(setup, refresh_s=REFRESH_S)
        for name, setup in plan(datetime.now(UTC)).items()
    }
    write_config(path, upstream_url, setups)
    raw = yaml.safe_load(path.read_text())
    raw["refresh"].update(deadline_s=DEADLINE_S, max_backoff_s=MAX_BACKOFF_S)
    shipped = yaml.safe_load(DEFAULT_CONFIG.read_text())["alerts"]["rules"]
    raw["alerts"]["rules"] = [r for r in shipped if set(r["datasets"]) <= set(raw["datasets"])]
    for dataset in raw["datasets"].values():
        dataset["stale_after_s"] = STALE_S
    for scene in raw["scenes"].values():
        scene["dwell_s"] = DWELL_S
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@dataclass
class SoakResult:
    """What a soak saw."""

    minutes: float
    elapsed_s: float
    watch: Watch
    phases: list[Phase]
    cycled: set[str]
    access: dict = field(default_factory=dict)  # the access log's statuses
    server_5xx: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    logged_errors: list[str] = field(default_factory=list)
    upstream_hits: int = 0
    fetch_failures: int = 0  # failed fetches the refresher logged (the faults met)

    def quarter(self, which: int) -> list[dict]:
        """The samples taken in quarter `which` (1 to 4) of the run."""
        low, high = (which - 1) * self.elapsed_s / 4, which * self.elapsed_s / 4
        return [
            s
            for s in self.watch.samples
            if low <= s["elapsed_s"] < high or (which == 4 and s["elapsed_s"] >= high)
        ]

    def growth_pct(self, key: str) -> float:
        """Median of `key` in the last quarter against the second quarter, in %."""
        second, last = self.quarter(2), self.quarter(4)
        if not second or not last:
            return float("nan")
        before = statistics.median(s[key] for s in second)
        after = statistics.median(s[key] for s in last)
        return 100 * (after - before) / before

    def elements_growth(self) -> tuple[int, int]:
        """The page's elements at the first scene: at the first sample and at the last."""
        samples = self.watch.samples
        return (samples[0]["elements"], samples[-1]["elements"]) if samples else (-1, -1)

    def summary(self) -> dict:
        """The figures, as JSON-ready values."""
        first, last = self.elements_growth()
        return {
            "minutes": self.minutes,
            "elapsed_s": round(self.elapsed_s, 1),
            "scene_changes": self.watch.changes,
            "console_errors": len(self.watch.errors),
            "stuck": len(self.watch.stuck),
            "longest_on_one_scene_s": round(self.watch.longest_gap_s, 2),
            "aborted": self.watch.aborted,
            "broken_loads": self.watch.broken_loads,
            "samples": len(self.watch.samples),
            "heap_growth_pct": round(self.growth_pct("heap"), 2),
            "nodes_growth_pct": round(self.growth_pct("nodes"), 2),
            "elements": [first, last],
            "undo_history_max": max((x["undo_history"] for x in self.watch.samples), default=-1),
            "faults_cycled": sorted(self.cycled),
            "phases": len(self.phases),
            "fetch_failures": self.fetch_failures,
            "server_5xx": len(self.server_5xx),
            "tracebacks": len(self.tracebacks),
            "access": {str(k): v for k, v in self.access.items()},
        }


def soak(workdir: Path, minutes: float = MINUTES) -> SoakResult:
    """Run the soak for `minutes` (the kiosk's watch; start-up comes on top)."""
    upstream = FakeUpstream().start()
    serve_everything(upstream)
    config = soak_config(workdir, upstream.url)
    instance = AppInstance(
        "soak",
        config,
        workdir / "app",
        workers=WORKERS,
        env={
            "HTTP_PROXY": REFUSING_PROXY,
            "HTTPS_PROXY": REFUSING_PROXY,
            "NO_PROXY": "127.0.0.1,localhost",
        },
    )
    driver = None
    cycler = FaultCycler(upstream)
    watch = Watch(STUCK_S)
    elapsed_s = 0.0
    try:
        instance.start()
        instance.wait_healthy()
        if not wait_until(lambda: all_fetched(instance.url), 90, 0.5):
            raise RuntimeError(f"not every dataset was fetched: {instance.log_tail()}")
        wait_for_snapshots(instance, workdir)
        driver = kiosk_browser()
        open_kiosk(driver, f"{instance.url}/?kiosk=1", watch)
        cycler.start()
        elapsed_s = follow(driver, instance, watch, seconds=minutes * 60)
    finally:
        cycler.stop()
        if driver is not None:
            driver.quit()
        instance.stop()
        upstream.stop()
    return SoakResult(
        minutes=minutes,
        elapsed_s=elapsed_s,
        watch=watch,
        phases=cycler.phases,
        cycled=cycler.cycled(),
        access=dict(access_statuses(instance)),
        server_5xx=server_failures(instance),
        tracebacks=tracebacks(instance),
        logged_errors=server_errors(instance),
        upstream_hits=sum(upstream.hits.values()),
        fetch_failures=fetch_failures(instance),
    )


def fetch_failures(instance: AppInstance) -> int:
    """How many failed fetches the refresher logged (one line per source and attempt)."""
    if not instance.error_log.exists():
        return 0
    text = instance.error_log.read_text(errors="replace")
    return sum(
        1 for line in text.splitlines() if '"engine.refresher"' in line and " failed: " in line
    )


def _mb(value: float) -> str:
    return f"{value / 1024 / 1024:.2f}"


def describe(result: SoakResult) -> str:
    """What a soak saw, as markdown: samples, faults, console, carousel and server."""
    watch = result.watch
    rows = [
        (
            f"{x['elapsed_s']:.0f}",
            x["changes"],
            _mb(x["heap"]),
            x["nodes"],
            x["elements"],
            x["listeners"],
            x["documents"],
            x["undo_history"],
        )
        for x in watch.samples
    ]
    heap, nodes = result.growth_pct("heap"), result.growth_pct("nodes")
    first, last = result.elements_growth()
    unique = list(dict.fromkeys(watch.errors))
    faults = ", ".join(f"{p.behaviour} on {'+'.join(p.group)}" for p in result.phases[:8])
    body = [
        f"Open edition on the fake upstream, {WORKERS} gunicorn workers, every dataset "
        f"refreshed every {REFRESH_S} s (deadline {DEADLINE_S} s, stale after {STALE_S} s), "
        f"every scene's dwell {DWELL_S} s; headless Chromium with --kiosk on `/?kiosk=1`, not "
        f"reloaded, for {result.minutes:g} min: {watch.changes} scene changes in "
        f"{result.elapsed_s:.0f} s. Faults: {len(result.phases)} phases of {PHASE_S:.0f} s "
        f"(the first ones: {faults}); {result.upstream_hits} upstream requests, "
        f"{result.fetch_failures} failed fetches logged by the refresher.",
        "",
        "Samples at the first scene after a forced garbage collection:",
        "",
        table(
            [
                "elapsed s",
                "changes",
                "JS heap MB",
                "nodes",
                "elements",
                "listeners",
                "documents",
                "undo history",
            ],
            rows,
        ),
        "",
        f"Last quarter against second quarter (medians): heap {heap:+.1f} %, node counter "
        f"{nodes:+.1f} %; elements at the first scene {first} → {last}. Console errors: "
        f"{len(watch.errors)}. Stuck (> {STUCK_S} s on one scene): {len(watch.stuck)}; longest "
        f"on one scene {watch.longest_gap_s:.1f} s. Server: access log "
        + ", ".join(f"{k}: {n}" for k, n in sorted(result.access.items(), key=str))
        + f"; exceptions with a traceback: {len(result.tracebacks)}.",
    ]
    if watch.aborted:
        body.append(f"**Run ended early: {watch.aborted}.**")
    if watch.broken_loads:
        body.append(f"**Broken first loads (reloaded): {watch.broken_loads}.**")
    if watch.kiosk_lost:
        body.append(f"Kiosk mode lost at: {', '.join(watch.kiosk_lost)}.")
    for title, lines in (
        ("Console errors", unique),
        ("Stuck", [f"{scene} for {gap:.1f} s" for scene, gap in watch.stuck]),
        ("5xx answers", result.server_5xx),
        ("Exceptions in the server's log", result.tracebacks),
        ("Errors in the server's log", result.logged_errors),
    ):
        if lines:
            body += ["", f"{title}:", "", *(f"- `{m[:300]}`" for m in lines[:5])]
    return "\n".join(body)
