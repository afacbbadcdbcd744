"""Two kiosks steered by the operators (issue 19), in two headless Chromiums at once: both are
listed by the API with their scenes, a broadcast reaches both within 2 s and goes at its time to
live (markup in it shows as text), a pin holds both on its scene across dwells then lets the
rotation resume, a targeted pin moves only its screen, and a reload reloads both in kiosk mode.
The operators act through the JSON API (Bearer token), as a script would."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests
from selenium.common.exceptions import NoAlertPresentException

from app import create_app
from tests.support.browser import chrome_options

pytestmark = pytest.mark.browser

TOKEN = "kiosk-test-admin-token-6f1d"
DWELL_S = 2
NAMES = ("wall-a", "wall-b")


def screens_app(make_settings):
    """The demo edition, every scene at a 2 s dwell, every dataset refreshed once."""
    settings = make_settings("demo")
    scenes = {
        name: scene.model_copy(update={"dwell_s": DWELL_S})
        for name, scene in settings.scenes.items()
    }
    app = create_app(settings.model_copy(update={"scenes": scenes}), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in settings.datasets:
        board.refresher.refresh(name)
    return app


def second_chrome():
    """Another headless Chromium beside dash_duo's, keeping its console log."""
    from selenium import webdriver

    options = chrome_options()
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options)


class Operator:
    """The operators' JSON API on the live server, with the admin token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {TOKEN}"}

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        """One API call; its JSON answer (the call must succeed)."""
        response = requests.request(
            method, self.base + path, json=body, headers=self.headers, timeout=10
        )
        assert response.status_code == 200, (method, path, response.status_code, response.text)
        return response.json()

    def screens(self) -> dict[str, dict]:
        """The listed screens by name."""
        rows = self.call("GET", "/api/screens")["screens"]
        return {row["name"]: row for row in rows if row["name"]}


def path_of(driver) -> str:
    """The scene path the kiosk shows."""
    return urlsplit(driver.current_url).path


def wait_until(what: Callable[[], object], timeout: float, message: Callable[[], str]):
    """Poll `what` until it is truthy (returned) or `timeout` s pass (fail with `message`)."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message())
        time.sleep(0.05)


def paths_over(drivers: dict, seconds: float) -> dict[str, list[str]]:
    """The scene paths each kiosk shows over `seconds`, each once in the order seen."""
    seen: dict[str, list[str]] = {name: [] for name in drivers}
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        for name, driver in drivers.items():
            path = path_of(driver)
            if not seen[name] or seen[name][-1] != path:
                seen[name].append(path)
        time.sleep(0.1)
    return seen


# The broadcasts shown, read in one go (a busy kiosk may take one down between two WebDriver
# calls): each visible item's text, severity and severity word.
SHOWN_JS = """return Array.from(document.querySelectorAll('#wb-broadcast .wb-broadcast__item'))
  .filter(function (item) { return item.getClientRects().length > 0; })
  .map(function (item) {
    return [item.querySelector('.wb-broadcast__text').textContent,
            item.getAttribute('data-severity'),
            item.querySelector('.wb-broadcast__severity').textContent];
  });"""


# Notes in the page the time (its clock, ms) a broadcast with the text `arguments[0]` shows.
SHOWN_AT_JS = """const text = arguments[0];
window.__broadcastShownAt = undefined;
const banner = document.getElementById('wb-broadcast');
new MutationObserver(function () {
  if (window.__broadcastShownAt === undefined && !banner.hidden
      && banner.textContent.indexOf(text) >= 0) {
    window.__broadcastShownAt = Date.now();
  }
}).observe(banner, {childList: true, subtree: true, characterData: true, attributes: true});"""


def broadcasts_shown(driver) -> list[list[str]]:
    """The broadcasts the kiosk shows: [text, severity, severity word] each."""
    return driver.execute_script(SHOWN_JS)


def broadcast_texts(driver) -> list[str]:
    """The texts of the broadcasts the kiosk shows."""
    return [text for text, _, _ in broadcasts_shown(driver)]


def severe(entries: list[dict]) -> list[str]:
    """The console's errors among its log entries."""
    return [entry["message"] for entry in entries if entry.get("level") == "SEVERE"]


@pytest.fixture
def kiosks(dash_duo, make_settings, monkeypatch):
    """wall-a (dash_duo's Chromium) and wall-b (a second one) on the live server's kiosk URL,
    with the operators' API."""
    monkeypatch.setenv("WALLBOARD_ADMIN_TOKEN", TOKEN)
    dash_duo.start_server(screens_app(make_settings))
    other = second_chrome()
    drivers = {"wall-a": dash_duo.driver, "wall-b": other}
    try:
        for name, driver in drivers.items():
            driver.get(f"{dash_duo.server_url}/overview?kiosk=1&screen={name}")
        yield drivers, Operator(dash_duo.server_url)
    finally:
        other.quit()


def test_two_kiosks_steered_by_the_operators(kiosks, dash_duo):
    drivers, operator = kiosks
    a, b = drivers["wall-a"], drivers["wall-b"]

    # Listed within 5 s, each with the scene it shows.
    def listed_at_their_scenes() -> bool:
        rows = operator.screens()
        return all(
            name in rows and rows[name]["kiosk"] is True and rows[name]["scene"] == path_of(d)
            for name, d in drivers.items()
        )

    wait_until(listed_at_their_scenes, 5, lambda: f"not listed: {operator.screens()}")
    for name in NAMES:
        row = operator.screens()[name]
        assert row["state"] == "live" and row["release_current"] and row["errors"] == 0, row

    # A broadcast shows on both within 2 s, and goes at its time to live (6 s). When it shows
    # is read from each page's own clock (this machine's, as the test's): a WebDriver call
    # waits for the page's main thread, so polling would add a busy kiosk's chart drawing.
    text = "Fire drill at 11:00: please leave by the east stairs"
    for driver in drivers.values():
        driver.execute_script(SHOWN_AT_JS, text)
    posted_ms = time.time() * 1000
    operator.call("POST", "/api/broadcast", {"text": text, "ttl_s": 6, "severity": "warning"})
    sent = time.monotonic()
    for name, driver in drivers.items():
        wait_until(
            lambda d=driver: text in broadcast_texts(d),
            5 - (time.monotonic() - sent),
            lambda n=name: f"{n}: no broadcast within 5 s",
        )
    shown_s = {
        name: (driver.execute_script("return window.__broadcastShownAt") - posted_ms) / 1000
        for name, driver in drivers.items()
    }
    assert all(0 < s < 2 for s in shown_s.values()), shown_s
    # The severity by word too, not only by colour.
    assert broadcasts_shown(a) == [[text, "warning", "Warning"]]
    time.sleep(max(0.0, 4.5 - (time.monotonic() - sent)))
    assert all(text in broadcast_texts(d) for d in drivers.values()), "gone before its time"
    for name, driver in drivers.items():
        wait_until(
            lambda d=driver: not broadcast_texts(d),
            8 - (time.monotonic() - sent),
            lambda n=name: f"{n}: the broadcast outlived its time to live",
        )
    assert a.find_element("css selector", "#wb-broadcast").get_attribute("hidden") is not None

    # Markup in a broadcast is text: shown as typed, no element made, nothing run.
    markup = "<img src=x onerror=alert(1)><script>window.__ran = 1</script>"
    operator.call("POST", "/api/broadcast", {"text": markup, "ttl_s": 30, "severity": "critical"})
    for driver in drivers.values():
        wait_until(lambda d=driver: markup in broadcast_texts(d), 3, lambda: "no broadcast")
        assert driver.find_elements("css selector", "#wb-broadcast img, #wb-broadcast script") == []
        assert driver.execute_script("return window.__ran === undefined") is True
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text  # noqa: B018 - raises when no alert is open
    operator.call("DELETE", "/api/broadcast")
    for driver in drivers.values():
        wait_until(lambda d=driver: not broadcast_texts(d), 3, lambda: "not cleared")

    # A pin for rates holds both on /rates across several dwells, then rotation resumes.
    operator.call("POST", "/api/pin", {"scene": "rates", "minutes": 0.15})  # 9 s
    pinned = time.monotonic()
    for name, driver in drivers.items():
        wait_until(lambda d=driver: path_of(d) == "/rates", 3, lambda n=name: f"{n} not pinned")
    note = wait_until(
        lambda: a.find_element("css selector", "#wb-paused").text, 2, lambda: "no pinned note"
    )
    assert note == "📌 Pinned by the operator", note
    held = paths_over(drivers, 3 * DWELL_S)  # three dwells
    assert held == {"wall-a": ["/rates"], "wall-b": ["/rates"]}, held
    assert {row["scene"] for row in operator.screens().values()} == {"/rates"}
    remaining = 9 - (time.monotonic() - pinned)
    moved = paths_over(drivers, remaining + DWELL_S + 3)
    for name in NAMES:
        assert moved[name][0] == "/rates" and len(moved[name]) >= 2, (name, moved)

    # A pin for wall-b only moves wall-b; wall-a rotates on.
    operator.call("POST", "/api/pin", {"scene": "fx", "minutes": 1, "screens": ["wall-b"]})
    wait_until(lambda: path_of(b) == "/fx", 3, lambda: f"wall-b not pinned: {path_of(b)}")
    seen = paths_over(drivers, 2 * DWELL_S + 1)
    assert seen["wall-b"] == ["/fx"], seen
    assert len(seen["wall-a"]) >= 2, seen
    operator.call("DELETE", "/api/pin")

    # A reload reloads both, in kiosk mode, under the same names.
    for driver in drivers.values():
        driver.execute_script("window.__marker = 1")
    operator.call("POST", "/api/screens/reload", {})
    for name, driver in drivers.items():
        wait_until(
            lambda d=driver: d.execute_script("return window.__marker === undefined"),
            5,
            lambda n=name: f"{n} was not reloaded",
        )
        query = urlsplit(driver.current_url).query
        assert query == f"kiosk=1&screen={name}", driver.current_url
        wait_until(lambda d=driver: d.find_elements("css selector", "[data-scene]"), 10, str)
        wait_until(
            lambda d=driver: (
                "wb-kiosk" in d.find_element("css selector", "body").get_attribute("class")
            ),
            3,
            lambda: "kiosk mode lost",
        )

    assert dash_duo.get_logs() == []
    assert severe(b.get_log("browser")) == []
