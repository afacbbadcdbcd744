"""The screen watch: the leading refresher's thread that watches the floor and carries out the
console's forced refreshes.

About once a second (a tenth of `screens.dark_after_s` at most) it reads the registry
(engine.screens): a screen that went dark raises a `screen` alert, once per episode, posted to
the webhook (analytics.alert_keeper.screens_dark); a screen back live ends its episode. It also
reads the operators' actions (engine.control) and refreshes each dataset a forced refresh asked
for, once, on its own thread, as any refresh runs (deadline, chain, rate limit). It runs only
while its refresher leads, so the fleet raises each alert and runs each refresh once.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from analytics.alert_keeper import AlertKeeper
from engine.control import ControlDesk
from engine.screens import ScreenRegistry

if TYPE_CHECKING:
    from engine.refresher import Refresher

log = logging.getLogger(__name__)

MAX_POLL_S = 1.0
# A forced refresh asked for longer ago than this when a refresher takes the lead was the
# previous leader's to run: it is not run again.
INHERITED_S = 30.0


class ScreenWatch:
    """Dark-screen alerts and forced refreshes, while its refresher leads (`start` / `stop`)."""

    def __init__(self, refresher: Refresher, alerts: AlertKeeper) -> None:
        self.refresher = refresher
        self.alerts = alerts
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = threading.Lock()
        self._done: set[str] = set()  # forced refreshes run (or inherited) by this leader

    @property
    def registry(self) -> ScreenRegistry:
        """The registry as the current settings say."""
        store, settings = self.refresher.store, self.refresher.settings
        return ScreenRegistry(store.cache, store.namespace, settings.screens, self.refresher.clock)

    @property
    def desk(self) -> ControlDesk:
        """The operators' actions (read only here)."""
        store, settings = self.refresher.store, self.refresher.settings
        return ControlDesk(store.cache, store.namespace, settings, self.refresher.clock)

    def start(self) -> None:
        """Start watching (idempotent)."""
        with self._state:
            if self._thread is not None:
                return
            now = self.refresher.clock()
            inherited = now - timedelta(seconds=INHERITED_S)
            self._done = {r.id for r in self.desk.state(now).refreshes if r.at < inherited}
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._loop, args=(self._stop,), name="screen-watch", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        with self._state:
            thread, self._thread = self._thread, None
            self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll()
            except Exception:  # a cache hiccup must not end the watch
                log.exception("screen watch failed")
            stop.wait(min(MAX_POLL_S, self.refresher.settings.screens.dark_after_s / 10))

    def poll(self) -> tuple[list[str], list[str]]:
        """One look: the screens newly dark (alerted) and the forced refreshes started."""
        now = self.refresher.clock()
        registry = self.registry
        dark = [
            (entry, since)
            for entry in registry.entries(now)
            if (since := registry.dark_since(entry, now)) is not None
        ]
        raised = self.alerts.screens_dark(dark, now)
        started = []
        for request in self.desk.state(now).refreshes:
            if request.id in self._done or request.subject not in self.refresher.settings.datasets:
                continue
            self._done.add(request.id)
            started.append(request.subject)
            threading.Thread(
                target=self._refresh, args=(request.subject,), name="forced-refresh", daemon=True
            ).start()
        return [a.symbol or "" for a in raised], started

    def _refresh(self, dataset: str) -> None:
        try:
            self.refresher.refresh(dataset)
            log.info("forced refresh of %s done", dataset)
        except Exception:
            log.exception("forced refresh of %s failed", dataset)
