"""Kiosk endurance: Chromium in kiosk mode rotating every scene at a 1 s dwell for 1,000 scene
changes (60 in quick mode), watching the JS heap, the DOM, the console and the carousel itself.

The demo edition runs under `gunicorn -c deploy/gunicorn.conf.py` (tests/services.AppInstance,
2 workers) with every scene's `dwell_s` set to 1; the browser opens `/?kiosk=1` once the
refresher has a snapshot of every dataset (so no scene is skipped for want of data) and is never
reloaded: the carousel navigates with dcc.Location (assets/wallboard.js). Only a first load that
draws no scene at all is reloaded (up to 3 times), and reported as broken.

- Scene changes: `location.pathname` polled about every 100 ms; each new path is one change.
- Heap and DOM: sampled only while the first scene shows, so every sample sees the same page:
  after one full rotation ("start"), at the first visit past every 100 changes (every 6 in
  quick mode), and at the end (the first visit past the goal). Each sample forces a garbage
  collection (`HeapProfiler.collectGarbage`) and then reads `Performance.getMetrics`
  (JSHeapUsedSize, Nodes, JSEventListeners, Documents) and the live element count.
- Console errors: SEVERE entries of the browser log, drained every few seconds; errors in the
  server's log are listed too.
- Stuck carousel: any stretch of more than 5 s without a scene change.

Targets: heap growth from the first sample to the last under 5 %; no DOM growth: the page's
elements within 2 % at the same scene, and Chromium's node counter flat (within 2 %) over the
second half of the run. The counter also holds every SVG image in Chromium's image cache (each
sparkline data: URI is a document of 3 nodes) and so climbs while that cache fills, then levels
off; nodes leaked by the page would keep it climbing.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

import config
from bench.report import Section, Target, table
from tests.services import AppInstance

CHANGES, QUICK_CHANGES = 1000, 60
SAMPLES = 10  # besides the first: one past every tenth of the goal (every 100 changes)
WORKERS = 2
DWELL_S = 1
POLL_S = 0.1
LOG_EVERY_S = 5.0
STUCK_S = 5.0
FIRST_SCENE_S = 20.0  # a first load that draws no scene in this time is broken
BROKEN_LOADS = 3
ABORT_S = 60.0  # no change for this long: the carousel has stopped, end the run
HEAP_GOAL_PCT = 5.0
NODE_SLACK = 1.02

WHERE_JS = """
var scene = document.querySelector('.wb-scene');
return [window.location.pathname, window.location.search,
        scene ? scene.getAttribute('data-scene') : null];
"""
ELEMENTS_JS = "return document.getElementsByTagName('*').length;"


def demo_config(workdir: Path) -> Path:
    """The shipped configuration on the demo edition, state and cache in `workdir`, every
    scene's dwell at 1 s."""
    raw = yaml.safe_load(config.DEFAULT_CONFIG.read_text())
    raw["edition"] = "demo"
    raw["state_dir"] = str(workdir / "state")
    raw["cache"]["dir"] = str(workdir / "cache")
    for scene in raw["scenes"].values():
        scene["dwell_s"] = DWELL_S
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "wallboard.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def kiosk_browser():
    """Headless Chromium with the tests' flags (tests/conftest.py) plus --kiosk, logging the
    console, with the Performance domain on."""
    from selenium import webdriver

    from tests.conftest import pytest_setup_options

    options = pytest_setup_options()
    options.add_argument("--kiosk")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options)
    driver.execute_cdp_cmd("Performance.enable", {})
    return driver


def sample(driver, changes: int, elapsed_s: float, scene: str) -> dict:
    """Heap and DOM after a forced garbage collection."""
    for _ in range(2):  # a second pass frees what the first only finalised
        driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    metrics = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    values = {m["name"]: m["value"] for m in metrics}
    return {
        "changes": changes,
        "elapsed_s": elapsed_s,
        "scene": scene,
        "heap": values.get("JSHeapUsedSize", float("nan")),
        "heap_total": values.get("JSHeapTotalSize", float("nan")),
        "nodes": int(values.get("Nodes", -1)),
        "elements": int(driver.execute_script(ELEMENTS_JS)),
        "listeners": int(values.get("JSEventListeners", -1)),
        "documents": int(values.get("Documents", -1)),
    }


def _wait_for_snapshots(instance: AppInstance, workdir: Path, timeout_s: float = 60) -> None:
    datasets = yaml.safe_load(instance.config.read_text())["datasets"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        held = {p.stem for p in (workdir / "state" / "snapshots").glob("*/*.json")}
        if held >= set(datasets):
            return
        time.sleep(0.2)


class Watch:
    """What the polling loop saw."""

    def __init__(self) -> None:
        self.changes = 0
        self.samples: list[dict] = []
        self.errors: list[str] = []
        self.stuck: list[tuple[str, float]] = []  # (scene, seconds without a change)
        self.scenes: list[str] = []  # rotation order of the first loop
        self.kiosk_lost: list[str] = []
        self.longest_gap_s = 0.0
        self.longest_poll_s = 0.0
        self.aborted = ""
        self.errors_before_start = 0  # console errors seen before the first sample
        self.broken_loads = 0  # first loads that never drew a scene (then reloaded)

    def drain(self, driver) -> None:
        """Collect the console's SEVERE entries (reading the log empties it)."""
        for entry in driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                self.errors.append(entry.get("message", ""))


def open_kiosk(driver, url: str, watch: Watch) -> None:
    """Open the kiosk page; when it never draws a scene (a broken first load), note it and
    reload, as someone at the screen would, up to BROKEN_LOADS times."""
    for _ in range(BROKEN_LOADS):
        driver.get(url)
        deadline = time.monotonic() + FIRST_SCENE_S
        while time.monotonic() < deadline:
            if driver.find_elements("css selector", ".wb-scene[data-scene]"):
                return
            time.sleep(POLL_S)
        watch.broken_loads += 1
        watch.drain(driver)


def rotate(driver, instance: AppInstance, goal: int, watch: Watch) -> float:
    """Poll the carousel until `goal` changes have been seen and the first scene shows again."""
    first = None
    path = None
    visits_of_first = 0
    sampled_visit = 0
    next_mark = 0
    started = last_change = last_log = last_poll = time.monotonic()
    deadline = started + goal * 5 * DWELL_S + 300
    while True:
        now = time.monotonic()
        watch.longest_poll_s = max(watch.longest_poll_s, now - last_poll)
        last_poll = now
        if now > deadline:
            watch.aborted = f"time limit reached after {watch.changes} changes"
            break
        if instance.process is None or instance.process.poll() is not None:
            watch.aborted = f"the server exited after {watch.changes} changes"
            break
        where, query, scene = driver.execute_script(WHERE_JS)
        if query != "?kiosk=1" and len(watch.kiosk_lost) < 5:
            watch.kiosk_lost.append(f"{where}{query}")
        if where != path:
            if path is not None:
                watch.changes += 1
                gap = now - last_change
                watch.longest_gap_s = max(watch.longest_gap_s, gap)
                if gap > STUCK_S:
                    watch.stuck.append((path, gap))
            path, last_change = where, now
            first = first or where
            if where == first:
                visits_of_first += 1
            elif visits_of_first == 1:
                watch.scenes.append(where.strip("/"))
        elif now - last_change > ABORT_S:
            watch.stuck.append((path, now - last_change))
            watch.aborted = f"no scene change for {ABORT_S:.0f} s at {path}"
            break
        # At the first scene, once per visit: after one loop, then past each mark and the goal.
        showing = where == first and scene == first.strip("/") and visits_of_first >= 2
        due = not watch.samples or watch.changes >= min(next_mark, goal)
        if showing and due and sampled_visit != visits_of_first:
            sampled_visit = visits_of_first
            if not watch.samples:
                watch.drain(driver)
                watch.errors_before_start = len(watch.errors)
            watch.samples.append(sample(driver, watch.changes, now - started, scene))
            every = max(1, goal // SAMPLES)
            next_mark = (watch.changes // every + 1) * every
            if watch.changes >= goal:
                break
        if now - last_log > LOG_EVERY_S:
            watch.drain(driver)
            last_log = now
        time.sleep(POLL_S)
    watch.longest_gap_s = max(watch.longest_gap_s, time.monotonic() - last_change)
    watch.drain(driver)
    return time.monotonic() - started


def _mb(value: float) -> str:
    return f"{value / 1024 / 1024:.2f}"


def server_errors(instance: AppInstance, limit: int = 5, since: int = 0) -> list[str]:
    """The first distinct ERROR lines of the instance's log (the app's JSON lines, gunicorn's)
    from byte `since` on."""
    found: list[str] = []
    if not instance.error_log.exists():
        return found
    with instance.error_log.open("rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("level") not in ("ERROR", "CRITICAL"):
                continue
            exc = str(entry.get("exc_info", "")).splitlines()
            text = f"{entry.get('message', '')}" + (f": {exc[0]}" if exc else "")
        elif "[ERROR]" in line or "[CRITICAL]" in line:
            text = line.split("] ", 3)[-1]
        else:
            continue
        if text not in found:
            found.append(text)
        if len(found) >= limit:
            break
    return found


def _mid(samples: list[dict]) -> dict:
    """The sample nearest the middle of the run (by changes)."""
    half = (samples[0]["changes"] + samples[-1]["changes"]) / 2
    return min(samples[:-1], key=lambda s: abs(s["changes"] - half))


def report(watch: Watch, elapsed_s: float, goal: int, logged: list[str]) -> Section:
    """The section: samples, errors, stuck episodes and the three targets."""
    rows = [
        (
            s["changes"],
            f"{s['elapsed_s']:.0f}",
            s["scene"],
            _mb(s["heap"]),
            _mb(s["heap_total"]),
            s["nodes"],
            s["elements"],
            s["listeners"],
            s["documents"],
        )
        for s in watch.samples
    ]
    start, end = (watch.samples[0], watch.samples[-1]) if len(watch.samples) >= 2 else (None, None)
    mid = _mid(watch.samples) if start else None

    def pct(before: float, after: float) -> float:
        return 100 * (after - before) / before

    unique = list(dict.fromkeys(watch.errors))
    lines = [
        f"Demo edition, {WORKERS} gunicorn workers, every scene's dwell {DWELL_S} s, headless "
        f"Chromium with --kiosk on `/?kiosk=1`, not reloaded. {watch.changes} scene changes "
        f"in {elapsed_s:.0f} s ("
        + (f"{elapsed_s / watch.changes:.2f} s a change" if watch.changes else "none")
        + f"; the carousel ticks once a second). Rotation: "
        f"{' → '.join(['overview', *watch.scenes])}.",
        "",
        "Samples, each while the first scene shows, after a forced garbage collection "
        "(*nodes*: Chromium's DOM node counter, every document's nodes, detached ones "
        "included; *elements*: elements in the page's document; *documents*: Chromium's "
        "document counter, which counts each SVG image, such as a sparkline's data: URI, as a "
        "document of 3 nodes kept in the image cache while it is cached):",
        "",
        table(
            [
                "changes",
                "elapsed s",
                "scene",
                "JS heap used MB",
                "JS heap total MB",
                "nodes",
                "elements",
                "listeners",
                "documents",
            ],
            rows,
        ),
        "",
    ]
    if start:
        lines.append(
            f"From the first sample to the last ({end['changes'] - start['changes']} changes): "
            f"heap {_mb(start['heap'])} → {_mb(end['heap'])} MB "
            f"({pct(start['heap'], end['heap']):+.1f} %), nodes {start['nodes']} → "
            f"{end['nodes']}, documents {start['documents']} → {end['documents']}, elements "
            f"{start['elements']} → {end['elements']}, listeners {start['listeners']} → "
            f"{end['listeners']}. Second half (from {mid['changes']} changes): heap "
            f"{pct(mid['heap'], end['heap']):+.1f} %, nodes {mid['nodes']} → {end['nodes']}, "
            f"documents {mid['documents']} → {end['documents']}."
        )
        lines.append("")
    if watch.broken_loads:
        lines += [
            f"**The first page load was broken {watch.broken_loads} time(s): no scene drawn "
            f"within {FIRST_SCENE_S:.0f} s; the page was reloaded** (errors below).",
            "",
        ]
    after = (
        f", {len(watch.errors) - watch.errors_before_start} of them after the first sample"
        if watch.samples
        else ""
    )
    lines.append(
        f"Console errors: {len(watch.errors)}{after}"
        + (" (first ones below)." if unique else ".")
        + f" Stuck episodes (> {STUCK_S:.0f} s without a change): {len(watch.stuck)}"
        + (
            " — " + "; ".join(f"{scene} for {gap:.1f} s" for scene, gap in watch.stuck[:5])
            if watch.stuck
            else ""
        )
        + f". Longest time on one scene {watch.longest_gap_s:.1f} s; longest gap between polls "
        f"{watch.longest_poll_s:.2f} s (a sample's garbage collection)."
    )
    if watch.kiosk_lost:
        lines.append(f"Kiosk mode lost at: {', '.join(watch.kiosk_lost)}.")
    if watch.aborted:
        lines.append(f"**Run ended early: {watch.aborted}.**")
    if unique:
        lines += ["", *(f"- `{m[:300]}`" for m in unique[:5])]
    if logged:
        lines += ["", "Errors in the server's log:", "", *(f"- `{m[:300]}`" for m in logged)]

    span = f"{end['changes'] - start['changes']} changes" if start else ""
    short = f"; only {watch.changes} of {goal} changes" if watch.changes < goal else ""
    no_samples = "fewer than two samples at the first scene" + (
        f" ({watch.aborted})" if watch.aborted else ""
    )
    heap_measured = no_samples
    dom_measured = no_samples
    heap_met = dom_met = None
    if start:
        growth = pct(start["heap"], end["heap"])
        heap_measured = (
            f"{growth:+.1f} % over {span} ({_mb(start['heap'])} → {_mb(end['heap'])} MB; "
            f"second half {pct(mid['heap'], end['heap']):+.1f} %){short}"
        )
        heap_met = growth < HEAP_GOAL_PCT and not watch.aborted
        # The page's DOM is its elements. Chromium's node counter also counts the image
        # cache's SVG documents (bounded, it levels off); a leak of detached nodes keeps
        # growing, so the counter must be flat over the second half.
        dom_measured = (
            f"elements {start['elements']} → {end['elements']} at the same scene over {span}; "
            f"node counter {start['nodes']} → {end['nodes']} (documents {start['documents']} → "
            f"{end['documents']}), {mid['nodes']} → {end['nodes']} over the second half{short}"
        )
        dom_met = (
            end["elements"] <= start["elements"] * NODE_SLACK
            and end["nodes"] <= mid["nodes"] * NODE_SLACK
            and not watch.aborted
        )
    targets = [
        Target(
            name="Kiosk heap",
            goal="JS heap growth < 5 % over 1,000 changes",
            measured=heap_measured,
            met=heap_met,
        ),
        Target(name="Kiosk DOM", goal="no DOM growth", measured=dom_measured, met=dom_met),
        Target(
            name="Kiosk console",
            goal="0 console errors",
            measured=f"{len(watch.errors)} errors over {watch.changes} changes"
            + (
                f" ({len(watch.errors) - watch.errors_before_start} after the first sample)"
                if watch.samples
                else ""
            )
            + (f"; {watch.broken_loads} broken first load(s)" if watch.broken_loads else ""),
            met=not watch.errors and not watch.aborted,
        ),
    ]
    return Section(title="Kiosk endurance", body="\n".join(lines), targets=targets)


def run(workdir: Path, quick: bool = False) -> Section:
    """Rotate the kiosk for 1,000 scene changes (quick: 60) and report heap, DOM and errors."""
    goal = QUICK_CHANGES if quick else CHANGES
    instance = AppInstance("endurance", demo_config(workdir), workdir, workers=WORKERS)
    driver = None
    try:
        instance.start()
        instance.wait_healthy()
        _wait_for_snapshots(instance, workdir)
        driver = kiosk_browser()
        watch = Watch()
        open_kiosk(driver, f"{instance.url}/?kiosk=1", watch)
        elapsed_s = rotate(driver, instance, goal, watch)
    finally:
        if driver is not None:
            driver.quit()
        instance.stop()
    return report(watch, elapsed_s, goal, server_errors(instance))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="bench-endurance-") as tmp:
        section = run(Path(tmp), quick="--quick" in sys.argv)
    print(section.body)
    for t in section.targets:
        print(f"- {t.name}: {t.goal}: {t.measured} -> {t.met}")
