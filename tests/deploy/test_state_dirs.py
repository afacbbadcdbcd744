"""A board's state is its own: two boards on one host, started as the Deployment section says
(`gunicorn -c deploy/gunicorn.conf.py app:server`, refresher in its own process) and told apart
only by WALLBOARD_STATE_DIR (and PORT, to listen apart), write nothing into a directory they
share. They run from a copy of the checkout, so anything either writes there shows."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.paths import BOARD_FILES, ROOT
from tests.support.services import free_port, wait_until


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with its size and modification time."""
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of the code the board runs (no var/, no bytecode)."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    for name in BOARD_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    return copy


def board_env(state_dir: Path, port: int) -> dict[str, str]:
    """The environment of one board: the shipped configuration, the demo edition, its own state
    directory and port; nothing else of the board's configured."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("WALLBOARD_")
        and k not in {"DATA_MODE", "REDIS_URL", "HOST", "PORT", "PROMETHEUS_MULTIPROC_DIR"}
    }
    return {
        **env,
        "WALLBOARD_EDITION": "demo",
        "WALLBOARD_STATE_DIR": str(state_dir),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@pytest.fixture
def boards(tmp_path, checkout) -> Iterator[list[tuple[Path, int, subprocess.Popen]]]:
    started = []
    for name in ("one", "two"):
        state, port = tmp_path / name, free_port()
        command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:server"]
        process = subprocess.Popen(
            command,
            cwd=checkout,
            env=board_env(state, port),
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / f"{name}.log", "wb"),  # noqa: SIM115 - the process owns it
            start_new_session=True,
        )
        started.append((state, port, process))
    yield started
    for _, _, process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_two_boards_with_their_own_state_dirs_share_nothing(tmp_path, checkout, boards):
    # The copy's own modules are the ones that run (not the checkout the venv points at).
    where = subprocess.run(
        [sys.executable, "-c", "import engine.build as e; print(e.ROOT)"],
        cwd=checkout,
        env=board_env(tmp_path / "probe", 1),
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()) == checkout
    before = tree(checkout)

    for state, port, process in boards:
        url = f"http://127.0.0.1:{port}"  # PORT alone chose it: no --bind
        log = state.with_suffix(".log")
        assert wait_until(lambda u=url: requests.get(f"{u}/healthz", timeout=2).ok, 60, 0.2), (
            log.read_text(errors="replace")[-2000:]
        )
        crypto = state / "snapshots" / "demo" / "crypto.json"
        assert wait_until(crypto.exists, 30), log.read_text(errors="replace")[-2000:]
        status = requests.get(f"{url}/api/status", timeout=5).json()
        assert status["edition"] == "demo"
        # Its own refresher process fetched it: the other board's never wrote its cache.
        refresher = int(status["datasets"]["crypto"]["refreshed_by"].rsplit(":", 1)[1])
        assert refresher in group(process.pid) - {process.pid}
    for _, _, process in boards:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    assert tree(checkout) == before, "a board wrote into the checkout"
    assert not (checkout / "var").exists()
    for state, _, _ in boards:
        written = {str(p.relative_to(state)) for p in state.rglob("*") if p.is_file()}
        assert "refresher-config.yaml" in written
        assert "refresher-demo.lock" in written
        assert "snapshots/demo/crypto.json" in written
        assert any(name.startswith("cache/") for name in written), written


def group(leader: int) -> set[int]:
    """The live processes of a board: its gunicorn master's process group."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == leader and fields[0] != "Z":  # state, ppid, pgrp
                    found.add(int(entry.name))
    return found
