"""Quote tiles: a value kept from the previous refresh is shown stale with its age, never blank."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dash import dcc, html

from components.tiles import (
    LINK_FIELD,
    bars_table,
    cell_custom,
    instrument_href,
    linked_graph_id,
    links_shown,
    quote_tile,
    quote_tiles,
    status_words,
)
from config.schema import Dataset, Instrument
from engine.freshness import assess
from providers.models import Bar, Quote, Snapshot, Status
from tests.support.links import hrefs
from tests.support.pages import text_of, walk

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
BTC = Instrument(id="btc", name="Bitcoin", currency="USD", symbols={"coingecko": "bitcoin"})


def source_line(shown) -> str:
    """A tile's source line as read: its text, then its age (components/tile.py SourceLine)."""
    return shown.source["text"] + shown.source["age"]


def tile(kept: bool, link: bool = False):
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
    return quote_tile(BTC, quote, snapshot, link=link)


FRESH = Snapshot(dataset="crypto", records=(), as_of=NOW, fetched_at=NOW, source="coingecko")


def test_a_kept_value_is_shown_stale_with_its_own_age_and_the_reason():
    shown = tile(kept=True)
    assert shown.to_plotly_json()["props"]["data-status"] == "stale"
    assert shown.price == "91,500.00"
    assert source_line(shown) == "coingecko · 5 min old"  # its source and own age, in words
    assert shown.source["suffix"] == " old"  # kept as the browser counts the age on
    assert shown.reason == "last good value"
    assert "price is not a number" in shown.title


def test_a_fresh_value_carries_its_dataset_status():
    shown = tile(kept=False)
    assert shown.to_plotly_json()["props"]["data-status"] == "ok"
    assert getattr(shown, "reason", None) is None
    assert (shown.badge, shown.label) == ("● Live", "Live")


def test_a_fresh_value_names_its_source_and_age():
    shown = tile(kept=False)
    assert source_line(shown) == "coingecko · 5 min"
    # Its age counts from the tile's own time (data-as-of), which is sent once.
    assert shown.source["ageOf"] is None
    assert shown.to_plotly_json()["props"]["data-as-of"] == NOW.isoformat()


ETH = Instrument(id="eth", name="Ether", currency="USD", symbols={"coingecko": "ethereum"})
CRYPTO = Dataset(title="Crypto", kind="quote", stale_after_s=300, instruments=[BTC, ETH])


def test_a_missing_tile_says_why_that_instrument_is_missing():
    quote = Quote(symbol="btc", name="Bitcoin", price=91500.0, as_of=NOW)
    stored = Snapshot(
        dataset="crypto", records=(quote,), as_of=NOW, fetched_at=NOW, source="coingecko"
    )
    decided = assess(stored, CRYPTO, NOW)
    missing = quote_tile(ETH, None, decided)
    assert missing.title == "no source gave a value for Ether"
    assert missing.to_plotly_json()["props"]["data-status"] == "error"


def test_a_closed_tile_reads_closed_with_its_session_and_age():
    friday_close = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    saturday = datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
    spx = Instrument(id="spx", name="S&P 500", market="XNYS", symbols={"yahoo": "^GSPC"})
    config = Dataset(title="Indices", kind="quote", stale_after_s=180, instruments=[spx])
    quote = Quote(symbol="spx", name="S&P 500", price=6000.0, as_of=friday_close)
    stored = Snapshot(
        dataset="indices",
        records=(quote,),
        as_of=friday_close,
        fetched_at=saturday,
        source="yahoo",
    )
    shown = quote_tile(spx, quote, assess(stored, config, saturday))
    assert shown.to_plotly_json()["props"]["data-status"] == "closed"
    assert shown.badge == "☾ Closed"
    assert source_line(shown) == "yahoo · Fri 20 Nov session · 19 h"


def test_each_row_of_a_bars_table_carries_its_own_status():
    spx = Instrument(id="spx", name="S&P 500", symbols={"yahoo": "^GSPC"})
    ndx = Instrument(id="ndx", name="Nasdaq 100", symbols={"yahoo": "^NDX"})
    config = Dataset(
        title="History", kind="bar", market="XNYS", stale_after_s=345600, instruments=[spx, ndx]
    )
    bars = (
        Bar(symbol="spx", time=NOW - timedelta(hours=6), open=1, high=2, low=1, close=2),
        Bar(symbol="ndx", time=NOW - timedelta(days=30), open=1, high=2, low=1, close=2),
    )
    stored = Snapshot(dataset="history", records=bars, as_of=NOW, fetched_at=NOW, source="yahoo")
    table = bars_table(config, assess(stored, config, NOW))
    rows = table.children[2].children
    assert [row.to_plotly_json()["props"]["data-status"] for row in rows] == ["ok", "stale"]
    assert text_of(rows[1].children[0]) == "⚠ Nasdaq 100"
    assert "as of Mon 19 Oct 2026 15:00 UTC (30 d old)" in rows[1].children[0].title


def test_a_cell_too_small_for_a_badge_gives_its_state_in_mark_and_word():
    assert [status_words(s) for s in (Status.STALE, Status.CLOSED, Status.FALLBACK)] == [
        "⚠ stale",
        "☾ closed",
        "↺ fallback",
    ]
    assert status_words(Status.OK) == ""  # live needs no word


# --- links to the instrument page ------------------------------------------------------------


def test_an_interactive_tile_is_one_link_to_its_instrument_named_by_the_instrument():
    shown = quote_tile(
        BTC, Quote(symbol="btc", name="Bitcoin", price=1.0, as_of=NOW), FRESH, link=True
    )
    # The browser draws the name as the tile's one link, its whole text the link's accessible
    # name (tests/assets/wallboard_tile.test.cjs).
    assert hrefs(shown) == ["/instrument/btc"]
    assert shown.name == "Bitcoin"
    assert "wb-tile--link" in shown.className.split()
    assert shown.to_plotly_json()["props"]["data-instrument"] == "btc"


def test_a_tile_keeps_its_tooltip_when_it_links():
    linked = tile(kept=True, link=True)
    assert "price is not a number" in linked.title  # the tile's own, on the tile as before


def test_a_missing_tile_links_too():
    missing = quote_tile(ETH, None, FRESH, link=True)
    assert hrefs(missing) == ["/instrument/eth"]


def test_a_kiosk_tile_has_no_link_and_nothing_focusable():
    for shown in (tile(kept=False), quote_tile(ETH, None, FRESH)):
        assert hrefs(shown) == []
        assert getattr(shown, "href", None) is None  # its name is drawn as plain text
        assert not [n for n in walk(shown) if isinstance(n, html.Button | dcc.Link | html.A)]
        assert "wb-tile--link" not in shown.className.split()


def test_quote_tiles_link_every_configured_instrument_only_when_asked():
    assert hrefs(quote_tiles(CRYPTO, FRESH, link=True)) == ["/instrument/btc", "/instrument/eth"]
    assert hrefs(quote_tiles(CRYPTO, FRESH)) == []


def test_only_a_kiosk_query_turns_links_off():
    assert links_shown({}) and links_shown({"rotate": "1"}) and links_shown({"kiosk": "0"})
    assert not links_shown({"kiosk": "1"})


def test_an_instrument_id_is_one_path_segment():
    assert instrument_href("spx") == "/instrument/spx"
    assert instrument_href("a/b?c") == "/instrument/a%2Fb%3Fc"


def test_a_chart_cell_carries_its_instrument_where_the_click_handler_reads_it():
    custom = cell_custom("weight 31.7%", "xlk")
    assert custom[0] == "weight 31.7%" and custom[LINK_FIELD] == "xlk" == custom[1]
    assert linked_graph_id("sectors-treemap") == {
        "type": "wb-linked-graph",
        "graph": "sectors-treemap",
    }
