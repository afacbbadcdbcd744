"""The fleet's shared cache: Redis for every host, with a host-local copy that keeps serving.

With REDIS_URL set, snapshots, alert state and the refresher's heartbeat live in Redis, so every
screen on every host shows the same numbers. Every write also lands in the host's local
FileSystemCache, and followers mirror Redis into it (see engine.refresher), so when Redis is
down the host still has a recent last-good copy to serve. A circuit breaker keeps a Redis outage
from costing each request a connect timeout: after a failure Redis is not asked again for
`retry_s`, then one call probes it and, if it answers, the cache is healthy again by itself.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import redis
from cachelib import FileSystemCache, RedisCache
from circuitbreaker import CircuitBreaker, CircuitBreakerError
from redis.backoff import NoBackoff
from redis.retry import Retry

from engine.metrics import CACHE_DEGRADED

log = logging.getLogger(__name__)

# What an unreachable or restarting Redis raises (a lock not owned is no outage).
OUTAGE = (redis.ConnectionError, redis.TimeoutError, OSError)


class CacheUnavailable(Exception):
    """Redis cannot be used right now; the caller falls back to the host-local copy."""


def redis_client(url: str, *, timeout_s: float = 1.0) -> redis.Redis:
    """A Redis client that fails fast: short socket timeouts and no silent retry loops (the
    circuit breaker and the refresher decide when to try again)."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=15,
    )


class FleetCache:
    """A cachelib-style cache: Redis first, the host-local cache as the fallback and mirror."""

    def __init__(
        self,
        shared: RedisCache,
        local: FileSystemCache,
        *,
        retry_s: float = 2.0,
        clock: Callable[[], datetime],
    ) -> None:
        self.shared = shared
        self.local = local
        self.clock = clock
        self.breaker = CircuitBreaker(
            failure_threshold=1, recovery_timeout=retry_s, expected_exception=OUTAGE, name="redis"
        )
        self._guarded = self.breaker.decorate(_call)
        self.down_since: datetime | None = None
        self.last_error: str | None = None

    @property
    def client(self) -> redis.Redis:
        """The Redis client (for locks)."""
        return self.shared._write_client

    def shared_call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call Redis through the circuit breaker; CacheUnavailable when Redis cannot answer."""
        try:
            result = self._guarded(function, *args, **kwargs)
        except CircuitBreakerError as exc:
            raise CacheUnavailable(self.last_error or "Redis unavailable") from exc
        except OUTAGE as exc:
            self._went_down(exc)
            raise CacheUnavailable(self.last_error) from exc
        if self.down_since is not None:
            log.warning("Redis is back after an outage since %s", self.down_since.isoformat())
            self.down_since = None
            CACHE_DEGRADED.set(0)
        return result

    def _went_down(self, exc: BaseException) -> None:
        # The message names host and port only (never the URL, which may carry a password).
        self.last_error = f"{exc.__class__.__name__}: {str(exc)[:160]}"
        if self.down_since is None:
            self.down_since = self.clock()
            CACHE_DEGRADED.set(1)
            log.warning("Redis unavailable, serving the host-local copy: %s", self.last_error)

    def get(self, key: str) -> Any:
        """The shared value; the host-local copy when Redis is down or does not hold the key
        (a Redis restarted empty)."""
        try:
            value = self.shared_call(self.shared.get, key)
        except CacheUnavailable:
            value = None
        return value if value is not None else self.local.get(key)

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        """Write to the host-local copy always, and to Redis when it answers."""
        self.local.set(key, value, timeout)
        with contextlib.suppress(CacheUnavailable):
            self.shared_call(self.shared.set, key, value, timeout)
        return True

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        """Set unless present (in Redis when it answers, else locally)."""
        try:
            added = self.shared_call(self.shared.add, key, value, timeout)
        except CacheUnavailable:
            return bool(self.local.add(key, value, timeout))
        if added:
            self.local.set(key, value, timeout)
        return bool(added)

    def delete(self, key: str) -> bool:
        """Remove a key from both copies."""
        self.local.delete(key)
        try:
            return bool(self.shared_call(self.shared.delete, key))
        except CacheUnavailable:
            return False

    def mirror(self, keys: list[str]) -> dict[str, Any]:
        """Copy the shared values of `keys` into the host-local cache (what a follower does, so
        its host has a recent copy for an outage). Returns what was copied."""
        copied = {}
        for key in keys:
            value = self.shared_call(self.shared.get, key)
            if value is not None:
                self.local.set(key, value, 0)
                copied[key] = value
        return copied

    def reseed(self, keys: list[str]) -> list[str]:
        """Write host-local values that Redis lacks back to Redis (after Redis restarted empty),
        so the other hosts see them at once. Returns the keys written."""
        written = []
        for key in keys:
            if self.shared_call(self.shared.has, key):
                continue
            value = self.local.get(key)
            if value is not None:
                self.shared_call(self.shared.set, key, value, 0)
                written.append(key)
        return written

    def health(self) -> dict[str, Any]:
        """For /api/status and the status scene."""
        degraded = self.down_since is not None
        return {
            "backend": "redis",
            "state": "degraded" if degraded else "ok",
            "since": self.down_since.isoformat() if degraded else None,
            "error": self.last_error if degraded else None,
        }


def _call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)
