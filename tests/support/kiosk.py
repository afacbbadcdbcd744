"""A kiosk under watch, for the long browser runs (the soak, bench/endurance.py): headless
Chromium in --kiosk mode on `/?kiosk=1`, its JS heap and DOM sampled after a forced garbage
collection, its console drained of errors, and the carousel followed from `location.pathname`
so that a scene shown too long (a stuck carousel) is noticed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.support import heapsnapshot
from tests.support.browser import chrome_options
from tests.support.services import AppInstance

POLL_S = 0.1  # how often the loops read where the kiosk is
DRAIN_EVERY_S = 5.0  # how often `follow` empties the console log
ABORT_S = 60.0  # no change for this long: the carousel has stopped, end the run
FIRST_SCENE_S = 20.0  # a first load that draws no scene in this time is broken
BROKEN_LOADS = 3

# Read through CDP's Runtime.evaluate with returnByValue (see `page_value`), hence expressions.
WHERE_JS = """(function () {
  var scene = document.querySelector('.wb-scene');
  return [window.location.pathname, window.location.search,
          scene ? scene.getAttribute('data-scene') : null];
})()"""
ELEMENTS_JS = "document.getElementsByTagName('*').length"
# Entries in Dash's undo history (-1: no renderer store); assets/35_undo_history.js keeps it short.
HISTORY_JS = """(function () {
  var store = window.store;
  var history = store && store.getState ? store.getState().history : null;
  return history && history.past ? history.past.length : -1;
})()"""


def kiosk_browser():
    """Headless Chromium with the tests' flags (browser.chrome_options) plus --kiosk, logging
    the console, with the Performance domain on."""
    from selenium import webdriver

    options = chrome_options()
    options.add_argument("--kiosk")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options)
    driver.execute_cdp_cmd("Performance.enable", {})
    return driver


def page_value(driver, expression: str):
    """The value of a JS expression in the page. Not `execute_script`: this ChromeDriver leaves
    every script's result in the page, held by the DevTools session (a "DevTools console" global
    handle per call, never released), so polling the kiosk ten times a second grew the very heap
    being measured by about 130 bytes a poll (~3 KB per scene change at a 2 s dwell: the soak's
    whole "leak"). Runtime.evaluate with returnByValue binds nothing in the page."""
    reply = driver.execute_cdp_cmd(
        "Runtime.evaluate", {"expression": expression, "returnByValue": True}
    )
    if "exceptionDetails" in reply:
        raise RuntimeError(f"page script failed: {reply['exceptionDetails'].get('text', '')}")
    return reply["result"].get("value")


def where(driver) -> tuple[str, str, str | None]:
    """The kiosk's path, query string and the scene its page draws (None: none drawn)."""
    path, query, scene = page_value(driver, WHERE_JS)
    return path, query, scene


def sample(driver, changes: int, elapsed_s: float, scene: str, compose: bool = False) -> dict:
    """Heap and DOM after a forced garbage collection; with `compose`, also what the heap is
    made of (tests/support/heapsnapshot: a snapshot, which holds the page for a few seconds)."""
    for _ in range(2):  # a second pass frees what the first only finalised
        driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    metrics = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    values = {m["name"]: m["value"] for m in metrics}
    taken = {
        "changes": changes,
        "elapsed_s": elapsed_s,
        "scene": scene,
        "heap": values.get("JSHeapUsedSize", float("nan")),
        "heap_total": values.get("JSHeapTotalSize", float("nan")),
        "nodes": int(values.get("Nodes", -1)),
        "elements": int(page_value(driver, ELEMENTS_JS)),
        "listeners": int(values.get("JSEventListeners", -1)),
        "documents": int(values.get("Documents", -1)),
        "undo_history": int(page_value(driver, HISTORY_JS)),
    }
    # Last: once the page is let go, its carousel, late, moves straight on to the next scene.
    taken["composition"] = heapsnapshot.composition(heapsnapshot.take(driver)) if compose else None
    return taken


def wait_for_snapshots(instance: AppInstance, workdir: Path, timeout_s: float = 60) -> bool:
    """Wait until the refresher has a snapshot of every dataset on disk (so the carousel skips
    no scene for want of data); whether it came."""
    datasets = yaml.safe_load(instance.config.read_text())["datasets"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        held = {p.stem for p in (workdir / "state" / "snapshots").glob("*/*.json")}
        if held >= set(datasets):
            return True
        time.sleep(0.2)
    return False


class Watch:
    """What a loop polling the kiosk saw: scene changes (and the rotation order of the first
    loop), visits of the first scene, stuck episodes, console errors and samples."""

    def __init__(self, stuck_s: float) -> None:
        self.stuck_s = stuck_s
        self.changes = 0
        self.path: str | None = None  # the scene path showing
        self.last_change = 0.0  # when it started showing (time.monotonic())
        self.first: str | None = None  # the first scene's path
        self.visits_of_first = 0
        self.samples: list[dict] = []
        self.errors: list[str] = []
        self.stuck: list[tuple[str, float]] = []  # (scene, seconds without a change)
        self.scenes: list[str] = []  # rotation order of the first loop, after the first scene
        self.kiosk_lost: list[str] = []
        self.longest_gap_s = 0.0
        self.longest_poll_s = 0.0
        self.aborted = ""
        self.errors_before_start = 0  # console errors seen before the first sample
        self.broken_loads = 0  # first loads that never drew a scene (then reloaded)

    def see(self, path: str, query: str, now: float) -> bool:
        """Note where the kiosk is at `now`; whether that is a scene change. A change after
        more than `stuck_s` on one scene is a stuck episode."""
        if query != "?kiosk=1" and len(self.kiosk_lost) < 5:
            self.kiosk_lost.append(f"{path}{query}")
        if path == self.path:
            return False
        if self.path is not None:
            self.changes += 1
            gap = now - self.last_change
            self.longest_gap_s = max(self.longest_gap_s, gap)
            if gap > self.stuck_s:
                self.stuck.append((self.path, gap))
        self.path, self.last_change = path, now
        self.first = self.first or path
        if path == self.first:
            self.visits_of_first += 1
        elif self.visits_of_first == 1:
            self.scenes.append(path.strip("/"))
        return True

    def showing_first(self, path: str, scene: str | None) -> bool:
        """The first scene is drawn, on a visit after the first loop (so every scene has been
        drawn once before: the samples compare like with like)."""
        return (
            self.first is not None
            and path == self.first
            and scene == self.first.strip("/")
            and self.visits_of_first >= 2
        )

    def still_s(self, now: float) -> float:
        """How long the current scene has shown."""
        return now - self.last_change

    def close(self, now: float) -> None:
        """The end of the run: the scene showing at the end counts towards the longest gap."""
        self.longest_gap_s = max(self.longest_gap_s, now - self.last_change)

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


def follow(
    driver,
    instance: AppInstance,
    watch: Watch,
    *,
    seconds: float,
    due: Callable[[Watch], bool] = lambda watch: True,
    done: Callable[[Watch], bool] = lambda watch: False,
    compose: Callable[[Watch], bool] = lambda watch: False,
) -> float:
    """Follow the carousel for up to `seconds` (the elapsed time returned), noting each scene
    change in `watch` and sampling heap and DOM once per visit of the first scene when
    `due(watch)`, with what the heap is made of when `compose(watch)`; end after a sample that
    makes `done(watch)`.

    The run is aborted (`watch.aborted` says why) when the server exits or no scene changes for
    ABORT_S. The console is drained every DRAIN_EVERY_S and before the first sample, so
    `watch.errors_before_start` counts the errors of the warm-up loop.
    """
    sampled_visit = 0
    started = last_drain = last_poll = time.monotonic()
    watch.last_change = started
    while True:
        now = time.monotonic()
        if now - started >= seconds:
            break
        watch.longest_poll_s = max(watch.longest_poll_s, now - last_poll)
        last_poll = now
        if instance.process is None or instance.process.poll() is not None:
            watch.aborted = (
                f"the server exited after {now - started:.0f} s, {watch.changes} changes"
            )
            break
        path, query, scene = where(driver)
        if not watch.see(path, query, now) and watch.still_s(now) > ABORT_S:
            watch.stuck.append((path, watch.still_s(now)))
            watch.aborted = f"no scene change for {ABORT_S:.0f} s at {path}"
            break
        first = watch.showing_first(path, scene) and sampled_visit != watch.visits_of_first
        if first and due(watch):
            sampled_visit = watch.visits_of_first
            if not watch.samples:
                watch.drain(driver)
                watch.errors_before_start = len(watch.errors)
            wanted = compose(watch)
            watch.samples.append(sample(driver, watch.changes, now - started, scene, wanted))
            if wanted:  # the page was held while its heap was read: not a stuck carousel
                watch.last_change += time.monotonic() - now
            if done(watch):
                break
        if now - last_drain > DRAIN_EVERY_S:
            watch.drain(driver)
            last_drain = now
        time.sleep(POLL_S)
    watch.close(time.monotonic())
    watch.drain(driver)
    return time.monotonic() - started
