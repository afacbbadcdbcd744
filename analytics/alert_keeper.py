"""Alerting at run time: rules evaluated after every refresh, state shared through the cache,
new alerts posted to a webhook (Slack-compatible JSON) when its URL is in the environment.

The rules themselves are pure (analytics.alert_rules); this module only keeps their state where
every worker sees it and does the one outgoing call, in a thread, with a timeout.

Only a process that refreshes evaluates (the keeper is the refresher's `after_refresh`, wired by
engine.build.build_engine); web workers that only read call `active()`, which never posts.
Evaluation reads, updates and writes the shared state under `exclusive` (host file lock, and
with Redis a fleet lock), so a new alert is notified once per episode for the whole fleet even
when two processes refresh at the same moment.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

import requests

from analytics.alert_rules import Alert, AlertState, active, evaluate, webhook_payload
from config.schema import Settings
from engine.leadership import process_only
from engine.store import SnapshotStore
from providers.models import Snapshot

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_S = 5


class AlertKeeper:
    """Evaluates the alert rules and keeps their state in the shared cache."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        store: SnapshotStore,
        clock: Callable[[], datetime],
        post: Callable[..., object] = requests.post,
        exclusive: Callable[[], AbstractContextManager[bool]] = process_only,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.post = post
        self.exclusive = exclusive
        self.key = store.alerts_key
        self._lock = threading.Lock()

    def state(self) -> AlertState:
        """The shared alert state (empty when there is none yet or the cache is down); state
        stored by an older release loads too, a field it lacks taking its default
        (AlertState.restored)."""
        try:
            value = self.store.cache.get(self.key)
        except Exception:
            value = None
        return AlertState.restored(value)

    def after_refresh(self, _dataset: str, _snapshot: Snapshot) -> None:
        """Re-evaluate every rule on the current snapshots; notify what is new."""
        settings = self.settings()
        if not settings.alerts.rules:
            return
        with self._lock, self.exclusive() as held:
            if not held:  # another process is evaluating; the next refresh evaluates again
                return
            snapshots = {name: self.store.read(name) for name in settings.datasets}
            state, notify = evaluate(settings, snapshots, self.clock(), self.state())
            self.store.cache.set(self.key, state, timeout=0)
        if notify:
            self._notify(settings, notify)

    def active(self) -> list[Alert]:
        """Alerts to show now, newest first."""
        return active(self.state(), self.settings(), self.clock())

    def _notify(self, settings: Settings, alerts: list[Alert]) -> None:
        url = os.environ.get(settings.alerts.webhook_env, "")
        if not url.startswith(("https://", "http://")):
            return
        payload = webhook_payload(alerts, settings.edition.value)

        def send() -> None:
            try:
                self.post(url, json=payload, timeout=WEBHOOK_TIMEOUT_S)
            except Exception as exc:  # never the URL: it is a secret
                log.warning("alert webhook failed: %s", type(exc).__name__)

        threading.Thread(target=send, name="alert-webhook", daemon=True).start()
