"""Helpers for tests/reliability/test_hostile_requests.py: the board it runs, the requests a
browser sends, and the checks every answer to a hostile request must pass."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

from components.patch import is_address
from config import DEFAULT_CONFIG
from tests.support.configs import shipped_config

STOOQ = "/q/d/l/"  # the history dataset's only source here
HISTORY_FIXTURE = "stooq/spx_d_2024-01-02_to_2025-04-07_truncated.csv"
SCENES = ("technicals", "status")
# What an answer may never contain: a line of the configuration, of the app's source, of
# /etc/passwd, or a Python traceback.
SECRETS = (
    DEFAULT_CONFIG.read_text().splitlines()[0],
    "deadline_s: 8",
    '"""Market Wallboard: the Dash app',
    "root:x:0:0",
    "Traceback (most recent call last)",
    'File "/',
)


def board_config(path: Path, upstream_url: str) -> Path:
    """The shipped configuration cut to the technicals and status scenes, history fetched from
    the fake upstream (Stooq only) once an hour: after the first fetch the refresher calls no one
    while the tests run, so any upstream call would be a request's doing."""
    config = shipped_config()
    state = path.parent / "board"
    config.update(edition="open", state_dir=str(state / "state"))
    config["cache"].update(type="filesystem", dir=str(state / "cache"))
    config["refresh"].update(attempts=1, backoff_s=0, deadline_s=5)
    config["alerts"]["rules"] = []
    history = config["datasets"]["history"]
    history.update(chains={"open": ["stooq"]}, refresh_s=3600)
    config["datasets"] = {"history": history}
    config["scenes"] = {name: config["scenes"][name] for name in SCENES}
    config["providers"] = {"stooq": {"base_url": upstream_url, "requests_per_second": 50}}
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def dependency(dependencies: list[dict], output_part: str) -> dict:
    """The one callback of /_dash-dependencies whose output names `output_part`."""
    (found,) = [d for d in dependencies if output_part in d["output"]]
    return found


def callback_body(dep: dict, inputs: list, state: list | None = None) -> dict:
    """What the renderer posts for a callback without wildcard ids, given the values of its
    inputs (the first one is the trigger) and of its state, in order. Built as dash-renderer
    builds it from the dependency: each output property is the text after the last dot of its
    part of `output`, so a duplicate output (allow_duplicate) keeps its `@<hash>`."""

    def bound(component_id: str) -> str | dict:
        return json.loads(component_id) if component_id.startswith("{") else component_id

    def items(specs: list[dict], values: list) -> list[dict]:
        return [
            {"id": bound(s["id"]), "property": s["property"], "value": v}
            for s, v in zip(specs, values, strict=True)
        ]

    outputs = []
    for part in dep["output"].removeprefix("..").removesuffix("..").split("..."):
        component_id, prop = part.rsplit(".", 1)
        outputs.append({"id": bound(component_id), "property": prop})
    trigger = dep["inputs"][0]
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": items(dep["inputs"], inputs),
        "changedPropIds": [f"{trigger['id']}.{trigger['property']}"],
    }
    if dep["state"]:  # the renderer leaves `state` out when a callback has none
        body["state"] = items(dep["state"], state) if state is not None else []
    return body


def page_body(dependencies: list[dict], pathname: str, search: str = "") -> dict:
    """The body Dash pages posts when the browser opens a URL: it renders the scene's layout."""
    return callback_body(dependency(dependencies, "_pages_content"), [pathname, search])


def picker_body(dependencies: list[dict], symbol: object, query: dict | None = None) -> dict:
    """The body the technicals picker posts when its store holds `symbol` (a button was clicked)."""
    dep = dependency(dependencies, "technicals-chart.children")
    return callback_body(dep, [symbol], [query or {}])


def assert_refused(response: requests.Response | Answer, *statuses: int) -> None:
    """A 4xx (one of `statuses` when given) whose body gives no server detail away."""
    detail = f"{response.status_code} {response.text[:300]!r}"
    assert 400 <= response.status_code < 500, detail
    if statuses:
        assert response.status_code in statuses, detail
    for secret in SECRETS:
        assert secret not in response.text, f"{secret!r} in {detail}"


@dataclass
class Answer:
    status_code: int
    content_type: str
    text: str


def raw_get(port: int, target: bytes, headers: tuple[bytes, ...] = ()) -> Answer:
    """GET `target` exactly as given (no client normalises `..`, `%2e` or bytes away)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        sock.sendall(head + b"".join(h + b"\r\n" for h in headers) + b"\r\n")
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Answer(
            response.status,
            response.getheader("Content-Type", ""),
            response.read().decode("utf-8", "replace"),
        )


@contextlib.contextmanager
def no_upstream_call(upstream) -> Iterator[None]:
    """Fail when any request made inside the block reached the fake upstream."""
    before = dict(upstream.query_hits)
    yield
    assert upstream.query_hits == before, "a request reached the upstream"


def components(node: Any) -> Iterator[dict]:
    """Every component (a dict with `type` and `props`) in a callback answer, depth first."""
    if isinstance(node, dict):
        if "type" in node and "props" in node:
            yield node
        for value in node.values():
            yield from components(value)
    elif isinstance(node, list):
        for value in node:
            yield from components(value)


def own_strings(value: Any) -> Iterator[str]:
    """Every string in a prop's value, leaving out nested components (reported on their own)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict) and not ("type" in value and "props" in value):
        for item in value.values():
            yield from own_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from own_strings(item)


def where_echoed(answer: dict, text: str) -> set[tuple[str, str, str]]:
    """(component type, its own id or its class, prop) of every prop in which `text` appears
    (an id the frame made from the component's place in the tree names no component)."""
    return {
        (
            component["type"],
            json.dumps(_own_id(component) or component["props"].get("className"), sort_keys=True),
            prop,
        )
        for component in components(answer)
        for prop, value in component["props"].items()
        if any(text in s for s in own_strings(value))
    }


def _own_id(component: dict):
    component_id = component["props"].get("id")
    return None if is_address(component_id) else component_id
