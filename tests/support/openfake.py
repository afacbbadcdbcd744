"""The open edition on the fake upstream: the recorded payload each route serves
(`serve_everything`), which routes each provider answers from (`PROVIDER_ROUTES`, to fail one
provider at a time), and a configuration that points the board at the fake (`plan`,
`write_config`: the shipped one without Yahoo, whose library talks only to Yahoo's hosts, each
dataset on its first other source with a short cadence). tests/test_open_edition.py,
tests/test_secrets.py, the soak (tests/support/soak.py) and bench/upstream.py run on it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

from config import DEFAULT_CONFIG
from tests.support.paths import FIXTURES

FRED_KEY = "k" * 32  # the fake does not check it; FRED needs one to be called at all
STATUS_SCENE = "status"

ROUTES = {
    # Yahoo: per-symbol recordings where they exist, the ^GSPC day for the other symbols
    "/v8/finance/chart/EURUSD%3DX*": "yahoo/chart_EURUSDX_CURRENCY_1d_20200101-20200103.json",
    "/v8/finance/chart/GC%3DF*": "yahoo/chart_GCF_FUTURE_1d_20200101-20200103.json",
    "/v8/finance/chart/%5EGSPC?range=1y*": (
        "yahoo/chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json"
    ),
    "/v8/finance/chart/*": "yahoo/chart_GSPC_INDEX_range1d_interval1d_2024-02-29.json",
    "/q/d/l/*": "stooq/spx_d_2024-01-02_to_2025-04-07_truncated.csv",
    "/stats/eurofxref/eurofxref-hist-90d.xml": "ecb/eurofxref-hist-90d_2019-11-29.xml",
    "/service/data/*": "ecb/sdmx_jsondata_EXR_D.USD.EUR.SP00.A_2024-06-03_2024-06-07.json",
    "/resource-center/*": "treasury/daily_treasury_par_yield_curve_2024_to_2024-10-10.csv",
    "/fred/series/observations*": "fred/series_observations_DFF_json_2023-01-01_2023-06-06.json",
    "/api/v3/klines*": "binance/klines_BTCUSDT_1m_2021-10-22.json",
    "/api/v3/coins/markets*": "coingecko/coins_markets_usd_top5_2023-01-02.json",
    "/api/global/us_indices/daily_prices/*": (
        "cboe/VIX_History_2016-01-04_to_2026-07-02_truncated.csv"
    ),
    "/feeds/*": "rss/news/guardian_us_2018-01-31.rss",
}
# Which routes each provider answers from, to fail one provider at a time.
PROVIDER_ROUTES = {
    "yahoo": [p for p in ROUTES if p.startswith("/v8/")],
    "stooq": ["/q/d/l/*"],
    "ecb": ["/stats/eurofxref/eurofxref-hist-90d.xml"],
    "ecbdata": ["/service/data/*"],
    "treasury": ["/resource-center/*"],
    "fred": ["/fred/series/observations*", "/fred/release/dates*"],
    "binance": ["/api/v3/klines*"],
    "coingecko": ["/api/v3/coins/markets*"],
    "cboe": ["/api/global/us_indices/daily_prices/*"],
    "rss": ["/feeds/*"],
}


def release_dates(today: datetime) -> bytes:
    """FRED /fred/release/dates in its documented shape (no recording of it exists)."""
    days = [(today + timedelta(days=d)).date().isoformat() for d in (-3, 4, 11)]
    return json.dumps({"release_dates": [{"release_id": 10, "date": d} for d in days]}).encode()


def serve_everything(upstream) -> None:
    """Every route answered with its recording (FRED's release dates built around today)."""
    for path, fixture in ROUTES.items():
        upstream.route(path, body=(FIXTURES / fixture).read_bytes())
    upstream.route("/fred/release/dates*", body=release_dates(datetime.now(UTC)))


@dataclass(frozen=True)
class Marker:
    """The upstream call that stands for one fetch of a dataset: a path, query values it must
    carry, and (Stooq) how far back its `d1` start must lie, which tells a 600-day history
    request from a 60-day quote request for the same symbol."""

    path: str
    query: dict[str, str] = field(default_factory=dict)
    since_days_at_least: int | None = None

    def matches(self, raw: str, today: datetime) -> bool:
        """Whether a raw request path (with its query) is this call."""
        parts = urlsplit(raw)
        if parts.path != self.path:
            return False
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if any(query.get(k) != v for k, v in self.query.items()):
            return False
        if self.since_days_at_least is None:
            return True
        try:
            since = datetime.strptime(query.get("d1", ""), "%Y%m%d").replace(tzinfo=UTC)
        except ValueError:
            return False
        return today - since >= timedelta(days=self.since_days_at_least)


@dataclass(frozen=True)
class Setup:
    """How one dataset runs on the fake: its only source, cadence and marker call."""

    provider: str
    refresh_s: float
    marker: Marker


def plan(today: datetime) -> dict[str, Setup]:
    """The datasets measured (every open-edition dataset a non-Yahoo source serves)."""
    stooq = "/q/d/l/"
    return {
        "indices": Setup("stooq", 3, Marker(stooq, {"s": "^dji"})),
        "fx": Setup("ecb", 2, Marker("/stats/eurofxref/eurofxref-hist-90d.xml")),
        "rates": Setup(
            "treasury",
            2,
            Marker(
                "/resource-center/data-chart-center/interest-rates/daily-treasury-rates.csv/"
                f"{today.year}/all"
            ),
        ),
        "policy_rates": Setup("fred", 2, Marker("/fred/series/observations", {"series_id": "DFF"})),
        "commodities": Setup("stooq", 3, Marker(stooq, {"s": "cl.f"})),
        "crypto": Setup("binance", 2, Marker("/api/v3/klines", {"symbol": "BTCUSDT"})),
        "volatility": Setup(
            "cboe", 3, Marker("/api/global/us_indices/daily_prices/VIX_History.csv")
        ),
        "sectors": Setup("stooq", 3, Marker(stooq, {"s": "xlk.us"})),
        "history": Setup("stooq", 3, Marker(stooq, {"s": "^ndx"}, since_days_at_least=300)),
        "calendar": Setup("fred", 3, Marker("/fred/release/dates", {"release_id": "10"})),
        "news": Setup("rss", 2, Marker("/feeds/fed.xml")),
    }


def write_config(path: Path, upstream_url: str, setups: dict[str, Setup]) -> dict[str, list[str]]:
    """The shipped configuration cut to the planned datasets on the fake; the data scenes."""
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    state = path.parent
    config.update(edition="open", state_dir=str(state / "state"), fred_api_key=FRED_KEY)
    config["cache"].update(type="filesystem", dir=str(state / "cache"))
    config["refresh"].update(attempts=1, backoff_s=0, deadline_s=5)
    config["alerts"]["rules"] = []
    datasets = {}
    for name, setup in setups.items():
        dataset = config["datasets"][name]
        chain = [p for p in dataset["chains"]["open"] if p != "yahoo"]
        if chain[0] != setup.provider:
            raise RuntimeError(f"{name}: the shipped chain now starts with {chain[0]}")
        dataset.update(chains={"open": chain}, refresh_s=setup.refresh_s)
        dataset.pop("deadline_s", None)
        datasets[name] = dataset
    for inst in datasets["news"]["instruments"]:
        inst["symbols"] = {"rss": f"{upstream_url}/feeds/{inst['id']}.xml"}
    config["datasets"] = datasets
    scenes = {}
    for name, scene in config["scenes"].items():
        kept = [d for d in scene.get("datasets", []) if d in datasets]
        if kept or name == STATUS_SCENE:
            scenes[name] = {**scene, "datasets": kept}
    config["scenes"] = scenes
    config["providers"] = {
        name: {"base_url": upstream_url, "requests_per_second": 100}
        for name in PROVIDER_ROUTES
        if name != "yahoo"
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    ordered = sorted(scenes.items(), key=lambda item: (item[1].get("order", 0), item[0]))
    return {name: scene["datasets"] for name, scene in ordered if scene["datasets"]}
