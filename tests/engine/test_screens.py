"""The screens registry (engine.screens): reports validated strictly, written only when a screen
reports, listed live or dark by the time of its last report, capped, and summarised for the
status scene."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cachelib import SimpleCache

from config.schema import Screens
from engine.release import release_id
from engine.screens import ScreenRefused, ScreenRegistry
from tests.support.fakes.providers import T0


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


class CountingCache(SimpleCache):
    """A SimpleCache that counts its writes."""

    def __init__(self):
        super().__init__()
        self.writes = 0

    def set(self, key, value, timeout=None):
        self.writes += 1
        return super().set(key, value, timeout)


def report(**changes) -> dict:
    base = {
        "name": "lobby-1",
        "kiosk": True,
        "scene": "/overview",
        "release": release_id(),
        "loaded_at": "2026-11-18T14:00:00Z",
        "viewport": "1920x1080",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131",
        "errors": 0,
        "last_error": None,
        "offline_episodes": 0,
    }
    return {**base, **changes}


def registry(clock=None, cache=None, **config) -> ScreenRegistry:
    return ScreenRegistry(cache or SimpleCache(), "open", Screens(**config), clock or Clock())


def test_a_report_lists_the_screen_live_with_what_it_said():
    clock = Clock()
    screens = registry(clock)
    screens.beat("k3J9abcdEFGH1234", report(scene="/rates"), "10.0.0.7")
    clock.now = T0 + timedelta(seconds=30)
    (row,) = screens.rows()
    assert row["id"] == "k3J9abcdEFGH1234" and row["label"] == "lobby-1"
    assert row["scene"] == "/rates" and row["kiosk"] is True
    assert row["state"] == "live" and row["dark_since"] is None
    assert row["seen_ago_s"] == 30.0 and row["address"] == "10.0.0.7"
    assert row["release_current"] is True and row["problems"] == []
    assert row["viewport"] == "1920x1080"


def test_a_screen_unheard_for_dark_after_s_is_dark_since_then():
    clock = Clock()
    screens = registry(clock, dark_after_s=60, report_every_s=20)
    screens.beat("wall-a-000000001", report(name="wall-a"), "10.0.0.1")
    screens.beat("wall-b-000000002", report(name="wall-b"), "10.0.0.2")
    clock.now = T0 + timedelta(seconds=45)
    screens.beat("wall-a-000000001", report(name="wall-a"), "10.0.0.1")
    clock.now = T0 + timedelta(seconds=61)
    rows = {r["label"]: r for r in screens.rows()}
    assert rows["wall-a"]["state"] == "live"
    assert rows["wall-b"]["state"] == "dark"
    assert rows["wall-b"]["dark_since"] == "2026-11-18T15:01:00Z"
    assert "dark since 15:01 UTC" in rows["wall-b"]["problems"]
    summary = screens.summary()
    assert summary == {
        "total": 2,
        "live": 1,
        "dark": [{"id": "wall-b-000000002", "label": "wall-b", "since": "2026-11-18T15:01:00Z"}],
    }


def test_a_beat_without_a_report_writes_nothing():
    cache = CountingCache()
    screens = registry(cache=cache)
    screens.beat("k3J9abcdEFGH1234", report(), "10.0.0.7")
    written = cache.writes
    for _ in range(10):
        screens.beat("k3J9abcdEFGH1234", None, "10.0.0.7")
    assert cache.writes == written == 2  # the index once, the entry once


@pytest.mark.parametrize(
    "path", ["/overview", "/instrument/spx", "/instrument/yahoo:EURUSD=X", "/instrument/%5EGSPC"]
)
def test_any_page_of_the_board_is_a_scene_a_screen_may_report(path):
    screens = registry()
    screens.beat("k3J9abcdEFGH1234", report(scene=path), "10.0.0.7")
    assert screens.rows()[0]["scene"] == path


def test_first_seen_is_kept_across_reports_and_problems_are_named():
    clock = Clock()
    screens = registry(clock)
    screens.beat("k3J9abcdEFGH1234", report(), "10.0.0.7")
    clock.now = T0 + timedelta(seconds=20)
    screens.beat(
        "k3J9abcdEFGH1234",
        report(
            errors=2, last_error="TypeError: x is undefined", offline_episodes=1, release="0+old"
        ),
        "10.0.0.7",
    )
    (row,) = screens.rows()
    assert row["first_seen"] == "2026-11-18T15:00:00Z" and row["seen_at"] == "2026-11-18T15:00:20Z"
    assert row["problems"] == [
        "2 console errors since load",
        "offline 1 time in this browser tab",
        "runs an earlier release: reload it",
    ]
    assert row["release_current"] is False and row["last_error"] == "TypeError: x is undefined"


@pytest.mark.parametrize(
    ("screen_id", "body", "says"),
    [
        ("", report(), "screen id"),
        ("<script>", report(), "screen id"),
        ("x" * 65, report(), "screen id"),
        (42, report(), "screen id"),
        ("k3J9abcdEFGH1234", "not an object", "JSON object"),
        ("k3J9abcdEFGH1234", report(name="<b>lobby</b>"), "report.name"),
        ("k3J9abcdEFGH1234", report(scene="javascript:alert(1)"), "report.scene"),
        ("k3J9abcdEFGH1234", report(scene='/"><script>'), "report.scene"),
        ("k3J9abcdEFGH1234", report(scene="/a b"), "report.scene"),
        ("k3J9abcdEFGH1234", report(viewport="big"), "report.viewport"),
        ("k3J9abcdEFGH1234", report(errors=-1), "report.errors"),
        ("k3J9abcdEFGH1234", report(user_agent="x" * 301), "report.user_agent"),
        ("k3J9abcdEFGH1234", {**report(), "extra": 1}, "report.extra"),
        ("k3J9abcdEFGH1234", {k: v for k, v in report().items() if k != "kiosk"}, "report.kiosk"),
        ("k3J9abcdEFGH1234", report(loaded_at="yesterday"), "report.loaded_at"),
    ],
)
def test_a_bad_beat_is_refused_with_its_reason_and_nothing_is_written(screen_id, body, says):
    cache = CountingCache()
    screens = registry(cache=cache)
    with pytest.raises(ScreenRefused, match=says.replace(".", r"\.")):
        screens.beat(screen_id, body, "10.0.0.7")
    assert cache.writes == 0 and screens.rows() == []


def test_new_screens_beyond_the_cap_are_refused_until_one_is_forgotten():
    clock = Clock()
    screens = registry(clock, max_screens=2, dark_after_s=60, report_every_s=20, forget_after_s=120)
    screens.beat("screen-aaaaaaaa1", report(name="a"), "10.0.0.1")
    screens.beat("screen-bbbbbbbb2", report(name="b"), "10.0.0.2")
    with pytest.raises(ScreenRefused, match="already lists 2 screens"):
        screens.beat("screen-cccccccc3", report(name="c"), "10.0.0.3")
    screens.beat("screen-aaaaaaaa1", report(name="a"), "10.0.0.1")  # a known one still reports
    clock.now = T0 + timedelta(seconds=121)
    screens.beat("screen-cccccccc3", report(name="c"), "10.0.0.3")
    assert sorted(r["label"] for r in screens.rows()) == ["c"]


def test_config_keeps_reports_well_inside_the_dark_time():
    with pytest.raises(ValueError, match="at most a third of dark_after_s"):
        Screens(dark_after_s=30, report_every_s=20)
    with pytest.raises(ValueError, match="forget_after_s must be longer"):
        Screens(dark_after_s=120, forget_after_s=100)
