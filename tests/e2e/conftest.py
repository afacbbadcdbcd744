"""Browser-test fixtures shared by the scene tests."""

from __future__ import annotations

import pytest

from app import create_app
from engine.lookup_worker import LookupWorker


@pytest.fixture
def demo_app(make_settings):
    """The demo edition with every dataset refreshed once (no background refresher)."""
    app = create_app(make_settings("demo"), start_refresher=False)
    board = app.server.extensions["wallboard"]
    for name in board.settings.datasets:
        assert board.refresher.refresh(name).records, name
    return app


@pytest.fixture
def board_app(demo_app):
    """The demo app with the lookup worker running, as the leading refresher runs it (an
    instrument page's history comes from it)."""
    worker = LookupWorker(demo_app.server.extensions["wallboard"].refresher)
    worker.start()
    yield demo_app
    worker.stop()
