"""Every request hook of the board's Flask server, installed here, once, in one order.

Flask runs the before-request hooks in the order they were installed until one answers (the view
is then not called), and the after-request hooks in the reverse order of installation, on every
answer: a view's, an early hook's refusal, an error handler's. So the order is behaviour, and it
is written down in one place: here. The hooks themselves live with what they are about.

Before a request, after Dash's own two (installed when the Dash app is built: `_setup_server`,
and the pages router that adds its callback on the first request; they never answer, and they
fill the callback map the guard reads):

1. `start_timer` (web.metrics): first of ours, so every request is timed, including one a later
   hook refuses (a redirect, an unknown scene, a malformed callback body).
2. `start_refresher` (only when this worker refreshes: the `worker` runner): the worker's first
   request starts the refresher, whatever its answer. From a request rather than at import: a
   thread started in a gunicorn master before the fork would not survive into the workers.
3. `only_scene_paths` (web.endpoints): "/" redirects to the first scene; a path that is no
   enabled scene is a 404 naming the scenes.
4. `check_callback_request` (web.callback_guard): a callback body Dash could not use is a 4xx
   before Dash reads it.

After a request, in this order:

1. `secure_response` (web.security): security headers and CORS on every answer, refusals and
   errors included.
2. `observe_request` (web.metrics): last, so the time covers the whole answer and is recorded
   with its final status.

No teardown hooks. The guard's 404 for an unknown component-suite resource is an error handler
(Flask picks it by exception, not by order); it is installed here too, so the guard's two halves
stay together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from dash import Dash

from engine.board import Board
from web.callback_guard import callback_checker, refuse_unknown_resources
from web.endpoints import scene_paths_only
from web.metrics import ScreenCounter, request_observer, start_timer
from web.security import security_headers

# The order each kind runs in, by hook name, as documented above (tests check the installed one).
BEFORE_REQUEST = ("start_timer", "start_refresher", "only_scene_paths", "check_callback_request")
AFTER_REQUEST = ("secure_response", "observe_request")


def first_request_starter(start: Callable[[], None]) -> Callable[[], None]:
    """A before-request hook that calls `start` on the first request it sees, then never."""
    started = threading.Event()

    def start_refresher() -> None:
        if not started.is_set():
            started.set()
            start()

    return start_refresher


def install_hooks(
    app: Dash,
    board: Board,
    *,
    screens: ScreenCounter,
    start_refresher: Callable[[], None] | None = None,
) -> None:
    """Install every request hook of the board's app, in the documented order (see the module).

    `screens` is the counter /metrics reports (web.endpoints); `start_refresher` is called on the
    worker's first request (None: this worker does not refresh).
    """
    before = [
        start_timer,
        *([first_request_starter(start_refresher)] if start_refresher is not None else []),
        # read per request: a configuration reload may enable or disable scenes
        scene_paths_only(lambda: [f"/{name}" for name, _ in board.settings.enabled_scenes()]),
        callback_checker(app),
    ]
    after = [security_headers(app, lambda: board.settings), request_observer(screens)]
    for hook in before:
        app.server.before_request(hook)
    for hook in reversed(after):  # Flask runs after-request hooks last installed first
        app.server.after_request(hook)
    refuse_unknown_resources(app)
