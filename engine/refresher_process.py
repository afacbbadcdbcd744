"""The refresher as a process of its own: `python -m engine.refresher_process`.

deploy/gunicorn.conf.py starts one per host next to the web workers (which then only read), so
the refresher runs once per host rather than once per worker, and a worker restart never
interrupts fetching. It is built by the same builder as the web app
(engine.build.build_engine: the same configuration checks, the same keys and locks, and the
alert rules evaluated after every refresh, new alerts posted to the webhook from here). It leads
the fleet through the same locks as in-worker refreshers (see engine.leadership). It stops on
SIGTERM/SIGINT, and by itself when the gunicorn master that started it is gone (even after a
SIGKILL), so no orphan keeps fetching.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable

from config import ConfigError, load_settings, secrets_of
from engine.build import build_engine
from web.logs import configure_json_logging

log = logging.getLogger("wallboard.refresher")

PARENT_POLL_S = 1.0


def main(*, parent_alive: Callable[[], bool] | None = None) -> int:
    """Run the refresher until told to stop; 2 for an unusable configuration."""
    try:
        settings = load_settings()
        configure_json_logging(secrets_of(settings))
        engine = build_engine(settings)
    except ConfigError as exc:
        print(f"wallboard refresher: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    parent = os.getppid()
    alive = parent_alive or (lambda: os.getppid() == parent)

    engine.refresher.start()
    log.info("refresher process %s started", engine.refresher.identity)
    while not stop.wait(PARENT_POLL_S):
        if not alive():
            log.warning("the process that started the refresher is gone; stopping")
            break
    # Leadership is released at once, so another refresher can lead without waiting for the
    # lock to expire; fetches still running are abandoned (see __main__).
    engine.refresher.stop(wait=False)
    log.info("refresher process %s stopped", engine.refresher.identity)
    return 0


if __name__ == "__main__":
    code = main()
    logging.shutdown()
    # Not SystemExit: that would wait for abandoned fetches (up to their deadlines) to finish.
    os._exit(code)
