"""The browser code's own tests (node's test runner), run here so one pytest command covers
them: every tests/assets/*.test.cjs file (the age and date rules against the tables format_age
and format_wall_date are tested with, the carousel's and the screen beat's choices, the
sparklines' points, the drawing of the tape, a tile, the scenes' links and a shown-only part,
the wall's fitting and paging, and all assets/*.js loaded into a fake page), one node each."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
NODE = shutil.which("node")
NODE_TESTS = sorted(HERE.glob("*.test.cjs"))


def test_the_node_tests_are_found():
    names = {path.name for path in NODE_TESTS}
    expected = {
        "wallboard_ages.test.cjs",
        "wallboard_carousel.test.cjs",
        "wallboard_clocks.test.cjs",
        "wallboard_dates.test.cjs",
        "wallboard_nav.test.cjs",
        "wallboard_page.test.cjs",
        "wallboard_screen.test.cjs",
        "wallboard_sparklines.test.cjs",
        "wallboard_static.test.cjs",
        "wallboard_tape.test.cjs",
        "wallboard_tile.test.cjs",
        "wallboard_wall.test.cjs",
    }
    assert expected <= names, names


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("test_file", NODE_TESTS, ids=lambda path: path.name)
def test_the_node_tests_pass(test_file: Path):
    # TAP whatever the node version's default reporter, so the counts below can be read.
    result = subprocess.run(
        [NODE, "--test", "--test-reporter=tap", str(test_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout, result.stdout[-2000:]
