"""Upstream calls per dataset per cadence, with 1 and 100 screens and 1 and 4 gunicorn workers.

The open edition runs under `gunicorn -c deploy/gunicorn.conf.py`
(tests/support/services.AppInstance) against a fake upstream on loopback
(tests/support/fakeupstream.FakeUpstream) that serves the recorded payloads of
tests/support/openfake.py and counts every call. Yahoo (yfinance talks only to Yahoo's hosts) is
taken out of every chain, so each dataset comes from the next public source in its shipped chain,
which the fake serves; fed_funds_futures, which only Yahoo has, is dropped. Every dataset gets a
short cadence (openfake's `plan`), alerts are off, and the scenes keep the datasets that remain.

For each (workers, screens): a fresh state and cache, start, wait until every dataset has been
fetched twice (past the start-up burst), start the screens, let them run for a second, then count
over the window:

- upstream fetches per dataset: the calls the fake saw for one marker instrument of the dataset
  (per-instrument sources such as Stooq and CBOE make one call per instrument and fetch);
- the app's own fetches: the `fetch_count` delta in /api/status;
- every upstream call, and the requests the app served to the screens.

A screen is a client polling `GET /api/latest/<dataset>` for each dataset of its scene once a
second (screen i shows the i-th data scene, round robin); the screens share CLIENT_THREADS
threads in a process of their own, each thread serving its screens on their own one-second
schedules. The browser's wall screen polls through Dash callbacks instead, which read the same
cache; neither path calls upstream. The refresher's own schedule (every fetch's start and end) is
read from /api/status meanwhile.

Expected fetches in a window of W seconds are W / refresh_s: the refresher schedules the next
fetch refresh_s after the previous one ends, so the true period is refresh_s plus the fetch time
and a window can catch one fetch more or fewer at its edges. A run is on the cadence when each
dataset's count lies in [W / (refresh_s + its longest fetch) - 1, W / refresh_s + 1] and the
upstream and app counts agree within one (a fetch in flight at an edge). That the counts do not
grow with screens or workers is checked without the window's phase: the fake logs when each call
came, and no dataset's marker may be called twice less than refresh_s apart (a fetch a screen
caused, or a refresher per worker, would be). Counts that differ between runs by more than one
are listed with each run's longest fetch.
"""

from __future__ import annotations

import math
import multiprocessing
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from operator import sub
from pathlib import Path

import requests

from bench.report import Section, Target, percentile, run_alone, table
from tests.support.fakeupstream import FakeUpstream
from tests.support.openfake import Marker, Setup, plan, serve_everything, write_config
from tests.support.services import AppInstance, wait_until

WINDOW_S = 20.0
QUICK_WINDOW_S = 8.0
RAMP_S = 1.0  # screens running before the window opens
WORKERS = (1, 4)
SCREENS = (1, 100)
POLL_S = 1.0  # each screen asks for each of its scene's datasets this often
CLIENT_THREADS = 20
SAMPLE_S = 0.2  # how often the refresher's schedule is read from /api/status
GAP_SLACK_S = 0.05  # timer jitter allowed below refresh_s between two calls of one dataset


class Screens:
    """`count` screens, each polling its scene's datasets once a POLL_S, on a few threads."""

    def __init__(self, url: str, scenes: list[list[str]], count: int) -> None:
        self.url = url
        self.datasets = [scenes[i % len(scenes)] for i in range(count)]
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failed = 0
        self.late = 0  # a screen's poll that started more than one period behind its schedule
        self.latencies: list[float] = []
        self.measuring = False
        threads = min(CLIENT_THREADS, count)
        self.threads = [
            threading.Thread(target=self._serve, args=(list(range(t, count, threads)),))
            for t in range(threads)
        ]

    def _serve(self, screens: list[int]) -> None:
        start = time.monotonic()
        count = len(self.datasets)
        due = {s: start + POLL_S * s / count for s in screens}  # staggered, as screens are
        with requests.Session() as session:
            while not self.stop.is_set():
                screen = min(due, key=due.get)
                if self.stop.wait(max(0.0, due[screen] - time.monotonic())):
                    return
                for dataset in self.datasets[screen]:
                    self._get(session, f"{self.url}/api/latest/{dataset}")
                due[screen] += POLL_S
                if due[screen] < time.monotonic() - POLL_S:
                    due[screen] = time.monotonic()
                    with self.lock:
                        self.late += self.measuring

    def _get(self, session: requests.Session, url: str) -> None:
        started = time.perf_counter()
        try:
            ok = session.get(url, timeout=10).status_code == 200
        except requests.RequestException:
            ok = False
        elapsed = time.perf_counter() - started
        with self.lock:
            if not self.measuring:
                return
            if ok:
                self.ok += 1
                self.latencies.append(elapsed)
            else:
                self.failed += 1

    def start(self) -> Screens:
        """Start polling."""
        for thread in self.threads:
            thread.start()
        return self

    def close(self) -> None:
        """Stop polling and wait for the threads."""
        self.stop.set()
        for thread in self.threads:
            thread.join()


def screens_process(url: str, scenes: list[list[str]], count: int, signals: tuple, out) -> None:
    """The screens in a process of their own (spawned), so their client threads do not share
    a GIL with the fake upstream: counts only between the parent's `measure` and `done`."""
    ready, measure, done = signals
    clients = Screens(url, scenes, count).start()
    ready.set()
    measure.wait()
    with clients.lock:
        clients.measuring = True
    done.wait()
    with clients.lock:
        clients.measuring = False
    clients.close()
    out.put(
        {
            "asked_per_s": sum(len(d) for d in clients.datasets) / POLL_S,
            "served": clients.ok,
            "failed": clients.failed,
            "late": clients.late,
            "p95_ms": percentile(clients.latencies, 95) * 1000,
        }
    )


class ScreenProcess:
    """The parent's handle on `screens_process`."""

    def __init__(self, url: str, scenes: list[list[str]], count: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.ready, self.measure, self.done = (context.Event() for _ in range(3))
        self.out = context.Queue()
        self.process = context.Process(
            target=screens_process,
            args=(url, scenes, count, (self.ready, self.measure, self.done), self.out),
            daemon=True,
        )

    def start(self) -> ScreenProcess:
        """Start the screens and wait until they poll."""
        self.process.start()
        if not self.ready.wait(60):
            self.process.kill()
            raise RuntimeError("the screens did not start")
        return self

    def tally(self) -> dict:
        """Stop counting and the screens; what they counted."""
        self.measure.set()
        self.done.set()
        result = self.out.get(timeout=60)
        self.process.join(timeout=30)
        return result

    def kill(self) -> None:
        """For a failed run: end the process if it is still there."""
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


@dataclass
class Combination:
    """What one (workers, screens) run measured."""

    workers: int
    screens: int
    window_s: float
    asked_per_s: float  # requests the screens' schedules ask for
    served: int
    failed: int
    late: int
    p95_ms: float
    upstream: dict[str, int]  # marker calls per dataset in the window
    shortest_s: dict[str, float]  # the shortest time between two marker calls in the window
    app: dict[str, int]  # fetch_count delta per dataset in the window
    calls: int  # every upstream call in the window
    fetch_ms: dict[str, float]  # the longest fetch per dataset in the window
    slip_s: dict[str, float]  # the longest wait beyond refresh_s between a fetch and the next
    problems: list[str]


class Schedule:
    """Every fetch the refresher made, as (attempted_at, fetched_at), from /api/status read
    every SAMPLE_S (a snapshot stays at least a cadence, so none is missed)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.fetches: dict[str, dict[datetime, datetime | None]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample)

    def _sample(self) -> None:
        with requests.Session() as session:
            while not self.stop.wait(SAMPLE_S):
                try:
                    answer = session.get(f"{self.url}/api/status", timeout=10).json()
                except (requests.RequestException, ValueError):
                    continue
                for name, dataset in answer["datasets"].items():
                    if not dataset["attempted_at"]:
                        continue
                    begun = datetime.fromisoformat(dataset["attempted_at"])
                    ended = dataset["fetched_at"] and datetime.fromisoformat(dataset["fetched_at"])
                    seen = self.fetches.setdefault(name, {})
                    seen[begun] = ended if ended and ended >= begun else None

    def start(self) -> Schedule:
        """Start reading."""
        self.thread.start()
        return self

    def close(self) -> None:
        """Stop reading."""
        self.stop.set()
        self.thread.join()

    def _in(
        self, name: str, opened: datetime, closed: datetime
    ) -> list[tuple[datetime, datetime | None]]:
        """The dataset's fetches begun in the window, with the one before it."""
        ordered = sorted(self.fetches.get(name, {}).items())
        inside = [i for i, (begun, _) in enumerate(ordered) if opened <= begun <= closed]
        return ordered[max(0, inside[0] - 1) : inside[-1] + 1] if inside else []

    def longest_fetch_ms(self, name: str, opened: datetime, closed: datetime) -> float:
        """The longest fetch of the dataset begun in the window (NaN: none seen)."""
        fetches = self._in(name, opened, closed)
        spans = [(e - b).total_seconds() for b, e in fetches if e and b >= opened]
        return max(spans) * 1000 if spans else float("nan")

    def slip_s(self, name: str, refresh_s: float, opened: datetime, closed: datetime) -> float:
        """The longest a fetch began later than refresh_s after the previous one ended."""
        fetches = self._in(name, opened, closed)
        slips = [
            (begun - ended).total_seconds() - refresh_s
            for (_, ended), (begun, _) in pairwise(fetches)
            if ended
        ]
        return max(slips, default=float("nan"))


def status(url: str) -> dict[str, dict]:
    """/api/status's datasets."""
    return requests.get(f"{url}/api/status", timeout=10).json()["datasets"]


class CallLog:
    """When the fake upstream saw each call: its route lookup, wrapped on this instance (the
    handler looks up the raw path with its query first, and again without it only when nothing
    answers, which no marker path is)."""

    def __init__(self, upstream: FakeUpstream) -> None:
        self.calls: list[tuple[float, str]] = []  # (monotonic time, raw path); appends are atomic
        find = upstream.find

        def recorded(path: str):
            self.calls.append((time.monotonic(), path))
            return find(path)

        upstream.find = recorded

    def marker_times(self, marker: Marker, today: datetime, since: float, until: float):
        """When the marker was called between `since` and `until`."""
        return [
            t for t, raw in list(self.calls) if since <= t <= until and marker.matches(raw, today)
        ]


def measure(
    workdir: Path,
    upstream: FakeUpstream,
    log: CallLog,
    setups: dict[str, Setup],
    workers: int,
    screens: int,
    window_s: float,
) -> Combination:
    """Start the board, run the screens, count over the window."""
    today = datetime.now(UTC)
    scenes = write_config(workdir / "wallboard.yaml", upstream.url, setups)
    app = AppInstance(
        f"upstream-{workers}w-{screens}s", workdir / "wallboard.yaml", workdir, workers=workers
    ).start()
    try:
        app.wait_healthy()
        # Past the start-up burst (every dataset at once, in a cold process): the second fetch.
        steady = wait_until(
            lambda: all(d["fetch_count"] >= 2 for d in status(app.url).values()), 60, 0.2
        )
        if not steady:
            raise RuntimeError(f"not every dataset was fetched twice: {app.log_tail()}")
        clients = ScreenProcess(app.url, list(scenes.values()), screens).start()
        schedule = Schedule(app.url).start()
        try:
            time.sleep(RAMP_S)
            before_status, before_calls = status(app.url), sum(upstream.hits.values())
            clients.measure.set()
            opened, started = datetime.now(UTC), time.monotonic()
            time.sleep(window_s)
            clients.done.set()
            after_status, after_calls = status(app.url), sum(upstream.hits.values())
            ended = time.monotonic()
            elapsed, closed = ended - started, datetime.now(UTC)
            tally = clients.tally()
        finally:
            schedule.close()
            clients.kill()
    finally:
        app.stop()
    times = {n: log.marker_times(s.marker, today, started, ended) for n, s in setups.items()}
    problems = [
        f"{name}: {d['status']} ({d['error']})"
        for name, d in after_status.items()
        if d["failures"] or d["source"] is None
    ]
    return Combination(
        workers=workers,
        screens=screens,
        window_s=elapsed,
        **tally,
        upstream={n: len(times[n]) for n in setups},
        shortest_s={n: min(map(sub, times[n][1:], times[n]), default=math.nan) for n in setups},
        app={n: after_status[n]["fetch_count"] - before_status[n]["fetch_count"] for n in setups},
        calls=after_calls - before_calls,
        fetch_ms={n: schedule.longest_fetch_ms(n, opened, closed) for n in setups},
        slip_s={n: schedule.slip_s(n, setups[n].refresh_s, opened, closed) for n in setups},
        problems=problems,
    )


def expected(combo: Combination, setup: Setup) -> float:
    """Fetches the cadence asks for in the combination's window."""
    return combo.window_s / setup.refresh_s


def within(combo: Combination, setups: dict[str, Setup]) -> list[str]:
    """The datasets whose upstream fetches are off the cadence by more than one: more than
    window / refresh_s + 1, or fewer than window / (refresh_s + the fetch's own time) - 1; or
    whose upstream and app counts differ by more than the fetch in flight at a window's edge."""
    off = []
    for name, setup in setups.items():
        fetch_s = 0.0 if math.isnan(combo.fetch_ms[name]) else combo.fetch_ms[name] / 1000
        lowest = combo.window_s / (setup.refresh_s + fetch_s) - 1
        count = combo.upstream[name]
        if not lowest <= count <= expected(combo, setup) + 1:
            slip = combo.slip_s[name]
            off.append(f"{name} ({count} fetches; a fetch began up to {slip:.2f} s late)")
        elif abs(combo.app[name] - count) > 1:
            off.append(f"{name} (upstream {count}, app {combo.app[name]})")
    return off


def too_soon(combo: Combination, setups: dict[str, Setup]) -> list[str]:
    """The datasets whose upstream was called again sooner than their cadence: what a screen
    that made the board fetch, or a second refresher (one per worker), would show. Whatever the
    window's phase, one fetcher on the cadence never calls sooner than refresh_s."""
    return [
        f"{name} (calls {combo.shortest_s[name]:.2f} s apart)"
        for name, setup in setups.items()
        if combo.shortest_s[name] < setup.refresh_s - GAP_SLACK_S
    ]


def spread(combos: list[Combination], setups: dict[str, Setup]) -> list[str]:
    """The datasets whose counts differ by more than one between runs, with each run's longest
    fetch (slow fetches on a busy host mean fewer fetches in a window)."""
    return [
        f"{name}: "
        + ", ".join(
            f"{c.upstream[name]} at {c.workers}w x {c.screens}s ({c.fetch_ms[name]:.0f} ms)"
            for c in combos
        )
        for name in setups
        if max(c.upstream[name] for c in combos) - min(c.upstream[name] for c in combos) > 1
    ]


def report(combos: list[Combination], setups: dict[str, Setup], quick: bool) -> Section:
    """The section: one row per combination, one per dataset, and the target."""
    names = list(setups)
    per_cadence = {
        (c.workers, c.screens): sum(c.upstream[n] / expected(c, setups[n]) for n in names)
        for c in combos
    }
    head = [
        "workers",
        "screens",
        "window (s)",
        "requests served (/s; asked /s)",
        "failed",
        "late polls",
        "p95 (ms)",
        "upstream calls (per fetch)",
        "dataset fetches (expected)",
        "fetches per cadence, summed",
    ]
    rows = [
        (
            c.workers,
            c.screens,
            f"{c.window_s:.1f}",
            f"{c.served} ({c.served / c.window_s:.0f}; {c.asked_per_s:g})",
            c.failed,
            c.late,
            f"{c.p95_ms:.0f}",
            f"{c.calls} ({c.calls / max(1, sum(c.upstream.values())):.2f})",
            f"{sum(c.upstream.values())} ({sum(expected(c, setups[n]) for n in names):.1f})",
            f"{per_cadence[(c.workers, c.screens)]:.2f} (datasets: {len(names)})",
        )
        for c in combos
    ]
    combo_head = [f"{c.workers}w x {c.screens}s" for c in combos]
    dataset_rows = [
        (
            name,
            setups[name].provider,
            f"{setups[name].refresh_s:g}",
            f"{max(c.fetch_ms[name] for c in combos):.0f}",
            f"{max(c.slip_s[name] for c in combos):.2f}",
            f"{min(c.shortest_s[name] for c in combos):.2f}",
            *(
                f"{c.upstream[name]} / {c.app[name]} ({expected(c, setups[name]):.1f})"
                for c in combos
            ),
        )
        for name in names
    ]
    off = {(c.workers, c.screens): within(c, setups) for c in combos}
    soon = {(c.workers, c.screens): too_soon(c, setups) for c in combos}
    apart = spread(combos, setups)
    problems = sorted({p for c in combos for p in c.problems})
    met = not any(soon.values()) and not any(off.values())
    window = QUICK_WINDOW_S if quick else WINDOW_S
    body = "\n".join(
        [
            f"The open edition on a fake upstream with recorded payloads: {len(names)} datasets, "
            f"each on one non-Yahoo source at a {min(s.refresh_s for s in setups.values()):g}-"
            f"{max(s.refresh_s for s in setups.values()):g} s cadence, under "
            "`gunicorn -c deploy/gunicorn.conf.py`. Each screen polls "
            f"`/api/latest/<dataset>` for its scene's datasets every {POLL_S:g} s "
            f"({CLIENT_THREADS} client threads); counts over a {window:g} s window that opens "
            f"{RAMP_S:g} s after the screens start.",
            "",
            table(head, rows),
            "",
            "Late polls: a screen's poll that fell more than a period behind its schedule. "
            "Upstream calls: every call the fake saw in the window (per-instrument sources make "
            "several per fetch), per dataset fetch.",
            "",
            "Per dataset: fetches seen at the upstream (calls to one marker instrument) / the "
            "app's own `fetch_count` delta (expected: window / refresh_s; the period is "
            "refresh_s plus the fetch's own time, so the lower bound allows for it). Fetch: the "
            "longest fetch in any window; slip: the longest a fetch began later than refresh_s "
            "after the previous one ended (the refresher's schedule, read from /api/status every "
            f"{SAMPLE_S:g} s); shortest gap: the shortest time between two calls to the "
            "dataset's marker in any window (below refresh_s would mean a fetch not on the "
            "cadence: caused by a screen, or a second refresher).",
            "",
            table(
                [
                    "dataset",
                    "source",
                    "refresh_s",
                    "fetch (ms)",
                    "slip (s)",
                    "shortest gap (s)",
                    *combo_head,
                ],
                dataset_rows,
            ),
            "",
            "Summary: "
            + "; ".join(
                f"{w}w x {s}s: {per_cadence[(w, s)]:.2f} fetches per cadence for "
                f"{len(names)} datasets"
                for (w, s) in per_cadence
            )
            + ".",
        ]
        + [f"- off the cadence at {w}w x {s}s: {', '.join(o)}" for (w, s), o in off.items() if o]
        + [
            f"- called sooner than the cadence at {w}w x {s}s: {', '.join(o)}"
            for (w, s), o in soon.items()
            if o
        ]
        + [f"- counts apart by more than one between runs: {a}" for a in apart]
        + [f"- dataset problems: {p}" for p in problems]
    )
    measured = (
        ", ".join(f"{w}w/{s}s {v:.2f}" for (w, s), v in per_cadence.items())
        + f" fetches per cadence for {len(names)} datasets"
        + (
            ""
            if met
            else f"; off the cadence: {sum(len(o) for o in off.values())}, "
            f"sooner than the cadence: {sum(len(o) for o in soon.values())}"
        )
    )
    target = Target(
        name="upstream calls per cadence",
        goal="= number of datasets regardless of screens and workers (each dataset within "
        "expected +-1 in every run; never called sooner than its cadence)",
        measured=measured,
        met=met,
    )
    return Section(title="Upstream calls per cadence", body=body, targets=[target])


def run(workdir: Path, quick: bool = False) -> Section:
    """Measure every (workers, screens) combination; the section."""
    window = QUICK_WINDOW_S if quick else WINDOW_S
    setups = plan(datetime.now(UTC))
    upstream = FakeUpstream().start()
    log = CallLog(upstream)
    serve_everything(upstream)
    try:
        combos = [
            measure(
                workdir / f"w{workers}-s{screens}", upstream, log, setups, workers, screens, window
            )
            for workers in WORKERS
            for screens in SCREENS
        ]
    finally:
        upstream.stop()
    return report(combos, setups, quick)


if __name__ == "__main__":
    run_alone("upstream", run, sys.argv[1:])
