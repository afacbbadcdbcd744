"""A scene on screen in headless Chromium: new data arrives as each changed prop set on its own
component (tests/test_app.py checks what is sent), which the browser applies in place (the tile
shows the new price and redraws its sparkline canvas, and no element of the scene is mounted
anew), and badge ages count on in the browser between refreshes without anything from the
server. No sparkline is an image: a data: URI per value filled the kiosk's image cache."""

from __future__ import annotations

import time

import pytest

from app import create_app
from components.format import format_price
from tests.support.services import wait_until

pytestmark = pytest.mark.browser

# Per sparkline canvas on the page: [its tile's instrument, its data-spark, how many of its
# pixels are drawn, a checksum of them that changes when the line does, its bitmap's width and
# height, its width on the page], read back from what the canvas shows.
DRAWN = """
return Array.from(document.querySelectorAll("canvas.wb-tile__spark")).map(function (c) {
  var data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data, n = 0, sum = 0;
  for (var i = 3; i < data.length; i += 4) {
    if (data[i] > 0) { n += 1; sum = (sum + data[i] * (i % 9973)) % 1000000007; }
  }
  var tile = c.closest("[data-instrument]").getAttribute("data-instrument");
  return [tile, c.getAttribute("data-spark"), n, sum, c.width, c.height, c.clientWidth];
});
"""


# The running animations and transitions on the scene's elements, as "<class>: <property>".
ANIMATED = """
return document.getAnimations().filter(function (a) {
  return a.effect && a.effect.target && a.effect.target.closest
    && a.effect.target.closest(".wb-scene");
}).map(function (a) {
  return a.effect.target.className + ": " + (a.transitionProperty || a.animationName);
});
"""


def drawn(dash_duo) -> list[list]:
    """What each sparkline canvas carries and shows (DRAWN)."""
    return dash_duo.driver.execute_script(DRAWN)


def spark_of(dash_duo, instrument: str) -> list:
    """What the sparkline canvas of `instrument`'s tile carries and shows (DRAWN, after its id)."""
    return next(row[1:] for row in drawn(dash_duo) if row[0] == instrument)


def test_new_prices_are_set_in_place_and_ages_count_on(dash_duo, make_settings):
    settings = make_settings("demo")
    crypto = settings.datasets["crypto"].model_copy(update={"refresh_s": 5})  # 5 s screen tick
    settings = settings.model_copy(update={"datasets": {**settings.datasets, "crypto": crypto}})
    app = create_app(settings, start_refresher=False)
    board = app.server.extensions["wallboard"]
    board.refresher.refresh("crypto")
    dash_duo.start_server(app)
    dash_duo.driver.get(f"{dash_duo.server_url}/crypto")
    dash_duo.wait_for_element('[data-instrument="btc"] .wb-tile__price', timeout=10)
    eth_price = dash_duo.find_element('[data-instrument="eth"] .wb-tile__price').text
    # Every tile's sparkline is drawn (a 2 px line across the canvas, at the screen's pixel
    # ratio), and nothing on the page is a data: image.
    assert wait_until(lambda: all(row[2] > 0 for row in drawn(dash_duo)), 5), drawn(dash_duo)
    ratio = dash_duo.driver.execute_script("return window.devicePixelRatio")
    sparks = {row[0]: row[1:] for row in drawn(dash_duo)}
    assert list(sparks) == ["btc", "eth", "sol"], sparks
    for points, pixels, _, width, height, css_width in sparks.values():
        assert css_width > 50 and width == round(css_width * ratio), sparks
        assert 2 * width <= pixels < width * height / 2, sparks  # a line across, not a fill
        assert len(points.split()) == 48, points  # the demo's 48 points
    assert dash_duo.find_elements('img[src^="data:"]') == []
    btc_points, _, btc_drawn, *_ = sparks["btc"]

    # Ages count on in the browser while the server sends nothing (idle ticks answer 204).
    age = dash_duo.find_element(".wb-scene__badges .wb-age")
    first_age = age.text
    time.sleep(3.5)
    assert age.text != first_age and age.text.endswith(" s"), (first_age, age.text)

    # Every element of the scene as it is now: a changed tick must keep them all.
    dash_duo.driver.execute_script(
        "window.wbKept = Array.from(document.querySelectorAll('.wb-scene *'))"
    )
    board.refresher.providers["demo"].spike("btc", 12)
    board.refresher.refresh("crypto")
    btc = next(r for r in board.snapshot("crypto").records if r.symbol == "btc")
    expected = format_price(btc.price, next(i for i in crypto.instruments if i.id == "btc"))
    dash_duo.wait_for_text_to_equal('[data-instrument="btc"] .wb-tile__price', expected, 15)
    # The price flashes up, as a step: no animation runs for it (a fade is a style pass and a
    # repaint on the main thread every frame), and it goes off again.
    flashing = '[data-instrument="btc"] .wb-tile__price[data-flash="up"]'
    assert wait_until(lambda: dash_duo.find_elements(flashing), 5)
    assert dash_duo.driver.execute_script(ANIMATED) == []
    assert wait_until(lambda: not dash_duo.find_elements(flashing), 5)
    # Set in place: not one element was mounted anew (Dash mounts again whatever is under a
    # `children` a callback updates, which a Patch of the body did on every tick).
    kept = "return [wbKept.length, wbKept.filter(function (e) { return !e.isConnected; }).length]"
    total, replaced = dash_duo.driver.execute_script(kept)
    assert total > 50 and replaced == 0, (total, replaced)
    # The update reached every part of the tile: its sparkline has new points and is redrawn.
    redrawn = wait_until(lambda: spark_of(dash_duo, "btc")[2] != btc_drawn, 5)
    assert redrawn, (btc_drawn, spark_of(dash_duo, "btc"))
    points, pixels, *_ = spark_of(dash_duo, "btc")
    assert points != btc_points and pixels > 0
    # A canvas kept in place whose points change (React may keep the element) is redrawn too.
    eth_drawn = spark_of(dash_duo, "eth")[2]
    dash_duo.driver.execute_script(
        'document.querySelector("[data-instrument=eth] canvas").dataset.spark = "0,5 1,95"'
    )
    assert wait_until(lambda: spark_of(dash_duo, "eth")[2] != eth_drawn, 5)
    assert dash_duo.find_element('[data-instrument="eth"] .wb-tile__price').text
    assert eth_price  # shown before and after
    assert len(dash_duo.find_elements(".wb-tile")) == 3
    assert dash_duo.get_logs() == []
