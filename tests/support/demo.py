"""The demo edition as the load runs and the benchmarks start it: its configuration (with state in
a work dir), its enabled scenes, and whether every dataset has been fetched."""

from __future__ import annotations

import os
from pathlib import Path

import requests
import yaml

from tests.support.configs import shipped_config

WORKERS = 2 * (os.cpu_count() or 1)  # what deploy/gunicorn.conf.py runs by default


def demo_config(workdir: Path, *, frozen: bool = False, **changes) -> Path:
    """The shipped configuration in the demo edition with state in `workdir`. `frozen`: every
    dataset fetched once at start and then not again for an hour (and never stale meanwhile),
    so what the benchmark measures does not move under it (nor does the demo stream)."""
    config = shipped_config()
    config.update(edition="demo", state_dir=str(workdir / "state"), **changes)
    config["cache"]["dir"] = str(workdir / "cache")
    if frozen:
        for dataset in config["datasets"].values():
            dataset.update(refresh_s=3600, stale_after_s=7200)
            dataset.pop("streams", None)  # the demo stream would move the prices measured
        config["alerts"]["rules"] = [r for r in config["alerts"]["rules"] if r["kind"] != "stale"]
    path = workdir / "wallboard.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def all_fetched(url: str) -> bool:
    """Every dataset has been fetched at least once."""
    datasets = requests.get(f"{url}/api/status", timeout=5).json()["datasets"]
    return all(d["fetch_count"] >= 1 for d in datasets.values())


def enabled_scenes(config: Path) -> list[tuple[str, dict]]:
    """(name, scene) of the enabled scenes, in carousel order."""
    scenes = yaml.safe_load(config.read_text())["scenes"]
    chosen = [(n, s) for n, s in scenes.items() if s.get("enabled", True)]
    return sorted(chosen, key=lambda pair: pair[1].get("order", 0))


def refreshed_demo_app(workdir: Path):
    """The shipped demo edition as an app with its state in `workdir` and every dataset
    refreshed once (no background refresher): for module-scoped fixtures, which cannot use the
    function-scoped `make_settings`."""
    from app import create_app  # the app only when asked: the load and bench import this module
    from config import Settings, load_settings

    raw = load_settings(env={"WALLBOARD_EDITION": "demo"}).model_dump()
    raw["state_dir"] = str(workdir / "state")
    raw["cache"]["dir"] = str(workdir / "cache")
    app = create_app(Settings.model_validate(raw), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in board.settings.datasets:
        assert board.refresher.refresh(name).records, name
    return app


def quiet_scenes(config: Path, duration_s: float) -> list[str]:
    """The enabled scenes whose data holds still for `duration_s` in the demo edition: each
    shows datasets that do not stream there and are refreshed at most once in that time."""
    datasets = yaml.safe_load(config.read_text())["datasets"]

    def still(name: str) -> bool:
        dataset = datasets[name]
        return "demo" not in dataset.get("streams", {}) and dataset["refresh_s"] > duration_s

    return [
        name
        for name, scene in enabled_scenes(config)
        if scene.get("datasets") and all(still(d) for d in scene["datasets"])
    ]
