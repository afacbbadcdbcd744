"""The page contract (components/scene.py): every page keeps it, the frame builds each layout,
a page that breaks it stops the app naming the page, and pages find their datasets in the
scene's configuration, so renaming every dataset needs no code."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest
from dash.development.base_component import Component

import pages.fx
import pages.news
import pages.status
from app import create_app
from components.scene import CLOCK_REDRAW_S, ScenePage, contract_problems, scene_pages
from config import ConfigError, load_settings
from config.schema import Settings
from tests.support.pages import served, walk

PAGES = Path(pages.fx.__file__).parent
SCENES = [name for name, _ in load_settings(env={}).enabled_scenes()]


def module(name: str = "pages.broken", **attributes) -> ModuleType:
    """A page module holding just these attributes."""
    made = ModuleType(name)
    made.__dict__.update(attributes)
    return made


def render(view):
    return []


@pytest.mark.parametrize("scene", SCENES)
def test_every_page_keeps_the_contract_and_writes_no_layout(scene):
    source = PAGES / f"{scene}.py"
    tree = ast.parse(source.read_text())
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    assert "render" in defined and "layout" not in defined  # the frame builds the layout
    assert contract_problems(scene, importlib.import_module(f"pages.{scene}")) == []


def test_the_frame_gives_each_page_its_layout_and_redraw_period():
    built = scene_pages({"news": pages.news, "status": pages.status, "fx": pages.fx})
    assert built["news"] == ScenePage("news", pages.news.render, CLOCK_REDRAW_S, None)
    assert built["status"].redraw_s == pages.status.REDRAW_S == 10
    assert built["fx"].redraw_s is None and built["fx"].register is None
    # Dash's page convention: the module's layout is the frame's, for that scene.
    assert pages.fx.layout.__self__ == built["fx"]


@pytest.mark.parametrize(
    ("attributes", "problem"),
    [
        ({}, "defines no render(view)"),
        ({"render": lambda: []}, "render must take one argument, the view"),
        ({"render": render, "REDRAW_S": 0}, "REDRAW_S must be a number of seconds above 0"),
        ({"render": render, "REDRAW_S": "60"}, "REDRAW_S must be a number of seconds above 0"),
        ({"render": render, "REDRAW_S": True}, "REDRAW_S must be a number of seconds above 0"),
        ({"render": render, "register": "callbacks"}, "register must be a function"),
        ({"render": render, "SCENE": "other"}, "SCENE is 'other', not the scene's name 'news'"),
        (
            {"render": render, "layout": lambda **query: None},
            "defines its own layout: the frame builds every scene's layout",
        ),
    ],
)
def test_a_page_breaking_the_contract_is_named(attributes, problem):
    with pytest.raises(ConfigError) as raised:
        scene_pages({"news": module(**attributes)})
    message = str(raised.value)
    assert message.startswith("invalid scene pages:")
    assert "page pages.broken (scene news): " in message and problem in message


def test_the_app_does_not_start_with_a_broken_page(make_settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "pages.news", module("pages.news", REDRAW_S=-1))
    with pytest.raises(ConfigError) as raised:
        create_app(make_settings("demo"), start_refresher=False)
    assert str(raised.value).splitlines() == [
        "invalid scene pages:",
        "  page pages.news (scene news): defines no render(view)",
        "  page pages.news (scene news): REDRAW_S must be a number of seconds above 0, not -1",
    ]


# --- datasets come from the scene's configuration -------------------------------------------


def renamed(settings: Settings, prefix: str = "my_") -> Settings:
    """The configuration with every dataset renamed, scenes and alert rules following."""
    raw = settings.model_dump()
    raw["datasets"] = {prefix + name: dataset for name, dataset in raw["datasets"].items()}
    for scene in raw["scenes"].values():
        scene["datasets"] = [prefix + name for name in scene["datasets"]]
    for rule in raw["alerts"]["rules"]:
        rule["datasets"] = [prefix + name for name in rule["datasets"]]
    return Settings.model_validate(raw)


def components(node):
    """Every component in a tree (a Static part's elements too: tests.support.pages.walk)."""
    return (n for n in walk(node) if isinstance(n, Component))


def test_renamed_datasets_render_on_every_scene(make_settings):
    settings = renamed(make_settings("demo"))
    app = create_app(settings, start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in settings.datasets:
        assert board.refresher.refresh(name).records, name
    for scene in SCENES:
        with app.server.test_request_context(f"/{scene}"):
            shown = list(components(served(sys.modules[f"pages.{scene}"].layout())))
        props = [c.to_plotly_json()["props"] for c in shown]
        named = {p["data-dataset"] for p in props if "data-dataset" in p}
        # every badge, section and panel says which dataset it shows; status shows them all
        configured = settings.datasets if scene == "status" else settings.scenes[scene].datasets
        assert named and named <= set(configured), scene
        statuses = {p["data-status"] for p in props if "data-status" in p}
        assert not statuses & {"empty", "error"}, (scene, statuses)
