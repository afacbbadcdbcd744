"""On-demand history ("lookups"): one instrument's or one symbol's bars, asked for by a screen.

A screen (the instrument page) asks for a `Lookup`: a configured instrument by its id ("spx"),
or a Yahoo or Stooq symbol the board does not show ("AAPL", "stooq:aapl.us"). The request path
only writes the ask into a request table in the shared cache (`LookupDesk.ask`) and reads back
the result; the leading refresher's lookup worker (engine.lookup_worker) reads the table, fetches
each lookup once along its chain and writes a `LookupResult` for every screen to read. So no
request ever calls an upstream, and a symbol asked for by many screens is fetched once.

Asks are capped (`lookups.max_per_screen` distinct ad-hoc symbols per screen,
`lookups.max_total` for every screen together; configured instruments are free) and expire
`lookups.ttl_s` after their screen last repeated them.

Keys live under the store's namespace (engine.store): `wallboard:<edition>:lookups` is the
request table, `wallboard:<edition>:lookup:<key>` one lookup's result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from config.schema import Edition, Lookups, RecordKind, Settings
from engine.store import CacheBackend
from providers.models import Bar

SERIES = ("daily", "intraday")  # daily: ~5 years of 1d bars; intraday: 5 sessions of 5m bars

# Sources that can give one symbol's history, and may be named in an ad-hoc symbol.
HISTORY_SOURCES = ("yahoo", "stooq", "demo")
AD_HOC_SOURCES = ("yahoo", "stooq")
MAX_SYMBOL_CHARS = 20
# Yahoo: AAPL, ^GSPC, EURUSD=X, GC=F, BTC-USD, BRK-B, 0700.HK. Stooq: aapl.us, ^spx, cl.f, eurusd.
# No spaces, slashes, markup, quotes or colons: a symbol goes into a URL path and onto a screen.
_PATTERNS = {
    "yahoo": re.compile(r"\^?[A-Z0-9][A-Z0-9.=\-]*"),
    "stooq": re.compile(r"\^?[a-z0-9][a-z0-9._\-]*"),
}
SCREEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The screens remembered per lookup (the most recent): a client inventing a screen id per ask
# must not grow the table without bound.
MAX_SCREENS_PER_LOOKUP = 500
EXAMPLES = "e.g. AAPL, ^GSPC, EURUSD=X or stooq:aapl.us"


class LookupRefused(ValueError):
    """A lookup the board will not make; str(exc) is a sentence for the screen (malformed symbol,
    unknown instrument, cap reached, source not available in this edition)."""


@dataclass(frozen=True)
class Lookup:
    """What is looked up: a configured instrument or an ad-hoc symbol, one series of it."""

    key: str  # "spx:daily" for a configured instrument, "yahoo:AAPL:intraday" for a symbol
    ident: str  # what the URL carries: "spx", or "yahoo:AAPL" / "stooq:aapl.us"
    series: str  # "daily" | "intraday"
    label: str  # on screen: the instrument's name, or the symbol
    chain: tuple[tuple[str, str], ...]  # (provider name, vendor symbol), tried in order
    instrument_id: str | None  # the configured id, None for an ad-hoc symbol
    market: str | None  # its market (e.g. "XNYS", "24/7") when known

    @property
    def ad_hoc(self) -> bool:
        """Whether this is a symbol the configuration does not know (it counts against caps)."""
        return self.instrument_id is None

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for the request table."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lookup:
        """Back from `as_dict`."""
        return cls(**{**data, "chain": tuple(tuple(pair) for pair in data["chain"])})


class LookupResult(BaseModel):
    """What the leading refresher got for one lookup, as every screen reads it."""

    key: str
    status: Literal["fetching", "ok", "error"]
    bars: list[Bar] = []  # oldest first, symbol = the lookup's ident
    source: str | None = None  # the provider that answered ("yahoo", "stooq", "demo"...)
    fetched_at: datetime | None = None
    as_of: datetime | None = None  # the last bar's time
    error: str | None = None  # why not (the chain's errors in a sentence), for the screen
    asked_at: datetime | None = None
    attempted_at: datetime | None = None  # the worker's last try, answered or not


def parse_symbol(text: str) -> tuple[str, str]:
    """'AAPL' -> ('yahoo', 'AAPL'); 'stooq:aapl.us' -> ('stooq', 'aapl.us'); 'yahoo:^GSPC' -> ...
    Validated by a strict per-source pattern (no spaces, markup, slashes, over-long text);
    LookupRefused with a clear sentence otherwise (which never repeats the text given)."""
    if not isinstance(text, str) or not text.strip():
        raise LookupRefused(f"Type a symbol to look up ({EXAMPLES}).")
    text = text.strip()
    if len(text) > MAX_SYMBOL_CHARS + len("stooq:"):
        raise LookupRefused(f"That is too long for a symbol ({EXAMPLES}).")
    source, colon, symbol = text.partition(":")
    if not colon:
        source, symbol = "yahoo", text
    source = source.lower()
    if source not in AD_HOC_SOURCES:
        raise LookupRefused(
            f"Symbols can be looked up at Yahoo or Stooq only: write yahoo:SYMBOL or "
            f"stooq:symbol ({EXAMPLES})."
        )
    # Yahoo's symbols are upper case, Stooq's lower case; either is accepted as typed.
    symbol = symbol.upper() if source == "yahoo" else symbol.lower()
    if (
        not 0 < len(symbol) <= MAX_SYMBOL_CHARS
        or not _PATTERNS[source].fullmatch(symbol)
        or ".." in symbol
    ):
        raise LookupRefused(
            f"That is not a {source.capitalize()} symbol: use letters, digits and . - ^ = "
            f"(at most {MAX_SYMBOL_CHARS} characters, no spaces; {EXAMPLES})."
        )
    return source, symbol


def history_sources(settings: Settings) -> tuple[str, ...]:
    """The providers that can give one symbol's history in the running edition."""
    if settings.edition is Edition.WIND:
        return (*HISTORY_SOURCES, "wind")
    return HISTORY_SOURCES


def history_providers(settings: Settings) -> list[str]:
    """The providers a process builds for lookups beside its chains' (an ad-hoc Yahoo or Stooq
    symbol needs its source even when no dataset's chain names it)."""
    if settings.edition is Edition.DEMO:
        return ["demo"]
    return [name for name in history_sources(settings) if name != "demo"]


def _configured(settings: Settings, ident: str, series: str) -> Lookup | None:
    """The lookup of a configured instrument id (exact, else ignoring case), or None."""
    holding = [
        (name, dataset)
        for name, dataset in settings.datasets.items()
        if dataset.kind in (RecordKind.QUOTE, RecordKind.BAR)
    ]
    # Bar datasets first: their symbols are the ones meant for history.
    holding.sort(key=lambda item: item[1].kind is not RecordKind.BAR)
    for wanted in (ident, ident.lower()):
        found = [
            (name, dataset, inst)
            for name, dataset in holding
            for inst in dataset.instruments
            if (inst.id if wanted == ident else inst.id.lower()) == wanted
        ]
        if found:
            break
    else:
        return None
    usable = history_sources(settings)
    chain: list[tuple[str, str]] = []
    for name, _, inst in found:
        for provider in settings.chain(name):
            symbol = inst.id if provider == "demo" else inst.symbols.get(provider)
            if provider in usable and symbol and (provider, symbol) not in chain:
                chain.append((provider, symbol))
    if settings.edition is not Edition.DEMO:
        # Then any other history source the instrument has a symbol at: crypto's chain is
        # Binance and CoinGecko, neither of which serves history here, but Yahoo has BTC-USD.
        for _, _, inst in found:
            for provider in usable:
                symbol = inst.symbols.get(provider)
                if provider != "demo" and symbol and (provider, symbol) not in chain:
                    chain.append((provider, symbol))
    name, dataset, inst = found[0]
    market = next((i.market for _, _, i in found if i.market), None) or dataset.market
    if not chain:
        raise LookupRefused(
            f"No source in the {settings.edition.value} edition has the history of {inst.name}."
        )
    return Lookup(
        key=f"{inst.id}:{series}",
        ident=inst.id,
        series=series,
        label=inst.name,
        chain=tuple(chain),
        instrument_id=inst.id,
        market=market,
    )


def lookup_for(settings: Settings, ident: str, series: str = "daily") -> Lookup:
    """A configured instrument id (any dataset of kind quote or bar holding it; its dataset's chain
    for the running edition, restricted to providers that can give history: yahoo, stooq, demo,
    and wind when the edition is wind) or '<source>:<symbol>' / a bare symbol (ad-hoc; in the demo
    edition an ad-hoc symbol is served by the demo provider, labelled demo). LookupRefused when
    unknown, malformed, or no history source exists for it."""
    if series not in SERIES:
        raise LookupRefused(f"A lookup's series is {' or '.join(SERIES)}.")
    if not isinstance(ident, str):
        raise LookupRefused(f"Type a symbol to look up ({EXAMPLES}).")
    if ":" not in ident and (found := _configured(settings, ident.strip(), series)):
        return found
    source, symbol = parse_symbol(ident)
    ident = f"{source}:{symbol}"
    if settings.edition is Edition.DEMO:
        # The demo edition never calls out: a symbol gets a walk of its own, said to be demo.
        chain: tuple[tuple[str, str], ...] = (("demo", symbol),)
        label = f"{symbol} (demo)"
    else:
        chain, label = ((source, symbol),), symbol
    return Lookup(
        key=f"{ident}:{series}",
        ident=ident,
        series=series,
        label=label,
        chain=chain,
        instrument_id=None,
        market=None,
    )


def check_screen(screen: str) -> str:
    """A screen id as given, when it is one ([A-Za-z0-9_-], 1 to 64); LookupRefused otherwise."""
    if not isinstance(screen, str) or not SCREEN.fullmatch(screen):
        raise LookupRefused(
            "A screen id is 1 to 64 letters, digits, - or _ (the page makes one itself)."
        )
    return screen


class LookupDesk:
    """The request table and the results, in the shared cache: what screens ask (`ask`), what the
    worker fetches (`wanted`, `write`), what /api/status says (`status`)."""

    def __init__(
        self,
        cache: CacheBackend,
        namespace: str,
        config: Lookups,
        clock: Callable[[], datetime],
    ) -> None:
        self.cache = cache
        self.namespace = namespace
        self.config = config
        self.clock = clock

    @property
    def table_key(self) -> str:
        """Where the asks live: {lookup key: {"lookup", "asked_at", "screens": {id: last ask}}}."""
        return f"wallboard:{self.namespace}:lookups"

    def result_key(self, key: str) -> str:
        """Where one lookup's result lives."""
        return f"wallboard:{self.namespace}:lookup:{key}"

    def _table(self) -> dict[str, dict[str, Any]]:
        try:
            table = self.cache.get(self.table_key)
        except Exception:  # a cache outage: nothing asked, as far as we can tell
            return {}
        return table if isinstance(table, dict) else {}

    def live(self, now: datetime | None = None) -> dict[str, dict[str, Any]]:
        """The request table without the asks that expired (`ttl_s` after their last repeat)."""
        now = now or self.clock()
        cutoff = now - timedelta(seconds=self.config.ttl_s)
        live = {}
        for key, entry in self._table().items():
            screens = {s: at for s, at in entry.get("screens", {}).items() if at > cutoff}
            if screens:
                live[key] = {**entry, "screens": screens}
        return live

    def ask(self, lookup: Lookup, screen: str) -> LookupResult:
        """Record that `screen` wants `lookup` now (refreshing its TTL) and return its current
        result ("fetching" until the worker wrote one). Never calls an upstream. LookupRefused
        for a malformed screen id or beyond the caps."""
        check_screen(screen)
        now = self.clock()
        # Read-modify-write: two workers asking at the same instant may lose one ask. The screen
        # asks again at its next poll (every second), so a lost ask only costs a second, and no
        # lock is held on the request path.
        table = self.live(now)
        entry = table.get(lookup.key)
        if lookup.ad_hoc:
            self._check_caps(table, lookup, screen)
        if entry is None:
            entry = {"lookup": lookup.as_dict(), "asked_at": now, "screens": {}}
        entry["screens"][screen] = now
        if len(entry["screens"]) > MAX_SCREENS_PER_LOOKUP:
            recent = sorted(entry["screens"].items(), key=lambda item: item[1])
            entry["screens"] = dict(recent[-MAX_SCREENS_PER_LOOKUP:])
        table[lookup.key] = entry
        self.cache.set(self.table_key, table, timeout=0)
        result = self.result(lookup)
        if result is None:
            return LookupResult(key=lookup.key, status="fetching", asked_at=entry["asked_at"])
        return result

    def _check_caps(self, table: dict[str, dict[str, Any]], lookup: Lookup, screen: str) -> None:
        """LookupRefused when a new ad-hoc symbol would pass the screen's or the total cap (a
        symbol counts once, whatever its series)."""
        symbols: dict[str, set[str]] = {}  # ad-hoc ident -> the screens asking for it
        for entry in table.values():
            asked = entry["lookup"]
            if asked.get("instrument_id") is None:
                symbols.setdefault(asked["ident"], set()).update(entry["screens"])
        if screen in symbols.get(lookup.ident, set()):
            return  # already this screen's: asking again is never refused
        mine = sum(1 for screens in symbols.values() if screen in screens)
        if mine >= self.config.max_per_screen:
            raise LookupRefused(
                f"This screen already looks up {mine} symbols, the most it may "
                f"({self.config.max_per_screen}); close one, or wait a while for it to expire."
            )
        if lookup.ident not in symbols and len(symbols) >= self.config.max_total:
            raise LookupRefused(
                f"The board already looks up {len(symbols)} symbols for its screens, the most it "
                f"may ({self.config.max_total}); try again later."
            )

    def result(self, lookup: Lookup | str) -> LookupResult | None:
        """The result the worker last wrote for a lookup (or its key), else None."""
        key = lookup if isinstance(lookup, str) else lookup.key
        try:
            value = self.cache.get(self.result_key(key))
        except Exception:  # a cache outage must not take a page down
            return None
        return value if isinstance(value, LookupResult) else None

    def write(self, result: LookupResult) -> None:
        """Publish a lookup's result to every screen (the worker only). It outlives its ask by a
        TTL, so a screen coming back soon after finds it."""
        timeout = int(self.config.ttl_s + self.config.refresh_s)
        self.cache.set(self.result_key(result.key), result, timeout=timeout)

    def wanted(self) -> list[tuple[Lookup, datetime]]:
        """Every lookup some screen still asks for, with when it was first asked."""
        wanted = []
        for entry in self.live().values():
            try:
                wanted.append((Lookup.from_dict(entry["lookup"]), entry["asked_at"]))
            except (KeyError, TypeError):  # a table written by another version: skip it
                continue
        return wanted

    def status(self) -> dict[str, Any]:
        """For /api/status: how many lookups are asked for, and each one's status."""
        live = self.live()
        rows = {}
        for key, entry in sorted(live.items()):
            result = self.result(key)
            rows[key] = {
                "status": result.status if result else "fetching",
                "screens": len(entry["screens"]),
                "source": result.source if result else None,
                "bars": len(result.bars) if result else 0,
                "as_of": result.as_of.isoformat() if result and result.as_of else None,
                "error": result.error if result else None,
            }
        return {"active": len(live), "lookups": rows}
