"""The navbar's "Copy link" button in headless Chromium: one click (or Enter) puts the view's URL,
path and query, on the clipboard, and a "Copied" note shows for a moment.

The clipboard is read back for real: the test grants the page clipboard access through the
DevTools protocol (Browser.grantPermissions) and reads it with navigator.clipboard.readText(),
so what is asserted is what a paste would give, not a component's property.
"""

from __future__ import annotations

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.slow, pytest.mark.browser]

READ_CLIPBOARD = """
const done = arguments[arguments.length - 1];
navigator.clipboard.readText().then(done, e => done("unreadable: " + e));
"""
WRITE_CLIPBOARD = """
const done = arguments[arguments.length - 1];
navigator.clipboard.writeText(arguments[0]).then(() => done(true), () => done(false));
"""


def grant_clipboard(dash_duo) -> None:
    dash_duo.driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {
            "origin": dash_duo.server_url,
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        },
    )


def clipboard(dash_duo) -> str:
    return dash_duo.driver.execute_async_script(READ_CLIPBOARD)


# What the note says over time: recorded by the page itself, so a driver call that happens to
# be slow cannot miss the moment "Copied" shows.
WATCH_NOTE = """
window.__wbNotes = [];
const note = document.getElementById("wb-copy-note");
new MutationObserver(() => window.__wbNotes.push(note.textContent))
  .observe(note, {childList: true, characterData: true, subtree: true});
"""


def note_said(dash_duo, *texts: str) -> None:
    """Wait until the note has said `texts`, one after the other."""

    def said(driver) -> bool:
        notes = driver.execute_script("return window.__wbNotes")
        shown = [t for i, t in enumerate(notes) if i == 0 or t != notes[i - 1]]
        n = len(texts)
        return any(shown[i : i + n] == list(texts) for i in range(len(shown) - n + 1))

    try:
        WebDriverWait(dash_duo.driver, 10).until(said)
    except TimeoutException:
        notes = dash_duo.driver.execute_script("return window.__wbNotes")
        raise AssertionError(f"the note never said {texts}: it said {notes}") from None


def test_one_click_copies_the_view_s_url_and_says_so(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    grant_clipboard(dash_duo)
    dash_duo.driver.get(f"{dash_duo.server_url}/technicals?symbol=ndx")
    dash_duo.wait_for_element('[data-scene="technicals"]', timeout=15)
    assert dash_duo.driver.execute_async_script(WRITE_CLIPBOARD, "something else")
    button = dash_duo.find_element("#wb-copy-link")
    assert button.is_displayed() and button.text == "Copy link"
    dash_duo.driver.execute_script(WATCH_NOTE)
    button.click()
    note_said(dash_duo, "Copied")
    here = dash_duo.driver.execute_script("return window.location.href")
    assert here.startswith(f"{dash_duo.server_url}/technicals?") and "symbol=ndx" in here
    assert clipboard(dash_duo) == here
    note_said(dash_duo, "Copied", "")  # the note goes after a moment
    assert dash_duo.get_logs() == []


def test_the_keyboard_copies_too_after_an_in_page_navigation(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    grant_clipboard(dash_duo)
    dash_duo.driver.get(f"{dash_duo.server_url}/overview")
    dash_duo.wait_for_element('[data-scene="overview"]', timeout=15)
    # A scene reached in the page (no reload): the link is the URL shown now, not the first one.
    dash_duo.find_element('.wb-nav__links a[href="/fx"]').click()
    dash_duo.wait_for_element('[data-scene="fx"]', timeout=15)
    button = dash_duo.find_element("#wb-copy-link")
    dash_duo.driver.execute_script(WATCH_NOTE)
    dash_duo.driver.execute_script("arguments[0].focus()", button)
    button.send_keys(Keys.ENTER)
    note_said(dash_duo, "Copied")
    assert clipboard(dash_duo) == f"{dash_duo.server_url}/fx"
    assert dash_duo.get_logs() == []


def test_a_kiosk_has_no_copy_button(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/overview?kiosk=1")
    dash_duo.wait_for_element('[data-scene="overview"]', timeout=15)
    assert not dash_duo.find_element("#wb-copy-link").is_displayed()
    assert dash_duo.get_logs() == []
