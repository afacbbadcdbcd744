"""Hostile requests against the board as deployed: unknown scenes, path traversal, oversized
URLs and headers, invalid technicals symbols, malformed Dash callback requests.

One gunicorn instance (deploy/gunicorn.conf.py, one worker, its refresher process) serves the
open edition's technicals and status scenes for the whole module, with history fetched from a
fake upstream once an hour: after its first fetch nothing calls the upstream, so the fake's
counters staying put shows that no hostile request caused a call. Every answer must be a 4xx (or,
for a symbol, the page with a clear message), never a 500, never a traceback or a file's
contents; the error log gains no traceback and the worker serves on. A few checks run in process
with Flask's test client where no server is needed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import requests
from dash import ALL, MATCH

from app import create_app
from tests.support.dashreq import scene_refresh_body
from tests.support.fakeupstream import FakeUpstream
from tests.support.hostile_requests import (
    HISTORY_FIXTURE,
    SCENES,
    STOOQ,
    assert_refused,
    board_config,
    callback_body,
    components,
    dependency,
    no_upstream_call,
    page_body,
    picker_body,
    raw_get,
    where_echoed,
)
from tests.support.paths import FIXTURES
from tests.support.services import AppInstance, wait_until
from web import callback_guard as dashguard

UPDATE = "/_dash-update-component"
SCENE_PATHS = [f"/{name}" for name in SCENES]
INSTRUMENTS = "Choose one of: S&P 500 (spx), Nasdaq 100 (ndx)"
NOTICE = "wb-technicals__notice"
# Where a symbol asked for may appear in a callback answer: as the notice's text (React shows a
# string as text), and as data in the frame's query store (the URL's query, kept for re-renders).
AS_NOTICE_TEXT = ("P", json.dumps(NOTICE), "children")
AS_QUERY_DATA = ("Store", json.dumps({"scene": "technicals", "type": "scene-query"}), "data")


@dataclass
class Board:
    app: AppInstance
    upstream: FakeUpstream
    dependencies: list[dict]

    @property
    def url(self) -> str:
        return self.app.url

    def post(self, body: object = None, **kwargs) -> requests.Response:
        """POST `body` as JSON to the callback route (or what `data=`/`json=` say)."""
        if "data" not in kwargs and "json" not in kwargs:
            kwargs["json"] = body
        return requests.post(self.url + UPDATE, timeout=10, **kwargs)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Iterator[Board]:
    workdir = tmp_path_factory.mktemp("hostile")
    upstream = FakeUpstream().start()
    upstream.route(STOOQ + "*", body=(FIXTURES / HISTORY_FIXTURE).read_bytes())
    app = AppInstance(
        "hostile", board_config(workdir / "wallboard.yaml", upstream.url), workdir, workers=1
    ).start()
    try:
        app.wait_healthy()

        def fetched() -> bool:
            status = requests.get(f"{app.url}/api/status", timeout=2).json()
            return status["datasets"]["history"]["fetch_count"] >= 1

        assert wait_until(fetched, 30), app.log_tail()
        # The counters work: the refresher's first fetch asked for both symbols.
        assert upstream.hits[STOOQ] == 2, upstream.hits
        dependencies = requests.get(f"{app.url}/_dash-dependencies", timeout=5).json()
        yield Board(app, upstream, dependencies)
    finally:
        app.stop()
        upstream.stop()


@pytest.fixture
def board(deployed: Board) -> Iterator[Board]:
    """The deployed board; after the test, it still serves and its log has no traceback."""
    log_before = deployed.app.error_log.stat().st_size
    pids = deployed.app.pids()
    yield deployed
    assert requests.get(f"{deployed.url}/healthz", timeout=5).status_code == 200
    with deployed.app.error_log.open("rb") as log:
        log.seek(log_before)
        added = log.read().decode("utf-8", "replace")
    assert "Traceback" not in added, added[-3000:]
    assert deployed.app.pids() == pids, "a worker died"


# --- 1. unknown scenes --------------------------------------------------------------------

UNKNOWN_SCENES = [
    b"/nope",
    b"/NEWS",
    b"/TECHNICALS",
    b"/technicals/extra",
    b"/technicals/",
    b"/status.py",
    b"/" + b"a" * 3000,  # long, still within gunicorn's request line limit
    b"/%C3%B1ews",  # /ñews, percent-encoded as a browser sends it
    b"/news%00",
    b"/%00",
    b"/technicals%2f..%2fstatus",
]


@pytest.mark.parametrize("path", UNKNOWN_SCENES, ids=lambda p: p[:40].decode())
def test_an_unknown_scene_is_a_404_naming_the_scenes(board, path):
    with no_upstream_call(board.upstream):
        answer = raw_get(board.app.port, path, (b"Accept: text/html,*/*;q=0.8",))
    assert answer.status_code == 404, answer
    assert "unknown scene" in answer.text
    assert all(scene in answer.text for scene in SCENE_PATHS), answer.text


@pytest.mark.parametrize("path", [b"/\xc3\xb1ews", b"/news\x00", b"/a b"], ids=repr)
def test_raw_bytes_in_the_path_are_a_4xx(board, path):
    with no_upstream_call(board.upstream):
        answer = raw_get(board.app.port, path)
    assert_refused(answer)


# --- 2. path traversal --------------------------------------------------------------------

TRAVERSALS = [
    b"/assets/../config/wallboard.yaml",
    b"/assets/../../etc/passwd",
    b"/assets/..%2f..%2fconfig%2fwallboard.yaml",
    b"/assets/..%2fapp.py",
    b"/assets/%2e%2e/%2e%2e/etc/passwd",
    b"/assets/%2e%2e%2f%2e%2e%2fconfig%2fwallboard.yaml",
    b"/assets/%252e%252e/%252e%252e/etc/passwd",  # double-encoded
    b"/assets/%252e%252e%252fapp.py",
    b"/assets/..\\..\\config\\wallboard.yaml",  # backslashes
    b"/assets/..%5c..%5cconfig%5cwallboard.yaml",
    b"/assets/....//....//config/wallboard.yaml",
    b"/assets//etc/passwd",
    b"/assets/%2fetc%2fpasswd",
    b"/_dash-component-suites/../../app.py",
    b"/_dash-component-suites/dash/../../../app.py",
    b"/_dash-component-suites/dash/..%2f..%2f..%2fapp.py",
    b"/_dash-component-suites/dash/%2e%2e/%2e%2e/app.py",
    b"/_dash-component-suites/dash/%252e%252e/app.py",
    b"/_dash-component-suites/..%2f..%2fapp.py",
    b"/_dash-component-suites/dash/deps/..\\..\\..\\app.py",
    b"/_dash-component-suites/os/path.py",  # a module that is no registered library
    b"/..%2fconfig%2fwallboard.yaml",
    b"/%2e%2e/app.py",
]


@pytest.mark.parametrize("path", TRAVERSALS, ids=lambda p: p.decode())
def test_path_traversal_never_serves_a_file(board, path):
    with no_upstream_call(board.upstream):
        answer = raw_get(board.app.port, path)
    assert_refused(answer)


def test_assets_and_component_suites_still_serve(board):
    """The 404s above are refusals, not a broken static route."""
    assert raw_get(board.app.port, b"/assets/10_wallboard.css").status_code == 200
    index = requests.get(f"{board.url}/technicals", timeout=10).text
    script = index.split('src="/_dash-component-suites/', 1)[1].split('"', 1)[0]
    assert raw_get(board.app.port, b"/_dash-component-suites/" + script.encode()).status_code == 200


# --- 3. oversized URLs and headers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "headers", "status"),
    [
        (b"/technicals?symbol=" + b"x" * 10_000, (), 414),
        (b"/technicals?symbol=" + b"x" * 100_000, (), 414),
        (b"/" + b"a" * 5_000, (), 414),  # a scene name over the request line limit
        (b"/technicals?" + b"&".join(b"p%d=1" % i for i in range(2_000)), (), 414),
        (b"/technicals", (b"X-Big: " + b"y" * 10_000,), 431),
        (b"/technicals", tuple(b"X-H%d: 1" % i for i in range(200)), 431),
    ],
    ids=["symbol-10k", "symbol-100k", "scene-5k", "2000-params", "header-10k", "200-headers"],
)
def test_oversized_urls_and_headers_are_refused(board, target, headers, status):
    with no_upstream_call(board.upstream):
        answer = raw_get(board.app.port, target, headers)
    assert_refused(answer, status)


def test_many_parameters_within_the_limit_render_the_page(board):
    search = "?" + "&".join(f"p{i}={i}" for i in range(300)) + "&symbol=ndx"
    with no_upstream_call(board.upstream):
        assert requests.get(f"{board.url}/technicals{search}", timeout=10).status_code == 200
        answer = board.post(page_body(board.dependencies, "/technicals", search))
    assert answer.status_code == 200
    assert shown_instrument(answer.json()) == "ndx"


# --- 4. technicals: invalid symbols -------------------------------------------------------

# (asked, as the message shows it): the message repeats at most 40 characters, as text.
BAD_SYMBOLS = [
    ("AAPL", "AAPL"),
    ("SPX", "SPX"),  # ids are case-sensitive
    ("../../etc/passwd", "../../etc/passwd"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ('"><img src=x onerror=alert(1)>', '"><img src=x onerror=alert(1)>'),
    ("spx' OR '1'='1", "spx' OR '1'='1"),
    ("1; DROP TABLE bars;--", "1; DROP TABLE bars;--"),
    ("a" * 1_000, "a" * 39 + "…"),
    ("日経平均", "日経平均"),
    ("spx\u202e\x00\x1b[2Jndx", "spx [2Jndx"),  # bidi override, NUL, escape: no control chars
]


def shown_instrument(answer: dict) -> str:
    """The instrument whose readout (or 'no data') a callback answer shows."""
    (shown,) = {
        c["props"]["data-instrument"] for c in components(answer) if "data-instrument" in c["props"]
    }
    return shown


def notices(answer: dict) -> list[str]:
    """The technicals notices in a callback answer."""
    return [
        c["props"]["children"] for c in components(answer) if c["props"].get("className") == NOTICE
    ]


@pytest.mark.parametrize(("asked", "shown"), BAD_SYMBOLS, ids=lambda v: repr(v)[:30])
def test_a_bad_symbol_in_the_url_says_so_and_shows_the_first(board, asked, shown):
    search = "?symbol=" + quote(asked, safe="")
    with no_upstream_call(board.upstream):
        # The page itself is Dash's shell; the browser then asks for the scene's layout.
        index = requests.get(f"{board.url}/technicals{search}", timeout=10)
        answer = board.post(page_body(board.dependencies, "/technicals", search))
    assert index.status_code == 200
    assert "<script>alert" not in index.text and "<img src=x" not in index.text
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    assert notices(body) == [f"Unknown symbol '{shown}'. {INSTRUMENTS}"]
    assert shown_instrument(body) == "spx"
    assert AS_QUERY_DATA in where_echoed(body, asked)
    # A link to this view's Data view keeps the URL's query, URL-encoded in its href (so a
    # plain symbol reads as itself there, and markup never does): nowhere else.
    echoed = {e for e in where_echoed(body, asked) if not (e[0] == "Link" and e[2] == "href")}
    assert echoed <= {AS_NOTICE_TEXT, AS_QUERY_DATA}


def test_raw_markup_in_the_request_line_is_never_echoed_as_markup(board):
    """Browsers encode `<` and `"`; a hand-made request need not."""
    answer = raw_get(board.app.port, b'/technicals?symbol="><script>alert(1)</script>')
    assert answer.status_code == 200
    assert "<script>alert(1)" not in answer.text and '"><script>' not in answer.text


def test_an_empty_symbol_shows_the_first_without_a_message(board):
    answer = board.post(page_body(board.dependencies, "/technicals", "?symbol="))
    assert answer.status_code == 200
    assert notices(answer.json()) == [] and shown_instrument(answer.json()) == "spx"


@pytest.mark.parametrize(("asked", "shown"), BAD_SYMBOLS, ids=lambda v: repr(v)[:30])
def test_a_bad_symbol_from_the_picker_says_so_and_shows_the_first(board, asked, shown):
    with no_upstream_call(board.upstream):
        answer = board.post(picker_body(board.dependencies, asked))
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    assert notices(body) == [f"Unknown symbol '{shown}'. {INSTRUMENTS}"]
    assert shown_instrument(body) == "spx"
    # Not in the query store either: the picker leaves the URL's query as it was.
    assert where_echoed(body, asked) <= {AS_NOTICE_TEXT}


@pytest.mark.parametrize("asked", [5, ["spx"], {"symbol": "spx"}, True])
def test_a_picker_value_that_is_no_string_is_an_unknown_symbol(board, asked):
    answer = board.post(picker_body(board.dependencies, asked))
    assert answer.status_code == 200, answer.text[:300]
    assert shown_instrument(answer.json()) == "spx"
    assert notices(answer.json()) == [f"Unknown symbol '{asked}'. {INSTRUMENTS}"]


def test_the_picker_body_is_what_the_browser_sends(board):
    """Control: the same body with a configured symbol shows it and remembers it."""
    answer = board.post(picker_body(board.dependencies, "ndx", {"kiosk": "0"}))
    assert answer.status_code == 200
    body = answer.json()
    assert shown_instrument(body) == "ndx" and notices(body) == []
    query = body["response"]['{"scene":"technicals","type":"scene-query"}']["data"]
    assert query == {"kiosk": "0", "symbol": "ndx"}


# --- 5. the Dash callback endpoint ----------------------------------------------------------


def refresh(board: Board, scene: str = "technicals", **changes) -> dict:
    """A valid scene-refresh body (as the browser builds it) with `changes` applied."""
    body = scene_refresh_body(board.dependencies, scene, shown_version=None, query={})
    return {**body, **changes}


def with_state(body: dict, **values) -> dict:
    """The body with the value of its state items named by type (version, query) replaced."""
    state = [
        {**s, "value": values.get(s["id"]["type"].removeprefix("scene-"), s["value"])}
        for s in body["state"]
    ]
    return {**body, "state": state}


def without(body: dict, key: str) -> dict:
    return {k: v for k, v in body.items() if k != key}


def test_a_valid_refresh_is_answered(board):
    """Control: the unmutated body of the cases below is a 200 with the scene."""
    answer = board.post(refresh(board))
    assert answer.status_code == 200, answer.text[:300]
    assert '{"scene":"technicals","type":"scene-body"}' in answer.json()["response"]


def bad_bodies(board: Board) -> list[tuple[str, dict, int]]:
    """(case, requests.post arguments, the status it must get)."""
    good = refresh(board)
    json_type = {"Content-Type": "application/json"}
    tick = good["inputs"][0]
    clock = dependency(board.dependencies, "wb-date")
    router = page_body(board.dependencies, "/technicals")
    kiosk = kiosk_cycle_body(board)
    buttons = pick_body(board)
    return [
        ("not JSON", {"data": b"hello", "headers": json_type}, 400),
        ("truncated JSON", {"data": json.dumps(good)[:60], "headers": json_type}, 400),
        ("invalid UTF-8", {"data": b'{"output": "\xff\xfe"}', "headers": json_type}, 400),
        ("a list", {"json": [good]}, 400),
        ("a number", {"json": 3}, 400),
        ("a string", {"json": "output"}, 400),
        ("null", {"data": b"null", "headers": json_type}, 400),
        ("an empty object", {"json": {}}, 400),
        ("no output", {"json": without(good, "output")}, 400),
        ("no outputs", {"json": without(good, "outputs")}, 400),
        ("no inputs", {"json": without(good, "inputs")}, 400),
        ("no state", {"json": without(good, "state")}, 400),
        ("no changedPropIds", {"json": without(good, "changedPropIds")}, 400),
        ("output not a string", {"json": {**good, "output": ["x"]}}, 400),
        ("inputs not a list", {"json": {**good, "inputs": {"0": tick}}}, 400),
        ("changedPropIds not a list", {"json": {**good, "changedPropIds": "x"}}, 400),
        ("unknown output", {"json": {**good, "output": "nope.children"}}, 400),
        ("a clientside callback", {"json": callback_body(clock, [1])}, 400),
        ("unknown input id", {"json": {**good, "inputs": [{**tick, "id": "nope"}]}}, 400),
        (
            "input id with another key",
            {"json": {**good, "inputs": [{**tick, "id": {**tick["id"], "x": 1}}]}},
            400,
        ),
        ("input id of another type", {"json": {**good, "inputs": [{**tick, "id": 5}]}}, 400),
        ("input property unknown", {"json": {**good, "inputs": [{**tick, "property": "x"}]}}, 400),
        ("two inputs for one", {"json": {**good, "inputs": [tick, tick]}}, 400),
        (
            "unknown output id",
            {"json": {**good, "outputs": [{**o, "id": "nope"} for o in good["outputs"]]}},
            400,
        ),
        (
            "unknown state id",
            {"json": {**good, "state": [{**s, "id": "x"} for s in good["state"]]}},
            400,
        ),
        (
            "changed id that is not an input",
            {"json": {**good, "changedPropIds": ["technicals-chart.children"]}},
            400,
        ),
        (
            "changed id not JSON",
            {"json": {**good, "changedPropIds": ['{"scene":.n_intervals']}},
            400,
        ),
        ("scene that is not a scene", {"json": refresh(board, "nope")}, 400),
        ("scene of another type", {"json": refresh(board, 5)}, 400),
        ("version a number", {"json": with_state(good, version=5)}, 400),
        ("version an object", {"json": with_state(good, version={"a": 1})}, 400),
        ("query a string", {"json": with_state(good, query="symbol=spx")}, 400),
        ("query a list", {"json": with_state(good, query=["spx"])}, 400),
        ("router pathname a number", {"json": callback_body_values(router, [5, ""])}, 400),
        ("router pathname missing", {"json": callback_body_values(router, [None, ""])}, 400),
        (
            "router search a list",
            {"json": callback_body_values(router, ["/technicals", ["?"]])},
            400,
        ),
        (
            "duplicate output without its @hash",
            {"json": {**kiosk, "outputs": {**kiosk["outputs"], "property": "data"}}},
            400,
        ),
        (
            "duplicate output with another hash",
            {"json": {**kiosk, "outputs": {**kiosk["outputs"], "property": "data@" + "0" * 64}}},
            400,
        ),
        (
            "MATCH ids that differ",
            {"json": {**good, "outputs": [bound(o, "status") for o in good["outputs"]]}},
            400,
        ),
        ("ALL input as one item", {"json": {**buttons, "inputs": buttons["inputs"][0]}}, 400),
        (
            "ALL input id with a list value",
            {"json": pick_body(board, {"type": "technicals-pick", "symbol": ["spx"]})},
            400,
        ),
        ("a huge body", {"json": {**good, "pad": "x" * 200_000}}, 413),
        ("a huge chunked body", {"data": chunks(good, 200_000), "headers": json_type}, 413),
        ("text/plain", {"data": json.dumps(good), "headers": {"Content-Type": "text/plain"}}, 415),
        ("a form", {"data": {"output": good["output"]}}, 415),
        ("no content type", {"data": json.dumps(good), "headers": {"Content-Type": ""}}, 415),
    ]


def bound(item: dict, scene: str) -> dict:
    """A MATCH item of the scene refresh bound to another scene."""
    return {**item, "id": {**item["id"], "scene": scene}}


def kiosk_cycle_body(board: Board, shown: str = "spx") -> dict:
    """The kiosk's symbol cycle as the browser posts it: a duplicate output (`data@<hash>`)."""
    return callback_body(dependency(board.dependencies, "technicals-symbol.data@"), [1], [shown])


def pick_body(board: Board, button: dict | None = None) -> dict:
    """A click on a technicals picker button: its ALL input is a list of every button."""
    (dep,) = [d for d in board.dependencies if d["output"] == "technicals-symbol.data"]
    button = button or {"type": "technicals-pick", "symbol": "ndx"}
    trigger = json.dumps(button, separators=(",", ":"), sort_keys=True)
    return {
        "output": dep["output"],
        "outputs": {"id": "technicals-symbol", "property": "data"},
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [f"{trigger}.n_clicks"],
    }


def test_the_kiosk_cycle_and_a_picker_click_are_answered(board):
    """Controls for the duplicate output and ALL input cases below: unmutated, they are served."""
    with no_upstream_call(board.upstream):
        cycle = board.post(kiosk_cycle_body(board, shown="not-shown"))
        click = board.post(pick_body(board))
    assert cycle.status_code == 200, cycle.text[:300]
    assert cycle.json()["response"]["technicals-symbol"]["data"] in ("spx", "ndx")
    assert click.status_code == 200, click.text[:300]
    assert click.json()["response"] == {"technicals-symbol": {"data": "ndx"}}


def callback_body_values(body: dict, values: list) -> dict:
    """`body` with its inputs' values replaced in order."""
    inputs = [{**item, "value": v} for item, v in zip(body["inputs"], values, strict=True)]
    return {**body, "inputs": inputs}


def chunks(body: dict, pad: int) -> Iterator[bytes]:
    """A JSON body sent chunked (no Content-Length), `pad` bytes over the real one."""
    text = json.dumps({**body, "pad": "x" * pad}).encode()
    for start in range(0, len(text), 16_384):
        yield text[start : start + 16_384]


def test_malformed_callback_requests_are_a_4xx_with_a_short_reason(board):
    failures = []
    with no_upstream_call(board.upstream):
        for case, kwargs, status in bad_bodies(board):
            try:
                answer = board.post(**kwargs)
                assert_refused(answer, status)
                assert answer.headers["Content-Type"] == "application/json"
                assert len(answer.json()["error"]) <= 200
            except AssertionError as exc:
                failures.append(f"{case}: {exc}")
    assert not failures, "\n".join(failures)


def test_a_get_of_the_callback_route_is_refused(board):
    answer = requests.get(board.url + UPDATE, timeout=10)  # only POST is a callback
    assert_refused(answer, 404, 405)


def test_hostile_values_a_callback_can_absorb_are_no_error(board):
    """Button ids sent back as something else: no button is shown chosen, nothing fails."""
    dep = dependency(board.dependencies, "technicals-pick")
    ids_ = [{"symbol": s, "type": "technicals-pick"} for s in ("spx", "ndx")]
    body = callback_body(dep, ["spx"])
    body["outputs"] = [
        [{"id": i, "property": p} for i in ids_] for p in ("className", "aria-pressed")
    ]
    body["state"] = [
        [{"id": i, "property": "id", "value": v} for i, v in zip(ids_, [5, None], strict=True)]
    ]
    answer = board.post(body)
    assert answer.status_code == 200, answer.text[:300]
    pressed = answer.json()["response"]
    assert [v["aria-pressed"] for v in pressed.values()] == ["false", "false"]


# --- in process: what needs no server -------------------------------------------------------


@pytest.fixture
def demo_client(make_settings):
    app = create_app(make_settings("demo"), start_refresher=False)
    client = app.server.test_client()
    client.get("/technicals")  # sets Dash up (its routes and callbacks)
    return client


def test_a_bug_in_a_valid_callback_is_still_a_500_and_logged(demo_client, monkeypatch, caplog):
    """The guard refuses bad requests; it does not hide our own failures as a client's."""
    import pages.technicals

    def broken(view, symbol, draw=None):
        raise KeyError("a bug of ours")

    monkeypatch.setattr(pages.technicals, "on_symbol", broken)
    dependencies = demo_client.get("/_dash-dependencies").get_json()
    demo_client.application.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR):
        answer = demo_client.post(UPDATE, json=picker_body(dependencies, "ndx"))
    assert answer.status_code == 500
    assert "a bug of ours" in caplog.text and "Traceback" not in answer.get_data(as_text=True)


def test_the_guard_admits_each_server_callback_as_the_browser_calls_it(demo_client):
    """No false refusal: every server callback without wildcard ids (the kiosk's duplicate
    output, the shell's ticks, the page router) passes with the body the renderer sends. The
    wildcard ones (scene refresh, picker buttons) pass above and in tests/e2e."""
    served = []
    for dep in demo_client.get("/_dash-dependencies").get_json():
        specs = [dep["output"], *(i["id"] for i in dep["inputs"] + dep["state"])]
        if dep["clientside_function"] or any('["' in spec for spec in specs):
            continue
        # The router's location always has a path; everything else may be empty.
        values = ["/overview" if i["property"] == "pathname" else None for i in dep["inputs"]]
        body = callback_body(dep, values, [None] * len(dep["state"]))
        answer = demo_client.post(UPDATE, json=body)
        assert answer.status_code in (200, 204), (dep["output"], answer.get_data(as_text=True))
        served.append(dep["output"].split("@")[0])
    # technicals-symbol.data is the kiosk's cycle (its output has an @hash, allow_duplicate).
    for expected in ("technicals-symbol.data", "wb-health.data", "_pages_content.children"):
        assert any(expected in output for output in served), (expected, served)


def test_the_guard_reads_each_server_callback_as_dash_registered_it(make_settings):
    """The shapes come from app.callback_map: one per server callback, the duplicate output's
    property with its @hash, MATCH and ALL ids as Dash's wildcards."""
    app = create_app(make_settings("demo"), start_refresher=False)
    app.server.test_client().get("/technicals")  # Dash moves its global callbacks in
    served = {key: spec for key, spec in app.callback_map.items() if "callback" in spec}
    shapes = {key: dashguard.request_shape(key, spec) for key, spec in served.items()}
    assert None not in shapes.values(), shapes
    (cycle,) = [key for key in served if key.startswith("technicals-symbol.data@")]
    assert [(o.id, o.property) for o in shapes[cycle].outputs] == [
        ("technicals-symbol", cycle.removeprefix("technicals-symbol."))
    ]
    assert not shapes[cycle].multi_output
    (refresh,) = [key for key in served if "scene-badges" in key]
    assert shapes[refresh].multi_output
    assert [d.id["scene"] for d in shapes[refresh].outputs] == [MATCH] * 4
    assert not any(d.many for d in shapes[refresh].outputs + shapes[refresh].inputs)
    picks = shapes["technicals-symbol.data"].inputs
    assert [(d.id, d.many) for d in picks] == [({"symbol": ALL, "type": "technicals-pick"}, True)]


def test_the_body_cap_admits_a_refresh_with_the_longest_url(demo_client):
    """gunicorn caps a request line at 4 KiB: a refresh carrying such a URL's query passes."""
    dependencies = demo_client.get("/_dash-dependencies").get_json()
    body = scene_refresh_body(dependencies, "technicals", query={"symbol": "x" * 4096})
    answer = demo_client.post(UPDATE, json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]


def test_a_shape_once_admitted_is_admitted_without_the_checks(demo_client, monkeypatch):
    """Every screen posts the same few shapes, only their values change: the guard checks a
    shape once. Another tick of it (other values) is let through without the checks."""
    dependencies = demo_client.get("/_dash-dependencies").get_json()
    checks = []
    full_check = dashguard.callback_problem

    def counted(callback_map, raw):
        checks.append(raw["output"])
        return full_check(callback_map, raw)

    monkeypatch.setattr(dashguard, "callback_problem", counted)
    for tick in range(3):
        body = scene_refresh_body(dependencies, "technicals", tick=tick, shown_version=f"v{tick}")
        assert demo_client.post(UPDATE, json=body).status_code == 200
    assert len(checks) == 1, checks


def test_a_shape_admitted_before_never_lets_a_bad_body_through(demo_client):
    """After the good shapes are admitted, bodies that differ from them in an id, a property,
    a changed id, an id value's type or a left-out key are still refused, and the router's
    values are still checked on every request."""
    dependencies = demo_client.get("/_dash-dependencies").get_json()
    good = scene_refresh_body(dependencies, "technicals")
    router = page_body(dependencies, "/technicals")
    for body in (good, router):
        assert demo_client.post(UPDATE, json=body).status_code == 200
    tick = good["inputs"][0]
    numbered = {**tick["id"], "scene": 5}
    bad = {
        "an unknown input id": {**good, "inputs": [{**tick, "id": {**tick["id"], "x": 1}}]},
        "an unknown property": {**good, "inputs": [{**tick, "property": "x"}]},
        "a scene id that is a number": {**good, "inputs": [{**tick, "id": numbered}]},
        "a changed id that is no input": {**good, "changedPropIds": ["technicals-chart.figure"]},
        "no state": {k: v for k, v in good.items() if k != "state"},
        "a router path that is a number": callback_body_values(router, [5, ""]),
        "a router search that is a list": callback_body_values(router, ["/technicals", ["?"]]),
    }
    for case, body in bad.items():
        answer = demo_client.post(UPDATE, json=body)
        assert answer.status_code == 400, (case, answer.get_data(as_text=True)[:200])


def test_the_shape_of_a_body():
    """What tells two bodies' shapes apart: ids (with their values' types), properties, changed
    ids, left-out keys; not the values. Anything the checks might refuse for its types has none."""
    item = {"id": {"scene": "fx", "type": "tick"}, "property": "n_intervals", "value": 1}
    body = {
        "output": "x.children",
        "outputs": {"id": "x", "property": "children"},
        "inputs": [item],
        "changedPropIds": ["a.b"],
    }
    shape = dashguard.body_shape(body)
    assert shape is not None
    assert dashguard.body_shape({**body, "inputs": [{**item, "value": 2}]}) == shape
    for other in (
        {**body, "inputs": [{**item, "id": {"scene": True, "type": "tick"}}]},
        {**body, "inputs": [{**item, "id": {"scene": 1, "type": "tick"}}]},
        {**body, "inputs": [[item]]},
        {**body, "changedPropIds": []},
        {**body, "outputs": [body["outputs"]]},
        {k: v for k, v in body.items() if k != "changedPropIds"},
    ):
        assert dashguard.body_shape(other) not in (None, shape), other
    for shapeless in (
        [body],
        {**body, "output": 5},
        {**body, "inputs": [{**item, "id": {"scene": ["fx"], "type": "tick"}}]},
        {**body, "inputs": [{**item, "property": None}]},
        {**body, "inputs": {"0": item}},
        {**body, "changedPropIds": [5]},
    ):
        assert dashguard.body_shape(shapeless) is None, shapeless
