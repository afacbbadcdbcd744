"""The status scene's system section: the shared cache's state and who refreshes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cachelib import SimpleCache

from components.status import screens_summary, system_summary
from engine.board import Board
from engine.store import SnapshotStore
from tests.test_app import text_of

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


class DegradedCache(SimpleCache):
    def health(self) -> dict:
        return {
            "backend": "redis",
            "state": "degraded",
            "since": "2026-11-20T14:58:30+00:00",
            "error": "ConnectionError: Error 111 connecting to 10.0.0.5:6379. Connection refused.",
        }

    def mirror(self) -> dict:
        return {}

    def reseed(self) -> list:
        return []


def board_with(cache, make_settings, fleet=None) -> Board:
    store = SnapshotStore(cache, namespace="open", persist_dir=None, fleet=fleet)
    return Board(make_settings("open"), store, None, lambda: NOW)


def test_a_degraded_cache_is_said_plainly(make_settings):
    cache = DegradedCache()
    section = system_summary(board_with(cache, make_settings, fleet=cache))
    text = text_of(section)
    assert "Cache degraded" in text
    assert "since 14:58:30 UTC" in text and "last-good copy" in text
    assert "Connection refused" in text
    assert "Refresher: not started yet." in text


def test_a_healthy_cache_and_the_leader_with_its_heartbeat(make_settings):
    cache = SimpleCache()
    board = board_with(cache, make_settings)
    board.store.write_heartbeat(
        {"identity": "host-b:4242", "role": "leader", "at": NOW - timedelta(seconds=12)}
    )
    text = text_of(system_summary(board))
    assert "Cache: SimpleCache, ok." in text
    assert "Refresher: host-b:4242 (leader), last seen 12 s ago." in text


def screen_report(name: str) -> dict:
    return {
        "name": name,
        "kiosk": True,
        "scene": "/overview",
        "release": "0+test",
        "loaded_at": "2026-11-20T14:00:00Z",
        "viewport": "1920x1080",
        "user_agent": "Chrome",
    }


def test_the_status_scene_opens_with_the_screens_live_and_dark(make_settings):
    cache = SimpleCache()
    clock = {"now": NOW - timedelta(minutes=10)}
    store = SnapshotStore(cache, namespace="open", persist_dir=None)
    board = Board(make_settings("open"), store, None, lambda: clock["now"])
    assert text_of(screens_summary(board)) == "Screens: none reporting yet."
    board.screens.beat("lobby-2-id-000001", screen_report("lobby-2"), "10.0.0.2")
    clock["now"] = NOW - timedelta(minutes=1)
    for n in range(12):
        board.screens.beat(f"wall-{n:02d}-id-00000", screen_report(f"wall-{n}"), "10.0.0.9")
    clock["now"] = NOW
    text = text_of(screens_summary(board))
    assert text == "Screens: 12 live, 1 dark (lobby-2, since 14:52)"
