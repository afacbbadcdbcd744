"""The shared daily-history CSV reader, on a made-up minimal format: what every source gets.

The sources' own formats (Stooq's header in two languages, CBOE's MM/DD/YYYY dates) are tested
on their recordings in test_stooq.py and test_cboe.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from providers.daily_csv import number, read_daily_csv
from providers.errors import BadPayload, EmptyResult

HEAD = "date,open,high,low,close,volume"
ROWS = "2026-07-01,10,11,9,10.5,100\n2026-07-02,10.5,12,10,11.5,0\n"


def columns(header: list[str], text: str, named: str) -> dict[str, int]:
    """This test's format: any header starting with `date`; other headers are not a CSV."""
    if header[0] != "date":
        raise BadPayload(f"{named}: not a test CSV")
    return {name: i for i, name in enumerate(header)}


def read(content: bytes | str, **kwargs):
    kwargs = {"symbol": "spx", "named": "^SPX", "limit": None} | kwargs
    return read_daily_csv(
        content, columns=columns, parse_date=date.fromisoformat, date_words="a date", **kwargs
    )


def test_bars_are_the_rows_at_midnight_utc_under_the_instrument_id():
    first, second = read(f"{HEAD}\n{ROWS}")
    assert first.time == datetime(2026, 7, 1, tzinfo=UTC)
    assert (first.symbol, first.open, first.high, first.low, first.close) == (
        "spx",
        10,
        11,
        9,
        10.5,
    )
    assert (first.volume, second.volume) == (100, 0)  # a volume of 0 is a volume


def test_a_byte_order_mark_and_blank_lines_are_not_data():
    text = f"\ufeff{HEAD}\r\n\r\n{ROWS}\n\n"
    assert len(read(text)) == len(read(text.encode("utf-8"))) == 2


def test_an_empty_volume_cell_or_no_volume_column_is_unknown():
    assert read("date,open,high,low,close,volume\n2026-07-01,1,1,1,1,\n")[0].volume is None
    assert read("date,open,high,low,close\n2026-07-01,1,1,1,1\n")[0].volume is None


def test_only_the_last_rows_are_read():
    text = f"{HEAD}\n1871-01-01,x,1,1,1,1\n{ROWS}"  # a bad row before the window
    assert [b.close for b in read(text, limit=2)] == [10.5, 11.5]
    with pytest.raises(BadPayload, match="1871-01-01: open 'x' is not a number"):
        read(text)


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (b"", BadPayload, "empty answer"),
        (b"\n \r\n", BadPayload, "empty answer"),
        (b"\xff\xfe\x00d", BadPayload, "answer is not text"),
        (b"<html>busy</html>\n", BadPayload, "not a test CSV"),  # the source's own words
        (f"{HEAD}\n".encode(), EmptyResult, "CSV has no rows"),
        (
            f"{HEAD}\n2026-07-01,1,1,1,1\n".encode(),
            BadPayload,
            "2026-07-01: 5 fields, header has 6",
        ),
        (f"{HEAD}\n07/01/2026,1,1,1,1,1\n".encode(), BadPayload, "'07/01/2026' is not a date"),
        (f"{HEAD}\n2026-07-01,1,1,0,1,1\n".encode(), BadPayload, "2026-07-01: low 0 is out of"),
        (f"{HEAD}\n2026-07-01,1,1,1,nan,1\n".encode(), BadPayload, "close nan is out of range"),
        (f"{HEAD}\n2026-07-01,1,1,1,1,-1\n".encode(), BadPayload, "volume -1 is out of range"),
        (f"{HEAD}\n{ROWS}2026-07-02,1,1,1,1,1\n".encode(), BadPayload, "not strictly increasing"),
    ],
)
def test_what_is_not_a_daily_history_names_the_vendor_symbol(body, error, words):
    with pytest.raises(error, match=rf"^\^SPX: .*{words}"):
        read(body)


@pytest.mark.parametrize(
    ("text", "zero_ok", "expected"),
    [("1.5", False, 1.5), ("0", True, 0.0), ("1e3", False, 1000.0)],
)
def test_number(text, zero_ok, expected):
    assert number(text, "^SPX", "2026-07-01", "close", zero_ok=zero_ok) == expected


@pytest.mark.parametrize(
    ("text", "words"), [("0", "0 is out of range"), ("-inf", "-inf is out of range")]
)
def test_a_price_is_above_zero(text, words):
    with pytest.raises(BadPayload, match=f"^X: 2026-07-01: close {words}"):
        number(text, "X", "2026-07-01", "close")
