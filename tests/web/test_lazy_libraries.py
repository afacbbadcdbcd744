"""dash-ag-grid is loaded by the page that draws a grid, not by every page
(web/lazy_libraries.py): no page's HTML names it, the page answer for a Data view names it in
`dist` (Dash's renderer loads it before it draws the page), and it is served from there."""

from __future__ import annotations

import json
import re

import pytest

from app import create_app
from tests.support.dashreq import CALLBACK, page_body
from web.lazy_libraries import with_dist

GRID_BUNDLE = re.compile(r"/_dash-component-suites/dash_ag_grid/dash_ag_grid\.v[\w.]+\.min\.js$")


@pytest.fixture
def client(make_settings):
    return create_app(make_settings("demo"), start_refresher=False).server.test_client()


def page_answer(client, pathname: str, search: str = "") -> dict:
    dependencies = client.get("/_dash-dependencies").get_json()
    answer = client.post(CALLBACK, json=page_body(dependencies, pathname, search))
    assert answer.status_code == 200
    return answer.get_json()


@pytest.mark.parametrize("path", ["/overview", "/fx", "/fx?view=data", "/instrument/spx"])
def test_no_page_loads_the_grid_up_front(client, path):
    scripts = re.findall(r'<script src="([^"]+)"', client.get(path).get_data(as_text=True))
    # Every other library still comes with the page (the renderer needs them all at once).
    assert any("dash_bootstrap_components" in src for src in scripts)
    assert any("/dcc/dash_core_components" in src for src in scripts)
    assert not [src for src in scripts if "dash_ag_grid" in src]


def test_the_data_view_page_answer_names_the_grid_bundle_and_it_is_served(client):
    answer = page_answer(client, "/fx", "?view=data")
    assert '"dash_ag_grid"' in json.dumps(answer["response"])  # the grid is in the page
    scripts = [d["url"] for d in answer["dist"] if d["type"] == "_js_dist"]
    assert len(scripts) == 1 and GRID_BUNDLE.search(scripts[0]), scripts
    served = client.get(scripts[0])
    assert served.status_code == 200 and len(served.get_data()) > 500_000


def test_a_scene_page_answer_names_no_library(client):
    assert "dist" not in page_answer(client, "/fx")
    assert "dist" not in page_answer(client, "/news")


def test_a_mention_of_the_library_in_text_is_not_a_component():
    mention = json.dumps({"response": {"x": {"children": "dash_ag_grid is a library"}}})
    assert with_dist(mention, [{"type": "_js_dist", "url": "/grid.js"}]) == mention
    grid = {"type": "AgGrid", "namespace": "dash_ag_grid", "props": {}}
    drawn = json.loads(with_dist(json.dumps({"response": {"x": {"children": [grid]}}}), [{}]))
    assert drawn["dist"] == [{}]
