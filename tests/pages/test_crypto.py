"""Crypto scene: tiles with sparklines and the 24 h range, on demo and recorded CoinGecko data."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from components.figures import DOWN, FLAT, UP, sparkline_points
from components.scene import SceneView
from config.schema import Instrument
from pages import crypto
from providers.base import Request
from providers.binance import klines_quote
from providers.coingecko import coin_quote, parse_coins_markets
from providers.demo import DemoProvider
from providers.models import Quote, Snapshot, Status
from tests.support.links import hrefs
from tests.support.pages import prop, text_of, with_class
from tests.support.paths import FIXTURES

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
BTC = Instrument(id="btc", name="Bitcoin", currency="USD")


def quote(price: float, spark: tuple[float, ...]) -> Quote:
    return Quote(symbol="btc", name="Bitcoin", price=price, sparkline=spark, as_of=WED)


@pytest.fixture(scope="module")
def demo_records(settings):
    ds = settings.datasets["crypto"]
    request = Request("crypto", ds.kind, tuple(ds.instruments), WED, ds.market)
    return tuple(DemoProvider(settings).load(request).records)


def view(settings, snapshot: Snapshot) -> SceneView:
    return SceneView(
        board=SimpleNamespace(settings=settings),
        scene="crypto",
        snapshots={"crypto": snapshot},
        now=WED,
    )


def snap(records, status: Status = Status.OK, error: str | None = None) -> Snapshot:
    return Snapshot(
        dataset="crypto",
        records=records,
        as_of=max(r.as_of for r in records),
        fetched_at=WED,
        source="demo",
        status=status,
        error=error,
    )


def test_day_range_and_where_the_price_sits():
    span = crypto.day_range(quote(110.0, (100.0, 120.0, 90.0, 110.0)))
    assert (span.low, span.high) == (90.0, 120.0)
    assert span.position_pct == pytest.approx(200 / 3)
    # the price counts even when the sparkline has not caught up with it
    assert crypto.day_range(quote(130.0, (100.0, 120.0))).position_pct == 100.0
    assert crypto.day_range(quote(100.0, (100.0, 100.0))).position_pct == 50.0
    assert crypto.day_range(quote(100.0, (100.0,))) is None


def test_range_line_text_and_marker():
    line = crypto.range_line(BTC, quote(91_500.0, (89_912.4, 92_140.2, 91_000.0)))
    assert text_of(line) == "24h 89,912 \u2013 92,140 USD 71% of range"
    (marker,) = with_class(line, "wb-crypto__range-marker")
    assert marker.style == {"left": "71%"}
    # The bar is drawn for the eye; the words say where the price sits, once.
    (track,) = with_class(line, "wb-crypto__range-track")
    assert prop(track, "aria-hidden") == "true"
    assert text_of(line).count("71%") == 1
    small = Instrument(id="ada", name="Cardano", currency="USD")
    line = crypto.range_line(small, quote(0.95, (0.9012, 1.0234)))
    assert "0.9012 \u2013 1.0234" in text_of(line)
    missing = crypto.range_line(BTC, quote(91_500.0, ()))
    assert text_of(missing) == "24h range not available"


def test_range_numbers_use_the_wall_format():
    """Whole units with separators from 1,000 up, the price's decimals below, and the position
    as a whole percentage written without a space (the one formatter: components.format)."""
    assert crypto.range_value(89_912.5, BTC) == "89,912"  # rounded half to even, like format_pct
    assert crypto.range_value(1_000.4, BTC) == "1,000"
    assert crypto.range_value(999.5, BTC) == "999.50"
    line = crypto.range_line(BTC, quote(90.0, (90.0, 100.0)))
    assert "0% of range" in text_of(line) and "-0" not in text_of(line)


def test_demo_tiles_with_sparkline_and_range(settings, demo_records):
    body = crypto.render(view(settings, snap(demo_records)))
    tiles = {prop(t, "data-instrument"): t for t in with_class(body, "wb-tile")}
    assert list(tiles) == ["btc", "eth", "sol"]
    assert [t.name for t in tiles.values()] == [
        "Bitcoin",
        "Ether",
        "Solana",
    ]
    btc = next(r for r in demo_records if r.symbol == "btc")
    assert tiles["btc"].price == f"{btc.price:,.2f}"
    low, high = min(btc.sparkline), max(btc.sparkline)
    (line,) = with_class(tiles["btc"], "wb-crypto__range")
    assert text_of(line).startswith(f"24h {low:,.0f} \u2013 {high:,.0f} USD")
    for ident, tile in tiles.items():
        # A canvas the browser draws from its record's points (assets/37s_sparklines.js), in
        # the colour of the change shown. The tile's script makes it a decorative canvas
        # (aria-hidden: the price beside it is the text): tests/assets/wallboard_tile.test.cjs.
        record = next(r for r in demo_records if r.symbol == ident)
        assert tile.spark and tile.spark == sparkline_points(record.sparkline)
        assert tile.sparkColour == {"up": UP, "down": DOWN, "flat": FLAT}[tile.move]
        (position,) = with_class(tile, "wb-crypto__range-pos")
        assert 0 <= int(text_of(position).split("%")[0]) <= 100


def test_error_snapshot_says_no_data_and_why(settings):
    error = "binance: HTTP 451; coingecko: rate limited"
    snapshot = Snapshot(dataset="crypto", status=Status.ERROR, error=error)
    body = crypto.render(view(settings, snapshot))
    text = text_of(body)
    assert error in text
    tiles = with_class(body, "wb-tile")
    assert len(tiles) == 3 and text.count("no data") == 3
    assert not with_class(body, "wb-crypto__range")


def test_partial_and_stale_records(settings, demo_records):
    partial = tuple(r for r in demo_records if r.symbol == "btc")
    body = crypto.render(view(settings, snap(partial, Status.STALE, "source data is 600 s old")))
    tiles = {prop(t, "data-instrument"): t for t in with_class(body, "wb-tile")}
    assert "wb-tile--missing" in tiles["eth"].className
    assert "wb-tile--missing" in tiles["sol"].className
    assert prop(tiles["btc"], "data-status") == "stale"
    assert len(with_class(body, "wb-crypto__range")) == 1
    assert "source data is 600 s old" in text_of(body)


def test_recorded_binance_klines(settings):
    raw = (FIXTURES / "binance" / "klines_BTCUSDT_1m_2021-10-22.json").read_bytes()
    now = datetime(2021, 10, 23, tzinfo=UTC)
    btc = klines_quote(raw, symbol="btc", name="Bitcoin", now=now, currency="USD")
    assert len(btc.sparkline) == 10
    line = crypto.range_line(BTC, btc)
    rows = json.loads(raw)  # the candles' own lows and highs, wider than their closes
    low, high = min(float(r[3]) for r in rows), max(float(r[2]) for r in rows)
    assert (low, high) == (btc.day_low, btc.day_high) and low < min(btc.sparkline)
    assert text_of(with_class(line, "wb-crypto__range-values")) == f"{low:,.0f} \u2013 {high:,.0f}"
    span = crypto.day_range(btc)
    assert span.position_pct == pytest.approx((btc.price - low) / (high - low) * 100)
    body = crypto.render(view(settings, snap((btc,))))
    assert "Bitcoin" in text_of(body) and len(with_class(body, "wb-crypto__range")) == 1


def test_coingeckos_own_24h_range_is_shown_not_its_sparklines(settings):
    raw = (FIXTURES / "coingecko" / "coins_markets_usd_top5_2023-01-02.json").read_bytes()
    row = parse_coins_markets(raw)["bitcoin"]
    now = datetime(2023, 1, 3, tzinfo=UTC)
    btc = coin_quote(row, symbol="btc", name="Bitcoin", now=now, currency="USD")
    assert (btc.day_low, btc.day_high) == (row["low_24h"], row["high_24h"])
    line = crypto.range_line(BTC, btc)
    assert "not available" not in text_of(line)
    low, high = min(row["low_24h"], btc.price), max(row["high_24h"], btc.price)
    assert text_of(with_class(line, "wb-crypto__range-values")) == f"{low:,.0f} \u2013 {high:,.0f}"


def test_tiles_link_to_their_instrument_except_on_a_kiosk(settings, demo_records):
    interactive = view(settings, snap(demo_records))
    ids = [i.id for i in settings.datasets["crypto"].instruments]
    assert sorted(hrefs(crypto.render(interactive))) == sorted(f"/instrument/{i}" for i in ids)
    assert hrefs(crypto.render(replace(interactive, query={"kiosk": "1"}))) == []
