"""What every stream source shares: the registry agrees with the config's stream names, the
configured URL wins over the public one, the frame helpers, and the promise every parser keeps:
whatever arrives (truncated, flipped, random, odd values in every field), it gives ticks or
raises BadFrame (or StreamRefused for a refusal), never anything else."""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from yfinance.live import BaseWebSocket
from yfinance.pricing_pb2 import PricingData

from config.schema import STREAMS, URL_STREAMS
from providers.errors import ProviderError
from providers.models import Tick
from providers.streams.base import (
    REGISTRY,
    BadFrame,
    StreamRefused,
    StreamSource,
    build_source,
    epoch_ms,
    json_frame,
    number,
    shown,
    stream_url,
)
from providers.streams.yahoo import ticks_from_pricing
from tests.providers.streams import test_binance, test_okx, test_yahoo

WS = "ws://127.0.0.1:8765/relay"


def test_every_url_stream_the_config_knows_has_a_source_and_no_other():
    assert set(REGISTRY) == set(URL_STREAMS) <= set(STREAMS)
    for name in REGISTRY:
        source = build_source(name)
        assert isinstance(source, StreamSource)
        assert source.name == name and source.default_url.startswith("wss://")


def test_a_configured_stream_url_wins_over_the_public_one(make_settings):
    settings = make_settings(providers={"okx": {"stream_url": WS}})
    assert stream_url(settings, build_source("okx")) == WS
    assert stream_url(settings, build_source("binance")) == "wss://stream.binance.com:9443/stream"


def test_refusals_and_bad_frames_are_provider_errors_the_connection_can_tell_apart():
    refused = StreamRefused("okx", "60012", "Invalid request")
    assert isinstance(refused, ProviderError) and not isinstance(refused, BadFrame)
    assert (refused.source, refused.code, refused.reason) == ("okx", "60012", "Invalid request")
    assert issubclass(BadFrame, ProviderError)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("60719.27000000", 60719.27), ("1e3", 1000.0), (7, 7.0), ("-0.5", -0.5), (2.5, 2.5)],
)
def test_numbers_come_as_decimal_strings_or_json_numbers(value, expected):
    assert number(value, "x") == expected


@pytest.mark.parametrize(
    "value",
    [None, True, "", " 1", "1_000", "nan", "Infinity", "0x10", "\uff11", [1], {}, 10**400],
)
def test_anything_else_is_not_a_number(value):
    with pytest.raises(BadFrame, match="x is not a"):
        number(value, "x")


def test_times_are_whole_epoch_milliseconds():
    at = datetime(2024, 6, 7, 14, 0, tzinfo=UTC)
    assert epoch_ms(1717768800000, "t") == at == epoch_ms("1717768800000", "t")
    for value in (1717768800, 1717768800000000, "1717768800000.5", 0, -1717768800000):
        with pytest.raises(BadFrame, match="t is not epoch milliseconds"):
            epoch_ms(value, "t")


def test_a_bad_value_is_repeated_short_and_never_expanded():
    assert shown("x" * 1000) == "'" + "x" * 36 + "..."
    assert shown([[1, 2]] * 10_000) == "<list>"
    assert shown(None) == "None"


def test_a_frame_nested_past_the_recursion_limit_is_a_bad_frame():
    with pytest.raises(BadFrame):
        json_frame("[" * 100_000 + "]" * 100_000, "x")


# ---- every parser, on anything -----------------------------------------------------------

ODD = [
    None,
    True,
    0,
    -1,
    1.5,
    10**30,
    10**400,
    "",
    "x",
    "NaN",
    "1e999",
    "-0",
    "\uff11\uff12",  # full-width digits
    "9" * 500,
    [],
    {},
    [1, "2"],
    {"a": {"b": None}},
    json.loads("[" * 50 + "]" * 50),
]


def seeds() -> dict[str, list[str]]:
    """The documented frames of each source, the starting points of the fuzzing."""
    binance = [test_binance.MINI_TICKER, test_binance.TRADE, test_binance.AGG_TRADE]
    okx_push = {"arg": test_okx.ARG, "data": [test_okx.TICKER]}
    okx_error = {"event": "error", "code": "60012", "msg": "Invalid request", "connId": "a"}
    return {
        "binance": [json.dumps(e) for e in binance]
        + [test_binance.combined(e) for e in binance]
        + ['{"result": null, "id": 1}'],
        "okx": [json.dumps(okx_push), json.dumps(okx_error), "pong"],
        "yahoo": [test_yahoo.wire(test_yahoo.pricing())],
    }


IDS = {**test_binance.IDS, **test_okx.IDS, **test_yahoo.IDS}


def odd_values(payload: object) -> Iterator[object]:
    """The payload with each of its values (at any depth) replaced by each odd value in turn,
    and with each key dropped."""
    if isinstance(payload, dict):
        for key in payload:
            for odd in ODD:
                yield {**payload, key: odd}
            yield {k: v for k, v in payload.items() if k != key}
            for inner in odd_values(payload[key]):
                yield {**payload, key: inner}
    elif isinstance(payload, list):
        for index, item in enumerate(payload):
            for inner in [*ODD, *odd_values(item)]:
                changed = copy.copy(payload)
                changed[index] = inner
                yield changed


def random_json(rng: random.Random, depth: int = 0) -> object:
    choice = rng.randrange(8 if depth < 4 else 5)
    if choice < 5:
        return rng.choice(ODD[:14])
    if choice == 5:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["e", "s", "c", "E", "p", "T", "stream", "data", "event", "arg", "message", "id"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def yahoo_frames(rng: random.Random) -> Iterator[str]:
    """PricingData with odd field values, and random or truncated protobuf, on the wire."""
    real = test_yahoo.pricing().SerializeToString()
    for cut in range(len(real)):
        yield test_yahoo.wire(real[:cut])
    for _ in range(300):
        yield test_yahoo.wire(bytes(rng.randrange(256) for _ in range(rng.randrange(40))))
        yield test_yahoo.wire(
            PricingData(
                id=rng.choice(["^GSPC", "", "BTC-USD", "é"]),
                price=rng.choice([5950.25, 0.0, -1.0, math.nan, math.inf, 3.4e38, 1e-45]),
                time=rng.choice([0, 1, -1, test_yahoo.AT_MS, 2**62, -(2**62)]),
                market_hours=rng.choice([0, 1, 2, 3, 99, -7]),
                change_percent=rng.choice([0.0, math.nan, -math.inf, 12.5]),
                day_volume=rng.choice([0, -1, 2**62]),
            )
        )


def frames(source: str) -> Iterator[str | bytes]:
    rng = random.Random(f"fuzz-{source}")
    for seed in seeds()[source]:
        raw = seed.encode()
        for cut in range(len(raw)):
            yield raw[:cut]
            yield seed[:cut]
        for _ in range(200):
            flipped = bytearray(raw)
            for _ in range(rng.randrange(1, 4)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            yield bytes(flipped)
        if seed.startswith("{"):
            yield from (json.dumps(changed) for changed in odd_values(json.loads(seed)))
    for _ in range(300):
        yield bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        yield json.dumps(random_json(rng))
    if source == "yahoo":
        yield from yahoo_frames(rng)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_whatever_arrives_a_parser_gives_ticks_or_a_bad_frame_and_nothing_else(name):
    source = build_source(name)
    outcomes = {"ticks": 0, "none": 0, "bad": 0}
    for frame in frames(name):
        try:
            ticks = source.parse(frame, IDS)
        except (BadFrame, StreamRefused):
            outcomes["bad"] += 1
            continue
        assert isinstance(ticks, list) and all(isinstance(t, Tick) for t in ticks), frame
        outcomes["ticks" if ticks else "none"] += 1
    assert min(outcomes.values()) > 0, outcomes  # the fuzzing reached every outcome


def test_yahoo_frames_give_the_same_through_yfinances_listener_as_off_the_wire():
    # yfinance's listener gets a dict, or {"error": ...} for a frame it could not decode.
    source, listener = build_source("yahoo"), BaseWebSocket(verbose=False)
    for frame in yahoo_frames(random.Random("listener")):
        handed = listener._decode_message(json.loads(frame)["message"])
        assert outcome(ticks_from_pricing, handed) == outcome(source.parse, frame), frame


def outcome(read: Callable[[Any, dict[str, str]], list[Tick]], given: Any) -> list[Tick] | str:
    """The ticks read from `given`, or "bad" for a BadFrame."""
    try:
        return read(given, IDS)
    except BadFrame:
        return "bad"
