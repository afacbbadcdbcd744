"""The kiosk carousel in headless Chromium (demo edition): rotation at the configured dwell,
wrap-around, kiosk mode kept across rotations, pause on interaction, skipping scenes without
data, and stale badges computed from server time."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from app import create_app
from engine.refresher import utc_now
from tests.test_app import SCENES as ORDER

pytestmark = pytest.mark.browser


def demo_app(
    make_settings, *, dwell_s: float, idle_s: float = 60, skip_refresh=(), clock=None, hours=None
):
    settings = make_settings("demo", carousel={"idle_resume_s": idle_s})
    hours = hours or {}
    scenes = {
        name: scene.model_copy(update={"dwell_s": dwell_s, "hours": hours.get(name)})
        for name, scene in settings.scenes.items()
    }
    settings = settings.model_copy(update={"scenes": scenes})
    app = create_app(settings, start_refresher=False, **({"clock": clock} if clock else {}))
    board = app.server.extensions["wallboard"]
    for name in settings.datasets:
        if name not in skip_refresh:
            board.refresher.refresh(name)
    return app


def visits(dash_duo, seconds: float) -> list[str]:
    """The scene paths the browser shows over `seconds`, each once in the order seen."""
    seen: list[str] = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        url = dash_duo.driver.current_url
        path = url.split("://", 1)[1].split("/", 1)[1]
        scene, _, query = path.partition("?")
        assert query == "kiosk=1", f"kiosk mode lost at {url}"
        if not seen or seen[-1] != scene:
            seen.append(scene)
        time.sleep(0.1)
    return seen


def test_kiosk_rotates_through_every_scene_for_two_loops(dash_duo, make_settings):
    dash_duo.start_server(demo_app(make_settings, dwell_s=1.5))
    dash_duo.driver.get(f"{dash_duo.server_url}/overview?kiosk=1")
    dash_duo.wait_for_element('[data-scene="overview"]', timeout=10)
    assert "wb-kiosk" in dash_duo.find_element("body").get_attribute("class")
    assert not dash_duo.find_element(".wb-nav__links").is_displayed()
    started = time.monotonic()
    seen = visits(dash_duo, 50)
    assert seen[: 2 * len(ORDER) + 1] == [*ORDER, *ORDER, "overview"], seen
    # 11 scenes at 1.5 s each (the tick is 1 s): a loop takes about 17-28 s, never less.
    assert time.monotonic() - started >= 2 * 15
    dash_duo.wait_for_element("[data-scene]", timeout=5)
    assert dash_duo.get_logs() == []


def test_a_scene_without_data_is_skipped(dash_duo, make_settings):
    app = demo_app(make_settings, dwell_s=1, skip_refresh=("news",))
    dash_duo.start_server(app)
    dash_duo.driver.get(f"{dash_duo.server_url}/technicals?kiosk=1")
    seen = visits(dash_duo, 7)
    assert "news" not in seen and "calendar" in seen and "status" in seen, seen
    assert dash_duo.get_logs() == []


def test_a_click_pauses_rotation_until_idle(dash_duo, make_settings):
    dash_duo.start_server(demo_app(make_settings, dwell_s=2, idle_s=4))
    dash_duo.driver.get(f"{dash_duo.server_url}/overview?kiosk=1")
    dash_duo.wait_for_element('[data-scene="overview"]', timeout=10)
    # A click anywhere on the scene (its title band may be under an alert: 28_wall.css).
    dash_duo.find_element(".wb-scene__body").click()
    dash_duo.wait_for_element("#wb-paused:not([hidden])", timeout=3)
    assert "Paused" in dash_duo.find_element("#wb-paused").text
    assert visits(dash_duo, 3.5) == ["overview"]  # held while the idle time runs
    seen = visits(dash_duo, 5)  # then resumes by itself
    assert seen[0] == "overview" and "fx" in seen, seen
    assert dash_duo.get_logs() == []


def test_space_holds_and_arrows_step(dash_duo, make_settings):
    from selenium.webdriver.common.keys import Keys

    dash_duo.start_server(demo_app(make_settings, dwell_s=5, idle_s=2))
    dash_duo.driver.get(f"{dash_duo.server_url}/fx?kiosk=1")
    dash_duo.wait_for_element('[data-scene="fx"]', timeout=10)
    body = dash_duo.find_element("body")
    body.send_keys(Keys.SPACE)
    dash_duo.wait_for_contains_text("#wb-paused", "Press space to resume", timeout=3)
    assert visits(dash_duo, 6) == ["fx"]  # longer than the dwell: held
    body.send_keys(Keys.ARROW_RIGHT)
    dash_duo.wait_for_element('[data-scene="rates"]', timeout=5)
    body.send_keys(Keys.ARROW_LEFT)
    dash_duo.wait_for_element('[data-scene="fx"]', timeout=5)
    body.send_keys(Keys.SPACE)
    dash_duo.wait_for_element('[data-scene="rates"]', timeout=15)  # rotating again
    assert dash_duo.get_logs() == []


def test_without_kiosk_nothing_rotates(dash_duo, make_settings):
    dash_duo.start_server(demo_app(make_settings, dwell_s=1))
    dash_duo.driver.get(f"{dash_duo.server_url}/fx")
    dash_duo.wait_for_element('[data-scene="fx"]', timeout=10)
    time.sleep(3)
    assert dash_duo.driver.current_url.endswith("/fx")
    assert dash_duo.find_element(".wb-nav__links").is_displayed()
    assert dash_duo.get_logs() == []


def test_a_dataset_past_its_threshold_shows_stale_with_its_age(dash_duo, make_settings):
    offset = {"by": timedelta(0)}
    app = demo_app(make_settings, dwell_s=30, clock=lambda: utc_now() + offset["by"])
    offset["by"] = timedelta(seconds=90 + 12 * 60)  # crypto: 15 s cadence, stale after 90 s
    dash_duo.start_server(app)
    dash_duo.driver.get(f"{dash_duo.server_url}/crypto")
    badge = '.wb-scene__badges [data-dataset="crypto"] .wb-badge'
    dash_duo.wait_for_contains_text(badge, "Stale", timeout=10)
    text = dash_duo.find_element(badge).text
    # The badge gives its oldest value's age (every coin is as old here) and its source.
    assert "Stale · oldest 1" in text and " min · demo" in text, text
    assert dash_duo.find_element(badge).get_attribute("data-status") == "stale"
    assert dash_duo.find_elements('.wb-tile[data-status="stale"]')
    assert dash_duo.get_logs() == []


def test_a_scene_outside_its_hours_is_skipped(dash_duo, make_settings):
    from datetime import UTC, datetime

    from config.schema import Hours

    later = datetime.now(UTC) + timedelta(hours=2)
    window = Hours(start=f"{later:%H}:00", end=f"{(later + timedelta(hours=1)):%H}:00", tz="UTC")
    dash_duo.start_server(demo_app(make_settings, dwell_s=1, hours={"fx": window}))
    dash_duo.driver.get(f"{dash_duo.server_url}/overview?kiosk=1")
    seen = visits(dash_duo, 5)
    assert seen[:2] == ["overview", "rates"], seen
    assert dash_duo.get_logs() == []
