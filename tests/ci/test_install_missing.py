"""A fresh machine, simulated: the test command and .ci/run ask apt for the missing tools only.

The PATH is a farm of links to this machine's programs without the tools the tests need; each
tool "present" in a case is a stub of that name, and `apt-get` is a stub that records its
arguments. `python3` is a stub that fails, so the commands stop right after installing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {
    "chromium": "chromium",
    "chromedriver": "chromium-driver",
    "npm": "npm",
    "redis-server": "redis-server",
    "nginx": "nginx",
    "curl": "curl",
}
# The image this project targets: Node.js 20 and npm from NodeSource, none of the others.
FRESH_IMAGE = {"npm"}
STUBBED = {*TOOLS, "apt-get", "sudo", "python3", "node", "nodejs"}


def _stub(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


def fake_machine(tmp_path: Path, present: set[str]) -> tuple[dict[str, str], Path]:
    """An environment whose PATH has this machine's programs but only `present` of the tools."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            name = entry.name
            if name in STUBBED or name.startswith("python3") or (bin_dir / name).exists():
                continue
            (bin_dir / name).symlink_to(entry.path)
    apt_log = tmp_path / "apt-get.log"
    _stub(bin_dir / "apt-get", f'echo "$*" >> {apt_log}')
    _stub(bin_dir / "python3", "echo 'python3 stub: stop here' >&2; exit 97")
    for tool in present:
        _stub(bin_dir / tool, "exit 0")
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "LANG": "C.UTF-8", "CI": "true"}
    return env, apt_log


def installed(apt_log: Path) -> list[list[str]]:
    """The package lists apt-get was asked to install, one per call."""
    if not apt_log.exists():
        return []
    calls = [line.split() for line in apt_log.read_text().splitlines()]
    return [[a for a in call[1:] if not a.startswith("-")] for call in calls if "install" in call]


def checkout(tmp_path: Path) -> Path:
    """The files the two commands need before they set up Python: README.md and .ci/."""
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT / ".ci", copy / ".ci")
    shutil.copy(ROOT / "README.md", copy / "README.md")
    return copy


def readme_test_command() -> str:
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- test-command -->")[1].split("<!-- /test-command -->")[0]
    return "\n".join(line for line in block.strip().splitlines() if not line.startswith("```"))


def run_readme_test_command(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_test_command()],
        cwd=checkout(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_ci(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    copy = checkout(tmp_path)
    return subprocess.run(
        ["bash", str(copy / ".ci" / "run")],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("run", [run_readme_test_command, run_ci], ids=["readme", "ci"])
def test_a_fresh_image_gets_only_the_missing_packages_and_never_npm(tmp_path, run):
    env, apt_log = fake_machine(tmp_path, present=FRESH_IMAGE | {"curl"})
    result = run(tmp_path, env)
    assert "python3 stub: stop here" in result.stderr, result.stderr  # got past installing
    assert installed(apt_log) == [["chromium", "chromium-driver", "redis-server", "nginx"]]
    assert not any(word in ("npm", "nodejs") for call in installed(apt_log) for word in call)


@pytest.mark.parametrize("run", [run_readme_test_command, run_ci], ids=["readme", "ci"])
def test_a_machine_with_everything_never_calls_apt(tmp_path, run):
    env, apt_log = fake_machine(tmp_path, present=set(TOOLS))
    result = run(tmp_path, env)
    assert "python3 stub: stop here" in result.stderr, result.stderr
    assert not apt_log.exists()


@pytest.mark.parametrize("run", [run_readme_test_command, run_ci], ids=["readme", "ci"])
def test_a_machine_with_nothing_gets_debians_npm_too(tmp_path, run):
    env, apt_log = fake_machine(tmp_path, present=set())
    result = run(tmp_path, env)
    assert "python3 stub: stop here" in result.stderr, result.stderr
    assert installed(apt_log) == [list(TOOLS.values())]


def test_a_tool_without_a_known_package_is_an_error(tmp_path):
    env, apt_log = fake_machine(tmp_path, present=set(TOOLS))
    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "install-missing"), "no-such-tool"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no Debian package known for 'no-such-tool'" in result.stderr
    assert not apt_log.exists()
