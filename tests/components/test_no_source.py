"""An offline first run: when no market source could be reached, the wall (a banner in the
shell, on every scene, kiosk included) says so in one sentence and points to the demo edition;
never in the demo edition, never while a dataset has market data or is still waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cachelib import SimpleCache
from dash import html

import pages.status
from app import create_app
from components.scene import view_of
from components.shell import shell
from components.status import NO_SOURCE_REACHED, no_source_reached
from engine.board import Board
from engine.store import SnapshotStore
from providers.base import build_providers
from providers.models import CalendarEvent, Quote, Snapshot, Status
from tests.support.dashreq import CALLBACK, callback_body
from tests.support.pages import prop, text_of, walk
from tests.test_app import offline_settings, offline_yahoo

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a Friday afternoon in London
TRIED = NOW - timedelta(seconds=40)


def errored(name: str) -> Snapshot:
    """What the refresher writes when every provider of a dataset failed and nothing was kept."""
    return Snapshot(
        dataset=name,
        status=Status.ERROR,
        error="yahoo: could not resolve host (offline); stooq: could not connect",
        failures=1,
        fetch_count=1,
        attempted_at=TRIED,
    )


def with_data(name: str, source: str = "yahoo", status: Status = Status.OK) -> Snapshot:
    quote = Quote(symbol="x", name="X", price=101.0, as_of=TRIED)
    return Snapshot(
        dataset=name,
        records=(quote,),
        as_of=TRIED,
        fetched_at=TRIED,
        source=source,
        status=status,
        fetch_count=1,
        attempted_at=TRIED,
    )


def fomc_from_config(source: str = "schedule") -> Snapshot:
    """The calendar's fallback: the FOMC dates written in the configuration, got offline too."""
    event = CalendarEvent(time=NOW + timedelta(days=12), country="US", name="FOMC decision")
    return Snapshot(
        dataset="calendar",
        records=(event,),
        as_of=TRIED,
        fetched_at=TRIED,
        source=source,
        status=Status.FALLBACK,
        error="fred: needs FRED_API_KEY",
        fetch_count=1,
        attempted_at=TRIED,
    )


def board_of(settings, **snapshots: Snapshot) -> Board:
    """A board whose store holds every dataset errored, except those given."""
    store = SnapshotStore(SimpleCache(), namespace=settings.edition.value, persist_dir=None)
    for name in settings.datasets:
        store.write(snapshots.get(name, errored(name)), persist=False)
    return Board(settings, store, None, lambda: NOW)


def banner(layout) -> html.Div:
    (found,) = [n for n in walk(layout) if getattr(n, "id", None) == "wb-no-source"]
    return found


def test_every_dataset_errored_in_the_open_edition_is_no_source_reached(make_settings):
    board = board_of(make_settings("open"))
    assert no_source_reached(board)
    shown = banner(shell(board, html.Div(id="page")))
    assert shown.hidden is False
    assert text_of(shown) == f"✕ {NO_SOURCE_REACHED}"
    assert prop(shown, "role") == "alert"


def test_the_calendar_from_the_configuration_is_not_a_source_reached(make_settings):
    """Offline, the calendar still lists the configured FOMC dates: that needs no network."""
    assert no_source_reached(board_of(make_settings("open"), calendar=fomc_from_config()))
    # Release dates fetched from FRED (with the configured ones added) mean FRED answered.
    fred = fomc_from_config("fred+schedule")
    assert not no_source_reached(board_of(make_settings("open"), calendar=fred))


@pytest.mark.parametrize(
    ("case", "snapshot"),
    [
        ("live data", with_data("fx")),
        ("a fallback's data", with_data("fx", "ecb", Status.FALLBACK)),
        ("last-good data kept, now stale", with_data("fx", "yahoo", Status.STALE)),
        ("still waiting for its first refresh", Snapshot.pending("fx")),
        (
            "a source that answered with nothing",
            errored("fx").model_copy(update={"status": Status.EMPTY}),
        ),
        (
            "errored, but data was fetched once",
            errored("fx").model_copy(update={"fetched_at": TRIED}),
        ),
    ],
)
def test_one_dataset_not_stranded_means_no_banner(make_settings, case, snapshot):
    board = board_of(make_settings("open"), fx=snapshot)
    assert not no_source_reached(board), case
    shown = banner(shell(board, html.Div(id="page")))
    assert shown.hidden is True and text_of(shown) == "", case


def test_never_in_the_demo_edition(make_settings):
    board = board_of(make_settings("demo"))
    assert not no_source_reached(board)
    layout = shell(board, html.Div(id="page"))
    assert banner(layout).hidden is True
    assert NO_SOURCE_REACHED not in text_of(layout)
    assert NO_SOURCE_REACHED not in text_of(pages.status.render(view_of(board, "status")))


def health_tick(client, shown_health, banner_hidden):
    """POST the shell's health tick as the browser does; the answer's outputs, or None (204)."""
    dependencies = client.get("/_dash-dependencies").get_json()
    values = {
        "wb-health-tick.n_intervals": 1,
        "wb-health.data": shown_health,
        "wb-no-source.hidden": banner_hidden,
    }
    body = callback_body(dependencies, "wb-no-source.hidden", values)
    answer = client.post(CALLBACK, json=body)
    if answer.status_code == 204:
        return None
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_json()["response"]


def test_an_offline_first_run_of_the_open_edition_points_to_the_demo(make_settings):
    """Every real source of the open edition at a closed port (Yahoo's SDK replaced by an
    offline stand-in): before the first round nothing is said, after it the banner appears by
    itself on the wall and the status scene says the same."""
    settings = offline_settings(make_settings)
    providers = {**build_providers(settings), "yahoo": offline_yahoo()}
    app = create_app(settings, start_refresher=False, providers=providers)
    board = app.server.extensions["wallboard"]
    client = app.server.test_client()
    client.get("/overview")  # sets Dash up

    # Waiting for the first refresh: not yet known, so not said.
    assert not no_source_reached(board)
    layout = client.get("/_dash-layout").get_json()
    assert NO_SOURCE_REACHED not in str(layout)
    assert "wb-no-source" not in health_tick(client, None, True)

    for name in settings.datasets:
        board.refresher.refresh(name)
    assert board.snapshot("calendar").source == "schedule"  # the configured FOMC dates
    assert no_source_reached(board)

    # The open screen learns it at its next health tick (every 10 s)...
    answer = health_tick(client, None, True)
    assert answer["wb-no-source"]["hidden"] is False
    assert NO_SOURCE_REACHED in str(answer["wb-no-source"]["children"])
    # ... and says nothing more while nothing changes.
    assert health_tick(client, answer["wb-health"]["data"], False) is None

    # A screen opened now (any scene, the kiosk too: the shell is the same) shows it at once.
    shown = client.get("/_dash-layout").get_json()
    (node,) = [n for n in _json_nodes(shown) if n.get("props", {}).get("id") == "wb-no-source"]
    assert node["props"]["hidden"] is False
    assert NO_SOURCE_REACHED in str(node["props"]["children"])
    root_children = shown["props"]["children"]
    assert node in root_children  # in the frame itself, outside the navigation the kiosk hides

    with app.server.test_request_context("/status"):
        status_text = text_of(pages.status.render(view_of(board, "status")))
    assert status_text.count(NO_SOURCE_REACHED) == 1


def _json_nodes(node):
    """Every component in a layout as Dash serves it (JSON)."""
    if isinstance(node, dict):
        yield node
        yield from _json_nodes(node.get("props", {}).get("children"))
    elif isinstance(node, list):
        for child in node:
            yield from _json_nodes(child)
