"""Sparklines are tiny SVGs that scale to the values; nothing to draw is None."""

from __future__ import annotations

from urllib.parse import unquote

from components.figures import DOWN, UP, direction_colour, sparkline_svg


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
