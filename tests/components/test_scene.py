"""The scene frame's view (components/scene.py): what a renderer reads of its datasets.

The page contract itself is tested in tests/pages/test_contract.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from components.scene import SceneView
from config import load_settings
from providers.models import Quote, Snapshot

NOW = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
SETTINGS = load_settings(env={})


def test_quoted_pairs_every_configured_instrument_with_its_quote_in_config_order():
    instruments = SETTINGS.datasets["commodities"].instruments
    last = instruments[-1]
    quote = Quote(symbol=last.id, name=last.name, price=1.0, as_of=NOW)
    snapshot = Snapshot(dataset="commodities", records=(quote,))
    board = SimpleNamespace(settings=SETTINGS)
    view = SceneView(board=board, scene="commodities", snapshots={"commodities": snapshot}, now=NOW)
    assert view.quoted("commodities") == [(i, quote if i is last else None) for i in instruments]
    pending = SceneView(board=board, scene="commodities", snapshots={}, now=NOW)
    assert pending.quoted("commodities") == [(i, None) for i in instruments]
