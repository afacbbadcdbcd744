"""Macro calendar scene: UTC-day groups, beat/miss against consensus, empty and partial data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from dash import html

from components.scene import SceneView
from pages import calendar
from providers.base import Request
from providers.demo import DemoProvider
from providers.models import CalendarEvent, Snapshot, Status
from tests.support.pages import text_of, with_class

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)  # a Wednesday; its ISO week ends Sun 9 March


def at(day: int, hour: int = 12, minute: int = 30) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def event(when: datetime, name: str = "US CPI", **values) -> CalendarEvent:
    return CalendarEvent(time=when, country="US", name=name, **values)


def snapshot(records=(), status=Status.OK, error=None) -> Snapshot:
    return Snapshot(
        dataset="calendar",
        records=tuple(records),
        as_of=WED if records else None,
        fetched_at=WED if records else None,
        source="demo" if records else None,
        status=status,
        error=error,
    )


def view(settings, snap: Snapshot, now=WED) -> SceneView:
    board = SimpleNamespace(settings=settings)
    return SceneView(board=board, scene="calendar", snapshots={"calendar": snap}, now=now)


# --- groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "group"),
    [
        (at(5, 0, 0), "Today"),  # earlier today (UTC) is still today
        (at(5, 12, 30), "Today"),
        (at(5, 23, 59), "Today"),
        (at(6, 0, 0), "This week"),
        (at(9, 23, 59), "This week"),  # Sunday ends the ISO week
        (at(10, 0, 0), "Later"),
        (at(4, 23, 59), "Past week"),
        (at(2, 12, 30), "Past week"),
        (datetime(2025, 2, 26, 0, 0, tzinfo=UTC), "Past week"),  # seven days before today
        (datetime(2025, 2, 25, 23, 59, tzinfo=UTC), None),  # older: not shown
    ],
)
def test_group_by_utc_day(when, group):
    assert calendar.group_of(when, WED) == group


def test_on_sunday_next_week_is_later():
    sunday = datetime(2025, 3, 9, 18, 0, tzinfo=UTC)
    assert calendar.group_of(at(9, 20, 0), sunday) == "Today"
    assert calendar.group_of(at(10, 12, 30), sunday) == "Later"


def test_groups_are_in_time_order_and_the_past_newest_first():
    events = [event(at(d), name=f"E{d}") for d in (3, 4, 5, 6, 7, 12)]
    groups = calendar.grouped(events, WED)
    assert list(groups) == ["Today", "This week", "Later", "Past week"]
    names = {g: [e.name for e in items] for g, items in groups.items()}
    assert names == {
        "Today": ["E5"],
        "This week": ["E6", "E7"],
        "Later": ["E12"],
        "Past week": ["E4", "E3"],
    }


# --- beat / miss ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("3.1%", (3.1, "%")),
        ("-0.2%", (-0.2, "%")),
        ("180K", (180.0, "K")),
        ("1,234.5K", (1234.5, "K")),
        (" 4.50 % ", (4.5, "%")),
        ("12", (12.0, "")),
        ("n/a", None),
        ("", None),
        (None, None),
        ("3.1% y/y", None),
    ],
)
def test_parse_published_values(text, parsed):
    assert calendar.parse_value(text) == parsed


def test_surprise_words_and_arrows():
    assert calendar.surprise("3.3%", "3.0%") == ("▲ beat", "up")
    assert calendar.surprise("169K", "210K") == ("▼ miss", "down")
    assert calendar.surprise("4.25%", "4.25%") == ("■ in line", "flat")
    assert calendar.surprise("3.3%", None) is None
    assert calendar.surprise(None, "3.0%") is None
    assert calendar.surprise("180K", "0.2M") is None  # different units: not compared


# --- render ---------------------------------------------------------------------------------


def test_render_rows_groups_and_surprise(settings):
    events = [
        event(at(5, 12, 30), "US CPI", prior="2.7%", consensus="3.0%", actual="3.3%"),
        event(at(7, 13, 30), "US nonfarm payrolls", prior="250K", consensus="210K"),
        event(at(4, 14, 0), "US retail sales", prior="0.5%", consensus="0.3%", actual="0.1%"),
        event(at(12, 18, 0), "FOMC rate decision"),
    ]
    body = calendar.render(view(settings, snapshot(events)))
    sections = with_class(body, "wb-cal__section")
    assert [s.to_plotly_json()["props"]["data-group"] for s in sections] == [
        "Today",
        "This week",
        "Later",
        "Past week",
    ]
    today, week, later, past = (text_of(s) for s in sections)
    assert "Time (UTC)" in today
    assert "12:30 US US CPI 2.7% 3.0% 3.3% ▲ beat" in today
    assert "Fri 07 Mar 13:30 US US nonfarm payrolls 250K 210K —" in week
    assert "Wed 12 Mar 18:00 US FOMC rate decision — — —" in later
    assert "Tue 04 Mar 14:00 US US retail sales 0.5% 0.3% 0.1% ▼ miss" in past
    beat = with_class(body, "wb-cal__surprise")
    assert [(b.children, b.className) for b in beat] == [
        ("▲ beat", "wb-cal__surprise wb-up"),
        ("▼ miss", "wb-cal__surprise wb-down"),
    ]
    past_rows = with_class(body, "wb-cal__row--past")
    assert len(past_rows) == 2  # today's 12:30 release and Tuesday's
    text = text_of(body)
    assert "Times in UTC; days are UTC days as of Wed 05 Mar 2025 15:00 UTC." in text
    assert "Nothing in view for: US GDP" in text


def test_render_demo_week_shows_every_release(settings):
    ds = settings.datasets["calendar"]
    request = Request("calendar", ds.kind, tuple(ds.instruments), WED, ds.market)
    records = DemoProvider(settings).load(request).records
    body = calendar.render(view(settings, snapshot(records)))
    text = text_of(body)
    for instrument in ds.instruments:
        assert instrument.name in text
    rows = with_class(body, "wb-cal__row")
    assert len(rows) == len(records) == 2 * len(ds.instruments)
    released = [e for e in records if e.actual is not None]
    assert released and all(e.time <= WED for e in released)
    words = [s.children for s in with_class(body, "wb-cal__surprise")]
    assert len(words) == len(released)
    assert set(words) <= {"▲ beat", "▼ miss", "■ in line"}


def test_render_error_without_records_says_no_data_and_why(settings):
    snap = snapshot(status=Status.ERROR, error="fred: HTTP 503; schedule: nothing in window")
    body = calendar.render(view(settings, snap))
    text = text_of(body)
    assert "Macro calendar: no data" in text
    assert "fred: HTTP 503; schedule: nothing in window" in text
    assert "Tracked: US CPI · US nonfarm payrolls · US GDP · US retail sales" in text
    assert not with_class(body, "wb-cal__table")


def test_render_stale_keeps_rows_and_shows_the_reason(settings):
    snap = snapshot([event(at(6), consensus="3.0%")], status=Status.STALE, error="fred: timed out")
    body = calendar.render(view(settings, snap))
    text = text_of(body)
    assert "fred: timed out" in text and "Thu 06 Mar 12:30 US US CPI — 3.0% —" in text
    scene = with_class(body, "wb-cal__scene")[0]
    assert scene.to_plotly_json()["props"]["data-status"] == "stale"


def test_render_with_everything_too_old(settings):
    body = calendar.render(view(settings, snapshot([event(at(1) - timedelta(days=30))])))
    assert "No releases in the past week or ahead." in text_of(body)
    assert isinstance(body[0], html.Div)
