"""Refresh latency: every callback a kiosk screen fires, recorded from a real Chromium screen
(bench/replay.py) and replayed with wrk (C, so the client costs little) at 1, 10 and 50
concurrent clients against the board under `deploy/gunicorn.conf.py`, and in turn against two
floors:

- the bare floor (bench/barefloor.py): a Flask app that does nothing but return the recorded
  answer's bytes for the recorded request, under the same gunicorn settings and worker count;
- for the scene refresh, also the in-app floor (bench/floorapp.py): a route in the board's own
  app that reads the same cache, then returns the same bytes.

Idle ticks (the screen shows the current version: 204) and changed ones (one version behind: the
changed props set in place, 200) are both replayed; every answer's status is counted by wrk and
checked against the recorded one. The demo edition is frozen (no refresh while measuring), so an
idle body stays idle and a changed one stays changed. The section ends with where a changed tick's
time goes (bench/tickprofile.py).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from bench import tickprofile
from bench.barefloor import BareFloor, Recorded, write_recordings
from bench.common import start_board
from bench.replay import Call, record, symbols_of
from bench.report import Section, Target, run_alone, table
from tests.support.dashreq import CALLBACK, body_sent
from tests.support.demo import WORKERS, demo_config

CLIENTS = (1, 10, 50)
GOAL = 2.0  # callback p50 and p99 at most this many times the floor's
IN_PLACE = "set in place"  # a changed scene refresh: each changed prop on its own component
SLOT_S = 10  # the technicals kiosk's symbol slot (pages.technicals.KIOSK_CYCLE_S)

# One POST body per request: always the first (`slot` nil), or the one of the technicals cycle's
# current slot shifted by `slot` (0: the symbol showing, an idle tick; -1: the one before, a
# changed tick). Every answer's status is counted.
LUA = """
local files = {%(files)s}
local slot = %(slot)s
local slot_s = %(slot_s)d
local bodies = {}
local requests_by_body = {}
local threads = {}
statuses = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  for i, name in ipairs(files) do
    local f = io.open(name, "rb")
    bodies[i] = f:read("*a")
    f:close()
    requests_by_body[i] = wrk.format(nil, nil, nil, bodies[i])
  end
end

function request()
  if slot == nil then
    return requests_by_body[1]
  end
  return requests_by_body[(math.floor(os.time() / slot_s) + slot) %% #bodies + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%%d":%%d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT {\\"p50\\":%%d,\\"p95\\":%%d,\\"p99\\":%%d,\\"requests\\":%%d," ..
    "\\"errors\\":%%d,\\"seconds\\":%%f,\\"statuses\\":{%%s}}\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.requests,
    e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    table.concat(parts, ",")))
end
"""


def wrk(
    url: str, bodies: list[bytes], clients: int, seconds: float, workdir: Path, slot: int | None
) -> dict:
    """Latency percentiles (ms), throughput and the answers' statuses of POSTing to `url`."""
    files = []
    for index, body in enumerate(bodies):
        path = workdir / f"body-{index}.json"
        path.write_bytes(body)
        files.append(json.dumps(str(path)))
    script = workdir / "post.lua"
    script.write_text(
        LUA % {"files": ", ".join(files), "slot": "nil" if slot is None else slot, "slot_s": SLOT_S}
    )
    threads = min(clients, 2)
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {result.stdout[-500:]} {result.stderr[-500:]}")
    data = json.loads(line.removeprefix("RESULT "))
    for key in ("p50", "p95", "p99"):
        data[key] = data[key] / 1000
    data["rps"] = data["requests"] / data["seconds"]
    data["statuses"] = {int(k): v for k, v in data["statuses"].items()}
    return data


def post(url: str, body: bytes) -> requests.Response:
    """One POST of a recorded body, as the browser sent it."""
    return requests.post(
        url + CALLBACK, data=body, headers={"Content-Type": "application/json"}, timeout=30
    )


def answer_kind(status: int, content: bytes) -> str:
    """What an answer does: nothing (204, or an empty response), sets the changed props in
    place (a scene refresh's changed tick), or sends whole values."""
    answer = json.loads(content or b"{}") if status != 204 else {}
    if not answer.get("response") and not answer.get("sideUpdate"):
        return "nothing"
    return IN_PLACE if body_sent(answer) == "in place" else "whole values"


def updates(answer: requests.Response) -> bool:
    """Whether a callback's answer updates anything (not a 204, nor an empty response)."""
    return answer.status_code == 200 and bool(answer.json().get("response"))


def slot_now(symbols: list[str]) -> int:
    """The technicals cycle's slot now (the index of the symbol a kiosk shows)."""
    return int(time.time() // SLOT_S) % len(symbols)


def floor_answers(url: str, call: Call, path: str, symbols: list[str]) -> list[Recorded]:
    """The board's answers to a recorded call now, for the bare floor to return at `path`;
    each checked against the status the screen got (RuntimeError if it differs)."""
    if not call.variants:
        answer = post(url, call.body)
        if answer.status_code != call.status:
            raise RuntimeError(f"{call.name}: the board answers {answer.status_code} now")
        kind = answer.headers.get("Content-Type", "application/json")
        return [Recorded(path, call.body, call.status, kind, answer.content)]
    for _attempt in range(3):  # a slot's end between the two requests: ask again
        showing = slot_now(symbols)
        idle = post(url, call.variants[showing])
        behind = post(url, call.variants[(showing - 1) % len(symbols)])
        if slot_now(symbols) == showing:
            break
    if not (updates(idle) is False and updates(behind) is True):
        raise RuntimeError(f"{call.name}: {idle.status_code} / {behind.status_code} now")
    if call.case == "idle":
        kind = idle.headers.get("Content-Type", "application/json")
        return [Recorded(path, v, idle.status_code, kind, idle.content) for v in call.variants]
    # The answer names the slot's symbol: the next one after each variant's.
    shown = json.dumps(symbols[showing])
    kind = behind.headers.get("Content-Type", "application/json")
    return [
        Recorded(
            path,
            variant,
            200,
            kind,
            behind.content.replace(
                shown.encode(), json.dumps(symbols[(i + 1) % len(symbols)]).encode()
            ),
        )
        for i, variant in enumerate(call.variants)
    ]


def renew(url: str, call: Call) -> Call | None:
    """An idle tick as the screen would send it now, when what it recorded showing is no longer
    the board's (the shell's tape and alerts move with the clock too: a headline ages out, a
    market opens, an alert's age reads one minute more): the recorded body with each state the
    callback also outputs (what the screen shows: the tape's text, the banner's digest) set to
    the board's answer now. None when the recorded body is still idle, or it cannot be renewed
    so (the answer's statuses then show it)."""
    if call.case != "idle" or call.variants:
        return None
    answer = post(url, call.body)
    if answer.status_code == call.status:
        return None
    response = answer.json().get("response", {})
    parsed = json.loads(call.body)
    renewed = []
    for item in parsed.get("state", []):
        ident = item["id"]
        if isinstance(ident, dict):  # as Dash names a pattern-matching output in its answer
            ident = json.dumps(ident, separators=(",", ":"), sort_keys=True)
        value = response.get(ident, {}).get(item["property"], item["value"])
        renewed.append({**item, "value": value})
    if renewed == parsed.get("state", []):
        return None
    body = json.dumps({**parsed, "state": renewed}, separators=(",", ":")).encode()
    if post(url, body).status_code != call.status:
        return None
    return dataclasses.replace(call, body=body)


def _ms(run: dict | None) -> str:
    return "" if run is None else f"{run['p50']:.2f} / {run['p99']:.2f}"


def _ratio(app: dict, floor: dict | None, key: str) -> float:
    if floor is None or not floor[key]:
        return float("nan")
    return app[key] / floor[key]


def _x(value: float) -> str:
    return "" if value != value else f"{value:.1f}x"


def run(workdir: Path, quick: bool = False) -> Section:
    """Record a screen's callbacks, replay each against the board and the floors, profile the
    changed tick."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (bash bench/run installs it)")
    seconds = 1 if quick else 5
    load = os.getloadavg()
    config = demo_config(workdir, frozen=True)
    app = start_board(workdir, config)
    bare = None
    results: list[tuple[Call, int, dict, dict, dict | None]] = []
    try:
        raw = yaml.safe_load(config.read_text())
        symbols = symbols_of(raw)
        calls = record(app.url, raw)
        recorded: list[Recorded] = []
        paths, answers, not_in_place, renewals = {}, {}, [], []
        for index, call in enumerate(calls):
            paths[call.name] = f"/r{index:02d}{CALLBACK}"
            found = floor_answers(app.url, call, paths[call.name], symbols)
            recorded += found
            kind = answer_kind(found[0].status, found[0].answer)
            answers[call.name] = f"{found[0].status}, {kind}, {len(found[0].answer)} B"
            if (call.case == "changed") == (kind == "nothing"):
                raise RuntimeError(f"{call.name}: the board's answer updates {kind}")
            if call.group == "scene refresh" and call.case == "changed" and kind != IN_PLACE:
                not_in_place.append(f"{call.name} ({kind})")
            if call.scene is not None:  # the in-app floor's bytes for this scene and case
                answer = post(app.url, call.body)
                requests.post(
                    f"{app.url}/bench/capture/{call.scene}?case={call.case}"
                    f"&status={answer.status_code}",
                    data=answer.content,
                    timeout=10,
                ).raise_for_status()
        recordings = write_recordings(workdir / "recordings.json", recorded)
        bare = BareFloor(workdir / "barefloor", recordings, WORKERS).start()
        for index, call in enumerate(calls):
            for clients in CLIENTS:
                renewed = renew(app.url, call)
                if renewed is not None:  # the screen's shell moved on: see renew
                    calls[index] = call = renewed
                    recorded.append(Recorded(paths[call.name], call.body, 204, "", b""))
                    bare.stop()
                    write_recordings(recordings, recorded)
                    bare = BareFloor(workdir / "barefloor", recordings, WORKERS).start()
                    renewals.append(f"{call.name} (before {clients} clients)")
                bodies = list(call.variants) or [call.body]
                slot = None if not call.variants else (0 if call.case == "idle" else -1)
                # In turn: the board, the bare floor, the in-app floor (scene refresh only).
                board = wrk(app.url + CALLBACK, bodies, clients, seconds, workdir, slot)
                floor = wrk(bare.url + paths[call.name], bodies, clients, seconds, workdir, slot)
                inapp = None
                if call.scene is not None:
                    inapp = wrk(
                        f"{app.url}/bench/floor/{call.scene}?case={call.case}",
                        bodies,
                        clients,
                        seconds,
                        workdir,
                        slot,
                    )
                results.append((call, clients, board, floor, inapp))
    finally:
        if bare is not None:
            bare.stop()
        app.stop()
    profile = tickprofile.run(workdir / "profile", quick=quick)
    notes = not_in_place, renewals
    loads = f"{load[0]:.1f}, {os.getloadavg()[0]:.1f}"
    return section(calls, answers, notes, results, seconds, profile, loads)


def section(
    calls: list[Call],
    answers: dict[str, str],
    notes: tuple[list[str], list[str]],
    results: list[tuple[Call, int, dict, dict, dict | None]],
    seconds: float,
    profile: str,
    loads: str,
) -> Section:
    """The tables and the targets."""
    not_in_place, renewals = notes
    rows = []
    unexpected: list[str] = []
    worst: dict[str, dict[str, list[float]]] = {}
    for call, clients, board, floor, inapp in results:
        wrong = {
            f"{name} {status}": count
            for name, run in (("board", board), ("bare", floor), ("in-app", inapp))
            if run is not None
            for status, count in run["statuses"].items()
            if status != call.status
        }
        if wrong:
            unexpected.append(f"{call.name} at {clients}: {wrong}")
        p50, p99 = _ratio(board, floor, "p50"), _ratio(board, floor, "p99")
        ratios = worst.setdefault(call.name, {"p50": [], "p99": []})
        ratios["p50"].append(p50)
        ratios["p99"].append(p99)
        rows.append(
            (
                call.name,
                clients,
                _ms(board),
                _ms(floor),
                _x(p50),
                _x(p99),
                _ms(inapp),
                f"{_x(_ratio(board, inapp, 'p50'))} / {_x(_ratio(board, inapp, 'p99'))}"
                if inapp
                else "",
                f"{board['rps']:.0f} / {floor['rps']:.0f}",
                sum(wrong.values()) + board["errors"] + floor["errors"],
            )
        )
    recorded = table(
        ["callback", "group", "screen got", "request bytes", "board's answer", "replayed as"],
        [
            (
                c.name,
                c.group,
                c.status,
                len(c.body),
                answers[c.name],
                f"{len(c.variants)} bodies, by slot" if c.variants else "as recorded",
            )
            for c in calls
        ],
    )
    body = (
        "Every callback a kiosk screen fired, recorded from headless Chromium (demo edition, "
        "frozen data; bench/replay.py), replayed by wrk to `/_dash-update-component` under "
        f"`deploy/gunicorn.conf.py` ({seconds} s per run), and in turn to the bare floor "
        "(bench/barefloor.py: a Flask app returning the recorded bytes, same gunicorn settings "
        "and workers) and, for scene refreshes, the in-app floor (`POST /bench/floor/<scene>`: "
        "the same cache reads in the board's app, then the same bytes). *changed*: the screen "
        "one version behind (the changed props set in place, 200); *idle*: it shows the "
        "current version (204). "
        "The technicals cycle's tick is sent, per request, with the symbol of the current "
        "10 s slot (idle) or the one before (changed). The clocks and the date are clientside "
        "(no request); the screen's beat (`/api/screens/beat`) is not a callback and is not "
        f"replayed here. Load average of this machine (1 min) at the start and the end: "
        f"{loads} ({os.cpu_count()} cores; wrk runs on the same machine).\n\n"
        + recorded
        + (
            "\n\nChanged scene refreshes answered with whole values: " + ", ".join(not_in_place)
            if not_in_place
            else "\n\nEvery changed scene refresh set the changed props in place."
        )
        + (
            "\n\nRenewed before their runs (what the screen showed moved on with the clock "
            "since it was recorded; the body sent is the recorded one with the states the "
            "callback also outputs as the board had them then): " + ", ".join(renewals)
            if renewals
            else ""
        )
        + "\n\n"
        + table(
            [
                "callback",
                "clients",
                "board p50 / p99 ms",
                "bare floor p50 / p99 ms",
                "p50 ratio",
                "p99 ratio",
                "in-app floor p50 / p99 ms",
                "vs in-app p50 / p99",
                "req/s board / bare",
                "errors, other statuses",
            ],
            rows,
        )
        + (
            "\n\nAnswers with another status than the screen got: " + "; ".join(unexpected)
            if unexpected
            else "\n\nEvery answer had the status the screen got."
        )
        + "\n\n"
        + profile
    )
    targets = []
    for name, ratios in worst.items():
        for key in ("p50", "p99"):
            values = ratios[key]
            targets.append(
                Target(
                    f"{name}: {key} vs bare floor at 1, 10, 50 clients",
                    f"≤ {GOAL:g}x",
                    " / ".join(_x(v) for v in values),
                    all(v <= GOAL for v in values),
                )
            )
    return Section("Refresh latency", body, targets)


if __name__ == "__main__":
    run_alone("latency", run, sys.argv[1:])
