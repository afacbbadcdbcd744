"""Chart colours and sparklines: direction colours follow the change as shown and match the
page's; sparklines are tiny SVGs that scale to the values; nothing to draw is None."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from components.figures import DARK, DOWN, FLAT, LIGHT, UP, direction_colour, sparkline_svg
from tests.support.paths import ROOT


def test_sparkline_spans_the_box_from_low_to_high():
    uri = sparkline_svg([10.0, 12.0, 11.0], UP)
    svg = unquote(uri.removeprefix("data:image/svg+xml;utf8,"))
    assert svg.startswith("<svg") and f"stroke='{UP}'" in svg
    assert "viewBox='0 0 2 100'" in svg  # one unit per point, stretched to the tile
    assert "points='0,95 1,5 2,50'" in svg  # low at the bottom, high at the top
    assert "#" not in uri  # a raw '#' would end the URI: colours are escaped


def test_nothing_to_draw():
    assert sparkline_svg([], UP) is None
    assert sparkline_svg([1.0], UP) is None
    assert sparkline_svg([float("nan"), 2.0], UP) is None


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
