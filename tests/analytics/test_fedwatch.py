"""FedWatch: the per-month formula and the 25 bp split by hand, CME's two published worked
examples (September 2015; the September 2022 settlement sheet), and the edge cases: a meeting in
the last days of its month, no meeting dates, no futures, missing months, `as_of`."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import fedwatch
from analytics.fedwatch import MeetingOdds, implied_path


def moves(odds: MeetingOdds) -> dict[int, float]:
    return dict(odds.moves)


# --- pieces ---------------------------------------------------------------------------------


def test_implied_rate_and_contract_months():
    assert fedwatch.implied_rate(95.48) == pytest.approx(4.52)
    assert fedwatch.contract_month("zq_2026_12") == date(2026, 12, 1)
    assert fedwatch.contract_month("ZQ_2027_01") == date(2027, 1, 1)
    for bad in ("zq_2026_13", "zq_2026_00", "zq_26_12", "spx", "zq_2026_12x"):
        assert fedwatch.contract_month(bad) is None


def test_the_decision_day_counts_at_the_new_rate():
    # CME's FFU5 example: decision 17 Sep 2015, "N = 30, M = 16"
    assert fedwatch.days_before_after(date(2015, 9, 17)) == (16, 14)
    assert fedwatch.days_before_after(date(2026, 3, 18)) == (17, 14)
    assert fedwatch.days_before_after(date(2023, 2, 1)) == (0, 28)
    assert fedwatch.days_before_after(date(2026, 1, 31)) == (30, 1)


def test_a_meeting_on_day_18_of_31_by_hand():
    # March 2026 (31 days), decision on the 18th: 17 days at the start rate, 14 at the end rate.
    # average 4.52, start 4.58: end = (31 x 4.52 - 17 x 4.58) / 14 = (140.12 - 77.86) / 14
    # = 4.447142857; change -13.2857 bp = -0.531429 steps of 25 bp:
    # P(-25) = 0.531429, P(hold) = 0.468571.
    meeting = date(2026, 3, 18)
    end = fedwatch.end_rate(4.52, 4.58, meeting)
    assert end == pytest.approx(62.26 / 14, abs=1e-12) == pytest.approx(4.447142857)
    assert fedwatch.start_rate(4.52, end, meeting) == pytest.approx(4.58, abs=1e-12)
    (odds,) = implied_path({date(2026, 3, 1): 95.48}, [meeting], 4.58)
    assert (odds.rate_before, odds.basis) == (4.58, "meeting month")
    assert odds.rate_after == pytest.approx(4.447142857)
    assert odds.change_bp == pytest.approx(-13.2857, abs=1e-4)
    assert moves(odds) == pytest.approx({-25: 0.531429, 0: 0.468571}, abs=1e-6)
    assert (odds.cut, odds.hold, odds.hike) == pytest.approx((0.531429, 0.468571, 0), abs=1e-6)


def test_an_average_of_4_33_prices_a_50_or_75_bp_cut():
    # the same month with average 4.33: end = (134.23 - 77.86) / 14 = 4.026428571,
    # change -55.357 bp = -2.214286 steps: P(-75) = 0.214286, P(-50) = 0.785714, no hold.
    (odds,) = implied_path({date(2026, 3, 1): 95.67}, [date(2026, 3, 18)], 4.58)
    assert odds.rate_after == pytest.approx(56.37 / 14)
    assert moves(odds) == pytest.approx({-75: 0.214286, -50: 0.785714}, abs=1e-6)
    assert (odds.cut, odds.hold, odds.hike) == pytest.approx((1, 0, 0))


def test_moves_split_between_the_two_nearest_25_bp_steps():
    assert dict(fedwatch.move_probabilities(-13.3)) == pytest.approx({-25: 0.532, 0: 0.468})
    assert dict(fedwatch.move_probabilities(30.0)) == pytest.approx({25: 0.8, 50: 0.2})
    assert [m for m, _ in fedwatch.move_probabilities(-59.6)] == [-75, -50]  # ascending
    assert fedwatch.move_probabilities(0.0) == ((0, 1.0),)
    assert fedwatch.move_probabilities(-50.0) == ((-50, 1.0),)
    # float noise from 0.0025 price ticks is not a tiny chance of the next step
    assert fedwatch.move_probabilities(-25.000000000001) == ((-25, 1.0),)
    assert fedwatch.move_probabilities(24.9999999999) == ((25, 1.0),)


# --- CME's worked examples --------------------------------------------------------------------


def test_cme_september_2015_example():
    # FFQ5 99.8675 (August, no meeting) gives the start 0.1325; FFU5 99.805 the average 0.195;
    # end = 30 / 14 x (0.195 - 16 / 30 x 0.1325) = 0.26643; P(hike) = 0.13393 / 0.25 = 53.6 %.
    futures = {date(2015, 8, 1): 99.8675, date(2015, 9, 1): 99.805}
    september, october = implied_path(futures, [date(2015, 9, 17), date(2015, 10, 28)])
    assert september.rate_before == pytest.approx(0.1325)
    assert september.rate_after == pytest.approx(0.26643, abs=1e-5)
    assert september.hike == pytest.approx(0.536, abs=5e-4)
    assert september.hold == pytest.approx(0.464, abs=5e-4)
    assert september.cut == 0
    # no October contract given: that meeting is not priced, and says why
    assert october.moves == () and october.reason == "no futures for Oct 2015"
    assert october.cut is None and october.change_bp is None


SHEET_2022 = {  # CME's FedWatch calculation sheet, settlements of 12 September 2022
    date(2022, 9, 1): 97.4475,
    date(2022, 10, 1): 96.94,
    date(2022, 11, 1): 96.43,
    date(2022, 12, 1): 96.235,
    date(2023, 1, 1): 96.115,
    date(2023, 2, 1): 96.02,
}
MEETINGS_2022 = [date(2022, 9, 21), date(2022, 11, 2), date(2022, 12, 14), date(2023, 2, 1)]


def test_cme_september_2022_sheet():
    sep, nov, dec, feb = implied_path(SHEET_2022, MEETINGS_2022)
    # September has a meeting and no rate before it is given: its start is backed out with
    # October (no meeting, 3.06): (30 x 2.5525 - 10 x 3.06) / 20 = 2.29875 (sheet: 2.2987).
    assert sep.rate_before == pytest.approx(2.29875)
    assert sep.rate_after == pytest.approx(3.06)
    assert sep.change_bp == pytest.approx(76.125)  # sheet: 0.7613
    assert moves(sep) == pytest.approx({75: 0.955, 100: 0.045})
    # November: 1 day at 3.06, 29 at the end rate: (30 x 3.57 - 3.06) / 29 = 3.587586
    assert nov.rate_before == pytest.approx(3.06)
    assert nov.rate_after == pytest.approx(104.04 / 29)  # sheet: 3.5876
    assert nov.change_bp == pytest.approx(52.7586, abs=1e-4)  # sheet: 0.5276
    assert moves(nov) == pytest.approx({50: 0.889655, 75: 0.110345}, abs=1e-6)
    # December chains on November's end: (31 x 3.765 - 13 x 3.587586) / 18 = 3.893132
    assert dec.rate_before == pytest.approx(nov.rate_after)
    assert dec.rate_after == pytest.approx(3.893132, abs=1e-6)
    assert moves(dec) == pytest.approx({25: 0.777816, 50: 0.222184}, abs=1e-6)
    # January (no meeting) re-anchors to its own average, 3.885; the 1 February decision
    # leaves no day at the old rate, so February's average 3.98 is the rate after it.
    assert feb.rate_before == pytest.approx(3.885)
    assert feb.rate_after == pytest.approx(3.98)
    assert moves(feb) == pytest.approx({0: 0.62, 25: 0.38})
    assert {o.basis for o in (sep, nov, dec, feb)} == {"meeting month"}


# --- edge cases ---------------------------------------------------------------------------


def test_a_meeting_in_the_last_days_uses_the_next_months_contract():
    # 28 Jan 2026: 27 days before, 4 after. One tick (0.005) off in January's price would move
    # the in-month estimate by 31 / 4 x 0.5 bp = 3.9 bp; February (no meeting) is the rate.
    futures = {date(2026, 1, 1): 96.365, date(2026, 2, 1): 96.40}
    (january,) = implied_path(futures, [date(2026, 1, 28)], 3.64)
    assert january.basis == "next month"
    assert january.rate_after == pytest.approx(3.60)
    assert moves(january) == pytest.approx({-25: 0.16, 0: 0.84})
    # without the February contract the month's own average is all there is
    (alone,) = implied_path({date(2026, 1, 1): 96.365}, [date(2026, 1, 28)], 3.64)
    assert alone.basis == "meeting month"
    assert alone.rate_after == pytest.approx((31 * 3.635 - 27 * 3.64) / 4)  # 3.60125
    # a mid-month meeting keeps its own month even when the next month is quoted
    (march,) = implied_path(
        {date(2026, 3, 1): 95.48, date(2026, 4, 1): 95.50}, [date(2026, 3, 18)], 4.58
    )
    assert march.basis == "meeting month" and march.rate_after == pytest.approx(4.447142857)


def test_no_meeting_dates_and_no_futures():
    assert implied_path({date(2026, 12, 1): 95.64}, [], 3.64) == []
    assert implied_path({}, []) == []
    odds = implied_path({}, [date(2026, 12, 9)], 3.64)
    assert [(o.meeting, o.reason, o.moves) for o in odds] == [
        (date(2026, 12, 9), "no futures data", ())
    ]


def test_a_missing_meeting_month_is_read_from_the_next_month():
    # no January 2027 contract; February has no meeting, so its average is January's end rate
    futures = {date(2026, 12, 1): 95.64, date(2027, 2, 1): 95.74}
    december, january = implied_path(futures, [date(2026, 12, 9), date(2027, 1, 27)], 4.33)
    assert december.basis == "meeting month"
    # (31 x 4.36 - 8 x 4.33) / 23 = 4.370435
    assert december.rate_after == pytest.approx((31 * 4.36 - 8 * 4.33) / 23)
    assert january.basis == "next month"
    assert january.rate_before == pytest.approx(december.rate_after)
    assert january.rate_after == pytest.approx(4.26)


def test_a_missing_no_meeting_month_carries_the_rate():
    futures = dict(SHEET_2022)
    del futures[date(2022, 10, 1)]
    # September can no longer be backed out (no October), so it needs the current rate
    sep, nov, *_ = implied_path(futures, MEETINGS_2022, 2.33)
    # (30 x 2.5525 - 20 x 2.33) / 10 = 2.9975, carried through October into November
    assert sep.rate_after == pytest.approx(2.9975)
    assert nov.rate_before == pytest.approx(2.9975)
    assert nov.rate_after == pytest.approx((30 * 3.57 - 2.9975) / 29)
    # without it the chain has no start until January (no meeting) re-anchors it
    sep, nov, dec, feb = implied_path(futures, MEETINGS_2022)
    assert [o.reason is None for o in (sep, nov, dec, feb)] == [False, False, False, True]
    assert "no rate before the meeting" in sep.reason and nov.reason == sep.reason
    assert feb.rate_before == pytest.approx(3.885)


def test_a_chain_broken_by_two_unquoted_meeting_months():
    futures = {date(2022, 9, 1): 97.4475, date(2022, 10, 1): 96.94, date(2023, 1, 1): 96.115}
    sep, nov, dec, feb = implied_path(futures, MEETINGS_2022)
    assert sep.moves and nov.reason == "no futures for Nov 2022"
    assert nov.rate_before == pytest.approx(3.06) and nov.rate_after is None
    assert dec.reason.startswith("no rate before the meeting")
    assert feb.reason == "no futures for Feb 2023"  # past the last quoted month


def test_as_of_leaves_out_history():
    futures = {date(2026, 1, 1): 96.38, date(2026, 2, 1): 96.40, date(2026, 3, 1): 96.50}
    meetings = [date(2026, 1, 28), date(2026, 3, 18)]
    # on 30 January the January decision is history: the current rate holds to the month's end
    (march,) = implied_path(futures, meetings, 3.62, as_of=date(2026, 1, 30))
    assert march.meeting == date(2026, 3, 18)
    assert march.rate_before == pytest.approx(3.60)  # February's average re-anchors
    assert march.rate_after == pytest.approx((31 * 3.50 - 17 * 3.60) / 14)
    # a meeting before the first quoted month: the current rate does not reach past it
    late_2026 = {date(2026, 12, 1): 95.64, date(2027, 1, 1): 95.70}
    october, december = implied_path(
        late_2026, [date(2026, 10, 28), date(2026, 12, 9)], 3.64, as_of=date(2026, 10, 1)
    )
    assert october.reason == "no futures for Oct 2026"
    # December is backed out of December and January (no January meeting configured):
    # start = (31 x 4.36 - 23 x 4.30) / 8 = 4.5325
    assert december.rate_before == pytest.approx((31 * 4.36 - 23 * 4.30) / 8)
    assert december.rate_after == pytest.approx(4.30)
    assert moves(december) == pytest.approx({-25: 0.93, 0: 0.07})


def test_two_meetings_in_one_month_are_refused():
    with pytest.raises(ValueError, match="two meetings in Mar 2020"):
        implied_path({date(2020, 3, 1): 99.0}, [date(2020, 3, 3), date(2020, 3, 15)], 1.6)
