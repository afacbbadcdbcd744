"""web/admin_console.py: the /admin console. Sign in with a token, see the screens that beat
(and their JSON for the page's refresh), run every action form (each through board.control and
audited as the admin), the viewer read-only, markup shown as text, sign out."""

from __future__ import annotations

import html
import re

import pytest

from app import create_app
from config import ADMIN_ENV, Settings, load_settings
from engine.release import release_id
from web.admin_console import ago, next_time_of_day, register_admin_console, summary_line
from web.auth import SECRET_KEY_ENV, VIEWER_ENV, gate_of
from web.screens_api import register_screens_api

ADMIN = "admin-token-console-tests-4a4a"
VIEWER = "viewer-token-console-tests-9e9e"
SECRET = "secret-key-console-tests-5151"
SAME_ORIGIN = {"Origin": "http://localhost"}
XSS = "<script>alert(1)</script><b>x</b>"
# The audit log's name of a form's action, where the two differ (engine.control).
AUDITED_AS = {"clear_broadcast": "clear broadcast", "set_scene": "scene"}
# An inline <script> the browser would run: no src attribute.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.S)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("console")
    raw = load_settings(env={"WALLBOARD_EDITION": "demo"}).model_dump()
    raw["state_dir"] = str(workdir / "state")
    raw["cache"]["dir"] = str(workdir / "cache")
    app = create_app(Settings.model_validate(raw), start_refresher=False)
    board = app.server.extensions["wallboard"]
    # Until web/endpoints.py registers them itself (Flask refuses a route registered twice).
    if "screens_beat" not in app.server.view_functions:
        register_screens_api(app.server, board)
    if "admin_console.home" not in app.server.view_functions:
        register_admin_console(app.server, board)
    return app


@pytest.fixture
def board(app):
    return app.server.extensions["wallboard"]


@pytest.fixture
def http(app, monkeypatch):
    monkeypatch.setenv(ADMIN_ENV, ADMIN)
    monkeypatch.setenv(VIEWER_ENV, VIEWER)
    monkeypatch.setenv(SECRET_KEY_ENV, SECRET)
    gate_of(app.server, None).limiter._times.clear()
    return app.server.test_client()


def csrf_of(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def sign_in(http, token: str = ADMIN) -> str:
    """Sign in; the console page shown after."""
    csrf = csrf_of(http.get("/admin").get_data(as_text=True))
    answer = http.post(
        "/admin/login", data={"token": token, "csrf_token": csrf}, headers=SAME_ORIGIN
    )
    assert answer.status_code == 303
    return http.get("/admin").get_data(as_text=True)


def act(http, action: str, **fields) -> str:
    """Post one action form as the console does; the flash message shown after it."""
    csrf = csrf_of(http.get("/admin").get_data(as_text=True))
    form = {"action": action, "csrf_token": csrf, **fields}
    answer = http.post("/admin/action", data=form, headers=SAME_ORIGIN)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    page = http.get("/admin").get_data(as_text=True)
    found = re.search(r'<p class="alert (alert-\w+)" role="\w+">(.*?)</p>', page, re.S)
    assert found is not None, "no flash message"
    return html.unescape(found.group(2))


def beat(http, screen_id: str, name: str, scene: str = "/overview", **changes) -> None:
    report = {
        "name": name,
        "kiosk": True,
        "scene": scene,
        "release": release_id(),
        "loaded_at": "2026-12-05T10:00:00Z",
        "viewport": "1920x1080",
        "user_agent": "Chrome/131",
        "errors": 0,
        "last_error": None,
        "offline_episodes": 0,
        **changes,
    }
    answer = http.post("/api/screens/beat", json={"id": screen_id, "seen": "", "report": report})
    assert answer.status_code == 200


@pytest.fixture
def two_screens(http):
    beat(http, "console-wall-a-01", "wall-a", "/rates")
    beat(http, "console-wall-b-01", "wall-b", "/fx", last_error=XSS, errors=2)
    return "console-wall-a-01", "console-wall-b-01"


def test_the_sign_in_form_is_plain_accessible_html_without_inline_script(http):
    page = http.get("/admin")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<html lang="en"' in text
    assert '<label for="token"' in text and 'id="token"' in text and 'type="password"' in text
    assert not INLINE_SCRIPT.search(text)
    assert "/admin/static/admin.js" in text
    script = http.get("/admin/static/admin.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    assert b"textContent" in script.data and b"innerHTML" not in script.data
    assert http.get("/admin/screens.json").status_code == 401


def test_a_wrong_token_does_not_sign_in(http):
    csrf = csrf_of(http.get("/admin").get_data(as_text=True))
    answer = http.post(
        "/admin/login", data={"token": "guess", "csrf_token": csrf}, headers=SAME_ORIGIN
    )
    assert answer.status_code == 401
    assert "That token is not valid." in answer.get_data(as_text=True)
    assert http.get("/admin/screens.json").status_code == 401


def test_the_console_lists_the_screens_that_beat(http, two_screens):
    page = sign_in(http)
    assert "Signed in as <strong>admin</strong>" in page
    rows = re.findall(r'<tr data-id="([^"]+)">', page)
    assert rows[:2] == ["console-wall-b-01", "console-wall-a-01"]  # newest seen first
    row_b = page.split('<tr data-id="console-wall-b-01">', 1)[1].split("</tr>", 1)[0]
    assert "wall-b" in row_b and "/fx" in row_b and "live" in row_b and "current" in row_b
    assert "2 console errors since load" in row_b
    assert 'scope="row"' in row_b and 'scope="col"' in page
    assert re.search(r"Screens: \d+ live, 0 dark", page)

    data = http.get("/admin/screens.json").get_json()
    listed = {r["id"]: r for r in data["screens"]}
    assert listed["console-wall-a-01"]["scene"] == "/rates"
    assert listed["console-wall-b-01"]["last_error"] == XSS
    assert data["summary_line"].startswith("Screens: ")


def test_markup_from_a_screen_or_an_operator_is_shown_as_text(http, board, two_screens):
    page = sign_in(http)
    assert "<script>alert(1)" not in page
    assert html.escape(XSS) in page  # the screen's last error, escaped
    message = act(http, "broadcast", broadcast_text=XSS, broadcast_ttl_min="5")
    assert message == "Broadcast sent (all screens)."
    page = http.get("/admin").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<b>x</b>" not in page
    shown = board.control.for_screen(two_screens[0], "wall-a")["broadcasts"]
    assert XSS in [b["text"] for b in shown]  # kept verbatim, as text, for the screens
    act(http, "clear_broadcast")


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("broadcast", {"broadcast_text": "Fire drill", "broadcast_severity": "warning",
                       "broadcast_ttl_min": "2"}, "Broadcast sent (all screens)."),
        ("clear_broadcast", {}, "Broadcasts cleared (all screens)."),
        ("pin", {"pin_scene": "rates", "pin_minutes": "3", "screen": "console-wall-b-01"},
         "Scene pinned (console-wall-b-01)."),
        ("unpin", {"targets": "wall-b"}, "Pin removed (wall-b)."),
        ("skip", {"skip_scene": "fx", "skip_minutes": "30"}, "Scene skipped (all screens)."),
        ("unskip", {"skip_scene": "fx"}, "Scene no longer skipped."),
        ("skip", {"skip_scene": "news", "skip_until": "23:59"}, "Scene skipped (all screens)."),
        ("unskip", {"skip_scene": "news"}, "Scene no longer skipped."),
        ("set_scene", {"scene_name": "fx", "scene_dwell_s": "12", "scene_order": "3"},
         "Scene changed."),
        ("reload", {"targets": "wall-a, wall-b"}, "Reload sent (wall-a, wall-b)."),
        ("refresh", {"refresh_dataset": "fx"}, "Refresh asked."),
    ],
)  # fmt: skip
def test_each_action_form_acts_and_is_audited(http, board, two_screens, action, fields, message):
    sign_in(http)
    assert act(http, action, **fields) == message
    audited = AUDITED_AS.get(action, action)
    entry = board.control.audit(1)[0]
    assert (entry["action"], entry["role"]) == (audited, "admin")
    page = http.get("/admin").get_data(as_text=True)
    audit = page.split('id="audit-title"', 1)[1]
    first = audit.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert f"<td>{audited}</td>" in first and "<td>admin</td>" in first


def test_the_actions_reach_the_screens_they_name(http, board, two_screens):
    wall_a, wall_b = two_screens
    sign_in(http)
    act(http, "pin", pin_scene="rates", pin_minutes="3", screen=wall_b)
    assert board.control.for_screen(wall_b, "wall-b")["pin"]["scene"] == "rates"
    assert board.control.for_screen(wall_a, "wall-a")["pin"] is None
    act(http, "unpin")
    assert board.control.for_screen(wall_b, "wall-b")["pin"] is None

    act(http, "skip", skip_scene="fx", skip_minutes="30")
    assert "fx" not in [s["name"] for s in board.control.for_screen(wall_a, "wall-a")["scenes"]]
    act(http, "unskip", skip_scene="fx")
    act(http, "set_scene", scene_name="fx", scene_dwell_s="11")
    scenes = board.control.for_screen(wall_a, "wall-a")["scenes"]
    assert next(s["dwell_ms"] for s in scenes if s["name"] == "fx") == 11_000


@pytest.mark.parametrize(
    ("action", "fields", "reason"),
    [
        ("broadcast", {"broadcast_text": "x" * 281, "broadcast_ttl_min": "1"}, "280"),
        ("broadcast", {"broadcast_text": "hi", "broadcast_ttl_min": "soon"}, "a number"),
        ("pin", {"pin_scene": "rates"}, "how many minutes"),
        ("skip", {"skip_scene": "fx"}, "either a time"),
        ("skip", {"skip_scene": "fx", "skip_until": "25:00"}, "HH:MM"),
        ("set_scene", {"scene_name": "fx"}, "dwell, an order"),
        ("set_scene", {"scene_name": "fx", "scene_order": "1.5"}, "whole number"),
        ("launch", {}, "Unknown action"),
    ],
)
def test_a_refused_form_says_why_and_does_nothing(http, board, action, fields, reason):
    sign_in(http)
    before = board.control.audit()
    message = act(http, action, **fields)
    assert message.startswith("Refused: ") and reason in message
    assert board.control.audit() == before


def test_the_viewer_sees_everything_but_has_no_action(http, board, two_screens):
    page = sign_in(http, VIEWER)
    assert "Signed in as <strong>viewer</strong> (read-only)" in page
    assert 'id="actions"' not in page and 'name="screen"' not in page
    assert "console-wall-a-01" in page and 'id="audit-title"' in page
    assert 'data-selectable="false"' in page


def test_signing_out_ends_the_session(http):
    page = sign_in(http)
    answer = http.post("/admin/logout", data={"csrf_token": csrf_of(page)}, headers=SAME_ORIGIN)
    assert answer.status_code == 303
    assert http.get("/admin/screens.json").status_code == 401
    assert 'name="token"' in http.get("/admin").get_data(as_text=True)


def test_without_any_token_the_console_is_disabled(http, monkeypatch):
    monkeypatch.delenv(ADMIN_ENV)
    monkeypatch.delenv(VIEWER_ENV)
    page = http.get("/admin")
    assert page.status_code == 404
    assert "set WALLBOARD_ADMIN_TOKEN" in page.get_data(as_text=True)


def test_the_small_helpers():
    assert [ago(s) for s in (4.4, 75, 7300, 200_000, None)] == ["4 s", "1 min", "2 h", "2 d", "?"]
    summary = {
        "total": 13,
        "live": 12,
        "dark": [{"label": "lobby-2", "since": "2026-12-05T10:42:00Z"}],
    }
    assert summary_line(summary) == "Screens: 12 live, 1 dark (lobby-2, since 10:42)"
    from datetime import UTC, datetime

    now = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    assert next_time_of_day("17:00", "Asia/Hong_Kong", now).isoformat() == (
        "2026-12-06T17:00:00+08:00"  # 17:30 in Hong Kong already: tomorrow's
    )
    assert next_time_of_day("18:00", "Asia/Hong_Kong", now).isoformat() == (
        "2026-12-05T18:00:00+08:00"
    )
