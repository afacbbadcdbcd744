"""Where things are: the repository, and the recorded payloads every test replays."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
# The npm packages the README's test command installs for the tests (axe-core, Bootstrap...).
NODE_MODULES = ROOT / ".venv" / "node" / "node_modules"
# The folders of code (each a package whose __init__ says what it may import), and everything a
# board needs to run from a copy of the checkout.
CODE_FOLDERS = ("providers", "engine", "analytics", "web", "components", "pages", "config")
BOARD_FILES = ("app.py", "assets", "deploy", *CODE_FOLDERS)
