"""A scene's Data view in headless Chromium, demo edition: the grid of every instrument, a sort
by a column header, the toggle back to the scene (and Back to the data), the CSV and Excel
downloads equal to /api/latest's values, the keyboard inside the grid, axe-core, the
Content-Security-Policy, and a kiosk that shows none of it."""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.keys import Keys

from components.data_rows import HEADERS
from tests.e2e.test_accessibility import RUN_AXE, axe_source  # noqa: F401 (a fixture)
from tests.e2e.test_csp import record_violations, violations
from tests.support.services import wait_until

pytestmark = pytest.mark.browser

ROWS = ".wb-data .ag-center-cols-container .ag-row"
# The grid's rows in the order it shows them (row-index), each as its id cell's text.
SHOWN_IDS = """
return Array.from(document.querySelectorAll('.wb-data .ag-center-cols-container .ag-row'))
  .sort(function (a, b) { return a.getAttribute('row-index') - b.getAttribute('row-index'); })
  .map(function (r) { return r.querySelector('[col-id="id"]').innerText; });
"""
FOCUSED = """
var a = document.activeElement;
var row = a.closest('[row-index]');
return [a.getAttribute('col-id'), row ? row.getAttribute('row-index') : null,
        !!a.closest('.ag-root'), a.className];
"""


def value_sort(dash_duo) -> str | None:
    """The Value column's sort as the grid tells assistive technology (aria-sort); read anew
    each time, since the grid redraws its header."""
    return dash_duo.driver.execute_script(
        "var h = document.querySelector('.ag-header-cell[col-id=\"value\"]');"
        "return h ? h.getAttribute('aria-sort') : null;"
    )


def open_data_view(dash_duo, path: str) -> None:
    dash_duo.driver.get(f"{dash_duo.server_url}{path}")
    dash_duo.wait_for_element('[data-view="data"]', timeout=15)
    dash_duo.wait_for_element(ROWS, timeout=15)


def allow_downloads(dash_duo) -> Path:
    """Downloads go to dash_duo's download dir (headless Chromium asks nothing)."""
    path = Path(dash_duo.download_path)
    dash_duo.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(path)}
    )
    return path


def downloaded(folder: Path, pattern: str) -> Path:
    """The one finished download matching `pattern`, waited for."""
    found: list[Path] = []

    def done() -> bool:
        found[:] = [p for p in folder.glob(pattern) if not p.name.endswith(".crdownload")]
        return len(found) == 1 and found[0].stat().st_size > 0

    assert wait_until(done, 10), sorted(p.name for p in folder.iterdir())
    return found[0]


def latest(dash_duo, dataset: str) -> dict:
    return requests.get(f"{dash_duo.server_url}/api/latest/{dataset}", timeout=10).json()


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def check_against_api(dash_duo, lines: list[dict], scene_datasets: list[str]) -> None:
    """Each exported line (header titles as keys) holds its record's values, exactly."""
    by_dataset: dict[str, list[dict]] = {}
    for line in lines:
        by_dataset.setdefault(line["Dataset"], []).append(line)
    assert sorted(by_dataset) == sorted(scene_datasets)
    for name in scene_datasets:
        records = {r["symbol"]: r for r in latest(dash_duo, name)["records"]}
        mine = by_dataset[name]
        assert sorted(line["Id"] for line in mine) == sorted(records), name
        for line in mine:
            record = records[line["Id"]]
            for title, field in (
                ("Value", "price"),
                ("Change", "change"),
                ("Change %", "change_pct"),
            ):
                # Full precision: the same double as the JSON API's, not a rounded display.
                assert float(line[title]) == record[field], (line["Id"], title)
            assert instant(line["As of (UTC)"]) == instant(record["as_of"])
            assert line["Instrument"] == record["name"]


def test_the_data_view_shows_sorts_exports_and_toggles_back(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    folder = allow_downloads(dash_duo)
    open_data_view(dash_duo, "/overview?view=data")
    board = demo_app.server.extensions["wallboard"]
    configured = [i.id for i in board.settings.datasets["indices"].instruments]
    assert dash_duo.driver.execute_script(SHOWN_IDS) == configured  # every instrument

    # A click on the Value header sorts by it: the rows' order changes to the prices' order.
    prices = {r["symbol"]: r["price"] for r in latest(dash_duo, "indices")["records"]}
    by_price = sorted(configured, key=prices.__getitem__)
    assert by_price != configured
    sort_by_value(dash_duo)
    assert wait_until(lambda: dash_duo.driver.execute_script(SHOWN_IDS) == by_price, 5)
    assert wait_until(lambda: value_sort(dash_duo) == "ascending", 5)

    # CSV from the grid itself: what it shows, in the order it shows it, values exact.
    dash_duo.find_element("button.wb-data__button:nth-of-type(1)").click()
    text = downloaded(folder, "overview-data.csv").read_text(encoding="utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert [line["Id"] for line in lines] == by_price
    assert "Detail" not in lines[0]  # a hidden column is not exported
    check_against_api(dash_duo, lines, ["indices"])

    # Excel from the server: the same lines as the CSV, read back with openpyxl.
    buttons = dash_duo.find_elements("button.wb-data__button")
    assert [b.text for b in buttons] == ["Download CSV", "Download Excel"]
    buttons[1].click()
    sheet = load_workbook(downloaded(folder, "overview-data-*.xlsx")).active
    header_row, *values = list(sheet.iter_rows(values_only=True))
    assert list(header_row) == list(lines[0])
    workbook_lines = [dict(zip(header_row, v, strict=True)) for v in values]
    assert [line["Id"] for line in workbook_lines] == by_price
    for from_csv, from_xlsx in zip(lines, workbook_lines, strict=True):
        for title, value in from_xlsx.items():
            if title in (HEADERS["value"], HEADERS["change"], HEADERS["change_pct"]):
                assert value == float(from_csv[title])
            else:
                assert (value or "") == from_csv[title], title
    check_against_api(
        dash_duo,
        [{k: str(v) if v is not None else "" for k, v in line.items()} for line in workbook_lines],
        ["indices"],
    )

    # The toggle goes back to the scene (the URL loses view=data); Back returns to the data.
    dash_duo.find_element(".wb-viewtoggle a.wb-viewtoggle__link").click()
    dash_duo.wait_for_element('[data-view="scene"] .wb-tile', timeout=10)
    assert "view=data" not in dash_duo.driver.current_url
    assert not dash_duo.find_elements(".wb-data")
    dash_duo.driver.back()
    dash_duo.wait_for_element(ROWS, timeout=10)
    assert dash_duo.driver.current_url.endswith("/overview?view=data")
    assert dash_duo.get_logs() == []


def hide_column(dash_duo, title: str) -> None:
    """Untick a column in the chooser (opening it first)."""
    chooser = dash_duo.find_element(".wb-data__chooser")
    if chooser.get_attribute("open") is None:
        dash_duo.find_element(".wb-data__chooser summary").click()
    for label in dash_duo.find_elements(".wb-data__columns label"):
        if label.text.strip() == title:
            label.click()
            break
    else:
        raise AssertionError(f"no column {title!r} in the chooser")
    (key,) = [k for k, h in HEADERS.items() if h == title]
    gone = f'.ag-header-cell[col-id="{key}"]'
    assert wait_until(lambda: not dash_duo.find_elements(gone), 5), f"{title} still shown"


def sort_by_value(dash_duo) -> None:
    """Click the Value column's header (again if the grid redrew it meanwhile)."""

    def click() -> bool:
        try:
            dash_duo.find_element('.ag-header-cell[col-id="value"] .ag-header-cell-label').click()
        except StaleElementReferenceException:
            return False
        return True

    assert wait_until(click, 5)
    assert wait_until(lambda: value_sort(dash_duo) == "ascending", 5)


def test_a_hidden_column_is_neither_shown_nor_exported(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    folder = allow_downloads(dash_duo)
    open_data_view(dash_duo, "/crypto?view=data")
    assert dash_duo.find_elements('.ag-header-cell[col-id="unit"]')
    hide_column(dash_duo, "Unit")
    for button in dash_duo.find_elements("button.wb-data__button"):
        button.click()
    text = downloaded(folder, "crypto-data.csv").read_text(encoding="utf-8-sig")
    csv_header = next(csv.reader(io.StringIO(text)))
    sheet = load_workbook(downloaded(folder, "crypto-data-*.xlsx")).active
    xlsx_header = next(sheet.iter_rows(values_only=True))
    assert "Unit" not in csv_header and list(xlsx_header) == csv_header
    assert "Value" in csv_header and "Status" in csv_header
    assert dash_duo.get_logs() == []


def test_a_refresh_updates_the_rows_and_keeps_the_sort_and_columns(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_data_view(dash_duo, "/crypto?view=data")
    hide_column(dash_duo, "Unit")
    sort_by_value(dash_duo)
    board = demo_app.server.extensions["wallboard"]
    before = {q.symbol: q.price for q in board.snapshot("crypto").quotes_by_id().values()}
    # Bitcoin, the dearest, falls to the cheapest: a new price and a new place in the sort.
    board.refresher.providers["demo"].spike("btc", -99.9)
    board.refresher.refresh("crypto")
    after = board.snapshot("crypto").quotes_by_id()["btc"].price
    assert after < min(before.values())
    shown = """
    var row = Array.from(document.querySelectorAll('.wb-data .ag-center-cols-container .ag-row'))
      .filter(function (r) { return r.querySelector('[col-id="id"]').innerText === 'btc'; })[0];
    return row ? [row.getAttribute('row-index'), row.querySelector('[col-id="value"]').innerText]
               : null;
    """
    assert wait_until(lambda: dash_duo.driver.execute_script(shown) == ["0", repr(after)], 30), (
        dash_duo.driver.execute_script(shown)
    )
    # The same grid, patched: still sorted, the hidden column still hidden.
    assert value_sort(dash_duo) == "ascending"
    assert not dash_duo.find_elements('.ag-header-cell[col-id="unit"]')
    assert dash_duo.get_logs() == []


def test_a_scene_of_several_datasets_exports_every_one(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    folder = allow_downloads(dash_duo)
    open_data_view(dash_duo, "/fx?view=data")
    dash_duo.find_element("button.wb-data__button").click()
    text = downloaded(folder, "fx-data.csv").read_text(encoding="utf-8-sig")
    check_against_api(dash_duo, list(csv.DictReader(io.StringIO(text))), ["fx"])
    # Rates: a curve and two quote datasets, every row of each.
    open_data_view(dash_duo, "/rates?view=data")
    dash_duo.find_element("button.wb-data__button").click()
    lines = list(
        csv.DictReader(
            io.StringIO(downloaded(folder, "rates-data.csv").read_text(encoding="utf-8-sig"))
        )
    )
    board = demo_app.server.extensions["wallboard"]
    for name in board.settings.scenes["rates"].datasets:
        records = latest(dash_duo, name)["records"]
        mine = [line for line in lines if line["Dataset"] == name]
        assert len(mine) == len(records), name
        values = sorted(r.get("price", r.get("yield_pct")) for r in records)
        assert sorted(float(line["Value"]) for line in mine) == values, name
    assert dash_duo.get_logs() == []


def test_the_grid_is_reached_and_moved_in_from_the_keyboard(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_data_view(dash_duo, "/overview?view=data")
    body = dash_duo.find_element("body")
    body.click()
    # Tab through the page until focus is in the grid (the header comes first).
    for _ in range(80):
        dash_duo.driver.switch_to.active_element.send_keys(Keys.TAB)
        if dash_duo.driver.execute_script(FOCUSED)[2]:
            break
    assert dash_duo.driver.execute_script(FOCUSED)[2], "Tab never reached the grid"
    focused = dash_duo.driver.switch_to.active_element
    before = dash_duo.driver.execute_script(FOCUSED)
    # Down into the rows, then along a row: the focused cell moves each time.
    for key in (Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ARROW_RIGHT):
        focused.send_keys(key)
        time.sleep(0.2)
        now = dash_duo.driver.execute_script(FOCUSED)
        assert now[2] and now[:2] != before[:2], (key, before, now)
        before = now
        focused = dash_duo.driver.switch_to.active_element
    assert before[1] is not None  # a data row's cell, not the header
    assert dash_duo.get_logs() == []


def test_no_serious_or_critical_axe_violation_on_the_data_view(dash_duo, demo_app, axe_source):  # noqa: F811
    dash_duo.start_server(demo_app)
    dash_duo.driver.set_script_timeout(60)
    found = {}
    for path in ("/overview?view=data", "/rates?view=data", "/news?view=data"):
        open_data_view(dash_duo, path)
        dash_duo.driver.execute_script(axe_source)
        bad = [
            v
            for v in dash_duo.driver.execute_async_script(RUN_AXE)
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            found[path] = bad
    assert found == {}
    assert dash_duo.get_logs() == []


def test_the_data_view_and_its_downloads_run_under_the_policy(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    folder = allow_downloads(dash_duo)
    record_violations(dash_duo)
    open_data_view(dash_duo, "/news?view=data")
    for button in dash_duo.find_elements("button.wb-data__button"):
        button.click()
    downloaded(folder, "news-data.csv")
    downloaded(folder, "news-data-*.xlsx")
    assert violations(dash_duo) == []
    assert dash_duo.get_logs() == []


def test_a_kiosk_shows_no_toggle_and_no_grid_even_when_asked(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/overview?kiosk=1&view=data")
    dash_duo.wait_for_element('[data-scene="overview"] .wb-tile', timeout=15)
    assert dash_duo.find_element('[data-scene="overview"]').get_attribute("data-view") == "scene"
    assert dash_duo.driver.find_elements("css selector", ".wb-viewtoggle, .wb-data, .ag-root") == []
    assert dash_duo.get_logs() == []


GRID_SCRIPTS = """
return performance.getEntriesByType('resource').map(function (e) { return e.name; })
  .filter(function (name) { return name.indexOf('/dash_ag_grid/') >= 0; });
"""


def test_the_grid_library_loads_when_the_data_view_opens_not_before(dash_duo, demo_app):
    # 1.3 MB that a scene never draws (web/lazy_libraries.py): a scene's page does not load
    # it; the toggle (a link: the page changes in place) loads it, then draws the grid.
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/commodities")
    dash_duo.wait_for_element('[data-view="scene"] .wb-tile', timeout=15)
    assert dash_duo.driver.execute_script(GRID_SCRIPTS) == []
    assert dash_duo.driver.execute_script("return typeof window.dash_ag_grid") == "undefined"
    dash_duo.find_element(".wb-viewtoggle a.wb-viewtoggle__link").click()
    dash_duo.wait_for_element(ROWS, timeout=15)
    loaded = dash_duo.driver.execute_script(GRID_SCRIPTS)
    assert any("dash_ag_grid.v" in name for name in loaded), loaded
    assert dash_duo.get_logs() == []
