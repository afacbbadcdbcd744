"""The browser code's own tests (node's test runner), run here so one pytest command covers
them: the age counter of assets/wallboard.js against the table format_age is tested with."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_browser_age_counter_follows_the_shared_table():
    result = subprocess.run(
        [NODE, "--test", str(HERE / "wallboard_ages.test.cjs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout, result.stdout[-2000:]
