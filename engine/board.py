"""The read side the web layer uses: snapshots as of now, and the status of every dataset.

One `Board` per app (web/boards.py keeps it in the Flask app for pages and endpoints). Nothing
here fetches from an upstream: it reads the store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analytics.alert_keeper import AlertKeeper
from config.schema import Dataset, Settings
from engine.control import ControlDesk
from engine.freshness import assess
from engine.leadership import process_only
from engine.lookups import Lookup, LookupDesk, LookupResult
from engine.refresher import Refresher, utc_now
from engine.screens import ScreenRegistry
from engine.store import SnapshotStore
from providers.models import Snapshot


@dataclass
class Board:
    """Settings, the snapshot store and (in a serving process) the refresher."""

    settings: Settings
    store: SnapshotStore
    refresher: Refresher | None = None
    clock: Callable[[], datetime] = utc_now
    start_problems: list[str] = field(default_factory=list)
    alerts: AlertKeeper | None = None  # built with the engine (engine.build.build_engine)
    warming: threading.Thread | None = None  # building market calendars at start
    # The fleet-wide lock the operators' actions are written under (engine.build.build_engine).
    control_lock: Callable[[], AbstractContextManager[bool]] = process_only

    # dataset -> the last assessment: (stored snapshot, its dataset's config, second, result)
    _assessed: dict[str, tuple[Snapshot, Dataset, int, Snapshot]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def snapshot(self, dataset: str, now: datetime | None = None) -> Snapshot:
        """A dataset's snapshot with its status and reason as of now (or `now`), as decided by
        engine.freshness.shown: what every badge, tile, page and endpoint shows.

        Assessed once per second of the clock while the stored snapshot and its configuration
        stay the same objects (the store returns the one it holds until a new write): every
        callback of every screen reads the same few snapshots, and the history's assessment
        alone is half a millisecond. A status can so turn stale up to a second late, never
        early; the ages shown are worked out from the data's own time where they are drawn.
        """
        config = self.settings.datasets[dataset]
        stored = self.store.read(dataset)
        when = now or self.clock()
        second = int(when.timestamp())
        kept = self._assessed.get(dataset)
        if kept is not None and kept[0] is stored and kept[1] is config and kept[2] == second:
            return kept[3]
        decided = assess(stored, config, when)
        self._assessed[dataset] = (stored, config, second, decided)
        return decided

    def dataset_status(self, dataset: str, now: datetime | None = None) -> dict[str, Any]:
        """The operator's view of one dataset (what /api/status lists)."""
        now = now or self.clock()
        stored = self.store.read(dataset)
        config = self.settings.datasets[dataset]
        snap = assess(stored, config, now)
        return {
            "status": snap.status.value,
            "source": snap.source,
            "as_of": _iso(snap.as_of),  # its oldest instrument's time (news: newest headline)
            "fetched_at": _iso(snap.fetched_at),
            "age_s": None if snap.as_of is None else round(snap.age_s(now) or 0.0, 1),
            "failures": snap.failures,
            "error": snap.error,  # the staleness and the fetch's own error, together
            "fetch_error": stored.error,  # the fetch's own words, as the refresher wrote them
            "instruments": {
                name: {
                    "status": state.status.value,
                    "as_of": _iso(state.as_of),
                    "age_s": None if state.as_of is None else round(state.age_s(now) or 0.0, 1),
                    "source": state.source,
                    "reason": state.reason,
                }
                for name, state in snap.states.items()
            },
            "records": len(snap.records),
            "fetch_count": snap.fetch_count,
            "attempted_at": _iso(snap.attempted_at),
            "refreshed_by": snap.refreshed_by,
            "refresh_s": config.refresh_s,
            "stale_after_s": config.stale_after_s,
            "chain": self.settings.chain(dataset),
            "streams": self.settings.streams(dataset),
            "stream": snap.stream,  # the stream moving its prices now, None while polled only
            "stream_note": snap.stream_note,
            "findings": [f.model_dump() for f in snap.findings],
            "recent_failures": [e.model_dump(mode="json") for e in snap.failure_log],
        }

    @property
    def lookups(self) -> LookupDesk:
        """The on-demand history requests and results, in the shared cache (engine.lookups)."""
        return LookupDesk(self.store.cache, self.store.namespace, self.settings.lookups, self.clock)

    def ask_lookup(self, lookup: Lookup, screen: str) -> LookupResult:
        """Record that `screen` wants `lookup` now and return its current result ("fetching"
        until the leading refresher wrote one). Cheap, and never calls an upstream: the
        refresher's lookup worker does. LookupRefused for a bad screen id or beyond the caps."""
        return self.lookups.ask(lookup, screen)

    def lookup_result(self, lookup: Lookup) -> LookupResult | None:
        """A lookup's result as last written, without asking for it; None when there is none."""
        return self.lookups.result(lookup)

    @property
    def screens(self) -> ScreenRegistry:
        """Every screen as it last reported, in the shared cache (engine.screens)."""
        return ScreenRegistry(
            self.store.cache, self.store.namespace, self.settings.screens, self.clock
        )

    @property
    def control(self) -> ControlDesk:
        """The operators' actions in force and their audit log (engine.control)."""
        return ControlDesk(
            self.store.cache, self.store.namespace, self.settings, self.clock, self.control_lock
        )

    def provider_health(self) -> dict[str, Any]:
        """The session state of providers that keep one (the Wind terminal), in this process."""
        providers = self.refresher.providers if self.refresher is not None else {}
        return {
            name: provider.health()
            for name, provider in providers.items()
            if callable(getattr(provider, "health", None))
        }

    def refresher_status(self, now: datetime) -> dict[str, Any]:
        """This process's role, and who leads (from the leader's heartbeat in the cache)."""
        refresher = self.refresher
        beat = self.store.read_heartbeat() or {}
        at = beat.get("at")
        return {
            "identity": refresher.identity if refresher else None,
            "role": refresher.role if refresher else None,
            "leading": bool(refresher and refresher.leading),
            "leader": beat.get("identity"),
            "leader_role": beat.get("role"),
            "warnings": list(beat.get("warnings") or []),  # e.g. Wind's quote clock
            "heartbeat_age_s": round((now - at).total_seconds(), 1)
            if isinstance(at, datetime)
            else None,
        }

    def streams_status(self, now: datetime) -> dict[str, Any]:
        """The leader's streams (engine.stream_hub), as its hub last wrote them to the cache:
        per stream its state and counters and the leader holding it, and when that was said."""
        said = self.store.read_streams()
        if not said:
            return {
                "leader": None,
                "said_age_s": None,
                "streams": {},
                "datasets": {},
                "tick_to_cache": {},
            }
        at = said.get("at")
        streams = {
            name: {k: _iso(v) if isinstance(v, datetime) else v for k, v in row.items()}
            for name, row in said.get("streams", {}).items()
        }
        return {
            "leader": said.get("leader"),
            "running": said.get("running"),
            "said_age_s": round((now - at).total_seconds(), 1)
            if isinstance(at, datetime)
            else None,
            "streams": streams,
            "datasets": said.get("datasets", {}),
            "tick_to_cache": said.get("tick_to_cache", {}),
        }

    def status(self) -> dict[str, Any]:
        """Edition, refresher and every dataset's status, as JSON-ready data."""
        now = self.clock()
        return {
            "edition": self.settings.edition.value,
            "now": _iso(now),
            "refresher": self.refresher_status(now),
            "cache": self.store.health(),
            "streams": self.streams_status(now),
            "problems": self.start_problems,
            "providers": self.provider_health(),
            "wind_unmapped": self.settings.wind_unmapped()
            if self.settings.edition.value == "wind"
            else [],
            "alerts": [a.model_dump(mode="json") for a in self.alerts.active()]
            if self.alerts is not None
            else [],
            "screens": self.screens.summary(now),
            "screen_alerts": [a.model_dump(mode="json") for a in self.alerts.screen_alerts()]
            if self.alerts is not None
            else [],
            "datasets": {name: self.dataset_status(name, now) for name in self.settings.datasets},
            "lookups": self.lookups.status(),
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
