"""What a page's heap is made of (tests/support/heapsnapshot), read from a real headless
Chromium: the kinds add up to the snapshot, and what a page comes to hold shows in the kind
that holds it. bench/endurance.py sets its heap target on these kinds."""

from __future__ import annotations

import pytest

from tests.support import heapsnapshot
from tests.support.kiosk import kiosk_browser, page_value

# 20,000 distinct strings of about 56 characters (V8 stores them one byte a character), in an
# array kept by the page.
HOLD_JS = "window.held = Array.from({length: 20000}, (_, i) => 'x'.repeat(50) + '-' + i); 0"
HELD_CHARS = 20000 * 50
# 300 distinct functions, each run until V8 compiles it (its bytecode and feedback, and
# optimised code for the hottest), kept by the page as a kiosk keeps its scenes' code.
RUN_JS = """window.ran = Array.from({length: 300}, (_, i) => new Function('n',
  'let s = ' + i + '; for (let k = 0; k < n; k++) { s = (s * 31 + k) % 1000003; } return s;'));
window.ran.forEach(f => { for (let r = 0; r < 200; r++) { f(50); } }); 0"""


@pytest.fixture
def driver():
    browser = kiosk_browser()
    try:
        browser.get("data:text/html,<title>heap</title><p>heap</p>")
        yield browser
    finally:
        browser.quit()


def test_the_kinds_add_up_to_the_snapshot_and_a_page_has_some_of_each(driver):
    snapshot = heapsnapshot.take(driver)
    made_of = heapsnapshot.composition(snapshot)

    assert set(made_of) == set(heapsnapshot.KINDS)
    fields = snapshot["snapshot"]["meta"]["node_fields"]
    at_size, width = fields.index("self_size"), len(fields)
    assert sum(made_of.values()) == sum(snapshot["nodes"][at_size::width])
    assert all(size > 0 for size in made_of.values()), made_of


def test_functions_a_page_runs_show_as_compiled_code(driver):
    before = heapsnapshot.composition(heapsnapshot.take(driver))
    page_value(driver, RUN_JS)
    after = heapsnapshot.composition(heapsnapshot.take(driver))

    grown = {kind: after[kind] - before[kind] for kind in heapsnapshot.KINDS}
    assert grown[heapsnapshot.CODE] > 100_000, grown


def test_strings_a_page_holds_show_as_strings_and_objects_not_as_code(driver):
    before = heapsnapshot.composition(heapsnapshot.take(driver))
    page_value(driver, HOLD_JS)
    after = heapsnapshot.composition(heapsnapshot.take(driver))

    grown = {kind: after[kind] - before[kind] for kind in heapsnapshot.KINDS}
    assert grown[heapsnapshot.STRINGS] >= HELD_CHARS, grown
    assert grown[heapsnapshot.OBJECTS] >= 20000 * 4, grown  # the array's elements, at least
    assert abs(grown[heapsnapshot.CODE]) < grown[heapsnapshot.STRINGS] / 10, grown

    page_value(driver, "delete window.held; 0")
    let_go = heapsnapshot.composition(heapsnapshot.take(driver))
    assert let_go[heapsnapshot.STRINGS] < after[heapsnapshot.STRINGS] - HELD_CHARS, let_go
