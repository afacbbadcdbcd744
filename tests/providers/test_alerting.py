"""The alert keeper: rules evaluated after refreshes, state shared through the cache, new
alerts posted once to the webhook named in the config, and never the URL in a log."""

from __future__ import annotations

import time

from flask_caching.backends import SimpleCache

from config.schema import AlertRule
from providers.alerting import AlertKeeper
from providers.models import Quote, Snapshot, Status
from providers.store import SnapshotStore
from tests.providers.fakes import T0, settings_with


def spiked(price: float) -> Snapshot:
    quote = Quote.from_prices(
        symbol="eurusd", name="EUR/USD", price=price, prev_close=1.0, as_of=T0
    )
    return Snapshot(
        dataset="fx", records=(quote,), as_of=T0, fetched_at=T0, source="a", status=Status.OK
    )


def test_new_alerts_are_shared_and_posted_once(monkeypatch):
    settings = settings_with(["a"])
    settings = settings.model_copy(
        update={
            "alerts": settings.alerts.model_copy(
                update={"rules": [AlertRule(kind="move", threshold_pct=2, datasets=["fx"])]}
            )
        }
    )
    cache = SimpleCache()
    store = SnapshotStore(cache, namespace="open", persist_dir=None)
    posts = []
    keeper = AlertKeeper(
        lambda: settings, store, lambda: T0, post=lambda url, **kw: posts.append((url, kw))
    )
    monkeypatch.setenv("WALLBOARD_ALERT_WEBHOOK", "https://hooks.example.invalid/T000/B000")
    store.write(spiked(1.05), persist=False)
    keeper.after_refresh("fx", store.read("fx"))
    keeper.after_refresh("fx", store.read("fx"))  # still true: no second post
    deadline = time.monotonic() + 2
    while not posts and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert len(posts) == 1
    url, kwargs = posts[0]
    assert url.startswith("https://hooks.") and kwargs["timeout"] == 5
    assert "EUR/USD" in kwargs["json"]["text"]
    # Another worker reading the same cache sees the same active alert.
    other = AlertKeeper(
        lambda: settings, SnapshotStore(cache, namespace="open", persist_dir=None), lambda: T0
    )
    assert [a.symbol for a in other.active()] == ["eurusd"]


def test_without_a_webhook_nothing_is_posted(monkeypatch):
    settings = settings_with(["a"])
    settings = settings.model_copy(
        update={
            "alerts": settings.alerts.model_copy(
                update={"rules": [AlertRule(kind="move", threshold_pct=2, datasets=["fx"])]}
            )
        }
    )
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=None)
    posts = []
    keeper = AlertKeeper(lambda: settings, store, lambda: T0, post=lambda *a, **k: posts.append(a))
    monkeypatch.delenv("WALLBOARD_ALERT_WEBHOOK", raising=False)
    store.write(spiked(1.05), persist=False)
    keeper.after_refresh("fx", store.read("fx"))
    time.sleep(0.05)
    assert posts == [] and len(keeper.active()) == 1
