"""OKX's tickers channel: the subscribe request and text keepalive, the documented push read
into ticks, the acknowledgement, notice and pong frames giving nothing, an error event as a
refusal, and anything else as a BadFrame."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from providers.errors import NotConfigured
from providers.streams.base import BadFrame, StreamRefused
from providers.streams.okx import ARGS_PER_FRAME, DEFAULT_URL, OkxStream

# The push example of OKX's API v5 documentation (WebSocket tickers channel).
TICKER = {
    "instType": "SPOT",
    "instId": "BTC-USDT",
    "last": "9999.99",
    "lastSz": "0.1",
    "askPx": "9999.99",
    "askSz": "11",
    "bidPx": "8888.88",
    "bidSz": "5",
    "open24h": "9000",
    "high24h": "10000",
    "low24h": "8888.88",
    "volCcy24h": "2222",
    "vol24h": "2222",
    "sodUtc0": "2222",
    "sodUtc8": "2222",
    "ts": "1597026383085",
}
ARG = {"channel": "tickers", "instId": "BTC-USDT"}
IDS = {"BTC-USDT": "btc"}
AT = datetime(2020, 8, 10, 2, 26, 23, 85000, tzinfo=UTC)  # 1597026383085 ms
SOURCE = OkxStream()


def push(*items: dict, arg: dict = ARG) -> str:
    return json.dumps({"arg": arg, "data": list(items)})


def test_the_subscribe_request_names_each_instrument_on_the_tickers_channel():
    subscription = SOURCE.subscription(DEFAULT_URL, ["BTC-USDT", "ETH-USDT", "BTC-USDT"])
    assert subscription.url == "wss://ws.okx.com:8443/ws/v5/public"
    assert [json.loads(frame) for frame in subscription.frames] == [
        {
            "op": "subscribe",
            "args": [
                {"channel": "tickers", "instId": "BTC-USDT"},
                {"channel": "tickers", "instId": "ETH-USDT"},
            ],
        }
    ]


def test_many_instruments_are_split_over_requests_under_okxs_size_cap():
    symbols = [f"C{n}-USDT" for n in range(ARGS_PER_FRAME + 1)]
    frames = SOURCE.subscription(DEFAULT_URL, symbols).frames
    assert [len(json.loads(f)["args"]) for f in frames] == [ARGS_PER_FRAME, 1]
    assert max(len(f) for f in frames) < 64 * 1024


@pytest.mark.parametrize(("symbols", "message"), [([], "no symbols"), (["btc_usdt"], "not an OKX")])
def test_a_subscription_okx_would_refuse_is_not_configured(symbols, message):
    with pytest.raises(NotConfigured, match=message):
        SOURCE.subscription(DEFAULT_URL, symbols)


def test_the_keepalive_is_a_text_ping_inside_okxs_30_s_idle_close():
    assert SOURCE.keepalive_frame(["BTC-USDT"]) == "ping"
    assert 0 < SOURCE.keepalive_s < 30


def test_a_ticker_push_gives_the_last_trade_at_its_time_with_the_24h_open_and_volume():
    [tick] = SOURCE.parse(push(TICKER), IDS)
    assert (tick.symbol, tick.price, tick.time, tick.volume) == ("btc", 9999.99, AT, 0.1)
    assert (tick.day_open, tick.day_volume) == (9000, 2222)


def test_a_push_of_several_instruments_gives_the_subscribed_ones_in_order():
    eth = {**TICKER, "instId": "ETH-USDT", "last": "3000.5"}
    doge = {**TICKER, "instId": "DOGE-USDT", "last": "0.1"}
    ticks = SOURCE.parse(push(eth, doge, TICKER).encode(), {**IDS, "ETH-USDT": "eth"})
    assert [(t.symbol, t.price) for t in ticks] == [("eth", 3000.5), ("btc", 9999.99)]


def test_fields_okx_leaves_empty_are_not_given():
    [tick] = SOURCE.parse(push({**TICKER, "lastSz": "", "open24h": ""}), IDS)
    assert (tick.volume, tick.day_open, tick.day_volume) == (None, None, 2222)


@pytest.mark.parametrize(
    "frame",
    [
        "pong",
        b"pong",
        json.dumps({"event": "subscribe", "arg": ARG, "connId": "a4d3ae55"}),
        json.dumps({"event": "unsubscribe", "arg": ARG, "connId": "a4d3ae55"}),
        json.dumps(
            {
                "event": "notice",
                "code": "64008",
                "msg": "The connection will soon be closed for a service upgrade.",
                "connId": "a4d3ae55",
            }
        ),
        push({**TICKER, "instId": "LTC-USDT"}),
        push(),
    ],
)
def test_pong_events_and_other_instruments_give_no_tick(frame):
    assert SOURCE.parse(frame, IDS) == []


def test_an_error_event_is_a_refusal_with_okxs_code_and_words():
    frame = {"event": "error", "code": "60012", "msg": "Invalid request", "connId": "a4d3ae55"}
    with pytest.raises(StreamRefused) as refused:
        SOURCE.parse(json.dumps(frame), IDS)
    assert (refused.value.code, refused.value.reason) == ("60012", "Invalid request")
    assert "okx refused the subscription: 60012 Invalid request" in str(refused.value)


@pytest.mark.parametrize(
    ("frame", "why"),
    [
        ("ping", "not a JSON frame"),  # the client's word, never the server's
        (b"\x80", "not a JSON frame"),
        ("null", "not a JSON object"),
        (json.dumps({"event": 7}), "an event named 7"),
        (json.dumps({"arg": ARG}), "an arg and a data list"),
        (json.dumps({"arg": ARG, "data": {"instId": "BTC-USDT"}}), "an arg and a data list"),
        (push(TICKER, arg={"channel": "trades", "instId": "BTC-USDT"}), "channel 'trades'"),
        (push("BTC-USDT"), "without an instId"),
        (push({**TICKER, "instId": 1}), "without an instId"),
        (push({**TICKER, "last": ""}), "last is not a number"),
        (push({**TICKER, "last": "-1"}), "price"),
        (push({**TICKER, "ts": "2020-08-10T02:26:23Z"}), "ts is not a number"),
        (push({**TICKER, "ts": "0"}), "ts is not epoch milliseconds"),
        (push({**TICKER, "lastSz": "-0.1"}), "volume"),
        (push({**TICKER, "open24h": "inf"}), "open24h is not a number"),
    ],
)
def test_anything_else_is_a_bad_frame_saying_what_is_wrong(frame, why):
    with pytest.raises(BadFrame, match=why):
        SOURCE.parse(frame, IDS)
