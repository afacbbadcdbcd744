"""On-demand history asks (engine.lookups): symbols parsed strictly, configured instruments and
ad-hoc symbols resolved to a chain, asks capped per screen and in total, expiring after their TTL,
and many screens asking for one symbol making one request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cachelib import SimpleCache

from config import load_settings
from config.schema import Edition, Lookups
from engine.board import Board
from engine.lookups import (
    Lookup,
    LookupDesk,
    LookupRefused,
    LookupResult,
    lookup_for,
    parse_symbol,
)
from engine.store import SnapshotStore
from providers.models import Bar
from tests.support.fakes.providers import T0


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def settings():
    return load_settings().model_copy(update={"edition": Edition.OPEN})


def desk(clock=None, **config) -> LookupDesk:
    return LookupDesk(SimpleCache(), "open", Lookups(**config), clock or Clock())


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AAPL", ("yahoo", "AAPL")),
        ("aapl", ("yahoo", "AAPL")),
        ("  MSFT ", ("yahoo", "MSFT")),
        ("^GSPC", ("yahoo", "^GSPC")),
        ("yahoo:^GSPC", ("yahoo", "^GSPC")),
        ("EURUSD=X", ("yahoo", "EURUSD=X")),
        ("BTC-USD", ("yahoo", "BTC-USD")),
        ("0700.HK", ("yahoo", "0700.HK")),
        ("GC=F", ("yahoo", "GC=F")),
        ("stooq:aapl.us", ("stooq", "aapl.us")),
        ("STOOQ:AAPL.US", ("stooq", "aapl.us")),
        ("stooq:^spx", ("stooq", "^spx")),
        ("stooq:cl.f", ("stooq", "cl.f")),
    ],
)
def test_good_symbols_are_parsed_per_source(text, expected):
    assert parse_symbol(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<b>",
        "AA PL",
        "AAPL MSFT",
        "../etc/passwd",
        "..",
        "a..b",
        "AAPL/../x",
        "yahoo:",
        ":AAPL",
        "google:AAPL",
        "stooq:aapl us",
        "stooq:a/b",
        "AAPL\n",  # stripped to AAPL: fine; but inner control characters are not
        "AA\tPL",
        'A"B',
        "A'B",
        "A;B",
        "%2e%2e",
        "",
        "   ",
        "A" * 200,
        "A" * 21,
        "yahoo:yahoo:AAPL",
    ],
)
def test_malformed_symbols_are_refused_with_a_sentence_that_does_not_echo_them(text):
    if text == "AAPL\n":
        assert parse_symbol(text) == ("yahoo", "AAPL")
        return
    with pytest.raises(LookupRefused) as refused:
        parse_symbol(text)
    message = str(refused.value)
    assert message.endswith(".") and len(message) < 200
    assert "<" not in message and (len(text.strip()) < 3 or text.strip() not in message)


def test_a_refused_symbol_says_what_a_symbol_looks_like():
    with pytest.raises(LookupRefused, match=r"not a Yahoo symbol.*e\.g\. AAPL"):
        parse_symbol("<script>")
    with pytest.raises(LookupRefused, match="too long"):
        parse_symbol("A" * 200)
    with pytest.raises(LookupRefused, match="Yahoo or Stooq only"):
        parse_symbol("bloomberg:AAPL")


# --- lookup_for -------------------------------------------------------------------------------


def test_a_configured_instrument_gets_its_history_chain_with_each_sources_symbol(settings):
    lookup = lookup_for(settings, "spx")
    assert lookup == Lookup(
        key="spx:daily",
        ident="spx",
        series="daily",
        label="S&P 500",
        chain=(("yahoo", "^GSPC"), ("stooq", "^spx")),
        instrument_id="spx",
        market="XNYS",
    )
    assert lookup_for(settings, "SPX", "intraday").key == "spx:intraday"


def test_sources_without_history_are_left_out_of_a_configured_chain(settings):
    # fx's open chain is yahoo, ecb: only Yahoo has one symbol's history
    assert settings.chain("fx") == ["yahoo", "ecb"]
    assert lookup_for(settings, "eurusd").chain == (("yahoo", "EURUSD=X"),)
    assert lookup_for(settings, "eurusd").market == "24/5"


def test_an_instrument_no_history_source_serves_is_refused(settings):
    # the policy rates come from FRED and the ECB only
    with pytest.raises(LookupRefused, match=r"No source in the open edition .* of Fed funds"):
        lookup_for(settings, "effr")
    with pytest.raises(LookupRefused, match="daily or intraday"):
        lookup_for(settings, "spx", "weekly")


def test_history_comes_from_any_source_the_instrument_has_a_symbol_at(settings):
    # crypto's chain (Binance, CoinGecko) serves no history here; its Yahoo symbol does
    assert lookup_for(settings, "btc").chain == (("yahoo", "BTC-USD"),)
    demo = settings.model_copy(update={"edition": Edition.DEMO})
    assert [p for p, _ in lookup_for(demo, "btc").chain] == ["demo"]


def test_the_wind_edition_puts_wind_first_where_it_has_a_code(settings):
    wind = settings.model_copy(update={"edition": Edition.WIND})
    assert lookup_for(wind, "spx").chain == (
        ("wind", "SPX.GI"),
        ("yahoo", "^GSPC"),
        ("stooq", "^spx"),
    )


def test_an_ad_hoc_symbol_is_its_own_source_only(settings):
    lookup = lookup_for(settings, "AAPL")
    assert (lookup.key, lookup.ident, lookup.chain) == (
        "yahoo:AAPL:daily",
        "yahoo:AAPL",
        (("yahoo", "AAPL"),),
    )
    assert lookup.instrument_id is None and lookup.market is None and lookup.ad_hoc
    stooq = lookup_for(settings, "stooq:aapl.us", "intraday")
    assert stooq.key == "stooq:aapl.us:intraday" and stooq.chain == (("stooq", "aapl.us"),)
    with pytest.raises(LookupRefused):
        lookup_for(settings, "<img src=x onerror=alert(1)>")


def test_the_demo_edition_serves_an_ad_hoc_symbol_from_demo_and_says_so(settings):
    demo = settings.model_copy(update={"edition": Edition.DEMO})
    lookup = lookup_for(demo, "yahoo:AAPL")
    assert lookup.chain == (("demo", "AAPL"),) and "demo" in lookup.label
    assert lookup_for(demo, "spx").chain == (("demo", "spx"),)


def test_a_lookup_survives_the_request_table():
    lookup = Lookup("yahoo:X:daily", "yahoo:X", "daily", "X", (("yahoo", "X"),), None, None)
    assert Lookup.from_dict(lookup.as_dict()) == lookup


# --- asks: caps, TTL, dedupe ------------------------------------------------------------------


def adhoc(settings, symbol: str, series: str = "daily") -> Lookup:
    return lookup_for(settings, symbol, series)


def test_an_ask_is_fetching_until_a_result_is_written(settings):
    book = desk()
    lookup = adhoc(settings, "AAPL")
    asked = book.ask(lookup, "screen-1")
    assert (asked.status, asked.bars, asked.asked_at) == ("fetching", [], T0)
    bar = Bar(symbol="yahoo:AAPL", time=T0, open=1, high=2, low=1, close=2)
    book.write(LookupResult(key=lookup.key, status="ok", bars=[bar], source="yahoo"))
    assert book.ask(lookup, "screen-1").bars == [bar]
    assert book.result(lookup).source == "yahoo"


def test_five_screens_asking_for_one_symbol_make_one_request(settings):
    book = desk()
    lookup = adhoc(settings, "AAPL")
    for n in range(5):
        book.ask(lookup, f"screen-{n}")
        book.ask(lookup, f"screen-{n}")  # and each again at its next poll
    assert [w.key for w, _ in book.wanted()] == ["yahoo:AAPL:daily"]
    assert book.status()["active"] == 1
    assert book.status()["lookups"]["yahoo:AAPL:daily"]["screens"] == 5


def test_one_screen_may_ask_for_so_many_ad_hoc_symbols_then_a_clear_refusal(settings):
    book = desk(max_per_screen=3, max_total=10)
    for symbol in ("AAPL", "MSFT", "NVDA"):
        book.ask(adhoc(settings, symbol), "desk")
        book.ask(adhoc(settings, symbol, "intraday"), "desk")  # a series: the same symbol
    with pytest.raises(LookupRefused, match=r"already looks up 3 symbols, the most it may \(3\)"):
        book.ask(adhoc(settings, "TSLA"), "desk")
    book.ask(adhoc(settings, "AAPL"), "desk")  # one it has: never refused
    book.ask(lookup_for(settings, "spx"), "desk")  # configured: free
    book.ask(lookup_for(settings, "ndx", "intraday"), "desk")
    book.ask(adhoc(settings, "TSLA"), "other")  # another screen has its own allowance


def test_every_screen_together_may_ask_for_so_many_symbols(settings):
    book = desk(max_per_screen=2, max_total=3)
    book.ask(adhoc(settings, "AAPL"), "a")
    book.ask(adhoc(settings, "MSFT"), "a")
    book.ask(adhoc(settings, "NVDA"), "b")
    with pytest.raises(LookupRefused, match=r"board already looks up 3 symbols.*\(3\)"):
        book.ask(adhoc(settings, "TSLA"), "b")
    book.ask(adhoc(settings, "AAPL"), "b")  # one already asked for adds nothing to the total
    book.ask(lookup_for(settings, "spx"), "c")


def test_asks_expire_ttl_after_their_screen_last_repeated_them(settings):
    clock = Clock()
    book = desk(clock, max_per_screen=1, max_total=1, ttl_s=60)
    aapl, msft = adhoc(settings, "AAPL"), adhoc(settings, "MSFT")
    book.ask(aapl, "a")
    clock.now = T0 + timedelta(seconds=50)
    book.ask(aapl, "a")  # repeated: its TTL starts again
    clock.now = T0 + timedelta(seconds=100)
    assert [w.key for w, _ in book.wanted()] == [aapl.key]
    with pytest.raises(LookupRefused):
        book.ask(msft, "b")
    clock.now = T0 + timedelta(seconds=111)  # 61 s after the last repeat
    assert book.wanted() == [] and book.status()["active"] == 0
    assert book.ask(msft, "b").status == "fetching"  # the slot is free again


def test_a_malformed_screen_id_is_refused(settings):
    book = desk()
    for screen in ("", "a b", "<x>", "x" * 65, "../a"):
        with pytest.raises(LookupRefused, match="screen id"):
            book.ask(adhoc(settings, "AAPL"), screen)
    assert book.wanted() == []


def test_the_board_asks_through_its_store_and_reports_lookups_in_status(settings, tmp_path):
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=tmp_path)
    board = Board(settings, store, clock=Clock())
    lookup = adhoc(settings, "AAPL")
    assert board.lookup_result(lookup) is None
    assert board.ask_lookup(lookup, "s1").status == "fetching"
    assert board.lookup_result(lookup) is None  # asking writes no result
    lookups = board.status()["lookups"]
    assert lookups == {
        "active": 1,
        "lookups": {
            "yahoo:AAPL:daily": {
                "status": "fetching",
                "screens": 1,
                "source": None,
                "bars": 0,
                "as_of": None,
                "error": None,
            }
        },
    }


def test_a_client_inventing_screen_ids_cannot_grow_the_table_without_bound(settings, monkeypatch):
    monkeypatch.setattr("engine.lookups.MAX_SCREENS_PER_LOOKUP", 3)
    clock = Clock()
    book = desk(clock)
    lookup = lookup_for(settings, "spx")
    for n in range(10):
        clock.now = T0 + timedelta(seconds=n)
        book.ask(lookup, f"screen-{n}")
    [entry] = book.live().values()
    assert list(entry["screens"]) == ["screen-7", "screen-8", "screen-9"]
