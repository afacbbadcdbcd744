"""Weak hardware: the main-thread work of a scene change and of a tick, per scene, in headless
Chromium with its CPU throttled 4x (CDP `Emulation.setCPUThrottlingRate {rate: 4}`).

The demo edition (frozen data, every scene's dwell an hour, so the carousel never moves by
itself) under `deploy/gunicorn.conf.py`; one kiosk on `/?kiosk=1`. Main-thread work is read
from the Performance domain: the growth of `TaskDuration` (the renderer's main-thread task
time; its script, style and layout part beside it) from the moment the URL changes, or the
tick is made, until the new scene is drawn (or the tick answered) and the main thread is quiet
again (a whole second with no more than the screen's background work: the per-second
carousel and date, the clocks, ages and beat, measured first on an idle screen). The screen's
background work over that time is taken off (*net*); the *gross* growth is shown too.

- Scene change: each scene entered from the one before it, as the carousel does (`set_props`
  on `wb-nav.href`, the carousel's own output), the first from the last.
- Tick: the scene's refresh tick made as dcc.Interval makes it (`set_props` on its
  `n_intervals`, its own poll paused): an idle one (the screen current: 204), then one after
  the scene's datasets were refreshed with new demo prices (200, the changed props set in
  place). The technicals kiosk's symbol cycle (a chart redraw every 10 s) is measured as a
  tick of its own.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

from bench.common import start_board
from bench.replay import Screen, move
from bench.report import Section, Target, run_alone, table
from tests.support.demo import demo_config, enabled_scenes
from tests.support.kiosk import page_value

RATE = 4
CHANGE_GOAL_MS = 150.0
TICK_GOAL_MS = 30.0
POLL_S = 0.25  # how often a window polls the page (each poll is main-thread work too)
BACKGROUND_S = 2.5  # the idle screen's work, measured right before each action
SETTLE_S = {"change": 2.5, "tick": 2.0}  # counted on after the action's effect is seen
REPEATS = {"change": 2, "tick": 3}  # each measured this often (once in quick mode): the median
SLOT_S = 10  # the technicals kiosk's symbol slot
REDRAW_S = 2.5  # its redraw comes within this after a slot starts (its tick is every 2 s)


def pause_js(interval: str | dict) -> str:
    """The script that stops a dcc.Interval ticking by itself (the bench makes its ticks)."""
    return f"window.dash_clientside.set_props({json.dumps(interval)}, {{disabled: true}}); 0"


def metrics(screen: Screen) -> dict[str, float]:
    """Main-thread ms so far: all tasks (`task`, wall time), their script, style and layout
    part (`page`: the work the page's own code and DOM cause, without painting and
    compositing), and the main thread's CPU time (`cpu`: not stretched by the throttling, which
    pauses the thread, nor by other processes on a busy machine)."""
    values = {
        m["name"]: m["value"]
        for m in screen.driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    }
    page = sum(values[k] for k in ("ScriptDuration", "RecalcStyleDuration", "LayoutDuration"))
    return {
        "task": values["TaskDuration"] * 1000,
        "page": page * 1000,
        "cpu": values["ThreadTime"] * 1000,
    }


class Clock:
    """Main-thread work of an action: its window's growth, less the idle screen's own work
    (measured just before, polled as the action's window is) over as long a time."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen

    def watch(self, seconds: float) -> None:
        """Poll the page for `seconds`, as the waits for an action's effect poll it."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            page_value(self.screen.driver, "0")
            time.sleep(POLL_S)

    def background(self, seconds: float) -> dict[str, float]:
        """The idle screen's work per second."""
        start, first = time.monotonic(), metrics(self.screen)
        self.watch(seconds)
        last, elapsed = metrics(self.screen), time.monotonic() - start
        return {k: (last[k] - first[k]) / elapsed for k in first}

    def once(self, action, settle_s: float) -> dict:
        """`action` (which returns once its effect is seen), then `settle_s` more."""
        rate = self.background(BACKGROUND_S)
        start, before = time.monotonic(), metrics(self.screen)
        outcome = action()
        seen = time.monotonic() - start
        self.watch(settle_s)
        after, elapsed = metrics(self.screen), time.monotonic() - start
        gross = {k: after[k] - before[k] for k in before}
        return {
            "gross": gross["task"],
            "net": gross["task"] - rate["task"] * elapsed,
            "page": gross["page"] - rate["page"] * elapsed,
            "cpu": RATE * (gross["cpu"] - rate["cpu"] * elapsed),
            "background": rate["task"],
            "seen": seen,
            "outcome": outcome,
        }

    def measure(self, action, kind: str, repeats: int, before=None) -> dict:
        """The median of `repeats` measurements of `action`; `before(index)` runs, unmeasured,
        before each."""
        runs = []
        for index in range(repeats):
            if before is not None:
                before(index)
            runs.append(self.once(action, SETTLE_S[kind]))
        middle = {
            key: statistics.median(r[key] for r in runs)
            for key in ("gross", "net", "page", "cpu", "background", "seen")
        }
        return {**middle, "outcome": runs[-1]["outcome"], "runs": [r["net"] for r in runs]}


def board_config(workdir: Path) -> Path:
    """The frozen demo edition, every scene's dwell an hour."""
    path = demo_config(workdir, frozen=True)
    raw = yaml.safe_load(path.read_text())
    for scene in raw["scenes"].values():
        scene["dwell_s"] = 3600
    path.write_text(yaml.safe_dump(raw))
    return path


def slot_clear(scene: str, needs_s: float) -> None:
    """On technicals, wait until the kiosk's symbol cycle leaves `needs_s` seconds clear of its
    redraw (within 2 s after each 10 s slot starts): the cycle is measured on its own."""
    if scene != "technicals":
        return
    into = time.time() % SLOT_S
    if into < REDRAW_S or into > SLOT_S - needs_s:
        time.sleep((REDRAW_S - into) % SLOT_S)


def run(workdir: Path, quick: bool = False) -> Section:
    """Every enabled scene: the change into it, an idle tick and a changed one, at 4x."""
    load = os.getloadavg()
    config = board_config(workdir)
    raw = yaml.safe_load(config.read_text())
    scenes = enabled_scenes(config)
    if quick:
        scenes = scenes[:3] + [s for s in scenes[3:] if s[0] == "technicals"]
    repeats = {k: 1 if quick else v for k, v in REPEATS.items()}
    window = {k: BACKGROUND_S + SETTLE_S[k] + 1.5 for k in SETTLE_S}  # one measure's length
    app = start_board(workdir, config)
    screen = None
    rows, changes, ticks, backgrounds = [], [], [], []
    try:
        screen = Screen(app.url)
        names = [name for name, _ in scenes]
        screen.driver.get(f"{app.url}/{names[0]}?kiosk=1")
        screen.wait_scene(names[0])
        # One rotation unthrottled first: a kiosk's scene changes are those of the carousel's
        # steady state, not the first loading of each scene's component code (plotly's).
        for name in [*names[1:], names[0]]:
            screen.go(name)
            time.sleep(1)
        screen.driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": RATE})
        time.sleep(2)
        clock = Clock(screen)
        running = clock.background(5.0)["task"]
        # The shell's second (the clocks, the date, the carousel's own tick) is paused while
        # measuring: its work is no part of a change or a tick, and it is the largest part of
        # the background the measurements take off. The bench moves the kiosk itself.
        page_value(screen.driver, pause_js("wb-second"))
        time.sleep(1)
        paused = clock.background(5.0)["task"]
        for previous, name in zip(names, [*names[1:], names[0]], strict=True):
            datasets = dict(scenes)[name].get("datasets") or []

            def back(index: int, previous=previous, name=name) -> None:
                if index:  # the first change starts from the scene before already
                    screen.go(previous)
                    time.sleep(1)
                slot_clear(name, window["change"])

            def ready(_index: int, name=name, datasets=None) -> None:
                # The scene's own poll is paused, so the tick the bench makes is the one that
                # finds the new data: polling by itself, the screen had fetched it during the
                # background's measure, and the "changed" tick answered 204.
                page_value(screen.driver, pause_js({"type": "scene-tick", "scene": name}))
                if datasets:
                    move(app.url, raw, datasets)  # new data, which the screen sees at its tick
                slot_clear(name, window["tick"])

            def tick(name=name) -> int:
                found = screen.tick({"type": "scene-tick", "scene": name}, {"refresh"})
                return found[0]["status"]

            moved = clock.measure(
                lambda name=name: screen.go(name), "change", repeats["change"], back
            )
            backgrounds.append(moved["background"])
            changes.append((name, moved["net"], moved["cpu"]))
            idle = clock.measure(tick, "tick", repeats["tick"], ready)
            ticks.append((f"{name} idle tick", idle["net"], idle["cpu"]))
            changed = None
            if datasets:

                def fresh(index: int, ready=ready, datasets=datasets) -> None:
                    ready(index, datasets=datasets)

                changed = clock.measure(tick, "tick", repeats["tick"], fresh)
                ticks.append((f"{name} changed tick", changed["net"], changed["cpu"]))
            rows.append(
                (
                    name,
                    *_cells(moved),
                    *_cells(idle),
                    *(_cells(changed) if changed else ("n/a (no datasets)", "", "", "")),
                )
            )
        if "technicals" in names:
            screen.go("technicals")

            def before_slot(_index: int) -> None:
                # The window's background ends just before a slot ends; the redraw follows.
                target = SLOT_S - 0.5 - BACKGROUND_S
                time.sleep((target - time.time() % SLOT_S) % SLOT_S)

            def redraw():
                return screen.wait_for({"chart"}, len(screen.calls()))

            cycle = clock.measure(redraw, "tick", repeats["tick"], before_slot)
            ticks.append(("technicals symbol cycle (chart redraw)", cycle["net"], cycle["cpu"]))
            rows.append(("technicals symbol cycle", "", "", "", "", *_cells(cycle), "", "", "", ""))
    finally:
        if screen is not None:
            screen.close()
        app.stop()
    body = (
        f"Headless Chromium in kiosk mode with `Emulation.setCPUThrottlingRate {{rate: {RATE}}}` "
        "on the frozen demo edition (every dwell an hour: the bench moves the kiosk as the "
        "carousel does, `set_props` on `wb-nav.href`; one unthrottled rotation first, so each "
        "scene's component code is loaded, as on a kiosk past its first loop). Main-thread "
        "work from the Performance domain (not a trace): the growth of `TaskDuration` (all "
        "main-thread tasks) from the URL change or the tick until the scene is drawn or the "
        f"tick answered, and {SETTLE_S['change']:.0f} s (change) or {SETTLE_S['tick']:.0f} s "
        "(tick) more for what follows (charts drawn, flashes). The shell's per-second "
        "interval (`wb-second`: the carousel's tick and the date) is paused while measuring "
        f"(the idle screen did {running:.0f} ms a second at {RATE}x with it, {paused:.0f} "
        "without), and so is each scene's own refresh poll once it shows: the bench makes "
        "its ticks itself, so the changed tick is the one that finds the new data. "
        "The rest of the idle screen's own work (the ages' counter, the clocks' minute, the beat, "
        "frames, this bench's polling) is measured for "
        f"{BACKGROUND_S:.1f} s before each action: "
        f"{min(backgrounds):.0f}-{max(backgrounds):.0f} ms a second at {RATE}x. *net* takes it "
        "off over the window (so it can come out below zero: the background is bursty); "
        "*gross* is the raw growth; *page* the net script, style and layout part (the page's "
        "own code and DOM, without painting and compositing); *CPU x4* is 4 times the net "
        "growth of the main thread's CPU time (`ThreadTime`): the throttling pauses the thread "
        "rather than burning CPU, so this is the work a 4x slower CPU would do, and other "
        "processes on a busy machine do not stretch it as they stretch wall times. Each cell "
        "is the median of "
        f"{repeats['change']} changes (away and back) or {repeats['tick']} ticks: net ms, "
        "gross / page ms, and the seconds until the change was drawn or the tick answered "
        "(with its HTTP status). The technicals kiosk's symbol cycle (a chart redraw each "
        "10 s) is kept out of that scene's windows and measured as a tick of its own. "
        f"Load average of this machine (1 min) at the start and the end: {load[0]:.1f}, "
        f"{os.getloadavg()[0]:.1f} ({os.cpu_count()} cores): main-thread times are wall "
        "times, so a busy machine inflates them.\n\n"
        + table(
            [
                "scene",
                "change net ms",
                "change gross / page ms",
                "change CPU x4 ms",
                "change drawn after s",
                "idle tick net ms",
                "idle tick gross / page ms",
                "idle tick CPU x4 ms",
                "idle tick status, answered after s",
                "changed tick net ms",
                "changed tick gross / page ms",
                "changed tick CPU x4 ms",
                "changed tick status, answered after s",
            ],
            rows,
        )
    )
    targets = []
    for what, found, goal in (
        ("Scene change", changes, CHANGE_GOAL_MS),
        ("Tick", ticks, TICK_GOAL_MS),
    ):
        for index, how in ((1, "net task time"), (2, "CPU-time estimate, 4 x ThreadTime")):
            worst = max(found, key=lambda row, index=index: row[index])
            over = [f"{row[0]} {row[index]:.0f}" for row in found if row[index] > goal]
            targets.append(
                Target(
                    f"{what} main-thread work at {RATE}x CPU throttling, every scene ({how})",
                    f"≤ {goal:.0f} ms",
                    f"worst {worst[index]:.0f} ms ({worst[0]}); over: "
                    + (", ".join(over) or "none"),
                    worst[index] <= goal,
                )
            )
    return Section(f"Main-thread work at {RATE}x CPU throttling", body, targets)


def _cells(measured: dict) -> tuple[str, str, str, str]:
    outcome = measured["outcome"]
    status = f"{outcome}, " if isinstance(outcome, int) else ""
    return (
        f"{measured['net']:.0f}",
        f"{measured['gross']:.0f} / {measured['page']:.0f}",
        f"{measured['cpu']:.0f}",
        f"{status}{measured['seen']:.1f}",
    )


if __name__ == "__main__":
    run_alone("throttle", run, sys.argv[1:])
