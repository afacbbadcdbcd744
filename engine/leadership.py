"""Who runs the refresher: one process per host, and with Redis one process for the whole fleet.

Every refresher polls its leadership. On one host an exclusive file lock picks the process that
speaks for the host (the OS drops it when that process dies). With Redis, the host's process
then contends for a Redis lock with an expiry, renewed while it lives: the holder fetches for
every host, the others follow (mirror Redis to a host-local copy for outages). If the leader
dies its lock expires within `ttl_s` and a follower takes over. If Redis is unreachable, each
host's process leads for its own host until Redis answers again: the board keeps refreshing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from filelock import FileLock, Timeout
from redis.exceptions import LockError

from engine.shared_cache import CacheUnavailable, FleetCache

log = logging.getLogger(__name__)


class FileLeadership:
    """Leadership by an exclusive, non-blocking file lock (one leader per host)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # thread_local=False: the lock belongs to the process, whichever thread polls it.
        self._lock = FileLock(str(path), timeout=0, thread_local=False)
        self.role = "standby"

    def acquire(self) -> bool:
        """True when this process leads (taking the lock if it is free)."""
        if not self._lock.is_locked:
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                self.role = "standby"
                return False
        self.role = "leader"
        return True

    def release(self) -> None:
        """Give up leadership (at shutdown)."""
        if self._lock.is_locked:
            self._lock.release(force=True)
        self.role = "standby"


class AlwaysLeader:
    """Leadership for a single process that needs no lock (tests, one-off tools)."""

    role = "leader"

    def acquire(self) -> bool:
        """Always leads."""
        return True

    def release(self) -> None:
        """Nothing to release."""


class RedisLock:
    """A Redis lock with an expiry, held across threads and renewed by its holder."""

    def __init__(
        self,
        cache: FleetCache,
        name: str,
        ttl_s: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self.name = name
        self.ttl_s = ttl_s
        self.monotonic = monotonic
        self._lock = cache.client.lock(name, timeout=ttl_s, blocking=False, thread_local=False)
        self.held = False
        self._renewed = 0.0

    def acquire(self) -> bool:
        """Take the lock if it is free, or renew it if held; CacheUnavailable when Redis is down.

        Renewal resets the expiry at a third of it, so a live holder never lets it lapse."""
        if self.held:
            if self.monotonic() - self._renewed < self.ttl_s / 3 and self.cache.down_since is None:
                return True
            try:
                self.cache.shared_call(self._lock.reacquire)
            except LockError:  # it expired and someone else holds it now
                log.warning("lost the lock %s", self.name)
                self.held = False
                return False
            self._renewed = self.monotonic()
            return True
        self.held = bool(self.cache.shared_call(self._lock.acquire, blocking=False))
        if self.held:
            self._renewed = self.monotonic()
        return self.held

    def forget(self) -> None:
        """Stop believing we hold it (Redis was unreachable: it may expire meanwhile)."""
        self.held = False

    def release(self) -> None:
        """Release it if held (at shutdown); a lock already lost or a Redis down is fine."""
        if not self.held:
            return
        self.held = False
        with suppress(LockError, CacheUnavailable):
            self.cache.shared_call(self._lock.release)


class FleetLeadership:
    """One process per host (file lock), then one host for the fleet (Redis lock with expiry).

    `role` says what this process does: "leader" (fetches for the fleet), "follower" (another
    host leads; mirror), "host leader (cache degraded)" (Redis unreachable: fetch for this host),
    or "standby" (another process on this host speaks for it)."""

    def __init__(self, host: FileLeadership, fleet: RedisLock) -> None:
        self.host = host
        self.fleet = fleet
        self.role = "standby"

    @property
    def mirrors(self) -> bool:
        """Whether this process should copy the fleet's snapshots to its host."""
        return self.role == "follower"

    def acquire(self) -> bool:
        """True when this process should fetch."""
        if not self.host.acquire():
            self.role = "standby"
            return False
        try:
            leads = self.fleet.acquire()
        except CacheUnavailable:
            self.fleet.forget()
            self.role = "host leader (cache degraded)"
            return True
        self.role = "leader" if leads else "follower"
        return leads

    def release(self) -> None:
        """Give up both locks (at shutdown), so a follower takes over without waiting."""
        self.fleet.release()
        self.host.release()
        self.role = "standby"


class RedisFlight:
    """Single flight per dataset across the fleet: whoever refreshes a dataset holds its lock;
    anyone else asking meanwhile (an admin refresh on another host) waits and shares the result.
    A cache (cachelib) has no such lock, hence this one."""

    def __init__(self, cache: FleetCache, namespace: str, *, poll_s: float = 0.05) -> None:
        self.cache = cache
        self.namespace = namespace
        self.poll_s = poll_s

    @contextmanager
    def __call__(self, dataset: str, ttl_s: float) -> Iterator[bool]:
        """Yields True when the caller should refresh, False when another process just did."""
        lock = self.cache.client.lock(
            f"wallboard:{self.namespace}:refreshing:{dataset}",
            timeout=ttl_s,
            blocking=False,
            thread_local=False,
        )
        try:
            ours = bool(self.cache.shared_call(lock.acquire, blocking=False))
        except CacheUnavailable:  # Redis down: single flight within the process only
            yield True
            return
        if not ours:
            self._wait_for(lock, ttl_s)
            yield False
            return
        try:
            yield True
        finally:
            with suppress(LockError, CacheUnavailable):
                self.cache.shared_call(lock.release)

    def _wait_for(self, lock, ttl_s: float) -> None:
        deadline = time.monotonic() + ttl_s
        while time.monotonic() < deadline:
            try:
                if not self.cache.shared_call(lock.locked):
                    return
            except CacheUnavailable:
                return
            time.sleep(self.poll_s)


@contextmanager
def local_flight(_dataset: str, _ttl_s: float) -> Iterator[bool]:
    """Single flight without Redis: the process's own per-dataset lock is enough."""
    yield True


class Exclusive:
    """One holder at a time on this host (a file lock) and, with Redis, in the whole fleet (a
    Redis lock with an expiry): what the alert keeper evaluates under, so two processes that
    refresh at once (the refresher and a forced refresh in a web worker, or two hosts at a
    leader change) never both notify the same alert. Call it: a context manager yielding
    whether it is held; False after `wait_s` without it (the caller skips its turn). With Redis
    unreachable, the host's lock alone is taken (each host acts for itself, as in refreshing).
    """

    def __init__(
        self,
        path: Path,
        *,
        fleet: FleetCache | None = None,
        name: str = "",
        wait_s: float = 5.0,
        ttl_s: float = 30.0,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fleet = fleet
        self.name = name
        self.wait_s = wait_s
        self.ttl_s = ttl_s

    @contextmanager
    def __call__(self) -> Iterator[bool]:
        """Hold the lock for the body of a `with`; yields False when it could not be had."""
        # A lock object per use: FileLock is reentrant per object, and two threads sharing one
        # would both get in.
        host = FileLock(str(self.path), timeout=self.wait_s)
        try:
            host.acquire()
        except Timeout:
            log.warning("%s: busy for %.0f s; skipped", self.path.name, self.wait_s)
            yield False
            return
        try:
            with self._fleet() as held:
                yield held
        finally:
            host.release()

    @contextmanager
    def _fleet(self) -> Iterator[bool]:
        if self.fleet is None:
            yield True
            return
        lock = self.fleet.client.lock(
            self.name, timeout=self.ttl_s, blocking_timeout=self.wait_s, thread_local=False
        )
        try:
            held = bool(self.fleet.shared_call(lock.acquire, blocking=True))
        except CacheUnavailable:  # Redis down: this host acts for itself
            yield True
            return
        if not held:
            log.warning("%s: busy for %.0f s; skipped", self.name, self.wait_s)
            yield False
            return
        try:
            yield True
        finally:
            with suppress(LockError, CacheUnavailable):
                self.fleet.shared_call(lock.release)


@contextmanager
def process_only() -> Iterator[bool]:
    """No lock beyond the caller's own (a single process: tests, one-off tools)."""
    yield True
