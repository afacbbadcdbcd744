"""The folder layout holds: import-linter's contracts (pyproject.toml) are kept, and every
folder of code says in its opening docstring what lives there and what it may import."""

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
