"""What the benchmarks share: a demo board under gunicorn with the floor routes, and its config."""

from __future__ import annotations

import os
import time
from pathlib import Path

import requests
import yaml

from config import DEFAULT_CONFIG
from tests.services import AppInstance, wait_until

ADMIN_TOKEN = "bench-admin-token-0123456789"
WORKERS = 2 * (os.cpu_count() or 1)  # what deploy/gunicorn.conf.py runs by default


def demo_config(workdir: Path, *, frozen: bool = False, **changes) -> Path:
    """The shipped configuration in the demo edition with state in `workdir`. `frozen`: every
    dataset fetched once at start and then not again for an hour (and never stale meanwhile),
    so what the benchmark measures does not move under it."""
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config.update(edition="demo", state_dir=str(workdir / "state"), **changes)
    config["cache"]["dir"] = str(workdir / "cache")
    if frozen:
        for dataset in config["datasets"].values():
            dataset.update(refresh_s=3600, stale_after_s=7200)
        config["alerts"]["rules"] = [r for r in config["alerts"]["rules"] if r["kind"] != "stale"]
    path = workdir / "wallboard.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def start_board(workdir: Path, config: Path, *, workers: int = WORKERS) -> AppInstance:
    """The board and the floors (bench.floorapp) under deploy/gunicorn.conf.py, every dataset
    fetched once."""
    app = AppInstance(
        "board",
        config,
        workdir / "app",
        workers=workers,
        target="bench.floorapp:server",
        env={"WALLBOARD_ADMIN_TOKEN": ADMIN_TOKEN},
    ).start()
    app.wait_healthy()
    if not wait_until(lambda: all_fetched(app.url), 60, 0.5):
        app.stop()
        raise RuntimeError("the demo board did not fetch every dataset")
    time.sleep(0.5)
    return app


def all_fetched(url: str) -> bool:
    """Every dataset has been fetched at least once."""
    datasets = requests.get(f"{url}/api/status", timeout=5).json()["datasets"]
    return all(d["fetch_count"] >= 1 for d in datasets.values())


def enabled_scenes(config: Path) -> list[tuple[str, dict]]:
    """(name, scene) of the enabled scenes, in carousel order."""
    scenes = yaml.safe_load(config.read_text())["scenes"]
    chosen = [(n, s) for n, s in scenes.items() if s.get("enabled", True)]
    return sorted(chosen, key=lambda pair: pair[1].get("order", 0))
