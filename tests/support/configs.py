"""The shipped configuration as data, for the boards tests start in their own processes.

A board started by a test (gunicorn, the refresher process) is beyond the in-process guard of
tests/conftest.py, so what keeps it off the internet is its configuration: the shipped one asks
the real editions to stream from Binance, OKX and Yahoo. `shipped_config` points those streams
at the test's loopback servers, or takes them out; the demo edition's synthetic stream stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from config import DEFAULT_CONFIG

REAL_EDITIONS = ("open", "wind")


def shipped_config(streams: Mapping[str, str] | None = None) -> dict[str, Any]:
    """config/wallboard.yaml as a dict; `streams` ({source: ws:// URL}) keeps those sources'
    streams, on those URLs, and takes every other real-edition stream out."""
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    keep = dict(streams or {})
    for dataset in config["datasets"].values():
        lists = dataset.get("streams")
        if not lists:
            continue
        for edition in REAL_EDITIONS:
            if edition in lists:
                lists[edition] = [name for name in lists[edition] if name in keep]
    providers = config.setdefault("providers", {})
    for name, url in keep.items():
        providers.setdefault(name, {})["stream_url"] = url
    return config
