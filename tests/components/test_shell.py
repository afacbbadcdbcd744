"""The ticker tape: what runs along it comes from the configuration (`ticker: true`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cachelib import SimpleCache
from dash import html

from analytics.alert_rules import AlertState
from app import create_app
from components.shell import ticker_items
from config.schema import Settings
from engine.board import Board
from engine.store import SnapshotStore
from providers.models import Headline, Quote, Snapshot, Status
from tests.support.alerts import spx_move
from tests.support.dashreq import CALLBACK, callback_body

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def board_of(settings: Settings, records: dict[str, list]) -> Board:
    store = SnapshotStore(SimpleCache(), namespace=settings.edition.value, persist_dir=None)
    for name, rows in records.items():
        store.write(
            Snapshot(
                dataset=name,
                records=tuple(rows),
                as_of=NOW,
                fetched_at=NOW,
                source="demo",
                status=Status.OK,
            ),
            persist=False,
        )
    return Board(settings, store, None, lambda: NOW)


def quote(instrument_id: str, price: float) -> Quote:
    return Quote(symbol=instrument_id, name=instrument_id, price=price, change=1.0, as_of=NOW)


def headline(title: str, minutes_ago: int) -> Headline:
    published = NOW.replace(minute=59 - minutes_ago, hour=14)
    return Headline(title=title, source="Wire", published=published)


def test_the_tape_runs_what_the_configuration_marks_in_its_order(make_settings):
    settings = make_settings("demo")
    marked = [name for name, dataset in settings.datasets.items() if dataset.ticker]
    assert marked == ["indices", "fx", "commodities", "crypto", "news"]
    btc = settings.datasets["crypto"].instruments[0]
    vix = settings.datasets["volatility"].instruments[0]
    board = board_of(
        settings,
        {
            "crypto": [quote(btc.id, 97_000.0)],
            "volatility": [quote(vix.id, 15.4)],  # not marked: not on the tape
            "news": [headline("Older", 30), headline("Newer", 5)],
        },
    )
    items = ticker_items(board)
    texts = [item.text for item in items]
    assert [i.split(" ")[0] for i in texts[:1]] == [btc.name.split(" ")[0]]
    assert not any(vix.name in item for item in texts)
    assert texts[1:] == ["Wire: Newer", "Wire: Older"]


def test_a_renamed_dataset_marked_for_the_tape_runs_on_it(make_settings):
    settings = make_settings("demo")
    datasets = dict(settings.datasets)
    datasets["coins"] = datasets.pop("crypto")
    scenes = {
        name: scene.model_copy(
            update={"datasets": ["coins" if d == "crypto" else d for d in scene.datasets]}
        )
        for name, scene in settings.scenes.items()
    }
    renamed = settings.model_copy(update={"datasets": datasets, "scenes": scenes})
    btc = datasets["coins"].instruments[0]
    items = ticker_items(board_of(renamed, {"coins": [quote(btc.id, 97_000.0)]}))
    assert len(items) == 1 and items[0].text.startswith(btc.name)


def test_only_quotes_and_headlines_can_run_on_the_tape(make_settings):
    raw = make_settings("demo").model_dump(mode="json")
    raw["datasets"]["rates"]["ticker"] = True
    with pytest.raises(ValueError, match="ticker: only quotes and headlines"):
        Settings.model_validate(raw)


# --- the header's date ----------------------------------------------------------------------


def _wall_date(layout):
    from tests.support.pages import walk

    (span,) = [n for n in walk(layout) if getattr(n, "id", None) == "wb-date"]
    return span


def test_the_header_shows_the_weekday_and_date_in_the_wall_time_zone(make_settings):
    from components.shell import navbar

    span = _wall_date(navbar(make_settings("demo"), NOW))
    props = span.to_plotly_json()["props"]
    assert span.children == "Fri 04 Dec 2026"
    assert props["data-tz"] == "UTC" and props["title"] == "Date in UTC"
    assert "wb-date" in span.className
    # 15:00 UTC is already Saturday in Tokyo: the wall's day, not the server's.
    tokyo = _wall_date(navbar(make_settings("demo", wall_tz="Asia/Tokyo"), NOW))
    assert tokyo.children == "Sat 05 Dec 2026"
    assert tokyo.to_plotly_json()["props"]["data-tz"] == "Asia/Tokyo"


def test_the_page_is_rendered_with_the_board_s_date(make_settings):
    from dash import html

    from components.shell import shell

    settings = make_settings("demo", wall_tz="America/New_York")
    layout = shell(board_of(settings, {}), html.Div(id="page"))
    assert _wall_date(layout).children == "Fri 04 Dec 2026"  # 10:00 in New York


def test_the_browser_turns_the_date_each_second():
    """The date is rewritten by a clientside callback on the carousel's one-second tick
    (assets/36_dates.js, 39_clientside.js), so a screen left running passes midnight."""
    from dash import Dash

    from components.shell import register_shell_callbacks

    app = Dash(__name__)
    register_shell_callbacks(app)
    (callback,) = [c for c in app._callback_list if c["output"] == "wb-date.children"]
    assert callback["inputs"] == [{"id": "wb-second", "property": "n_intervals"}]
    assert callback["clientside_function"] == {"namespace": "wallboard", "function_name": "date"}
    assert callback["prevent_initial_call"] is False  # written as soon as the page loads


# --- the tape's links ------------------------------------------------------------------------


def _tape_board(make_settings):
    settings = make_settings("demo")
    btc = settings.datasets["crypto"].instruments[0]
    board = board_of(
        settings, {"crypto": [quote(btc.id, 97_000.0)], "news": [headline("Newer", 5)]}
    )
    return board, btc


def test_on_an_analyst_s_screen_each_tape_quote_links_to_its_instrument(make_settings):
    from components.shell import ticker

    board, btc = _tape_board(make_settings)
    (quoted, wire) = ticker_items(board)
    tape = ticker([quoted, wire], links=True)
    # The tape is data the browser draws (assets/37t_tape.js, tested under node and, its
    # links and their tab order, in tests/e2e/test_links.py).
    assert tape.to_plotly_json()["namespace"] == "wallboard" and tape.id == "wb-tape"
    assert tape.items == [
        {
            "text": quoted.text,
            "status": "ok",
            "title": quoted.title,
            "href": f"/instrument/{btc.id}",
        },
        {"text": wire.text, "status": "ok", "title": wire.title, "href": None},
    ]
    assert "Wire:" in wire.text and quoted.title  # a headline links nowhere


def test_a_kiosk_tape_and_the_first_render_have_no_links(make_settings):
    from dash import html

    from components.shell import shell, ticker
    from components.tape import Tape
    from tests.support.pages import walk

    board, _ = _tape_board(make_settings)
    assert [entry["href"] for entry in ticker(ticker_items(board)).items] == [None, None]
    layout = shell(board, html.Div(id="page"))
    (tape,) = [n for n in walk(layout) if isinstance(n, Tape)]
    # Before the browser says it is no kiosk, the tape is plain.
    assert [entry["href"] for entry in tape.items] == [None, None]


def test_the_tape_links_only_when_the_url_is_no_kiosk():
    from components.shell import tape_links

    assert tape_links("") is True and tape_links("?rotate=1") is True
    assert tape_links("?kiosk=1") is False and tape_links("?theme=x&kiosk=1") is False
    assert tape_links(None) is False  # not known yet


@pytest.mark.parametrize("search", [["?kiosk=1"], {"kiosk": "1"}, 3, "?" + "x" * 5000])
def test_a_hand_made_url_query_for_the_tape_is_refused(search):
    import flask
    from werkzeug.exceptions import HTTPException

    from components.shell import tape_links

    with flask.Flask(__name__).test_request_context("/"), pytest.raises(HTTPException) as no:
        tape_links(search)
    assert no.value.response.status_code == 400


def test_the_tape_refreshes_on_the_url_and_clicks_on_linked_graphs_open_instruments():
    from dash import Dash

    from components.shell import register_shell_callbacks

    app = Dash(__name__)
    register_shell_callbacks(app)
    (tape,) = [c for c in app._callback_list if "wb-tape.items" in c["output"]]
    assert {"id": "wb-nav", "property": "search"} in tape["inputs"]
    (opener,) = [
        c
        for c in app._callback_list
        if (c.get("clientside_function") or {}).get("function_name") == "openClicked"
    ]
    assert opener["inputs"] == [
        {"id": '{"graph":["ALL"],"type":"wb-linked-graph"}', "property": "clickData"}
    ]


def test_an_alerts_tick_answers_204_while_the_banner_is_the_one_shown(make_settings):
    app = create_app(make_settings("demo"), start_refresher=False)
    board = app.server.extensions["wallboard"]
    client = app.server.test_client()
    client.get("/overview")  # sets Dash up
    dependencies = client.get("/_dash-dependencies").get_json()

    def tick(shown: object):
        body = callback_body(dependencies, "wb-alerts.children", {"wb-alerts-shown.data": shown})
        answer = client.post(CALLBACK, json=body)
        return None if answer.status_code == 204 else answer.get_json()["response"]

    first = tick(None)  # no banner yet: the empty one is sent once
    assert first["wb-alerts"]["children"] == []
    assert tick(first["wb-alerts-shown"]["data"]) is None
    move = spx_move(board.clock(), board.clock())
    board.store.cache.set(board.store.alerts_key, AlertState(alerts={move.key: move}), timeout=0)
    raised = tick(first["wb-alerts-shown"]["data"])
    assert "S&P 500 ▲ +2.1%" in str(raised["wb-alerts"]["children"])
    assert tick(raised["wb-alerts-shown"]["data"]) is None


def test_the_banner_digest_ignores_the_age_the_browser_counts_on():
    from components.badges import age_span
    from components.shell import banner_digest

    at = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)

    def line(message: str, minutes: int) -> list:
        now = at + timedelta(minutes=minutes)
        return [html.Div([message, html.Span(age_span(at, now))], className="wb-alert")]

    assert banner_digest(line("S&P 500 ▲ +2.1%", 3)) == banner_digest(line("S&P 500 ▲ +2.1%", 9))
    assert banner_digest(line("S&P 500 ▲ +2.1%", 3)) != banner_digest(line("S&P 500 ▲ +2.5%", 3))


def test_the_tape_is_worked_out_once_for_every_screen_until_its_data_moves(
    make_settings, monkeypatch
):
    import components.shell as shell

    settings = make_settings("demo")
    btc = settings.datasets["crypto"].instruments[0]
    marked = {name: [] for name, dataset in settings.datasets.items() if dataset.ticker}
    board = board_of(settings, {**marked, "crypto": [quote(btc.id, 97_000.0)]})
    worked = []
    real = shell._ticker_items
    monkeypatch.setattr(shell, "_ticker_items", lambda *a: worked.append(a) or real(*a))
    first = ticker_items(board)
    assert ticker_items(board) is first and len(worked) == 1  # the next screens' ticks
    board.store.write(
        Snapshot(
            dataset="crypto",
            records=(quote(btc.id, 98_000.0),),
            as_of=NOW,
            fetched_at=NOW,
            source="demo",
            status=Status.OK,
        ),
        persist=False,
    )
    moved = ticker_items(board)
    assert len(worked) == 2 and "98,000" in " ".join(item.text for item in moved)


def test_the_tape_is_sent_as_the_entries_made_once_per_items_and_kind_of_screen(make_settings):
    import components.shell as shell

    settings = make_settings("demo")
    btc = settings.datasets["crypto"].instruments[0]
    marked = {name: [] for name, dataset in settings.datasets.items() if dataset.ticker}
    items = ticker_items(board_of(settings, {**marked, "crypto": [quote(btc.id, 97_000.0)]}))
    wall = shell.tape_sent(items, links=False)
    assert shell.tape_sent(items, links=False) is wall  # every kiosk after the first
    desk = shell.tape_sent(items, links=True)
    assert shell.tape_sent(items, links=False) is wall and desk is not wall
    assert wall == shell.ticker(items).items and desk == shell.ticker(items, links=True).items
    assert [e["href"] for e in wall] == [None] and [e["href"] for e in desk] == ["/instrument/btc"]
