"""Test doubles for providers: scripted answers, call counting, hanging on demand."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from config.schema import Dataset, Instrument, RecordKind, Settings
from providers.base import Batch, Provider, Request
from providers.models import Quote

T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # a Wednesday, US market open


def quotes_for(request: Request, price: float = 100.0) -> Batch:
    """One quote per requested instrument, timed at the request."""
    return Batch(
        [
            Quote(
                symbol=i.id, name=i.name, price=price, change=1.0, change_pct=1.0, as_of=request.now
            )
            for i in request.instruments
        ]
    )


class ScriptedProvider(Provider):
    """Answers with `script(request, call_number)`: a Batch, or raises what it raises."""

    kinds = frozenset(RecordKind)

    def __init__(self, name: str, script: Callable[[Request, int], Batch], delay_s: float = 0):
        self.name = name
        self.script = script
        self.delay_s = delay_s
        self.calls = 0
        self._lock = threading.Lock()

    def load(self, request: Request) -> Batch:
        with self._lock:
            self.calls += 1
            number = self.calls
        if self.delay_s:
            time.sleep(self.delay_s)
        return self.script(request, number)


class HangingProvider(Provider):
    """Blocks until released, like yfinance on a hung host."""

    kinds = frozenset(RecordKind)

    def __init__(self, name: str = "hung") -> None:
        self.name = name
        self.calls = 0
        self.release = threading.Event()

    def load(self, request: Request) -> Batch:
        self.calls += 1
        self.release.wait(30)
        return quotes_for(request)


def settings_with(
    chain: list[str],
    *,
    refresh_s: float = 15,
    stale_after_s: float = 90,
    market: str = "24/7",
    **refresh,
) -> Settings:
    """A one-dataset configuration ('fx', two instruments) with the given open chain."""
    dataset = Dataset(
        title="FX",
        kind=RecordKind.QUOTE,
        chains={"open": chain},
        refresh_s=refresh_s,
        stale_after_s=stale_after_s,
        market=market,
        instruments=[
            Instrument(id="eurusd", name="EUR/USD", symbols={"x": "EURUSD"}),
            Instrument(id="usdjpy", name="USD/JPY", symbols={"x": "JPY"}),
        ],
    )
    return Settings(
        scenes={"fx": {"title": "FX", "datasets": ["fx"]}},
        datasets={"fx": dataset},
        refresh={"deadline_s": 2, "attempts": 2, "backoff_s": 0.5, **refresh},
    )
