"""Key statistics and chart windows on real recorded bars: Yahoo's S&P 500 daily chart from
3 Jan 2023 to 29 Feb 2024 (last bar mid-session), checked against the index's published
figures (2023 close 4,769.83; 52-week low 3,808.86 on 13 Mar 2023; high 5,111.06)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from analytics.instrument_stats import (
    RANGES,
    average_volume,
    key_stats,
    performance,
    range_start,
    series_of,
    since,
    window,
    ytd_pct,
)
from providers.models import Bar
from providers.yahoo import parse_chart_bars
from tests.support.paths import FIXTURES


@pytest.fixture(scope="module")
def spx() -> list[Bar]:
    payload = json.loads(
        (FIXTURES / "yahoo" / "chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json").read_text()
    )
    return parse_chart_bars(payload, symbol="spx")


def test_key_statistics_match_the_published_figures(spx):
    stats = key_stats(spx)
    assert stats.last == pytest.approx(5085.06, abs=0.01)
    assert stats.previous_close == pytest.approx(5069.76, abs=0.01)  # 28 Feb 2024 close
    assert (stats.day_low, stats.day_high) == pytest.approx((5061.89, 5096.35), abs=0.01)
    assert stats.week52_low == pytest.approx(3808.86, abs=0.01)
    assert stats.week52_high == pytest.approx(5111.06, abs=0.01)
    assert stats.ytd_pct == pytest.approx((5085.06 / 4769.83 - 1) * 100, abs=1e-3)
    assert stats.as_of == spx[-1].time


def test_average_volume_is_the_mean_of_the_last_bars_with_volume(spx):
    last = [b.volume for b in spx[-63:]]
    assert average_volume(spx) == pytest.approx(sum(last) / len(last))
    no_volume = [b.model_copy(update={"volume": None}) for b in spx]
    assert average_volume(no_volume) is None


def test_ytd_needs_a_bar_of_the_previous_year(spx):
    this_year = [b for b in spx if b.time.year == 2024]
    assert ytd_pct(this_year) is None
    assert key_stats([]).last is None and key_stats([]).week52_low is None


@pytest.mark.parametrize(
    ("range_", "count", "first"),
    [
        ("1M", 22, "2024-01-30"),
        ("6M", 126, "2023-08-30"),
        ("YTD", 41, "2024-01-02"),
        ("1Y", 252, "2023-03-01"),
        ("5Y", 291, "2023-01-03"),
    ],
)
def test_daily_windows_are_tails_by_calendar(spx, range_, count, first):
    shown = window(spx, range_)
    assert len(shown) == count
    assert f"{shown[0].time:%Y-%m-%d}" == first
    assert shown == spx[-count:]  # a tail: indicators on every bar line up with it
    assert series_of(range_) == "daily"


def test_intraday_windows_count_sessions():
    bars = [
        Bar(
            symbol="x",
            time=datetime(2026, 12, day, hour, 0, tzinfo=UTC),
            open=1,
            high=1,
            low=1,
            close=1,
        )
        for day in (1, 2, 3, 4, 7, 8)  # 5 and 6 December 2026 are a weekend
        for hour in (15, 16, 17)
    ]
    assert series_of("1D") == series_of("5D") == "intraday"
    assert [b.time.day for b in window(bars, "1D")] == [8, 8, 8]
    assert {b.time.day for b in window(bars, "5D")} == {2, 3, 4, 7, 8}
    with pytest.raises(ValueError):
        range_start("5D", bars[-1].time)
    assert set(RANGES) == {"1D", "5D", "1M", "6M", "YTD", "1Y", "5Y"}


def test_performance_is_percent_from_the_first_close(spx):
    shown = window(spx, "YTD")
    perf = performance(shown)
    assert perf[0] == 0.0
    assert perf[-1] == pytest.approx((shown[-1].close / shown[0].close - 1) * 100)
    assert performance([]) == []
    assert since(spx, shown[0].time) == shown
