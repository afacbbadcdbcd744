"""Binance's combined streams: the URL that subscribes, and the documented miniTicker, trade and
aggTrade events (raw and in the combined wrapper) read into ticks; acknowledgements and other
symbols give nothing, errors are refusals, and anything else is a BadFrame."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from providers.errors import NotConfigured
from providers.streams.base import BadFrame, StreamRefused
from providers.streams.binance import DEFAULT_URL, MAX_STREAMS, BinanceStream

# The payload examples of Binance's spot WebSocket streams documentation.
MINI_TICKER = {
    "e": "24hrMiniTicker",
    "E": 1672515782136,
    "s": "BNBBTC",
    "c": "0.0025",
    "o": "0.0010",
    "h": "0.0025",
    "l": "0.0010",
    "v": "10000",
    "q": "18",
}
TRADE = {
    "e": "trade",
    "E": 1672515782136,
    "s": "BNBBTC",
    "t": 12345,
    "p": "0.001",
    "q": "100",
    "T": 1672515782136,
    "m": True,
    "M": True,
}
AGG_TRADE = {
    "e": "aggTrade",
    "E": 1672515782136,
    "s": "BNBBTC",
    "a": 12345,
    "p": "0.001",
    "q": "100",
    "f": 100,
    "l": 105,
    "T": 1672515782136,
    "m": True,
    "M": True,
}
IDS = {"BNBBTC": "bnb"}
AT = datetime(2022, 12, 31, 19, 43, 2, 136000, tzinfo=UTC)  # 1672515782136 ms
SOURCE = BinanceStream()


def combined(event: dict, stream: str = "bnbbtc@miniTicker") -> str:
    """An event in the combined-stream wrapper, as /stream?streams=... sends it."""
    return json.dumps({"stream": stream, "data": event})


def test_the_symbols_go_in_the_combined_stream_url_and_nothing_is_sent():
    subscription = SOURCE.subscription(DEFAULT_URL, ["BTCUSDT", "ETHUSDT", "BTCUSDT"])
    assert subscription.url == (
        "wss://stream.binance.com:9443/stream?streams=btcusdt@miniTicker/ethusdt@miniTicker"
    )
    assert subscription.frames == ()
    assert SOURCE.keepalive_s is None and SOURCE.keepalive_frame(["BTCUSDT"]) is None


def test_a_configured_url_keeps_its_query_and_the_channel_can_be_trades():
    trades = BinanceStream("aggTrade").subscription("ws://127.0.0.1:9/stream?x=1", ["BTCUSDT"])
    assert trades.url == "ws://127.0.0.1:9/stream?x=1&streams=btcusdt@aggTrade"
    with pytest.raises(ValueError, match="no 'kline' stream"):
        BinanceStream("kline")


@pytest.mark.parametrize(
    ("symbols", "message"),
    [
        ([], "no symbols"),
        (["btcusdt/ethusdt"], "not a Binance symbol"),
        ([f"S{n:05d}" for n in range(MAX_STREAMS + 1)], "1025 streams, 1024 at most"),
    ],
)
def test_a_subscription_binance_would_refuse_is_not_configured(symbols, message):
    with pytest.raises(NotConfigured, match=message):
        SOURCE.subscription(DEFAULT_URL, symbols)


def test_a_mini_ticker_gives_the_last_price_at_its_event_time_with_the_24h_open_and_volume():
    for frame in (json.dumps(MINI_TICKER), combined(MINI_TICKER)):
        [tick] = SOURCE.parse(frame, IDS)
        assert (tick.symbol, tick.price, tick.time) == ("bnb", 0.0025, AT)
        assert (tick.day_open, tick.day_volume, tick.volume) == (0.001, 10000, None)


@pytest.mark.parametrize("event", [TRADE, AGG_TRADE])
def test_a_trade_gives_its_price_and_quantity_at_its_trade_time(event):
    event = {**event, "E": 1672515782999}  # the event time is not the trade's
    [tick] = SOURCE.parse(combined(event, "bnbbtc@trade").encode(), IDS)
    assert (tick.symbol, tick.price, tick.volume, tick.time) == ("bnb", 0.001, 100, AT)
    assert tick.day_open is None and tick.day_volume is None


@pytest.mark.parametrize(
    "frame",
    [
        combined({**MINI_TICKER, "s": "ETHBTC"}),  # not subscribed here
        '{"result": null, "id": 1}',  # the answer to a SUBSCRIBE
        '{"e": "serverShutdown", "E": 1672515782136}',  # the close and a reconnect follow
    ],
)
def test_other_symbols_and_control_frames_give_no_tick(frame):
    assert SOURCE.parse(frame, IDS) == []


@pytest.mark.parametrize(
    "frame",
    [
        '{"error": {"code": 2, "msg": "Invalid request: unknown stream"}, "id": 1}',
        '{"code": 2, "msg": "Invalid request: unknown stream", "id": 1}',
    ],
)
def test_an_error_answer_is_a_refusal_with_binances_code_and_words(frame):
    with pytest.raises(StreamRefused) as refused:
        SOURCE.parse(frame, IDS)
    assert (refused.value.code, refused.value.reason) == ("2", "Invalid request: unknown stream")


@pytest.mark.parametrize(
    ("frame", "why"),
    [
        (b"\xff\xfe", "not a JSON frame"),
        ("", "not a JSON frame"),
        ('{"stream": "bnbbtc@miniTicker", "data": {', "not a JSON frame"),
        ("[1, 2]", "not a JSON object"),
        ('{"stream": "bnbbtc@miniTicker", "data": [1]}', "stream name and an event"),
        ('{"data": {}}', "stream name and an event"),
        (json.dumps({**MINI_TICKER, "e": "kline"}), "unknown event 'kline'"),
        (json.dumps({**MINI_TICKER, "s": None}), "no symbol"),
        (json.dumps({**MINI_TICKER, "c": "NaN"}), "c is not a number"),
        (json.dumps({**MINI_TICKER, "c": "0"}), "price"),
        (json.dumps({**MINI_TICKER, "c": 1e308 * 10}), "not a finite number"),  # Infinity
        (json.dumps({**MINI_TICKER, "E": 1672515782}), "E is not epoch milliseconds"),  # seconds
        (json.dumps({**MINI_TICKER, "E": "1672515782136.5"}), "epoch milliseconds"),
        (json.dumps({**MINI_TICKER, "v": "-1"}), "day_volume"),
        (json.dumps({**TRADE, "q": True}), "q is not a number"),
        (json.dumps({**AGG_TRADE, "T": None}), "T is not a number"),
    ],
)
def test_anything_else_is_a_bad_frame_saying_what_is_wrong(frame, why):
    with pytest.raises(BadFrame, match=why):
        SOURCE.parse(frame, IDS)
