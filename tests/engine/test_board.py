"""The board's read side: a snapshot as shown now, assessed once a second per stored snapshot."""

from __future__ import annotations

from datetime import timedelta

from cachelib import SimpleCache

import engine.board as board_module
from engine.board import Board
from engine.store import SnapshotStore
from providers.models import Quote, Snapshot, Status
from tests.support.fakes.providers import T0


def fx(price: float, at=T0) -> Snapshot:
    quote = Quote(symbol="eurusd", name="EUR/USD", price=price, as_of=at)
    return Snapshot(
        dataset="fx", records=(quote,), as_of=at, fetched_at=at, source="yahoo", status=Status.OK
    )


def counting_board(make_settings, monkeypatch, clock: dict) -> tuple[Board, list]:
    assessed = []
    real = board_module.assess

    def assess(snapshot, dataset, now):
        assessed.append(now)
        return real(snapshot, dataset, now)

    monkeypatch.setattr(board_module, "assess", assess)
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=None)
    store.write(fx(1.08), persist=False)
    return Board(make_settings("open"), store, None, lambda: clock["now"]), assessed


def test_a_snapshot_is_assessed_once_per_second_of_the_clock(make_settings, monkeypatch):
    clock = {"now": T0 + timedelta(seconds=0.1)}
    board, assessed = counting_board(make_settings, monkeypatch, clock)
    first = board.snapshot("fx")
    clock["now"] = T0 + timedelta(seconds=0.9)
    assert board.snapshot("fx") is first  # every screen's tick in that second reads this one
    assert assessed == [T0 + timedelta(seconds=0.1)]
    clock["now"] = T0 + timedelta(seconds=1)
    again = board.snapshot("fx")
    assert again is not first and again == first
    assert assessed[-1] == T0 + timedelta(seconds=1) and len(assessed) == 2


def test_a_new_write_or_a_new_configuration_is_assessed_at_once(make_settings, monkeypatch):
    clock = {"now": T0}
    board, assessed = counting_board(make_settings, monkeypatch, clock)
    assert board.snapshot("fx").records[0].price == 1.08
    board.store.write(fx(1.09), persist=False)
    assert board.snapshot("fx").records[0].price == 1.09  # the same second, a new snapshot
    board.settings = make_settings("open")  # a reload: other objects, maybe other thresholds
    board.snapshot("fx")
    assert len(assessed) == 3


def test_a_stale_status_turns_within_the_second_it_is_due(make_settings, monkeypatch):
    clock = {"now": T0}
    board, _ = counting_board(make_settings, monkeypatch, clock)
    limit = board.settings.datasets["fx"].stale_after_s
    clock["now"] = T0 + timedelta(seconds=limit - 1)
    assert board.snapshot("fx").status is not Status.STALE
    clock["now"] = T0 + timedelta(seconds=limit + 1)
    assert board.snapshot("fx").status is Status.STALE
    # An explicit time is assessed as of that time too, whatever was asked before.
    assert board.snapshot("fx", T0).status is not Status.STALE
