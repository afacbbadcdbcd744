"""The board's HTTP endpoints beside the Dash pages: health, status, snapshots, metrics, admin;
and which paths are pages (the scene paths; web.hooks installs that check).

Admin endpoints need `Authorization: Bearer <WALLBOARD_ADMIN_TOKEN>` (compared in constant time);
without the variable they are disabled (404). None of them calls an upstream except a forced
refresh, which is the point of it.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable

import flask

from config import ADMIN_ENV, ConfigError, Edition, Settings, load_settings
from engine.board import Board
from web.admin_console import register_admin_console
from web.latest_csv import snapshot_csv
from web.lookups_api import register_lookups_api
from web.metrics import BoardCollector, ScreenCounter, exposition
from web.screens_api import register_screens_api

log = logging.getLogger("wallboard.endpoints")
CSV = ".csv"


def admin_refusal() -> tuple[flask.Response, int] | None:
    """None when the request carries the admin token; else the answer to give."""
    token = os.environ.get(ADMIN_ENV, "")
    if not token:
        return flask.jsonify({"error": f"admin endpoints are disabled (set {ADMIN_ENV})"}), 404
    header = flask.request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        return flask.jsonify({"error": "a valid admin token is required"}), 401
    return None


def scene_paths_only(
    enabled_paths: Callable[[], list[str]],
) -> Callable[[], flask.Response | tuple[flask.Response, int] | None]:
    """The before-request hook for Dash's page paths: "/" redirects to the first scene (keeping
    the query), a path that is no enabled scene (`enabled_paths()` now) is a 404 naming the
    scenes; None lets the request through."""

    def only_scene_paths() -> flask.Response | tuple[flask.Response, int] | None:
        path = flask.request.path
        if path == "/":
            query = flask.request.query_string.decode("latin-1")
            return flask.redirect(enabled_paths()[0] + (f"?{query}" if query else ""), code=302)
        # Dash answers every other path with its page shell; only scene paths are pages here,
        # and one instrument's page (pages.instrument: it says itself when the ident is bad).
        # Callbacks, assets and the API are no page: the scenes are not even listed for them.
        rule = flask.request.url_rule
        if rule is None or rule.rule != "/<path:path>":
            return None
        instrument = path.startswith("/instrument/") and path.count("/") == 2 and len(path) > 12
        scene_paths = enabled_paths()
        if path not in scene_paths and not instrument:
            return flask.jsonify({"error": "unknown scene", "scenes": scene_paths}), 404
        return None

    return only_scene_paths


def register_endpoints(
    server: flask.Flask,
    board: Board,
    *,
    check: Callable[[Settings], None],
    active_alerts: Callable[[], int],
    screens: ScreenCounter,
) -> None:
    """Health, status, latest, metrics and admin routes. `screens` is the counter the request
    timing (web.metrics.request_observer) feeds, for /metrics."""
    collector = BoardCollector(board, screens, active_alerts)
    register_lookups_api(server, board)  # on-demand history asks (web.lookups_api)
    register_screens_api(server, board)  # the screens' beat and the operators' API (web.auth)
    register_admin_console(server, board)  # the operators' console at /admin

    @server.get("/healthz")
    def healthz() -> flask.Response:
        # Serving is healthy even with the shared cache down (the host's copy is served), so a
        # load balancer keeps the instance; the cache state is said for operators.
        return flask.jsonify({"ok": True, "cache": board.store.health()["state"]})

    @server.get("/api/status")
    def api_status() -> flask.Response:
        return flask.jsonify(board.status())

    @server.get("/api/latest/<dataset>")
    def api_latest(dataset: str) -> tuple[flask.Response, int] | flask.Response:
        # `<dataset>.csv` is the same snapshot as CSV: one route, so the suffix is decided here
        # only (dataset names are slugs, never with a dot).
        name, as_csv = (dataset[: -len(CSV)], True) if dataset.endswith(CSV) else (dataset, False)
        if name not in board.settings.datasets:
            return flask.jsonify(
                {"error": "unknown dataset", "datasets": sorted(board.settings.datasets)}
            ), 404
        snapshot = board.snapshot(name)
        if as_csv:
            return flask.Response(
                snapshot_csv(snapshot),
                mimetype="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        return flask.Response(snapshot.model_dump_json(), mimetype="application/json")

    @server.get("/metrics")
    def metrics() -> flask.Response:
        body, content_type = exposition(collector)
        return flask.Response(body, content_type=content_type)

    @server.post("/admin/refresh/<dataset>")
    def admin_refresh(dataset: str):
        if (refused := admin_refusal()) is not None:
            return refused
        if dataset not in board.settings.datasets or board.refresher is None:
            return flask.jsonify({"error": "unknown dataset"}), 404
        board.refresher.refresh(dataset)
        log.info("admin: forced refresh of %s", dataset)
        return flask.jsonify({"dataset": dataset, **board.dataset_status(dataset)})

    @server.post("/admin/reload")
    def admin_reload():
        if (refused := admin_refusal()) is not None:
            return refused
        code, body = reload_settings(board, check)
        return flask.jsonify(body), code

    @server.post("/admin/demo/spike")
    def admin_demo_spike():
        if (refused := admin_refusal()) is not None:
            return refused
        if board.settings.edition is not Edition.DEMO or board.refresher is None:
            return flask.jsonify({"error": "spikes exist only in the demo edition"}), 404
        body = flask.request.get_json(silent=True) or {}
        dataset, instrument = str(body.get("dataset", "")), str(body.get("instrument", ""))
        try:
            pct = float(body.get("pct", 0))
        except (TypeError, ValueError):
            pct = 0.0
        ids = {i.id for i in board.settings.datasets.get(dataset, _NO_DATASET).instruments}
        if instrument not in ids or not -90 < pct < 1000 or pct == 0:
            return flask.jsonify(
                {
                    "error": "need a demo dataset, one of its instruments and a "
                    "non-zero pct between -90 and 1000"
                }
            ), 400
        board.refresher.providers["demo"].spike(instrument, pct)
        board.refresher.refresh(dataset)
        log.info("admin: demo spike of %s %s by %s %%", dataset, instrument, pct)
        return flask.jsonify({"dataset": dataset, **board.dataset_status(dataset)})


class _NoDataset:
    instruments: tuple = ()


_NO_DATASET = _NoDataset()


def reload_settings(
    board: Board, check: Callable[[Settings], None], settings: Settings | None = None
) -> tuple[int, dict]:
    """Apply the configuration (read now, unless given) to this process's board: /admin/reload,
    and the gunicorn master on HUP before it forks new workers. A bad file, or a change that
    needs a restart, is refused with the reason and the running configuration kept. Returns an
    HTTP status and a JSON body."""
    try:
        settings = settings or load_settings()
        check(settings)
    except ConfigError as exc:
        log.warning("config reload refused: %s", exc)
        return 400, {"error": str(exc), "kept": "the running configuration"}
    if settings == board.settings:
        return 200, {"reloaded": False, "unchanged": True, "worker": os.getpid()}
    problem = _restart_needed(board.settings, settings)
    if problem:
        log.warning("config reload refused: %s", problem)
        return 409, {"error": problem, "kept": "the running configuration"}
    board.settings = settings
    if board.refresher is not None:
        board.refresher.settings = settings
    log.info("configuration reloaded in process %s", os.getpid())
    return 200, {"reloaded": True, "worker": os.getpid()}


def _restart_needed(running: Settings, new: Settings) -> str | None:
    """Why a reload cannot apply in place (None when it can)."""
    if new.edition is not running.edition:
        return "the edition changed: restart the app"
    if set(new.datasets) != set(running.datasets) or set(new.scenes) != set(running.scenes):
        return "datasets or scenes were added or removed: restart the app"
    return None
