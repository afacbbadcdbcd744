"""Every callback request the browser makes passes the request guard (web/callback_guard.py).

Headless Chromium keeps its performance log (the network events) and its whole console; each
`/_dash-update-component` request is read with the status of its answer. Two runs:

- the demo edition's kiosk wall (`/?kiosk=1`) rotating through every scene, each shown for
  longer than its own refresh tick (datasets set to the 5 s minimum), the technicals scene for
  longer than its 10 s symbol cycle: every answer is a 200 or 204, every scene's refresh and the
  symbol cycle (a duplicate output, `data@<hash>`) are answered, the chart changes symbol, and
  the console has no SEVERE entry;
- a small app with every form of dependency Dash has (duplicate outputs alone and within a
  multi-output, MATCH, ALL and ALLSMALLER ids, an ALL output, components added and removed under
  an ALL input, a callback without outputs, an optional input that is absent, a `dash.callback`
  from the global list), guarded as the board is: each of its server callbacks is called and
  answered.
"""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import dash
import pytest
from dash import ALL, ALLSMALLER, MATCH, Dash, Input, Output, Patch, State, ctx, html, set_props
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from app import create_app
from tests.test_app import SCENES as ORDER
from web.callback_guard import guard

pytestmark = pytest.mark.browser

UPDATE = "/_dash-update-component"
ANSWERED = (200, 204)  # 204: the callback changed nothing (PreventUpdate, no_update)
SCENE_DWELL_S = 7  # over the 5 s refresh tick of a scene whose datasets refresh every 5 s
TECHNICALS_DWELL_S = 14  # over the 10 s symbol cycle, polled every 2 s
CYCLE_OUTPUT = "technicals-symbol.data@"  # the kiosk cycle's duplicate output
TEXT_OF = "var e = document.getElementById(arguments[0]); return e && e.textContent;"


class CallbackLog:
    """The callback requests in Chromium's performance log, each with its answer's status.

    ChromeDriver hands each log entry out once: `read` keeps what it has seen, so a request and
    its answer read at different times still pair up."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver
        self.bodies: dict[str, dict | None] = {}
        self.statuses: dict[str, int] = {}

    def read(self) -> None:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            method, request, response = (
                message["method"],
                params.get("request", {}),
                params.get("response", {}),
            )
            if method == "Network.requestWillBeSent" and _is_update(request):
                self.bodies[params["requestId"]] = _post_data(request)
            elif method == "Network.responseReceived" and _is_update(response):
                self.statuses[params["requestId"]] = response["status"]

    def exchanges(self) -> list[tuple[dict | None, int | None]]:
        """(request body, answer status or None while unanswered), in the order sent."""
        self.read()
        return [(body, self.statuses.get(rid)) for rid, body in self.bodies.items()]

    def refused(self) -> list[str]:
        """Each answered request whose status is not a 200 or 204, as `status output`."""
        return [
            f"{status} {(body or {}).get('output')}"
            for body, status in self.exchanges()
            if status is not None and status not in ANSWERED
        ]

    def answered(self, output_part: str) -> list[dict]:
        """The bodies of the requests for outputs naming `output_part` answered 200 or 204."""
        return [
            body
            for body, status in self.exchanges()
            if body and output_part in body["output"] and status in ANSWERED
        ]


def _is_update(request_or_response: dict) -> bool:
    return urlsplit(request_or_response.get("url", "")).path == UPDATE


def _post_data(request: dict) -> dict | None:
    if "postData" in request:
        return json.loads(request["postData"])
    entries = request.get("postDataEntries") or []
    raw = b"".join(base64.b64decode(e.get("bytes", "")) for e in entries)
    return json.loads(raw) if raw else None


def severe(driver: webdriver.Chrome) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chromium(request) -> Iterator[webdriver.Chrome]:
    """Headless Chromium with the suite's flags, keeping its network events and whole console
    (dash_duo's driver keeps SEVERE console entries only, and no network events)."""
    options = request.config.hook.pytest_setup_options()[0]
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def serve(dash_thread_server):
    """Start a Dash app in a thread on a free port (helpers run browser tests side by side)."""

    def start(app: Dash) -> str:
        dash_thread_server(app, port=free_port(), start_timeout=10)
        return dash_thread_server.url

    return start


def kiosk_app(make_settings) -> Dash:
    """The demo edition, every dataset refreshed once, scenes ticking every 5 s and rotating
    after SCENE_DWELL_S (technicals after TECHNICALS_DWELL_S)."""
    settings = make_settings("demo")
    datasets = {
        name: dataset.model_copy(update={"refresh_s": 5})
        for name, dataset in settings.datasets.items()
    }
    scenes = {
        name: scene.model_copy(
            update={"dwell_s": TECHNICALS_DWELL_S if name == "technicals" else SCENE_DWELL_S}
        )
        for name, scene in settings.scenes.items()
    }
    settings = settings.model_copy(update={"datasets": datasets, "scenes": scenes})
    app = create_app(settings, start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in settings.datasets:
        assert board.refresher.refresh(name).records, name
    return app


def test_the_kiosk_wall_runs_every_scene_with_no_refused_callback(chromium, serve, make_settings):
    url = serve(kiosk_app(make_settings))
    log = CallbackLog(chromium)
    chromium.get(f"{url}/?kiosk=1")
    seen: list[str] = []
    instruments: list[str] = []
    deadline = time.monotonic() + 10 * SCENE_DWELL_S + TECHNICALS_DWELL_S + 40
    while time.monotonic() < deadline:
        scene = urlsplit(chromium.current_url).path.strip("/")
        if not seen or seen[-1] != scene:
            seen.append(scene)
        if seen[-2:] == [ORDER[-1], ORDER[0]]:  # the last scene shown for its dwell
            break
        if scene == "technicals":
            instruments += _shown_instruments(chromium)
        log.read()
        time.sleep(0.25)
    time.sleep(1)  # answers still on their way
    assert seen == [*ORDER, ORDER[0]], seen
    assert log.refused() == []
    assert severe(chromium) == []
    # Each scene ran past its own refresh tick: its MATCH refresh callback was answered.
    refreshed = {
        item["id"]["scene"] for body in log.answered("scene-badges") for item in body["inputs"]
    }
    assert refreshed == set(ORDER), sorted(set(ORDER) - refreshed)
    # The technicals cycle (a duplicate output) was answered, and moved the chart on.
    assert log.answered(CYCLE_OUTPUT), "the symbol cycle was never answered"
    assert len(set(instruments)) >= 2, instruments


def _shown_instruments(driver: webdriver.Chrome) -> list[str]:
    try:
        return [
            e.get_attribute("data-instrument")
            for e in driver.find_elements(By.CSS_SELECTOR, "#technicals-chart [data-instrument]")
        ]
    except StaleElementReferenceException:  # the chart was redrawn while read
        return []


# --- every form of dependency -------------------------------------------------------------


def _row(index: int) -> html.Div:
    return html.Div(
        [
            html.Button(f"inc {index}", id={"type": "inc", "index": index}, n_clicks=0),
            html.Span("0", id={"type": "count", "index": index}),
            html.Span("", id={"type": "before", "index": index}),
        ]
    )


def every_form_app() -> Dash:
    """One server callback per form of request the renderer builds."""
    app = Dash(__name__, suppress_callback_exceptions=True, assets_folder="no-assets")
    app.layout = html.Div(
        [
            html.Button("add", id="add"),
            html.Button("drop", id="drop"),
            html.Button("ping", id="ping"),
            html.Div([_row(0), _row(1)], id="rows"),
            *(html.Div(id=name) for name in ("total", "log", "pong", "optional", "global")),
        ]
    )

    @app.callback(  # MATCH output, input and state
        Output({"type": "count", "index": MATCH}, "children"),
        Input({"type": "inc", "index": MATCH}, "n_clicks"),
        State({"type": "count", "index": MATCH}, "id"),
        prevent_initial_call=True,
    )
    def count(clicks, own_id):
        return f"{clicks} at {own_id['index']}"

    @app.callback(  # ALLSMALLER state beside MATCH
        Output({"type": "before", "index": MATCH}, "children"),
        Input({"type": "inc", "index": MATCH}, "n_clicks"),
        State({"type": "inc", "index": ALLSMALLER}, "n_clicks"),
        prevent_initial_call=True,
    )
    def before(_clicks, smaller):
        return f"{len(smaller)} before"

    @app.callback(  # ALL input (also run as rows are added and removed), initial call
        Output("total", "children"),
        Input({"type": "inc", "index": ALL}, "n_clicks"),
    )
    def total(clicks):
        return f"total {sum(clicks)} over {len(clicks)}"

    @app.callback(  # an ALL output and a duplicate output in one multi-output callback
        Output({"type": "inc", "index": ALL}, "className"),
        Output("log", "children", allow_duplicate=True),
        Input("total", "children"),
        State({"type": "inc", "index": ALL}, "id"),
        prevent_initial_call=True,
    )
    def mark(text, buttons):
        return ["counted" for _ in buttons], f"marked {len(buttons)}"

    @app.callback(  # the output's own callback, and a Patch
        Output("rows", "children"),
        Output("log", "children"),
        Input("add", "n_clicks"),
        Input("drop", "n_clicks"),
        State("rows", "children"),
        prevent_initial_call=True,
    )
    def rows(_add, _drop, children):
        patch = Patch()
        if ctx.triggered_id == "add":
            patch.append(_row(len(children)))
            return patch, "added"
        del patch[-1]
        return patch, "dropped"

    @app.callback(  # a duplicate output alone
        Output("log", "children", allow_duplicate=True),
        Input("ping", "n_clicks"),
        prevent_initial_call=True,
    )
    def ping_log(clicks):
        return f"ping {clicks}"

    @app.callback(Input("ping", "n_clicks"), prevent_initial_call=True)  # no outputs
    def pong(clicks):
        set_props("pong", {"children": f"pong {clicks}"})

    @app.callback(  # an optional input that is not in the layout
        Output("optional", "children"),
        Input("ping", "n_clicks"),
        Input("absent", "value", allow_optional=True),
        prevent_initial_call=True,
    )
    def optional(_clicks, value):
        return f"optional {value}"

    @dash.callback(  # the global list, moved into app.callback_map on the first request
        Output("global", "children"),
        Input("ping", "n_clicks"),
        prevent_initial_call=True,
    )
    def global_ping(clicks):
        return f"global {clicks}"

    guard(app)
    return app


@pytest.fixture
def global_callbacks_restored():
    """Leave dash's global callback list as found, whatever the test did to it."""
    from dash import _callback

    before = dict(_callback.GLOBAL_CALLBACK_MAP), list(_callback.GLOBAL_CALLBACK_LIST)
    yield
    _callback.GLOBAL_CALLBACK_MAP.clear()
    _callback.GLOBAL_CALLBACK_MAP.update(before[0])
    _callback.GLOBAL_CALLBACK_LIST[:] = before[1]


def test_every_form_of_callback_request_passes_the_guard(
    chromium, serve, global_callbacks_restored
):
    app = every_form_app()
    url = serve(app)
    log = CallbackLog(chromium)
    chromium.get(url)

    def click(selector: str) -> None:
        chromium.find_element(By.CSS_SELECTOR, selector).click()

    def shows(component_id: str | dict, text: str) -> None:
        """Wait for the component's text (a dict id is the DOM id Dash gives it: sorted JSON)."""
        if isinstance(component_id, dict):
            component_id = json.dumps(component_id, separators=(",", ":"), sort_keys=True)
        try:
            WebDriverWait(chromium, 5).until(
                lambda d: d.execute_script(TEXT_OF, component_id) == text
            )
        except TimeoutException:
            pytest.fail(f"{component_id} never showed {text!r}; refused: {log.refused()}")

    shows("total", "total 0 over 2")
    click("#add")
    shows("log", "marked 3")
    shows("total", "total 0 over 3")
    inc = chromium.find_elements(By.CSS_SELECTOR, "#rows button")
    inc[2].click()
    shows({"index": 2, "type": "count"}, "1 at 2")
    shows({"index": 2, "type": "before"}, "2 before")
    shows("total", "total 1 over 3")
    click("#drop")
    shows("total", "total 0 over 2")
    shows("log", "marked 2")
    click("#ping")
    for element_id, text in [
        ("pong", "pong 1"),
        ("optional", "optional None"),
        ("global", "global 1"),
    ]:
        shows(element_id, text)
    shows("log", "ping 1")
    time.sleep(0.5)  # answers still on their way

    assert log.refused() == []
    assert severe(chromium) == []
    server_callbacks = {key for key, spec in app.callback_map.items() if "callback" in spec}
    called = {body["output"] for body, status in log.exchanges() if body and status in ANSWERED}
    assert server_callbacks - called == set()
    assert len(server_callbacks) == 9
