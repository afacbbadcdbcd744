"""World indices scene: equity indices grouped by region, each with its market's session and
local time.

The region comes from the instrument's market code (a small table, then the calendar's time
zone for codes not in it); the local time from the exchange calendar's time zone at view.now.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dash import html

from components.scene import SceneView
from components.sections import reason
from components.static import static
from components.tiles import links_shown, quote_tile
from config.schema import Dataset, Instrument
from providers import markets

SCENE = "overview"

REGIONS = ("Americas", "Europe", "Asia-Pacific", "Other")
MARKET_REGION = {
    **dict.fromkeys(("XNYS", "XNAS", "XASE", "XTSE", "BVMF", "XMEX", "XBUE", "XSGO"), "Americas"),
    **dict.fromkeys(
        ("XETR", "XFRA", "XLON", "XPAR", "XAMS", "XBRU", "XSWX", "XMIL", "XMAD", "XSTO"),
        "Europe",
    ),
    **dict.fromkeys(("XOSL", "XCSE", "XHEL", "XWBO", "XDUB", "XLIS", "XWAR", "XIST"), "Europe"),
    **dict.fromkeys(
        ("XTKS", "XHKG", "XSHG", "XASX", "XKRX", "XBOM", "XSES", "XTAI", "XNZE", "XIDX"),
        "Asia-Pacific",
    ),
}
_TZ_REGION = {"America": "Americas", "Europe": "Europe", "Asia": "Asia-Pacific"}
_TZ_REGION |= {"Australia": "Asia-Pacific", "Pacific": "Asia-Pacific"}
# Where the time zone's city is not the exchange's own.
MARKET_CITY = {"XETR": "Frankfurt", "XFRA": "Frankfurt", "XSWX": "Zurich", "XSES": "Singapore"}

# symbol + word: the state reads without colour; the class only reinforces it.
SESSION_LOOK = {
    "open": ("●", "Open"),
    "break": ("◑", "Lunch break"),
    "pre": ("◐", "Pre-open"),
    "post": ("☾", "Closed"),
    "closed": ("○", "No trading today"),
}


def market_of(instrument: Instrument, dataset: Dataset) -> str:
    """The market code an instrument trades on (its own, else its dataset's)."""
    return instrument.market or dataset.market


def _zone(market: str) -> str:
    """The IANA time zone of a market ('UTC' for round-the-clock or unknown codes)."""
    if market in markets.ROUND_THE_CLOCK:
        return "UTC"
    try:
        return str(markets.calendar(market).tz)
    except markets.UnknownMarket:
        return "UTC"


def region_of(market: str) -> str:
    """'Americas', 'Europe', 'Asia-Pacific' or 'Other' for a market code."""
    if market in MARKET_REGION:
        return MARKET_REGION[market]
    return _TZ_REGION.get(_zone(market).split("/")[0], "Other")


def city_of(market: str) -> str:
    """The city whose clock a market keeps, e.g. 'Tokyo' for XTKS ('UTC' when it has none)."""
    if market in MARKET_CITY:
        return MARKET_CITY[market]
    return _zone(market).split("/")[-1].replace("_", " ")


def _state(market: str, now: datetime) -> str | None:
    try:
        return markets.session_state(market, now)
    except markets.UnknownMarket:
        return None


def session_line(market: str, state: str | None, now: datetime) -> html.Div:
    """'● Open · Tokyo 23:41': a market's session state (from markets.session_state) and its
    local time at `now`."""
    icon, word = SESSION_LOOK.get(state, ("?", "Session unknown"))
    clock = f"{city_of(market)} {now.astimezone(ZoneInfo(_zone(market))):%H:%M}"
    return html.Div(
        [
            html.Span(
                [html.Span(icon, **{"aria-hidden": "true"}), f" {word}"],
                className=f"wb-overview__state wb-overview__state--{state or 'unknown'}",
            ),
            html.Span(clock, className="wb-overview__clock"),
        ],
        className="wb-overview__session",
        title=f"{market}: {word.lower()} · local time {clock}",
        **{"data-session": state or "unknown", "data-market": market},
    )


def _region_section(region: str, tiles: list) -> html.Section:
    return html.Section(
        [
            html.H2(region, className="wb-quotes__title"),
            html.Div(tiles, className="wb-tiles wb-quotes__tiles"),
        ],
        className="wb-quotes__group",
        **{"data-region": region, "aria-label": region},
    )


def render(view: SceneView) -> list:
    """Tiles per region (Americas, Europe, Asia-Pacific) with session state and local time."""
    states: dict[str, str | None] = {}  # one calendar look-up per market, not per tile
    groups: dict[str, list] = {}
    reasons = []
    link = links_shown(view.query)
    for name, snapshot in view.snapshots.items():
        reasons.append(reason(snapshot))
        for instrument, quote in view.quoted(name):
            market = market_of(instrument, view.dataset(name))
            if market not in states:
                states[market] = _state(market, view.now)
            line = session_line(market, states[market], view.now)
            # The session line only shows: one component (components/static.py), not four.
            tile = quote_tile(instrument, quote, snapshot, extra=[static(line)], link=link)
            groups.setdefault(region_of(market), []).append(tile)
    sections = [_region_section(r, groups[r]) for r in REGIONS if r in groups]
    return [*reasons, html.Div(sections, className="wb-quotes wb-overview")]
