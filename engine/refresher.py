"""The background refresher: fetch each dataset on its cadence and publish snapshots.

For each dataset it walks the configured provider chain. Each provider is called under an
enforced deadline and retried with exponential backoff (tenacity) while its errors are
retryable; then the next provider answers (status `fallback`); when all fail, the last good
records are kept (status `stale`) with the failure counted and its reason shown. Callbacks
never call this module: they read the store.

Going back in time: a record older than its instrument's value already shown is refused
(`went_back`, engine.validation), judged per source. A source may not go back from the value
it last delivered itself, nor from a value a source of the same or a higher priority (earlier in
the chain) delivered: a slower fallback, or a source answering yesterday's data, never replaces
a newer value. But a value a lower-priority source (a fallback) delivered does not hold a
higher-priority one back: a primary coming back after an outage takes its dataset back at its
next refresh, and its own honest time is what is shown, even where the fallback's was newer.
Which source delivered each value shown is kept on the snapshot (`origins`, also what each
tile names as its source), so a restart or a new leader knows it; what each source delivered
beyond that is remembered by this process.

Single flight: a dataset is refreshed by one thread at a time (and, with Redis, by one process
in the fleet); a concurrent request for the same dataset waits for the running refresh and shares
its result. One process leads (per host, or per fleet with Redis: see engine.leadership), so each
dataset is fetched once per cadence however many workers and hosts serve it. Followers copy the
shared snapshots to their host, so a Redis outage finds a recent local copy. While it leads, a
process also runs the streams (engine.stream_hub) and the lookup worker (engine.lookup_worker:
the on-demand history screens ask for, fetched through `call` like every dataset).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception

from config.schema import Settings
from engine.leadership import AlwaysLeader, FileLeadership, FleetLeadership, local_flight
from engine.metrics import FETCH_SECONDS, FETCHES
from engine.store import SnapshotStore
from engine.stream_hub import StreamHub
from engine.validation import Key, cross_check, newest_times, shown_times
from providers.base import Batch, Provider, Request
from providers.deadline import HungCalls, call_with_deadline
from providers.errors import BadPayload, EmptyResult, ProviderError, RateLimited
from providers.models import (
    FAILURE_LOG_SIZE,
    AnyRecord,
    FailureEntry,
    Snapshot,
    Status,
    data_time,
    instrument_id,
)

if TYPE_CHECKING:  # the worker imports this module
    from engine.lookup_worker import LookupWorker
    from engine.screen_watch import ScreenWatch

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ERROR_CHARS = 300


def utc_now() -> datetime:
    """The server clock, tz-aware UTC."""
    return datetime.now(UTC)


_PER_INSTRUMENT = {"quote", "bar", "curve"}


def _log(failed: list[FailureEntry], previous: Snapshot) -> tuple[FailureEntry, ...]:
    """This refresh's failures on top of the earlier ones, newest first, bounded."""
    return (tuple(reversed(failed)) + previous.failure_log)[:FAILURE_LOG_SIZE]


def short(text: str) -> str:
    """One line of error text, bounded in length, for screens and /api/status."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 1] + "…"


class Refresher:
    """Fetches datasets along their provider chains and writes snapshots to the store."""

    def __init__(
        self,
        settings: Settings,
        providers: dict[str, Provider],
        store: SnapshotStore,
        *,
        leadership: FileLeadership | FleetLeadership | AlwaysLeader | None = None,
        flight: Callable = local_flight,
        validator: Callable | None = None,
        after_refresh: Callable[[str, Snapshot], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        identity: str | None = None,
    ) -> None:
        self.settings = settings
        self.providers = providers
        self.store = store
        self.leadership = leadership or AlwaysLeader()
        self.flight = flight
        self.validator = validator
        self.after_refresh = after_refresh
        self.clock = clock
        self.sleep = sleep
        self._identity = identity
        self.hung = HungCalls(settings.refresh.max_hung_calls)
        self._locks = {name: threading.Lock() for name in settings.datasets}
        self._due: dict[str, float] = {}
        self._running: set[str] = set()
        self._state = threading.Lock()
        self._cooldown: dict[str, float] = {}  # provider -> monotonic time its Retry-After ends
        # dataset -> (fetched_at of the snapshot written, instrument -> the source of its value)
        # (dataset, source) -> instrument -> the newest time that source delivered, shown
        self._delivered: dict[tuple[str, str], dict[Key, datetime]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self.leading = False
        self._beat = 0.0  # monotonic time of the last heartbeat or mirror
        self.live: StreamHub | None = None  # the streams, run while this process leads
        self.lookups: LookupWorker | None = None  # on-demand history, fetched while leading
        self.screen_watch: ScreenWatch | None = None  # dark screens, forced refreshes, ditto

    @property
    def identity(self) -> str:
        """host:pid of the process refreshing (looked up when asked: a preloaded app is built
        in the gunicorn master and then forked)."""
        return self._identity or f"{socket.gethostname()}:{os.getpid()}"

    # -- one dataset ---------------------------------------------------------------------------

    def refresh(self, dataset: str) -> Snapshot:
        """Refresh one dataset now; if a refresh of it is already running, share that one."""
        lock = self._locks[dataset]
        if not lock.acquire(blocking=False):
            with lock:  # wait for the running refresh, then read what it published
                return self.store.read(dataset)
        try:
            with self.flight(dataset, self.flight_ttl_s(dataset)) as ours:
                if not ours:  # another process refreshed it meanwhile
                    return self.store.read(dataset)
                return self._refresh(dataset)
        finally:
            lock.release()

    def flight_ttl_s(self, dataset: str) -> float:
        """The longest a refresh of the dataset can take: every provider in the chain (and the
        cross-check) for every attempt, with backoff. A fleet flight lock expires after this."""
        policy = self.settings.refresh
        per_provider = self.settings.deadline_s(dataset) * policy.attempts + policy.max_backoff_s
        return per_provider * (len(self.settings.chain(dataset)) + 1) + 5

    def _refresh(self, name: str) -> Snapshot:
        dataset = self.settings.datasets[name]
        previous = self.store.read(name)
        started = self.clock()
        request = Request(
            dataset=name,
            kind=dataset.kind,
            instruments=tuple(dataset.instruments),
            now=started,
            market=dataset.market,
        )
        chain = self.settings.chain(name)
        errors: list[str] = []
        failed: list[FailureEntry] = []
        all_empty = bool(chain)
        if not chain:
            errors.append(f"no provider configured for the {self.settings.edition} edition")
        for index, provider_name in enumerate(chain):
            try:
                batch = self._load(provider_name, request, self.settings.deadline_s(name))
                findings = self._check(batch, name, provider_name, started, previous)
            except ProviderError as exc:
                all_empty = all_empty and isinstance(exc, EmptyResult)
                errors.append(short(f"{provider_name}: {exc}"))
                failed.append(
                    FailureEntry(at=self.clock(), provider=provider_name, error=short(str(exc)))
                )
                log.warning("refresh %s: %s failed: %s", name, provider_name, exc)
                continue
            except Exception as exc:  # a provider bug must not stop the board
                all_empty = False
                errors.append(f"{provider_name}: unexpected {exc.__class__.__name__}")
                failed.append(
                    FailureEntry(
                        at=self.clock(),
                        provider=provider_name,
                        error=f"unexpected {exc.__class__.__name__}",
                    )
                )
                log.exception("refresh %s: %s raised", name, provider_name)
                continue
            findings += self._cross_check(name, request, chain[index + 1 :], batch, previous)
            sources = dict.fromkeys(newest_times(batch.records), provider_name)
            filled = self._fill_missing(
                name, request, chain[index + 1 :], batch, started, previous, sources
            )
            fresh = list(batch.records)
            if kept := self._keep_missing(request, batch, previous):
                batch.problems.append(f"previous value kept for {', '.join(kept)}")
            snapshot = self._success(name, previous, started, provider_name, index, batch, errors)
            if filled:
                snapshot = snapshot.model_copy(
                    update={"source": "+".join([provider_name, *filled])}
                )
            snapshot = snapshot.model_copy(
                update={
                    "findings": tuple(findings),
                    "failure_log": _log(failed, previous),
                    "origins": self._remember(name, previous, fresh, sources),
                }
            )
            snapshot = self._laid_over(name, snapshot)
            self.store.write(snapshot, persist=True)
            self._after(name, snapshot)
            return snapshot
        snapshot = self._failure(name, previous, started, errors, all_empty)
        snapshot = snapshot.model_copy(update={"failure_log": _log(failed, previous)})
        snapshot = self._laid_over(name, snapshot)
        self.store.write(snapshot, persist=False)
        self._after(name, snapshot)
        return snapshot

    def _check(
        self, batch: Batch, name: str, provider_name: str, now: datetime, previous: Snapshot
    ) -> list:
        """Validate the batch in place (rejected records removed); its findings."""
        if self.validator is None:
            return []
        kept, findings = self.validator(
            batch.records,
            dataset=self.settings.datasets[name],
            now=now,
            previous=previous,
            since=self._since(name, provider_name, previous),
        )
        if not kept:
            reasons = "; ".join(f.detail for f in findings if f.rejected)[:200]
            raise BadPayload(f"every record failed validation ({reasons})")
        batch.records = kept
        return findings

    def _fill_missing(
        self,
        name: str,
        request: Request,
        rest: list[str],
        batch: Batch,
        now: datetime,
        previous: Snapshot,
        sources: dict[Key, str],
    ) -> list[str]:
        """Instruments the answering source lacks (no code for it, or it failed) are asked of
        the later sources in the chain: a hybrid per instrument (Wind for what it maps, public
        sources for the rest). Returns the sources that filled something; `sources` gets the
        source of each instrument filled."""
        if request.kind.value not in _PER_INSTRUMENT or not rest:
            return []
        filled: list[str] = []
        for provider_name in rest:
            have = {instrument_id(record) for record in batch.records}
            missing = tuple(i for i in request.instruments if i.id not in have)
            provider = self.providers.get(provider_name)
            if not missing or provider is None:
                continue
            if not any(provider.symbol(i) is not None for i in missing):
                continue
            try:
                extra = self._load(
                    provider_name,
                    replace(request, instruments=missing),
                    self.settings.deadline_s(name),
                )
                self._check(extra, name, provider_name, now, previous)
            except Exception as exc:  # the answer we have stands; note why it is partial
                batch.problems.append(short(f"{provider_name} (for the rest): {exc}"))
                continue
            batch.records = [*batch.records, *extra.records]
            sources.update(dict.fromkeys(newest_times(extra.records), provider_name))
            batch.problems.extend(short(p) for p in extra.problems)
            filled.append(provider_name)
        return filled

    def _keep_missing(self, request: Request, batch: Batch, previous: Snapshot) -> list[str]:
        """Quotes and bar series this refresh could not get (refused, failed or absent) keep
        their previous values, quotes marked `kept`, so one instrument's failure never blanks
        its tile or chart; the instrument ids kept."""
        if request.kind.value not in ("quote", "bar"):
            return []
        have = {instrument_id(record) for record in batch.records}
        ids = [i.id for i in request.instruments if i.id not in have]
        if request.kind.value == "quote":
            before = previous.quotes_by_id()
            kept: list[AnyRecord] = [
                before[i].model_copy(update={"kept": True}) for i in ids if i in before
            ]
        else:
            kept = [r for r in previous.records if r.kind == "bar" and r.symbol in ids]
        batch.records = [*batch.records, *kept]
        return list(dict.fromkeys(instrument_id(record) for record in kept))

    # -- going back in time (see the module) ----------------------------------------------------

    @staticmethod
    def _origins(previous: Snapshot) -> dict[Key, str]:
        """The source of each value shown: as the snapshot records it (whichever process wrote
        it), else the snapshot's first source."""
        first = (previous.source or "").split("+")[0]
        return {key: previous.origins.get(key[1], first) for key in shown_times(previous)}

    def _since(self, name: str, provider_name: str, previous: Snapshot) -> dict[Key, datetime]:
        """Per instrument, the time a provider's records must not go back from: the newest it
        delivered itself, and the value shown unless a lower-priority source delivered it."""
        chain = self.settings.chain(name)

        def rank(source: str | None) -> int:  # a source no longer in the chain ranks last
            return chain.index(source) if source in chain else len(chain)

        since = dict(self._delivered.get((name, provider_name), {}))
        origins = self._origins(previous)
        for key, when in shown_times(previous).items():
            if rank(origins.get(key)) <= rank(provider_name):
                since[key] = max(when, since.get(key, when))
        return since

    def _remember(
        self, name: str, previous: Snapshot, fresh: list[AnyRecord], sources: dict[Key, str]
    ) -> dict[str, str]:
        """After a refresh: what each source delivered (kept by this process), and the source of
        each value shown by instrument id (kept on the snapshot: Snapshot.origins)."""
        origin = {k: v for k, v in self._origins(previous).items() if k not in sources}
        origin.update(sources)
        for key, when in newest_times(fresh).items():
            delivered = self._delivered.setdefault((name, sources.get(key, "")), {})
            delivered[key] = max(when, delivered.get(key, when))
        return {key[1]: source for key, source in origin.items()}

    def _cross_check(
        self, name: str, request: Request, rest: list[str], batch: Batch, previous: Snapshot
    ) -> list:
        """Every Nth refresh, ask the next source too and flag prices that disagree."""
        every = self.settings.datasets[name].validation.cross_check_every
        if not every or not rest or (previous.fetch_count + 1) % every:
            return []
        try:
            other = self._load(rest[0], request, self.settings.deadline_s(name))
        except Exception as exc:  # a failing second opinion is no finding about the first
            log.info("cross-check of %s with %s failed: %s", name, rest[0], exc)
            return []
        tolerance = self.settings.datasets[name].validation.cross_check_tolerance_pct
        return cross_check(batch.records, other.records, tolerance_pct=tolerance, source=rest[0])

    def _laid_over(self, name: str, snapshot: Snapshot) -> Snapshot:
        """The poll with the dataset's stream laid over it (engine.stream_hub), when it streams."""
        if self.live is None:
            return snapshot
        try:
            return self.live.lay_over(name, snapshot)
        except Exception:  # the poll stands on its own
            log.exception("laying the stream over %s failed", name)
            return snapshot

    def _after(self, name: str, snapshot: Snapshot) -> None:
        if self.after_refresh is None:
            return
        try:
            self.after_refresh(name, snapshot)
        except Exception:  # alerting must never break refreshing
            log.exception("after-refresh hook failed for %s", name)

    def _load(self, provider_name: str, request: Request, deadline_s: float) -> Batch:
        batch = self.call(
            provider_name, lambda provider: provider.fetch(request), deadline_s, request.dataset
        )
        if not batch.records:
            raise EmptyResult("no records")
        return batch

    def call(
        self, provider_name: str, fetch: Callable[[Provider], T], deadline_s: float, label: str
    ) -> T:
        """One upstream call as every fetch makes it (a dataset's, a lookup's): `fetch(provider)`
        under the enforced deadline and the provider's cap on hung calls, retried with backoff
        while its errors are retryable, refused at once while the provider's Retry-After runs.
        `label` names what is fetched in the metrics (a dataset, or "lookup")."""
        provider = self.providers.get(provider_name)
        if provider is None:
            raise ProviderError("provider not available in this process")
        cooldown = self._cooldown.get(provider_name, 0.0) - time.monotonic()
        if cooldown > 0:
            raise RateLimited(f"rate limited; retrying after {cooldown:.0f} s", cooldown)

        retrying = Retrying(
            stop=self._stop_retrying,
            wait=self._backoff,
            retry=retry_if_exception(lambda exc: isinstance(exc, ProviderError) and exc.retryable),
            sleep=self.sleep,
            reraise=True,
        )
        started = time.monotonic()
        try:
            for attempt in retrying:
                with attempt:
                    result = call_with_deadline(
                        lambda: fetch(provider),
                        deadline_s,
                        key=provider_name,
                        hung=self.hung,
                    )
        except RateLimited as exc:
            if exc.retry_after_s:
                self._cooldown[provider_name] = time.monotonic() + exc.retry_after_s
            FETCHES.labels(provider_name, label, "rate_limited").inc()
            raise
        except ProviderError as exc:
            FETCHES.labels(provider_name, label, type(exc).__name__).inc()
            raise
        finally:
            FETCH_SECONDS.labels(provider_name, label).observe(time.monotonic() - started)
        FETCHES.labels(provider_name, label, "ok").inc()
        return result

    def _stop_retrying(self, state: RetryCallState) -> bool:
        if state.attempt_number >= self.settings.refresh.attempts:
            return True
        # A Retry-After longer than a refresh can wait: move on to the next provider now.
        exc = state.outcome.exception() if state.outcome else None
        return isinstance(exc, RateLimited) and (exc.retry_after_s or 0) > 10

    def _backoff(self, state: RetryCallState) -> float:
        wait = self.settings.refresh.backoff_s * 2 ** (state.attempt_number - 1)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after_s:
            wait = max(wait, exc.retry_after_s)
        return wait

    def _success(
        self,
        name: str,
        previous: Snapshot,
        started: datetime,
        provider_name: str,
        index: int,
        batch: Batch,
        errors: list[str],
    ) -> Snapshot:
        fetched_at = self.clock()
        as_of = data_time(batch.records)
        notes = errors + [short(problem) for problem in batch.problems]
        return Snapshot(
            dataset=name,
            records=tuple(batch.records),
            as_of=fetched_at if as_of is None else as_of,
            fetched_at=fetched_at,
            source=provider_name,
            status=Status.OK if index == 0 else Status.FALLBACK,
            error=short("; ".join(notes)) if notes else None,
            failures=0,
            fetch_count=previous.fetch_count + 1,
            attempted_at=started,
            refreshed_by=self.identity,
        )

    def _failure(
        self, name: str, previous: Snapshot, started: datetime, errors: list[str], all_empty: bool
    ) -> Snapshot:
        update = {
            "error": short("; ".join(errors)),
            "failures": previous.failures + 1,
            "fetch_count": previous.fetch_count + 1,
            "attempted_at": started,
            "refreshed_by": self.identity,
        }
        if previous.records:
            return previous.model_copy(update={**update, "status": Status.STALE})
        status = Status.EMPTY if all_empty else Status.ERROR
        return Snapshot(dataset=name, status=status, **update)

    # -- the schedule --------------------------------------------------------------------------

    def next_delay(self, name: str, snapshot: Snapshot) -> float:
        """Seconds until the dataset is due again: its cadence, or a capped backoff on failure."""
        cadence = self.settings.datasets[name].refresh_s
        if snapshot.failures == 0:
            return cadence
        backoff = cadence * 2 ** min(snapshot.failures, 10)
        return min(backoff, self.settings.refresh.max_backoff_s)

    def _schedule_from_cache(self) -> None:
        """On taking the lead, keep the cadence the previous leader was on (no double fetch)."""
        now_mono, now = time.monotonic(), self.clock()
        for name in self.settings.datasets:
            snapshot = self.store.read(name)
            last = snapshot.attempted_at
            delay = 0.0
            if last is not None:
                elapsed = (now - last).total_seconds()
                delay = max(0.0, self.next_delay(name, snapshot) - elapsed)
            self._due[name] = now_mono + delay

    def run_pending(self) -> list[str]:
        """Start a refresh for every dataset that is due and not already running."""
        assert self._pool is not None
        started = []
        now = time.monotonic()
        with self._state:
            for name in self.settings.datasets:
                if name in self._running or self._due.get(name, 0.0) > now:
                    continue
                self._running.add(name)
                self._pool.submit(self._job, name)
                started.append(name)
        return started

    def _job(self, name: str) -> None:
        try:
            snapshot = self.refresh(name)
            delay = self.next_delay(name, snapshot)
        except Exception:  # keep the schedule alive whatever happens
            log.exception("refresh %s crashed", name)
            delay = self.settings.refresh.max_backoff_s
        with self._state:
            self._due[name] = time.monotonic() + delay
            self._running.discard(name)

    @property
    def role(self) -> str:
        """What this process does: leader, follower, standby, host leader (cache degraded)."""
        return getattr(self.leadership, "role", "leader" if self.leading else "standby")

    def _take_lead(self) -> None:
        log.info("refresher %s leads (%s)", self.identity, self.role)
        try:  # a Redis restarted empty gets this host's copy back at once
            self.store.reseed(list(self.settings.datasets))
        except Exception as exc:
            log.warning("could not reseed the shared cache: %s", exc.__class__.__name__)
        self._schedule_from_cache()
        if self.live is not None:
            try:
                self.live.start()
            except Exception:  # polling goes on without the streams
                log.exception("streams did not start")
        if self.lookups is not None:
            try:
                self.lookups.start()
            except Exception:  # refreshing goes on without on-demand history
                log.exception("the lookup worker did not start")
        if self.screen_watch is not None:
            try:
                self.screen_watch.start()
            except Exception:  # refreshing goes on without the screen watch
                log.exception("the screen watch did not start")

    def provider_warnings(self) -> list[str]:
        """What the leader's providers warn operators of (Wind's quote clock looking off by whole
        hours: providers.wind.quote_tz), carried by the heartbeat so every worker can show it."""
        warnings = []
        for name, provider in self.providers.items():
            check = getattr(provider, "clock_problem", None)
            if not callable(check):
                continue
            try:
                problem = check(self.clock())
            except Exception:  # a warning must never stop the heartbeat
                log.exception("clock check of %s failed", name)
                continue
            if problem:
                warnings.append(problem)
        return warnings

    def _lose_lead(self) -> None:
        """Another process leads now: its streams replace ours (one connection per source)."""
        log.info("refresher %s no longer leads", self.identity)
        if self.live is not None:
            self.live.stop()
        if self.lookups is not None:
            self.lookups.stop()
        if self.screen_watch is not None:
            self.screen_watch.stop()

    def _tick(self, leading: bool) -> None:
        """Every `leader_poll_s`: the leader's heartbeat, a follower's mirror of the snapshots."""
        now = time.monotonic()
        if now - self._beat < self.settings.refresh.leader_poll_s and self._beat:
            return
        self._beat = now
        try:
            if leading:
                self.store.write_heartbeat(
                    {
                        "identity": self.identity,
                        "role": self.role,
                        "at": self.clock(),
                        "warnings": self.provider_warnings(),
                    }
                )
            elif getattr(self.leadership, "mirrors", False):
                self.store.mirror(list(self.settings.datasets))
        except Exception as exc:  # Redis went away between the lock and this: next time
            log.info("heartbeat/mirror skipped: %s", exc.__class__.__name__)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                leading = self.leadership.acquire()
            except Exception:
                log.exception("leader check failed")
                leading = False
            if leading and not self.leading:
                self.leading = True
                self._take_lead()
            elif self.leading and not leading:
                self._lose_lead()
            self.leading = leading
            self._tick(leading)
            if not leading:
                self._stop.wait(self.settings.refresh.leader_poll_s)
                continue
            self.run_pending()
            with self._state:
                soonest = min(self._due.values(), default=time.monotonic() + 1)
            self._stop.wait(min(1.0, max(0.05, soonest - time.monotonic())))

    def start(self) -> None:
        """Start the background thread (idempotent)."""
        if self._thread is not None:
            return
        workers = max(1, min(8, len(self.settings.datasets)))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="refresh")
        self._thread = threading.Thread(target=self._loop, name="refresher", daemon=True)
        self._thread.start()

    def stop(self, *, wait: bool = True) -> None:
        """Stop scheduling, give up leadership; with `wait`, after the running refreshes end (a
        process about to exit need not: every write it makes is atomic)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
        if self.live is not None:
            self.live.stop()
        if self.lookups is not None:
            self.lookups.stop()
        if self.screen_watch is not None:
            self.screen_watch.stop()
        self.leadership.release()
        self.leading = False
