"""The navbar's search box: an instrument of the board by id or name, a Yahoo or Stooq symbol,
and a malformed entry refused with a sentence that does not repeat it (and no navigation)."""

from __future__ import annotations

import pytest
from dash import dcc, no_update

from components.search import IDS, on_search, search_box, target
from config import load_settings
from engine.lookups import LookupRefused
from tests.support.pages import walk


@pytest.fixture(scope="module")
def settings():
    return load_settings(env={"WALLBOARD_EDITION": "demo"})


@pytest.mark.parametrize(
    ("typed", "page"),
    [
        ("spx", "/instrument/spx"),
        ("SPX", "/instrument/spx"),
        (" S&P 500 ", "/instrument/spx"),
        ("gold", "/instrument/gold"),
        ("aapl", "/instrument/yahoo:AAPL"),
        ("^gspc", "/instrument/yahoo:%5EGSPC"),
        ("EURUSD=X", "/instrument/yahoo:EURUSD%3DX"),
        ("stooq:AAPL.US", "/instrument/stooq:aapl.us"),
    ],
)
def test_an_instrument_or_a_symbol_opens_its_page(settings, typed, page):
    assert target(settings, typed) == page
    assert on_search(settings, typed) == (page, "")


@pytest.mark.parametrize(
    "typed",
    ["<script>alert(1)</script>", "a b", "yahoo:../x", "ftp:AAPL", "x" * 41, "", "   ", None, 7],
)
def test_a_malformed_entry_gets_a_message_and_no_navigation(settings, typed):
    with pytest.raises(LookupRefused):
        target(settings, typed)
    where, message = on_search(settings, typed)
    assert where is no_update
    assert message.endswith(").") or message.endswith(".")
    assert "<" not in message and (
        not isinstance(typed, str) or not typed.strip() or typed not in message
    )


def test_the_box_is_labelled_and_limited():
    box = search_box()
    (field,) = [n for n in walk(box) if isinstance(n, dcc.Input)]
    assert field.id == IDS["input"] and field.maxLength == 40 and field.type == "search"
    labels = [n for n in walk(box) if getattr(n, "htmlFor", None) == IDS["input"]]
    assert len(labels) == 1 and box.role == "search"
