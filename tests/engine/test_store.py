"""Snapshot store: published to every reader, last good persisted, warm restart, bad files."""

from __future__ import annotations

import time
from datetime import timedelta

from cachelib import FileSystemCache, SimpleCache

from engine.store import MEMO_MAX_AGE_S, SnapshotStore
from providers.models import Quote, Snapshot, Status
from tests.support.fakes.providers import T0


def good(dataset: str = "fx", price: float = 1.0842, at=T0) -> Snapshot:
    quote = Quote(symbol="eurusd", name="EUR/USD", price=price, as_of=at)
    return Snapshot(
        dataset=dataset,
        records=(quote,),
        as_of=at,
        fetched_at=at,
        source="yahoo",
        status=Status.OK,
        fetch_count=3,
    )


def test_unknown_dataset_reads_as_pending():
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=None)
    snap = store.read("fx")
    assert (snap.status, snap.records, snap.error) == (
        Status.EMPTY,
        (),
        "waiting for first refresh",
    )


def test_filesystem_cache_is_shared_between_store_instances(tmp_path):
    writer = SnapshotStore(
        FileSystemCache(str(tmp_path / "c"), default_timeout=0), namespace="open", persist_dir=None
    )
    reader = SnapshotStore(
        FileSystemCache(str(tmp_path / "c"), default_timeout=0), namespace="open", persist_dir=None
    )
    writer.write(good(), persist=False)
    assert reader.read("fx") == good()


def test_restart_loads_last_good_from_disk(tmp_path):
    before = SnapshotStore(SimpleCache(), namespace="open", persist_dir=tmp_path)
    before.write(good(price=1.0901), persist=True)
    after = SnapshotStore(SimpleCache(), namespace="open", persist_dir=tmp_path)
    assert after.read("fx").status is Status.EMPTY
    assert after.load_persisted(["fx", "crypto"]) == []
    loaded = after.read("fx")
    assert loaded == good(price=1.0901)
    assert loaded.records[0].as_of.tzinfo is not None
    assert not list((tmp_path / "open").glob("*.tmp")), "no temp files left behind"


def test_editions_never_share_snapshots(tmp_path):
    cache = SimpleCache()
    SnapshotStore(cache, namespace="demo", persist_dir=tmp_path).write(good(), persist=True)
    real = SnapshotStore(cache, namespace="open", persist_dir=tmp_path)
    real.load_persisted(["fx"])
    assert real.read("fx").status is Status.EMPTY


def test_corrupt_or_foreign_files_are_reported_and_ignored(tmp_path):
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=tmp_path)
    store.write(good("crypto", price=91000.0), persist=True)
    (tmp_path / "open" / "fx.json").write_text('{"dataset": "fx", "records": [{"kind": "quo')
    (tmp_path / "open" / "news.json").write_text(good("crypto").model_dump_json())
    (tmp_path / "open" / "rates.json").write_bytes(b"\xff\xfe\x00garbage")
    fresh = SnapshotStore(SimpleCache(), namespace="open", persist_dir=tmp_path)
    problems = fresh.load_persisted(["fx", "news", "rates", "crypto"])
    assert len(problems) == 3
    assert all("ignored, not a valid snapshot" in p for p in problems)
    assert "holds dataset 'crypto'" in " ".join(problems)
    assert fresh.read("crypto").records[0].price == 91000.0
    assert fresh.read("fx").status is Status.EMPTY


def test_a_newer_cached_snapshot_is_not_replaced_by_an_older_file(tmp_path):
    cache = SimpleCache()
    store = SnapshotStore(cache, namespace="open", persist_dir=tmp_path)
    store.write(good(price=1.0, at=T0), persist=True)
    store.write(good(price=2.0, at=T0.replace(hour=16)), persist=False)
    store.load_persisted(["fx"])
    assert store.read("fx").records[0].price == 2.0


def test_a_failing_cache_reads_as_pending():
    class Broken(SimpleCache):
        def get(self, key):
            raise ConnectionError("redis down")

    assert (
        SnapshotStore(Broken(), namespace="open", persist_dir=None).read("fx").status
        is Status.EMPTY
    )


def test_a_host_only_cache_is_never_degraded_and_has_nothing_to_copy(tmp_path):
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=tmp_path)
    store.write(good(), persist=False)
    assert store.health() == {"backend": "SimpleCache", "state": "ok", "since": None, "error": None}
    assert (store.mirror(["fx"]), store.reseed(["fx"])) == (0, [])
    assert not (tmp_path / "open").exists()  # nothing mirrored, so nothing persisted


def test_the_fleet_side_is_what_the_builder_says_it_is():
    class Fleet:
        """A fleet side whose shared cache is down and lost the fx snapshot."""

        def __init__(self) -> None:
            self.asked: list[tuple[str, list[str]]] = []

        def health(self) -> dict:
            return {"backend": "redis", "state": "degraded", "since": None, "error": "down"}

        def mirror(self, keys: list[str]) -> dict:
            self.asked.append(("mirror", keys))
            return {}

        def reseed(self, keys: list[str]) -> list[str]:
            self.asked.append(("reseed", keys))
            return keys[:1]

    fleet = Fleet()
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=None, fleet=fleet)
    assert store.health()["state"] == "degraded"
    assert store.mirror(["fx"]) == 0
    assert store.reseed(["fx"]) == [store.key("fx")]
    snapshot_keys = [store.key("fx"), store.stamp_key("fx")]  # a snapshot before its stamp
    assert fleet.asked == [
        ("mirror", [*snapshot_keys, store.alerts_key]),
        ("reseed", [*snapshot_keys, store.alerts_key, store.heartbeat_key]),
    ]


class CountingCache(SimpleCache):
    """A SimpleCache that counts reads by key."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: dict[str, int] = {}

    def get(self, key: str):
        self.reads[key] = self.reads.get(key, 0) + 1
        return super().get(key)


def test_an_unchanged_snapshot_is_not_read_again_and_a_new_write_is():
    cache = CountingCache()
    writer = SnapshotStore(cache, namespace="open", persist_dir=None)
    reader = SnapshotStore(cache, namespace="open", persist_dir=None)  # another worker
    writer.write(good(price=1.0), persist=False)
    first = reader.read("fx")
    assert reader.read("fx") is first and reader.read("fx") is first
    assert cache.reads[reader.key("fx")] == 1  # the stamp said nothing changed
    assert cache.reads[reader.stamp_key("fx")] == 3
    writer.write(good(price=2.0), persist=False)
    assert reader.read("fx").records[0].price == 2.0
    assert cache.reads[reader.key("fx")] == 2


def test_a_write_without_a_stamp_is_seen_within_the_memo_age(monkeypatch):
    cache = SimpleCache()
    store = SnapshotStore(cache, namespace="open", persist_dir=None)
    store.write(good(price=1.0, at=T0), persist=False)
    assert store.read("fx").records[0].price == 1.0
    # Another release of the board writing to the same cache, without the stamp.
    cache.set(store.key("fx"), good(price=2.0, at=T0 + timedelta(minutes=1)), timeout=0)
    kept = store.read("fx")
    assert kept.records[0].price == 1.0 and kept.as_of == T0  # older, with its own older time
    later = time.monotonic() + MEMO_MAX_AGE_S
    monkeypatch.setattr("engine.store.time.monotonic", lambda: later)
    assert store.read("fx").records[0].price == 2.0


def test_a_snapshot_read_with_no_stamp_beside_it_is_never_kept():
    cache = CountingCache()
    store = SnapshotStore(cache, namespace="open", persist_dir=None)
    cache.set(store.key("fx"), good(), timeout=0)  # written before stamps existed
    assert store.read("fx") == store.read("fx") == good()
    assert cache.reads[store.key("fx")] == 2


def test_last_good_loaded_at_start_is_stamped(tmp_path):
    SnapshotStore(SimpleCache(), namespace="open", persist_dir=tmp_path).write(
        good(price=1.0901), persist=True
    )
    cache = CountingCache()
    after = SnapshotStore(cache, namespace="open", persist_dir=tmp_path)
    after.load_persisted(["fx"])
    assert after.read("fx") is after.read("fx")
    assert cache.reads[after.key("fx")] == 2  # load_persisted's own check, then one read
