"""The schema of `wallboard.yaml`: what a valid configuration is, checked once at start."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import PurePath
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
PositiveSeconds = Annotated[float, Field(gt=0, le=86_400 * 7)]


class Edition(StrEnum):
    """Which family of sources the board runs on."""

    OPEN = "open"
    WIND = "wind"
    DEMO = "demo"


class RecordKind(StrEnum):
    """Which canonical record a dataset holds (see providers.models)."""

    QUOTE = "quote"
    BAR = "bar"
    CURVE = "curve"
    HEADLINE = "headline"
    EVENT = "event"


class Strict(BaseModel):
    """Unknown keys are errors: a typo in the YAML must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DemoParams(Strict):
    """Where the demo edition's synthetic series sits: a level and a daily volatility."""

    level: Annotated[float, Field(gt=0)] = 100.0
    daily_vol_pct: Annotated[float, Field(ge=0, le=50)] = 1.0


class Instrument(Strict):
    """One thing a dataset shows, with its symbol at each provider that serves it."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    symbols: dict[Slug, Annotated[str, StringConstraints(min_length=1, max_length=500)]] = {}
    market: str | None = None
    currency: str | None = None
    unit: str | None = None
    weight: Annotated[float, Field(gt=0, le=100)] | None = None
    schedule: list[AwareDatetime] = []
    demo: DemoParams = DemoParams()


class Chains(Strict):
    """Provider chains per edition, tried in order. The demo edition always uses `demo`."""

    open: list[Slug] = []
    wind: list[Slug] = []

    @field_validator("open", "wind")
    @classmethod
    def _no_demo_no_repeats(cls, chain: list[str]) -> list[str]:
        if "demo" in chain:
            raise ValueError("'demo' may not appear in a real edition's chain (synthetic data)")
        if len(set(chain)) != len(chain):
            raise ValueError("a provider appears twice in the chain")
        return chain


# The stream sources a dataset may name in `streams`: the exchanges' and Yahoo's WebSockets
# (providers.streams), Wind's wsq push subscription and the demo edition's synthetic ticks.
STREAMS = ("binance", "okx", "yahoo", "wind", "demo")
# The ones reached at a WebSocket URL, which `providers.<name>.stream_url` may point elsewhere.
URL_STREAMS = ("binance", "okx", "yahoo")


def _known_stream(name: str) -> str:
    if name not in STREAMS:
        raise ValueError(f"unknown stream {name!r} (known: {', '.join(STREAMS)})")
    return name


StreamName = Annotated[str, AfterValidator(_known_stream)]


def _no_repeats(streams: list[str]) -> list[str]:
    if len(set(streams)) != len(streams):
        raise ValueError("a stream appears twice in the list")
    return streams


class Streams(Strict):
    """Stream sources per edition, in order: the first one connected and ticking moves the
    dataset's polled prices. Empty (the default): polled only. The same shape as `chains`, with
    a list for the demo edition too, since its synthetic data streams as well."""

    open: list[StreamName] = []
    wind: list[StreamName] = []
    demo: list[StreamName] = []

    @field_validator("open")
    @classmethod
    def _public(cls, streams: list[str]) -> list[str]:
        if "demo" in streams:
            raise ValueError("'demo' may not stream in a real edition (synthetic data)")
        if "wind" in streams:
            raise ValueError("'wind' streams only in the wind edition (the terminal's session)")
        return _no_repeats(streams)

    @field_validator("wind")
    @classmethod
    def _real(cls, streams: list[str]) -> list[str]:
        if "demo" in streams:
            raise ValueError("'demo' may not stream in a real edition (synthetic data)")
        return _no_repeats(streams)

    @field_validator("demo")
    @classmethod
    def _synthetic(cls, streams: list[str]) -> list[str]:
        if any(name != "demo" for name in streams):
            raise ValueError("the demo edition streams only 'demo' (it never shows real data)")
        return _no_repeats(streams)

    def named(self) -> set[str]:
        """Every stream named in any edition."""
        return {*self.open, *self.wind, *self.demo}


class Range(Strict):
    """A plausible range of values; `low_open` excludes `low` itself ((0, 100] for futures)."""

    low: float
    high: float
    low_open: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low >= self.high:
            raise ValueError(f"range low ({self.low:g}) must be below high ({self.high:g})")
        return self

    def holds(self, value: float) -> bool:
        """Whether `value` lies in the range."""
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def __str__(self) -> str:
        return f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"


class Validation(Strict):
    """Quality checks run on every refresh, beyond the core ones (NaN, <= 0, time order)."""

    # Outside it a value is refused (a core finding), never shown as real: fed funds futures
    # (0, 100], yields [-5, 30] %.
    plausible: Range | None = None
    # A value further than this from the instrument's previous one is refused (FX rates).
    max_move_pct: Annotated[float, Field(gt=0, le=1000)] | None = None

    max_jump_pct: Annotated[float, Field(gt=0, le=1000)] = 25.0  # vs the previous snapshot
    cross_check_every: Annotated[int, Field(ge=0, le=1000)] = 0  # 0: never ask the fallback
    cross_check_tolerance_pct: Annotated[float, Field(gt=0, le=100)] = 1.0
    max_gap_sessions: Annotated[int, Field(ge=0, le=100)] = 0  # daily bars: missing sessions


# Bars before a chart's first shown one that bring every indicator to within 1e-6 of its value on
# an arbitrarily long history (the RSI 14's need; analytics.indicators.warm_up_bars derives it and
# its tests check the two agree). Set here, beside `history_bars`, so that every source fetches the
# same count: sources may not import analytics.
INDICATOR_WARM_UP_BARS = 311


class Dataset(Strict):
    """One dataset: what it holds, where it comes from, how often and how fresh it must be."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    kind: RecordKind
    chains: Chains = Chains()
    streams: Streams = Streams()  # quote datasets only; an instrument streams by its symbols
    refresh_s: PositiveSeconds = 60
    stale_after_s: PositiveSeconds = 300
    deadline_s: Annotated[float, Field(gt=0, le=120)] | None = None
    market: str = "24/7"
    # Bar datasets: the bars a chart shows; providers fetch enough more to warm indicators.
    history_bars: Annotated[int, Field(ge=20, le=2000)] = 250
    validation: Validation = Validation()
    ticker: bool = False  # its quotes, or its latest headlines, run along the ticker tape
    instruments: Annotated[list[Instrument], Field(min_length=1)]

    @property
    def fetch_bars(self) -> int:
        """Bars a bar dataset fetches: the `history_bars` its chart shows and the indicators'
        warm-up before them (561 for 250 shown)."""
        return self.history_bars + INDICATOR_WARM_UP_BARS

    @model_validator(mode="after")
    def _checks(self) -> Dataset:
        if self.ticker and self.kind not in (RecordKind.QUOTE, RecordKind.HEADLINE):
            raise ValueError(f"ticker: only quotes and headlines run on the tape, not {self.kind}")
        if self.stale_after_s < self.refresh_s:
            raise ValueError(
                f"stale_after_s ({self.stale_after_s:g}) must be at least refresh_s "
                f"({self.refresh_s:g}), or the data is stale between two refreshes"
            )
        self._check_streams()
        ids = [i.id for i in self.instruments]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"instrument ids repeated: {', '.join(repeated)}")
        return self

    def _check_streams(self) -> None:
        named = self.streams.named()
        if named and self.kind is not RecordKind.QUOTE:
            raise ValueError(f"streams: only quote datasets stream, not {self.kind}")
        # A stream reaches an instrument by its symbol there (binance: BTCUSDT); demo ticks
        # come from the instrument's own demo path, so need none.
        for name in sorted(named - {"demo"}):
            if not any(name in i.symbols for i in self.instruments):
                raise ValueError(f"streams: none of the instruments has a symbol for {name!r}")


HHMM = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


TimeZone = Annotated[str, AfterValidator(_known_zone)]


def _zone_or_market(name: str) -> str:
    return name if name == "market" else _known_zone(name)


# An IANA zone, or `market`: each instrument's own exchange zone.
QuoteZone = Annotated[str, AfterValidator(_zone_or_market)]


def _websocket_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("ws", "wss") or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError("a stream URL must be ws:// or wss:// with a host")
    return value


WebSocketUrl = Annotated[str, AfterValidator(_websocket_url)]


class Hours(Strict):
    """A daily window in a time zone; `start` after `end` wraps past midnight."""

    start: HHMM
    end: HHMM
    tz: TimeZone = "UTC"


class Scene(Strict):
    """One page of the board."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    order: int = 0
    dwell_s: Annotated[float, Field(ge=1, le=3600)] = 20
    enabled: bool = True
    datasets: list[Slug] = []
    hours: Hours | None = None  # in the kiosk rotation only within these hours


class Clock(Strict):
    """A clock in the header."""

    label: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    tz: TimeZone


class AlertRule(Strict):
    """One alert rule over some datasets.

    kinds: `move` (|% change from the previous close| >= threshold_pct), `volume` (the latest
    bar's volume >= multiple x the average of the previous `window` bars), `rsi` (RSI(14) of
    daily closes above `above` or below `below`), `stale` (data older than max_age_s while any
    of the dataset's markets is open).

    move, volume and rsi fire only on data the wall shows as current (a quote or bar within its
    dataset's stale_after_s, or of its market's latest session while that market is closed):
    an RSI extreme from last year is not news. `max_data_age_s` narrows that window further.
    """

    kind: Literal["move", "volume", "rsi", "stale"]
    datasets: Annotated[list[Slug], Field(min_length=1)]
    threshold_pct: Annotated[float, Field(gt=0, le=100)] = 5.0
    multiple: Annotated[float, Field(gt=1, le=100)] = 3.0
    window: Annotated[int, Field(ge=2, le=250)] = 20
    above: Annotated[float, Field(gt=50, lt=100)] = 70.0
    below: Annotated[float, Field(gt=0, lt=50)] = 30.0
    max_age_s: Annotated[float, Field(gt=0, le=86_400 * 7)] = 30.0
    # move, volume, rsi: never fire on data older than this (unset: the wall's own window above)
    max_data_age_s: Annotated[float, Field(gt=0, le=86_400 * 30)] | None = None
    cooldown_s: Annotated[float, Field(ge=0, le=86_400)] | None = None

    @model_validator(mode="after")
    def _data_age_not_for_stale(self) -> AlertRule:
        if self.kind == "stale" and self.max_data_age_s is not None:
            raise ValueError(
                "max_data_age_s does not apply to a stale rule (it fires on old data): "
                "its limit is max_age_s"
            )
        return self


class Alerts(Strict):
    """Alerting: rules, the default cooldown per rule and symbol, an optional webhook."""

    cooldown_s: Annotated[float, Field(ge=0, le=86_400)] = 300
    webhook_env: str = "WALLBOARD_ALERT_WEBHOOK"  # the variable holding the webhook URL
    rules: list[AlertRule] = []


class Carousel(Strict):
    """How the kiosk rotation behaves around people."""

    idle_resume_s: Annotated[float, Field(ge=1, le=3600)] = 60


class Cache(Strict):
    """Where snapshots live. `filesystem` is shared by every worker on one host."""

    type: Literal["filesystem", "redis", "simple"] = "filesystem"
    # The host's cache files; unset, they live in `<state_dir>/cache` (Settings.cache_dir), so
    # a board's state directory holds everything it writes.
    dir: str | None = None
    redis_url: SecretStr | None = None
    # With Redis: how long a Redis call may take, and how long after a failure it is tried
    # again (meanwhile the host-local copy in `dir` is served).
    redis_timeout_s: Annotated[float, Field(gt=0, le=30)] = 1
    redis_retry_s: Annotated[float, Field(gt=0, le=300)] = 2

    @model_validator(mode="after")
    def _redis_needs_url(self) -> Cache:
        if self.type == "redis" and self.redis_url is None:
            raise ValueError("cache type 'redis' needs redis_url (or the REDIS_URL variable)")
        return self


class Refresh(Strict):
    """How the background refresher behaves when sources fail."""

    deadline_s: Annotated[float, Field(gt=0, le=120)] = 8
    attempts: Annotated[int, Field(ge=1, le=10)] = 2
    backoff_s: Annotated[float, Field(ge=0, le=60)] = 0.5
    max_backoff_s: Annotated[float, Field(ge=1, le=3600)] = 120
    max_hung_calls: Annotated[int, Field(ge=1, le=50)] = 2
    leader_poll_s: Annotated[float, Field(gt=0, le=600)] = 5
    # With Redis, the fleet leader's lock expires this long after its holder stops renewing it
    # (it renews every third of it): a dead leader is replaced within leader_ttl_s + leader_poll_s.
    leader_ttl_s: Annotated[float, Field(ge=1, le=600)] = 10
    # worker: each gunicorn worker runs a refresher thread and one of them leads;
    # external: a separate process runs it (deploy/gunicorn.conf.py starts it once per host).
    runner: Literal["worker", "external"] = "worker"


class Lookups(Strict):
    """On-demand history (the instrument page, an ad-hoc symbol): what screens may ask of the
    refresher, how long an ask lasts and how often the leader looks for new ones."""

    # Distinct ad-hoc symbols one screen may have asked for at once, and all screens together;
    # configured instruments never count.
    max_per_screen: Annotated[int, Field(ge=1, le=100)] = 5
    max_total: Annotated[int, Field(ge=1, le=10_000)] = 50
    # An ask expires this long after the screen last repeated it (a page polls while open).
    ttl_s: Annotated[float, Field(ge=5, le=86_400)] = 900
    # How often the leading refresher reads the asks; how often it fetches one again while asked.
    poll_s: Annotated[float, Field(gt=0, le=60)] = 0.25
    refresh_s: Annotated[float, Field(ge=1, le=86_400)] = 900

    @model_validator(mode="after")
    def _screen_within_total(self) -> Lookups:
        if self.max_per_screen > self.max_total:
            raise ValueError(
                f"max_per_screen ({self.max_per_screen}) cannot exceed max_total ({self.max_total})"
            )
        return self


class Screens(Strict):
    """The screens registry and the operators' console (engine.screens, engine.control): how
    often a screen beats and reports, when a silent one is dark, and the pace of actions."""

    # A screen not seen this long is "dark": listed so, and a `screen` alert is raised.
    dark_after_s: Annotated[float, Field(ge=5, le=86_400)] = 120
    # A screen re-sends its full report at least this often (else only when it changed).
    report_every_s: Annotated[float, Field(ge=1, le=3_600)] = 20
    # How often a screen asks for the operators' actions (and proves it is up): the delay from
    # an action to the screens showing it.
    beat_ms: Annotated[int, Field(ge=250, le=10_000)] = 1000
    max_screens: Annotated[int, Field(ge=1, le=10_000)] = 500
    # A dark screen stays listed this long after it was last seen, then is forgotten.
    forget_after_s: Annotated[float, Field(ge=60, le=30 * 86_400)] = 86_400
    # Console and API actions, per role and web process, in any minute.
    actions_per_minute: Annotated[int, Field(ge=1, le=10_000)] = 30

    @model_validator(mode="after")
    def _reports_before_dark(self) -> Screens:
        if self.report_every_s * 3 > self.dark_after_s:
            raise ValueError(
                f"report_every_s ({self.report_every_s:g}) must be at most a third of "
                f"dark_after_s ({self.dark_after_s:g}), or a live screen could look dark"
            )
        if self.forget_after_s <= self.dark_after_s:
            raise ValueError("forget_after_s must be longer than dark_after_s")
        return self


class ProviderOptions(Strict):
    """Per-provider HTTP options: a mirror or proxy base URL, a polite request rate."""

    base_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$")] | None = None
    requests_per_second: Annotated[float, Field(gt=0, le=100)] = 2
    max_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 8 * 1024 * 1024
    api_key: SecretStr | None = None  # for sources that want one (Stooq's CSV download)
    # binance, okx, yahoo: the full WebSocket URL their stream connects to (unset: the public
    # one the source knows), for a corporate relay or a test server.
    stream_url: WebSocketUrl | None = None
    # wind: the clock Wind's RT_DATE/RT_TIME are stamped on, an IANA zone or `market` (each
    # instrument's exchange zone); unset, `market` (Settings.wind_quote_tz).
    quote_tz: QuoteZone | None = None


class Stream(Strict):
    """How streamed prices reach screens: cache writes stay bounded and screens poll faster only
    while a streaming dataset's market is open."""

    # A streaming dataset's snapshot is written to the cache at most this often.
    publish_ms: Annotated[int, Field(ge=50, le=5000)] = 250
    # A stream without a tick this long while its market is open is silent: poll instead.
    silent_s: Annotated[float, Field(ge=1, le=3600)] = 30
    # How often a scene showing a streaming dataset polls the board while its market is open.
    screen_poll_ms: Annotated[int, Field(ge=100, le=60_000)] = 500


class Server(Strict):
    """Where the development server listens (gunicorn takes its own --bind)."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8050


_HOSTNAME = re.compile(r"^[A-Za-z0-9.\-:\[\]]+$")

# scheme://host[:port] as a browser sends it in Origin: no path, no user, no wildcard.
_ORIGIN = re.compile(
    r"^(https?)://([a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?)*"
    r"|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?$"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _origin(value: str) -> str:
    """An origin as browsers serialise it (lower case, default port dropped), for exact match."""
    found = _ORIGIN.match(value.strip().lower())
    if found is None:
        raise ValueError(
            f"{value!r} is not an origin: scheme://host[:port] (http or https), without a path, "
            "a trailing slash or a wildcard"
        )
    scheme, host, port = found.groups()
    if port is not None:
        if not 0 < int(port) < 65536:
            raise ValueError(f"{value!r}: port out of range")
        port = str(int(port))
    return f"{scheme}://{host}" + ("" if port in (None, _DEFAULT_PORTS[scheme]) else f":{port}")


def _frame_ancestor(value: str) -> str:
    return value if value in ("self", "none") else _origin(value)


Origin = Annotated[str, AfterValidator(_origin)]
FrameAncestor = Annotated[str, AfterValidator(_frame_ancestor)]


class Security(Strict):
    """What other sites may do with the board: read /api/* (CORS) and frame its pages."""

    # Exact origins whose pages may read /api/* from a browser; empty: none may.
    cors_origins: list[Origin] = []
    # Who may show the board in a frame: `self`, `none`, or origins (CSP frame-ancestors).
    frame_ancestors: Annotated[list[FrameAncestor], Field(min_length=1)] = ["self"]

    @field_validator("frame_ancestors")
    @classmethod
    def _none_alone(cls, ancestors: list[str]) -> list[str]:
        if "none" in ancestors and len(ancestors) > 1:
            raise ValueError("'none' cannot be combined with other frame ancestors")
        return ancestors


class Settings(Strict):
    """The whole configuration, after environment overrides."""

    edition: Edition = Edition.OPEN
    theme: Literal["dark", "light"] = "dark"
    state_dir: str = "var"
    server: Server = Server()
    cache: Cache = Cache()
    refresh: Refresh = Refresh()
    stream: Stream = Stream()
    lookups: Lookups = Lookups()
    screens: Screens = Screens()
    fred_api_key: SecretStr | None = None
    carousel: Carousel = Carousel()
    alerts: Alerts = Alerts()
    security: Security = Security()
    wall_tz: TimeZone = "UTC"  # the wall's own time zone: header date, calendar times
    clocks: list[Clock] = [
        Clock(label="New York", tz="America/New_York"),
        Clock(label="London", tz="Europe/London"),
        Clock(label="Frankfurt", tz="Europe/Berlin"),
        Clock(label="Hong Kong", tz="Asia/Hong_Kong"),
        Clock(label="Shanghai", tz="Asia/Shanghai"),
        Clock(label="Tokyo", tz="Asia/Tokyo"),
    ]
    providers: dict[Slug, ProviderOptions] = {}
    scenes: Annotated[dict[Slug, Scene], Field(min_length=1)]
    datasets: dict[Slug, Dataset]

    @field_validator("server")
    @classmethod
    def _host_is_a_name(cls, server: Server) -> Server:
        if not _HOSTNAME.match(server.host):
            raise ValueError(f"host {server.host!r} is not a host name or address")
        return server

    @model_validator(mode="after")
    def _stream_options_where_they_apply(self) -> Settings:
        # Both are read for one kind of source only: set elsewhere, they would silently do
        # nothing, which is how a typo in the provider name would look too.
        for name, options in self.providers.items():
            if options.stream_url is not None and name not in URL_STREAMS:
                raise ValueError(
                    f"providers.{name}.stream_url: {name} has no WebSocket stream "
                    f"(those that do: {', '.join(URL_STREAMS)})"
                )
            if options.quote_tz is not None and name != "wind":
                raise ValueError(f"providers.{name}.quote_tz: only wind's quotes take quote_tz")
        return self

    @model_validator(mode="after")
    def _alert_datasets_exist(self) -> Settings:
        for index, rule in enumerate(self.alerts.rules):
            for dataset in rule.datasets:
                if dataset not in self.datasets:
                    raise ValueError(f"alerts.rules.{index}.datasets: unknown dataset {dataset!r}")
        return self

    @model_validator(mode="after")
    def _scene_datasets_exist(self) -> Settings:
        for name, scene in self.scenes.items():
            for dataset in scene.datasets:
                if dataset not in self.datasets:
                    raise ValueError(
                        f"scenes.{name}.datasets: unknown dataset {dataset!r} "
                        f"(defined: {', '.join(sorted(self.datasets))})"
                    )
        if not any(scene.enabled for scene in self.scenes.values()):
            raise ValueError("scenes: at least one scene must be enabled")
        return self

    def enabled_scenes(self) -> list[tuple[str, Scene]]:
        """Enabled scenes in display order (order, then name)."""
        ordered = sorted(self.scenes.items(), key=lambda item: (item[1].order, item[0]))
        return [(name, scene) for name, scene in ordered if scene.enabled]

    def chain(self, dataset: str) -> list[str]:
        """The provider chain this edition uses for a dataset.

        In the wind edition a dataset without a Wind chain uses its open chain: Wind where it
        is mapped, public sources for the rest (crypto, news...), by configuration alone.
        """
        if self.edition is Edition.DEMO:
            return ["demo"]
        chains = self.datasets[dataset].chains
        if self.edition is Edition.WIND and not chains.wind:
            return list(chains.open)
        return list(getattr(chains, self.edition.value))

    def streams(self, dataset: str) -> list[str]:
        """The stream sources this edition uses for a dataset, in order; empty: polled only.

        As with chains, in the wind edition a dataset without Wind streams uses its open ones
        (crypto from the exchanges).
        """
        streams = self.datasets[dataset].streams
        if self.edition is Edition.WIND and not streams.wind:
            return list(streams.open)
        return list(getattr(streams, self.edition.value))

    def wind_quote_tz(self) -> str:
        """The zone Wind's quote times are read in: `providers.wind.quote_tz`, else `market`."""
        return self.provider_options("wind").quote_tz or "market"

    def wind_unmapped(self) -> list[str]:
        """Datasets the wind edition serves without Wind (no Wind chain or no Wind codes)."""
        return [
            name
            for name, dataset in self.datasets.items()
            if "wind" not in dataset.chains.wind
            or not any("wind" in i.symbols for i in dataset.instruments)
        ]

    def cache_dir(self) -> str:
        """Where the host's cache files live: `cache.dir`, else `cache` under `state_dir`."""
        return self.cache.dir or str(PurePath(self.state_dir) / "cache")

    def provider_options(self, name: str) -> ProviderOptions:
        """HTTP options of one provider (defaults when the config says nothing)."""
        return self.providers.get(name) or ProviderOptions()

    def deadline_s(self, dataset: str) -> float:
        """The enforced deadline of one upstream call for a dataset."""
        return self.datasets[dataset].deadline_s or self.refresh.deadline_s
