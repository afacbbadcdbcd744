"""The Data view's Excel export: rows and columns in, the bytes of an .xlsx workbook out.

Pure (openpyxl in memory, no file). Server-side because AG Grid's own Excel export is in its
enterprise edition only. Numbers are written as numbers, to full precision (a float's shortest
round-trip form); times stay the ISO 8601 text the rows carry, so nothing is
reinterpreted in a spreadsheet's local zone.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

SHEET_TITLE_MAX = 31  # Excel's limit on a sheet's name
WIDTH_MAX = 60


def xlsx_bytes(
    rows: Sequence[Mapping[str, object]],
    columns: Sequence[tuple[str, str]],
    *,
    title: str = "Data",
) -> bytes:
    """A workbook of one sheet: a header of the columns' titles, then a line per row with
    the columns' values (key, title) in the order given."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:SHEET_TITLE_MAX] or "Data"
    sheet.append([header for _, header in columns])
    for line, row in enumerate(rows, start=2):
        for index, (key, _) in enumerate(columns, start=1):
            value = row.get(key)
            cell = sheet.cell(row=line, column=index)
            if isinstance(value, float) and math.isfinite(value):
                # openpyxl writes a float as "%.16g", which loses the 17th digit some doubles
                # need: write its shortest round-trip form (repr) as the number's text.
                cell.value = repr(value)
                cell.data_type = "n"
            else:
                cell.value = value
            if isinstance(value, str):
                # openpyxl takes text starting with "=" for a formula: a headline such as
                # "=HYPERLINK(...)" from a feed must stay text, never run in a spreadsheet.
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for index, (key, header) in enumerate(columns, start=1):
        longest = max([len(header), *(len(str(r.get(key) or "")) for r in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(WIDTH_MAX, longest + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
