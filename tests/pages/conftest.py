"""Fixtures shared by the page tests."""

from __future__ import annotations

import pytest

from config import load_settings


@pytest.fixture(scope="module")
def settings():
    """The shipped configuration."""
    return load_settings(env={})
