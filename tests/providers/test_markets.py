"""Market session states from exchange-calendars: open, lunch break, before and after the day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from providers.markets import session_state


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Wednesday 5 March 2025: New York trades 14:30-21:00 UTC, Tokyo 00:00-02:30 and 03:30-06:30,
# Hong Kong 01:30-04:00 and 05:00-08:00, Xetra 08:00-16:30.
@pytest.mark.parametrize(
    ("market", "now", "state"),
    [
        ("XNYS", utc(2025, 3, 5, 15, 0), "open"),
        ("XNYS", utc(2025, 3, 5, 14, 30), "open"),  # the opening minute trades
        ("XNYS", utc(2025, 3, 5, 14, 29, 59), "pre"),
        ("XNYS", utc(2025, 3, 5, 10, 0), "pre"),  # 05:00 in New York
        ("XNYS", utc(2025, 3, 5, 21, 0), "post"),  # the close itself is after the session
        ("XNYS", utc(2025, 3, 6, 3, 0), "post"),  # 22:00 Wednesday in New York
        ("XNYS", utc(2025, 3, 6, 5, 0), "pre"),  # past midnight in New York: Thursday's to come
        ("XNYS", utc(2025, 3, 8, 15, 0), "closed"),  # Saturday
        ("XNYS", utc(2025, 7, 4, 15, 0), "closed"),  # Independence Day
        ("XNYS", utc(2025, 7, 3, 17, 30), "post"),  # the half day before closes at 13:00
        ("XTKS", utc(2025, 3, 5, 1, 0), "open"),
        ("XTKS", utc(2025, 3, 5, 2, 45), "break"),
        ("XTKS", utc(2025, 3, 5, 4, 0), "open"),
        ("XTKS", utc(2025, 3, 5, 14, 0), "post"),  # 23:00 in Tokyo
        ("XTKS", utc(2025, 3, 5, 16, 0), "pre"),  # 01:00 Thursday in Tokyo
        ("XHKG", utc(2025, 3, 5, 4, 30), "break"),
        ("XHKG", utc(2025, 3, 5, 8, 0), "post"),
        ("XETR", utc(2025, 3, 5, 7, 59), "pre"),
        ("XETR", utc(2025, 3, 5, 12, 0), "open"),
        ("XETR", utc(2025, 3, 9, 12, 0), "closed"),  # Sunday
    ],
)
def test_exchange_sessions(market, now, state):
    assert session_state(market, now) == state


def test_a_session_that_opens_the_evening_before_counts_for_the_local_day():
    # CME Globex (exchange-calendars: 17:00 -> 17:00 Chicago, Sunday evening to Friday)
    assert session_state("CMES", utc(2025, 3, 9, 16, 0)) == "pre"  # Sunday 11:00 Chicago
    assert session_state("CMES", utc(2025, 3, 9, 23, 30)) == "open"  # Sunday evening
    assert session_state("CMES", utc(2025, 3, 7, 23, 30)) == "post"  # Friday evening
    assert session_state("CMES", utc(2025, 3, 8, 16, 0)) == "closed"  # Saturday


def test_round_the_clock_markets():
    assert session_state("24/7", utc(2025, 3, 8, 12, 0)) == "open"
    assert session_state("24/5", utc(2025, 3, 5, 3, 0)) == "open"
    assert session_state("24/5", utc(2025, 3, 7, 21, 59)) == "open"
    assert session_state("24/5", utc(2025, 3, 7, 22, 0)) == "post"  # Friday after 22:00 UTC
    assert session_state("24/5", utc(2025, 3, 8, 12, 0)) == "closed"
    assert session_state("24/5", utc(2025, 3, 9, 21, 0)) == "pre"  # reopens Sunday 22:00
    assert session_state("24/5", utc(2025, 3, 9, 22, 0)) == "open"


def test_local_time_zones_are_respected():
    tokyo = datetime.fromisoformat("2025-03-05T10:00:00+09:00")
    assert session_state("XTKS", tokyo) == "open"


def test_beyond_the_calendar_is_closed():
    assert session_state("XNYS", utc(2099, 1, 5, 15, 0)) == "closed"


def test_answers_are_remembered_for_the_minute_and_callers_own_their_copy(monkeypatch):
    from providers import markets as module

    calls = []
    real = module.calendar

    def counting(code):
        calls.append(code)
        return real(code)

    monkeypatch.setattr(module, "calendar", counting)
    module.recent_sessions.forget()  # an earlier test may have asked this very minute
    now = datetime(2026, 11, 18, 15, 0, 10, tzinfo=UTC)  # a Wednesday, NYSE open
    first = module.recent_sessions("XNYS", now, 2)
    again = module.recent_sessions("XNYS", now.replace(second=50), 2)
    assert first == again and len(calls) == 1
    again.append("mine")  # a caller changing its list changes nobody else's
    assert module.recent_sessions("XNYS", now, 2) == first
    module.recent_sessions("XNYS", now.replace(minute=1), 2)  # the next minute: asked again
    assert len(calls) == 2
