"""The lookup worker: the leading refresher's thread that fetches on-demand history.

Every `lookups.poll_s` it reads the request table (engine.lookups.LookupDesk) and fetches each
lookup some screen still asks for: once when first asked, then again every `lookups.refresh_s`
while still asked (an error is tried again sooner, after ERROR_RETRY_S at most). Each fetch walks
the lookup's chain through the refresher's own `call` (the enforced deadline, the cap on hung
calls, the attempts with backoff, the provider's Retry-After) on a small pool of threads, and
writes a LookupResult to the shared cache for every screen to read.

One fetch per lookup per refresh, however many screens ask: the lookup is keyed, a fetch running
is never started twice, and when it is next due is remembered here and, for a new leader, read
from the result's `attempted_at` in the cache. It runs only while its refresher leads (started
and stopped with the lead, as the stream hub is), so in a fleet only the leader fetches.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from engine.lookups import Lookup, LookupDesk, LookupResult
from engine.refresher import Refresher, short
from providers.errors import ProviderError

log = logging.getLogger(__name__)

ERROR_RETRY_S = 60.0  # a failed lookup still asked for is tried again after this (or refresh_s)
FETCH_THREADS = 4
METRIC_LABEL = "lookup"  # one metrics label for every lookup: symbols would be unbounded


def desk_of(refresher: Refresher) -> LookupDesk:
    """The request table and results the refresher's store shares with every web worker."""
    store = refresher.store
    return LookupDesk(store.cache, store.namespace, refresher.settings.lookups, refresher.clock)


class LookupWorker:
    """Fetches what screens ask for, while its refresher leads (`start` / `stop`)."""

    def __init__(self, refresher: Refresher) -> None:
        self.refresher = refresher
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._running: set[str] = set()
        self._due: dict[str, float] = {}  # lookup key -> monotonic time it is due again
        self._state = threading.Lock()

    @property
    def desk(self) -> LookupDesk:
        """The desk as the current settings say (a reload may change the caps or the pace)."""
        return desk_of(self.refresher)

    def start(self) -> None:
        """Start polling the request table (idempotent)."""
        with self._state:
            if self._thread is not None:
                return
            self._stop = threading.Event()  # this run's: a thread of an earlier run keeps its own
            self._due.clear()  # a new lead reads when each lookup is due from the cache
            self._pool = ThreadPoolExecutor(max_workers=FETCH_THREADS, thread_name_prefix="lookup")
            self._thread = threading.Thread(
                target=self._loop, args=(self._stop,), name="lookups", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop polling; fetches running are left to end by themselves (their writes are whole)."""
        with self._state:
            thread, pool = self._thread, self._pool
            self._thread, self._pool = None, None
            self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll()
            except Exception:  # a cache hiccup must not end the worker
                log.exception("lookup poll failed")
            stop.wait(self.refresher.settings.lookups.poll_s)

    def poll(self) -> list[str]:
        """Start a fetch of every asked lookup that is due and not running; the keys started."""
        desk = self.desk
        started = []
        for lookup, asked_at in desk.wanted():
            if not self._due_now(desk, lookup):
                continue
            with self._state:
                if lookup.key in self._running or self._pool is None:
                    continue
                self._running.add(lookup.key)
                self._pool.submit(self._job, lookup, asked_at)
            started.append(lookup.key)
        return started

    def _due_now(self, desk: LookupDesk, lookup: Lookup) -> bool:
        """Whether a lookup should be fetched now. Known here: by the time it is due again; new
        here (first asked, or a new leader): by its result in the cache, if any."""
        now = time.monotonic()
        with self._state:
            due = self._due.get(lookup.key)
        if due is not None:
            return due <= now
        result = desk.result(lookup)
        if result is None or result.attempted_at is None:
            return True
        elapsed = (self.refresher.clock() - result.attempted_at).total_seconds()
        wait = self._wait_s(result)
        with self._state:
            self._due[lookup.key] = now + max(0.0, wait - elapsed)
        return elapsed >= wait

    def _wait_s(self, result: LookupResult) -> float:
        refresh_s = self.refresher.settings.lookups.refresh_s
        return refresh_s if result.status == "ok" else min(refresh_s, ERROR_RETRY_S)

    def _job(self, lookup: Lookup, asked_at: datetime) -> None:
        try:
            result = self.fetch(lookup, asked_at)
            self.desk.write(result)
            wait = self._wait_s(result)
        except Exception:  # keep the worker alive whatever happens
            log.exception("lookup %s crashed", lookup.key)
            wait = ERROR_RETRY_S
        with self._state:
            self._due[lookup.key] = time.monotonic() + wait
            self._running.discard(lookup.key)

    def fetch(self, lookup: Lookup, asked_at: datetime | None = None) -> LookupResult:
        """Walk the lookup's chain until a provider answers; the result to publish. A failure
        keeps the bars of the last success (said in `error`), so a chart never blanks."""
        refresher = self.refresher
        deadline_s = refresher.settings.refresh.deadline_s
        started = refresher.clock()
        errors: list[str] = []
        for provider_name, symbol in lookup.chain:

            def history(provider, symbol=symbol):
                return provider.history(symbol, lookup.series, started, lookup.market)

            try:
                bars = refresher.call(provider_name, history, deadline_s, METRIC_LABEL)
                if not bars:
                    raise ProviderError("no bars")
            except ProviderError as exc:
                errors.append(short(f"{provider_name}: {exc}"))
                log.info("lookup %s: %s failed: %s", lookup.key, provider_name, exc)
                continue
            except Exception as exc:  # a provider bug must not stop the others
                errors.append(f"{provider_name}: unexpected {exc.__class__.__name__}")
                log.exception("lookup %s: %s raised", lookup.key, provider_name)
                continue
            bars = [bar.model_copy(update={"symbol": lookup.ident}) for bar in bars]
            return LookupResult(
                key=lookup.key,
                status="ok",
                bars=bars,
                source=provider_name,
                fetched_at=refresher.clock(),
                as_of=bars[-1].time,
                error=short("; ".join(errors)) if errors else None,
                asked_at=asked_at,
                attempted_at=started,
            )
        reason = short(f"No {lookup.series} history for {lookup.label}: " + "; ".join(errors))
        previous = self.desk.result(lookup)
        if previous is not None and previous.status == "ok" and previous.bars:
            return previous.model_copy(update={"error": reason, "attempted_at": started})
        return LookupResult(
            key=lookup.key,
            status="error",
            error=reason,
            asked_at=asked_at,
            attempted_at=started,
        )
