"""`GET /api/latest/<dataset>.csv` (web/latest_csv.py, routed in web/endpoints.py): the same rows
as the JSON answer, every value to full precision and every time ISO, for every dataset of the
shipped configuration in the demo edition; a formula from a feed opens as text."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from providers.models import Headline, Snapshot, Status
from tests.support.demo import refreshed_demo_app
from web.latest_csv import STATE_COLUMNS, cell, guarded, snapshot_csv

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = refreshed_demo_app(tmp_path_factory.mktemp("demo"))
    return app.server.test_client(), sorted(app.server.extensions["wallboard"].settings.datasets)


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def unguarded(text: str) -> str:
    """A CSV text cell as the feed gave it (the formula guard's apostrophe taken off)."""
    return text[1:] if text.startswith("'") and text[1:2] in "=+-@\t\r" and text[1:] else text


def same(csv_value: str, json_value) -> bool:
    """Whether a CSV cell holds exactly the JSON value."""
    if json_value is None:
        return csv_value == ""
    if isinstance(json_value, bool):
        return csv_value == ("true" if json_value else "false")
    if isinstance(json_value, float):
        return float(csv_value) == json_value  # full precision: the very same double
    if isinstance(json_value, int):
        return int(csv_value) == json_value
    if isinstance(json_value, list | dict):
        return json.loads(csv_value) == json_value
    return unguarded(csv_value) == json_value


def test_every_dataset_as_csv_holds_the_json_rows_to_full_precision(client):
    http, datasets = client
    assert len(datasets) >= 10  # the shipped configuration's, every kind of record among them
    kinds = set()
    for name in datasets:
        answer = http.get(f"/api/latest/{name}.csv")
        assert answer.status_code == 200, name
        assert answer.mimetype == "text/csv"
        assert answer.headers["Content-Disposition"] == f'attachment; filename="{name}.csv"'
        body = http.get(f"/api/latest/{name}").get_json()
        lines = parse(answer.get_data(as_text=True))
        assert len(lines) == len(body["records"]) > 0, name
        for line, record in zip(lines, body["records"], strict=True):
            kinds.add(record["kind"])
            assert list(line)[: len(record)] == list(record), name
            for field, value in record.items():
                assert same(line[field], value), (name, field, line[field], value)
            for field in ("as_of", "time", "published"):
                if field in record:  # ISO 8601, and the same instant as the JSON's
                    assert datetime.fromisoformat(line[field]) == datetime.fromisoformat(
                        record[field]
                    )
            states = body["states"]
            if states:
                state = states[record.get("symbol") or record.get("tenor")]
                assert line["status"] == state["status"]
                assert line["status_source"] == (state["source"] or "")
                assert same(line["status_as_of"], state["as_of"])
                assert line["status_reason"] == (state["reason"] or "")
            else:  # judged as a whole: the dataset's own status, as the JSON says it
                assert line["status"] == body["status"]
                assert line["status_as_of"] == body["as_of"]
    assert kinds == {"quote", "curve", "bar", "headline", "event"}


def test_a_price_needing_seventeen_digits_reads_back_the_same():
    text = cell(0.1 + 0.2)
    assert float(text) == 0.1 + 0.2 and text == "0.30000000000000004"
    assert cell(None) == "" and cell(True) == "true" and cell(3) == "3"
    assert cell([1.5, 0.1 + 0.2]) == "[1.5,0.30000000000000004]"


def test_unknown_dataset_is_a_404_like_the_json_one(client):
    http, datasets = client
    for path in ("/api/latest/nope.csv", "/api/latest/.csv", "/api/latest/nope"):
        answer = http.get(path)
        assert answer.status_code == 404, path
        assert answer.get_json() == {"error": "unknown dataset", "datasets": datasets}


def test_feed_text_that_a_spreadsheet_would_run_gets_an_apostrophe():
    titles = ['=HYPERLINK("http://evil","x")', "+1 555", "-3 % on the day", "@SUM(A1)", "Calm"]
    snapshot = Snapshot(
        dataset="news",
        records=tuple(Headline(title=t, source="wire", published=WED) for t in titles),
        as_of=WED,
        source="rss",
        status=Status.OK,
    )
    lines = parse(snapshot_csv(snapshot))
    assert [line["title"] for line in lines] == [
        '\'=HYPERLINK("http://evil","x")',
        "'+1 555",
        "'-3 % on the day",
        "'@SUM(A1)",
        "Calm",
    ]
    assert guarded("\tcmd") == "'\tcmd"
    assert all(line["status"] == "ok" and line["status_source"] == "rss" for line in lines)
    assert list(lines[0])[-len(STATE_COLUMNS) :] == list(STATE_COLUMNS)


def test_an_empty_snapshot_is_a_header_only():
    assert snapshot_csv(Snapshot.pending("fx")).splitlines() == [",".join(STATE_COLUMNS)]
