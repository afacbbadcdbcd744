"""The board of issue 16 in headless Chromium: instruments of one dataset with different ages
(tests/support/mixed_ages.py). The tape marks the last-week value and leaves out the 2018
headlines, the banner raises an alert on today's value only, with its source and time, and every
scene's badge counts what is stale or missing. Each scene is saved as a screenshot
(tests/artifacts/screens/mixed-<scene>.png, git-ignored) for the issue's before/after table.

The server's clock is fixed at mixed_ages.NOW, and so is the browser's (a Date shifted to it
before any page script runs): the ages count from the server's time anyway (assets/31_ages.js),
but the header's date and the market clocks read the screen's own, and a screenshot of a
Wednesday-afternoon board should not say it is another day.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from app import create_app
from config.schema import AlertRule
from tests.support import mixed_ages
from tests.support.browser import wait_scene_shown
from tests.support.mixed_ages import NOW

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
# Ether's recorded move (+1.69%) breaks this limit as Bitcoin's (+0.96%) does; Ether's quote is
# from last week, so only Bitcoin's may raise an alert.
MOVE = AlertRule(kind="move", threshold_pct=0.5, datasets=["crypto"])

# Each scene's badges (by dataset) and what each must say; None: "1 of N stale" with the
# dataset's own N, then any missing one and the oldest age. Ages of seconds tick on: left out.
BADGES: dict[str, dict[str, tuple[str, ...] | None]] = {
    "overview": {"indices": None},
    "fx": {"fx": None},
    "rates": {"rates": None, "policy_rates": None, "fed_funds_futures": ("✕ Unavailable",)},
    "commodities": {"commodities": None},
    "crypto": {"crypto": None},
    "volatility": {"volatility": None},
    "sectors": {"sectors": None},
    "technicals": {"history": None},
    "calendar": {"calendar": ("↺ Fallback · ", " s · schedule")},
    "news": {"news": ("⚠ Stale · 3212 d old · rss",)},  # its newest headline's, not the fetch's
    "status": {},
}

# Date.now() and new Date() start at NOW on every page, then run at the real pace.
FIXED_CLOCK = """
(() => {
  const RealDate = Date;
  const shift = %d - RealDate.now();
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length) { super(...args); } else { super(RealDate.now() + shift); }
    }
    static now() { return RealDate.now() + shift; }
  }
  window.Date = ShiftedDate;
})();
"""


def summary(settings, dataset: str) -> str:
    """'● Live · 1 of 10 stale · 1 of 10 missing · oldest 7 d': what a badge of a dataset in
    the fixture's roles says (a dataset of two has no third, missing instrument)."""
    n = len(settings.datasets[dataset].instruments)
    missing = f" · 1 of {n} missing" if n > mixed_ages.MISSING_ROLE else ""
    return f"● Live · 1 of {n} stale{missing} · oldest 7 d"


@pytest.fixture
def mixed_app(make_settings):
    """The open edition with no refresher, its clock at NOW, its store holding the fixture's
    snapshots, and the alerts evaluated on them as after a refresh."""
    settings = make_settings("open")
    settings = settings.model_copy(
        update={"alerts": settings.alerts.model_copy(update={"rules": [MOVE]})}
    )
    app = create_app(settings, start_refresher=False, clock=lambda: NOW)
    board = app.server.extensions["wallboard"]
    for snapshot in mixed_ages.stored(settings).values():
        board.store.write(snapshot, persist=False)
    board.alerts.after_refresh("crypto", board.store.read("crypto"))
    return app


def words(element) -> str:
    """An element's visible text on one line (its icon and label are separate blocks)."""
    return " ".join(element.text.split())


def open_scene(dash_duo, scene: str) -> None:
    """Go to a scene as the kiosk shows it, and wait until it is drawn."""
    dash_duo.driver.get(f"{dash_duo.server_url}/{scene}?kiosk=1")
    dash_duo.wait_for_element(f'[data-scene="{scene}"]', timeout=10)
    wait_scene_shown(dash_duo.driver)  # its text reads as hidden while it fades in


def tape(dash_duo, names: list[str]) -> dict[str, tuple[str, str]]:
    """The tape's items (of one run of the two) for these instruments: (text, data-status) by
    name. Read as textContent: most of the tape is scrolled out of sight."""
    items = dash_duo.find_elements("#wb-ticker .wb-ticker__run:first-child .wb-ticker__item")
    shown = [(i.get_attribute("textContent"), i.get_attribute("data-status")) for i in items]
    return {
        name: next((item for item in shown if item[0].startswith(f"{name} ")), ("", "absent"))
        for name in names
    }


def test_tape_banner_and_every_scene_say_how_old_each_value_is(dash_duo, mixed_app):
    board = mixed_app.server.extensions["wallboard"]
    settings = board.settings
    ether = {q.symbol: q for q in board.store.read("crypto").records}["eth"]
    assert ether.change_pct >= MOVE.threshold_pct  # it would fire, were it current
    assert [a.symbol for a in board.alerts.active()] == ["btc"]

    dash_duo.start_server(mixed_app)
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": FIXED_CLOCK % int(NOW.timestamp() * 1000)},
    )
    open_scene(dash_duo, "overview")
    dash_duo.wait_for_text_to_equal("#wb-date", "Wed 18 Nov 2026", timeout=5)
    # The tile told its age as of the refresh (20 s before NOW); the browser counts on from NOW.
    dash_duo.wait_for_contains_text('[data-instrument="ndx"]', "stooq · 7 d old", timeout=5)
    assert "⚠ Stale" in words(dash_duo.find_element('[data-instrument="ndx"]'))

    # (a) The tape: today's values unmarked, last week's marked with its date, no 2018 news.
    items = tape(dash_duo, ["S&P 500", "Nasdaq 100", "Nikkei 225", "Bitcoin", "Ether"])
    for fresh in ("S&P 500", "Bitcoin"):
        text, status = items[fresh]
        assert status == "ok" and "⚠" not in text and "stale" not in text, text
    for old in ("Nasdaq 100", "Ether"):  # last week's: marked by shape, word and date
        text, status = items[old]
        assert status == "stale" and text.endswith(" ⚠ stale · as of 11 Nov 2026"), text
    text, status = items["Nikkei 225"]
    assert status == "closed" and text.endswith(" ☾"), text
    run = dash_duo.find_element("#wb-ticker").get_attribute("textContent")
    assert "Guardian US:" not in run  # headlines from 2018 are not news

    # (b) The banner: Bitcoin's move with its source and time; nothing on last week's Ether.
    lines = dash_duo.find_elements("#wb-alerts .wb-alert")
    assert len(lines) == 1
    assert lines[0].get_attribute("data-status") == "ok"
    banner = lines[0].find_element("css selector", ".wb-alert__text").text
    assert banner.startswith("Bitcoin ▲ +1.0% since the previous close (limit 0.5%)"), banner
    # Its data's source and time, and its age ("40 s"), counted on from the server's clock.
    assert re.search(r" · binance · as of 14:59 UTC \(\d+ s\)$", banner), banner
    assert "Ether" not in dash_duo.find_element("#wb-alerts").text

    # (c) Every scene in the kiosk's order: its badges count what is stale or missing.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for scene, _ in settings.enabled_scenes():
        open_scene(dash_duo, scene)
        for dataset, expected in BADGES[scene].items():
            badge = words(dash_duo.find_element(f'.wb-scene__badges [data-dataset="{dataset}"]'))
            for fragment in expected or (summary(settings, dataset),):
                assert fragment in badge, f"{scene}: {badge}"
        if scene == "status":
            row = words(dash_duo.find_element('[data-scene="status"] [data-dataset="indices"]'))
            assert "stale 7 d" in row and "yahoo: ^DJI: no data in the answer" in row, row
        assert "Bitcoin ▲" in dash_duo.find_element("#wb-alerts").text, scene
        time.sleep(1.2)  # the ages tick once (each second), the charts finish their first draw
        dash_duo.driver.save_screenshot(str(ARTIFACTS / f"mixed-{scene}.png"))

    assert dash_duo.get_logs() == []
