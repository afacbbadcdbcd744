"""The open edition end to end on loopback: every dataset from recorded payloads through the real
providers, HTTP client and refresher; then primaries failing (fallback), then everything failing
(last good kept as stale), then a hung primary (the deadline holds).

No recording has Yahoo's 5-minute bars, which a Yahoo quote asks for: the fake answers those
requests with a daily recording labelled as daily (tests/support/openfake.py), Yahoo refuses
it, and each Yahoo quote dataset is shown from its next source, or not at all."""

from __future__ import annotations

import json
import time
from urllib.parse import unquote

import pytest
from cachelib import SimpleCache

from engine.refresher import Refresher
from engine.store import SnapshotStore
from engine.validation import validate
from providers.base import build_providers
from providers.errors import BadPayload
from providers.http import HttpClient
from providers.models import Status
from providers.yahoo import YahooProvider
from tests.support.fakeupstream import PerRequest
from tests.support.openfake import PROVIDER_ROUTES, YAHOO_ROUTE, serve_everything
from tests.support.paths import FIXTURES

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
    """A refresher over every open-edition provider, all pointed at the fake upstream, validating
    what they answer."""
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
    return Refresher(settings, providers, store, validator=validate)  # as engine.build does


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


def yahoo_quotes(settings) -> list[str]:
    """The quote datasets Yahoo serves first (their quotes ask for 5-minute bars)."""
    return [
        name
        for name, dataset in settings.datasets.items()
        if dataset.kind == "quote" and settings.chain(name)[0] == "yahoo"
    ]


def test_every_dataset_the_fake_answers_is_ok_from_its_primary(board):
    refused = yahoo_quotes(board.settings)
    assert refused == [
        "indices",
        "fx",
        "fed_funds_futures",
        "commodities",
        "volatility",
        "sectors",
    ]
    for name in board.settings.datasets:
        snapshot = board.refresh(name)
        if name in refused:
            continue  # see the next test
        assert snapshot.status is Status.OK, (name, snapshot.error)
        assert snapshot.source.split("+")[0] == board.settings.chain(name)[0], name
        assert snapshot.records, name
    store = board.store
    # Yahoo's year of daily bars, the last one the live bar of 2024-02-29
    assert store.read("history").source == "yahoo"
    assert value_of(store.read("history"), "spx") == pytest.approx(5085.06)
    assert value_of(store.read("crypto"), "btc") == 60739.85
    assert value_of(store.read("policy_rates"), "effr") == 5.08
    # FRED has no code for the ECB deposit rate: the next source in the chain fills it in.
    assert store.read("policy_rates").source == "fred+ecbdata"
    assert value_of(store.read("policy_rates"), "ecb_dfr") == 1.0898
    calendar = store.read("calendar").records
    assert {e.name for e in calendar} >= {"US CPI", "FOMC rate decision"}
    titles = [h.title for h in store.read("news").records]
    assert "Tottenham Hotspur v Manchester United: Premier League \u2013 live!" in titles


def test_yahoo_quotes_answered_with_daily_bars_are_refused_and_shown_from_the_next_source(board):
    for name in yahoo_quotes(board.settings):
        snapshot = board.refresh(name)
        first = board.settings.datasets[name].instruments[0].symbols["yahoo"]
        assert snapshot.error.startswith(f"yahoo: {first}: asked 5m bars, got 1d bars"), name
        chain = board.settings.chain(name)
        if len(chain) > 1:
            assert (snapshot.status, snapshot.source) == (Status.FALLBACK, chain[1]), name
        else:  # fed funds futures: Yahoo only, so nothing is shown rather than a wrong value
            assert (snapshot.status, snapshot.records) == (Status.ERROR, ()), name
    assert value_of(board.store.read("indices"), "spx") == 5062.25  # Stooq's
    assert value_of(board.store.read("fx"), "eurusd") == 1.0982  # the ECB's


def test_an_index_level_answered_as_a_fed_funds_future_is_never_shown(board, upstream):
    # The upstream: ^GSPC's chart under each symbol asked, labelled as what was asked,
    # so the request checks pass and only the range (0, 100] stands between it and the wall.
    recorded = json.loads(
        (FIXTURES / "yahoo" / "chart_GSPC_INDEX_range1d_interval1d_2024-02-29.json").read_bytes()
    )

    def mislabelled(raw: str) -> bytes:
        meta = recorded["chart"]["result"][0]["meta"]
        symbol = unquote(raw.split("?")[0].rsplit("/", 1)[1])
        meta.update(symbol=symbol, dataGranularity="5m", range="1d")
        return json.dumps(recorded).encode()

    upstream.route(YAHOO_ROUTE, body=PerRequest(mislabelled))
    snapshot = board.refresh("fed_funds_futures")
    assert (snapshot.status, snapshot.records) == (Status.ERROR, ())
    assert "every record failed validation" in snapshot.error
    assert "Fed funds Dec 2026 5,085.06 outside (0, 100]" in snapshot.error


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
        if not good[name].records:  # fed funds futures: nothing good to keep
            assert (snapshot.status, snapshot.records) == (Status.ERROR, ()), name
            continue
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
