"""The provider interface: `fetch` refuses a kind a source does not serve, for every source.

The check lives once in `Provider.fetch`, so one test drives every registered source; each
source's own tests call `load` for what it does with the kinds it serves.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from config import load_settings
from config.schema import RecordKind
from providers.base import REGISTRY, Batch, Request, build_providers
from providers.errors import NotConfigured

NOW = datetime(2026, 7, 3, 12, tzinfo=UTC)
PROVIDERS = build_providers(load_settings(env={}), sorted(REGISTRY))


def refused(name: str) -> list[RecordKind]:
    return [kind for kind in RecordKind if kind not in PROVIDERS[name].kinds]


@pytest.mark.parametrize(
    ("name", "kind"), [(name, kind) for name in sorted(REGISTRY) for kind in refused(name)]
)
def test_fetch_refuses_a_kind_the_source_does_not_serve_without_loading(name, kind, monkeypatch):
    provider = PROVIDERS[name]
    monkeypatch.setattr(provider, "load", lambda request: pytest.fail("load was called"))
    with pytest.raises(NotConfigured, match=f"^{name} does not serve {kind} datasets$"):
        provider.fetch(Request("any", kind, (), now=NOW))


def test_fetch_loads_a_kind_the_source_serves(monkeypatch):
    provider, asked, answer = PROVIDERS["stooq"], [], Batch(records=[])
    monkeypatch.setattr(provider, "load", lambda request: asked.append(request) or answer)
    request = Request("history", RecordKind.BAR, (), now=NOW)
    assert provider.fetch(request) is answer
    assert asked == [request]


def test_every_source_refuses_something_but_the_demo():
    assert [name for name in sorted(REGISTRY) if not refused(name)] == ["demo"]
