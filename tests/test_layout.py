"""The folder layout holds: import-linter's contracts (pyproject.toml) are kept, the data side
loads no Flask or Dash even through a library, and every folder of code says in its opening
docstring what lives there and what it may import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import CODE_FOLDERS, ROOT


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("folder", CODE_FOLDERS)
def test_each_folder_says_what_lives_there_and_what_it_may_import(folder):
    docstring = ast.get_docstring(ast.parse((ROOT / folder / "__init__.py").read_text()))
    assert docstring and "import" in docstring.lower(), f"{folder}/__init__.py"


def test_the_data_side_loads_no_flask_or_dash_at_run_time():
    # The contracts read import lines; a library can still import Flask behind them, as
    # flask_caching's cache backends did. So: import every data-side module in a fresh
    # interpreter and look at what got loaded.
    script = (
        "import importlib, pkgutil, sys\n"
        "for name in ('providers', 'engine', 'analytics', 'config'):\n"
        "    package = importlib.import_module(name)\n"
        "    for module in pkgutil.walk_packages(package.__path__, name + '.'):\n"
        "        importlib.import_module(module.name)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(result.stdout.split())
    assert loaded & {"flask", "flask_caching", "dash"} == set()
