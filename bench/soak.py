"""Soak, as a benchmark section: a kiosk rotating every scene at a short dwell for 30 minutes (3 in
quick mode, `--minutes N` to choose) while the fake upstream cycles its sources through faults.
The run is tests/support/soak.py's, which tests/reliability/test_soak.py runs for 3 minutes;
this adds the targets."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.report import Section, Target, run_alone
from tests.support.soak import (
    FAULTS,
    HEAP_GROWTH_PCT,
    MINUTES,
    NODE_SLACK,
    QUICK_MINUTES,
    UNDO_HISTORY_MAX,
    SoakResult,
    describe,
    soak,
)


def report(result: SoakResult) -> Section:
    """The section: what the soak saw (tests/support/soak.describe), and the targets."""
    watch = result.watch
    s = result.summary()
    heap, nodes = result.growth_pct("heap"), result.growth_pct("nodes")
    first, last = result.elements_growth()
    measured = not watch.aborted and bool(result.quarter(2)) and bool(result.quarter(4))
    targets = [
        Target(
            name="Soak: console and carousel",
            goal="0 console errors, never stuck, faults cycled",
            measured=f"{len(watch.errors)} errors, {len(watch.stuck)} stuck over "
            f"{watch.changes} changes in {result.minutes:g} min; faults cycled "
            f"{len(result.cycled)}/{len(FAULTS)}",
            met=not watch.errors and not watch.stuck and not watch.aborted,
        ),
        Target(
            name="Soak: heap and DOM",
            goal=f"heap < +{HEAP_GROWTH_PCT:.0f} % and nodes flat, last quarter vs second",
            measured=f"heap {heap:+.1f} %, nodes {nodes:+.1f} %, elements {first} → {last}, "
            f"undo history at most {s['undo_history_max']} ({len(watch.samples)} samples)",
            met=(
                heap < HEAP_GROWTH_PCT
                and s["undo_history_max"] <= UNDO_HISTORY_MAX
                and nodes <= 100 * (NODE_SLACK - 1)
                and last <= first * NODE_SLACK
                if measured
                else None
            ),
        ),
        Target(
            name="Soak: server",
            goal="no 5xx, no exception",
            measured=f"{s['server_5xx']} 5xx, {s['tracebacks']} exceptions",
            met=not result.server_5xx and not result.tracebacks,
        ),
    ]
    return Section(title="Soak", body=describe(result), targets=targets)


def run(workdir: Path, quick: bool = False, minutes: float | None = None) -> Section:
    """The soak for `minutes` (default 30; quick: 3)."""
    return report(soak(workdir, minutes or (QUICK_MINUTES if quick else MINUTES)))


if __name__ == "__main__":
    run_alone("soak", run, sys.argv[1:])
