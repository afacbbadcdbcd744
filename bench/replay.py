"""The callbacks a kiosk screen fires, recorded from a real headless Chromium screen, for the
refresh benchmark (bench/latency.py) to replay with wrk.

A fetch wrapper, installed before any of the page's scripts (CDP
`Page.addScriptToEvaluateOnNewDocument`), keeps every POST the Dash renderer sends to
`/_dash-update-component`: the body exactly as the browser sent it, and the status it got. The
screen is the demo edition in kiosk mode (`?kiosk=1`); the scene changes as the carousel makes
them (`set_props` on `wb-nav.href`), and an interval's tick is made as dcc.Interval makes it
(`set_props` on its `n_intervals`), so the renderer builds every body itself, without waiting the
30 s a frozen board's scenes poll at.

Per scene (overview, technicals, crypto): its page (the scene change), then a refresh tick after its
datasets were refreshed with new demo data, one instrument moved 0.5 % by the demo's spike so that
even a closed market's scene changes (the screen one version behind: the changed props set in place,
200) and the next tick (the screen current: idle, 204). On technicals also the kiosk's symbol cycle:
its 2 s tick (while the slot's symbol shows, a 200 with an empty answer: Dash sends
`{"multi":true,"response":{}}` for a callback returning no_update, not a 204; when the slot has
moved on, a 200 naming the next symbol) and the chart redraw that follows. The
shell: the tape (a tick after a crypto quote moved, 200, then idle, 204) and the health tick
(scene health and alerts, 204 each).
The clocks and the date are clientside: they send nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import requests

from bench.common import ADMIN_TOKEN
from tests.support.kiosk import kiosk_browser, page_value

# Kept in the page from its first script on: every callback POST, its body and its status.
RECORDER_JS = """(function () {
  if (window.__wbCalls) { return; }
  window.__wbCalls = [];
  var original = window.fetch;
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var promise = original.apply(this, arguments);
    if (url.indexOf("_dash-update-component") < 0 || !init || typeof init.body !== "string") {
      return promise;
    }
    var entry = {at: Date.now(), body: init.body, status: null, answer: null};
    window.__wbCalls.push(entry);
    return promise.then(function (response) {
      response.clone().text().then(function (text) {
        entry.answer = text;
        entry.status = response.status;
      });
      return response;
    });
  };
})();"""
TAKE_JS = "window.__wbCalls || []"
CLEAR_JS = "window.__wbCalls = []; 0"
DEMO_MOVE_S = 5.2  # the demo's prices move every 5 s: a refresh after this has new ones
MOVE_PCT = 0.5  # the move given to one instrument of each refreshed dataset
WAIT_S = 20.0

SCENES = ("overview", "technicals", "crypto")
# The scene whose new data is also the tape's (crypto trades every day): its ticks and the
# tape's are recorded from the same refresh, so neither idle body is outdated by the other's.
TAPE_SCENE = "crypto"


@dataclass(frozen=True)
class Call:
    """One recorded callback request: what it is, its body as sent, and the status the screen
    got (204: nothing changed; 200: an update)."""

    name: str  # e.g. "overview refresh, changed"
    group: str  # "scene refresh", "page", "shell", "technicals cycle"
    scene: str | None  # the scene whose refresh it is (the in-app floor serves those)
    case: str  # "idle" or "changed"
    body: bytes
    status: int
    # The kiosk's symbol cycle: its shown symbol is a state value; the replay sends, per
    # request, the body whose symbol is the current slot's (idle) or the previous slot's
    # (changed), so `variants` holds one body per symbol in cycle order.
    variants: tuple[bytes, ...] = ()


def kind_of(body: dict) -> str:
    """Which callback a body is for, from its output."""
    output = body.get("output", "")
    for part, kind in (
        ("scene-badges", "refresh"),
        ("_pages_content", "page"),
        ("wb-health.data", "health"),
        ("wb-alerts.children", "alerts"),
        ("wb-tape.items", "tape"),
        ("technicals-chart.children", "chart"),
        ("technicals-symbol.data", "cycle"),
    ):
        if part in output:
            return kind
    return output


class Screen:
    """A kiosk in headless Chromium with the recorder installed."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.driver = kiosk_browser()
        self.driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER_JS}
        )
        self.ticks = 1000

    def close(self) -> None:
        """Quit the browser."""
        self.driver.quit()

    def wait_scene(self, scene: str) -> None:
        """Until the scene is drawn."""
        selector = json.dumps(f'.wb-scene[data-scene="{scene}"]')
        deadline = time.monotonic() + WAIT_S
        while not page_value(self.driver, f"!!document.querySelector({selector})"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the kiosk never drew {scene}")
            time.sleep(0.1)

    def calls(self) -> list[dict]:
        """The calls so far (status None: not answered yet), each with its parsed body and
        kind."""
        found = []
        for call in page_value(self.driver, TAKE_JS) or []:
            parsed = json.loads(call["body"])
            found.append({**call, "parsed": parsed, "kind": kind_of(parsed)})
        return found

    def clear(self) -> None:
        """Forget the calls recorded so far."""
        page_value(self.driver, CLEAR_JS)

    def wait_for(self, kinds: set[str], since: int = 0) -> list[dict]:
        """Until a call of each kind has been answered (among the calls after the first
        `since`); the last of each kind."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            calls = [c for c in self.calls()[since:] if c["status"] is not None]
            last = {c["kind"]: c for c in calls}
            if kinds <= last.keys():
                return [last[k] for k in sorted(kinds)]
            time.sleep(0.1)
        raise RuntimeError(f"the kiosk sent no {sorted(kinds)} call in {WAIT_S:.0f} s")

    def tick(self, component: dict | str, kinds: set[str]) -> list[dict]:
        """Make an interval tick as dcc.Interval does; the calls it caused."""
        since = len(self.calls())
        self.ticks += 1
        page_value(
            self.driver,
            f"window.dash_clientside.set_props({json.dumps(component)}, "
            f"{{n_intervals: {self.ticks}}})",
        )
        return self.wait_for(kinds, since)

    def go(self, scene: str) -> dict:
        """Move to a scene as the carousel does; the page call it caused."""
        since = len(self.calls())
        page_value(
            self.driver,
            f'window.dash_clientside.set_props("wb-nav", {{href: "/{scene}" + '
            "window.location.search})",
        )
        self.wait_scene(scene)
        return self.wait_for({"page"}, since)[0]


def refresh(url: str, datasets: list[str]) -> None:
    """New demo data for the datasets (the admin endpoint: a forced refresh)."""
    for dataset in datasets:
        requests.post(
            f"{url}/admin/refresh/{dataset}",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=30,
        ).raise_for_status()


def move(url: str, raw: dict, datasets: list[str]) -> None:
    """New data that differs from the shown: each dataset refreshed with its first instrument
    moved by MOVE_PCT (the demo's spike, so a closed market's prices move too); a dataset
    without instruments is refreshed as it is."""
    for dataset in datasets:
        instruments = raw["datasets"][dataset].get("instruments") or []
        if not instruments:
            refresh(url, [dataset])
            continue
        requests.post(
            f"{url}/admin/demo/spike",
            json={"dataset": dataset, "instrument": instruments[0]["id"], "pct": MOVE_PCT},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=30,
        ).raise_for_status()


def symbols_of(raw: dict) -> list[str]:
    """The technicals cycle's symbols, in order: its bar dataset's instruments."""
    (history,) = raw["scenes"]["technicals"]["datasets"][:1]
    return [i["id"] for i in raw["datasets"][history]["instruments"]]


def empty(recorded: dict) -> bool:
    """Whether an answer updates nothing (a 204, or a 200 with an empty response)."""
    if recorded["status"] == 204:
        return True
    return not json.loads(recorded["answer"] or "{}").get("response")


def _call(name: str, group: str, recorded: dict, *, scene: str | None = None) -> Call:
    case = "idle" if empty(recorded) else "changed"
    return Call(name, group, scene, case, recorded["body"].encode(), recorded["status"])


def _expect(recorded: dict, status: int, what: str) -> dict:
    if recorded["status"] != status:
        raise RuntimeError(f"{what}: the screen got {recorded['status']}, not {status}")
    return recorded


def record(url: str, raw: dict) -> list[Call]:
    """Every callback the replay measures, recorded from one kiosk screen on the board at
    `url` (`raw`: its configuration)."""
    symbols = symbols_of(raw)
    screen = Screen(url)
    calls: list[Call] = []
    try:
        screen.driver.get(f"{url}/{SCENES[0]}?kiosk=1")
        screen.wait_scene(SCENES[0])
        time.sleep(DEMO_MOVE_S)
        for index, scene in enumerate(SCENES):
            if index:
                page = screen.go(scene)
                calls.append(_call(f"{scene} page (scene change)", "page", page))
            tick = {"type": "scene-tick", "scene": scene}
            with_tape = scene == TAPE_SCENE
            if with_tape:
                screen.tick("wb-ticker-tick", {"tape"})  # what the scenes before did to it
            move(url, raw, raw["scenes"][scene]["datasets"])
            (changed,) = screen.tick(tick, {"refresh"})
            tape_changed = screen.tick("wb-ticker-tick", {"tape"})[0] if with_tape else None
            (idle,) = screen.tick(tick, {"refresh"})
            tape_idle = screen.tick("wb-ticker-tick", {"tape"})[0] if with_tape else None
            _expect(changed, 200, f"{scene}'s tick after new data")
            _expect(idle, 204, f"{scene}'s next tick")
            calls.append(_call(f"{scene} refresh, changed", "scene refresh", changed, scene=scene))
            calls.append(_call(f"{scene} refresh, idle", "scene refresh", idle, scene=scene))
            if scene == "technicals":
                calls += _cycle(screen, symbols)
            if tape_changed and tape_idle:
                _expect(tape_changed, 200, f"the tape's tick after new {scene} quotes")
                _expect(tape_idle, 204, "the tape's next tick")
                calls.append(_call("shell tape, changed", "shell", tape_changed))
                calls.append(_call("shell tape, idle", "shell", tape_idle))
        alerts, health = screen.tick("wb-health-tick", {"health", "alerts"})  # sorted by kind
        _expect(health, 204, "the health tick")
        _expect(alerts, 204, "the alerts tick")
        calls.append(_call("shell health tick", "shell", health))
        calls.append(_call("shell alerts tick", "shell", alerts))
    finally:
        screen.close()
    return calls


def _cycle(screen: Screen, symbols: list[str]) -> list[Call]:
    """The technicals kiosk's cycle: its tick (idle and changed) and the chart redraw."""
    screen.clear()
    deadline = time.monotonic() + WAIT_S
    seen: dict[str, dict] = {}
    wanted = {"cycle-idle", "cycle-changed", "chart"}
    while time.monotonic() < deadline and not wanted <= seen.keys():
        for call in screen.calls():
            if call["status"] is None:
                continue
            if call["kind"] == "cycle":
                seen["cycle-idle" if empty(call) else "cycle-changed"] = call
            elif call["kind"] == "chart":
                seen["chart"] = call
        time.sleep(0.2)
    missing = wanted - seen.keys()
    if missing:
        raise RuntimeError(f"the technicals kiosk sent no {sorted(missing)} in {WAIT_S:.0f} s")
    _expect(seen["chart"], 200, "the technicals chart redraw")

    def variants(recorded: dict) -> tuple[bytes, ...]:
        parsed = recorded["parsed"]
        out = []
        for symbol in symbols:
            state = [{**s, "value": symbol} for s in parsed["state"]]
            out.append(json.dumps({**parsed, "state": state}, separators=(",", ":")).encode())
        return tuple(out)

    idle, changed = seen["cycle-idle"], seen["cycle-changed"]
    _expect(changed, 200, "the technicals cycle's tick naming the next symbol")
    return [
        Call(
            "technicals cycle tick, idle",
            "technicals cycle",
            None,
            "idle",
            idle["body"].encode(),
            idle["status"],
            variants(idle),
        ),
        Call(
            "technicals cycle tick, changed",
            "technicals cycle",
            None,
            "changed",
            changed["body"].encode(),
            200,
            variants(changed),
        ),
        _call("technicals chart redraw (next symbol)", "technicals cycle", seen["chart"]),
    ]
