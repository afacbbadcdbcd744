"""The Flask side of the app: health, status and latest endpoints, scene paths, no-network open."""

from __future__ import annotations

import json
import re
import struct
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from providers.base import build_providers
from providers.errors import Unavailable
from providers.models import Status
from tests.support.fakes.providers import ScriptedProvider
from tests.support.pages import served, text_of

SCENES = [
    "overview",
    "fx",
    "rates",
    "commodities",
    "crypto",
    "volatility",
    "sectors",
    "technicals",
    "calendar",
    "news",
    "status",
]


def offline_yahoo() -> ScriptedProvider:
    def script(request, call):
        raise Unavailable("could not resolve host (offline)")

    provider = ScriptedProvider("yahoo", script)
    provider.kinds = frozenset({"quote", "bar"})
    return provider


NOWHERE = "http://127.0.0.1:9"  # a closed loopback port: what every host looks like offline


def offline_settings(make_settings):
    """The open edition with every source unreachable (and no FRED key)."""
    from providers.base import REGISTRY

    settings = make_settings(
        "open",
        refresh={"attempts": 1, "backoff_s": 0, "deadline_s": 2},
        providers={name: {"base_url": NOWHERE} for name in REGISTRY},
    )
    news = settings.datasets["news"]
    feeds = [
        i.model_copy(update={"symbols": {"rss": f"{NOWHERE}/{i.id}.xml"}}) for i in news.instruments
    ]
    datasets = {**settings.datasets, "news": news.model_copy(update={"instruments": feeds})}
    return settings.model_copy(update={"datasets": datasets})


@pytest.fixture
def offline_app(make_settings):
    settings = offline_settings(make_settings)
    # yfinance talks to Yahoo's own hosts whatever the base URL: stand in for it offline.
    providers = {**build_providers(settings), "yahoo": offline_yahoo()}
    return create_app(settings, start_refresher=False, providers=providers)


def test_health_and_every_scene_path(offline_app):
    client = offline_app.server.test_client()
    assert client.get("/healthz").status_code == 200
    for scene in SCENES:
        response = client.get(f"/{scene}")
        assert response.status_code == 200, scene
        assert b'<html lang="en"' in response.data


def test_unknown_or_disabled_scene_is_a_404_naming_the_scenes(make_settings):
    settings = make_settings("demo")
    scenes = {
        **settings.scenes,
        "news": settings.scenes["news"].model_copy(update={"enabled": False}),
    }
    client = create_app(settings.model_copy(update={"scenes": scenes}), start_refresher=False)
    client = client.server.test_client()
    for path in ("/nope", "/news", "/../etc/passwd", "/overview/extra"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "unknown scene"
    assert "/news" not in client.get("/nope").get_json()["scenes"]
    assert client.get("/fx").status_code == 200


def test_home_redirects_to_first_scene_keeping_the_query(offline_app):
    response = offline_app.server.test_client().get("/?kiosk=1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/overview?kiosk=1")


def test_status_before_any_refresh_says_waiting(offline_app):
    body = offline_app.server.test_client().get("/api/status").get_json()
    assert body["edition"] == "open"
    assert set(body["datasets"]) >= {"indices", "fx", "rates", "news"}
    indices = body["datasets"]["indices"]
    assert indices["status"] == "empty" and indices["error"] == "waiting for first refresh"
    assert set(indices) >= {"status", "source", "as_of", "fetched_at", "age_s", "failures", "error"}


def test_offline_open_edition_shows_every_dataset_unavailable_with_reason(offline_app):
    board = offline_app.server.extensions["wallboard"]
    for name in board.settings.datasets:
        board.refresher.refresh(name)
    client = offline_app.server.test_client()
    body = client.get("/api/status").get_json()
    for name, row in body["datasets"].items():
        if name == "calendar":  # FOMC dates from the config need no network
            assert (row["status"], row["source"]) == ("fallback", "schedule")
            assert "fred: needs FRED_API_KEY" in row["error"]
            continue
        assert row["status"] == "error", name
        assert row["failures"] == 1
        assert row["error"], name
    assert "could not resolve host" in body["datasets"]["fx"]["error"]
    assert "could not connect to 127.0.0.1:9" in body["datasets"]["rates"]["error"]
    assert "fred: needs FRED_API_KEY" in body["datasets"]["rates"]["error"]
    assert "could not connect" in body["datasets"]["news"]["error"]

    import pages.fx

    with offline_app.server.test_request_context("/fx"):
        shown = text_of(served(pages.fx.layout()))
    assert "EUR/USD" in shown and "Unavailable" in shown
    assert "could not resolve host (offline)" in shown


def test_latest_endpoint(offline_app):
    client = offline_app.server.test_client()
    response = client.get("/api/latest/fx")
    assert response.status_code == 200
    assert json.loads(response.data)["dataset"] == "fx"
    missing = client.get("/api/latest/nope")
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "unknown dataset"


def scene_refresh(client, scene: str, shown_version, polling_ms: int | None = None):
    """POST the scene refresh callback as the browser does (`polling_ms`: the screen's poll);
    the JSON answer (None: 204), its outputs under "response" and each component set on its
    own under "sideUpdate"."""

    def pid(part):
        return {"scene": scene, "type": f"scene-{part}"}

    def key(part, prop):
        return f'{{"scene":["MATCH"],"type":"scene-{part}"}}.{prop}'

    payload = {
        "output": ".."
        + "...".join(
            [
                key("badges", "children"),
                key("body", "children"),
                key("version", "data"),
                key("tick", "interval"),
            ]
        )
        + "..",
        "outputs": [
            {"id": pid("badges"), "property": "children"},
            {"id": pid("body"), "property": "children"},
            {"id": pid("version"), "property": "data"},
            {"id": pid("tick"), "property": "interval"},
        ],
        "inputs": [{"id": pid("tick"), "property": "n_intervals", "value": 1}],
        "changedPropIds": [f'{{"scene":"{scene}","type":"scene-tick"}}.n_intervals'],
        "state": [
            {"id": pid("version"), "property": "data", "value": shown_version},
            {"id": pid("query"), "property": "data", "value": {}},
            {"id": pid("tick"), "property": "interval", "value": polling_ms},
        ],
    }
    response = client.post("/_dash-update-component", json=payload)
    if response.status_code == 204:  # nothing to update
        assert response.get_data() == b""
        return None
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def test_scene_refresh_sends_the_body_only_when_the_data_changed(offline_app, monkeypatch):
    # A Saturday: no FX market trades, so no stream speeds the poll up (from Sunday evening UTC
    # it would be stream.screen_poll_ms, whatever day the suite runs on).
    board = offline_app.server.extensions["wallboard"]
    monkeypatch.setattr(board, "clock", lambda: datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    client = offline_app.server.test_client()
    client.get("/fx")  # the first request sets up Dash's routes and callbacks
    first = scene_refresh(client, "fx", None)["response"]
    assert set(first) == {
        '{"scene":"fx","type":"scene-badges"}',
        '{"scene":"fx","type":"scene-body"}',
        '{"scene":"fx","type":"scene-version"}',
        '{"scene":"fx","type":"scene-tick"}',
    }
    assert "waiting for first refresh" in json.dumps(first)
    # No data yet: the screen asks every second, so the first prices show as soon as they exist.
    assert first['{"scene":"fx","type":"scene-tick"}']["interval"] == 1000
    shown = first['{"scene":"fx","type":"scene-version"}']["data"]
    # Nothing changed: nothing comes back (204; the badges' ages count on in the browser).
    assert scene_refresh(client, "fx", shown) is None
    # A refresh published in between: the body comes back with its new state.
    offline_app.server.extensions["wallboard"].refresher.refresh("fx")
    changed = scene_refresh(client, "fx", shown)
    # The body whole, or what changed in it set on its components.
    assert '{"scene":"fx","type":"scene-body"}' in changed["response"] or changed["sideUpdate"]
    assert changed["response"]['{"scene":"fx","type":"scene-tick"}']["interval"] == 15_000
    assert "could not resolve host (offline)" in json.dumps(changed)
    # The poll is sent only when it changes: a screen behind that already polls so is sent the
    # change and the version, not the poll again.
    behind = scene_refresh(client, "fx", shown, polling_ms=15_000)
    assert '{"scene":"fx","type":"scene-tick"}' not in behind["response"]
    assert behind["response"]['{"scene":"fx","type":"scene-version"}'] == {
        "data": changed["response"]['{"scene":"fx","type":"scene-version"}']["data"]
    }


def test_screens_reaching_the_same_version_share_one_render(offline_app, monkeypatch):
    import components.scene

    client = offline_app.server.test_client()
    client.get("/fx")
    offline_app.server.extensions["wallboard"].refresher.refresh("fx")
    renders = []
    real_plain = components.scene.plain

    def counting_plain(component):
        renders.append(component)
        return real_plain(component)

    monkeypatch.setattr(components.scene, "plain", counting_plain)
    first = scene_refresh(client, "fx", None)
    assert len(renders) == 2  # badges and body, rendered once
    # A hundred screens arriving at this version (after a change, or a restart) reuse it.
    for _ in range(100):
        assert scene_refresh(client, "fx", None) == first
    assert len(renders) == 2


def test_warm_restart_serves_last_good_at_once(make_settings):
    settings = make_settings("demo")
    first = create_app(settings, start_refresher=False)
    first.server.extensions["wallboard"].refresher.refresh("crypto")
    second = create_app(settings, start_refresher=False)
    snap = second.server.extensions["wallboard"].snapshot("crypto")
    assert snap.status is Status.OK and len(snap.records) == 3
    assert snap.source == "demo"


def test_the_suite_cannot_reach_the_internet():
    import socket

    import requests

    with pytest.raises(AssertionError, match="test tried to resolve"):
        requests.get("https://query2.finance.yahoo.com/v8/finance/chart/%5EGSPC", timeout=1)
    with (
        socket.socket() as sock,
        pytest.raises(AssertionError, match=r"test tried to reach 192\.0\.2\.1"),
    ):
        sock.connect(("192.0.2.1", 80))


def crypto_moved_after_first_tick(make_settings):
    """A demo board whose crypto scene a screen has shown once (the first tick's answer), then
    Bitcoin's price alone moved: (board, its test client, that first answer)."""
    # The demo's prices step every 5 s: both refreshes fall in one step, so the spike is the
    # only change (a refresh crossing a step moved every coin, and the patch with them).
    start = datetime.fromtimestamp(datetime.now(UTC).timestamp() // 5 * 5, UTC)
    clock = {"now": start}
    app = create_app(make_settings("demo"), start_refresher=False, clock=lambda: clock["now"])
    board = app.server.extensions["wallboard"]
    board.refresher.refresh("crypto")
    client = app.server.test_client()
    client.get("/crypto")
    first = scene_refresh(client, "crypto", None)
    board.refresher.providers["demo"].spike("btc", 12)  # one price moves
    clock["now"] = start + timedelta(seconds=1)
    board.refresher.refresh("crypto")
    return board, client, first


def test_a_changed_tile_scene_gets_what_changed_set_on_its_components(make_settings):
    board, client, first = crypto_moved_after_first_tick(make_settings)
    body_id = '{"scene":"crypto","type":"scene-body"}'
    shown = first["response"]['{"scene":"crypto","type":"scene-version"}']["data"]
    whole = json.dumps(first["response"][body_id]["children"])
    changed = scene_refresh(client, "crypto", shown)
    # Not the body's children (the browser would mount the whole scene anew), but each changed
    # prop on the component it belongs to, by the id that component has on the screen.
    assert body_id not in changed["response"]
    updates = changed["sideUpdate"]
    on_screen = json.dumps(first["response"])  # the badges and the body the screen shows
    assert updates and all(f'"id": "{component_id}"' in on_screen for component_id in updates)
    assigned = [value for props in updates.values() for value in props.values()]
    btc = board.snapshot("crypto").records[0]
    assert any(isinstance(v, str) and f"{btc.price:,.0f}"[:4] in v for v in assigned), assigned
    assert len(json.dumps(updates)) < len(whole) / 2
    # Against a version this process never rendered, the body comes whole.
    unknown = scene_refresh(client, "crypto", "0123456789abcdef")
    assert body_id in unknown["response"] and "sideUpdate" not in unknown


def test_screens_one_version_behind_share_one_diff(make_settings, monkeypatch):
    import components.scene as scene_module

    _board, client, first = crypto_moved_after_first_tick(make_settings)
    shown = first["response"]['{"scene":"crypto","type":"scene-version"}']

    diffs = []
    worked_out = scene_module.worth_updating
    monkeypatch.setattr(
        scene_module, "worth_updating", lambda *a, **kw: diffs.append(1) or worked_out(*a, **kw)
    )
    answers = [scene_refresh(client, "crypto", shown["data"]) for _ in range(5)]
    assert len(diffs) == 2  # badges and body, once for five screens
    assert all(a == answers[0] for a in answers)
    assert answers[0]["sideUpdate"]


def test_the_board_has_its_own_small_icon(offline_app):
    """Its own icon, from assets/ (so fingerprinted and cached for a year behind nginx), not
    Dash's 15 KiB default, which every first load of every screen fetched."""
    client = offline_app.server.test_client()
    page = client.get("/overview").get_data(as_text=True)
    (href,) = re.findall(r'rel="icon"[^>]*href="([^"]+)"', page)
    assert href.startswith("/assets/favicon.ico?m="), href
    icon = client.get(href)
    assert icon.status_code == 200
    data = icon.get_data()
    assert len(data) < 1024
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, 1)  # an icon file with one image
    width, height, *_, size, offset = struct.unpack("<BBBBHHII", data[6:22])
    image = data[offset : offset + size]
    assert image.startswith(b"\x89PNG") and struct.unpack(">II", image[16:24]) == (32, 32)
    assert (width, height) == (32, 32)
