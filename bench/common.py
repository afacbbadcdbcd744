"""What the benchmarks share: a demo board under gunicorn with the floor routes (its
configuration, scenes and readiness come from tests/support/demo.py)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.demo import WORKERS, all_fetched
from tests.support.services import AppInstance, wait_until

ADMIN_TOKEN = "bench-admin-token-0123456789"


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
