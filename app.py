"""Market Wallboard: the Dash app, its HTTP endpoints and the entry point.

`python app.py` serves the board on HOST:PORT (default 127.0.0.1:8050);
`gunicorn -w 4 app:server` serves it with gunicorn. The configuration is validated when this
module is imported; an invalid one stops the process with a message naming the key.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import dash
from dash import Dash

from components.scene import register_scene_callbacks, scene_pages
from components.search import register_search_callbacks
from components.shell import register_shell_callbacks, shell
from config import ConfigError, Settings, load_settings, secrets_of
from engine.board import Board
from engine.build import build_engine, check_settings
from engine.freshness import dataset_markets
from engine.refresher import utc_now
from providers import markets
from providers.base import Provider
from web.boards import EXTENSION
from web.endpoints import register_endpoints
from web.hooks import install_hooks
from web.logs import configure_json_logging
from web.metrics import ScreenCounter
from web.plotly_bundle import VENDOR_DIR
from web.wallboard_dash import WallboardDash

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("wallboard")

# Dash's default page has no <html lang>; screen readers need it. data-bs-theme turns on
# Bootstrap's own dark colour mode (served locally from assets/, no CDN).
INDEX_STRING = """<!DOCTYPE html>
<html lang="en" data-bs-theme="{theme}">
    <head>
        {{%metas%}}
        <title>{{%title%}}</title>
        {{%favicon%}}
        {{%css%}}
    </head>
    <body>
        {{%app_entry%}}
        <footer>
            {{%config%}}
            {{%scripts%}}
            {{%renderer%}}
        </footer>
    </body>
</html>"""


def _register_pages(app: Dash, settings: Settings) -> None:
    # dash.page_registry is process-global; a process that builds several apps (the tests)
    # must start each from a clean registry. Callbacks are registered on this app, not
    # globally, for the same reason.
    dash.page_registry.clear()
    # Every configured scene is a page, enabled or not, so a configuration reload or the console
    # can enable, disable and reorder scenes on a running board: which of them are served and
    # rotate is decided per request from the settings (web.endpoints.scene_paths_only, the
    # carousel's rotation from engine.control).
    configured = sorted(settings.scenes.items(), key=lambda item: (item[1].order, item[0]))
    # The page contract (components/scene.py): a page that breaks it is a ConfigError here.
    pages = scene_pages({name: importlib.import_module(f"pages.{name}") for name, _ in configured})
    for name, scene in configured:
        page = pages[name]
        if page.register is not None:
            page.register(app)
        dash.register_page(
            f"pages.{name}",
            path=f"/{name}",
            name=scene.title,
            title=f"{scene.title} · Wallboard",
            order=scene.order,
            layout=page.layout,
        )
    register_scene_callbacks(app, pages)
    # Not a scene (no carousel, no frame): one instrument's page, its ident in the path.
    instrument = importlib.import_module("pages.instrument")
    dash.register_page(
        "pages.instrument",
        path_template=instrument.PATH_TEMPLATE,
        name="Instrument",
        title="Instrument · Wallboard",
        layout=instrument.layout,
    )
    instrument.register(app)
    register_search_callbacks(app)


def create_app(
    settings: Settings,
    *,
    start_refresher: bool = True,
    providers: dict[str, Provider] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Dash:
    """Build the Dash app for a configuration: its engine (engine.build.build_engine, the
    builder the refresher process uses too), pages and endpoints."""
    engine = build_engine(settings, providers=providers, clock=clock)
    app = WallboardDash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        # Built bundles, linked by what needs them (web/plotly_bundle.py), not on every page.
        assets_path_ignore=[f"^{VENDOR_DIR}$"],
        title="Market Wallboard",
        update_title=None,
        serve_locally=True,
        # A page's own callbacks (the technicals picker) name components that exist only on
        # that page; without this the browser reports them missing on every other page.
        suppress_callback_exceptions=True,
    )
    app.index_string = INDEX_STRING.format(theme=settings.theme)
    store, refresher = engine.store, engine.refresher
    all_markets = {m for dataset in settings.datasets.values() for m in dataset_markets(dataset)}
    warming = threading.Thread(
        target=markets.warm, args=(all_markets, clock()), name="warm-calendars", daemon=True
    )
    warming.start()
    board = Board(
        settings,
        store,
        refresher,
        clock,
        engine.problems,
        alerts=engine.alerts,
        warming=warming,
        control_lock=engine.control_lock,
    )
    app.server.extensions[EXTENSION] = board

    _register_pages(app, settings)
    app.layout = lambda: shell(board, dash.page_container)
    register_shell_callbacks(app)
    screens = ScreenCounter()
    register_endpoints(
        app.server,
        board,
        check=check_settings,
        active_alerts=lambda: len(engine.alerts.active()),
        screens=screens,
    )
    # With the external runner, deploy/gunicorn.conf.py runs the refresher in its own process.
    refreshes_here = start_refresher and settings.refresh.runner == "worker"
    install_hooks(
        app, board, screens=screens, start_refresher=refresher.start if refreshes_here else None
    )
    return app


def build() -> Dash:
    """The app for the environment's configuration; exit with a clear message when it is bad."""
    try:
        settings = load_settings()
        configure_json_logging(secrets_of(settings))
        return create_app(settings)
    except ConfigError as exc:
        print(f"wallboard: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


_built: Dash | None = None
_build_lock = threading.Lock()


def __getattr__(name: str) -> object:
    """`app.server` (what gunicorn loads) and `app.app`, built on first access, not at import:
    importing this module (as the tests do) must not read the environment's configuration."""
    global _built
    if name not in ("app", "server"):
        raise AttributeError(name)
    with _build_lock:
        if _built is None:
            _built = build()
    return _built if name == "app" else _built.server


if __name__ == "__main__":
    dash_app = __getattr__("app")
    config = dash_app.server.extensions[EXTENSION].settings.server
    dash_app.run(host=config.host, port=config.port, debug=False, threaded=True)
