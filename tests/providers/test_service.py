"""The stand-alone refresher process: refreshes until stopped, stops when its parent is gone,
and refuses an unusable configuration with exit code 2 and the reason."""

from __future__ import annotations

import yaml

from config import DEFAULT_CONFIG
from providers import service
from providers.models import Snapshot


def write_config(tmp_path, **changes):
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config.update(edition="demo", state_dir=str(tmp_path / "state"), **changes)
    config["cache"]["dir"] = str(tmp_path / "cache")
    path = tmp_path / "wallboard.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_runs_the_refresher_until_its_parent_is_gone(tmp_path, monkeypatch):
    monkeypatch.setenv("WALLBOARD_CONFIG", str(write_config(tmp_path)))
    monkeypatch.setattr(service, "PARENT_POLL_S", 0.2)
    polls = iter([True] * 10 + [False])
    assert service.main(parent_alive=lambda: next(polls)) == 0

    saved = tmp_path / "state" / "snapshots" / "demo" / "crypto.json"
    snapshot = Snapshot.model_validate_json(saved.read_bytes())
    assert snapshot.source == "demo" and snapshot.records
    # It gave up the host lock on the way out, so the next refresher leads at once.
    from filelock import FileLock

    lock = FileLock(str(tmp_path / "state" / "refresher-demo.lock"), timeout=0)
    lock.acquire()
    lock.release()


def test_an_invalid_configuration_exits_2_naming_the_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WALLBOARD_CONFIG", str(write_config(tmp_path, theme="purple")))
    assert service.main(parent_alive=lambda: False) == 2
    assert "theme" in capsys.readouterr().err
