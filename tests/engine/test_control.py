"""The operators' actions (engine.control): validated, stored for the fleet with a serial that
screens follow, aimed at all screens or some by id or name, expiring on time, audited, and turned
into each screen's share of them (broadcasts, pin, rotation, reload)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cachelib import SimpleCache

from config import load_settings
from config.schema import Edition
from engine.control import ActionRefused, ControlDesk
from tests.support.fakes.providers import T0


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def settings():
    return load_settings().model_copy(update={"edition": Edition.DEMO})


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def desk(settings, clock):
    return ControlDesk(SimpleCache(), "demo", settings, clock)


def rotation(share):
    return [(s["name"], s["dwell_ms"]) for s in share["scenes"]]


def test_with_no_action_a_screen_gets_the_configured_rotation(desk, settings):
    share = desk.for_screen("k3J9abcdEFGH1234", "wall-a")
    assert share["broadcasts"] == [] and share["pin"] is None and share["reload"] is None
    expected = [(name, int(scene.dwell_s * 1000)) for name, scene in settings.enabled_scenes()]
    assert rotation(share) == expected


def test_a_broadcast_reaches_its_screens_until_it_expires(desk, clock):
    before = desk.version()
    made = desk.broadcast(text="Fire drill at 11:00", ttl_s=60, severity="warning", actor="admin")
    assert desk.version() != before and made["id"].startswith("b")
    clock.now = T0 + timedelta(seconds=15)
    (shown,) = desk.for_screen("any-screen-0001", None)["broadcasts"]
    assert shown == {
        "id": made["id"],
        "text": "Fire drill at 11:00",
        "severity": "warning",
        "remaining_ms": 45_000,
    }
    clock.now = T0 + timedelta(seconds=60)
    assert desk.for_screen("any-screen-0001", None)["broadcasts"] == []


def test_markup_in_a_broadcast_is_kept_as_text(desk):
    desk.broadcast(text="<script>alert(1)</script><b>x</b>", ttl_s=30, actor="admin")
    (shown,) = desk.for_screen("any-screen-0001", None)["broadcasts"]
    assert shown["text"] == "<script>alert(1)</script><b>x</b>"  # the page writes it as text


def test_a_targeted_pin_reaches_only_the_named_screen(desk, clock):
    desk.pin(scene="rates", minutes=10, screens=["wall-b"], actor="admin")
    assert desk.for_screen("id-of-wall-a-001", "wall-a")["pin"] is None
    pin = desk.for_screen("id-of-wall-b-002", "wall-b")["pin"]
    assert pin == {"scene": "rates", "path": "/rates", "remaining_ms": 600_000}
    by_id = desk.for_screen("id-of-wall-c-003", None)
    assert by_id["pin"] is None
    desk.pin(scene="fx", minutes=1, screens=["id-of-wall-c-003"], actor="admin")
    assert desk.for_screen("id-of-wall-c-003", None)["pin"]["path"] == "/fx"
    desk.unpin(actor="admin")
    assert desk.for_screen("id-of-wall-b-002", "wall-b")["pin"] is None


def test_skip_dwell_and_order_change_the_rotation_and_skips_expire(desk, clock, settings):
    desk.skip(scene="sectors", minutes=30, actor="admin")
    desk.set_scene(scene="news", dwell_s=5, order=-10, actor="admin")
    names = [name for name, _ in rotation(desk.for_screen("s-0000000000001", None))]
    assert "sectors" not in names and names[0] == "news"
    assert rotation(desk.for_screen("s-0000000000001", None))[0] == ("news", 5000)
    clock.now = T0 + timedelta(minutes=31)
    names = [name for name, _ in rotation(desk.for_screen("s-0000000000001", None))]
    assert "sectors" in names
    desk.set_scene(scene="news", actor="admin")  # both None: as configured again
    configured = [name for name, _ in settings.enabled_scenes()]
    assert [n for n, _ in rotation(desk.for_screen("s-0000000000001", None))] == configured


def test_a_skip_until_a_time(desk, clock):
    desk.skip(scene="sectors", until="2026-11-18T16:00:00Z", actor="admin")
    assert "sectors" not in [n for n, _ in rotation(desk.for_screen("s-0000000000001", None))]
    clock.now = T0 + timedelta(hours=1)
    assert "sectors" in [n for n, _ in rotation(desk.for_screen("s-0000000000001", None))]


def test_a_reload_is_the_latest_id_aimed_at_the_screen(desk):
    first = desk.reload(actor="admin")["id"]
    assert desk.for_screen("s-0000000000001", "wall-a")["reload"] == first
    second = desk.reload(screens=["wall-b"], actor="admin")["id"]
    assert desk.for_screen("s-0000000000001", "wall-a")["reload"] == first
    assert desk.for_screen("s-0000000000002", "wall-b")["reload"] == second


def test_every_action_is_audited_newest_first_without_secrets(desk):
    desk.broadcast(text="Hello floor", ttl_s=30, actor="admin")
    desk.pin(scene="rates", minutes=2, screens=["wall-a", "wall-b"], actor="admin")
    desk.refresh(dataset="fx", actor="admin")
    audit = desk.audit()
    assert [(e["action"], e["targets"]) for e in audit] == [
        ("refresh", "all screens"),
        ("pin", "wall-a, wall-b"),
        ("broadcast", "all screens"),
    ]
    assert audit[1]["detail"] == "rates for 2 min" and audit[1]["role"] == "admin"
    assert audit[0]["at"] == "2026-11-18T15:00:00Z"
    assert desk.state().refreshes[-1].subject == "fx"


def test_the_state_survives_a_new_desk_on_the_same_cache(settings, clock):
    cache = SimpleCache()
    ControlDesk(cache, "demo", settings, clock).pin(scene="rates", minutes=5, actor="admin")
    again = ControlDesk(cache, "demo", settings, clock)  # a restarted process
    assert again.for_screen("s-0000000000001", None)["pin"]["scene"] == "rates"


def test_only_an_admin_acts(desk):
    with pytest.raises(PermissionError):
        desk.broadcast(text="hi", ttl_s=30, actor="viewer")
    assert desk.audit() == []


@pytest.mark.parametrize(
    ("action", "kwargs", "says"),
    [
        ("broadcast", {"text": "", "ttl_s": 30}, "text is plain text"),
        ("broadcast", {"text": "x" * 281, "ttl_s": 30}, "text is plain text"),
        ("broadcast", {"text": "two\nlines", "ttl_s": 30}, "one line"),
        ("broadcast", {"text": "hi", "ttl_s": 0}, "ttl_s is a number"),
        ("broadcast", {"text": "hi", "ttl_s": "60"}, "ttl_s is a number"),
        ("broadcast", {"text": "hi", "ttl_s": True}, "ttl_s is a number"),
        ("broadcast", {"text": "hi", "ttl_s": 30, "severity": "panic"}, "severity"),
        ("broadcast", {"text": "hi", "ttl_s": 30, "screens": []}, "screens is a list"),
        ("broadcast", {"text": "hi", "ttl_s": 30, "screens": ["<b>"]}, "screen is named"),
        ("pin", {"scene": "nowhere", "minutes": 5}, "enabled scenes"),
        ("pin", {"scene": "rates", "minutes": -1}, "minutes is a number"),
        ("skip", {"scene": "rates"}, "until a time"),
        ("skip", {"scene": "rates", "until": "2020-01-01T00:00:00Z"}, "next 7 days"),
        ("skip", {"scene": "rates", "until": "tomorrow"}, "ISO time"),
        ("set_scene", {"scene": "rates", "dwell_s": 0.5}, "dwell_s"),
        ("set_scene", {"scene": "rates", "order": 1.5}, "order is a whole number"),
        ("refresh", {"dataset": "nope"}, "dataset is one of"),
    ],
)
def test_a_bad_action_is_refused_with_its_reason_and_changes_nothing(desk, action, kwargs, says):
    before = desk.version()
    with pytest.raises(ActionRefused, match=says):
        getattr(desk, action)(**kwargs, actor="admin")
    assert desk.version() == before and desk.audit() == []
