"""The open edition on the fake upstream: the recorded payload each route serves
(`serve_everything`), which routes each provider answers from (`PROVIDER_ROUTES`, to fail one
provider at a time), and a configuration that points the board at the fake (`plan`,
`write_config`: the shipped one without Yahoo, whose library talks only to Yahoo's hosts, each
dataset on its first other source with a short cadence). tests/test_open_edition.py,
tests/test_secrets.py, the soak (tests/support/soak.py) and bench/upstream.py run on it.

Yahoo and Binance answer per request, as honestly as the recordings allow, because their
providers refuse an answer that is not for what they asked (another symbol, interval or range):
- Yahoo (`yahoo_chart`): the recording of the symbol asked, else the ^GSPC one standing in for
  it (relabelled with the symbol asked), with bars of the interval asked when any recording has
  them, cut to the range asked and labelled with it. No recording has 5-minute bars, which a
  quote asks for: a quote request gets a daily recording labelled as daily, and is refused.
- Binance (`binance_klines`): the recorded 1-minute klines, or for a longer interval those
  klines rolled up into it (see `roll_up`). Every other source answers with its recording.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from providers.binance import INTERVAL_MS
from tests.support.configs import shipped_config
from tests.support.fakeupstream import PerRequest
from tests.support.paths import FIXTURES

FRED_KEY = "k" * 32  # the fake does not check it; FRED needs one to be called at all
STATUS_SCENE = "status"

YAHOO_ROUTE, KLINES_ROUTE = "/v8/finance/chart/*", "/api/v3/klines*"
ROUTES = {
    "/q/d/l/*": "stooq/spx_d_2024-01-02_to_2025-04-07_truncated.csv",
    "/stats/eurofxref/eurofxref-hist-90d.xml": "ecb/eurofxref-hist-90d_2019-11-29.xml",
    "/service/data/*": "ecb/sdmx_jsondata_EXR_D.USD.EUR.SP00.A_2024-06-03_2024-06-07.json",
    "/resource-center/*": "treasury/daily_treasury_par_yield_curve_2024_to_2024-10-10.csv",
    "/fred/series/observations*": "fred/series_observations_DFF_json_2023-01-01_2023-06-06.json",
    "/api/v3/coins/markets*": "coingecko/coins_markets_usd_top5_2023-01-02.json",
    "/api/global/us_indices/daily_prices/*": (
        "cboe/VIX_History_2016-01-04_to_2026-07-02_truncated.csv"
    ),
    "/feeds/*": "rss/news/guardian_us_2018-01-31.rss",
}
# Which routes each provider answers from, to fail one provider at a time.
PROVIDER_ROUTES = {
    "yahoo": [YAHOO_ROUTE],
    "stooq": ["/q/d/l/*"],
    "ecb": ["/stats/eurofxref/eurofxref-hist-90d.xml"],
    "ecbdata": ["/service/data/*"],
    "treasury": ["/resource-center/*"],
    "fred": ["/fred/series/observations*", "/fred/release/dates*"],
    "binance": [KLINES_ROUTE],
    "coingecko": ["/api/v3/coins/markets*"],
    "cboe": ["/api/global/us_indices/daily_prices/*"],
    "rss": ["/feeds/*"],
}


# --- Yahoo: the chart asked for, as far as a recording has it ---------------------------------

# Every recorded chart with bars, with what its meta says it is.
YAHOO_CHARTS = (
    "chart_GSPC_INDEX_range1d_interval1d_2024-02-29.json",
    "chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json",
    "chart_EURUSDX_CURRENCY_1d_20200101-20200103.json",
    "chart_GCF_FUTURE_1d_20200101-20200103.json",
    "chart_BTC-USD_CRYPTO_1d_20200101-20200103.json",
    "chart_QQQ_ETF_1d_20200101-20200103.json",
    "chart_TSLA_30m_prepost_20211122.json",
)
STAND_IN = "^GSPC"  # answers for a symbol with no recording of its own
# A range's calendar length in days, to cut a longer recording to ("max": all of it).
RANGE_DAYS = {
    "1d": 1,
    "5d": 7,
    "1mo": 31,
    "3mo": 92,
    "6mo": 183,
    "1y": 365,
    "2y": 730,
    "5y": 1826,
    "10y": 3652,
}


@dataclass(frozen=True)
class Chart:
    """One recorded chart: its file, symbol, bar interval and number of bars."""

    name: str
    symbol: str
    interval: str
    bars: int


@cache
def yahoo_charts() -> tuple[Chart, ...]:
    """What each recorded chart is, read from its meta."""
    charts = []
    for name in YAHOO_CHARTS:
        result = json.loads((FIXTURES / "yahoo" / name).read_text())["chart"]["result"][0]
        meta = result["meta"]
        charts.append(
            Chart(name, meta["symbol"], meta["dataGranularity"], len(result["timestamp"]))
        )
    return tuple(charts)


def pick_chart(symbol: str, interval: str) -> Chart:
    """The recording to answer with: the symbol's own, else the stand-in's, with bars of the
    interval asked (the most bars of those); when no recording has that interval, the symbol's
    own (else the stand-in's) first recording, whose interval the provider then refuses."""
    own = [c for c in yahoo_charts() if c.symbol == symbol]
    stand_in = [c for c in yahoo_charts() if c.symbol == STAND_IN]
    for charts in (own, stand_in):
        if fitting := [c for c in charts if c.interval == interval]:
            return max(fitting, key=lambda c: c.bars)
    return (own or stand_in)[0]


def cut_to_range(result: dict, range_: str) -> None:
    """Keep the bars a request for `range_` would get: those within the range's length of the
    last one ("ytd": those of the last bar's year); every column is cut alike."""
    stamps = result["timestamp"]
    last = datetime.fromtimestamp(stamps[-1], UTC)
    if range_ == "ytd":
        start = datetime(last.year, 1, 1, tzinfo=UTC)
    elif range_ in RANGE_DAYS:
        start = last - timedelta(days=RANGE_DAYS[range_])
    else:
        return
    first = next(i for i, t in enumerate(stamps) if t >= start.timestamp())
    result["timestamp"] = stamps[first:]
    for group in result.get("indicators", {}).values():
        for columns in group:
            for key, column in columns.items():
                columns[key] = column[first:]


def yahoo_chart(raw: str) -> bytes:
    """The answer to one chart request (raw path with its query), see the module."""
    parts = urlsplit(raw)
    symbol = unquote(parts.path.rsplit("/", 1)[-1])
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    range_, interval = query.get("range", ""), query.get("interval", "")
    chart = pick_chart(symbol, interval)
    payload = json.loads((FIXTURES / "yahoo" / chart.name).read_text())
    result = payload["chart"]["result"][0]
    result["meta"]["symbol"] = symbol
    if chart.interval == interval:
        cut_to_range(result, range_)
        result["meta"]["range"] = range_
    return json.dumps(payload).encode()


# --- Binance: klines of the interval asked, rolled up from the recorded minutes ---------------

KLINES = FIXTURES / "binance" / "klines_BTCUSDT_1m_2021-10-22.json"
_SUMMED = (5, 7, 9, 10)  # volume, quote volume, taker buy base and quote volumes


def roll_up(rows: list[list], length_ms: int) -> list[list]:
    """1-minute klines rolled up into klines `length_ms` long, as Binance builds them: opened on
    a multiple of the length (UTC), the first open, the highest high, the lowest low, the last
    close, volumes and trade counts summed, closing 1 ms before the next one opens.

    Only the minutes recorded go in: the recording's ten minutes (23:03 to 23:12 UTC) make one
    hourly kline, opened at 23:00 at the 23:03 minute's open, and still in progress (its close
    time 23:59:59.999 lies past the last trade, as a live kline's does)."""
    buckets: dict[int, list[list]] = {}
    for row in rows:
        buckets.setdefault(row[0] // length_ms * length_ms, []).append(row)
    rolled = []
    for opened, group in sorted(buckets.items()):
        kline = [
            opened,
            group[0][1],
            max(group, key=lambda r: Decimal(r[2]))[2],
            min(group, key=lambda r: Decimal(r[3]))[3],
            group[-1][4],
            None,
            opened + length_ms - 1,
            None,
            sum(r[8] for r in group),
            None,
            None,
            "0",
        ]
        for i in _SUMMED:
            kline[i] = f"{sum(Decimal(r[i]) for r in group):.8f}"
        rolled.append(kline)
    return rolled


def binance_klines(raw: str) -> bytes:
    """The recorded 1-minute klines, rolled up to the interval asked when that is whole minutes
    longer (an interval that is not, Binance's own, is answered with the minutes: refused)."""
    recorded = KLINES.read_bytes()
    interval = parse_qs(urlsplit(raw).query).get("interval", ["1m"])[0]
    length = INTERVAL_MS.get(interval)
    if length is None or length <= INTERVAL_MS["1m"] or length % INTERVAL_MS["1m"]:
        return recorded
    return json.dumps(roll_up(json.loads(recorded), length)).encode()


ANSWERS = {YAHOO_ROUTE: yahoo_chart, KLINES_ROUTE: binance_klines}


def release_dates(today: datetime) -> bytes:
    """FRED /fred/release/dates in its documented shape (no recording of it exists)."""
    days = [(today + timedelta(days=d)).date().isoformat() for d in (-3, 4, 11)]
    return json.dumps({"release_dates": [{"release_id": 10, "date": d} for d in days]}).encode()


def serve_everything(upstream) -> None:
    """Every route answered with its recording (FRED's release dates built around today),
    Yahoo and Binance per request (see the module)."""
    for path, fixture in ROUTES.items():
        upstream.route(path, body=(FIXTURES / fixture).read_bytes())
    for path, answer in ANSWERS.items():
        upstream.route(path, body=PerRequest(answer))
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


def write_config(
    path: Path,
    upstream_url: str,
    setups: dict[str, Setup],
    *,
    streams: dict[str, str] | None = None,
    changes: dict | None = None,
) -> dict[str, list[str]]:
    """The shipped configuration cut to the planned datasets on the fake; the data scenes.
    `streams` ({source: ws:// URL of a tests/support/fakestream server}) keeps those streams,
    there; without it nothing streams. `changes` updates top-level sections (`stream`, ...)."""
    config = shipped_config(streams)
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
    for inst in datasets.get("news", {}).get("instruments", []):
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
    for name, url in (streams or {}).items():
        config["providers"].setdefault(name, {})["stream_url"] = url
    for section, values in (changes or {}).items():
        config[section] = {**config.get(section, {}), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    ordered = sorted(scenes.items(), key=lambda item: (item[1].get("order", 0), item[0]))
    return {name: scene["datasets"] for name, scene in ordered if scene["datasets"]}
