"""The alert banner: each alert with its data's source, time (in the wall's zone) and age next to
it, saying `stale` when that data is older than its dataset's threshold and `market closed` when
it is a closed market's last value; alerts stored without their data's time say so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cachelib import SimpleCache
from dash import html

from analytics.alert_keeper import AlertKeeper
from analytics.alert_rules import Alert, AlertState
from components.alerts import alert_text, banner_lines, when_text
from components.shell import alert_banner
from components.status import alerts_list
from config.schema import Settings
from engine.board import Board
from engine.store import SnapshotStore
from providers.models import Quote, Snapshot, Status
from tests.support.alerts import spx_move
from tests.support.pages import prop, walk, with_class

NOW = datetime(2026, 11, 18, 15, 3, tzinfo=UTC)  # a Wednesday, New York open
FRIDAY_CLOSE = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
EARLY_2024 = NOW - timedelta(seconds=87_158_126)  # the FX data


def move(as_of: datetime | None, seen: datetime = NOW, **fields) -> Alert:
    return spx_move(as_of, seen, **fields)


def spx_at(at: datetime, fetched: datetime) -> Snapshot:
    quote = Quote(symbol="spx", name="S&P 500", price=6000.0, change_pct=2.1, as_of=at)
    return Snapshot(
        dataset="indices",
        records=(quote,),
        as_of=at,
        fetched_at=fetched,
        source="yahoo",
        status=Status.OK,
    )


def board_of(settings: Settings, alerts: list[Alert], snapshots=(), now: datetime = NOW):
    store = SnapshotStore(SimpleCache(), namespace=settings.edition.value, persist_dir=None)
    for snapshot in snapshots:
        store.write(snapshot, persist=False)
    keeper = AlertKeeper(lambda: settings, store, lambda: now)
    store.cache.set(store.alerts_key, AlertState(alerts={a.key: a for a in alerts}), timeout=0)
    return Board(settings, store, None, lambda: now, alerts=keeper)


def line(node) -> str:
    """A banner line's text as it reads (the strings of its spans, run together)."""
    return "".join(n for n in walk(node) if isinstance(n, str))


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings("demo")


def test_a_line_says_where_and_when_its_data_is_from(settings):
    board = board_of(settings, [move(NOW - timedelta(minutes=3))], [spx_at(NOW, NOW)])
    (div,) = banner_lines(board)
    assert line(div) == (
        "⚠S&P 500 ▲ +2.1% since the previous close (limit 2%) · yahoo · as of 15:00 UTC (3 min)"
    )
    assert prop(div, "data-alert") == "0:indices:spx" and prop(div, "data-status") == "ok"
    (age,) = with_class(div, "wb-age")  # the browser keeps counting it
    assert prop(age, "data-age-of") == "2026-11-18T15:00:00.000+00:00"
    assert line(alert_banner(board)) == line([div])  # what every scene carries
    assert alert_text(board, move(NOW - timedelta(minutes=3)), NOW) == line(div).removeprefix("⚠")


def test_data_older_than_its_threshold_says_stale(settings):
    # The alert stays up through its cooldown; the quote it fired on is no longer current.
    later = NOW + timedelta(minutes=8)
    fired = move(NOW - timedelta(minutes=3), seen=later - timedelta(minutes=1))
    board = board_of(settings, [fired], [spx_at(fired.as_of, NOW)], now=later)
    (div,) = banner_lines(board)
    assert line(div).endswith(" · yahoo · as of 15:00 UTC (11 min old · stale)")
    assert prop(div, "data-status") == "stale"
    # even while the wall has a newer value: the alert's own data is what it shows
    newer = board_of(settings, [fired], [spx_at(later, later)], now=later)
    assert line(banner_lines(newer)[0]).endswith("(11 min old · stale)")


def test_a_closed_markets_last_value_says_so_not_stale(settings):
    fired = move(FRIDAY_CLOSE, seen=SATURDAY)
    board = board_of(settings, [fired], [spx_at(FRIDAY_CLOSE, SATURDAY)], now=SATURDAY)
    (div,) = banner_lines(board)
    assert line(div).endswith(" · yahoo · as of Fri 20 Nov 21:00 UTC (18 h · market closed)")


def test_a_stale_alert_reads_in_words_and_is_marked_stale(settings):
    fx = Alert(
        key="5:fx:*",
        kind="stale",
        dataset="fx",
        symbol=None,
        name="FX",
        message="FX: data 1,008 d 18 h old (stale after 30 s)",
        value=87_158_126,
        raised_at=NOW,
        last_seen=NOW,
        as_of=EARLY_2024,
        source="yahoo",
    )
    (div,) = banner_lines(board_of(settings, [fx]))
    assert line(div) == (
        "⚠FX: data 1,008 d 18 h old (stale after 30 s) · yahoo · "
        "as of Tue 13 Feb 2024 20:27 UTC (1008 d old · stale)"
    )


def test_an_alert_stored_without_its_datas_time_says_so(settings):
    (div,) = banner_lines(board_of(settings, [move(None)]))
    assert line(div).endswith("(limit 2%) · unknown source · data time unknown")
    assert prop(div, "data-status") == "unknown" and not with_class(div, "wb-age")


def test_times_read_in_the_walls_zone(settings):
    assert when_text(NOW, "America/New_York", NOW) == "10:03 EST"
    assert when_text(NOW, "UTC", NOW) == "15:03 UTC"
    assert when_text(FRIDAY_CLOSE, "Europe/Berlin", SATURDAY) == "Fri 20 Nov 22:00 CET"
    new_york = settings.model_copy(update={"wall_tz": "America/New_York"})
    board = board_of(new_york, [move(NOW - timedelta(minutes=3))], [spx_at(NOW, NOW)])
    assert "· yahoo · as of 10:00 EST (3 min)" in line(banner_lines(board))


def test_no_alerts_no_lines(settings):
    assert banner_lines(board_of(settings, [])) == []
    assert banner_lines(Board(settings, board_of(settings, []).store, None, lambda: NOW)) == []


def test_the_status_scene_lists_each_alert_with_its_data_source_and_age(settings):
    board = board_of(settings, [move(NOW - timedelta(minutes=3))], [spx_at(NOW, NOW)])
    (item,) = [n for n in walk(alerts_list(board)) if isinstance(n, html.Li)]
    assert prop(item, "data-alert") == "0:indices:spx"
    assert line(item) == (
        "15:03 UTC · S&P 500 ▲ +2.1% since the previous close (limit 2%)"
        " · yahoo · as of 15:00 UTC (3 min)"
    )
