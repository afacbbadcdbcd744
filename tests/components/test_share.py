"""The navbar's "Copy link" button: a real button, its announced note, its browser-only click."""

from __future__ import annotations

from dash import Dash, html

from components.share import IDS, copy_link, register_share_callbacks
from components.shell import navbar
from tests.support.pages import prop, walk


def test_the_button_is_a_keyboard_reachable_button_with_an_announced_note():
    share = copy_link()
    (button,) = [n for n in walk(share) if isinstance(n, html.Button)]
    assert button.id == IDS["button"] and button.type == "button"
    assert button.children == "Copy link"
    (note,) = [n for n in walk(share) if getattr(n, "id", None) == IDS["note"]]
    assert prop(note, "role") == "status" and prop(note, "aria-live") == "polite"
    assert "wb-share" in share.className.split()  # hidden on a kiosk by this class


def test_the_navbar_has_the_button_once(make_settings):
    bar = navbar(make_settings("demo"))
    assert [n.id for n in walk(bar) if isinstance(n, html.Button)].count(IDS["button"]) == 1


def test_the_copy_happens_in_the_browser_with_no_server_round_trip():
    app = Dash(__name__)
    register_share_callbacks(app)
    (callback,) = app._callback_list
    assert callback["clientside_function"] == {
        "namespace": "wallboard",
        "function_name": "copyLink",
    }
    assert callback["inputs"] == [{"id": IDS["button"], "property": "n_clicks"}]
    assert callback["output"] == f"{IDS['note']}.children"
    assert callback["prevent_initial_call"] is True
