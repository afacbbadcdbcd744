"""Tick-to-glass: how long a price sent by a stream takes to show on a screen in Chromium.

The fake stream sends a price no tile has shown yet; a MutationObserver in the page notes when
each tile's price text first reads each value (Date.now()); the time from sending to that moment
is one sample. Both clocks are this machine's. tests/e2e/test_tick_to_glass.py asserts on it
and bench/stream.py reports it, with screens polling beside it (tests/support/load.py).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from components.format import format_price
from config import load_settings
from tests.support.figures import percentile
from tests.support.kiosk import page_value
from tests.support.livestack import SYMBOLS, LiveBoard

# Every tile's price text, the first time it reads each value: {"btc|16,800.50": epoch ms}.
WATCH_JS = """(function () {
  if (window.__wbSeen) { return true; }
  window.__wbSeen = {};
  function note() {
    var now = Date.now();
    document.querySelectorAll("[data-instrument] .wb-tile__price").forEach(function (node) {
      var tile = node.closest("[data-instrument]");
      var key = tile.getAttribute("data-instrument") + "|" + node.textContent.trim();
      if (!(key in window.__wbSeen)) { window.__wbSeen[key] = now; }
    });
  }
  note();
  new MutationObserver(note).observe(document.body,
    {childList: true, subtree: true, characterData: true});
  return true;
})()"""
DATASET = {"btc": "crypto", "spx": "indices"}
SCENE = {"crypto": "crypto", "indices": "overview"}
STEP = 2e-5  # each sample's price moves this fraction further from the polled one


@dataclass
class GlassRun:
    source: str
    samples_ms: list[float]
    missed: int  # prices never shown within the timeout

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples_ms, 95)

    def summary(self) -> dict:
        return {
            "source": self.source,
            "samples": len(self.samples_ms),
            "missed": self.missed,
            "p50_ms": round(self.p50_ms, 1),
            "p95_ms": round(self.p95_ms, 1),
            "max_ms": round(max(self.samples_ms), 1),
        }


def open_scene(driver, board: LiveBoard, source: str) -> None:
    """Show the scene of the source's instrument, and watch its tiles."""
    _, instrument = SYMBOLS[source]
    driver.get(f"{board.url}/{SCENE[DATASET[instrument]]}")
    deadline = time.monotonic() + 30
    selector = f'[data-instrument="{instrument}"] .wb-tile__price'
    while not page_value(driver, f"!!document.querySelector({json.dumps(selector)})"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the {instrument} tile never showed")
        time.sleep(0.1)
    page_value(driver, WATCH_JS)


def measure(
    driver, board: LiveBoard, source: str, samples: int = 20, gap_s: float = 0.7
) -> GlassRun:
    """Send `samples` unique prices on the source's stream, one every `gap_s` or once the last
    showed; the time each took to show on the open scene."""
    symbol, instrument = SYMBOLS[source]
    config = load_settings({"WALLBOARD_CONFIG": str(board.config)})
    dataset = config.datasets[DATASET[instrument]]
    described = next(i for i in dataset.instruments if i.id == instrument)
    base = board.latest(DATASET[instrument])[instrument]["price"]
    taken: list[float] = []
    missed = 0
    # A first tick, not measured: after a closed market's quiet a screen polls at its dataset's
    # cadence until a tick shows (components/scene.py: streaming), then every screen_poll_ms.
    primer = round(base * (1 - STEP / 2), 2)
    board.streams[source].send(symbol, primer)
    key = json.dumps(f"{instrument}|{format_price(primer, described)}")
    deadline = time.monotonic() + 60
    while not page_value(driver, f"window.__wbSeen[{key}] || null"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the first {source} tick never showed")
        time.sleep(0.05)
    for n in range(samples):
        # At the decimals shown: Yahoo's PricingData carries a float32, and an unrounded price
        # could show rounded the other way (5,062.765 as float32 reads 5,062.77).
        price = round(base * (1 + STEP * (n + 1) * (-1) ** n), 2)
        key = json.dumps(f"{instrument}|{format_price(price, described)}")
        sent_ms = time.time() * 1000
        board.streams[source].send(symbol, price)
        seen = None
        deadline = time.monotonic() + 5
        while seen is None and time.monotonic() < deadline:
            time.sleep(0.01)
            seen = page_value(driver, f"window.__wbSeen[{key}] || null")
        if seen is None:
            missed += 1
        else:
            taken.append(max(0.0, seen - sent_ms))
        time.sleep(max(0.0, gap_s - (time.time() * 1000 - sent_ms) / 1000))
    return GlassRun(source, taken, missed)
