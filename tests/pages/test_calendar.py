"""Macro calendar scene: day groups and times in the wall's time zone (UTC on hover), actuals
stated above / below / in line with consensus, empty and partial data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from dash import html

from components.scene import SceneView
from pages import calendar
from providers.base import Request
from providers.demo import DemoProvider
from providers.models import CalendarEvent, Snapshot, Status
from tests.support.pages import text_of, with_class
from tests.support.paths import ROOT

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


def view(settings, snap: Snapshot, now=WED, wall_tz: str | None = None) -> SceneView:
    if wall_tz is not None:
        settings = settings.model_copy(update={"wall_tz": wall_tz})
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


TOKYO, NEW_YORK = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("when", "tz", "group"),
    [
        # 15:00 UTC Wednesday is 00:00 Thursday in Tokyo: Wednesday's releases are past there.
        (at(5, 14, 59), TOKYO, "Past week"),
        (at(5, 15, 0), TOKYO, "Today"),
        (at(6, 14, 59), TOKYO, "Today"),
        (at(6, 15, 0), TOKYO, "This week"),
        # 10:00 Wednesday in New York: 04:59 UTC Thursday is still Wednesday there.
        (at(6, 4, 59), NEW_YORK, "Today"),
        (at(6, 5, 0), NEW_YORK, "This week"),
        (at(5, 4, 59), NEW_YORK, "Past week"),
        # Sunday 9 March ends the week in New York too, on the day the clocks change (23 h).
        (at(10, 3, 59), NEW_YORK, "This week"),
        (at(10, 4, 0), NEW_YORK, "Later"),
    ],
)
def test_group_by_the_days_of_the_wall_time_zone(when, tz, group):
    assert calendar.group_of(when, WED, tz) == group


# --- above / below consensus ----------------------------------------------------------------


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


def test_surprise_states_the_direction_against_consensus_only():
    """A hotter CPI print is 'above consensus', not a 'beat'; a rate decision likewise."""
    assert calendar.surprise("3.3%", "3.0%") == ("▲ above consensus", "above")
    assert calendar.surprise("169K", "210K") == ("▼ below consensus", "below")
    assert calendar.surprise("4.25%", "4.25%") == ("■ in line", "inline")
    assert calendar.surprise("4.250%", "4.25%") == ("■ in line", "inline")
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
    assert "12:30 US US CPI 2.7% 3.0% 3.3% ▲ above consensus" in today
    assert "Fri 07 Mar 13:30 US US nonfarm payrolls 250K 210K —" in week
    assert "Wed 12 Mar 18:00 US FOMC rate decision — — —" in later
    assert "Tue 04 Mar 14:00 US US retail sales 0.5% 0.3% 0.1% ▼ below consensus" in past
    marks = with_class(body, "wb-cal__surprise")
    assert [(m.children, m.className) for m in marks] == [
        ("▲ above consensus", "wb-cal__surprise wb-cal__surprise--above"),
        ("▼ below consensus", "wb-cal__surprise wb-cal__surprise--below"),
    ]
    past_rows = with_class(body, "wb-cal__row--past")
    assert len(past_rows) == 2  # today's 12:30 release and Tuesday's
    text = text_of(body)
    assert "Times in UTC; days are UTC days as of Wed 05 Mar 2025 15:00 UTC." in text
    assert "beat" not in text and "miss" not in text
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
    assert len(rows) == len(records)
    # Two releases of each series without a schedule (the FOMC's dates are configured).
    unscheduled = [i.name for i in ds.instruments if not i.schedule]
    assert sorted(e.name for e in records if e.name in unscheduled) == sorted(unscheduled * 2)
    released = [e for e in records if e.actual is not None]
    assert released and all(e.time <= WED for e in released)
    words = [s.children for s in with_class(body, "wb-cal__surprise")]
    assert len(words) == len(released)
    assert set(words) <= {"▲ above consensus", "▼ below consensus", "■ in line"}


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


# --- the wall's time zone -------------------------------------------------------------------


def test_times_are_in_the_wall_time_zone_with_utc_on_hover(settings):
    events = [
        event(at(5, 13, 30), "US CPI", consensus="3.0%", actual="3.3%"),  # 08:30 in New York
        event(at(6, 3, 0), "US GDP"),  # 22:00 Wednesday in New York: still today there
        event(at(7, 13, 30), "US nonfarm payrolls"),
    ]
    body = calendar.render(view(settings, snapshot(events), wall_tz="America/New_York"))
    sections = {
        s.to_plotly_json()["props"]["data-group"]: s for s in with_class(body, "wb-cal__section")
    }
    assert list(sections) == ["Today", "This week"]
    today = text_of(sections["Today"])
    assert "Time (America/New_York)" in today
    assert "08:30 US US CPI — 3.0% 3.3% ▲ above consensus" in today
    assert "22:00 US US GDP" in today
    assert "Fri 07 Mar 08:30 US US nonfarm payrolls" in text_of(sections["This week"])
    cells = with_class(body, "wb-cal__time")
    assert [c.title for c in cells] == [
        "Wed 05 Mar 2025 13:30 UTC",
        "Thu 06 Mar 2025 03:00 UTC",
        "Fri 07 Mar 2025 13:30 UTC",
    ]
    legend = text_of(with_class(body, "wb-cal__legend"))
    assert legend.startswith(
        "Times in America/New_York (UTC on hover); days are America/New_York days as of "
        "Wed 05 Mar 2025 10:00 EST."
    )


def test_the_day_a_release_falls_on_is_the_wall_s_day(settings):
    """At 15:00 UTC it is already Thursday in Tokyo: Wednesday's 12:30 UTC release is past."""
    body = calendar.render(
        view(
            settings,
            snapshot([event(at(5, 12, 30)), event(at(6, 1, 0), "US GDP")]),
            wall_tz="Asia/Tokyo",
        )
    )
    groups = [
        s.to_plotly_json()["props"]["data-group"] for s in with_class(body, "wb-cal__section")
    ]
    assert groups == ["Today", "Past week"]
    past = text_of(with_class(body, "wb-cal__section")[1])
    assert "Wed 05 Mar 21:30 US US CPI" in past


def test_surprise_colours_are_neutral_hues_by_direction_only():
    """The CSS gives above and below consensus their own hues, neither the up/down colours
    (which read as good/bad news); in line is the flat grey."""
    css = (ROOT / "assets" / "23_panels.css").read_text()
    for move in ("above", "below", "inline"):
        assert f".wb-cal__surprise--{move}" in css
    rules = [line for line in css.splitlines() if "wb-cal__surprise--" in line]
    assert rules and not any("--wb-up" in r or "--wb-down" in r for r in rules)
    assert any("--inline" in r and "--wb-muted" in r for r in rules)
