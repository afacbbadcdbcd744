"""Bytes per refresh, per scene: what a screen sends and receives on an idle tick and on a tick
after new data, against the size of the data that actually changed (the changed records as
compact JSON). Raw bytes, and the answer gzipped as nginx sends it."""

from __future__ import annotations

import gzip
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests

from bench.common import ADMIN_TOKEN, start_board
from bench.report import Section, Target, run_alone, table
from tests.support.dashreq import CALLBACK, body_sent, poll_of, scene_refresh_body, version_of
from tests.support.demo import demo_config, enabled_scenes

# Scenes made of quote tiles (the target applies to these).
TILE_KINDS = {"quote"}


def post(url: str, body: dict) -> requests.Response:
    """POST a refresh as the browser does."""
    return requests.post(url + CALLBACK, json=body, timeout=10)


def request_bytes(body: dict) -> int:
    """The request body's size as the browser sends it (compact JSON)."""
    return len(json.dumps(body, separators=(",", ":")).encode())


def records(url: str, dataset: str) -> dict[str, str]:
    """A dataset's records as compact JSON, by identity (kind + symbol / tenor / title)."""
    snapshot = requests.get(f"{url}/api/latest/{dataset}", timeout=10).json()
    found = {}
    for record in snapshot["records"]:
        who = record.get("symbol") or record.get("tenor") or record.get("title") or ""
        when = record.get("time") or record.get("as_of") or record.get("at") or ""
        key = f"{record['kind']}:{who}:{when if record['kind'] in ('bar', 'curve') else ''}"
        found[key] = json.dumps(record, separators=(",", ":"), sort_keys=True)
    return found


def changed_bytes(before: dict[str, str], after: dict[str, str]) -> int:
    """Size of the records that are new or differ."""
    return sum(len(text.encode()) for key, text in after.items() if before.get(key) != text)


def run(workdir: Path, quick: bool = False) -> Section:
    """Every scene with datasets: an idle tick, then a tick after its datasets were refreshed."""
    config = demo_config(workdir, frozen=True)
    kinds = {}
    app = start_board(workdir, config)
    rows, tile_ratios = [], []
    try:
        deps = requests.get(f"{app.url}/_dash-dependencies", timeout=10).json()
        status = requests.get(f"{app.url}/api/status", timeout=10).json()
        scenes = [(n, s) for n, s in enabled_scenes(config) if s.get("datasets")]
        if quick:
            scenes = scenes[:3]
        import yaml

        datasets_config = yaml.safe_load(config.read_text())["datasets"]
        kinds = {name: d["kind"] for name, d in datasets_config.items()}
        del status
        for scene, spec in scenes:
            datasets = spec["datasets"]
            first = post(app.url, scene_refresh_body(deps, scene))
            shown, polling = version_of(first.json()), poll_of(first.json())
            idle_body = scene_refresh_body(
                deps, scene, tick=2, shown_version=shown, polling_ms=polling
            )
            idle = post(app.url, idle_body)
            before = {d: records(app.url, d) for d in datasets}
            time.sleep(5.2)  # the demo's prices move every 5 s
            for dataset in datasets:
                requests.post(
                    f"{app.url}/admin/refresh/{dataset}",
                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                    timeout=30,
                ).raise_for_status()
            after = {d: records(app.url, d) for d in datasets}
            changed_body = scene_refresh_body(
                deps, scene, tick=3, shown_version=shown, polling_ms=polling
            )
            changed = post(app.url, changed_body)
            data = sum(changed_bytes(before[d], after[d]) for d in datasets)
            sent = request_bytes(changed_body)
            got = len(changed.content)
            zipped = len(gzip.compress(changed.content, 5)) if got >= 1024 else got
            body_as = body_sent(changed.json() if changed.content else None)
            ratio = (sent + got) / data if data else float("nan")
            tiles = all(kinds[d] in TILE_KINDS for d in datasets)
            if tiles and data:
                tile_ratios.append((scene, ratio))
            rows.append(
                (
                    scene,
                    "tiles" if tiles else ", ".join(sorted({kinds[d] for d in datasets})),
                    f"{request_bytes(idle_body)} + {len(idle.content)} ({idle.status_code})",
                    data,
                    sent,
                    got,
                    zipped,
                    body_as,
                    f"{ratio:.2f}",
                    f"{(sent + zipped) / data:.2f}" if data else "n/a",
                )
            )
    finally:
        app.stop()
    body = (
        "Per scene, an idle tick (request + answer bytes, HTTP status) and a tick after its "
        "datasets were refreshed with new demo prices: the changed records as compact JSON "
        "(the data that actually changed), the request, the answer raw and gzipped (nginx "
        "compresses answers of 1 KiB or more), and (request + answer) / changed data.\n\n"
        + table(
            [
                "scene",
                "kind",
                "idle tick bytes",
                "changed data",
                "request",
                "answer",
                "answer gzip",
                "body sent as",
                "ratio raw",
                "ratio gzip",
            ],
            rows,
        )
    )
    worst = max(tile_ratios, key=lambda pair: pair[1]) if tile_ratios else ("none", float("nan"))
    if not tile_ratios:
        body += "\n\nNo tile scene's data changed in this run (every market closed?)."
    moved_rows, moved_ratios = moved_ticks(workdir / "moved")
    body += (
        "\n\n**Every instrument moved.** The demo holds a closed market's prices where they "
        "stopped, so on a weekend only crypto moves above. Here, in one process (Flask's test "
        f"client, the same bodies), every quote of each tile scene is moved by {MOVE_PCT} % and "
        f"its time by {MOVE_S} s, as a live tick would, and the changed tick is measured for a "
        "kiosk (`?kiosk=1`, the wall) and an analyst's screen:\n\n"
        + table(
            ["scene", "screen", "changed data", "request", "answer", "body sent as", "ratio raw"],
            moved_rows,
        )
    )
    kiosk_worst = max(moved_ratios, key=lambda pair: pair[1])
    targets = [
        Target(
            "Bytes per refresh vs changed data, tile scenes (raw, request + answer)",
            "≤ 1.2x",
            f"worst {worst[1]:.2f}x ({worst[0]}); "
            + ", ".join(f"{s} {r:.2f}x" for s, r in tile_ratios),
            (worst[1] <= 1.2) if tile_ratios else None,  # None: no tile scene's data moved
        ),
        Target(
            "Bytes per changed tick vs changed data, every tile scene, every instrument moved "
            "(kiosk, raw)",
            "≤ 1.2x",
            f"worst {kiosk_worst[1]:.2f}x ({kiosk_worst[0]}); "
            + ", ".join(f"{s} {r:.2f}x" for s, r in moved_ratios),
            kiosk_worst[1] <= 1.2,
        ),
    ]
    return Section("Bytes per refresh", body, targets)


MOVE_PCT = 0.1
MOVE_S = 30


def moved_ticks(workdir: Path) -> tuple[list[tuple], list[tuple[str, float]]]:
    """Each tile scene's changed tick when every one of its quotes moves: rows for the table,
    and (scene, ratio) for the kiosk."""
    from providers.models import Quote, Snapshot  # the app only in this part of the bench
    from tests.support.demo import refreshed_demo_app

    app = refreshed_demo_app(workdir)
    board = app.server.extensions["wallboard"]
    client = app.server.test_client()
    client.get("/overview")  # sets Dash up
    deps = client.get("/_dash-dependencies").get_json()

    def latest(dataset: str) -> dict[str, str]:
        found = {}
        for record in client.get(f"/api/latest/{dataset}").get_json()["records"]:
            found[record.get("symbol", "")] = json.dumps(
                record, separators=(",", ":"), sort_keys=True
            )
        return found

    def move(snapshot: Snapshot) -> Snapshot:
        later = timedelta(seconds=MOVE_S)
        records = tuple(
            Quote.from_prices(
                **{
                    **r.model_dump(exclude={"price", "change", "change_pct", "as_of"}),
                    "price": r.price * (1 + MOVE_PCT / 100),
                    "as_of": r.as_of + later,
                }
            )
            if isinstance(r, Quote)
            else r
            for r in snapshot.records
        )
        return snapshot.model_copy(
            update={
                "records": records,
                "as_of": snapshot.as_of + later if snapshot.as_of else None,
                "fetched_at": snapshot.fetched_at + later if snapshot.fetched_at else None,
            }
        )

    rows, ratios = [], []
    for scene, spec in board.settings.enabled_scenes():
        datasets = list(spec.datasets)
        if not datasets or any(board.settings.datasets[d].kind.value != "quote" for d in datasets):
            continue
        for screen, query in (("kiosk", {"kiosk": "1"}), ("analyst", {})):
            first = client.post(CALLBACK, json=scene_refresh_body(deps, scene, query=query))
            shown, polling = version_of(first.get_json()), poll_of(first.get_json())
            before = {d: latest(d) for d in datasets}
            for dataset in datasets:
                board.store.write(move(board.store.read(dataset)), persist=False)
            after = {d: latest(d) for d in datasets}
            body = scene_refresh_body(
                deps, scene, tick=2, shown_version=shown, query=query, polling_ms=polling
            )
            answer = client.post(CALLBACK, json=body)
            data = sum(changed_bytes(before[d], after[d]) for d in datasets)
            sent, got = request_bytes(body), len(answer.data)
            body_as = body_sent(answer.get_json() if answer.data else None)
            ratio = (sent + got) / data if data else float("nan")
            rows.append((scene, screen, data, sent, got, body_as, f"{ratio:.2f}"))
            if screen == "kiosk":
                ratios.append((scene, ratio))
    return rows, ratios


if __name__ == "__main__":
    run_alone("bytes", run, sys.argv[1:])
