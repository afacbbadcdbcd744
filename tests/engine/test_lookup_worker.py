"""The lookup worker (engine.lookup_worker): one fetch per lookup however many screens ask, along
the chain with fallback, an error result with the reason, the deadline against a hung provider,
and only the leading refresher fetching."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from cachelib import FileSystemCache, SimpleCache

from config import load_settings
from config.schema import Edition, RecordKind
from engine.leadership import FileLeadership
from engine.lookup_worker import LookupWorker, desk_of
from engine.lookups import lookup_for
from engine.refresher import Refresher
from engine.store import SnapshotStore
from providers.base import Batch, Provider, Request
from providers.errors import EmptyResult, NotConfigured, Unavailable
from providers.models import Bar
from tests.support.fakes.providers import T0
from tests.support.services import wait_until


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


def bars_of(symbol: str, count: int = 3, close: float = 100.0) -> list[Bar]:
    start = T0 - timedelta(days=count)
    return [
        Bar(
            symbol=symbol,
            time=start + timedelta(days=k),
            open=close,
            high=close + 1,
            low=close - 1,
            close=close + k,
        )
        for k in range(count)
    ]


class HistoryProvider(Provider):
    """Answers `history` with `answer(symbol, series)` (bars, or raises), counting calls; waits
    for `gate` first when given (a slow or hung upstream)."""

    kinds = frozenset({RecordKind.QUOTE})

    def __init__(self, name, answer=None, gate: threading.Event | None = None):
        self.name = name
        self.answer = answer or (lambda symbol, series: bars_of(symbol))
        self.gate = gate
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def history(self, symbol, series, now, market=None):
        with self._lock:
            self.calls.append((symbol, series))
        if self.gate is not None:
            self.gate.wait(30)
        return self.answer(symbol, series)

    def load(self, request: Request) -> Batch:
        raise AssertionError("a lookup never loads a dataset")


def status_of(desk, lookup) -> str | None:
    result = desk.result(lookup)
    return None if result is None else result.status


def fails(error):
    def answer(symbol, series):
        raise error

    return answer


def settings_for(**refresh):
    settings = load_settings()
    return settings.model_copy(
        update={
            "edition": Edition.OPEN,
            "refresh": settings.refresh.model_copy(
                update={"attempts": 1, "backoff_s": 0, "deadline_s": 2, **refresh}
            ),
            "lookups": settings.lookups.model_copy(update={"poll_s": 0.02}),
        }
    )


def worker_for(settings, *providers, cache=None, clock=None, leadership=None):
    store = SnapshotStore(cache or SimpleCache(), namespace="open", persist_dir=None)
    refresher = Refresher(
        settings,
        {p.name: p for p in providers},
        store,
        clock=clock or Clock(),
        sleep=lambda s: None,
        leadership=leadership,
    )
    worker = LookupWorker(refresher)
    refresher.lookups = worker
    return worker, desk_of(refresher)


@pytest.fixture
def settings():
    return settings_for()


def test_many_screens_asking_make_one_upstream_call(settings):
    gate = threading.Event()  # the fetch is still running while the screens keep asking
    yahoo = HistoryProvider("yahoo", gate=gate)
    worker, desk = worker_for(settings, yahoo)
    lookup = lookup_for(settings, "AAPL")
    worker.start()
    try:
        for _ in range(5):
            for n in range(5):
                desk.ask(lookup, f"screen-{n}")
        assert wait_until(lambda: yahoo.calls, 5)
        for n in range(5):
            assert desk.ask(lookup, f"screen-{n}").status == "fetching"
        gate.set()
        assert wait_until(lambda: status_of(desk, lookup) == "ok", 5)
        for n in range(5):  # the screens' next polls read the result, ask no fetch
            assert desk.ask(lookup, f"screen-{n}").status == "ok"
        assert worker.poll() == []
    finally:
        worker.stop()
    assert yahoo.calls == [("AAPL", "daily")]
    result = desk.result(lookup)
    assert result.source == "yahoo" and {b.symbol for b in result.bars} == {"yahoo:AAPL"}
    assert result.as_of == result.bars[-1].time and result.attempted_at == T0


def test_the_chain_falls_back_when_the_first_provider_fails(settings):
    yahoo = HistoryProvider("yahoo", fails(Unavailable("HTTP 503")))
    stooq = HistoryProvider("stooq")
    worker, _ = worker_for(settings, yahoo, stooq)
    result = worker.fetch(lookup_for(settings, "spx"))
    assert (result.status, result.source) == ("ok", "stooq")
    assert yahoo.calls == [("^GSPC", "daily")] and stooq.calls == [("^spx", "daily")]
    assert result.error == "yahoo: HTTP 503"
    assert [b.symbol for b in result.bars] == ["spx"] * 3


def test_stooq_has_no_intraday_bars_and_the_chain_goes_on(settings):
    def daily_only(symbol, series):
        if series != "daily":
            raise NotConfigured("stooq has no intraday bars")
        return bars_of(symbol)

    yahoo = HistoryProvider("yahoo", fails(EmptyResult("^GSPC: no bars in the chart")))
    stooq = HistoryProvider("stooq", daily_only)
    worker, _ = worker_for(settings, yahoo, stooq)
    result = worker.fetch(lookup_for(settings, "spx", "intraday"))
    assert result.status == "error" and result.bars == []
    assert result.error == (
        "No intraday history for S&P 500: yahoo: ^GSPC: no bars in the chart; "
        "stooq: stooq has no intraday bars"
    )


def test_an_error_keeps_the_bars_of_the_last_success_and_says_why(settings):
    answers = iter([bars_of("AAPL"), Unavailable("HTTP 502")])

    def flaky(symbol, series):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    worker, desk = worker_for(settings, HistoryProvider("yahoo", flaky))
    lookup = lookup_for(settings, "AAPL")
    first = worker.fetch(lookup)
    desk.write(first)
    second = worker.fetch(lookup)
    assert second.status == "ok" and second.bars == first.bars
    assert second.error == "No daily history for AAPL: yahoo: HTTP 502"


def test_a_provider_missing_from_this_process_is_an_error_not_a_crash(settings):
    worker, _ = worker_for(settings)
    result = worker.fetch(lookup_for(settings, "stooq:aapl.us"))
    assert result.status == "error"
    assert (
        result.error
        == "No daily history for aapl.us: stooq: provider not available in this process"
    )


def test_a_hung_provider_is_abandoned_at_the_deadline_and_the_next_one_answers():
    settings = settings_for(deadline_s=0.3)
    hung = HistoryProvider("yahoo", gate=threading.Event())
    stooq = HistoryProvider("stooq")
    worker, _ = worker_for(settings, hung, stooq)
    try:
        result = worker.fetch(lookup_for(settings, "spx"))
        assert (result.status, result.source) == ("ok", "stooq")
        assert result.error == "yahoo: no answer within 0.3 s"
    finally:
        hung.gate.set()


def test_a_new_leader_fetches_again_only_once_the_last_fetch_is_refresh_s_old(settings):
    clock = Clock()
    cache = SimpleCache()
    yahoo = HistoryProvider("yahoo")
    first, desk = worker_for(settings, yahoo, cache=cache, clock=clock)
    lookup = lookup_for(settings, "AAPL")
    desk.ask(lookup, "s")
    desk.write(first.fetch(lookup))
    second, _ = worker_for(settings, yahoo, cache=cache, clock=clock)
    assert not second._due_now(desk, lookup)
    clock.now = T0 + timedelta(seconds=settings.lookups.refresh_s + 1)
    third, _ = worker_for(settings, yahoo, cache=cache, clock=clock)
    assert third._due_now(desk, lookup)


def test_only_the_leading_refresher_fetches(settings, tmp_path):
    lock = tmp_path / "refresher.lock"
    cache_dir = str(tmp_path / "cache")
    providers = [HistoryProvider("yahoo"), HistoryProvider("yahoo")]
    workers = [
        worker_for(
            settings,
            provider,
            cache=FileSystemCache(cache_dir, default_timeout=0),
            leadership=FileLeadership(lock),
        )
        for provider in providers
    ]
    refreshers = [worker.refresher for worker, _ in workers]
    # No datasets to refresh: only leadership and the lookup worker matter here.
    for refresher in refreshers:
        refresher.settings = refresher.settings.model_copy(update={"datasets": {}})
        refresher.start()
    try:
        assert wait_until(lambda: any(r.leading for r in refreshers), 5)
        desk = workers[0][1]
        lookup = lookup_for(settings, "AAPL")
        for n in range(5):
            desk.ask(lookup, f"screen-{n}")
        assert wait_until(lambda: desk.result(lookup) is not None, 5)
        leader = next(i for i, r in enumerate(refreshers) if r.leading)
        follower = 1 - leader
        assert len(providers[leader].calls) == 1 and providers[follower].calls == []
        assert workers[follower][0]._thread is None  # its worker never ran
    finally:
        for refresher in refreshers:
            refresher.stop()


def test_the_worker_stops_with_the_lead_and_starts_again(settings):
    yahoo = HistoryProvider("yahoo")
    worker, desk = worker_for(settings, yahoo)
    lookup = lookup_for(settings, "AAPL")
    worker.start()
    worker.stop()
    desk.ask(lookup, "s")
    assert worker.poll() == [] and yahoo.calls == []  # stopped: nothing fetched
    worker.start()
    try:
        assert wait_until(lambda: status_of(desk, lookup) == "ok", 5)
    finally:
        worker.stop()
    assert yahoo.calls == [("AAPL", "daily")]
