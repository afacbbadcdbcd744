"""Number formatting: asset-class decimals, arrows as well as colour, ages."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from components.format import (
    arrow,
    direction,
    format_age,
    format_bp,
    format_change,
    format_number,
    format_pct,
    format_price,
    format_significant,
    format_wall_date,
    signed,
)
from config.schema import Instrument

INDEX = Instrument(id="ftse", name="FTSE 100")
FX = Instrument(id="eurusd", name="EUR/USD")
JPY = Instrument(id="usdjpy", name="USD/JPY")
RATE = Instrument(id="effr", name="Fed funds", unit="%")
VIX = Instrument(id="vix", name="VIX", unit="pts")


@pytest.mark.parametrize(
    ("price", "instrument", "expected"),
    [
        (8427.9061, INDEX, "8,427.91"),
        (1.08423, FX, "1.0842"),
        (151.2049, JPY, "151.205"),
        (4.5834, RATE, "4.58%"),
        (9.8, VIX, "9.80"),  # index points: as many decimals below 10 as above
        (19.8, VIX, "19.80"),
    ],
)
def test_price_decimals_by_asset_class(price, instrument, expected):
    assert format_price(price, instrument) == expected


def test_change_uses_the_price_decimals_and_an_arrow():
    assert format_change(3.6061, 0.0428, 8427.91, INDEX) == "▲ +3.61 (+0.04%)"
    assert format_change(-0.00123, -0.11, 1.0842, FX) == "▼ -0.0012 (-0.11%)"
    assert format_change(0.0, 0.0, 1.0842, FX) == "■ 0.0000 (0.00%)"
    assert format_change(-0.25, None, 4.33, RATE) == "▼ -25 bp"
    assert format_change(None, None, 1.0, FX) == "—"


def test_direction():
    assert [direction(1), direction(-1), direction(0), direction(None)] == [
        "up",
        "down",
        "flat",
        "flat",
    ]


AGE_CASES = json.loads((Path(__file__).parent / "age_cases.json").read_text())["cases"]


@pytest.mark.parametrize(("seconds", "expected"), AGE_CASES, ids=[repr(c[0]) for c in AGE_CASES])
def test_age_follows_the_table_the_browser_follows(seconds, expected):
    """The same table drives the browser's counter (tests/assets/test_wallboard_js.py)."""
    assert format_age(seconds) == expected


def test_the_age_table_covers_every_unit_boundary_and_skew():
    seconds = {case[0] for case in AGE_CASES}
    boundaries = {0, 59, 60, 119, 150, 3599, 3600, 9000, 86399, 86400}
    assert boundaries <= seconds
    assert any(s is not None and s < 0 for s in seconds)  # clock skew
    assert any(s is not None and s >= 2 * 86400 for s in seconds)  # several days


def test_a_counting_age_never_steps_back_nor_reads_more_than_has_passed():
    """Second by second over two days, the text never goes back (e.g. '89 s' then '1 min'),
    and the number shown, in its unit, never exceeds the time elapsed."""
    units = {"s": 1, "min": 60, "h": 3600, "d": 86400}
    last = 0
    for second in range(0, 2 * 86400 + 1):
        number, unit = format_age(second).split()
        shown = int(number) * units[unit]
        assert shown <= second < shown + units[unit], (second, format_age(second))
        assert shown >= last, (second, format_age(second))
        last = shown


def test_curve_table_shows_each_date_and_the_spreads():
    from datetime import UTC, datetime

    from components.tiles import curve_table
    from config.schema import Dataset
    from providers.models import CurvePoint, Snapshot, Status

    dataset = Dataset(
        title="Curve",
        kind="curve",
        instruments=[Instrument(id=t, name=t) for t in ("3M", "2Y", "10Y")],
    )

    def point(tenor, years, value, day):
        return CurvePoint(
            tenor=tenor, years=years, yield_pct=value, as_of=datetime(2024, 10, day, tzinfo=UTC)
        )

    records = (
        point("3M", 0.25, 4.62, 10),
        point("2Y", 2, 3.98, 10),
        point("10Y", 10, 4.07, 10),
        point("10Y", 10, 3.85, 3),
    )
    snapshot = Snapshot(dataset="rates", records=records, status=Status.OK)
    table, spreads = curve_table(dataset, snapshot).children
    head = [th.children for th in table.children[1].children.children]
    assert head == ["Tenor", "10 Oct 2024", "03 Oct 2024"]
    ten_year = [td.children for td in table.children[2].children[2].children]
    assert ten_year == ["10Y", "4.070%", "3.850%"]
    assert spreads.children == "2s10s +9.0 bp · 3m10y -55.0 bp"


def test_a_rate_change_that_rounds_to_zero_bp_is_flat():
    assert format_change(0.002, None, 4.58, RATE) == "■ 0 bp"
    assert format_change(-0.004, None, 4.58, RATE) == "■ 0 bp"
    assert format_change(0.006, None, 4.58, RATE) == "▲ +1 bp"


# --- one format for %, bp, levels and signs ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "sign", "expected"),
    [
        (4.6, 2, False, "4.60%"),
        (4.24, 2, False, "4.24%"),
        (100, 0, False, "100%"),
        (0.21, 2, True, "+0.21%"),
        (-1.5, 2, True, "-1.50%"),
        (-0.004, 2, True, "0.00%"),  # never '-0.00%'
        (0.004, 2, True, "0.00%"),  # nor '+0.00%'
        (-0.004, 2, False, "0.00%"),
        (None, 2, True, "—"),
    ],
)
def test_a_percentage_is_written_one_way(value, decimals, sign, expected):
    assert format_pct(value, decimals, sign=sign) == expected
    assert " %" not in expected


def test_a_move_that_rounds_to_zero_is_zero_in_sign_arrow_and_direction():
    """The tape's old '▼ (-0.00%)' for a -0.04 index move: everything follows what is shown."""
    assert format_change(-0.04, -0.0007, 5950.0, INDEX) == "▼ -0.04 (0.00%)"
    assert format_change(-0.001, -0.00001, 5950.0, INDEX) == "■ 0.00 (0.00%)"
    assert (signed(-0.004), arrow(-0.004), direction(-0.004, 2)) == ("0.00", "■", "flat")
    assert (signed(-0.006), arrow(-0.006), direction(-0.006, 2)) == ("-0.01", "▼", "down")
    assert format_bp(-0.4) == "0 bp" and format_bp(12.4) == "+12 bp" and format_bp(None) == "—"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (15.4, 2, "15.40"),
        (89_912.4, 0, "89,912"),
        (-0.004, 2, "0.00"),
        (1.3667, 2, "1.37"),
        (None, 2, "—"),
    ],
)
def test_a_plain_number(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_significant_figures_for_rates_across_magnitudes():
    assert format_significant(1 / 165.0) == "0.0060606"
    assert format_significant(165.0234) == "165.02"
    assert format_significant(1.1) == "1.1"
    assert format_significant(0.0) == "0" and format_significant(-0.0) == "0"
    assert format_significant(None) == "—"


DATE_CASES = json.loads((Path(__file__).parent / "date_cases.json").read_text())["cases"]


@pytest.mark.parametrize(
    ("instant", "tz", "expected"), DATE_CASES, ids=[f"{c[0]} {c[1]}" for c in DATE_CASES]
)
def test_the_wall_date_follows_the_table_the_browser_follows(instant, tz, expected):
    """The same table drives the header's date in the browser (tests/assets/*dates*.cjs)."""
    assert format_wall_date(datetime.fromisoformat(instant), tz) == expected


def test_the_date_table_turns_at_each_zone_s_midnight():
    """Every zone in the table has a case on each side of one local midnight, and the table
    covers a clock change, a leap day, a year's end and September (ICU's 'Sept')."""
    zones = {tz for _, tz, _ in DATE_CASES}
    turning = set()
    for instant, tz, expected in DATE_CASES:
        after = datetime.fromisoformat(instant) + timedelta(seconds=1)
        if format_wall_date(after, tz) != expected:
            turning.add(tz)
    assert {"UTC", "Asia/Tokyo", "America/New_York", "Europe/London"} <= turning
    assert len(zones) >= 8
    texts = " ".join(expected for _, _, expected in DATE_CASES)
    assert "29 Feb" in texts and "01 Jan" in texts and " Sep " in texts
