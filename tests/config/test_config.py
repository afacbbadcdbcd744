"""Configuration: the shipped file is valid; every kind of bad value is named precisely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from config import DEFAULT_CONFIG, ConfigError, load_settings
from config.schema import INDICATOR_WARM_UP_BARS, Edition

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, mutate) -> dict[str, str]:
    """A copy of the shipped config changed by `mutate`, and the env that points at it."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    mutate(data)
    path = tmp_path / "wallboard.yaml"
    path.write_text(yaml.safe_dump(data))
    return {"WALLBOARD_CONFIG": str(path)}


def error_of(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(env=env)
    return str(caught.value)


def test_shipped_config_is_valid() -> None:
    settings = load_settings(env={})
    assert settings.edition is Edition.OPEN
    assert settings.enabled_scenes()[0][0] == "overview"
    assert [name for name, _ in settings.enabled_scenes()][-1] == "status"
    assert settings.chain("indices") == ["yahoo", "stooq"]
    assert settings.chain("crypto") == ["binance", "coingecko"]
    assert settings.server.port == 8050


def test_environment_overrides() -> None:
    settings = load_settings(
        env={
            "WALLBOARD_EDITION": "demo",
            "PORT": "9000",
            "HOST": "0.0.0.0",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "FRED_API_KEY": "k" * 32,
        }
    )
    assert settings.edition is Edition.DEMO
    assert settings.chain("indices") == ["demo"]
    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 9000)
    assert settings.cache.type == "redis"
    assert settings.fred_api_key.get_secret_value() == "k" * 32


def test_the_cache_lives_in_the_state_dir_unless_cache_dir_says_otherwise(tmp_path: Path) -> None:
    # Two boards on one host told apart by WALLBOARD_STATE_DIR alone share no cache directory.
    first = load_settings(env={"WALLBOARD_STATE_DIR": str(tmp_path / "one")})
    second = load_settings(env={"WALLBOARD_STATE_DIR": str(tmp_path / "two")})
    assert Path(first.cache_dir()) == tmp_path / "one" / "cache"
    assert Path(second.cache_dir()) == tmp_path / "two" / "cache"
    assert Path(load_settings(env={}).cache_dir()) == Path("var") / "cache"  # under ROOT
    env = write_config(tmp_path, lambda d: d["cache"].update(dir=str(tmp_path / "elsewhere")))
    explicit = load_settings(env={**env, "WALLBOARD_STATE_DIR": str(tmp_path / "one")})
    assert Path(explicit.cache_dir()) == tmp_path / "elsewhere"


def test_data_mode_is_an_alias_and_wallboard_edition_wins() -> None:
    assert load_settings(env={"DATA_MODE": "demo"}).edition is Edition.DEMO
    both = {"DATA_MODE": "demo", "WALLBOARD_EDITION": "open"}
    assert load_settings(env=both).edition is Edition.OPEN


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WALLBOARD_EDITION": "live"}, "WALLBOARD_EDITION (environment): Input should be 'open'"),
        ({"DATA_MODE": "prod"}, "DATA_MODE (environment)"),
        ({"PORT": "eighty"}, "PORT (environment): Input should be a valid integer"),
        ({"PORT": "70000"}, "PORT (environment): Input should be less than or equal to 65535"),
        ({"WALLBOARD_CONFIG": "/nonexistent/wallboard.yaml"}, "no such configuration file"),
    ],
)
def test_bad_environment_values_are_named(env: dict[str, str], expected: str) -> None:
    assert expected in error_of(env)


def test_secret_values_are_never_echoed(tmp_path: Path) -> None:
    env = write_config(tmp_path, lambda d: d["cache"].update(type="redis"))
    message = error_of({**env, "FRED_API_KEY": "supersecretkey"})
    assert "cache: Value error" not in message
    assert "needs redis_url" in message
    assert "supersecretkey" not in message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["datasets"]["fx"].update(refresh_s=-5),
            "datasets.fx.refresh_s: Input should be greater than 0 (got -5)",
        ),
        (
            lambda d: d["datasets"]["fx"].update(refresh_s="often"),
            "datasets.fx.refresh_s: Input should be a valid number",
        ),
        (
            lambda d: d["datasets"]["fx"].update(stale_after_s=5),
            "datasets.fx: stale_after_s (5) must be at least refresh_s (15)",
        ),
        (
            lambda d: d["datasets"]["fx"].update(kind="candles"),
            "datasets.fx.kind: Input should be 'quote', 'bar', 'curve', 'headline' or 'event'",
        ),
        (
            lambda d: d["datasets"]["fx"]["chains"].update(open=["yahoo", "demo"]),
            "datasets.fx.chains.open: 'demo' may not appear",
        ),
        (
            lambda d: d["datasets"]["fx"].update(refersh_s=10),
            "datasets.fx.refersh_s: Extra inputs are not permitted",
        ),
        (
            lambda d: d["datasets"]["fx"].update(instruments=[]),
            "datasets.fx.instruments: List should have at least 1 item",
        ),
        (
            lambda d: d["datasets"]["fx"]["instruments"][0].pop("name"),
            "datasets.fx.instruments.0.name: Field required",
        ),
        (
            lambda d: d["scenes"]["fx"].update(dwell_s=0.5),
            "scenes.fx.dwell_s: Input should be greater than or equal to 1",
        ),
        (
            lambda d: d["scenes"]["fx"].update(datasets=["nope"]),
            "scenes.fx.datasets: unknown dataset 'nope'",
        ),
        (lambda d: d.update(edition="gold"), "edition: Input should be 'open', 'wind' or 'demo'"),
        (lambda d: d["cache"].update(type="memcached"), "cache.type: Input should be"),
        (
            lambda d: d["lookups"].update(max_per_screen=0),
            "lookups.max_per_screen: Input should be greater than or equal to 1",
        ),
        (
            lambda d: d["lookups"].update(max_per_screen=60, max_total=50),
            "lookups: max_per_screen (60) cannot exceed max_total (50)",
        ),
        (lambda d: d["lookups"].update(ttl_s=1), "lookups.ttl_s: Input should be greater than"),
        (lambda d: d["lookups"].update(poll_s=0), "lookups.poll_s: Input should be greater than"),
        (lambda d: d["lookups"].update(cap=3), "lookups.cap: Extra inputs are not permitted"),
    ],
)
def test_bad_file_values_are_named(tmp_path: Path, mutate, expected: str) -> None:
    assert expected in error_of(write_config(tmp_path, mutate))


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("edition: open\nscenes: [\n  overview: {title: x\n")
    message = error_of({"WALLBOARD_CONFIG": str(path)})
    assert str(path) in message
    assert "line " in message


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- edition\n")
    assert "the top level must be a mapping" in error_of({"WALLBOARD_CONFIG": str(path)})


def test_app_start_checks_providers_markets_and_pages(tmp_path: Path) -> None:
    from engine.build import check_settings

    def mutate(d):
        d["datasets"]["fx"]["chains"]["open"] = ["yahoo", "nosuch"]
        d["datasets"]["fx"]["market"] = "XMARS"
        d["scenes"]["weather"] = {"title": "Weather"}

    settings = load_settings(env=write_config(tmp_path, mutate))
    with pytest.raises(ConfigError) as caught:
        check_settings(settings)
    message = str(caught.value)
    assert "datasets.fx.chains.open[1]: unknown provider 'nosuch'" in message
    assert "datasets.fx: unknown market 'XMARS'" in message
    assert "scenes.weather: no page module pages/weather.py" in message


def test_invalid_config_stops_the_app_with_one_message_and_no_traceback(tmp_path: Path) -> None:
    env = write_config(tmp_path, lambda d: d["datasets"]["fx"].update(refresh_s=0))
    result = subprocess.run(
        [sys.executable, "-c", "import app; app.server"],
        cwd=ROOT,
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "datasets.fx.refresh_s: Input should be greater than 0 (got 0)" in result.stderr
    assert "Traceback" not in result.stderr


def test_scene_hours_and_clock_zones_are_checked(tmp_path: Path) -> None:
    def mutate(d):
        d["scenes"]["overview"]["hours"] = {"start": "25:00", "end": "08:00", "tz": "Asia/Tokyo"}
        d["clocks"] = [{"label": "Mars", "tz": "Mars/Olympus"}]

    message = error_of(write_config(tmp_path, mutate))
    assert "scenes.overview.hours.start: String should match pattern" in message
    assert "clocks.0.tz: unknown time zone 'Mars/Olympus'" in message


def test_a_bar_dataset_fetches_the_bars_it_shows_and_the_indicators_warm_up() -> None:
    history = load_settings({}).datasets["history"]
    assert (history.history_bars, history.fetch_bars) == (250, 250 + INDICATOR_WARM_UP_BARS)
    raw = history.model_dump() | {"history_bars": 100}
    assert type(history).model_validate(raw).fetch_bars == 411  # follows history_bars


@pytest.mark.parametrize("edition", ["open", "wind", "demo"])
def test_the_shipped_config_loads_and_passes_the_start_checks_in_every_edition(edition):
    from engine.build import check_settings

    check_settings(load_settings(env={"WALLBOARD_EDITION": edition}))


def test_the_shipped_streams_per_edition() -> None:
    def streams(edition: str) -> dict[str, list[str]]:
        settings = load_settings(env={"WALLBOARD_EDITION": edition})
        return {name: settings.streams(name) for name in settings.datasets}

    open_, wind, demo = streams("open"), streams("wind"), streams("demo")
    assert {k: v for k, v in open_.items() if v} == {
        "indices": ["yahoo"],
        "fx": ["yahoo"],
        "commodities": ["yahoo"],
        "crypto": ["binance", "okx"],
    }
    # Wind streams what it maps; the rest streams as in the open edition, as chains do.
    assert {k: v for k, v in wind.items() if v} == {
        **{k: v for k, v in open_.items() if v},
        "indices": ["wind"],
        "fx": ["wind"],
    }
    settings = load_settings(env={})
    quotes = [n for n, d in settings.datasets.items() if d.kind == "quote"]
    assert {k for k, v in demo.items() if v} == set(quotes)
    assert all(demo[name] == ["demo"] for name in quotes)
    assert all(not v for k, v in open_.items() if k not in quotes)  # only quotes stream
    crypto = settings.datasets["crypto"].instruments
    assert {i.id: i.symbols["okx"] for i in crypto} == {
        "btc": "BTC-USDT",
        "eth": "ETH-USDT",
        "sol": "SOL-USDT",
    }


def test_the_stream_settings_default_to_the_issues_figures(tmp_path: Path) -> None:
    settings = load_settings(env={})
    stream = settings.stream
    assert (stream.publish_ms, stream.silent_s, stream.screen_poll_ms) == (250, 30, 500)
    assert settings.wind_quote_tz() == "market"
    assert all(options.stream_url is None for options in settings.providers.values())

    def unset_both(d):
        del d["stream"], d["providers"]["wind"]

    unset = load_settings(env=write_config(tmp_path, unset_both))
    assert (unset.stream, unset.wind_quote_tz()) == (stream, "market")


def test_a_stream_url_and_wind_quote_zone_can_be_set(tmp_path: Path) -> None:
    def mutate(d):
        d["providers"]["binance"] = {"stream_url": "ws://127.0.0.1:9001/stream"}
        d["providers"]["okx"] = {"stream_url": "wss://relay.example.internal/ws/v5/public"}
        d["providers"]["wind"] = {"quote_tz": "Asia/Shanghai"}

    settings = load_settings(env=write_config(tmp_path, mutate))
    assert settings.provider_options("binance").stream_url == "ws://127.0.0.1:9001/stream"
    assert settings.provider_options("okx").stream_url.startswith("wss://relay.")
    assert settings.wind_quote_tz() == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["datasets"]["crypto"]["streams"].update(open=["binance", "kraken"]),
            "datasets.crypto.streams.open.1: unknown stream 'kraken' "
            "(known: binance, okx, yahoo, wind, demo) (got 'kraken')",
        ),
        (
            lambda d: d["datasets"]["crypto"]["streams"].update(open=["binance", "demo"]),
            "datasets.crypto.streams.open: 'demo' may not stream in a real edition",
        ),
        (
            lambda d: d["datasets"]["indices"]["streams"].update(wind=["wind", "demo"]),
            "datasets.indices.streams.wind: 'demo' may not stream in a real edition",
        ),
        (
            lambda d: d["datasets"]["indices"]["streams"].update(open=["yahoo", "wind"]),
            "datasets.indices.streams.open: 'wind' streams only in the wind edition",
        ),
        (
            lambda d: d["datasets"]["crypto"]["streams"].update(demo=["demo", "binance"]),
            "datasets.crypto.streams.demo: the demo edition streams only 'demo'",
        ),
        (
            lambda d: d["datasets"]["crypto"]["streams"].update(open=["okx", "okx"]),
            "datasets.crypto.streams.open: a stream appears twice in the list",
        ),
        (
            lambda d: d["datasets"]["crypto"]["streams"].update(open=["binance"], opne=["okx"]),
            "datasets.crypto.streams.opne: Extra inputs are not permitted",
        ),
        (
            lambda d: d["datasets"]["history"].update(streams={"open": ["yahoo"]}),
            "datasets.history: streams: only quote datasets stream, not bar",
        ),
        (
            lambda d: d["datasets"]["news"].update(streams={"demo": ["demo"]}),
            "datasets.news: streams: only quote datasets stream, not headline",
        ),
        (
            lambda d: d["datasets"]["volatility"].update(streams={"open": ["okx"]}),
            "datasets.volatility: streams: none of the instruments has a symbol for 'okx'",
        ),
        (
            lambda d: d["providers"].update(binance={"stream_url": "https://stream.binance.com"}),
            "providers.binance.stream_url: a stream URL must be ws:// or wss:// with a host "
            "(got 'https://stream.binance.com')",
        ),
        (
            lambda d: d["providers"].update(okx={"stream_url": "wss:///ws/v5/public"}),
            "providers.okx.stream_url: a stream URL must be ws:// or wss:// with a host",
        ),
        (
            lambda d: d["providers"].update(yahoo={"stream_url": "wss://proxy/ yahoo"}),
            "providers.yahoo.stream_url: a stream URL must be ws:// or wss:// with a host",
        ),
        (
            lambda d: d["providers"].update(stooq={"stream_url": "ws://127.0.0.1:9001/"}),
            "providers.stooq.stream_url: stooq has no WebSocket stream "
            "(those that do: binance, okx, yahoo)",
        ),
        (
            lambda d: d["providers"].update(wind={"quote_tz": "Asia/Shangai"}),
            "providers.wind.quote_tz: unknown time zone 'Asia/Shangai'",
        ),
        (
            lambda d: d["providers"].update(yahoo={"quote_tz": "UTC"}),
            "providers.yahoo.quote_tz: only wind's quotes take quote_tz",
        ),
        (
            lambda d: d["stream"].update(publish_ms=10),
            "stream.publish_ms: Input should be greater than or equal to 50 (got 10)",
        ),
        (
            lambda d: d["stream"].update(publish_ms=60_000),
            "stream.publish_ms: Input should be less than or equal to 5000",
        ),
        (
            lambda d: d["stream"].update(silent_s=0),
            "stream.silent_s: Input should be greater than or equal to 1",
        ),
        (
            lambda d: d["stream"].update(screen_poll_ms=20),
            "stream.screen_poll_ms: Input should be greater than or equal to 100",
        ),
        (
            lambda d: d["stream"].update(publish_every_ms=250),
            "stream.publish_every_ms: Extra inputs are not permitted",
        ),
    ],
)
def test_bad_stream_settings_are_named(tmp_path: Path, mutate, expected: str) -> None:
    assert expected in error_of(write_config(tmp_path, mutate))
