"""Headless Chromium's flags, shared by dash_duo (tests/conftest.py) and the kiosk runs."""

from __future__ import annotations


def chrome_options():
    """Chromium options: headless as root, no background traffic to the internet."""
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
