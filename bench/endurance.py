"""Kiosk endurance: Chromium in kiosk mode rotating every scene at a 1 s dwell for 1,000 scene
changes (60 in quick mode), watching the JS heap, the DOM, the console and the carousel itself.

The demo edition runs under `gunicorn -c deploy/gunicorn.conf.py`
(tests/support/services.AppInstance, 2 workers) with every scene's `dwell_s` set to 1; the
browser opens `/?kiosk=1` once the refresher has a snapshot of every dataset (so no scene is
skipped for want of data) and is never reloaded: the carousel navigates with dcc.Location
(assets/32_carousel.js). Only a first load that draws no scene at all is reloaded (up to 3
times), and reported as broken.

- Scene changes: `location.pathname` polled about every 100 ms; each new path is one change.
- Heap and DOM: sampled only while the first scene shows, so every sample sees the same page:
  after one full rotation ("start"), at the first visit past every 100 changes (every 6 in
  quick mode), and at the end (the first visit past the goal). Each sample forces a garbage
  collection (`HeapProfiler.collectGarbage`) and then reads `Performance.getMetrics`
  (JSHeapUsedSize, Nodes, JSEventListeners, Documents) and the live element count.
- Console errors: SEVERE entries of the browser log, drained every few seconds; errors in the
  server's log are listed too.
- Stuck carousel: any stretch of more than 5 s without a scene change.

What the heap is made of (tests/support/heapsnapshot: a V8 heap snapshot, summed by kind) is
read at the first sample and the last. `JSHeapUsedSize` counts V8's compiled code with the
page's objects, and that code grows for a few hundred changes after the first loop as V8
optimises what runs on every tick, then levels off (snapshots after 11, 120 and 559 changes:
code 7.1 → 8.8 → 9.1 MB; objects and strings 5.81 → 6.08 → 6.01 MB). So the heap target is
the growth of what the page holds, its objects and strings, with the whole heap's growth shown
beside it. Each snapshot holds the page for a few seconds; that time is not counted as the
carousel's.

Targets: heap growth (objects and strings) from the first sample to the last under 5 %; no
DOM growth: the page's
elements within 2 % at the same scene, and Chromium's node counter flat (within 2 %) over the
second half of the run. The counter also holds every SVG image in Chromium's image cache (until
issue 20 each sparkline was a data: URI, a document of 3 nodes; they are canvases now), which
climbs while that cache fills, then levels off; nodes leaked by the page would keep it climbing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

import config
from bench.report import Section, Target, run_alone, table
from tests.support import heapsnapshot
from tests.support.kiosk import (
    FIRST_SCENE_S,
    Watch,
    follow,
    kiosk_browser,
    open_kiosk,
    wait_for_snapshots,
)
from tests.support.serverlog import server_errors
from tests.support.services import AppInstance

CHANGES, QUICK_CHANGES = 1000, 60
SAMPLES = 10  # besides the first: one past every tenth of the goal (every 100 changes)
WORKERS = 2
DWELL_S = 1
STUCK_S = 5.0
HEAP_GOAL_PCT = 5.0
NODE_SLACK = 1.02


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


def rotate(driver, instance: AppInstance, goal: int, watch: Watch) -> float:
    """Follow the carousel until `goal` changes have been seen and the first scene shows again,
    sampling at the first scene once per visit: after one loop, then past each mark and the
    goal (tests/support/kiosk.follow)."""
    every = max(1, goal // SAMPLES)

    def due(watch: Watch) -> bool:
        if not watch.samples:
            return True
        mark = (watch.samples[-1]["changes"] // every + 1) * every
        return watch.changes >= min(mark, goal)

    elapsed_s = follow(
        driver,
        instance,
        watch,
        seconds=goal * 5 * DWELL_S + 300,
        due=due,
        done=lambda watch: watch.changes >= goal,
        compose=lambda watch: not watch.samples or watch.changes >= goal,
    )
    if not watch.aborted and not (watch.samples and watch.samples[-1]["changes"] >= goal):
        watch.aborted = f"time limit reached after {watch.changes} changes"
    return elapsed_s


def _mb(value: float) -> str:
    return f"{value / 1024 / 1024:.2f}"


def _mid(samples: list[dict]) -> dict:
    """The sample nearest the middle of the run (by changes)."""
    half = (samples[0]["changes"] + samples[-1]["changes"]) / 2
    return min(samples[:-1], key=lambda s: abs(s["changes"] - half))


def held(composition: dict[str, int] | None) -> float | None:
    """The bytes the page holds: the JS heap's objects and strings, without V8's compiled code
    and Blink's native objects (None: not read)."""
    if not composition:
        return None
    return composition[heapsnapshot.OBJECTS] + composition[heapsnapshot.STRINGS]


def composition_table(start: dict, end: dict) -> str:
    """What the heap was made of at the first sample and the last, in MB."""
    rows = [
        (kind, _mb(start["composition"][kind]), _mb(end["composition"][kind]))
        for kind in heapsnapshot.KINDS
    ]
    return table(
        [
            "heap snapshot, by kind",
            f"MB after {start['changes']} changes",
            f"MB after {end['changes']} changes",
        ],
        rows,
    )


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
        "document counter, which counts each SVG image (the sparklines' data: URIs until "
        "issue 20 made them canvases) as a "
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
        if held(start["composition"]) and held(end["composition"]):
            lines += [
                "What the heap is made of, from a heap snapshot at the first sample and the "
                "last (*DOM and native*: Blink's objects, outside the JS heap's figures above):",
                "",
                composition_table(start, end),
                "",
            ]
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
        f"{watch.longest_poll_s:.2f} s (a sample's garbage collection, or its heap snapshot)."
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
        whole = (
            f"{pct(start['heap'], end['heap']):+.1f} % ({_mb(start['heap'])} → "
            f"{_mb(end['heap'])} MB; second half {pct(mid['heap'], end['heap']):+.1f} %)"
        )
        before, after = held(start["composition"]), held(end["composition"])
        if before and after:
            growth = pct(before, after)
            heap_measured = (
                f"objects and strings {growth:+.1f} % over {span} ({_mb(before)} → "
                f"{_mb(after)} MB); the whole JS heap, V8's compiled code included, {whole}"
                f"{short}"
            )
        else:
            growth = pct(start["heap"], end["heap"])
            heap_measured = f"{whole} over {span} (no heap snapshot){short}"
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
            goal="JS heap growth < 5 % over 1,000 changes (what the page holds)",
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
        wait_for_snapshots(instance, workdir)
        driver = kiosk_browser()
        watch = Watch(STUCK_S)
        open_kiosk(driver, f"{instance.url}/?kiosk=1", watch)
        elapsed_s = rotate(driver, instance, goal, watch)
    finally:
        if driver is not None:
            driver.quit()
        instance.stop()
    return report(watch, elapsed_s, goal, server_errors(instance))


if __name__ == "__main__":
    run_alone("endurance", run, sys.argv[1:])
