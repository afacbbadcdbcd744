"""The board's Bootstrap CSS (assets/00_bootstrap.min.css) is what deploy/bootstrap/purge.js
builds from the Bootstrap its kit pins, and the test command installs that same Bootstrap and
PurgeCSS for the checks (this one, and tests/e2e/test_bootstrap_css.py, which loads every page
against all of Bootstrap)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import NODE_MODULES, ROOT

KIT = ROOT / "deploy" / "bootstrap"
CSS = ROOT / "assets" / "00_bootstrap.min.css"
KIT_MODULES = Path(os.environ.get("BOOTSTRAP_NODE_MODULES", NODE_MODULES))


def purge(*args: str) -> subprocess.CompletedProcess:
    if not (KIT_MODULES / "purgecss").is_dir():
        pytest.fail(f"{KIT_MODULES} has no purgecss: the README's test command installs it")
    return subprocess.run(
        [shutil.which("node") or "node", str(KIT / "purge.js"), *args],
        env={**os.environ, "NODE_PATH": str(KIT_MODULES)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def kit_versions() -> dict[str, str]:
    return json.loads((KIT / "package.json").read_text())["devDependencies"]


def test_the_css_is_what_the_kit_builds():
    done = purge("--check")
    assert done.returncode == 0, done.stderr


def test_the_check_fails_on_a_css_the_kit_did_not_build(tmp_path):
    changed = tmp_path / "bootstrap.css"
    changed.write_text(CSS.read_text() + ".x{}")
    done = purge("--check", str(changed))
    assert done.returncode == 1 and "is not what deploy/bootstrap/purge.js builds" in done.stderr
    assert purge("--check", str(tmp_path / "none.css")).returncode == 1


def test_the_kit_the_lock_the_css_and_the_test_command_agree_on_versions():
    versions = kit_versions()
    lock = json.loads((KIT / "package-lock.json").read_text())["packages"]
    for name, version in versions.items():
        assert lock[f"node_modules/{name}"]["version"] == version, name
    assert CSS.read_text()[:120].startswith(
        f'@charset "UTF-8";/*! Bootstrap v{versions["bootstrap"]} trimmed'
    )
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"<!-- test-command -->(.*?)<!-- /test-command -->", readme, re.S)[1]
    for name, version in versions.items():
        assert f" {name}@{version} " in command, name


def test_the_css_keeps_what_the_board_uses_and_little_else():
    css = CSS.read_text()
    # The navbar dash-bootstrap-components draws, the console's forms and tables, a utility.
    for selector in (".navbar-expand-md", ".nav-link", ".form-control", ".table", ".d-flex"):
        assert re.search(re.escape(selector) + r"[{,:\s>]", css), selector
    # Components the board never draws.
    for selector in (".accordion", ".offcanvas", ".modal", ".pagination", ".list-group"):
        assert selector not in css, selector
    assert len(css) < 60_000
