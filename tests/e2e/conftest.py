"""Browser-test fixtures shared by the scene tests."""

from __future__ import annotations

import pytest

from app import create_app


@pytest.fixture
def demo_app(make_settings):
    """The demo edition with every dataset refreshed once (no background refresher)."""
    app = create_app(make_settings("demo"), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in board.settings.datasets:
        assert board.refresher.refresh(name).records, name
    return app
