"""Cold start: from starting gunicorn to the first 200 on /healthz and to the first full scene.

Each start is `gunicorn -c deploy/gunicorn.conf.py` (tests/support/services.AppInstance) on
the demo edition with 2 workers per core (the config's own default, 4 on a 2-core host). The
clock starts just before the Popen; /healthz is polled every 20 ms. A headless Chromium, started
before the server so its own start-up is not counted, then opens /overview, and the run records
when

- the page has loaded (the browser's load event: HTML, scripts and CSS),
- the overview frame is drawn (a tile inside `.wb-scene__body`, with or without data), and
- the first full scene shows: a tile with a price (not `wb-tile--missing`).

Cold runs start each on a fresh state and cache dir (no last-good snapshots on disk: the demo
refresher fills them in the background after start). Warm runs reuse the state and cache dir of
a cold run that ran until every dataset had a snapshot on disk, as a restarted host would.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import requests
import yaml

import config
from bench.report import Section, Target, median, run_alone, table
from tests.support.serverlog import server_errors
from tests.support.services import AppInstance

WORKERS = 2 * (os.cpu_count() or 1)  # gunicorn.conf.py's default (4 on a 2-core host)
SCENE = "overview"
FRAME = f'.wb-scene[data-scene="{SCENE}"] .wb-scene__body .wb-tile'
FULL = f'.wb-scene[data-scene="{SCENE}"] .wb-scene__body .wb-tile:not(.wb-tile--missing)'
POLL_S = 0.02
TIMEOUT_S = 60.0
GOAL_S = 3.0
KEYS = ("healthz_s", "loaded_s", "frame_s", "full_s", "snapshot_s")


def demo_config(workdir: Path) -> Path:
    """The shipped configuration on the demo edition, with its state and cache in `workdir`."""
    raw = yaml.safe_load(config.DEFAULT_CONFIG.read_text())
    raw["edition"] = "demo"
    raw["state_dir"] = str(workdir / "state")
    raw["cache"]["dir"] = str(workdir / "cache")
    path = workdir / "wallboard.yaml"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def browser():
    """Headless Chromium with the tests' flags (tests/support/browser.py), logging the console."""
    from selenium import webdriver

    from tests.support.browser import chrome_options

    options = chrome_options()
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options)


def snapshot_files(workdir: Path) -> int:
    """How many last-good snapshot files the state dir holds."""
    return len(list((workdir / "state" / "snapshots").glob("*/*.json")))


def _watch_snapshot(workdir: Path, since: float, found: dict, stop: threading.Event) -> None:
    """Note when the scene's dataset first gets a snapshot written after `since` (wall clock)."""
    datasets = yaml.safe_load(config.DEFAULT_CONFIG.read_text())["scenes"][SCENE]["datasets"]
    while not stop.is_set():
        for dataset in datasets:
            for path in (workdir / "state" / "snapshots").glob(f"*/{dataset}.json"):
                try:
                    if path.stat().st_mtime >= since:
                        found["snapshot_s"] = time.time() - since
                        return
                except OSError:
                    pass
        stop.wait(POLL_S)


def _until(predicate, timeout_s: float = TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except requests.RequestException:
            pass
        time.sleep(POLL_S)
    return False


def one_start(driver, workdir: Path, *, label: str, prime: bool = False) -> dict:
    """Start the app on `workdir`, measure, stop. With `prime`, keep it running until every
    dataset has a last-good snapshot on disk (so a later warm start finds them)."""
    instance = AppInstance(label, demo_config(workdir), workdir, workers=WORKERS)
    on_disk = snapshot_files(workdir)
    logged_from = instance.error_log.stat().st_size if instance.error_log.exists() else 0
    driver.get("about:blank")
    driver.get_log("browser")  # drop what an earlier run left
    run: dict = {"run": label, "snapshots_on_disk": on_disk}
    stop = threading.Event()
    watcher = threading.Thread(
        target=_watch_snapshot, args=(workdir, time.time(), run, stop), daemon=True
    )
    watcher.start()
    t0 = time.monotonic()
    instance.start()
    try:
        healthz = f"{instance.url}/healthz"
        if not _until(lambda: requests.get(healthz, timeout=10).status_code == 200):
            raise RuntimeError(f"{label}: no 200 on /healthz: {instance.log_tail()}")
        run["healthz_s"] = time.monotonic() - t0
        driver.get(f"{instance.url}/{SCENE}")
        run["loaded_s"] = time.monotonic() - t0
        if _until(lambda: driver.find_elements("css selector", FRAME)):
            run["frame_s"] = time.monotonic() - t0
            # Not drawn at all is a broken page (its console errors say why): no point waiting.
            if _until(lambda: driver.find_elements("css selector", FULL)):
                run["full_s"] = time.monotonic() - t0
        run["tiles_with_data"] = len(driver.find_elements("css selector", FULL))
        run["tiles"] = len(driver.find_elements("css selector", FRAME))
        run["errors"] = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        if prime:
            datasets = len(yaml.safe_load(instance.config.read_text())["datasets"])
            _until(lambda: snapshot_files(workdir) >= datasets, 30)
    finally:
        instance.stop()
        stop.set()
        watcher.join()
        run["logged"] = server_errors(instance, since=logged_from)
    return run


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def run(workdir: Path, quick: bool = False) -> Section:
    """Cold and warm starts of the demo edition, timed to /healthz and to the first scene."""
    repeats = 2 if quick else 5
    driver = browser()
    runs: list[dict] = []
    try:
        for i in range(repeats):
            last = i == repeats - 1
            runs.append(
                one_start(driver, workdir / f"cold-{i + 1}", label=f"cold {i + 1}", prime=last)
            )
        warm_dir = workdir / f"cold-{repeats}"
        for i in range(repeats):
            runs.append(one_start(driver, warm_dir, label=f"warm {i + 1}"))
    finally:
        driver.quit()

    def med(kind: str, key: str) -> float | None:
        values = [r[key] for r in runs if r["run"].startswith(kind) and key in r]
        return median(values) if values else None

    rows = [
        (
            r["run"],
            r["snapshots_on_disk"],
            _s(r.get("healthz_s")),
            _s(r.get("loaded_s")),
            _s(r.get("frame_s")),
            _s(r.get("full_s")),
            _s(r.get("snapshot_s")),
            f"{r.get('tiles_with_data', 0)}/{r.get('tiles', 0)}",
            len(r.get("errors", [])),
            len(r.get("logged", [])),
        )
        for r in runs
    ]
    for kind in ("cold", "warm"):
        rows.append(
            (
                f"**{kind} median**",
                "",
                *(_s(med(kind, k)) for k in KEYS),
                "",
                "",
                "",
            )
        )
    errors = list(dict.fromkeys(m for r in runs for m in r.get("errors", [])))
    logged = list(dict.fromkeys(m for r in runs for m in r.get("logged", [])))
    body = "\n".join(
        [
            f"`gunicorn -c deploy/gunicorn.conf.py` with {WORKERS} workers, demo edition; seconds "
            "from just before the process starts. *loaded*: the browser's load event on "
            f"/{SCENE}; *frame*: the scene's tiles drawn; *full scene*: a tile with a price; "
            f"*{SCENE} data written*: the refresher's first write of the scene's snapshot. Cold: "
            "a fresh state and cache dir each run; warm: the dir of a cold run left with every "
            "dataset's last-good snapshot on disk. Headless Chromium is started before the "
            "server and not counted. — : did not happen within the run (no frame: the page drew "
            "nothing; no data written: the refresher did not rewrite the snapshot before the "
            "run ended).",
            "",
            table(
                [
                    "run",
                    "snapshots on disk",
                    "/healthz 200",
                    "loaded",
                    "frame",
                    "full scene",
                    f"{SCENE} data written",
                    "tiles with data",
                    "console errors",
                    "server log errors",
                ],
                rows,
            ),
            "",
            *(
                ["Console errors:", "", *(f"- `{m[:300]}`" for m in errors[:5]), ""]
                if errors
                else []
            ),
            *(
                ["Errors in the server's log:", "", *(f"- `{m[:300]}`" for m in logged[:5]), ""]
                if logged
                else []
            ),
        ]
    )
    blank = sum(1 for r in runs if "frame_s" not in r)
    cold_full = med("cold", "full_s")
    missing = sum(1 for r in runs if r["run"].startswith("cold") and "full_s" not in r)
    target = Target(
        name="Cold start",
        goal=f"cold start to first scene < {GOAL_S:.0f} s",
        measured=(
            f"median {cold_full:.2f} s over {repeats - missing} cold runs "
            f"(/healthz {med('cold', 'healthz_s'):.2f} s; warm {_s(med('warm', 'full_s'))} s)"
            + (f"; {blank} of {len(runs)} page loads drew no scene" if blank else "")
            if cold_full is not None
            else f"no cold run showed a full scene within {TIMEOUT_S:.0f} s"
        ),
        met=cold_full is not None and cold_full < GOAL_S and missing == 0,
    )
    return Section(title="Cold start", body=body, targets=[target])


if __name__ == "__main__":
    run_alone("coldstart", run, sys.argv[1:])
