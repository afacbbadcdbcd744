"""The diff behind a changed tick: equal parts cost nothing, a changed leaf is one assignment at
its path, set on the component it belongs to (every component addressed by its place), a
changed shape is sent whole, and an update nearly as big as the body is not used."""

from __future__ import annotations

from dash import html

from components.patch import addressed, changes, plain, updates, worth_updating


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


def test_every_component_gets_an_id_from_its_place_and_keeps_its_own():
    tree = addressed(
        plain([html.Div([html.Span("a"), html.B("b", id="mine")]), html.P(html.I("c"))]), "x~"
    )
    assert tree[0]["props"]["id"] == "x~0"
    assert [c["props"]["id"] for c in tree[0]["props"]["children"]] == ["x~0_0", "mine"]
    assert tree[1]["props"]["children"]["props"]["id"] == "x~1_0"  # a lone child
    # A component held by another prop than children is named by the prop.
    labelled = addressed(plain(html.Details(html.Summary("s"), title="t")), "y~")
    assert labelled["props"]["id"] == "y~0"
    assert addressed(plain(html.Div(html.Span("a"))), "y~") == addressed(
        plain(html.Div(html.Span("a"))), "y~"
    )  # the same place, the same id: in every version


def test_each_change_is_set_on_its_own_component():
    old = addressed(tiles("1", "2", "3"), "s~")
    new = addressed(tiles("1", "20", "3"), "s~")
    assert updates(new, changes(old, new)) == {"s~1_1": {"children": "20"}}
    assert worth_updating(old, new) == {"s~1_1": {"children": "20"}}
    # The update would be nearly as big as the body: the body goes whole.
    long_old = addressed(plain([html.Div("x" * 300)]), "s~")
    assert worth_updating(long_old, addressed(plain([html.Div("y" * 300)]), "s~")) is None


def test_a_change_inside_a_prop_sets_the_whole_prop():
    def graph(ys, title):
        return addressed(
            [
                *plain([html.Div(html.H2(title))]),
                {
                    "namespace": "dash_core_components",
                    "type": "Graph",
                    "props": {
                        "id": "g",
                        "figure": {"data": [{"y": ys}], "layout": {"title": title}},
                    },
                },
            ],
            "t~",
        )

    old, new = graph([1, 2, 3, 4], "A"), graph([2, 3, 4, 5], "A")
    # The whole figure, not a Patch of it: an answer reaching a kiosk already on its next scene
    # would have Dash's renderer throw on a Patch for a component it no longer has.
    assert updates(new, changes(old, new)) == {
        "g": {"figure": {"data": [{"y": [2, 3, 4, 5]}], "layout": {"title": "A"}}}
    }
    # Two changes to two components: one entry each.
    both = graph([1, 2, 3, 4], "B")
    found = updates(both, changes(old, both))
    assert found == {"t~0_0": {"children": "B"}, "g": {"figure": both[1]["props"]["figure"]}}
    assert "__dash_patch_update" not in str(found)


def test_a_prop_no_longer_set_is_set_to_none_and_a_new_shape_is_sent_whole():
    old = addressed(plain([html.Div("x", className="a")]), "r~")
    new = addressed(plain([html.Div("x")]), "r~")
    assert updates(new, changes(old, new)) == {"r~0": {"className": None}}
    assert (
        worth_updating(addressed(tiles("1", "2"), "r~"), addressed(tiles("1", "2", "3"), "r~"))
        is None
    )
    # A top-level part replaced by another type has no component to be set on.
    swapped_old = addressed(plain([html.Span("1"), html.Div("2")]), "r~")
    swapped_new = addressed(plain([html.Span("1"), html.P("2")]), "r~")
    assert updates(swapped_new, changes(swapped_old, swapped_new)) is None
