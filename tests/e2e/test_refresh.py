"""A scene on screen in headless Chromium: new data arrives as a Patch (tests/test_app.py checks
what is sent) that the browser applies (the tile shows the new price and sparkline), and badge
ages count on in the browser between refreshes without anything from the server."""

from __future__ import annotations

import time

import pytest

from app import create_app
from components.format import format_price

pytestmark = pytest.mark.browser


def test_new_prices_arrive_as_a_patch_and_ages_count_on(dash_duo, make_settings):
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
    spark = dash_duo.find_element('[data-instrument="btc"] .wb-tile__spark').get_attribute("src")

    # Ages count on in the browser while the server sends nothing (idle ticks answer 204).
    age = dash_duo.find_element(".wb-scene__badges .wb-age")
    first_age = age.text
    time.sleep(3.5)
    assert age.text != first_age and age.text.endswith(" s"), (first_age, age.text)

    board.refresher.providers["demo"].spike("btc", 12)
    board.refresher.refresh("crypto")
    btc = next(r for r in board.snapshot("crypto").records if r.symbol == "btc")
    expected = format_price(btc.price, next(i for i in crypto.instruments if i.id == "btc"))
    dash_duo.wait_for_text_to_equal('[data-instrument="btc"] .wb-tile__price', expected, 15)
    # The patch reached every part of the tile: its sparkline is redrawn too.
    new_spark = dash_duo.find_element('[data-instrument="btc"] .wb-tile__spark')
    assert new_spark.get_attribute("src") != spark
    assert dash_duo.find_element('[data-instrument="eth"] .wb-tile__price').text
    assert eth_price  # shown before and after
    assert len(dash_duo.find_elements(".wb-tile")) == 3
    assert dash_duo.get_logs() == []
