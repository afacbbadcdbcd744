"""Chart colours and sparklines: direction colours follow the change as shown and match the
page's; a sparkline's points scale to the values in a short text; nothing to draw is None."""

from __future__ import annotations

import re

import pytest

from components.figures import DARK, DOWN, FLAT, LIGHT, UP, direction_colour, sparkline_points
from tests.support.paths import ROOT


def test_sparkline_spans_the_box_from_low_to_high():
    # x the index, y 0 (top) to 100 (bottom): low at the bottom pad, high at the top pad.
    assert sparkline_points([10.0, 12.0, 11.0]) == "0,95 1,5 2,50"
    assert sparkline_points([5.0, 5.0]) == "0,95 1,95"  # no move: flat, on the low pad


def test_sparkline_points_are_whole_numbers_one_pair_per_value():
    """Every price move sends them to every screen again: no decimals, nothing around them."""
    values = [100 + (i % 7) * 1.37 for i in range(48)]  # the demo's 48 points
    points = sparkline_points(values)
    assert re.fullmatch(r"\d+,\d+( \d+,\d+)*", points)
    assert [pair.split(",")[0] for pair in points.split()] == [str(i) for i in range(48)]


def test_nothing_to_draw():
    assert sparkline_points([]) is None
    assert sparkline_points([1.0]) is None
    assert sparkline_points([float("nan"), 2.0]) is None
    assert sparkline_points([float("inf"), 2.0, float("nan"), 3.0]) == "0,95 1,5"


def test_direction_colours():
    assert (direction_colour(1.0), direction_colour(-0.1)) == (UP, DOWN)
    assert (direction_colour(0.0), direction_colour(None)) == (FLAT, FLAT)


def test_the_colour_follows_the_change_as_shown():
    """A change that reads '0.00' is the flat grey, not a faint green or orange."""
    assert direction_colour(0.004, decimals=2) == FLAT
    assert direction_colour(-0.004, decimals=2) == FLAT
    assert direction_colour(-0.006, decimals=2) == DOWN
    assert direction_colour(0.004) == UP  # without decimals: the raw sign
    assert LIGHT.direction_colour(-0.004, 2) == LIGHT.flat
    assert [DARK.colour_of(m) for m in ("up", "down", "flat")] == [UP, DOWN, FLAT]


def _css_colours(block: str) -> dict[str, str]:
    return dict(re.findall(r"--wb-(up|down|muted):\s*(#[0-9a-fA-F]{6})", block))


@pytest.mark.parametrize(
    ("theme", "selector"), [(DARK, ":root {"), (LIGHT, '[data-bs-theme="light"] {')]
)
def test_chart_direction_colours_are_the_page_s(theme, selector):
    """Zero is the same grey everywhere: a chart's flat is the page's .wb-flat (--wb-muted), and
    its up and down the tiles' --wb-up / --wb-down, in each theme."""
    css = (ROOT / "assets" / "10_wallboard.css").read_text()
    block = css.split(selector, 1)[1].split("}", 1)[0]
    colours = _css_colours(block)
    assert (theme.up, theme.down, theme.flat) == (colours["up"], colours["down"], colours["muted"])
    assert ".wb-flat { color: var(--wb-muted); }" in css
