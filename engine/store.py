"""Where snapshots live: the shared cache (read by every callback) and the last-good files on disk.

The cache is a cachelib backend: FileSystemCache by default, shared by all gunicorn
workers on a host; with REDIS_URL, a FleetCache (Redis shared by every host, with a host-local
copy: see engine.shared_cache). Keys are namespaced by edition, so demo data can never be read
by the open edition. Last-good snapshots are also written to disk atomically (temp file +
rename) and loaded at start, so a restarted board shows its last values at once.

Each snapshot has a stamp beside it (a new random value per write, written after the snapshot),
and each process keeps the last snapshot it read with the stamp it saw before reading it. A
read whose stamp is unchanged returns that snapshot without unpickling it again: the history
snapshot (a thousand bars) costs milliseconds to unpickle and is read on every technicals tick.
Because the stamp is written after its snapshot, a reader that sees a new stamp reads a snapshot
at least that new; a kept snapshot is re-read after MEMO_MAX_AGE_S whatever the stamp says, so
a writer that skipped the stamp (another release of the board on the same cache) is seen soon,
and until then the screen shows an older snapshot with its own, older time, never a newer one.

Two contracts say what the store calls: `CacheBackend` on any cache (what cachelib's
backends have), and `Fleet` on a cache shared by a fleet (its health, and copying between the
shared cache and this host). Whoever builds the store says which it has (`fleet=`, see
engine.build); a cache on one host alone gets `HostOnly`: never degraded, nothing to copy.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from engine.metrics import CACHE_READS
from providers.models import Snapshot

log = logging.getLogger(__name__)

MEMO_MAX_AGE_S = 10.0


class CacheBackend(Protocol):
    """What the store (and a scene's memo of rendered bodies) calls on any cache: the part of a
    cachelib backend in use (FileSystemCache, SimpleCache, FleetCache)."""

    def get(self, key: str) -> Any: ...
    def set(self, key: str, value: Any, timeout: int | None = None) -> Any: ...
    def add(self, key: str, value: Any, timeout: int | None = None) -> Any: ...


class Fleet(Protocol):
    """What the store calls on a cache shared by a fleet (engine.shared_cache.FleetCache)."""

    def health(self) -> dict[str, Any]:
        """{"backend", "state" ("ok" or "degraded"), "since" (ISO time or None), "error"}."""
        ...

    def mirror(self, keys: list[str]) -> dict[str, Any]:
        """Copy the shared values of `keys` to this host; returns what was copied."""
        ...

    def reseed(self, keys: list[str]) -> list[str]:
        """Give the shared cache this host's values it lacks; returns the keys written."""
        ...


class HostOnly:
    """The `Fleet` side of a cache on one host alone (FileSystemCache, SimpleCache): it is never
    degraded, and there is no shared copy to mirror from or reseed."""

    def __init__(self, cache: CacheBackend) -> None:
        self.backend = type(cache).__name__

    def health(self) -> dict[str, Any]:
        """Always ok, named after the backend class."""
        return {"backend": self.backend, "state": "ok", "since": None, "error": None}

    def mirror(self, keys: list[str]) -> dict[str, Any]:
        """Nothing to copy: this host's cache is the only one."""
        return {}

    def reseed(self, keys: list[str]) -> list[str]:
        """Nothing to give back: there is no shared cache."""
        return []


class SnapshotStore:
    """Reads and writes snapshots by dataset name; never does network I/O to an upstream.

    `fleet`: the cache's fleet side when it is shared by a fleet (usually the cache itself, a
    FleetCache); None for a cache on one host alone.
    """

    def __init__(
        self,
        cache: CacheBackend,
        *,
        namespace: str,
        persist_dir: Path | None,
        fleet: Fleet | None = None,
    ) -> None:
        self.cache = cache
        self.fleet: Fleet = HostOnly(cache) if fleet is None else fleet
        self.namespace = namespace
        self.persist_dir = persist_dir
        self._mirrored: dict[str, Any] = {}  # dataset -> fetched_at of the copy last persisted
        # dataset -> (stamp seen before the read, the snapshot read, monotonic time of the read)
        self._kept: dict[str, tuple[str, Snapshot, float]] = {}

    def key(self, dataset: str) -> str:
        """The cache key of a dataset's snapshot."""
        return f"wallboard:{self.namespace}:snapshot:{dataset}"

    def stamp_key(self, dataset: str) -> str:
        """The cache key of the stamp that changes with every write of a dataset's snapshot."""
        return f"wallboard:{self.namespace}:stamp:{dataset}"

    def snapshot_keys(self, datasets: list[str]) -> list[str]:
        """The datasets' snapshot keys, each followed by its stamp's: the order a copy must
        keep, like a write (see the module's docstring)."""
        return [key for d in datasets for key in (self.key(d), self.stamp_key(d))]

    @property
    def heartbeat_key(self) -> str:
        """Where the leading refresher says who it is and when it last looked."""
        return f"wallboard:{self.namespace}:refresher"

    @property
    def streams_key(self) -> str:
        """Where the leader's stream hub says how its streams are (engine.stream_hub)."""
        return f"wallboard:{self.namespace}:streams"

    @property
    def alerts_key(self) -> str:
        """Where the alert state lives (analytics.alert_keeper)."""
        return f"wallboard:{self.namespace}:alerts"

    def health(self) -> dict[str, Any]:
        """The cache backend and whether it is degraded (only a shared cache can be)."""
        return self.fleet.health()

    def write_heartbeat(self, beat: dict[str, Any]) -> None:
        """The leader's heartbeat (identity, role, time), for the status page."""
        self.cache.set(self.heartbeat_key, beat, timeout=0)

    def read_heartbeat(self) -> dict[str, Any] | None:
        """The last heartbeat of whichever process leads, or None."""
        try:
            beat = self.cache.get(self.heartbeat_key)
        except Exception:
            return None
        return beat if isinstance(beat, dict) else None

    def write_streams(self, status: dict[str, Any]) -> None:
        """The stream hub's status (engine.stream_hub.StreamHub.status), for every worker."""
        self.cache.set(self.streams_key, status, timeout=0)

    def read_streams(self) -> dict[str, Any] | None:
        """The last stream status the leading hub wrote, or None."""
        try:
            status = self.cache.get(self.streams_key)
        except Exception:
            return None
        return status if isinstance(status, dict) else None

    def mirror(self, datasets: list[str]) -> int:
        """Copy the shared snapshots to this host (local cache and last-good files), so a Redis
        outage or a restart finds recent values here. No-op for a host-only cache."""
        copied = self.fleet.mirror([*self.snapshot_keys(datasets), self.alerts_key])
        persisted = 0
        for dataset in datasets:
            snapshot = copied.get(self.key(dataset))
            if not isinstance(snapshot, Snapshot) or not snapshot.records:
                continue
            if self._mirrored.get(dataset) == snapshot.fetched_at:
                continue
            if self.persist_dir is not None:
                self._persist(snapshot)
            self._mirrored[dataset] = snapshot.fetched_at
            persisted += 1
        return persisted

    def reseed(self, datasets: list[str]) -> list[str]:
        """Give a shared cache that lost its data (Redis restarted empty) this host's copies."""
        return self.fleet.reseed(
            [*self.snapshot_keys(datasets), self.alerts_key, self.heartbeat_key]
        )

    def read(self, dataset: str) -> Snapshot:
        """The current snapshot of a dataset, or a pending one when nothing is held yet."""
        try:
            stamp = self.cache.get(self.stamp_key(dataset))
            kept = self._kept.get(dataset)
            if (
                isinstance(stamp, str)
                and kept is not None
                and kept[0] == stamp
                and time.monotonic() - kept[2] < MEMO_MAX_AGE_S
            ):
                CACHE_READS.labels("hit").inc()
                return kept[1]
            value = self.cache.get(self.key(dataset))
        except Exception as exc:  # a cache outage must not take a page down
            log.warning("cache read failed for %s: %s", dataset, exc.__class__.__name__)
            value = None
            stamp = None
        if isinstance(value, Snapshot):
            CACHE_READS.labels("hit").inc()
            if isinstance(stamp, str):
                self._kept[dataset] = (stamp, value, time.monotonic())
            else:
                self._kept.pop(dataset, None)
            return value
        CACHE_READS.labels("miss").inc()
        return Snapshot.pending(dataset)

    def write(self, snapshot: Snapshot, *, persist: bool) -> None:
        """Publish a snapshot to every reader; with `persist`, also keep it on disk as last good."""
        self._publish(snapshot)
        if persist and self.persist_dir is not None:
            self._persist(snapshot)

    def _publish(self, snapshot: Snapshot) -> None:
        # The snapshot, then its stamp: never a new stamp beside an older snapshot.
        self.cache.set(self.key(snapshot.dataset), snapshot, timeout=0)
        self.cache.set(self.stamp_key(snapshot.dataset), uuid.uuid4().hex, timeout=0)

    def _file(self, dataset: str) -> Path:
        assert self.persist_dir is not None
        return self.persist_dir / self.namespace / f"{dataset}.json"

    def _persist(self, snapshot: Snapshot) -> None:
        path = self._file(snapshot.dataset)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(snapshot.model_dump_json())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load_persisted(self, datasets: list[str]) -> list[str]:
        """Seed the cache with last-good snapshots from disk (keeping newer cached ones).

        Returns one problem line per file that could not be used; a bad file is never fatal.
        """
        problems: list[str] = []
        if self.persist_dir is None:
            return problems
        for dataset in datasets:
            path = self._file(dataset)
            if not path.exists():
                continue
            try:
                snapshot = Snapshot.model_validate_json(path.read_bytes())
                if snapshot.dataset != dataset:
                    raise ValueError(f"holds dataset {snapshot.dataset!r}")
            except (OSError, ValueError, ValidationError) as exc:
                first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
                problems.append(f"{path}: ignored, not a valid snapshot ({first})")
                continue
            current = self.read(dataset)
            if current.fetched_at is None or (
                snapshot.fetched_at is not None and snapshot.fetched_at > current.fetched_at
            ):
                self._publish(snapshot)
        for line in problems:
            log.warning("%s", line)
        return problems
