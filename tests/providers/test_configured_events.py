"""Schedule provider: configured dates (the FOMC list in wallboard.yaml) become calendar events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config import load_settings
from config.schema import Instrument, RecordKind
from providers.base import Request
from providers.configured_events import ScheduleProvider, country_of, scheduled_events
from providers.errors import EmptyResult, NotConfigured

SETTINGS = load_settings(env={})
CALENDAR = SETTINGS.datasets["calendar"].instruments
FOMC = next(i for i in CALENDAR if i.id == "fomc")
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def request(now: datetime = NOW, instruments=CALENDAR, kind=RecordKind.EVENT) -> Request:
    return Request(dataset="calendar", kind=kind, instruments=tuple(instruments), now=now)


def test_fomc_dates_within_a_week_back_and_35_days_ahead():
    events = scheduled_events(CALENDAR, NOW)
    assert [(e.time, e.country, e.name) for e in events] == [
        (datetime(2026, 6, 17, 18, 0, tzinfo=UTC), "US", "FOMC rate decision"),
    ]
    later = scheduled_events(CALENDAR, NOW, ahead=timedelta(days=60))
    assert [e.time.date().isoformat() for e in later] == ["2026-06-17", "2026-07-29"]
    assert all(e.prior is None and e.actual is None for e in events)


def test_window_edges_are_included():
    when = datetime(2026, 6, 17, 18, 0, tzinfo=UTC)
    assert scheduled_events([FOMC], when + timedelta(days=7))[0].time == when
    assert scheduled_events([FOMC], when - timedelta(days=35))[-1].time == when
    later = scheduled_events([FOMC], when + timedelta(days=7, seconds=1))
    assert when not in {e.time for e in later}
    assert scheduled_events([FOMC], NOW, ahead=timedelta(days=14))[-1].time == when


def test_events_are_utc_sorted_and_not_repeated():
    ecb = Instrument(
        id="ecb",
        name="EZ ECB rate decision",
        schedule=[datetime.fromisoformat("2026-06-11T14:15:00+02:00")] * 2,
    )
    events = scheduled_events([FOMC, ecb], NOW)
    assert [(e.time, e.country) for e in events] == [
        (datetime(2026, 6, 11, 12, 15, tzinfo=UTC), "EZ"),
        (datetime(2026, 6, 17, 18, 0, tzinfo=UTC), "US"),
    ]


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("UK CPI", "UK"),
        ("EZ HICP flash", "EZ"),
        ("US CPI", "US"),
        ("FOMC rate decision", "US"),
        ("Uk GDP", "US"),
        ("JP", "US"),
    ],
)
def test_country_from_a_leading_two_letter_code(name, country):
    assert country_of(name) == country


def test_load_returns_the_configured_events():
    batch = ScheduleProvider(SETTINGS).load(request())
    assert [e.time.date().isoformat() for e in batch.records] == ["2026-06-17"]
    assert batch.problems == []


def test_load_without_events_in_the_window_is_empty():
    with pytest.raises(EmptyResult, match="2027-01-04 to 2027-02-15"):
        ScheduleProvider(SETTINGS).load(request(datetime(2027, 1, 11, tzinfo=UTC)))


def test_load_without_any_schedule_is_not_configured():
    provider = ScheduleProvider(SETTINGS)
    with pytest.raises(NotConfigured, match="no instrument"):
        provider.load(request(instruments=[i for i in CALENDAR if not i.schedule]))
