"""Where a changed tick's time goes: the scene refresh callback in this process (Flask's test
client, no gunicorn, no network), profiled with cProfile, for the overview and crypto scenes.

A kiosk one version behind posts its tick; the callback reads the snapshots and works out the
version, gets the new body (rendered once per version, then kept in the process and the shared
cache) and the one the screen shows, diffs them into the changed props of each component, and
Dash serialises the answer.
Cases of the changed tick, each repeated: *memo*, everything kept in this process (the worker
that rendered both bodies); *from cache*, the shown body (and the step from it, where the
callback keeps one) read from the shared cache, as any other worker does; *first diff*, the
step from the shown version not worked out yet; *first render*, the new version not rendered
yet either (once per version per fleet). And the idle tick (204) beside them. Times without the
profiler are the mean wall time of a request through the test client; the split is each part's
share of the profiled time inside Flask's full_dispatch_request.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.report import Section, run_alone, table
from tests.support.dashreq import CALLBACK, body_sent, poll_of, scene_refresh_body, version_of
from tests.support.demo import refreshed_demo_app

SCENES = ("overview", "crypto")
QUERY = {"kiosk": "1"}
DEMO_MOVE_S = 5.2
# (label, [(file suffix, function name)]): disjoint parts of the refresh callback, by the names
# they have had (`_update` diffed and built the Patch; then `_step` diffs, `_sent` sets them).
PARTS = (
    ("read + version", [("components/scene.py", "view_of"), ("components/scene.py", "version")]),
    ("bodies: cache get / put", [("components/scene.py", "get"), ("components/scene.py", "put")]),
    ("render", [("components/scene.py", "body_of"), ("components/scene.py", "badges")]),
    ("JSON form of the render", [("components/patch.py", "plain")]),
    ("diff", [("components/scene.py", "_update"), ("components/scene.py", "_step")]),
    ("set_props", [("components/scene.py", "_sent")]),
    ("serialisation (to_json)", [("dash/_utils.py", "to_json")]),
    (
        "Flask request hooks",
        [("flask/app.py", "preprocess_request"), ("flask/app.py", "process_response")],
    ),
)
TOTAL = ("flask/app.py", "full_dispatch_request")
MOVE_PCT = 0.5
STEADY = "changed, from cache"  # what most workers do for most screens one version behind


def _cumulative(stats: pstats.Stats, where: str, name: str) -> float:
    return sum(
        row[3]
        for (path, _line, func), row in stats.stats.items()  # type: ignore[attr-defined]
        if func == name and path.replace("\\", "/").endswith(where)
    )


def split(profile: cProfile.Profile, count: int) -> dict[str, float]:
    """Per request, ms: the dispatch total and each part's cumulative time."""
    stats = pstats.Stats(profile)
    parts = {
        label: sum(_cumulative(stats, w, n) for w, n in functions) * 1000 / count
        for label, functions in PARTS
    }
    parts["total"] = _cumulative(stats, *TOTAL) * 1000 / count
    return parts


def run(workdir: Path, quick: bool = False) -> str:
    """The profile table, as markdown."""
    from components.scene import SHOWN, ShownBodies

    count = 20 if quick else 100
    app = refreshed_demo_app(workdir)
    server = app.server
    board = server.extensions["wallboard"]
    client = server.test_client()
    deps = client.get("/_dash-dependencies").get_json()

    def post(body: dict):
        return client.post(CALLBACK, json=body)

    first = {
        scene: post(scene_refresh_body(deps, scene, query=QUERY)).get_json() for scene in SCENES
    }
    shown = {scene: version_of(answer) for scene, answer in first.items()}
    polling = {scene: poll_of(answer) for scene, answer in first.items()}
    time.sleep(DEMO_MOVE_S)
    for scene in SCENES:
        for dataset in board.settings.scenes[scene].datasets:
            # One instrument moved, as the replay's changed ticks (bench/replay.move).
            first = board.settings.datasets[dataset].instruments[0].id
            board.refresher.providers["demo"].spike(first, MOVE_PCT)
            board.refresher.refresh(dataset)
    rows, notes = [], []
    for scene in SCENES:
        changed = scene_refresh_body(
            deps, scene, tick=2, shown_version=shown[scene], query=QUERY, polling_ms=polling[scene]
        )
        answer = post(changed)
        assert answer.status_code == 200, answer.status_code
        assert body_sent(answer.get_json()) == "in place", "the changed tick is sent whole"
        current = version_of(answer.get_json())
        idle = scene_refresh_body(
            deps, scene, tick=3, shown_version=current, query=QUERY, polling_ms=polling[scene]
        )
        assert post(idle).status_code == 204
        old_key = ShownBodies.key(board, scene, QUERY, shown[scene])
        new_key = ShownBodies.key(board, scene, QUERY, current)

        # What the callback keeps beside the new body: the body itself, and (since the diff
        # is memoised per pair of versions) the step from the shown one.
        step_keys = [f"{new_key}:from:{shown[scene]}"]

        def forget(keys: list[str], *, everywhere: bool) -> Callable[[], None]:
            def drop() -> None:
                for key in keys:
                    SHOWN._recent.pop(key, None)
                    if everywhere:
                        board.store.cache.delete(key)

            return drop

        cases = (
            ("changed, memo", changed, None, count),
            # A worker that did not render the shown body nor work out the step.
            (STEADY, changed, forget([old_key, *step_keys], everywhere=False), count),
            ("changed, first diff", changed, forget(step_keys, everywhere=True), count),
            (
                "changed, first render",
                changed,
                forget([new_key, *step_keys], everywhere=True),
                max(5, count // 10),
            ),
            ("idle (204)", idle, None, count),
        )
        for label, body, before, repeat in cases:
            walls, size = [], 0
            for _ in range(repeat):
                if before:
                    before()
                started = time.perf_counter()
                answer = post(body)
                walls.append((time.perf_counter() - started) * 1000)
                size = len(answer.data)
            profile = cProfile.Profile()
            for _ in range(repeat):
                if before:
                    before()
                profile.enable()
                post(body)
                profile.disable()
            parts = split(profile, repeat)
            total = parts["total"] or float("nan")
            shares = {p: 100 * parts[p] / total for p, _ in PARTS}
            shares["other (Dash, the callback's own)"] = 100 - sum(shares.values())
            if label == STEADY:
                top = sorted(shares.items(), key=lambda item: -item[1])[:3]
                notes.append(
                    f"{scene}: {statistics.mean(walls):.2f} ms, of which "
                    + ", ".join(f"{name} {share:.0f} %" for name, share in top)
                )
            rows.append(
                (
                    scene,
                    label,
                    f"{statistics.mean(walls):.2f}",
                    size,
                    f"{total:.2f}",
                    *(f"{share:.0f} %" for share in shares.values()),
                )
            )
    return (
        "Where a changed tick's time goes (bench/tickprofile.py: the scene refresh callback in "
        f"one process through Flask's test client, {count} requests per case, cProfile; "
        "*memo*: everything kept in the process; *from cache*: the body the screen shows (and "
        "the step from it, where the callback keeps one) read from the shared (filesystem) "
        "cache, as in any worker but the one that made them; *first diff*: the step worked "
        "out; *first render*: the new version rendered too, once per version per fleet). "
        "Wall: mean ms per request without the profiler; the split: share of the profiled "
        "time in Flask's `full_dispatch_request` (the request hooks, Dash's dispatch, the "
        "callback).\n\n"
        + table(
            [
                "scene",
                "tick",
                "wall ms",
                "answer bytes",
                "profiled ms",
                *(p for p, _ in PARTS),
                "other (Dash, the callback's own)",
            ],
            rows,
        )
        + "\n\nWhere the changed tick's time goes, as most workers serve it (*"
        + STEADY
        + "*), the three largest parts: "
        + "; ".join(notes)
        + "."
    )


if __name__ == "__main__":

    def section(workdir: Path, quick: bool = False) -> Section:
        """The profile alone, as a section."""
        return Section("Changed tick profile", run(workdir, quick))

    run_alone("tickprofile", section, sys.argv[1:])
