"""What the screens registry costs (issue 19: "the registry's cost: added bytes per poll, and
cache writes per screen per minute").

The demo edition runs under `gunicorn -c deploy/gunicorn.conf.py` (2 workers, the refresher in
its own process) on a redis-server (REDIS_URL), with the shipped configuration: the default
`screens:` settings (a beat every 1 s, a full report at least every 20 s, dark after 120 s) and
the shipped scenes and dwells. Three headless Chromium kiosks open
`/overview?kiosk=1&screen=bench-<i>` and rotate for about 90 s; the first 10 s after the last
one opened are warm-up and are not counted.

- Cache writes: `redis-cli MONITOR` for the whole run; every SET of a screen's entry
  (`...:screen:<id>`) or of the index (`...:screens`) is one registry write. (Each also lands in
  the host-local file cache, engine.shared_cache: one file written per Redis write.)
- Beats and every other request: the access log (one JSON line per request), the kiosks' own
  (a Chrome user agent) in the counted window, divided by the number of kiosks.
- Scene changes: each kiosk's `location.pathname`, read twice a second.
- Bytes: the bodies the page sends (33s_screen.js: `JSON.stringify({id, seen, report?})`), built
  from a kiosk's own report (`wallboard.screen.report()`), and the answers: an empty 204, or a
  200 with the control (measured from a beat of ours). Bodies only: the request line and headers
  a browser adds are not counted.
- Time per beat: after the kiosks are closed, 200 sequential beats with a report and 200
  without (one requests.Session on loopback), the client's wall time and the server's own
  (`duration_ms` in the access log); an indication, not a target. MONITOR still runs: the beats
  without a report must write nothing.

Target: cache writes per screen per minute <= 6 (3 reports and 3 scene changes a minute at a
20 s dwell), the median of the kiosks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import requests
import yaml

from bench.report import Section, Target, median, percentile, run_alone, table
from config.schema import Screens
from tests.support.configs import shipped_config
from tests.support.kiosk import kiosk_browser, page_value, wait_for_snapshots
from tests.support.serverlog import server_errors
from tests.support.services import AppInstance, RedisServer

KIOSKS = 3
RUN_S, QUICK_RUN_S = 90.0, 40.0
WARMUP_S = 10.0
TIMED_BEATS, QUICK_TIMED_BEATS = 200, 50
GOAL_WRITES_PER_MIN = 6.0
SCENE_POLL_S = 0.5
BEAT = "/api/screens/beat"
TIMING_ID = "bench-timing-screen"
# One MONITOR line: `<unix time> [<db> <client>] "<COMMAND>" "<key>" ...`.
MONITOR_LINE = re.compile(r'^(\d+\.\d+) \[[^\]]*\] "([A-Za-z]+)" "((?:[^"\\]|\\.)*)"')
ENTRY_KEY = re.compile(r":screen:([A-Za-z0-9_-]+)$")
INDEX_KEY = re.compile(r":screens$")


def board_config(workdir: Path) -> Path:
    """The shipped configuration on the demo edition, state and cache in `workdir`; `screens:`
    and the scenes as shipped."""
    raw = shipped_config()
    raw["edition"] = "demo"
    raw["state_dir"] = str(workdir / "state")
    raw["cache"]["dir"] = str(workdir / "cache")
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "wallboard.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def compact(value: object) -> bytes:
    """`value` as the page's JSON.stringify writes it (no spaces, non-ASCII kept), in UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def registry_writes(monitor_text: str) -> list[tuple[float, str, str]]:
    """The registry's writes in a MONITOR transcript: (unix time, "entry" or "index", the
    screen id or "")."""
    writes = []
    for line in monitor_text.splitlines():
        match = MONITOR_LINE.match(line)
        if match is None or not match.group(2).upper().startswith("SET"):
            continue
        at, key = float(match.group(1)), match.group(3)
        if entry := ENTRY_KEY.search(key):
            writes.append((at, "entry", entry.group(1)))
        elif INDEX_KEY.search(key):
            writes.append((at, "index", ""))
    return writes


def access_entries(path: Path) -> list[dict]:
    """The access log's requests, each with `at` (unix time, to the second)."""
    entries = []
    for line in path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") != "gunicorn.access":
            continue
        entry["at"] = datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S%z").timestamp()
        entries.append(entry)
    return entries


def in_window(at: float, start: float, end: float) -> bool:
    """Whether `at` falls in [start, end); the access log's second resolution widens the start
    to its second."""
    return int(start) <= at < end


def follow_scenes(drivers: list, seconds: float) -> list[list[tuple[float, str]]]:
    """Each kiosk's path over `seconds`, as (unix time, path) at every change (and the first)."""
    seen: list[list[tuple[float, str]]] = [[] for _ in drivers]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for changes, driver in zip(seen, drivers, strict=True):
            path = page_value(driver, "window.location.pathname")
            if not changes or changes[-1][1] != path:
                changes.append((time.time(), path))
        time.sleep(SCENE_POLL_S)
    return seen


def severe_errors(driver) -> list[str]:
    """The kiosk's SEVERE console entries (reading the log empties it)."""
    return [e.get("message", "") for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def timed_beats(url: str, body: dict, count: int) -> tuple[list[float], int, set[int]]:
    """`count` sequential beats of `body` on one session: wall times (s), the answer's body
    bytes (the last one's) and the statuses seen."""
    times, statuses, size = [], set(), 0
    with requests.Session() as session:
        for _ in range(count):
            started = time.perf_counter()
            answer = session.post(f"{url}{BEAT}", json=body, timeout=10)
            times.append(time.perf_counter() - started)
            statuses.add(answer.status_code)
            size = len(answer.content)
    return times, size, statuses


def per_min(count: float, minutes: float) -> float:
    """A count as a rate per minute."""
    return count / minutes if minutes > 0 else float("nan")


def run(workdir: Path, quick: bool = False) -> Section:
    """Three kiosks on a Redis-backed demo board; the section."""
    run_s = QUICK_RUN_S if quick else RUN_S
    timed = QUICK_TIMED_BEATS if quick else TIMED_BEATS
    redis_server = RedisServer(workdir / "redis").start()
    monitor_log = workdir / "monitor.log"
    monitor = subprocess.Popen(
        ["redis-cli", "-p", str(redis_server.port), "monitor"],
        stdout=open(monitor_log, "wb"),  # noqa: SIM115 - the process owns it
        stderr=subprocess.DEVNULL,
    )
    app = AppInstance(
        "screens",
        board_config(workdir),
        workdir / "app",
        workers=2,
        env={"REDIS_URL": redis_server.url, "NO_PROXY": "127.0.0.1,localhost"},
    )
    drivers: list = []
    marks: dict[str, float] = {}
    try:
        app.start().wait_healthy()
        if not wait_for_snapshots(app, workdir):
            raise RuntimeError(f"the demo board did not fetch every dataset: {app.log_tail()}")
        for i in range(KIOSKS):
            driver = kiosk_browser()
            drivers.append(driver)
            driver.get(f"{app.url}/overview?kiosk=1&screen=bench-{i}")
        marks["opened"] = time.time()
        scenes = follow_scenes(drivers, run_s)
        marks["start"], marks["end"] = marks["opened"] + WARMUP_S, time.time()
        screen_ids = [page_value(d, "localStorage.getItem('wallboard.screen')") for d in drivers]
        page_report = page_value(drivers[0], "window.wallboard.screen.report()")
        console = [len(severe_errors(d)) for d in drivers]
        for driver in drivers:
            driver.quit()
        drivers = []

        # Our own beats, the kiosks gone: the control's answer, then the timed series.
        first = requests.post(f"{app.url}{BEAT}", json={"id": TIMING_ID, "seen": ""}, timeout=10)
        first.raise_for_status()
        version = first.json()["version"]
        answer_200 = len(first.content)
        report = {**page_report, "name": "bench-timing"}
        time.sleep(1.1)  # the phases apart in the access log's seconds
        marks["plain"] = time.time()
        plain_times, answer_204, plain_statuses = timed_beats(
            app.url, {"id": TIMING_ID, "seen": version}, timed
        )
        marks["plain_end"] = time.time()
        time.sleep(1.1)
        marks["reported"] = time.time()
        report_times, _, report_statuses = timed_beats(
            app.url, {"id": TIMING_ID, "seen": version, "report": report}, timed
        )
        marks["reported_end"] = time.time()
        time.sleep(0.5)  # MONITOR's last lines
        logged = server_errors(app)
    finally:
        for driver in drivers:
            driver.quit()
        app.stop()
        monitor.terminate()
        monitor.wait(timeout=10)
        redis_server.stop()

    writes = registry_writes(monitor_log.read_text(errors="replace"))
    access = access_entries(app.access_log)
    start, end = marks["start"], marks["end"]
    minutes = (end - start) / 60

    counted = [w for w in writes if start <= w[0] < end]
    writes_by_screen = Counter(w[2] for w in counted if w[1] == "entry")
    index_writes = sum(1 for w in counted if w[1] == "index")
    index_all = sum(1 for w in writes if w[1] == "index" and w[0] < end)
    kiosk_writes = [per_min(writes_by_screen[s], minutes) for s in screen_ids]
    kiosk_changes = [
        per_min(sum(1 for at, _ in changes[1:] if start <= at < end), minutes) for changes in scenes
    ]
    total_writes = per_min(len(counted), minutes) / KIOSKS

    browser = [
        e
        for e in access
        if "Chrome" in (e.get("user_agent") or "") and in_window(e["at"], start, end)
    ]
    beats = [e for e in browser if e["path"] == BEAT]
    beats_204 = sum(1 for e in beats if e["status"] == 204)
    beats_200 = sum(1 for e in beats if e["status"] == 200)
    beats_other = len(beats) - beats_204 - beats_200
    beat_rate = per_min(len(beats), minutes) / KIOSKS
    report_rate = per_min(beats_200, minutes) / KIOSKS
    logged_200 = [int(e["bytes"]) for e in beats if e["status"] == 200 and e.get("bytes")]
    by_path = Counter(e["path"] for e in browser)

    def server_ms(since: str, until: str) -> float:
        durations = [
            e["duration_ms"]
            for e in access
            if e["path"] == BEAT
            and "python-requests" in (e.get("user_agent") or "")
            and marks[since] <= e["at"] + 1
            and e["at"] <= marks[until]
        ]
        return median(durations)

    def phase_writes(since: str, until: str) -> str:
        kinds = Counter(w[1] for w in writes if marks[since] <= w[0] < marks[until])
        return f"{kinds['entry']} entry, {kinds['index']} index"

    plain_body = len(compact({"id": screen_ids[0], "seen": version}))
    report_body = len(compact({"id": screen_ids[0], "seen": version, "report": page_report}))
    report_extra = report_body - plain_body
    report_bytes_min = report_rate * (report_extra + answer_200)
    config = Screens()
    middle_writes = median(kiosk_writes)

    rows = [
        (
            f"bench-{i}",
            f"{kiosk_writes[i]:.2f}",
            f"{kiosk_changes[i]:.2f}",
            str(console[i]),
        )
        for i in range(KIOSKS)
    ]
    path_rows = [
        (path, f"{per_min(n, minutes) / KIOSKS:.1f}") for path, n in by_path.most_common(8)
    ]
    bytes_rows = [
        ("beat without a report (the page's body)", f"{plain_body} B"),
        ("beat with a report (the page's body)", f"{report_body} B (+{report_extra} B)"),
        ("answer: 204 (nothing changed, no report)", f"{answer_204} B"),
        (
            "answer: 200 (the control, after a report)",
            f"{answer_200} B"
            + (f" (access log, kiosks: median {median(logged_200):.0f} B)" if logged_200 else ""),
        ),
    ]
    timing_rows = [
        (
            "without a report (204)",
            f"{median(plain_times) * 1000:.2f}",
            f"{percentile(plain_times, 95) * 1000:.2f}",
            f"{server_ms('plain', 'plain_end'):.2f}",
            phase_writes("plain", "plain_end"),
            ", ".join(map(str, sorted(plain_statuses))),
        ),
        (
            "with a report (200)",
            f"{median(report_times) * 1000:.2f}",
            f"{percentile(report_times, 95) * 1000:.2f}",
            f"{server_ms('reported', 'reported_end'):.2f}",
            phase_writes("reported", "reported_end"),
            ", ".join(map(str, sorted(report_statuses))),
        ),
    ]
    body = "\n".join(
        [
            f"Demo edition, 2 gunicorn workers and the refresher process on one redis-server "
            f"(REDIS_URL), the shipped scenes and dwells and the default `screens:` settings "
            f"(beat every {config.beat_ms} ms, a report at least every "
            f"{config.report_every_s:g} s, dark after {config.dark_after_s:g} s). {KIOSKS} "
            f"headless Chromium kiosks on `/overview?kiosk=1&screen=bench-<i>` for "
            f"{marks['end'] - marks['opened']:.0f} s; counted: {minutes * 60:.0f} s after "
            f"{WARMUP_S:.0f} s of warm-up. Writes from `redis-cli MONITOR` (SET of "
            "`...:screen:<id>` or `...:screens`), requests from the access log.",
            "",
            table(
                ["screen", "registry writes / min", "scene changes / min", "console errors"],
                rows,
            ),
            "",
            f"Cache writes per screen per minute: median {middle_writes:.2f}, all registry "
            f"writes / {KIOSKS} screens {total_writes:.2f} (index writes in the window: "
            f"{index_writes}; {index_all} in all, one per new screen). Each report writes the "
            "screen's entry once, in Redis and in the host-local file cache.",
            "",
            f"Beats per screen per minute: {beat_rate:.1f} ({beats_200} answered 200, "
            f"{beats_204} answered 204, {beats_other} other, for the {KIOSKS} screens); "
            f"reports (the 200s) per screen per minute: {report_rate:.2f}. Before issue 19 the "
            "page's offline watch asked `GET /healthz` every 3 s (20 a minute); the beat "
            f"replaces it at {beat_rate:.0f} a minute.",
            "",
            "The kiosks' requests per screen per minute, by path:",
            "",
            table(["path", "requests / min"], path_rows),
            "",
            "Bytes (bodies only; the request line and the headers Chromium adds are not counted):",
            "",
            table(["what", "bytes"], bytes_rows),
            "",
            f"Added bytes per poll: {plain_body} B up and {answer_204} B down for a beat "
            f"without a report. The report: +{report_extra} B on the beat that carries it and a "
            f"{answer_200} B answer instead of an empty 204, {report_rate:.2f} times a minute: "
            f"{report_bytes_min:.0f} B per minute per screen.",
            "",
            f"Time per beat, {timed} sequential POSTs on one session on loopback, the kiosks "
            "closed (wall time at the client; the server's own from the access log's "
            "`duration_ms`; registry writes seen by MONITOR meanwhile: the timing screen is "
            "new, so its first report also adds it to the index):",
            "",
            table(
                ["beat", "median ms", "p95 ms", "server median ms", "writes", "statuses"],
                timing_rows,
            ),
            "",
            "Server errors: " + ("; ".join(f"`{m[:200]}`" for m in logged) if logged else "none."),
        ]
    )
    met = middle_writes <= GOAL_WRITES_PER_MIN
    return Section(
        "Screens registry",
        body,
        [
            Target(
                "screens registry: cache writes per screen per minute",
                f"<= {GOAL_WRITES_PER_MIN:g}",
                f"median {middle_writes:.2f} of {KIOSKS} kiosks",
                met,
            )
        ],
    )


if __name__ == "__main__":
    run_alone("screens", run, sys.argv[1:])
