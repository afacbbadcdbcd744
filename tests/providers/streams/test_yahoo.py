"""Yahoo's streamer: yfinance's subscribe request and heartbeat, and a PricingData built with
yfinance's own `pricing_pb2` sent the way Yahoo sends it, read into the tick it says; the dict
yfinance's listener gets gives the same tick; odd and broken frames are BadFrames."""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, datetime

import pytest
from yfinance.live import BaseWebSocket
from yfinance.pricing_pb2 import PricingData

from providers.errors import NotConfigured
from providers.streams.base import BadFrame
from providers.streams.yahoo import DEFAULT_URL, YahooStream, decode_pricing, ticks_from_pricing

AT = datetime(2025, 1, 10, 11, 39, tzinfo=UTC)
AT_MS = int(AT.timestamp() * 1000)
IDS = {"^GSPC": "spx", "EURUSD=X": "eurusd", "BTC-USD": "btc"}
SOURCE = YahooStream()


def pricing(**fields) -> PricingData:
    """A PricingData as Yahoo sends for the S&P 500 in regular hours, `fields` changed."""
    values = {
        "id": "^GSPC",
        "price": 5950.25,
        "time": AT_MS,
        "currency": "USD",
        "exchange": "SNP",
        "quote_type": 8,  # INDEX
        "market_hours": 1,
        "change_percent": -0.42,
        "day_volume": 1_845_000_000,
        "change": -25.1,
        "price_hint": 2,
    }
    return PricingData(**{**values, **fields})


def wire(message: PricingData | bytes) -> str:
    """A frame as Yahoo's streamer sends it: JSON carrying the base64 protobuf."""
    raw = message if isinstance(message, bytes) else message.SerializeToString()
    return json.dumps({"type": "pricing", "message": base64.b64encode(raw).decode()})


def test_the_subscription_and_heartbeat_are_yfinances_subscribe_request():
    subscription = SOURCE.subscription(DEFAULT_URL, ["^GSPC", "EURUSD=X", "^GSPC"])
    assert subscription.url == "wss://streamer.finance.yahoo.com/?version=2"
    assert [json.loads(f) for f in subscription.frames] == [{"subscribe": ["^GSPC", "EURUSD=X"]}]
    assert json.loads(SOURCE.keepalive_frame(["^GSPC"])) == {"subscribe": ["^GSPC"]}
    assert SOURCE.keepalive_s == BaseWebSocket(verbose=False)._subscription_interval  # 15 s


@pytest.mark.parametrize(("symbols", "message"), [([], "no symbols"), ([""], "not a Yahoo")])
def test_a_subscription_without_usable_symbols_is_not_configured(symbols, message):
    with pytest.raises(NotConfigured, match=message):
        SOURCE.subscription(DEFAULT_URL, symbols)


def test_a_pricing_frame_round_trips_into_its_tick():
    [tick] = SOURCE.parse(wire(pricing()), IDS)
    assert (tick.symbol, tick.price, tick.time) == ("spx", 5950.25, AT)
    assert (tick.change_pct, tick.day_volume, tick.session) == (
        pytest.approx(-0.42),
        1_845_000_000,
        "regular",
    )
    assert tick.volume is None and tick.day_open is None


def test_a_float32_price_is_read_as_yahoo_meant_it_not_as_its_binary_neighbour():
    [tick] = SOURCE.parse(wire(pricing(id="EURUSD=X", price=1.085)), IDS)
    assert PricingData(price=1.085).price != 1.085  # what float32 stores
    assert tick.price == 1.085


def test_the_dict_yfinances_listener_gets_gives_the_same_tick():
    for message in (pricing(), pricing(id="BTC-USD", price=94745.08, market_hours=2)):
        encoded = base64.b64encode(message.SerializeToString()).decode()
        # what yfinance's AsyncWebSocket.listen passes on to its listener
        handed = BaseWebSocket(verbose=False)._decode_message(encoded)
        assert handed == decode_pricing(encoded)
        assert ticks_from_pricing(handed, IDS) == SOURCE.parse(wire(message), IDS)


@pytest.mark.parametrize(
    ("market_hours", "session"), [(0, "pre"), (1, "regular"), (2, "post"), (3, None), (4, None)]
)
def test_market_hours_say_which_session_a_price_is_from(market_hours, session):
    [tick] = SOURCE.parse(wire(pricing(market_hours=market_hours)), IDS)
    assert tick.session == session


def test_fields_proto3_leaves_out_at_zero_are_not_given():
    # A zero % change or day volume is not sent at all: an index without volume says nothing.
    [tick] = SOURCE.parse(wire(pricing(change_percent=0, day_volume=0)), IDS)
    assert (tick.change_pct, tick.day_volume) == (None, None)


def test_a_frame_about_another_symbol_gives_no_tick():
    assert SOURCE.parse(wire(pricing(id="^DJI")), IDS) == []
    assert ticks_from_pricing({"id": "^DJI", "price": "garbage"}, IDS) == []


@pytest.mark.parametrize(
    ("frame", "why"),
    [
        (b"\xc3", "not a JSON frame"),
        ('"pricing"', "not a JSON object"),
        ('{"type": "pricing"}', "not a pricing frame"),
        ('{"type": "news", "message": ""}', "not a pricing frame \\(type 'news'\\)"),
        ('{"message": 17}', "not a pricing frame"),
        ('{"message": "not base64!"}', "not a base64 PricingData"),
        ('{"message": "é"}', "not a base64 PricingData"),
        (wire(b"\x0a\x05^GS"), "not a base64 PricingData"),  # truncated inside the id
        (wire(b"\x12\x03\x00\x00"), "not a base64 PricingData"),  # truncated float
        (wire(PricingData()), "without an id"),  # everything zero: nothing sent
        (wire(pricing(price=0)), "price is not a number: None"),
        (wire(pricing(price=-5)), "price"),
        (wire(pricing(price=math.nan)), "price is not a number: 'NaN'"),
        (wire(pricing(price=math.inf)), "price is not a number: 'Infinity'"),
        (wire(pricing(time=0)), "time is not a number: None"),
        (wire(pricing(time=AT_MS // 1000)), "time is not epoch milliseconds"),
        (wire(pricing(time=-AT_MS)), "time is not epoch milliseconds"),
        (wire(pricing(day_volume=-1)), "day_volume"),
        (wire(pricing(change_percent=math.nan)), "change % is not a number"),
    ],
)
def test_odd_and_broken_frames_are_bad_frames_saying_what_is_wrong(frame, why):
    with pytest.raises(BadFrame, match=why):
        SOURCE.parse(frame, IDS)


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ({"error": "Error parsing message", "raw_base64": "AAA"}, "yfinance could not decode"),
        (["^GSPC"], "not an object"),
        ({"id": "^GSPC", "price": 1.0, "time": str(AT_MS), "market_hours": "1"}, "market_hours"),
        ({"id": "^GSPC", "price": True, "time": str(AT_MS)}, "price is not a number"),
    ],
)
def test_what_yfinance_hands_its_listener_is_checked_as_strictly(message, why):
    with pytest.raises(BadFrame, match=why):
        ticks_from_pricing(message, IDS)
