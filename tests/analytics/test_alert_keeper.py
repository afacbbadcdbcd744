"""The alert keeper: rules evaluated after refreshes, state shared through the cache (state
stored by an older release included), new alerts posted once to the webhook named in the config
with their data's source and time, and never the URL in a log."""

from __future__ import annotations

import io
import pickle
import threading
import time
from datetime import timedelta

import pytest
from cachelib import FileSystemCache, RedisCache, SimpleCache

from analytics.alert_keeper import AlertKeeper
from analytics.alert_rules import Alert, AlertState
from config.schema import AlertRule
from engine.leadership import Exclusive
from engine.shared_cache import FleetCache, redis_client
from engine.store import SnapshotStore
from providers.models import Quote, Snapshot, Status
from tests.support.fakes.providers import T0, settings_with


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
    (line,) = [b["text"]["text"] for b in kwargs["json"]["blocks"] if b["type"] == "section"]
    assert " · a · data as of 2026-11-18 15:00 UTC · " in line  # its data's source and time
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


class SlowAlertReads:
    """A cache whose alert-state reads take a while, so two evaluations overlap for sure."""

    def __init__(self, cache, key: str) -> None:
        self.cache = cache
        self.key = key

    def get(self, key):
        value = self.cache.get(key)
        if key == self.key:
            time.sleep(0.3)  # what it read may be out of date by the time it arrives
        return value

    def set(self, key, value, timeout=None):
        return self.cache.set(key, value, timeout)

    def add(self, key, value, timeout=None):
        return self.cache.add(key, value, timeout)


def move_settings():
    settings = settings_with(["a"])
    rules = [AlertRule(kind="move", threshold_pct=2, datasets=["fx"])]
    return settings.model_copy(
        update={"alerts": settings.alerts.model_copy(update={"rules": rules})}
    )


def race(keepers, store) -> None:
    """Every keeper evaluates at the same moment, each in its own thread (its own process)."""
    store.write(spiked(1.05), persist=False)
    start = threading.Barrier(len(keepers))

    def evaluate(keeper):
        start.wait()
        keeper.after_refresh("fx", store.read("fx"))

    threads = [threading.Thread(target=evaluate, args=(k,)) for k in keepers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.3)  # the posts run in threads of their own


def test_two_processes_of_one_host_evaluating_at_once_post_once(tmp_path, monkeypatch, caplog):
    # The host's refresher process and a web worker forcing a refresh: one post between them.
    monkeypatch.setenv("WALLBOARD_ALERT_WEBHOOK", "https://hooks.example.invalid/T000/B000")
    settings, posts = move_settings(), []
    shared = FileSystemCache(str(tmp_path / "cache"), default_timeout=0)
    store = SnapshotStore(shared, namespace="open", persist_dir=None)
    keepers = [
        AlertKeeper(
            lambda: settings,
            SnapshotStore(
                SlowAlertReads(shared, store.alerts_key), namespace="open", persist_dir=None
            ),
            lambda: T0,
            post=lambda url, **kw: posts.append(kw["json"]),
            exclusive=Exclusive(tmp_path / "state" / "alerts-open.lock"),
        )
        for _ in range(2)
    ]
    race(keepers, store)
    assert len(posts) == 1
    assert "skipped" not in caplog.text, "the second waited its turn, then found it notified"
    assert [a.symbol for a in keepers[1].active()] == ["eurusd"]


def test_two_hosts_sharing_redis_evaluating_at_once_post_once(
    tmp_path, monkeypatch, caplog, redis_server
):
    # Two hosts' refreshers at a leader change: the fleet lock in Redis makes it one post.
    monkeypatch.setenv("WALLBOARD_ALERT_WEBHOOK", "https://hooks.example.invalid/T000/B000")
    settings, posts = move_settings(), []
    keepers = []
    for host in ("a", "b"):
        client = redis_client(redis_server.url)
        fleet = FleetCache(
            RedisCache(host=client, default_timeout=0),
            FileSystemCache(str(tmp_path / host / "cache"), default_timeout=0),
            clock=lambda: T0,
        )
        key = SnapshotStore(fleet, namespace="open", persist_dir=None).alerts_key
        keepers.append(
            AlertKeeper(
                lambda: settings,
                SnapshotStore(SlowAlertReads(fleet, key), namespace="open", persist_dir=None),
                lambda: T0,
                post=lambda url, **kw: posts.append(kw["json"]),
                exclusive=Exclusive(
                    tmp_path / host / "alerts-open.lock",
                    fleet=fleet,
                    name="wallboard:open:alerts-lock",
                ),
            )
        )
    race(keepers, SnapshotStore(fleet, namespace="open", persist_dir=None))
    assert len(posts) == 1
    assert "skipped" not in caplog.text, "the second waited its turn, then found it notified"
    assert [a.symbol for a in keepers[0].active()] == ["eurusd"]


NEW_FIELDS = ("as_of", "source")


def stored_by_an_older_release(state: AlertState) -> AlertState:
    """`state` as a release whose alerts had no as_of and source stored it: the cache pickles
    objects, and unpickling restores the fields that were stored, without validation."""

    class Older(pickle.Pickler):
        def reducer_override(self, obj):
            if not isinstance(obj, Alert):
                return NotImplemented
            rebuild, args, fields, *_ = obj.__reduce_ex__(2)
            kept = {k: v for k, v in fields["__dict__"].items() if k not in NEW_FIELDS}
            given = fields["__pydantic_fields_set__"] - set(NEW_FIELDS)
            return (rebuild, args, {**fields, "__dict__": kept, "__pydantic_fields_set__": given})

    buffer = io.BytesIO()
    Older(buffer).dump(state)
    return pickle.loads(buffer.getvalue())


def test_state_stored_by_an_older_release_loads_and_carries_on(tmp_path):
    settings = move_settings()
    cache = FileSystemCache(str(tmp_path / "cache"), default_timeout=0)  # a host's cache files
    store = SnapshotStore(cache, namespace="open", persist_dir=None)
    keeper = AlertKeeper(lambda: settings, store, lambda: T0, post=lambda *a, **k: None)
    store.write(spiked(1.05), persist=False)
    keeper.after_refresh("fx", store.read("fx"))
    (raised,) = keeper.active()
    assert (raised.as_of, raised.source) == (T0, "a")

    cache.set(store.alerts_key, stored_by_an_older_release(keeper.state()), timeout=0)
    stored = cache.get(store.alerts_key).alerts[raised.key]  # what the cache gives back
    with pytest.raises(AttributeError):
        _ = stored.as_of
    (old,) = keeper.active()  # loads: the missing fields take their defaults
    assert old.key == raised.key and (old.as_of, old.source) == (None, None)

    later = T0 + timedelta(seconds=30)
    keeper.clock = lambda: later
    keeper.after_refresh("fx", store.read("fx"))  # the same episode goes on, its data known
    (again,) = keeper.active()
    assert again.raised_at == T0 and again.last_seen == later
    assert (again.as_of, again.source) == (T0, "a")
