"""Quote tiles: a value kept from the previous refresh is shown stale with its age, never blank."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from components.tiles import quote_tile
from config.schema import Instrument
from providers.models import Quote, Snapshot, Status

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
BTC = Instrument(id="btc", name="Bitcoin", currency="USD", symbols={"coingecko": "bitcoin"})


def text_of(component) -> str:
    children = getattr(component, "children", component)
    if isinstance(children, str):
        return children
    if isinstance(children, list | tuple):
        return "".join(text_of(child) for child in children if child is not None)
    return text_of(children) if children is not None else ""


def tile(kept: bool):
    quote = Quote(symbol="btc", name="Bitcoin", price=91500.0, as_of=NOW, kept=kept)
    snapshot = Snapshot(
        dataset="crypto",
        records=(quote,),
        as_of=NOW + timedelta(minutes=5),
        fetched_at=NOW + timedelta(minutes=5),
        source="coingecko",
        status=Status.OK,
        error="coingecko: bitcoin: price is not a number; previous value kept for btc",
    )
    return quote_tile(BTC, quote, snapshot)


def test_a_kept_value_is_shown_stale_with_its_own_age_and_the_reason():
    shown = tile(kept=True)
    assert shown.to_plotly_json()["props"]["data-status"] == "stale"
    assert "91,500" in text_of(shown)
    assert "last good · 5 min old" in text_of(shown)
    assert "price is not a number" in shown.title


def test_a_fresh_value_carries_its_dataset_status():
    shown = tile(kept=False)
    assert shown.to_plotly_json()["props"]["data-status"] == "ok"
    assert "last good" not in text_of(shown)
