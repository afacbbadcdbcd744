"""The diff behind Patch updates: equal parts cost nothing, a changed leaf is one assignment at
its path, a changed shape is sent whole, and a patch nearly as big as the body is not used."""

from __future__ import annotations

from dash import html

from components.patch import changes, patch_of, plain, worth_patching


def tiles(*prices: str) -> list:
    return plain(
        [
            html.Div(
                [html.Span("BTC", className="name"), html.Div(p, className="price")],
                className="tile",
            )
            for p in prices
        ]
    )


def test_a_changed_text_is_one_assignment_at_its_path():
    old, new = tiles("1", "2", "3"), tiles("1", "20", "3")
    assert changes(old, new) == [([1, "props", "children", 1, "props", "children"], "20")]
    assert changes(old, old) == []


def test_a_changed_shape_is_sent_whole():
    old = tiles("1", "2")
    new = tiles("1", "2", "3")
    assert changes(old, new) == [([], new)]  # a list of another length
    other = plain([html.Span("1"), html.Div("2")])
    swapped = plain([html.Span("1"), html.P("2")])
    assert changes(other, swapped) == [([1], swapped[1])]  # another component type
    removed = plain(html.Div("x", className="a"))
    assert changes(removed, plain(html.Div("x"))) == [(["props", "className"], None)]


def test_a_series_that_moved_is_one_assignment_not_many():
    old = {"props": {"figure": {"data": [{"y": [1, 2, 3, 4]}]}}, "type": "Graph"}
    new = {"props": {"figure": {"data": [{"y": [2, 3, 4, 5]}]}}, "type": "Graph"}
    assert changes(old, new) == [(["props", "figure", "data", 0, "y"], [2, 3, 4, 5])]


def test_a_patch_carries_the_operations_or_gives_way_to_the_body():
    old, new = tiles(*"123456"), tiles("1", "2", "3", "4", "5", "60")
    patch = patch_of(worth_patching(old, new))
    operations = patch.to_plotly_json()["operations"]
    assert operations == [
        {
            "operation": "Assign",
            "location": [5, "props", "children", 1, "props", "children"],
            "params": {"value": "60"},
        }
    ]
    everything_else = plain(
        [html.Div([html.Span("ETH", className="n"), html.Div("9", className="p")], className="t")]
    )
    assert worth_patching(tiles("1"), everything_else) is None  # as big as the body itself
    assert worth_patching(tiles("1", "2"), tiles("1", "2", "3")) is None  # nothing in common
