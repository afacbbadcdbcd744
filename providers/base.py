"""The provider interface and the registry that builds providers by the names used in config.

A provider serves some kinds of dataset (quotes, bars, ...). For each dataset the refresher
asks it to `fetch` a `Request`: the base refuses a kind the provider does not serve, then calls
the provider's `load`, which does its I/O (the only network call, under the refresher's
deadline) and a pure transform into canonical records.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from config.schema import Instrument, RecordKind, Settings
from providers.errors import BadPayload, NotConfigured, ProviderError, RateLimited, Unavailable
from providers.http import HttpClient
from providers.models import AnyRecord, Bar

# name in config -> "module:Class". Modules are imported only when a chain uses them, so an
# optional SDK (WindPy) that is missing never breaks start-up.
REGISTRY: dict[str, str] = {
    "binance": "providers.binance:BinanceProvider",
    "cboe": "providers.cboe:CboeProvider",
    "coingecko": "providers.coingecko:CoinGeckoProvider",
    "demo": "providers.demo:DemoProvider",
    "ecb": "providers.ecb_fx:EcbProvider",
    "ecbdata": "providers.ecb_policy:EcbDataProvider",
    "fred": "providers.fred:FredProvider",
    "rss": "providers.rss:RssProvider",
    "schedule": "providers.configured_events:ScheduleProvider",
    "stooq": "providers.stooq:StooqProvider",
    "treasury": "providers.treasury:TreasuryProvider",
    "wind": "providers.wind:WindProvider",
    "yahoo": "providers.yahoo:YahooProvider",
}


@dataclass(frozen=True)
class Request:
    """What the refresher asks of a provider: one dataset's instruments, at one moment."""

    dataset: str
    kind: RecordKind
    instruments: tuple[Instrument, ...]
    now: datetime
    market: str = "24/7"


@dataclass
class Batch:
    """What a provider returns: the records, and problems with single instruments (if any)."""

    records: list[AnyRecord]
    problems: list[str] = field(default_factory=list)


# The series an on-demand lookup may ask for (engine.lookups): ~5 years of daily bars, or the
# last five sessions of 5-minute bars.
HISTORY_SERIES = ("daily", "intraday")
HISTORY_YEARS = 5
INTRADAY_SESSIONS = 5
INTRADAY_MINUTES = 5


# When nothing came back, the error that says most about what to do next: wait (rate limited),
# try again later (unavailable), fix the source (bad payload), then whatever else.
ERROR_PRIORITY = (RateLimited, Unavailable, BadPayload, ProviderError)


def most_telling(errors: Sequence[ProviderError]) -> ProviderError:
    """The error to raise when every instrument failed."""
    return next(e for kind in ERROR_PRIORITY for e in errors if isinstance(e, kind))


def batch_of(records: Sequence[AnyRecord], errors: Sequence[ProviderError]) -> Batch:
    """A batch of what came back, each failure a problem; nothing back raises the worst one."""
    if not records and errors:
        raise most_telling(errors)
    return Batch(records=list(records), problems=[str(error) for error in errors])


class Provider(ABC):
    """A source of canonical records. Subclasses set `name` and `kinds` and implement `load`;
    callers use `fetch`."""

    name: str = ""
    kinds: frozenset[RecordKind] = frozenset()

    def symbol(self, instrument: Instrument) -> str | None:
        """This provider's symbol for an instrument, or None when it has no mapping."""
        return instrument.symbols.get(self.name)

    def mapped(self, request: Request) -> list[tuple[Instrument, str]]:
        """The request's instruments this provider has a symbol for; raise when there are none."""
        pairs = [(i, s) for i in request.instruments if (s := self.symbol(i)) is not None]
        if not pairs:
            raise NotConfigured(f"{self.name}: no symbols configured for {request.dataset}")
        return pairs

    def each_instrument(
        self,
        request: Request,
        one: Callable[[Instrument, str], list[AnyRecord]],
        *,
        stop_when_limited: bool = False,
    ) -> Batch:
        """Records of every mapped instrument, one at a time; a failing one is a problem.

        `stop_when_limited`: after a rate limit the rest are not requested (each is a problem,
        "not tried"), for sources that limit by address or quota rather than by symbol, where
        each further hit only prolongs the block or spends more of the quota.
        """
        records: list[AnyRecord] = []
        errors: list[ProviderError] = []
        limited: RateLimited | None = None
        for instrument, symbol in self.mapped(request):
            try:
                if limited:
                    raise RateLimited(f"{symbol}: not tried, rate limited", limited.retry_after_s)
                records.extend(one(instrument, symbol))
            except RateLimited as exc:
                errors.append(exc)
                if stop_when_limited:
                    limited = limited or exc
            except ProviderError as exc:
                errors.append(exc)
        return batch_of(records, errors)

    def fetch(self, request: Request) -> Batch:
        """What the engine calls: `load` a dataset of a kind this provider serves; any other
        kind is NotConfigured, checked here once for every source."""
        if request.kind not in self.kinds:
            raise NotConfigured(f"{self.name} does not serve {request.kind} datasets")
        return self.load(request)

    def history(
        self, symbol: str, series: str, now: datetime, market: str | None = None
    ) -> list[Bar]:
        """The bars of one vendor `symbol` for an on-demand lookup (engine.lookups), oldest first,
        each labelled with `symbol`: `series` "daily" (about five years of daily bars) or
        "intraday" (the last five sessions of 5-minute bars). A source without history of that
        series raises NotConfigured, which sends the lookup on along its chain."""
        raise NotConfigured(f"{self.name} has no {series} history")

    @abstractmethod
    def load(self, request: Request) -> Batch:
        """Fetch and transform one dataset of a kind in `kinds` (`fetch` has checked it); raise
        a ProviderError when nothing usable came."""


def http_client(settings: Settings, name: str, default_base_url: str) -> HttpClient:
    """The HTTP client of one provider, with its configured base URL, rate and size cap."""
    options = settings.provider_options(name)
    return HttpClient(
        name,
        options.base_url or default_base_url,
        timeout_s=settings.refresh.deadline_s,
        requests_per_second=options.requests_per_second,
        max_bytes=options.max_bytes,
    )


class HttpProvider(Provider):
    """A source read over HTTP through its own shared client (`http_client`): subclasses set
    `name`, `kinds` and `default_base_url`, and fetch with `self.http`."""

    default_base_url: str = ""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.http = http_client(settings, self.name, self.default_base_url)


def known_providers() -> list[str]:
    """Names that may appear in a provider chain."""
    return sorted(REGISTRY)


def build_providers(settings: Settings, names: Sequence[str] | None = None) -> dict[str, Provider]:
    """Build each provider the configured chains use, once, by its registry name."""
    if names is None:
        names = sorted({name for ds in settings.datasets for name in settings.chain(ds)})
    providers: dict[str, Provider] = {}
    for name in names:
        module_name, _, class_name = REGISTRY[name].partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        providers[name] = cls(settings)
    return providers


def check_chains(settings: Settings) -> list[str]:
    """Problems with the configured chains: unknown names, or a provider given the wrong kind."""
    problems = []
    for ds_name, dataset in settings.datasets.items():
        for edition in ("open", "wind"):
            for index, name in enumerate(getattr(dataset.chains, edition)):
                if name not in REGISTRY:
                    problems.append(
                        f"datasets.{ds_name}.chains.{edition}[{index}]: unknown provider "
                        f"{name!r} (known: {', '.join(known_providers())})"
                    )
    return problems
