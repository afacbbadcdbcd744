"""Load: 200 wall screens polling their scenes through gunicorn for 60 s on loopback (the driver;
tests/reliability/test_load.py asserts on it, bench/load.py reports it).

The demo edition runs under `gunicorn -c deploy/gunicorn.conf.py` (services.AppInstance)
with the config's default of 2 workers per core, its refresher process moving the data on
every dataset's cadence. Once every dataset has been fetched, N screens start in one asyncio
client (aiohttp), each with its own keep-alive connection, on scenes round robin (like kiosks
showing different scenes), coming on one after another over the first RAMP_S (a screen's first
tick gets its whole scene rendered; 200 of those in one second queue every other request for
seconds). Each screen, like a browser:

- posts its scene's refresh tick (tests/support/dashreq.scene_refresh_body, from the app's own
  /_dash-dependencies) every second, carrying the version it shows and the poll it was last
  sent: an idle tick answers 204, a tick after new data 200 with the changes or the whole
  scene, whose version (and poll, when it changed) it then keeps;
- loads its page every PAGE_EVERY_S (first at a point staggered over that period): the HTML,
  /_dash-layout and Dash pages' content callback, which renders the scene.

Bounded and self-stopping: no request starts after the duration, every request has a
TIMEOUT_S timeout, and whatever is still running at duration + GRACE_S is cancelled (and
counted as an error). Every status but 200 and 204, every exception, timeout and unreadable
answer is an error, by kind. Latency is per request, from sending to the end of the body,
reported over the whole run and over the steady state (requests sent after the ramp).
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.dashreq import CALLBACK, page_body, poll_of, scene_refresh_body, version_of
from tests.support.demo import WORKERS, all_fetched, demo_config, enabled_scenes
from tests.support.figures import percentile
from tests.support.serverlog import access_statuses, server_errors, server_failures, tracebacks
from tests.support.services import AppInstance, wait_until

CLIENTS, DURATION_S = 200, 60.0
QUICK_CLIENTS, QUICK_DURATION_S = 50, 15.0
POLL_S = 1.0  # each screen's refresh tick
RAMP_S = 10.0  # the screens come on one after another over this time, then all poll
PAGE_EVERY_S = 30.0  # each screen loads its page this often
TIMEOUT_S = 10.0  # per request
GRACE_S = 2 * TIMEOUT_S + 5  # past the duration: a page load's last requests, then cancel
FINE = (200, 204)
SLOW_S = 0.5  # answers slower than this are listed by when they came


@dataclass
class LoadResult:
    """What the screens saw."""

    clients: int
    duration_s: float
    elapsed_s: float = 0.0  # from the first screen's start to the last request's end
    latencies: dict[str, list[float]] = field(default_factory=dict)  # seconds, by kind
    by_answer: dict[str, list[float]] = field(default_factory=dict)  # by "kind status"
    slow: list[tuple[float, str, float]] = field(default_factory=list)  # (at s, what, took s)
    origin: float = 0.0  # the event loop's clock at the start
    answers: Counter = field(default_factory=Counter)  # (kind, status)
    tick_answers: Counter = field(default_factory=Counter)  # (scene, status) of the ticks
    repeated_ticks: int = 0  # 200 ticks that brought nothing new: the version and poll held
    errors: Counter = field(default_factory=Counter)  # "kind: what"
    per_client: list[int] = field(default_factory=list)  # requests each screen made
    late_ticks: int = 0  # ticks sent more than a period behind their schedule
    cancelled: int = 0  # requests cut at the hard deadline

    @property
    def requests(self) -> int:
        """Every request made (answered or not)."""
        return sum(self.per_client)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def quantiles_ms(self, kind: str | None = None) -> dict[str, float]:
        """p50, p95, p99 and max latency in ms, of one kind of request ("tick"), one kind of
        answer ("tick 204") or all."""
        source = self.by_answer if kind and " " in kind else self.latencies
        values = source.get(kind, []) if kind else [v for vs in self.latencies.values() for v in vs]
        if not values:
            return {"p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}
        return {
            "p50": 1000 * percentile(values, 50),
            "p95": 1000 * percentile(values, 95),
            "p99": 1000 * percentile(values, 99),
            "max": 1000 * max(values),
        }

    def summary(self) -> dict:
        """The figures, as JSON-ready values."""
        return {
            "clients": self.clients,
            "duration_s": self.duration_s,
            "elapsed_s": round(self.elapsed_s, 2),
            "requests": self.requests,
            "requests_per_s": round(self.requests / self.duration_s, 1),
            "errors": self.error_count,
            "errors_by_kind": dict(self.errors),
            "answers": {f"{k} {s}": n for (k, s), n in sorted(self.answers.items())},
            "latency_ms": {k: round(v, 2) for k, v in self.quantiles_ms().items()},
            "tick_latency_ms": {k: round(v, 2) for k, v in self.quantiles_ms("tick").items()},
            "page_latency_ms": {k: round(v, 2) for k, v in self.quantiles_ms("page").items()},
            "steady_tick_latency_ms": {
                k: round(v, 2) for k, v in self.quantiles_ms("steady tick").items()
            },
            "latency_ms_by_answer": {
                answer: {k: round(v, 2) for k, v in self.quantiles_ms(answer).items()}
                for answer in sorted(self.by_answer)
            },
            "slow_answers": len(self.slow),
            "requests_per_client_min": min(self.per_client, default=0),
            "tick_answers_by_scene": {
                f"{scene} {status}": n for (scene, status), n in sorted(self.tick_answers.items())
            },
            "repeated_ticks": self.repeated_ticks,
            "late_ticks": self.late_ticks,
            "cancelled": self.cancelled,
        }


class Screen:
    """One wall screen on one scene: its connection, the version it shows, its tally."""

    def __init__(self, index: int, scene: str, result: LoadResult) -> None:
        self.index = index
        self.scene = scene
        self.result = result
        self.shown: str | None = None  # the scene's version it shows
        self.polling: int | None = None  # ms, as the last answer that sent it said
        self.tick = 0
        self.made = 0

    async def _request(self, session, kind: str, method: str, path: str, **kwargs):
        """One request, timed and tallied; its status and the parsed JSON answer of a 200
        (else None); the status is None when no answer came."""
        import aiohttp

        loop = asyncio.get_running_loop()
        self.made += 1
        self.result.per_client[self.index] = self.made
        started = loop.time()
        try:
            async with session.request(method, path, **kwargs) as response:
                body = await response.read()
                status = response.status
                is_json = response.content_type == "application/json"
        except TimeoutError:
            self.result.errors[f"{kind}: timeout after {TIMEOUT_S:.0f} s"] += 1
            return None, None
        except asyncio.CancelledError:
            self.result.cancelled += 1
            self.result.errors[f"{kind}: cancelled at the deadline"] += 1
            raise
        except (aiohttp.ClientError, OSError) as exc:
            self.result.errors[f"{kind}: {exc.__class__.__name__}"] += 1
            return None, None
        took = loop.time() - started
        self.result.latencies.setdefault(kind, []).append(took)
        self.result.by_answer.setdefault(f"{kind} {status}", []).append(took)
        if started - self.result.origin >= RAMP_S:
            self.result.by_answer.setdefault(f"steady {kind}", []).append(took)
        if took > SLOW_S:
            at = started - self.result.origin
            self.result.slow.append((at, f"{method} {path.split('?')[0]} {status}", took))
        self.result.answers[(kind, status)] += 1
        if status not in FINE:
            self.result.errors[f"{kind}: HTTP {status}"] += 1
            return status, None
        if status == 200 and is_json:
            try:
                return status, json.loads(body)
            except ValueError:
                self.result.errors[f"{kind}: unreadable JSON"] += 1
        return status, None

    async def load_page(self, session, dependencies: list[dict]) -> None:
        """What a browser asks for on a page load: the page, the layout, the scene."""
        await self._request(session, "page", "GET", f"/{self.scene}?kiosk=1")
        await self._request(session, "page", "GET", "/_dash-layout")
        body = page_body(dependencies, f"/{self.scene}", "?kiosk=1")
        await self._request(session, "page", "POST", CALLBACK, json=body)

    async def refresh(self, session, dependencies: list[dict]) -> None:
        """One refresh tick, carrying the version shown and the poll it was last sent, as a
        browser's screen does; a changed scene's version and poll are kept."""
        self.tick += 1
        body = scene_refresh_body(
            dependencies,
            self.scene,
            tick=self.tick,
            shown_version=self.shown,
            query={"kiosk": "1"},
            polling_ms=self.polling,
        )
        status, answer = await self._request(session, "tick", "POST", CALLBACK, json=body)
        if status is not None:
            self.result.tick_answers[(self.scene, status)] += 1
        if answer is not None:
            version, poll = version_of(answer), poll_of(answer)
            if version in (None, self.shown) and poll in (None, self.polling):
                self.result.repeated_ticks += 1
            self.shown = version or self.shown
            self.polling = poll or self.polling

    async def run(self, url: str, dependencies: list[dict], start: float, stop: float) -> None:
        """Tick every POLL_S from `start` (and load the page every PAGE_EVERY_S, first at a
        point of its own in that period) until `stop`."""
        import aiohttp

        loop = asyncio.get_running_loop()
        count = len(self.result.per_client)
        due = start + RAMP_S * self.index / count
        page_due = due + PAGE_EVERY_S * self.index / count
        connector = aiohttp.TCPConnector(limit=1)
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
        async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as session:
            while True:
                now = loop.time()
                if min(due, page_due) >= stop:
                    return
                if page_due <= due:
                    await asyncio.sleep(max(0.0, page_due - now))
                    await self.load_page(session, dependencies)
                    page_due += PAGE_EVERY_S
                    continue
                await asyncio.sleep(max(0.0, due - now))
                await self.refresh(session, dependencies)
                due += POLL_S
                if due < loop.time() - POLL_S:  # a period behind: skip, as a browser would
                    self.result.late_ticks += 1
                    due = loop.time()


async def _screens(url: str, scenes: list[str], clients: int, duration_s: float) -> LoadResult:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
        async with session.get(f"{url}/_dash-dependencies", timeout=timeout) as response:
            dependencies = await response.json()
    result = LoadResult(clients=clients, duration_s=duration_s, per_client=[0] * clients)
    screens = [Screen(i, scenes[i % len(scenes)], result) for i in range(clients)]
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.5  # every screen set up before the first one ticks
    result.origin = start
    stop = start + duration_s
    tasks = [asyncio.create_task(s.run(url, dependencies, start, stop)) for s in screens]
    _, pending = await asyncio.wait(tasks, timeout=stop + GRACE_S - loop.time())
    for task in pending:
        task.cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, Exception):  # a bug in the client itself: counted, not hidden
            result.errors[f"client: {outcome.__class__.__name__}: {outcome}"[:200]] += 1
    result.elapsed_s = loop.time() - start
    return result


def load(url: str, scenes: list[str], clients: int = CLIENTS, duration_s: float = DURATION_S):
    """Run `clients` screens on `scenes` (round robin) against `url` for `duration_s`; the
    result. Returns by duration_s + GRACE_S (plus set-up) whatever the server does."""
    return asyncio.run(_screens(url, scenes, clients, duration_s))


@dataclass
class LoadRun:
    """A load run and what the server's logs said about it."""

    result: LoadResult
    config: Path  # the demo board's configuration
    workers: int
    scenes: list[str]
    access: Counter  # the access log's statuses
    server_5xx: list[str]  # the first 5xx answers of the access log
    logged_errors: list[str]  # the first ERROR lines of the error log
    tracebacks: list[str]


def run_load(
    workdir: Path, clients: int = CLIENTS, duration_s: float = DURATION_S, workers: int = WORKERS
) -> LoadRun:
    """Start the demo board under gunicorn, let every dataset be fetched, run the screens,
    stop the board and read its logs."""
    config = demo_config(workdir)
    scenes = [name for name, _ in enabled_scenes(config)]
    app = AppInstance("load", config, workdir / "app", workers=workers).start()
    try:
        app.wait_healthy()
        if not wait_until(lambda: all_fetched(app.url), 60, 0.5):
            raise RuntimeError(f"the demo board did not fetch every dataset: {app.log_tail()}")
        requests.get(f"{app.url}/{scenes[0]}", timeout=10)  # each worker set up: not measured
        result = load(app.url, scenes, clients, duration_s)
    finally:
        app.stop()
    return LoadRun(
        result=result,
        config=config,
        workers=workers,
        scenes=scenes,
        access=access_statuses(app),
        server_5xx=server_failures(app),
        logged_errors=server_errors(app),
        tracebacks=tracebacks(app),
    )
