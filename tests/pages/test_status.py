"""System status scene: when no market source could be reached it says so first, in one
sentence pointing to the demo edition; otherwise not a word of it."""

from __future__ import annotations

from components.scene import view_of
from components.status import NO_SOURCE_REACHED
from pages import status
from providers.models import Snapshot, Status
from tests.components.test_no_source import board_of, errored, fomc_from_config, with_data
from tests.support.pages import revived, text_of, with_class


def system_section(body: list):
    """The System section, as the html components the page's Static part draws."""
    (section,) = [revived(s.tree) for s in body if text_of(s).startswith("System")]
    return section


def test_no_source_reached_is_the_first_thing_the_status_scene_says(make_settings):
    board = board_of(make_settings("open"), calendar=fomc_from_config())
    body = status.render(view_of(board, "status"))
    _title, first, *_ = system_section(body).children
    assert text_of(first) == NO_SOURCE_REACHED
    assert first.to_plotly_json()["props"]["data-sources"] == "none-reached"
    assert text_of(body).count(NO_SOURCE_REACHED) == 1
    # The table still lists every dataset as unavailable, with its reason.
    rows = with_class(body, "wb-status")[0].children[2].children
    assert {row.to_plotly_json()["props"]["data-status"] for row in rows} == {"error", "fallback"}


def test_not_said_while_a_dataset_has_market_data_or_is_still_waiting(make_settings):
    settings = make_settings("open")
    for case in (
        {"indices": with_data("indices")},
        {"news": with_data("news", "rss", Status.STALE)},
        {"fx": Snapshot.pending("fx")},
    ):
        body = status.render(view_of(board_of(settings, **case), "status"))
        assert NO_SOURCE_REACHED not in text_of(body), case
        assert "Cache: SimpleCache, ok." in text_of(system_section(body)), case


def test_not_said_in_the_demo_edition(make_settings):
    board = board_of(make_settings("demo"), fx=errored("fx"))
    assert NO_SOURCE_REACHED not in text_of(status.render(view_of(board, "status")))
