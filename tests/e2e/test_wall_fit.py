"""The wall in headless Chromium (demo edition, kiosk): every scene fills its screen and reads
from across the room, at 1920x1080, 3840x2160, a 1080x1920 lobby screen and a 1366x768 TV.

Each scene is measured by tests/support/wall.py: its painted content reaches at least 90 % of
the height and width of a landscape wall without scrolling; on the portrait and small screens
nothing sticks out sideways or is cut off (under the tape, out of its panel, clipped); the
header is on one line and whole. At 1080p and 4K every character a viewer reads is at least
2.5 % of the viewport's height (footnotes and captions 1.8 %). The status scene is checked page
by page, the news scene keeps only whole headlines, and a scene change never shows the old
scene next to the new one. Screenshots land in tests/artifacts/screens/<viewport>/<scene>.png
and the numbers in tests/artifacts/wall_fit.json (git-ignored).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from app import create_app
from tests.support.wall import LANDSCAPE, TYPE_VIEWPORTS, VIEWPORTS, Measure, measure, set_viewport
from tests.test_app import SCENES

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DWELL_S = 600  # long enough that the kiosk stays on a scene while it is measured
FIT = 0.9

# The scene is drawn: its frame, each chart's SVG, and the wall's fitter has run (a frame).
DRAWN_JS = """
const scene = document.querySelector('.wb-scene[data-scene="' + arguments[0] + '"]');
if (!scene || !document.body.classList.contains('wb-kiosk')) { return false; }
for (const graph of scene.querySelectorAll('.dash-graph')) {
  if (!graph.querySelector('.main-svg')) { return false; }
}
return document.fonts.status === 'loaded';
"""
# The status scene's page ("2 of 3"), the parts of its body shown (a table's or a list's as one
# part per row: "2.5", the sixth row of the third part), and all there are.
STATUS_PAGE_JS = """
const body = document.querySelector('[data-scene="status"] .wb-scene__body');
if (!body) { return null; }
const all = [], shown = [];
[...body.children].forEach((part, i) => {
  const rows = [...part.querySelectorAll(':scope > tbody > tr, :scope > ul > li')];
  const names = rows.length ? rows.map((row, r) => [i + '.' + r, row]) : [[String(i), part]];
  names.forEach(([name, el]) => {
    all.push(name);
    if (!part.hidden && !el.hidden) { shown.push(name); }
  });
});
return [body.getAttribute('data-page'), shown, all];
"""


def wall_app(make_settings):
    """The demo edition, every dataset refreshed once, each scene's dwell long."""
    settings = make_settings("demo")
    scenes = {n: s.model_copy(update={"dwell_s": DWELL_S}) for n, s in settings.scenes.items()}
    app = create_app(settings.model_copy(update={"scenes": scenes}), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in settings.datasets:
        assert board.refresher.refresh(name).records, name
    return app


def show(dash_duo, scene: str) -> None:
    """Open a scene in kiosk mode and wait until it is drawn and fitted."""
    dash_duo.driver.get(f"{dash_duo.server_url}/{scene}?kiosk=1")
    WebDriverWait(dash_duo.driver, 15, 0.1).until(
        lambda d: d.execute_script(DRAWN_JS, scene), f"{scene} never drawn"
    )
    time.sleep(0.4)  # Plotly's resize to its box, the fitter's frame


def problems(m: Measure) -> list[str]:
    """What breaks the fit rules at this viewport (empty when none)."""
    found = [f"cut off: {what}" for what in m.raw["cut"]]
    if m.overflows_sideways:
        found.append(f"wider than the screen: {m.raw['scrollWidth']} px")
    if m.raw["scrollHeight"] > m.raw["height"]:
        found.append(f"taller than the screen: {m.raw['scrollHeight']} px")
    if m.viewport in LANDSCAPE:
        if m.height_share < FIT:
            found.append(f"content reaches {m.height_share:.0%} of the height")
        if m.width_share < FIT:
            found.append(f"content spans {m.width_share:.0%} of the width")
    if m.viewport in TYPE_VIEWPORTS and m.raw["failing"]:
        found.append(f"{m.raw['failing']} characters too small: {m.raw['small'][:8]}")
    return found


def status_pages(dash_duo, viewport: str) -> list[Measure]:
    """Each page of the status scene, measured: the pager turns on the carousel's count of the
    dwell, here set to the middle of each page's share. Every part (every row of a table) shows
    on some page."""
    driver = dash_duo.driver
    shown, pages = set(), []
    label, _, everything = driver.execute_script(STATUS_PAGE_JS)
    count = int(label.split(" of ")[1])
    for page in range(count):
        driver.execute_script(
            "window.wallboard.state.shownMs = arguments[0];", (page + 0.5) * DWELL_S * 1000 / count
        )
        want = f"{page + 1} of {count}"
        WebDriverWait(driver, 5, 0.05).until(
            lambda d, want=want: d.execute_script(STATUS_PAGE_JS)[0] == want, want
        )
        time.sleep(0.1)
        _, visible, _ = driver.execute_script(STATUS_PAGE_JS)
        shown.update(visible)
        pages.append(measure(driver, viewport, f"status page {want}"))
    assert shown == set(everything), f"{viewport}: never shown: {set(everything) - shown}"
    return pages


def test_every_scene_fits_every_wall_and_reads_from_across_the_room(dash_duo, make_settings):
    dash_duo.start_server(wall_app(make_settings))
    driver = dash_duo.driver
    report: dict[str, dict] = {}
    failures: list[str] = []
    for viewport, (width, height) in VIEWPORTS.items():
        shots = ARTIFACTS / "screens" / viewport
        shots.mkdir(parents=True, exist_ok=True)
        show(dash_duo, SCENES[0])
        assert set_viewport(driver, width, height) == (width, height), viewport
        measures = []
        for scene in SCENES:
            show(dash_duo, scene)
            assert driver.execute_script("return [innerWidth, innerHeight]") == [width, height]
            measures.append(measure(driver, viewport, scene))
            driver.save_screenshot(str(shots / f"{scene}.png"))
            if scene == "status":
                measures += status_pages(dash_duo, viewport)
        for m in measures:
            failures += [f"{viewport} {m.scene}: {p}" for p in problems(m)]
        chars = sum(m.raw["chars"] for m in measures)
        report[viewport] = {
            "min_height_share": round(min(m.height_share for m in measures), 3),
            "min_width_share": round(min(m.width_share for m in measures), 3),
            "small_share": round(sum(m.raw["below"] for m in measures) / chars, 3),
            "failing_chars": sum(m.raw["failing"] for m in measures),
            "exempt_small_chars": sum(m.raw["exempt"] for m in measures),
            "scenes": {
                m.scene: [round(m.height_share, 3), round(m.width_share, 3), m.raw["below"]]
                for m in measures
            },
        }
    (ARTIFACTS / "wall_fit.json").write_text(json.dumps(report, indent=1))
    assert failures == [], "\n".join(failures)
    assert dash_duo.get_logs() == []


def test_news_keeps_only_whole_headlines_and_says_how_many(dash_duo, make_settings):
    dash_duo.start_server(wall_app(make_settings))
    driver = dash_duo.driver
    show(dash_duo, "news")
    # The demo's wire has 12 headlines, which a 16:9 wall holds: the list is given three times
    # as many (copies of its own items, as a busier feed would send), and the fitter, which
    # watches the page, fits them again.
    driver.execute_script("""
      const list = document.querySelector('.wb-headlines');
      const items = [...list.children];
      for (let copy = 0; copy < 2; copy++) {
        items.forEach(item => list.appendChild(item.cloneNode(true)));
      }
      document.querySelector('.wb-headlines__count').setAttribute('data-total', '36');
    """)
    time.sleep(0.3)
    shown, hidden, first, count, whole = driver.execute_script("""
      const list = document.querySelector('.wb-headlines').getBoundingClientRect();
      const items = [...document.querySelectorAll('.wb-headlines__item')];
      const visible = items.filter(i => !i.hidden);
      const whole = visible.every(i => { const r = i.getBoundingClientRect();
        return r.bottom <= list.bottom + 1 && r.right <= list.right + 1; });
      return [visible.length, items.length - visible.length,
              visible.every((item, i) => item === items[i]),
              document.querySelector('.wb-headlines__count').textContent, whole];
    """)
    assert 8 <= shown < 36 and shown + hidden == 36, (shown, hidden)
    assert whole and first  # only whole headlines, and the newest: the list's first
    assert count == f"{shown} newest of 36. "
    assert dash_duo.get_logs() == []


def test_a_scene_change_never_shows_the_old_scene_beside_the_new(dash_duo, make_settings):
    dash_duo.start_server(wall_app(make_settings))
    driver = dash_duo.driver
    show(dash_duo, "fx")
    # Watch each frame until the old scene goes: is the next one ever there beside it, did the
    # old one get marked to fade out, and how far had it faded?
    driver.execute_script("""
      const seen = window.__wall = {both: false, leaving: false, minOpacity: 1};
      const old = document.querySelector('.wb-scene');
      new MutationObserver(() => {
        seen.leaving = seen.leaving || old.classList.contains('wb-scene--leaving');
      }).observe(old, {attributes: true});
      (function frame() {
        if (document.querySelectorAll('.wb-scene').length > 1) { seen.both = true; }
        if (old.isConnected) {
          seen.minOpacity = Math.min(seen.minOpacity, +getComputedStyle(old).opacity);
          requestAnimationFrame(frame);
        }
      })();
    """)
    from selenium.webdriver.common.keys import Keys

    dash_duo.find_element("body").send_keys(Keys.ARROW_RIGHT)
    dash_duo.wait_for_element('[data-scene="rates"]', timeout=10)
    watched = driver.execute_script("return window.__wall")
    assert watched["leaving"] and watched["both"] is False, watched
    new = dash_duo.find_element('[data-scene="rates"]')
    assert driver.execute_script("return getComputedStyle(arguments[0]).animationName", new) == (
        "wb-scene-in"
    )
    assert "wb-scene--leaving" not in new.get_attribute("class")
    assert dash_duo.get_logs() == []


def test_alerts_overlay_the_title_band_and_never_move_the_scene(dash_duo, make_settings):
    app = wall_app(make_settings)
    board = app.server.extensions["wallboard"]
    # Natural gas and gold moved past the commodities' 5 % alert whatever the demo's day (their
    # own moves are over the limit on some days only), and other alerts may be up too.
    for instrument in ("natgas", "gold"):
        board.refresher.providers["demo"].spike(instrument, 12)
    board.refresher.refresh("commodities")
    dash_duo.start_server(app)
    driver = dash_duo.driver
    show(dash_duo, "overview")
    where = """
      const body = document.querySelector('.wb-scene__body').getBoundingClientRect();
      const head = document.querySelector('.wb-scene__head').getBoundingClientRect();
      const band = document.querySelector('#wb-alerts').getBoundingClientRect();
      const shown = [...document.querySelectorAll('#wb-alerts .wb-alert')]
        .filter(alert => alert.getBoundingClientRect().height > 0);
      const turns = [...document.querySelectorAll('#wb-alerts .wb-alert')]
        .map(alert => alert.getAttribute('data-turn'));
      return [body.top, body.height, head.top, band.top, band.bottom,
              shown.map(alert => alert.getAttribute('data-alert')), turns];
    """
    places = driver.execute_script(where)
    body_top, body_height, head_top, band_top, band_bottom, shown, turns = places
    # The band: from the scene's title row down, never lower than the scene's body, holding
    # one alert at a time, each marked with its place among them.
    assert abs(band_top - head_top) <= 1 and band_bottom <= body_top + 1
    count = len(turns)
    assert count >= 2 and len(shown) == 1
    assert turns == [f"{i}/{count}" for i in range(1, count + 1)]
    # Its turn over, another alert has the band, and the band and the scene stay where they are.
    WebDriverWait(driver, 8, 0.2).until(lambda d: d.execute_script(where)[5] not in ([], shown))
    again = driver.execute_script(where)
    assert len(again[5]) == 1 and again[:5] == places[:5]
    driver.execute_script("document.getElementById('wb-alerts').style.display = 'none'")
    assert driver.execute_script(where)[:2] == [body_top, body_height]
    assert dash_duo.get_logs() == []


# Each alert in turn alone in the band, measured in one synchronous pass (no frame between, so
# the screen never shows it), then the band as the turns left it.
EVERY_ALERT_JS = """
const alerts = [...document.querySelectorAll('#wb-alerts .wb-alert')];
const was = alerts.map(alert => alert.hidden);
const body = document.querySelector('.wb-scene__body').getBoundingClientRect();
const head = document.querySelector('.wb-scene__head').getBoundingClientRect();
const out = alerts.map((alert, i) => {
  alerts.forEach((other, j) => { other.hidden = j !== i; });
  const band = document.querySelector('#wb-alerts').getBoundingClientRect();
  const text = alert.getBoundingClientRect();
  return [alert.textContent, band.top, band.bottom, text.right, alert.scrollWidth,
          alert.clientWidth];
});
alerts.forEach((alert, i) => { alert.hidden = was[i]; });
return [head.top, body.top, innerWidth, out];
"""


def test_every_alert_holds_to_the_band_on_every_wall(dash_duo, make_settings):
    app = wall_app(make_settings)
    board = app.server.extensions["wallboard"]
    for instrument in ("natgas", "gold", "silver", "copper"):
        board.refresher.providers["demo"].spike(instrument, 12)
    board.refresher.refresh("commodities")
    dash_duo.start_server(app)
    driver = dash_duo.driver
    show(dash_duo, "overview")
    for viewport, (width, height) in VIEWPORTS.items():
        assert set_viewport(driver, width, height) == (width, height), viewport
        show(dash_duo, "overview")
        head_top, body_top, inner_width, alerts = driver.execute_script(EVERY_ALERT_JS)
        assert len(alerts) >= 4, viewport
        for text, top, bottom, right, scroll_width, client_width in alerts:
            where = (viewport, text)
            assert abs(top - head_top) <= 1 and bottom <= body_top + 1, (where, bottom, body_top)
            assert right <= inner_width and scroll_width <= client_width, where
    assert dash_duo.get_logs() == []


def test_the_analysts_header_keeps_to_one_line_at_1920(dash_duo, make_settings):
    dash_duo.start_server(wall_app(make_settings))
    driver = dash_duo.driver
    driver.get(f"{dash_duo.server_url}/fx")
    dash_duo.wait_for_element('[data-scene="fx"]', timeout=10)
    assert set_viewport(driver, 1920, 1080) == (1920, 1080)
    time.sleep(0.3)
    boxes = driver.execute_script("""
      return [...document.querySelectorAll('.wb-nav .container-fluid > *')]
        .map(el => el.getBoundingClientRect())
        .filter(r => r.width > 0)
        .map(r => [r.top, r.bottom, r.right]);
    """)
    # Brand, label, date, clocks, links, search, copy: side by side, none under another.
    assert len(boxes) >= 6
    assert max(top for top, _, _ in boxes) < min(bottom for _, bottom, _ in boxes), boxes
    assert max(right for _, _, right in boxes) <= 1920
    # Nor do the clocks or the scene links wrap inside their boxes: each row is one line.
    for row in (".wb-clock", ".wb-nav__links .nav-item"):
        tops = driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])]"
            ".map(el => Math.round(el.getBoundingClientRect().top))",
            row,
        )
        assert len(tops) > 1 and len(set(tops)) == 1, (row, tops)
    assert dash_duo.get_logs() == []
