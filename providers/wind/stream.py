"""Wind's push stream: `w.wsq(codes, fields, func=callback)`, with the surface of
providers.streams.connection.StreamConnection (start, stop, stats), so the stream hub runs it
like the WebSocket streams.

- **Same session, same lock.** Every WindPy call (subscribe, poll, cancel) goes through the one
  WindSession and its lock, so the stream never overlaps the refresher's wsq/wsd calls.
- **Pushes carry what changed.** The terminal calls back from its own thread with one code per
  push and only the fields that moved (the first push of a subscription carries them all), so
  each code's fields are merged into what the stream knew before a Tick is built. The callback
  never raises and never calls WindPy: an unreadable push is counted as garbage and skipped.
- **No push, then poll.** A terminal that accepts the subscription and never calls back, or
  stops calling back, leaves the stream silent: after `silent_s` without a callback it polls
  `w.wsq(codes, fields)` every `poll_s` (stats.last_error says POLLING) until pushes return.
  Unchanged answers give no tick (a closed market polls quietly).
- **Resubscribes.** A subscription lives and dies with its session: when the session restarted
  (its `generation` moved, whoever's call restarted it) the stream subscribes again and counts a
  reconnect. A dropped session is found by the next call: the silence poll, at the latest.
- **Stops cleanly.** stop() ends the thread and cancels the subscription with
  `w.cancelRequest(RequestID)` when its session is still the one it was made on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from providers.errors import ProviderError
from providers.models import Tick
from providers.streams.connection import StreamStats
from providers.wind import QuoteClock, WindProvider, WindSession
from providers.wind.data import (
    MARKET_ZONE,
    NAME,
    _first_cell,
    quote_tick,
    quote_zone,
    table,
    table_rows,
    wind_error,
    wind_reading,
)

log = logging.getLogger(__name__)

STREAM_FIELDS = "rt_last,rt_pct_chg,rt_vol,rt_date,rt_time"
REQUEST_ID_ATTR = "RequestID"  # check: the subscription's id on wsq(func=...)'s answer
POLLING = "no push: polling wsq"
_ERROR_CHARS = 200


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Subscription:
    request_id: Any
    generation: int  # the session it was made on


class WindStream:
    """Wind-mapped instruments streamed from the terminal by push, or by polling when it does
    not push, until stop()."""

    name = NAME

    def __init__(
        self,
        wind: WindProvider | WindSession,
        codes: Mapping[str, str],
        on_ticks: Callable[[list[Tick], datetime], None],
        *,
        quote_tz: str = MARKET_ZONE,
        markets: Mapping[str, str | None] | None = None,
        clock: Callable[[], datetime] = _utc_now,
        poll_s: float = 5.0,
        silent_s: float = 15.0,
        fields: str = STREAM_FIELDS,
    ) -> None:
        """`codes` maps each Wind code to its instrument id, `markets` an instrument id to its
        market (the zone its times are read in under quote_tz `market`, and whether it trades
        for the quote clock check). A WindProvider lends its session and quote clock."""
        if not codes:
            raise ValueError("a WindStream needs at least one Wind code")
        provider = wind if isinstance(wind, WindProvider) else None
        self._session = provider.session if provider else wind
        self.quote_clock = provider.quote_clock if provider else QuoteClock(quote_tz)
        self._ids = {code.strip().upper(): inst for code, inst in codes.items()}
        self._markets = {code: (markets or {}).get(inst) for code, inst in self._ids.items()}
        self._zones = {code: quote_zone(quote_tz, m) for code, m in self._markets.items()}
        self._on_ticks, self._clock = on_ticks, clock
        self._poll_s, self._silent_s, self._fields = poll_s, silent_s, fields
        self._lock = threading.Lock()  # stats, the merged rows, the last ticks, the push time
        self._stats = StreamStats(since=clock())
        self._rows: dict[str, dict[str, Any]] = {}
        self._sent: dict[str, tuple[datetime, float]] = {}
        self._last_push = time.monotonic()
        self._subscription: _Subscription | None = None
        self._subscribed_before = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the surface the hub uses ----------------------------------------------------------------

    @property
    def stats(self) -> StreamStats:
        """A consistent copy of the counters and state."""
        with self._lock:
            return replace(self._stats)

    @property
    def polling(self) -> bool:
        """Whether the stream is polling wsq because no push came (stats.last_error: POLLING)."""
        with self._lock:
            return self._stats.last_error == POLLING

    def clock_problem(self, now: datetime) -> str | None:
        """The quote clock's warning from what this stream (and its provider) read, or None."""
        return self.quote_clock.problem(now)

    def start(self) -> None:
        """Subscribe and watch the subscription in a daemon thread of its own, until stop()."""
        if self._thread is not None:
            raise RuntimeError("a WindStream starts once")
        self._thread = threading.Thread(target=self._run, name="stream-wind", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread, then cancel the subscription; logs a warning if the thread has not
        ended within `timeout` (a WindPy call holding the session)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("wind stream did not stop within %.1f s", timeout)
        self._cancel()
        self._set_state("stopped")

    # -- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        """Subscribe (again after a session restart), poll while no push comes, until stopped."""
        while not self._stop.is_set():
            try:
                self._step()
            except ProviderError as exc:  # session down or busy, subscription refused
                self._fail(str(exc))
            except Exception as exc:  # a bug, not the terminal: keep the stream alive
                log.exception("wind stream: step failed")
                self._fail(f"{type(exc).__name__}: {exc}")
            self._stop.wait(self._wait_s())

    def _wait_s(self) -> float:
        """Until the next look: poll_s while polling, else until the push would be overdue."""
        if self._subscription is None or self.polling:
            return self._poll_s
        overdue = self._silent_s - (time.monotonic() - self._last_push_at())
        return min(self._poll_s, max(overdue, 0.01))

    def _step(self) -> None:
        sub = self._subscription
        if sub is None or sub.generation != self._session.generation:
            self._subscribe()
        elif time.monotonic() - self._last_push_at() >= self._silent_s:
            self._poll()

    def _subscribe(self) -> None:
        """One push subscription on the live session; a reconnect if one was made before."""
        self._subscription = None
        self._set_state("connecting")
        with self._lock:
            self._last_push = time.monotonic()  # silence is counted from the subscription
            if self._stats.last_error != POLLING:
                self._stats.last_error = None  # a new attempt; its first pushes may say more
        result = self._session.call("wsq", ",".join(self._ids), self._fields, "", self._on_push)
        self._raise_for(result, "Wind wsq subscribe")
        self._subscription = _Subscription(
            getattr(result, REQUEST_ID_ATTR, None), self._session.generation
        )
        with self._lock:
            if self._subscribed_before:
                self._stats.reconnects += 1
            self._subscribed_before = True
            if self._stats.state == "connecting":  # the first push may have come already
                self._stats.state, self._stats.since = "subscribed", self._clock()

    def _poll(self) -> None:
        """One wsq snapshot in place of the pushes that did not come."""
        with self._lock:
            self._stats.last_error = POLLING
        result = self._session.call("wsq", ",".join(self._ids), self._fields)
        self._raise_for(result, "Wind wsq")
        self._receive(result)

    def _cancel(self) -> None:
        """Cancel the subscription if its session is the live one (a restart already ended
        it); never raises, as stop() must finish."""
        sub, self._subscription = self._subscription, None
        if sub is None or sub.generation != self._session.generation:
            return
        if self._session.state != "connected":
            return
        try:
            self._session.call("cancelRequest", sub.request_id)
        except ProviderError as exc:
            log.warning("wind stream: cancelling the subscription failed: %s", exc)

    def _fail(self, error: str) -> None:
        log.warning("wind stream: %s; again in %.1f s", error, self._poll_s)
        self._subscription = None
        self._set_state("backoff", error=error)

    @staticmethod
    def _raise_for(result: Any, where: str) -> None:
        code = getattr(result, "ErrorCode", 0)
        if code:
            raise wind_error(code, _first_cell(getattr(result, "Data", None)), where)

    # -- pushes and answers --------------------------------------------------------------------

    def _on_push(self, data: Any) -> None:
        """WindPy's callback, on the terminal's thread: never raises, never calls WindPy."""
        if self._stop.is_set():
            return
        try:
            with self._lock:
                self._last_push = time.monotonic()
                if self._stats.last_error == POLLING:
                    self._stats.last_error = None  # pushes are back: polling ends
            self._receive(data)
        except Exception:  # a bug in this module: WindPy must not see it
            log.exception("wind stream: push handling failed")

    def _receive(self, data: Any) -> None:
        """Count a push or poll answer, turn it into fresh ticks and hand them on."""
        received = self._clock()
        with self._lock:
            self._stats.messages += 1
            self._stats.last_message_at = received
        try:
            rows = table_rows(table(data))
        except Exception as exc:  # an error push, or not a WindData at all
            self._count_garbage(exc)
            return
        ticks = [tick for code, row in rows.items() if (tick := self._tick(code, row))]
        if ticks:
            self._deliver(ticks, received)

    def _tick(self, code: str, row: dict[str, Any]) -> Tick | None:
        """The code's tick from its merged fields; None when unknown, unchanged, older than the
        last one sent, or unreadable (then counted as garbage)."""
        inst = self._ids.get(code)
        if inst is None:
            return None
        with self._lock:
            merged = self._rows.setdefault(code, {})
            merged.update({f: v for f, v in row.items() if v is not None})
            merged = dict(merged)
        try:
            local = wind_reading(merged.get("RT_DATE"), merged.get("RT_TIME"))
            tick = quote_tick(code, merged, inst_id=inst, tz=self._zones[code])
        except ProviderError as exc:
            self._count_garbage(exc)
            return None
        if local is not None:
            self.quote_clock.note(code, local, self._markets[code])
        with self._lock:
            last = self._sent.get(code)
            if last is not None and (tick.time < last[0] or last == (tick.time, tick.price)):
                return None  # older than what was sent (a poll behind a push), or the same
            self._sent[code] = (tick.time, tick.price)
        return tick

    def _deliver(self, ticks: list[Tick], received: datetime) -> None:
        with self._lock:
            self._stats.ticked(len(ticks), received)
        try:
            self._on_ticks(ticks, received)
        except Exception:
            log.exception("wind stream: on_ticks failed")

    def _count_garbage(self, exc: Exception) -> None:
        with self._lock:
            self._stats.garbage += 1
            if self._stats.last_error != POLLING:
                self._stats.last_error = str(exc)[:_ERROR_CHARS]

    def _last_push_at(self) -> float:
        with self._lock:
            return self._last_push

    def _set_state(self, state: str, *, error: str | None = None) -> None:
        with self._lock:
            if self._stats.state != state:
                self._stats.state, self._stats.since = state, self._clock()
            if error is not None:
                self._stats.last_error = error[:_ERROR_CHARS]
