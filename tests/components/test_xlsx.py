"""The Data view's Excel writer (components/xlsx.py), read back with openpyxl."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from components.xlsx import xlsx_bytes

COLUMNS = [("instrument", "Instrument"), ("value", "Value"), ("as_of_utc", "As of (UTC)")]


def read(body: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


def test_rows_read_back_with_every_value_to_full_precision():
    rows = [
        # 0.1 + 0.2 needs all 17 significant digits to read back as the same double.
        {"instrument": "S&P 500", "value": 0.1 + 0.2, "as_of_utc": "2025-03-05T15:00:00+00:00"},
        {"instrument": "Tiny", "value": 1.2345678901234567e-300, "as_of_utc": None},
        {"instrument": "Whole", "value": 5, "as_of_utc": "2025-03-05T16:00:00+00:00"},
        {"instrument": None, "value": None, "as_of_utc": None},  # an empty line keeps its place
        {"instrument": "Last", "value": -2.5, "as_of_utc": None},
    ]
    assert read(xlsx_bytes(rows, COLUMNS)) == [
        ("Instrument", "Value", "As of (UTC)"),
        ("S&P 500", 0.30000000000000004, "2025-03-05T15:00:00+00:00"),
        ("Tiny", 1.2345678901234567e-300, None),
        ("Whole", 5, "2025-03-05T16:00:00+00:00"),
        (None, None, None),
        ("Last", -2.5, None),
    ]


def test_only_the_columns_given_in_their_order_and_keys_not_asked_for_are_left_out():
    rows = [{"value": 1.5, "instrument": "A", "secret": "x"}]
    columns = [("value", "Value"), ("instrument", "Instrument")]
    assert read(xlsx_bytes(rows, columns)) == [("Value", "Instrument"), (1.5, "A")]


def test_feed_text_that_looks_like_a_formula_stays_text():
    rows = [{"instrument": '=HYPERLINK("http://evil","x")', "value": 1.0, "as_of_utc": "@SUM(A1)"}]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(rows, COLUMNS))).active
    assert sheet["A2"].value == '=HYPERLINK("http://evil","x")'
    assert sheet["A2"].data_type == "s" and sheet["C2"].data_type == "s"
    assert sheet["B2"].data_type == "n"


def test_an_empty_grid_is_a_header_and_the_sheet_is_named():
    book = load_workbook(io.BytesIO(xlsx_bytes([], COLUMNS, title="overview data")))
    assert book.active.title == "overview data"
    assert list(book.active.iter_rows(values_only=True)) == [("Instrument", "Value", "As of (UTC)")]
