"""The technicals scene for analysts in headless Chromium (demo edition): range links and symbol
buttons change the URL with a history entry (Back returns), a zoom refits the price axis to the
bars in view, the hover shows OHLC and the indicators, the mode bar has reset and PNG; a kiosk's
chart is static, with no link, button or focusable element in the scene."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import request
from selenium.webdriver.common.action_chains import ActionChains

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
GRAPH = "#technicals-graph .js-plotly-plot"
PLOT = f"return document.querySelector('{GRAPH}');"
X_RANGE = f"const gd = document.querySelector('{GRAPH}'); return gd && gd._fullLayout.xaxis.range;"
Y_RANGE = f"return document.querySelector('{GRAPH}')._fullLayout.yaxis.range;"
CANDLES = f"""
const gd = document.querySelector('{GRAPH}');
const c = gd.data.find(t => t.type === 'candlestick');
return [c.x, c.low, c.high];
"""


def query(dash_duo) -> dict[str, list[str]]:
    return parse_qs(urlsplit(dash_duo.driver.current_url).query)


def day(text: str) -> datetime:
    return datetime.fromisoformat(str(text)[:10]).replace(tzinfo=UTC)


def wait_for(condition, timeout: float = 10, what: str = "") -> object:
    """Poll `condition` until it returns something truthy (a browser is not instant)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # the page is being redrawn: look again
            value = None
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what or condition}")


def open_chart(dash_duo, path: str) -> None:
    dash_duo.driver.get(f"{dash_duo.server_url}{path}")
    dash_duo.wait_for_element('[data-scene="technicals"]', timeout=15)
    wait_for(lambda: dash_duo.driver.execute_script(X_RANGE), what="the chart")


def span_days(dash_duo) -> float:
    start, end = dash_duo.driver.execute_script(X_RANGE)
    return (day(end) - day(start)) / timedelta(days=1)


def test_ranges_and_symbols_are_urls_and_back_returns(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_chart(dash_duo, "/technicals")
    assert span_days(dash_duo) > 300  # All: the 250 bars held past the warm-up
    chosen = dash_duo.find_element('.wb-technicals__ranges [aria-current="true"]')
    assert chosen.text == "All"

    dash_duo.find_element('.wb-technicals__ranges a[href*="range=1M"]').click()
    wait_for(lambda: query(dash_duo).get("range") == ["1M"], what="range=1M in the URL")
    assert query(dash_duo)["symbol"] == ["spx"]
    wait_for(lambda: span_days(dash_duo) < 40, what="a month on the time axis")
    assert dash_duo.find_element('.wb-technicals__ranges [aria-current="true"]').text == "1M"

    dash_duo.find_element('button[aria-pressed="false"]').click()  # Nasdaq 100
    wait_for(lambda: query(dash_duo).get("symbol") == ["ndx"], what="symbol=ndx in the URL")
    assert query(dash_duo)["range"] == ["1M"]  # the range stays
    dash_duo.wait_for_contains_text(".wb-technicals__readout", "Nasdaq 100", timeout=10)

    dash_duo.driver.back()
    wait_for(lambda: query(dash_duo).get("symbol") == ["spx"], what="Back to symbol=spx")
    dash_duo.wait_for_contains_text(".wb-technicals__readout", "S&P 500", timeout=10)
    assert dash_duo.find_element('button[aria-pressed="true"]').text == "S&P 500"
    assert query(dash_duo)["range"] == ["1M"]

    dash_duo.driver.back()
    wait_for(lambda: "range" not in query(dash_duo), what="Back to the first view")
    wait_for(lambda: span_days(dash_duo) > 300, what="the whole chart again")

    # A copied URL opens the same view elsewhere.
    open_chart(dash_duo, "/technicals?symbol=ndx&range=6M")
    dash_duo.wait_for_contains_text(".wb-technicals__readout", "Nasdaq 100", timeout=10)
    assert 150 < span_days(dash_duo) < 190
    assert dash_duo.get_logs() == []


def test_back_while_the_chosen_symbols_page_is_on_its_way_stays_back(dash_duo, demo_app):
    # The page drawn from ?symbol=ndx is held up on the server, so Back is pressed before it
    # arrives: the page shown and the URL are the ones Back returned to, and stay so (a late
    # page must neither replace it nor push its own URL again).
    @demo_app.server.before_request
    def hold_up_the_ndx_page():
        if request.path.endswith("_dash-update-component"):
            body = request.get_data(as_text=True)
            if "_pages_content" in body and "symbol=ndx" in body:
                time.sleep(2)

    dash_duo.start_server(demo_app)
    open_chart(dash_duo, "/technicals?symbol=spx&range=1M")
    dash_duo.find_element('button[aria-pressed="false"]').click()  # Nasdaq 100
    wait_for(lambda: query(dash_duo).get("symbol") == ["ndx"], what="symbol=ndx in the URL")
    dash_duo.driver.back()
    wait_for(lambda: query(dash_duo).get("symbol") == ["spx"], what="Back to symbol=spx")
    time.sleep(3)  # the held-up page has arrived and been drawn by now
    assert query(dash_duo).get("symbol") == ["spx"]
    dash_duo.wait_for_contains_text(".wb-technicals__readout", "S&P 500", timeout=10)
    assert dash_duo.find_element('button[aria-pressed="true"]').text == "S&P 500"
    assert dash_duo.get_logs() == []


def test_a_zoom_fits_the_price_axis_to_the_bars_in_view(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_chart(dash_duo, "/technicals")
    xs, lows, highs = dash_duo.driver.execute_script(CANDLES)
    before = dash_duo.driver.execute_script(Y_RANGE)
    # Zoom on the time axis to the 20 bars before the last 60, as a drag would.
    start, end = xs[-80], xs[-61]
    dash_duo.driver.execute_script(
        f"Plotly.relayout(document.querySelector('{GRAPH}'), "
        "{'xaxis.range[0]': arguments[0], 'xaxis.range[1]': arguments[1]});",
        start,
        end,
    )
    low, high = min(lows[-80:-60]), max(highs[-80:-60])
    margin = 0.06 * (high - low)

    def fitted():
        y0, y1 = dash_duo.driver.execute_script(Y_RANGE)
        return low - margin <= y0 <= low and high <= y1 <= high + margin and (y0, y1)

    y0, y1 = wait_for(fitted, what="the price axis fitted to the bars in view")
    assert y1 - y0 < before[1] - before[0]  # tighter than the whole chart's
    assert dash_duo.get_logs() == []


def test_hover_shows_ohlc_and_indicators_and_the_mode_bar_has_reset_and_png(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_chart(dash_duo, "/technicals")
    for title in ("Reset axes", "Autoscale", "Download plot as a PNG", "Zoom", "Pan"):
        assert dash_duo.find_elements(f'.modebar-btn[data-title="{title}"]'), title
    assert not dash_duo.find_elements('.modebar-btn[data-title="Lasso Select"]')
    # The pointer over the middle of the price panel, as an analyst's mouse.
    panel = dash_duo.find_element(f"{GRAPH} .draglayer .xy .nsewdrag")
    ActionChains(dash_duo.driver).move_to_element(panel).perform()
    label = wait_for(
        lambda: dash_duo.driver.execute_script(
            f"const h = document.querySelector('{GRAPH} .hoverlayer');return h && h.textContent;"
        ),
        what="a hover label",
    )
    for words in ("O ", "H ", "L ", "C ", "SMA 20", "RSI 14", "MACD 12, 26", "Signal 9"):
        assert words in label, (words, label)
    dash_duo.driver.save_screenshot(str(ARTIFACTS / "technicals-hover.png"))
    assert dash_duo.get_logs() == []


def test_the_kiosk_chart_is_static_with_nothing_to_click_or_focus(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_chart(dash_duo, "/technicals?kiosk=1")
    scene = '[data-scene="technicals"]'
    assert not dash_duo.find_elements(f"{scene} a")
    assert not dash_duo.find_elements(f"{scene} button")
    assert not dash_duo.find_elements(f"{scene} [tabindex], {scene} input, {scene} select")
    assert not dash_duo.find_elements(f"{scene} .modebar")
    assert dash_duo.driver.execute_script(f"return {PLOT[7:-1]}._context.staticPlot;") is True
    assert dash_duo.get_logs() == []
