"""Number formatting: asset-class decimals, arrows as well as colour, ages."""

from __future__ import annotations

import pytest

from components.format import direction, format_age, format_change, format_price
from config.schema import Instrument

INDEX = Instrument(id="ftse", name="FTSE 100")
FX = Instrument(id="eurusd", name="EUR/USD")
JPY = Instrument(id="usdjpy", name="USD/JPY")
RATE = Instrument(id="effr", name="Fed funds", unit="%")


@pytest.mark.parametrize(
    ("price", "instrument", "expected"),
    [
        (8427.9061, INDEX, "8,427.91"),
        (1.08423, FX, "1.0842"),
        (151.2049, JPY, "151.205"),
        (4.5834, RATE, "4.58%"),
    ],
)
def test_price_decimals_by_asset_class(price, instrument, expected):
    assert format_price(price, instrument) == expected


def test_change_uses_the_price_decimals_and_an_arrow():
    assert format_change(3.6061, 0.0428, 8427.91, INDEX) == "▲ +3.61 (+0.04%)"
    assert format_change(-0.00123, -0.11, 1.0842, FX) == "▼ -0.0012 (-0.11%)"
    assert format_change(0.0, 0.0, 1.0842, FX) == "■ +0.0000 (+0.00%)"
    assert format_change(-0.25, None, 4.33, RATE) == "▼ -25 bp"
    assert format_change(None, None, 1.0, FX) == "—"


def test_direction_and_age():
    assert [direction(1), direction(-1), direction(0), direction(None)] == [
        "up",
        "down",
        "flat",
        "flat",
    ]
    assert [
        format_age(None),
        format_age(8),
        format_age(300),
        format_age(7200),
        format_age(3 * 86400),
    ] == ["no data", "8 s", "5 min", "2 h", "3 d"]
