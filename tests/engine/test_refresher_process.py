"""The stand-alone refresher process: refreshes until stopped, stops when its parent is gone,
and refuses an unusable configuration with exit code 2 and the reason."""

from __future__ import annotations

import time

import yaml
from cachelib import FileSystemCache

from analytics.alert_keeper import AlertKeeper
from config import load_settings
from engine import refresher_process as service
from engine.refresher import utc_now
from engine.store import SnapshotStore
from providers.models import Snapshot
from tests.support.configs import shipped_config
from tests.support.services import wait_until
from tests.support.webhook_receiver import WebhookReceiver


def write_config(tmp_path, **changes):
    config = shipped_config()
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


def test_the_refresher_process_evaluates_alerts_and_posts_each_once(tmp_path, monkeypatch):
    # The deployment's refresher (deploy/gunicorn.conf.py runs this) is where alerts happen.
    config = yaml.safe_load(write_config(tmp_path).read_text())
    config["datasets"]["crypto"].update(refresh_s=0.5)
    config["alerts"] = {"rules": [{"kind": "move", "threshold_pct": 0.01, "datasets": ["crypto"]}]}
    (tmp_path / "wallboard.yaml").write_text(yaml.safe_dump(config))
    receiver = WebhookReceiver().start()
    monkeypatch.setenv("WALLBOARD_CONFIG", str(tmp_path / "wallboard.yaml"))
    monkeypatch.setenv("WALLBOARD_ALERT_WEBHOOK", receiver.url)
    monkeypatch.setattr(service, "PARENT_POLL_S", 0.2)
    polls = iter([True] * 15 + [False])  # about 3 s: several crypto refreshes
    try:
        assert service.main(parent_alive=lambda: next(polls)) == 0
        settings = load_settings()
        store = SnapshotStore(
            FileSystemCache(str(tmp_path / "cache")), namespace="demo", persist_dir=None
        )
        assert store.read("crypto").fetch_count >= 3
        alerts = AlertKeeper(lambda: settings, store, utc_now).active()
        assert alerts and {a.dataset for a in alerts} == {"crypto"}
        assert wait_until(lambda: receiver.posts, 5)
        time.sleep(0.3)
        assert {a.name: receiver.count_for(a.name) for a in alerts} == {a.name: 1 for a in alerts}
        assert len(receiver.alert_lines()) == len(alerts)
    finally:
        receiver.stop()


def test_the_refresher_process_runs_the_apps_configuration_checks(tmp_path, monkeypatch, capsys):
    path = write_config(tmp_path)
    config = yaml.safe_load(path.read_text())
    config["scenes"]["weather"] = {"title": "Weather"}
    config["datasets"]["fx"]["market"] = "XMARS"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("WALLBOARD_CONFIG", str(path))
    assert service.main(parent_alive=lambda: False) == 2
    err = capsys.readouterr().err
    assert "scenes.weather: no page module pages/weather.py" in err
    assert "datasets.fx: unknown market 'XMARS'" in err
