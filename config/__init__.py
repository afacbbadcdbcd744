"""Load `wallboard.yaml`, apply environment overrides and validate, or say exactly what is wrong.
Imports nothing of the board: every other folder may import it.

Environment variables (they win over the file):
  WALLBOARD_CONFIG   path of the YAML file (default: config/wallboard.yaml)
  WALLBOARD_EDITION  open | wind | demo  (DATA_MODE is accepted as an alias)
  REDIS_URL          switches the cache to Redis (shared by every host of a fleet)
  WALLBOARD_STATE_DIR  where the board writes: last-good snapshots, locks, the refresher's
                     configuration copy and (unless cache.dir is set) the cache
  WALLBOARD_REFRESHER  worker | external (the refresher runs in its own process)
  FRED_API_KEY       key for the FRED API
  HOST, PORT         where `python app.py` and deploy/gunicorn.conf.py listen
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import ValidationError

from config.schema import Edition, Settings

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "ADMIN_ENV",
    "DEFAULT_CONFIG",
    "SECRET_KEY_ENV",
    "VIEWER_ENV",
    "ConfigError",
    "Edition",
    "Settings",
    "load_settings",
    "secrets_of",
]

ADMIN_ENV = "WALLBOARD_ADMIN_TOKEN"  # bearer token of the /admin endpoints
VIEWER_ENV = "WALLBOARD_VIEWER_TOKEN"  # read-only access to the console and its API
SECRET_KEY_ENV = "WALLBOARD_SECRET_KEY"  # signs the console's session cookie

DEFAULT_CONFIG = Path(__file__).with_name("wallboard.yaml")

# Which settings key each environment variable overrides, so errors name the variable.
# DATA_MODE comes first so that WALLBOARD_EDITION, applied after it, wins.
_ENV_KEYS: dict[str, tuple[str, ...]] = {
    "DATA_MODE": ("edition",),
    "WALLBOARD_EDITION": ("edition",),
    "REDIS_URL": ("cache", "redis_url"),
    "WALLBOARD_STATE_DIR": ("state_dir",),
    "WALLBOARD_REFRESHER": ("refresh", "runner"),
    "FRED_API_KEY": ("fred_api_key",),
    "HOST": ("server", "host"),
    "PORT": ("server", "port"),
}
_SECRET_KEYS = {("cache", "redis_url"), ("fred_api_key",)}


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and what is wrong."""


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read, override and validate the configuration; raise ConfigError with a clear message."""
    env = os.environ if env is None else env
    path = Path(env.get("WALLBOARD_CONFIG") or DEFAULT_CONFIG)
    raw = _read_yaml(path, from_env="WALLBOARD_CONFIG" in env)
    sources = _apply_env(raw, env)
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, sources)) from None


def _read_yaml(path: Path, *, from_env: bool) -> dict[str, Any]:
    where = f"WALLBOARD_CONFIG={path}" if from_env else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read the file ({exc.__class__.__name__})") from None
    try:
        # libyaml's safe loader (PyYAML's wheels ship it): ~10x faster than the pure-Python
        # one, and the file is read at every start, in the app and in the refresher.
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(f"{path}: {line}{problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of settings")
    return data


def _apply_env(raw: dict[str, Any], env: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """Write environment overrides into the raw settings; return which key came from where."""
    sources: dict[tuple[str, ...], str] = {}
    for var in _ENV_KEYS:
        value = env.get(var)
        if value is None or value == "":
            continue
        key = _ENV_KEYS[var]
        node = raw
        for part in key[:-1]:
            child = node.get(part)
            node[part] = child = dict(child) if isinstance(child, dict) else {}
            node = child
        lowered = key in (("edition",), ("refresh", "runner"))
        node[key[-1]] = value.strip().lower() if lowered else value
        sources[key] = var
        if var == "REDIS_URL":
            node["type"] = "redis"
    return sources


def _describe(exc: ValidationError, path: Path, sources: dict[tuple[str, ...], str]) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        loc = tuple(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        env_var = sources.get(loc)
        key = f"{env_var} (environment)" if env_var else ".".join(loc) or "(top level)"
        if loc and error["type"] not in {"missing"} and loc not in _SECRET_KEYS:
            value = error.get("input")
            if isinstance(value, str | int | float | bool) and len(repr(value)) < 80:
                message += f" (got {value!r})"
        lines.append(f"{key}: {message}")
    header = f"invalid configuration in {path}:"
    return header + ("".join(f"\n  {line}" for line in lines))


def secrets_of(settings: Settings, env: Mapping[str, str] | None = None) -> list[str]:
    """Every secret the process knows, for redaction from logs (a Redis URL's password too)."""
    env = os.environ if env is None else env
    found = [env.get(name, "") for name in (ADMIN_ENV, VIEWER_ENV, SECRET_KEY_ENV)]
    found.append(env.get(settings.alerts.webhook_env, ""))
    if settings.fred_api_key is not None:
        found.append(settings.fred_api_key.get_secret_value())
    if settings.cache.redis_url is not None:
        url = settings.cache.redis_url.get_secret_value()
        found += [url, urlsplit(url).password or ""]
    found += [o.api_key.get_secret_value() for o in settings.providers.values() if o.api_key]
    return [s for s in found if s]
