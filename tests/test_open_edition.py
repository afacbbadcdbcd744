"""The open edition end to end on loopback: every dataset from recorded payloads through the real
providers, HTTP client and refresher; then primaries failing (fallback), then everything failing
(last good kept as stale), then a hung primary (the deadline holds)."""

from __future__ import annotations

import json
import time

import pytest
from flask_caching.backends import SimpleCache

from engine.refresher import Refresher
from engine.store import SnapshotStore
from providers.base import build_providers
from providers.errors import BadPayload
from providers.http import HttpClient
from providers.models import Status
from providers.yahoo import YahooProvider
from tests.support.openfake import PROVIDER_ROUTES, serve_everything

# A value each fallback must show, straight from its recording.
FALLBACK_VALUES = {
    "indices": ("stooq", "spx", 5062.25),
    "fx": ("ecb", "eurusd", 1.0982),
    "rates": ("fred", "10Y", 5.08),
    "policy_rates": ("ecbdata", "ecb_dfr", 1.0898),
    "commodities": ("stooq", "wti", 5062.25),
    "crypto": ("coingecko", "btc", 16730.75),
    "volatility": ("cboe", "vix", 16.15),
    "sectors": ("stooq", "xlk", 5062.25),
    "history": ("stooq", "spx", 5062.25),
}


def fail(upstream, provider: str, **behaviour) -> None:
    for path in PROVIDER_ROUTES[provider]:
        upstream.route(path, **(behaviour or {"status": 500, "body": b"down"}))


@pytest.fixture
def board(upstream, make_settings):
    """A refresher over every open-edition provider, all pointed at the fake upstream."""
    settings = make_settings(
        "open",
        fred_api_key="k" * 32,
        refresh={"attempts": 1, "backoff_s": 0, "deadline_s": 2},
        providers={
            name: {"base_url": upstream.url, "requests_per_second": 50} for name in PROVIDER_ROUTES
        },
    )
    news = settings.datasets["news"]
    feeds = [
        i.model_copy(update={"symbols": {"rss": f"{upstream.url}/feeds/{i.id}.xml"}})
        for i in news.instruments
    ]
    datasets = {**settings.datasets, "news": news.model_copy(update={"instruments": feeds})}
    settings = settings.model_copy(update={"datasets": datasets})

    http = HttpClient("yahoo", upstream.url, timeout_s=2, requests_per_second=50)

    def yahoo_over_loopback(url: str, params: dict, timeout: float):
        # yfinance talks only to Yahoo's hosts; the same chart API comes from the fake here.
        try:
            return json.loads(http.get(url, params).content)
        except ValueError:
            raise BadPayload("not JSON") from None

    providers = build_providers(settings)
    providers["yahoo"] = YahooProvider(settings, fetch_json=yahoo_over_loopback)
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=None)
    serve_everything(upstream)
    return Refresher(settings, providers, store)


def value_of(snapshot, instrument_id: str) -> float:
    bars = [r for r in snapshot.records if r.kind == "bar" and r.symbol == instrument_id]
    if bars:
        return max(bars, key=lambda bar: bar.time).close
    for record in snapshot.records:
        if getattr(record, "symbol", None) == instrument_id:
            return record.price
        if getattr(record, "tenor", None) == instrument_id:
            return record.yield_pct  # the first (latest) curve the provider lists
    raise AssertionError(f"{instrument_id} not in {snapshot.dataset}")


def test_every_dataset_is_ok_from_its_primary(board):
    for name in board.settings.datasets:
        snapshot = board.refresh(name)
        assert snapshot.status is Status.OK, (name, snapshot.error)
        assert snapshot.source.split("+")[0] == board.settings.chain(name)[0], name
        assert snapshot.records, name
    store = board.store
    assert value_of(store.read("indices"), "spx") == 5085.06
    assert value_of(store.read("fx"), "eurusd") == 1.0436
    assert value_of(store.read("crypto"), "btc") == 60739.85
    assert value_of(store.read("policy_rates"), "effr") == 5.08
    # FRED has no code for the ECB deposit rate: the next source in the chain fills it in.
    assert store.read("policy_rates").source == "fred+ecbdata"
    assert value_of(store.read("policy_rates"), "ecb_dfr") == 1.0898
    calendar = store.read("calendar").records
    assert {e.name for e in calendar} >= {"US CPI", "FOMC rate decision"}
    titles = [h.title for h in store.read("news").records]
    assert "Tottenham Hotspur v Manchester United: Premier League \u2013 live!" in titles


@pytest.mark.parametrize("dataset", sorted(FALLBACK_VALUES))
def test_a_failing_primary_falls_back_to_the_next_source(board, upstream, dataset):
    primary = board.settings.chain(dataset)[0]
    fail(upstream, primary)
    snapshot = board.refresh(dataset)
    fallback, instrument, expected = FALLBACK_VALUES[dataset]
    assert (snapshot.status, snapshot.source) == (Status.FALLBACK, fallback), snapshot.error
    assert value_of(snapshot, instrument) == pytest.approx(expected)
    assert snapshot.error.startswith(f"{primary}: ")


def test_calendar_falls_back_to_the_configured_fomc_dates(board, upstream):
    fail(upstream, "fred")
    snapshot = board.refresh("calendar")
    assert (snapshot.status, snapshot.source) == (Status.FALLBACK, "schedule")
    assert {e.name for e in snapshot.records} == {"FOMC rate decision"}


def test_everything_failing_keeps_the_last_good_values_as_stale(board, upstream):
    good = {name: board.refresh(name) for name in board.settings.datasets}
    for provider in PROVIDER_ROUTES:
        fail(upstream, provider, status=429, headers={"Retry-After": "1"})
    for name in board.settings.datasets:
        if name == "calendar":
            continue  # its last resort is the config itself, which cannot fail
        snapshot = board.refresh(name)
        assert snapshot.status is Status.STALE, (name, snapshot.error)
        assert snapshot.records == good[name].records, name
        assert snapshot.fetched_at == good[name].fetched_at
        assert snapshot.failures == 1 and snapshot.error, name


def test_a_hung_primary_costs_no_more_than_its_deadline(board, upstream):
    fail(upstream, "binance", hang=True)
    started = time.monotonic()
    snapshot = board.refresh("crypto")
    elapsed = time.monotonic() - started
    assert (snapshot.status, snapshot.source) == (Status.FALLBACK, "coingecko")
    assert elapsed < 2 + 1.5, elapsed  # one 2 s deadline, then CoinGecko answers at once
