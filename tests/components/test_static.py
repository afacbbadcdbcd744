"""Shown-only parts as one component: the same elements as data, and only what only shows."""

from __future__ import annotations

import pytest
from dash import dcc, html

from components.patch import addressed, plain, worth_updating
from components.static import Static, static, tree_of
from tests.support.pages import revived, text_of, with_class

LINE = html.Div(
    [
        html.Span([html.Span("●", **{"aria-hidden": "true"}), " Open"], className="state"),
        html.Span("New York 10:00", className="clock", style={"left": "16%"}),
        None,  # a part a page leaves out
    ],
    className="line",
    title="XNYS: open",
    **{"data-market": "XNYS"},
)


def test_html_components_become_one_component_holding_their_elements_as_data():
    part = static(LINE)
    assert isinstance(part, Static)
    assert part.tree == [
        "div",
        {"className": "line", "title": "XNYS: open", "data-market": "XNYS"},
        ["span", {"className": "state"}, ["span", {"aria-hidden": "true"}, "●"], " Open"],
        ["span", {"className": "clock", "style": {"left": "16%"}}, "New York 10:00"],
    ]


def test_the_tree_reads_back_as_the_components_it_was_made_from():
    part = static(LINE)
    assert plain(revived(part.tree)) == plain(
        html.Div(
            [
                html.Span([html.Span("●", **{"aria-hidden": "true"}), " Open"], className="state"),
                html.Span("New York 10:00", className="clock", style={"left": "16%"}),
            ],
            className="line",
            title="XNYS: open",
            **{"data-market": "XNYS"},
        )
    )
    # The page tests' helpers see through it.
    assert text_of(part) == text_of(LINE) == "● Open New York 10:00"
    assert [n.children for n in with_class(part, "clock")] == ["New York 10:00"]


def test_a_table_keeps_its_structure_and_numbers():
    table = html.Table(
        [
            html.Thead(html.Tr([html.Th("Tenor", scope="col", colSpan=2)])),
            html.Tbody([html.Tr([html.Td(4.25), html.Td("—")], className="wb-row--stale")]),
        ],
        className="wb-table",
    )
    assert tree_of(plain(table)) == [
        "table",
        {"className": "wb-table"},
        ["thead", {}, ["tr", {}, ["th", {"scope": "col", "colSpan": 2}, "Tenor"]]],
        ["tbody", {}, ["tr", {"className": "wb-row--stale"}, ["td", {}, 4.25], ["td", {}, "—"]]],
    ]


@pytest.mark.parametrize(
    "part",
    [
        html.Div(html.Span("x", id="live")),  # a callback's output
        html.Div(html.A("page", href="/instrument/spx")),  # a link
        html.Div(dcc.Link("page", href="/fx")),  # another library's component
        html.Div(html.Button("go", n_clicks=0)),  # something to click
        html.Div(html.Img(src="x.png")),  # an element not on the list
        html.Div("x", tabIndex="0"),  # focus is doing, not showing
    ],
    ids=["id", "link", "dcc", "button", "img", "tabindex"],
)
def test_a_part_that_does_anything_is_refused_not_dropped(part):
    with pytest.raises(ValueError, match="static"):
        static(part)


def test_markup_in_text_stays_text():
    assert static(html.P("<b>Rates</b> hold")).tree == ["p", {}, "<b>Rates</b> hold"]


def test_a_change_inside_is_set_on_the_part_as_its_new_tree():
    before = addressed(plain(html.Div([static(LINE), html.P("kept")])), "s~")
    moved = html.Div([*LINE.children[:1], html.Span("New York 10:01", className="clock")])
    after = addressed(plain(html.Div([static(moved), html.P("kept")])), "s~")
    sent = worth_updating(before, after, any_size=True)
    part_id = before["props"]["children"][0]["props"]["id"]
    assert list(sent) == [part_id]  # the part, by its place, and nothing else
    assert list(sent[part_id]) == ["tree"]
    assert sent[part_id]["tree"][3] == ["span", {"className": "clock"}, "New York 10:01"]
