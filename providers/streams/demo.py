"""The demo edition's stream: synthetic ticks a few times a second, on the demo price paths.

Pure and deterministic, like the demo provider: a tick is a function of (instrument, time), so
every worker and every restart ticks alike. Ticks fall on a fixed grid (every TICK_MS of epoch
time) and only while the instrument's market trades (a closed market does not tick).

The demo provider's path steps every STEP_S seconds; between two steps a tick's price goes in
a straight line from one to the next, with a small seeded wiggle that is zero at each step. So
the streamed price moves a few times a second, and at every step it is the polled quote's price.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime

import numpy as np

from config.schema import Dataset, Instrument
from providers import markets
from providers.demo import price_path
from providers.models import Tick

NAME = "demo"
TICK_MS = 250  # four ticks a second
STEP_S = 5.0  # providers.demo's price path steps this often (its _TICK_S; a test holds them equal)
MAX_TICKS = 20  # at most this many grid times per call: after a pause, the latest 5 s only
_STEP_MS = int(STEP_S * 1000)
_SEED = "market-wallboard-demo-stream-v1"


def _uniform(key: str) -> float:
    """A float in [0, 1) from a key; hashlib, as Python's hash() is salted per process."""
    digest = hashlib.shake_256(f"{_SEED}:{key}".encode()).digest(8)
    return int.from_bytes(digest, "little") / 2.0**64


def _epoch_ms(at: datetime) -> int:
    return round(at.timestamp() * 1000)


def tick_times(start: datetime, end: datetime) -> list[datetime]:
    """The tick grid's times after `start` up to and including `end`: the latest MAX_TICKS."""
    first = _epoch_ms(start) // TICK_MS + 1
    last = _epoch_ms(end) // TICK_MS
    first = max(first, last - MAX_TICKS + 1)
    return [datetime.fromtimestamp(k * TICK_MS / 1000, UTC) for k in range(first, last + 1)]


_STEP_PRICES: dict[tuple, tuple[float, float]] = {}
_STEP_PRICES_KEPT = 4096


def _step_prices(instrument: Instrument, step_ms: int) -> tuple[float, float]:
    """The demo path's prices at the start and end of one step, computed once per step and
    instrument: a step holds 20 ticks, and the path costs numpy a call each time."""
    key = (instrument.id, instrument.demo.level, instrument.demo.daily_vol_pct, step_ms)
    found = _STEP_PRICES.get(key)
    if found is None:
        if len(_STEP_PRICES) >= _STEP_PRICES_KEPT:
            _STEP_PRICES.clear()
        path = price_path(instrument, np.array([step_ms, step_ms + _STEP_MS]) / 1000)
        found = _STEP_PRICES[key] = (float(path[0]), float(path[1]))
    return found


def demo_price(instrument: Instrument, at: datetime) -> float:
    """The streamed price of an instrument at `at`: between the demo path's steps, a straight
    line from one to the next with a seeded wiggle of about a step's typical move."""
    ms = _epoch_ms(at)
    step = ms // _STEP_MS * _STEP_MS
    before, after = _step_prices(instrument, step)
    share = (ms - step) / _STEP_MS
    # A step's typical move: daily volatility scaled to STEP_S by the square root of time.
    scale = instrument.demo.daily_vol_pct / 100 * math.sqrt(STEP_S / 86_400)
    wiggle = scale * math.sin(math.pi * share) * (2 * _uniform(f"{instrument.id}:{ms}") - 1)
    return float((before + (after - before) * share) * math.exp(wiggle))


def demo_tick(instrument: Instrument, market: str, at: datetime) -> Tick | None:
    """The tick of an instrument at `at` on the market it trades on; None while it is closed."""
    if not markets.is_open(market, at):
        return None
    return Tick(symbol=instrument.id, price=demo_price(instrument, at), time=at)


def ticks_between(dataset: Dataset, start: datetime, end: datetime) -> list[Tick]:
    """Every tick of a dataset's instruments on the grid after `start` up to `end`, in time
    order (the latest MAX_TICKS grid times only)."""
    ticks = []
    for at in tick_times(start, end):
        for instrument in dataset.instruments:
            found = demo_tick(instrument, instrument.market or dataset.market, at)
            if found is not None:
                ticks.append(found)
    return ticks
