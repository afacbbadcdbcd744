"""Shared test helpers: settings built from the real config file, in a temporary state dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_settings
from config.schema import Settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def make_settings(tmp_path: Path):
    """Settings from config/wallboard.yaml with overrides, state kept in tmp_path."""

    def make(edition: str = "open", **overrides) -> Settings:
        raw = load_settings(env={"WALLBOARD_EDITION": edition}).model_dump()
        raw["state_dir"] = str(tmp_path / "state")
        raw["cache"]["dir"] = str(tmp_path / "cache")
        for key, value in overrides.items():
            raw[key] = {**raw[key], **value} if isinstance(value, dict) else value
        return Settings.model_validate(raw)

    return make


def pytest_setup_options():
    """Chromium flags for dash_duo: headless as root, no background traffic to the internet."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1920,1080",
    ):
        options.add_argument(flag)
    return options
