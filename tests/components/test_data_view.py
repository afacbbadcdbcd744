"""A scene's Data view (components/data_view.py) and its place in the frame (components/scene.py):
the toggle and its URLs, the grid of the scene's rows, the kiosk without either, the refresh that
patches the grid's rows in place, and the Excel download through Dash's own callback route."""

from __future__ import annotations

import base64
import io
import json

import pytest
from dash_ag_grid import AgGrid
from openpyxl import load_workbook
from werkzeug.exceptions import HTTPException

from app import create_app
from components.data_rows import KEYS
from components.data_view import (
    DEFAULT_VISIBLE,
    column_defs,
    export_columns,
    export_rows,
    view_href,
    view_note,
    view_toggle,
    wants_data,
)
from tests.support.dashreq import CALLBACK, scene_refresh_body
from tests.support.pages import prop, served, text_of, walk, with_class


@pytest.fixture
def demo_app(make_settings):
    app = create_app(make_settings("demo"), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in board.settings.datasets:
        board.refresher.refresh(name)
    return app


def layout(app, scene: str, **query):
    import importlib

    module = importlib.import_module(f"pages.{scene}")
    with app.server.test_request_context(f"/{scene}"):
        return served(module.layout(**query))


def grids(tree) -> list[AgGrid]:
    return [n for n in walk(tree) if isinstance(n, AgGrid)]


def links(tree) -> list:
    return with_class(tree, "wb-viewtoggle__link")


def test_the_toggle_keeps_the_rest_of_the_query_and_a_kiosk_has_none():
    query = {"symbol": "ndx", "range": "6M"}
    assert view_href("technicals", query, True) == "/technicals?symbol=ndx&range=6M&view=data"
    assert view_href("technicals", {**query, "view": "data"}, False) == (
        "/technicals?symbol=ndx&range=6M"
    )
    assert view_href("fx", {}, False) == "/fx"
    scene, data = view_toggle("fx", {"view": "data"}).children
    assert scene.href == "/fx" and prop(data, "aria-current") == "page"
    assert not hasattr(data, "href")  # the view showing is not a link to itself
    scene, data = view_toggle("fx", {"range": "1Y"}).children
    assert data.href == "/fx?range=1Y&view=data" and prop(scene, "aria-current") == "page"
    assert view_toggle("fx", {"kiosk": "1"}) is None
    assert view_toggle("fx", {"kiosk": "1", "view": "data"}) is None
    assert wants_data({"view": "data"}) and not wants_data({"view": "data", "kiosk": "1"})
    assert not wants_data({}) and not wants_data({"view": "DATA"})


def test_an_unknown_view_is_named_without_echoing_it():
    note = view_note({"view": "<script>alert(1)</script>"})
    assert note and "<script>" not in note and "view=data" in note
    assert view_note({"view": "data"}) is None and view_note({}) is None


def test_the_data_view_replaces_the_body_with_a_grid_of_the_scene_rows(demo_app):
    scene_page = layout(demo_app, "overview")
    assert grids(scene_page) == []
    assert [getattr(link, "href", None) for link in links(scene_page)] == [
        None,
        "/overview?view=data",
    ]
    data_page = layout(demo_app, "overview", view="data")
    (grid,) = grids(data_page)
    board = demo_app.server.extensions["wallboard"]
    instruments = board.settings.datasets["indices"].instruments
    assert [row["id"] for row in grid.rowData] == [i.id for i in instruments]
    assert [row["instrument"] for row in grid.rowData] == [i.name for i in instruments]
    assert [c["field"] for c in grid.columnDefs] == list(KEYS)
    assert grid.defaultColDef["sortable"] and grid.defaultColDef["filter"]
    assert grid.csvExportParams["fileName"] == "overview-data.csv"
    assert prop(data_page, "data-view") == "data"
    # Several datasets: every one of them.
    (rates,) = grids(layout(demo_app, "rates", view="data"))
    assert {row["dataset"] for row in rates.rowData} == set(board.settings.scenes["rates"].datasets)


def test_a_kiosk_shows_the_scene_with_no_toggle_even_when_asked_for_data(demo_app):
    page = layout(demo_app, "overview", kiosk="1", view="data")
    assert grids(page) == [] and links(page) == []
    assert prop(page, "data-view") == "scene"


def test_the_status_scene_says_it_has_no_dataset_and_an_unknown_view_is_noted(demo_app):
    page = layout(demo_app, "status", view="data")
    assert grids(page) == []
    assert "draws no dataset of its own" in text_of(page)
    noted = layout(demo_app, "fx", view="chart")
    assert "Unknown view in the URL" in text_of(noted) and grids(noted) == []


def test_column_defs_hide_what_is_not_chosen():
    defs = {c["field"]: c for c in column_defs(["instrument", "value"])}
    assert not defs["instrument"]["hide"] and not defs["value"]["hide"]
    assert all(defs[k]["hide"] for k in KEYS if k not in ("instrument", "value"))
    assert defs["value"]["filter"] == "agNumberColumnFilter"


def test_export_columns_follow_the_grid_state_else_the_chooser():
    state = [
        {"colId": "value", "hide": False},
        {"colId": "instrument", "hide": False},
        {"colId": "unit", "hide": True},
        {"colId": "made-up", "hide": False},
    ]
    assert export_columns(state, None) == [("value", "Value"), ("instrument", "Instrument")]
    assert [k for k, _ in export_columns(None, ["unit", "id"])] == ["id", "unit"]
    assert [k for k, _ in export_columns(None, None)] == list(DEFAULT_VISIBLE)


@pytest.mark.parametrize(
    ("rows", "state", "chosen"),
    [
        ("not rows", None, None),
        ([1, 2], None, None),
        ([{"value": {"nested": 1}}], None, None),
        ([{"value": float("inf")}], None, None),
        ([{"instrument": "x" * 5000}], None, None),
        ([{}] * 5001, None, None),
        ([], [{"hide": False}], None),
        ([], None, ["value", "<b>"]),
        ([], None, "value"),
    ],
)
def test_export_payloads_that_no_grid_sends_are_refused(demo_app, rows, state, chosen):
    with demo_app.server.test_request_context("/"), pytest.raises(HTTPException) as refused:
        export_rows(rows)
        export_columns(state, chosen)
    assert refused.value.response.status_code == 400
    assert "error" in json.loads(refused.value.response.get_data())


def test_export_rows_keep_known_columns_only(demo_app):
    with demo_app.server.test_request_context("/"):
        assert export_rows([{"value": 1.5, "id": "spx", "extra": "x", "status": None}]) == [
            {"value": 1.5, "id": "spx", "status": None}
        ]


def dependencies(client) -> list[dict]:
    client.get("/overview")  # the first request sets up Dash's routes and callbacks
    return client.get("/_dash-dependencies").get_json()


def test_a_data_view_refresh_patches_the_grid_rows_in_place(demo_app):
    client = demo_app.server.test_client()
    deps = dependencies(client)
    query = {"view": "data"}
    first = client.post(CALLBACK, json=scene_refresh_body(deps, "crypto", query=query)).get_json()
    version = first["response"]['{"scene":"crypto","type":"scene-version"}']["data"]
    board = demo_app.server.extensions["wallboard"]
    board.refresher.providers["demo"].spike("btc", 5)
    board.refresher.refresh("crypto")
    answer = client.post(
        CALLBACK, json=scene_refresh_body(deps, "crypto", shown_version=version, query=query)
    )
    assert answer.status_code == 200
    reply = answer.get_json()
    # Not a new tree: the grid stays, with its sort, filters and chosen columns, and its new
    # rows are set on it.
    assert '{"scene":"crypto","type":"scene-body"}' not in reply["response"]
    (rows,) = [props["rowData"] for props in reply["sideUpdate"].values() if "rowData" in props]
    assert isinstance(rows, list) and rows
    assert any(str(board.snapshot("crypto").records[0].price)[:5] in str(row) for row in rows)


def xlsx_body(deps: list[dict], scene: str, rows, state, chosen) -> dict:
    (dep,) = [d for d in deps if "data-download" in d["output"]]

    def bind(text: str) -> dict:
        return {k: scene if v == ["MATCH"] else v for k, v in json.loads(text).items()}

    output_id, output_prop = dep["output"].rsplit(".", 1)
    values = {"virtualRowData": rows, "rowData": rows, "columnState": state, "value": chosen}
    trigger = bind(dep["inputs"][0]["id"])
    return {
        "output": dep["output"],
        "outputs": {"id": bind(output_id), "property": output_prop},
        "inputs": [{"id": trigger, "property": "n_clicks", "value": 1}],
        "state": [
            {"id": bind(s["id"]), "property": s["property"], "value": values[s["property"]]}
            for s in dep["state"]
        ],
        "changedPropIds": [json.dumps(trigger, separators=(",", ":")) + ".n_clicks"],
    }


def test_the_excel_download_writes_the_rows_and_columns_the_grid_shows(demo_app):
    client = demo_app.server.test_client()
    deps = dependencies(client)
    rows = [
        {"instrument": "Nasdaq 100", "id": "ndx", "value": 0.1 + 0.2, "status": "ok"},
        {"instrument": "S&P 500", "id": "spx", "value": 5994.198637651738, "status": "closed"},
    ]
    state = [{"colId": "value"}, {"colId": "instrument"}, {"colId": "status", "hide": True}]
    answer = client.post(CALLBACK, json=xlsx_body(deps, "overview", rows, state, None))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    sent = answer.get_json()["response"]['{"scene":"overview","type":"data-download"}']["data"]
    assert sent["filename"].startswith("overview-data-") and sent["filename"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(base64.b64decode(sent["content"])))
    assert list(book.active.iter_rows(values_only=True)) == [
        ("Value", "Instrument"),
        (0.30000000000000004, "Nasdaq 100"),
        (5994.198637651738, "S&P 500"),
    ]
    refused = client.post(CALLBACK, json=xlsx_body(deps, "overview", "rows", state, None))
    assert refused.status_code == 400
    assert refused.get_json() == {"error": "the rows must be a list of records"}
