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
from typing import TYPE_CHECKING

import requests

from analytics.alert_rules import (
    SCREEN_KIND,
    Alert,
    AlertState,
    active,
    evaluate,
    screen_alert,
    webhook_payload,
)
from config.schema import Settings
from engine.leadership import process_only
from engine.store import SnapshotStore
from providers.models import Snapshot

if TYPE_CHECKING:
    from engine.screens import ScreenEntry

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
        """Market alerts to show now, newest first (a dark screen's are `screen_alerts`)."""
        return active(self.state(), self.settings(), self.clock())

    def screen_alerts(self) -> list[Alert]:
        """The dark screens' alerts, longest dark first (the status scene, /api/status)."""
        found = [a for a in self.state().alerts.values() if a.kind == SCREEN_KIND]
        return sorted(found, key=lambda a: (a.raised_at, a.key))

    def screens_dark(self, dark: list[tuple[ScreenEntry, datetime]], now: datetime) -> list[Alert]:
        """Make the `screen` alerts those of the screens dark now (each with when it went
        dark): a screen newly dark raises one and it is posted to the webhook; one dark already
        keeps its episode; one back live ends it. Writes only on a change. Returns the new."""
        wanted = {f"{SCREEN_KIND}:{entry.id}": (entry, since) for entry, since in dark}
        settings = self.settings()
        with self._lock, self.exclusive() as held:
            if not held:  # the next look tries again
                return []
            state = self.state()
            kept = {
                key: alert
                for key, alert in state.alerts.items()
                if alert.kind != SCREEN_KIND or key in wanted
            }
            new = [
                screen_alert(entry, since, now)
                for key, (entry, since) in wanted.items()
                if key not in kept
            ]
            if not new and len(kept) == len(state.alerts):
                return []
            kept.update({alert.key: alert for alert in new})
            self.store.cache.set(
                self.key, AlertState(alerts=kept, notified=state.notified), timeout=0
            )
        if new:
            self._notify(settings, new)
        return new

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
