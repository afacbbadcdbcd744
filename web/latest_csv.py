"""`/api/latest/<dataset>.csv`: a dataset's snapshot as CSV, the same rows as the JSON.

Pure: an assessed snapshot (Board.snapshot) in, CSV text out. One line per record, every field
of the record as the JSON answer has it: numbers to full precision (a float's shortest
round-trip form, never rounded), times as ISO 8601 in UTC, a list or object field (a quote's
sparkline) as its JSON text. Then the state the JSON carries for the record's instrument in
`states` (status, source, as-of, reason); a headline or event dataset is judged as a whole
(engine.freshness), so its lines carry the dataset's own status, source, as-of and reason.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from providers.models import AnyRecord, Snapshot, instrument_id

STATE_COLUMNS = ("status", "status_source", "status_as_of", "status_reason")
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): a text
# field from a feed (a headline "=HYPERLINK(...)") gets a leading apostrophe, as OWASP advises,
# so it opens as text. Numbers are written as numbers and never start with a quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guarded(text: str) -> str:
    """Text that a spreadsheet will not run as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def cell(value: Any) -> Any:
    """A JSON value (as the JSON answer has it) as a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same double
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return guarded(str(value))


def _state(snapshot: Snapshot, record: AnyRecord) -> list[Any]:
    """The state the JSON gives the record's instrument, or its dataset's as a whole."""
    if snapshot.states:
        state = snapshot.states.get(instrument_id(record) or "")
        if state is None:
            return [None] * len(STATE_COLUMNS)
        shown = state.model_dump(mode="json")
        return [shown["status"], shown["source"], shown["as_of"], shown["reason"]]
    whole = snapshot.model_dump(mode="json", include={"status", "source", "as_of", "error"})
    return [whole["status"], whole["source"], whole["as_of"], whole["error"]]


def snapshot_csv(snapshot: Snapshot) -> str:
    """The snapshot's records as CSV: a header, then a line per record (see the module)."""
    records = [(r, r.model_dump(mode="json")) for r in snapshot.records]
    fields: dict[str, None] = {}
    for _, dumped in records:
        fields.update(dict.fromkeys(dumped))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*fields, *STATE_COLUMNS])
    for record, dumped in records:
        values = [dumped.get(name) for name in fields] + _state(snapshot, record)
        writer.writerow([cell(v) for v in values])
    return out.getvalue()
