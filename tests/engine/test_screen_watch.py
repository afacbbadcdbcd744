"""The screen watch (engine.screen_watch): a screen gone dark raises one `screen` alert per
episode, posted to the webhook once; back live, the episode ends and a new darkness is a new
alert; the wall's banner never shows them; forced refreshes run once each, and a new leader does
not rerun the old ones."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from cachelib import SimpleCache

from analytics.alert_keeper import AlertKeeper
from config import load_settings
from config.schema import AlertRule, Edition, Screens
from engine.control import ControlDesk
from engine.release import release_id
from engine.screen_watch import ScreenWatch
from engine.screens import ScreenRegistry
from engine.store import SnapshotStore
from tests.support.fakes.providers import T0
from tests.support.services import wait_until

HOOK = "http://hook.invalid/services/T000"


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


class FakeRefresher:
    """What the watch uses of a refresher: its store, settings, clock and refresh."""

    def __init__(self, settings, store, clock):
        self.settings, self.store, self.clock = settings, store, clock
        self.refreshed: list[str] = []
        self.done = threading.Event()

    def refresh(self, dataset):
        self.refreshed.append(dataset)
        self.done.set()


class Posts(list):
    def __call__(self, url, json, timeout):
        self.append((url, json))


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setenv("WALLBOARD_ALERT_WEBHOOK", HOOK)
    settings = load_settings().model_copy(
        update={
            "edition": Edition.DEMO,
            "screens": Screens(dark_after_s=30, report_every_s=10),
        }
    )
    clock = Clock()
    store = SnapshotStore(SimpleCache(), namespace="demo", persist_dir=None)
    posts = Posts()
    keeper = AlertKeeper(lambda: settings, store, clock, post=posts)
    refresher = FakeRefresher(settings, store, clock)
    registry = ScreenRegistry(store.cache, "demo", settings.screens, clock)
    desk = ControlDesk(store.cache, "demo", settings, clock)
    return ScreenWatch(refresher, keeper), registry, desk, keeper, posts, clock


def report(name):
    return {
        "name": name,
        "kiosk": True,
        "scene": "/rates",
        "release": release_id(),
        "loaded_at": "2026-11-18T14:00:00Z",
        "viewport": "1920x1080",
        "user_agent": "Chrome",
    }


def test_a_dark_screen_raises_one_alert_per_episode_and_one_webhook_post(world):
    watch, registry, _, keeper, posts, clock = world
    registry.beat("wall-a-000000001", report("wall-a"), "10.0.0.1")
    registry.beat("wall-b-000000002", report("wall-b"), "10.0.0.2")
    assert watch.poll() == ([], [])
    clock.now = T0 + timedelta(seconds=20)
    registry.beat("wall-a-000000001", report("wall-a"), "10.0.0.1")
    clock.now = T0 + timedelta(seconds=31)
    assert watch.poll() == (["wall-b-000000002"], [])
    for seconds in (32, 33, 40):  # still dark: the same episode, nothing new
        clock.now = T0 + timedelta(seconds=seconds)
        registry.beat("wall-a-000000001", report("wall-a"), "10.0.0.1")
        assert watch.poll() == ([], [])
    assert wait_until(lambda: len(posts) == 1, 5)
    url, body = posts[0]
    assert url == HOOK
    assert "Screen wall-b is dark: not seen since 15:00 UTC (it showed /rates)" in body["text"]
    (alert,) = keeper.screen_alerts()
    assert alert.kind == "screen" and alert.raised_at == T0 + timedelta(seconds=30)
    assert keeper.active() == []  # the wall's banner shows market alerts only

    clock.now = T0 + timedelta(seconds=41)
    registry.beat("wall-b-000000002", report("wall-b"), "10.0.0.2")  # back
    assert watch.poll() == ([], []) and keeper.screen_alerts() == []
    clock.now = T0 + timedelta(seconds=80)
    registry.beat("wall-a-000000001", report("wall-a"), "10.0.0.1")
    assert watch.poll() == (["wall-b-000000002"], [])  # a new episode: a new alert and post
    assert wait_until(lambda: len(posts) == 2, 5)


def test_market_alert_evaluation_keeps_a_dark_screens_alert(world):
    watch, registry, _, keeper, _, clock = world
    registry.beat("wall-b-000000002", report("wall-b"), "10.0.0.2")
    clock.now = T0 + timedelta(seconds=31)
    watch.poll()
    clock.now = T0 + timedelta(hours=5)  # far past any cooldown
    keeper.settings = lambda: keeper_settings_with_a_rule(watch.refresher.settings)
    keeper.after_refresh("fx", None)
    assert [a.symbol for a in keeper.screen_alerts()] == ["wall-b-000000002"]


def keeper_settings_with_a_rule(settings):
    rule = AlertRule(kind="move", datasets=["fx"], threshold_pct=50)
    return settings.model_copy(
        update={"alerts": settings.alerts.model_copy(update={"rules": [rule]})}
    )


def test_a_forced_refresh_runs_once_and_a_new_leader_skips_old_ones(world):
    watch, _, desk, _, _, clock = world
    desk.refresh(dataset="fx", actor="admin")
    assert watch.poll()[1] == ["fx"]
    assert watch.refresher.done.wait(5) and watch.refresher.refreshed == ["fx"]
    assert watch.poll()[1] == []
    clock.now = T0 + timedelta(minutes=5)
    heir = ScreenWatch(watch.refresher, watch.alerts)
    heir.start()
    heir.stop()
    assert heir.poll()[1] == []  # the old leader's request, not run twice
