"""Every tile, treemap box, heatmap cell and tape quote opens its instrument's page, in the page.

Headless Chromium on the demo edition, as an analyst (no ?kiosk=1): each click changes the URL
to `/instrument/<id>` without reloading the page (a marker set on `window` before the click is
still there after it), and Back returns to the scene. The instrument page itself is another
part's; these tests hold the navigation to it.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MARK = "window.__wbNoReload = 'still here'"
MARKED = "return window.__wbNoReload === 'still here'"


# The element a pointer at the middle of arguments[0] is over, and its cursor.
HIT = """
const r = arguments[0].getBoundingClientRect();
const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
return [el.tagName.toLowerCase(), getComputedStyle(el).cursor];
"""


def path_of(dash_duo) -> str:
    return dash_duo.driver.execute_script("return location.pathname + location.search")


def open_scene(dash_duo, scene: str) -> None:
    dash_duo.driver.get(f"{dash_duo.server_url}/{scene}")
    dash_duo.wait_for_element(f'[data-scene="{scene}"]', timeout=15)
    dash_duo.driver.execute_script(MARK)


def wait_for_path(dash_duo, expected: str) -> None:
    WebDriverWait(dash_duo.driver, 10).until(
        lambda _: path_of(dash_duo) == expected, f"the URL never became {expected}"
    )


def back_to(dash_duo, scene: str) -> None:
    dash_duo.driver.back()
    wait_for_path(dash_duo, f"/{scene}")
    dash_duo.wait_for_element(f'[data-scene="{scene}"]', timeout=15)
    assert dash_duo.driver.execute_script(MARKED), "Back reloaded the page"


def instrument_of(board, dataset: str, name: str) -> str:
    return next(i.id for i in board.settings.datasets[dataset].instruments if i.name == name)


def test_the_s_and_p_tile_opens_its_instrument_in_the_page_and_back_returns(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_scene(dash_duo, "overview")
    tile = dash_duo.find_element('.wb-tile[data-instrument="spx"]')
    link = tile.find_element("css selector", "a.wb-tile__link")
    assert link.text == "S&P 500" and link.get_attribute("href").endswith("/instrument/spx")
    # What a pointer over the tile's middle (its price) is over: the name's link, stretched.
    hit = dash_duo.driver.execute_script(HIT, tile.find_element("css selector", ".wb-tile__price"))
    assert hit == ["a", "pointer"]
    # A click anywhere on the tile (its middle: the price), not only on the name.
    ActionChains(dash_duo.driver).move_to_element(
        tile.find_element("css selector", ".wb-tile__price")
    ).click().perform()
    wait_for_path(dash_duo, "/instrument/spx")
    assert dash_duo.driver.execute_script(MARKED), "the page reloaded"
    back_to(dash_duo, "overview")
    assert dash_duo.get_logs() == []


def test_a_treemap_box_opens_its_sector(dash_duo, demo_app):
    board = demo_app.server.extensions["wallboard"]
    technology = instrument_of(board, "sectors", "Technology")
    dash_duo.start_server(demo_app)
    open_scene(dash_duo, "sectors")
    dash_duo.wait_for_element(".sectors-treemap__graph g.slice", timeout=15)
    graph = dash_duo.find_element(".sectors-treemap__graph")
    assert "wb-graph--links" in graph.get_attribute("class")
    (box,) = [
        s for s in graph.find_elements("css selector", "g.slice") if s.text.startswith("Technology")
    ]
    ActionChains(dash_duo.driver).move_to_element(box).click().perform()
    wait_for_path(dash_duo, f"/instrument/{technology}")
    assert dash_duo.driver.execute_script(MARKED), "the page reloaded"
    back_to(dash_duo, "sectors")
    assert dash_duo.get_logs() == []


# Where a heatmap cell (base row, quote column) is, from the graph's centre, in CSS pixels.
CELL_OFFSET = """
const gd = arguments[0], base = arguments[1], quote = arguments[2];
const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
const box = gd.getBoundingClientRect();
return [xa._offset + xa.d2p(quote) - box.width / 2, ya._offset + ya.d2p(base) - box.height / 2];
"""


# The cursor over a point given from an element's centre.
CURSOR_AT = """
const r = arguments[0].getBoundingClientRect();
const x = r.left + r.width / 2 + arguments[1], y = r.top + r.height / 2 + arguments[2];
return getComputedStyle(document.elementFromPoint(x, y)).cursor;
"""


@pytest.mark.parametrize(
    ("base", "quote", "leg"), [("USD", "JPY", "USD/JPY"), ("EUR", "JPY", "EUR/USD")]
)
def test_a_heatmap_cell_opens_its_pair(dash_duo, demo_app, base, quote, leg):
    board = demo_app.server.extensions["wallboard"]
    expected = instrument_of(board, "fx", leg)
    dash_duo.start_server(demo_app)
    open_scene(dash_duo, "fx")
    dash_duo.wait_for_element(".wb-fx__heatmap .js-plotly-plot .nsewdrag", timeout=15)
    plot = dash_duo.find_element(".wb-fx__heatmap .js-plotly-plot")
    dx, dy = dash_duo.driver.execute_script(CELL_OFFSET, plot, base, quote)
    assert dash_duo.driver.execute_script(CURSOR_AT, plot, dx, dy) == "pointer"
    # From the graph's centre (move_to_element_with_offset's origin differs between versions).
    ActionChains(dash_duo.driver).move_to_element(plot).move_by_offset(
        int(dx), int(dy)
    ).click().perform()
    wait_for_path(dash_duo, f"/instrument/{expected}")
    assert dash_duo.driver.execute_script(MARKED), "the page reloaded"
    back_to(dash_duo, "fx")
    assert dash_duo.get_logs() == []


# The first tape quote wholly on screen, in the run screen readers read.
VISIBLE_TAPE_LINK = """
const links = document.querySelectorAll(".wb-ticker__run:not([aria-hidden]) a[data-nav=page]");
for (const a of links) {
  const r = a.getBoundingClientRect();
  if (r.left > 0 && r.right < window.innerWidth - 50) { return a; }
}
return null;
"""


def test_a_tape_quote_opens_its_instrument(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_scene(dash_duo, "news")
    # The tape becomes links once the browser has told the server the screen is no kiosk.
    dash_duo.wait_for_element(".wb-ticker a[data-nav=page]", timeout=15)
    link = WebDriverWait(dash_duo.driver, 10).until(
        lambda d: d.execute_script(VISIBLE_TAPE_LINK), "no tape quote on screen"
    )
    href = link.get_attribute("href").split("://", 1)[1].split("/", 1)[1]
    assert href.startswith("instrument/")
    # The tape moves; hold it still for the click (as a person's pointer would not chase it).
    dash_duo.driver.execute_script(
        "document.querySelectorAll('.wb-ticker__run').forEach("
        "r => r.style.animationPlayState = 'paused')"
    )
    ActionChains(dash_duo.driver).move_to_element(link).click().perform()
    wait_for_path(dash_duo, f"/{href}")
    assert dash_duo.driver.execute_script(MARKED), "the page reloaded"
    back_to(dash_duo, "news")
    assert dash_duo.get_logs() == []
