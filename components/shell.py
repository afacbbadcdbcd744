"""The frame around every scene: header with the wall's date and market clocks, navigation for
analysts, the kiosk carousel (progress bar, paused indicator), the ticker tape, the offline
banner, the banner saying no market source could be reached (with the way to the demo edition)
and the DEMO watermark. The carousel itself runs in the browser (assets/32_carousel.js); the
server only tells it which scenes have data.

On an analyst's screen each quote on the tape links to its instrument's page; on a kiosk
(`?kiosk=1`) nothing on the tape is a link or focusable. The shell is rendered once, before the
URL is known, so the tape starts as plain text and its callback, which reads the URL's query
(`wb-nav.search`), renders it with links once the browser says the screen is not a kiosk.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.alerts import banner_lines
from components.clocks import Clocks
from components.format import format_change, format_price, format_wall_date
from components.nav_links import NavEntry, NavLinks
from components.patch import plain
from components.scene import SceneView, has_data
from components.search import search_box
from components.share import copy_link, register_share_callbacks
from components.status import NO_SOURCE_REACHED, no_source_reached
from components.tape import Tape, TapeEntry
from components.tiles import cell_title, instrument_href, linked_graph_id, links_shown
from config.schema import Edition, Settings
from engine.board import Board
from engine.freshness import Shown, state_shown
from engine.release import release_id
from providers.models import Headline, Quote, Snapshot, Status
from web.boards import current_board
from web.callback_guard import refuse

HEALTH_POLL_MS = 10_000
TICKER_POLL_MS = 30_000
TICKER_HEADLINES = 8
TAPE_ID = "wb-tape"  # the tape's items (components/tape.py), in the wb-ticker band
MAX_SEARCH = 4096  # a URL's query string: gunicorn caps the whole request line at 4 KiB


def wall_date(settings: Settings, now: datetime) -> html.Span:
    """The weekday and date in the wall's time zone (`wall_tz`, named on hover), as of the
    page's rendering; the browser rewrites it from its clock each second (36_dates.js), so a
    screen left running turns it at the zone's midnight."""
    return html.Span(
        format_wall_date(now, settings.wall_tz),
        id="wb-date",
        className="wb-date",
        title=f"Date in {settings.wall_tz}",
        **{"data-tz": settings.wall_tz},
    )


def navbar(settings: Settings, now: datetime | None = None) -> dbc.Navbar:
    """Brand, the wall's date, market clocks and links to every enabled scene (links hidden in
    kiosk mode)."""
    links: list[NavEntry] = [
        {"title": scene.title, "href": f"/{name}"} for name, scene in settings.enabled_scenes()
    ]
    clocks = Clocks(clocks=[{"label": c.label, "tz": c.tz} for c in settings.clocks])
    return dbc.Navbar(
        dbc.Container(
            [
                # A link for analysts; on a kiosk the same words as text, out of the tab order
                # (26_links.css shows one or the other).
                dbc.NavbarBrand("Market Wallboard", href="/", className="wb-brand--link"),
                html.Span("Market Wallboard", className="navbar-brand wb-brand--kiosk"),
                demo_watermark(settings),
                wall_date(settings, now or datetime.now(UTC)),
                clocks,
                NavLinks(links=links, className="flex-wrap wb-nav__links"),
                search_box(),
                copy_link(),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="wb-nav",
    )


def demo_watermark(settings: Settings) -> html.Div | None:
    """The DEMO DATA label in the header of every screen of the demo edition (with the faint
    diagonal watermark from CSS): synthetic data is never shown as real."""
    if settings.edition is not Edition.DEMO:
        return None
    return html.Div(
        [
            html.Span("DEMO DATA", className="wb-demo__title"),
            html.Span("synthetic prices — not market data", className="wb-demo__note"),
        ],
        id="demo-watermark",
        className="wb-demo",
        role="note",
    )


def scene_list(settings: Settings) -> list[dict]:
    """What the carousel needs to know of each enabled scene, in rotation order."""
    return [
        {
            "name": name,
            "path": f"/{name}",
            "dwell_ms": int(scene.dwell_s * 1000),
            "hours": scene.hours.model_dump() if scene.hours else None,
        }
        for name, scene in settings.enabled_scenes()
    ]


def scene_health(board: Board) -> dict[str, bool]:
    """For each enabled scene: has it anything to show? The carousel skips those without.
    Each dataset is read once, however many scenes show it."""
    now = board.clock()
    read: dict[str, Snapshot] = {}
    health = {}
    for name, scene in board.settings.enabled_scenes():
        for dataset in scene.datasets:
            if dataset not in read:
                read[dataset] = board.snapshot(dataset, now)
        snapshots = {dataset: read[dataset] for dataset in scene.datasets}
        health[name] = has_data(SceneView(board, name, snapshots, now))
    return health


def alert_banner(board: Board) -> list:
    """The active alerts as a banner line each, with their data's source, time and age
    (components.alerts; empty when there are none)."""
    return banner_lines(board)


def banner_digest(lines: list) -> str:
    """A short digest of the banner as sent, so a tick that would send the same answers 204.
    Ages are left out: the browser counts them on (assets/31_ages.js), so an alert that stays
    up is not sent again each minute for its age's text."""
    text = json.dumps(_without_ages(plain(lines)), sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _without_ages(node: object) -> object:
    if isinstance(node, list):
        return [_without_ages(child) for child in node]
    if not isinstance(node, dict):
        return node
    props = node.get("props", {})
    if props.get("className") == "wb-age" and "data-age-of" in props:
        return {**node, "props": {**props, "children": None}}
    return {key: _without_ages(value) for key, value in node.items()}


def no_source_banner(stranded: bool) -> list:
    """The banner's content when no market source could be reached (empty otherwise)."""
    if not stranded:
        return []
    return [
        html.Span("✕", className="wb-alert__icon", **{"aria-hidden": "true"}),
        html.Span(NO_SOURCE_REACHED, className="wb-alert__text"),
    ]


@dataclass(frozen=True)
class TapeItem:
    """One item of the tape: its text, its status (a value not current is marked in the text
    itself, by shape and word), its tooltip (source, time, why), and the instrument it links
    to on an analyst's screen (None for a headline)."""

    text: str
    status: Status
    title: str
    instrument: str | None = None


# What marks a tape item whose value is not current. Its data's date is part of the text, not
# its age: the text stays the same while the value does, so the tape is not redrawn each minute.
_TAPE_MARK = {Status.STALE: "⚠ stale", Status.CLOSED: "☾", Status.FALLBACK: "↺"}


def _tape_quote(instrument, quote: Quote, seen: Shown, now: datetime) -> TapeItem:
    price = format_price(quote.price, instrument)
    move = format_change(quote.change, quote.change_pct, quote.price, instrument)
    text = f"{instrument.name} {price} {move}"
    mark = _TAPE_MARK.get(seen.status)
    if seen.status is Status.STALE and seen.as_of is not None:
        text += f" {mark} · as of {seen.as_of:%d %b %Y}"
    elif mark:
        text += f" {mark}"
    return TapeItem(text, seen.status, cell_title(instrument.name, seen, now), instrument.id)


# The tape as last worked out: (settings, the snapshots it was made from, its items). Every
# screen's tape tick in the same second reads the same snapshots (engine.board assesses each
# once a second), and gets the items worked out once.
_TAPE: list[tuple[Settings, tuple[Snapshot, ...], list[TapeItem]]] = []


def ticker_items(board: Board) -> list[TapeItem]:
    """The tape's items, from the datasets configured `ticker: true` in their order: key quotes,
    each marked when not current (engine.freshness decides, as for its tile), then the latest
    headlines younger than their dataset's stale threshold (old news is not news)."""
    now = board.clock()
    settings = board.settings
    read = tuple(board.snapshot(n, now) for n, d in settings.datasets.items() if d.ticker)
    if _TAPE and _TAPE[0][0] is settings and _same(_TAPE[0][1], read):
        return _TAPE[0][2]
    items = _ticker_items(board, read, now)
    _TAPE[:] = [(settings, read, items)]
    return items


def _same(known: tuple, read: tuple) -> bool:
    return len(known) == len(read) and all(a is b for a, b in zip(known, read, strict=True))


def _ticker_items(board: Board, read: tuple[Snapshot, ...], now: datetime) -> list[TapeItem]:
    items: list[TapeItem] = []
    headlines: list[Headline] = []
    ticker = [dataset for dataset in board.settings.datasets.values() if dataset.ticker]
    for dataset, snapshot in zip(ticker, read, strict=True):
        cutoff = now - timedelta(seconds=dataset.stale_after_s)
        headlines += [
            r for r in snapshot.records if isinstance(r, Headline) and r.published >= cutoff
        ]
        quotes = snapshot.quotes_by_id()
        for instrument in dataset.instruments:
            quote = quotes.get(instrument.id)
            if quote is not None:
                seen = state_shown(snapshot, instrument.id, now)
                items.append(_tape_quote(instrument, quote, seen, now))
    headlines.sort(key=lambda h: h.published, reverse=True)
    return items + [
        TapeItem(
            f"{h.source}: {h.title}", Status.OK, f"{h.source} · {h.published:%a %d %b %H:%M} UTC"
        )
        for h in headlines[:TICKER_HEADLINES]
    ]


def tape_text(items: list[TapeItem]) -> str:
    """What the browser holds to tell whether the tape changed (its items' texts)."""
    return "\n".join(item.text for item in items)


def _tape_entry(item: TapeItem, links: bool) -> TapeEntry:
    """One item as the browser draws it (components/tape.py): on an analyst's screen (`links`)
    a quote links to its instrument's page, which the browser opens in the page."""
    href = instrument_href(item.instrument) if links and item.instrument else None
    return {"text": item.text, "status": item.status.value, "title": item.title, "href": href}


def ticker(items: list[TapeItem], *, links: bool = False) -> Tape:
    """The tape, drawn in the browser (assets/37t_tape.js); with `links` (an analyst's
    screen), its quotes link to their instrument's page."""
    return Tape(id=TAPE_ID, items=tape_sent(items, links=links))


# The tape's entries as last sent, per kind of screen (with links or not): (items, entries).
_TAPE_SENT: dict[bool, tuple[list[TapeItem], list[TapeEntry]]] = {}


def tape_sent(items: list[TapeItem], *, links: bool) -> list[TapeEntry]:
    """The tape's entries, made once per items for every screen of a kind: ticker_items keeps
    the items while their data stays the same."""
    known = _TAPE_SENT.get(links)
    if known is None or known[0] is not items:
        known = _TAPE_SENT[links] = (items, [_tape_entry(i, links) for i in items])
    return known[1]


def tape_links(search: object) -> bool:
    """Whether the tape links its quotes, from the URL's query string as the browser gives it
    ('?kiosk=1': a kiosk, no links); anything but a string (a hand-made request) is refused."""
    if search is None:
        return False  # not known yet: plain text, safe on a kiosk
    if not isinstance(search, str) or len(search) > MAX_SEARCH:
        refuse("the URL's query must be a string of at most 4096 characters")
    query = dict(parse_qsl(search.removeprefix("?")))
    return links_shown(query)


def shell(board: Board, page_container) -> html.Div:
    """The app layout: everything around the page container, rendered from the cache."""
    settings = board.settings
    items = ticker_items(board)
    stranded = no_source_reached(board)
    alerts = alert_banner(board)
    return html.Div(
        [
            dcc.Location(id="wb-nav", refresh="callback-nav"),
            dcc.Store(id="wb-scenes", data=scene_list(settings)),
            dcc.Store(id="wb-idle-ms", data=int(settings.carousel.idle_resume_s * 1000)),
            dcc.Store(id="wb-health", data=scene_health(board)),
            dcc.Interval(id="wb-health-tick", interval=HEALTH_POLL_MS),
            dcc.Interval(id="wb-second", interval=1000),
            dcc.Interval(id="wb-ticker-tick", interval=TICKER_POLL_MS),
            navbar(settings, board.clock()),
            html.Div(
                html.Div(id="wb-progress-bar", className="wb-progress__bar"),
                id="wb-progress",
                className="wb-progress",
                hidden=True,
            ),
            html.Div(id="wb-paused", className="wb-paused", hidden=True, role="status"),
            html.Div(
                no_source_banner(stranded),
                id="wb-no-source",
                className="wb-alert wb-alert--no-source",
                role="alert",
                hidden=not stranded,
            ),
            html.Div(alerts, id="wb-alerts", className="wb-alerts", role="alert"),
            dcc.Store(id="wb-alerts-shown", data=banner_digest(alerts)),
            # The operators' broadcasts (engine.control), written by the screen's beat in the
            # browser (assets/33s_screen.js), which also reports the release read from here.
            html.Div(
                id="wb-broadcast",
                className="wb-broadcast",
                role="status",
                hidden=True,
                **{"data-release": release_id()},
            ),
            html.Div(
                "Offline: the wallboard server is not answering. Showing the last data "
                "received; reconnecting by itself.",
                id="wb-offline",
                className="wb-offline",
                role="alert",
                hidden=True,
            ),
            html.Main(page_container, className="wb-main"),
            dcc.Store(id="wb-ticker-text", data=tape_text(items)),
            dcc.Store(id="wb-ticker-links", data=False),
            html.Div(
                ticker(items),
                id="wb-ticker",
                className="wb-ticker",
                **{"aria-label": "Ticker: key quotes and headlines"},
            ),
        ],
        # The demo edition also gets a faint diagonal DEMO DATA across the whole screen (CSS).
        className=f"wallboard theme-{settings.theme}"
        + (" wb-demo-edition" if settings.edition is Edition.DEMO else ""),
    )


def register_shell_callbacks(app: Dash) -> None:
    """Carousel and the date (in the browser; the clocks keep their own time:
    components/clocks.py), scene health with the no-source banner,
    and the ticker tape (from the cache)."""
    app.clientside_callback(
        ClientsideFunction(namespace="wallboard", function_name="carousel"),
        Output("wb-nav", "href"),
        Output("wb-progress", "hidden"),
        Output("wb-progress-bar", "style"),
        Output("wb-paused", "hidden"),
        Output("wb-paused", "children"),
        Input("wb-second", "n_intervals"),
        State("wb-scenes", "data"),
        State("wb-health", "data"),
        State("wb-idle-ms", "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="wallboard", function_name="date"),
        Output("wb-date", "children"),
        Input("wb-second", "n_intervals"),
    )

    @app.callback(
        Output("wb-health", "data"),
        Output("wb-no-source", "children"),
        Output("wb-no-source", "hidden"),
        Input("wb-health-tick", "n_intervals"),
        State("wb-health", "data"),
        State("wb-no-source", "hidden"),
        prevent_initial_call=True,
    )
    def refresh_health(_tick: int, shown: dict | None, banner_hidden: bool | None):
        board = current_board()
        health = scene_health(board)
        stranded = no_source_reached(board)
        same_banner = banner_hidden is (not stranded)
        if health == shown and same_banner:
            raise PreventUpdate  # 204: nothing sent
        banner = (
            (no_update, no_update) if same_banner else (no_source_banner(stranded), not stranded)
        )
        return (no_update if health == shown else health, *banner)

    @app.callback(
        Output("wb-alerts", "children"),
        Output("wb-alerts-shown", "data"),
        Input("wb-health-tick", "n_intervals"),
        State("wb-alerts-shown", "data"),
        prevent_initial_call=True,
    )
    def refresh_alerts(_tick: int, shown: object):
        lines = alert_banner(current_board())
        digest = banner_digest(lines)
        if digest == shown:
            raise PreventUpdate  # 204: nothing sent (the ages count on in the browser)
        return lines, digest

    @app.callback(
        Output(TAPE_ID, "items"),
        Output("wb-ticker-text", "data"),
        Output("wb-ticker-links", "data"),
        Input("wb-ticker-tick", "n_intervals"),
        Input("wb-nav", "search"),
        State("wb-ticker-text", "data"),
        State("wb-ticker-links", "data"),
        prevent_initial_call=True,
    )
    def refresh_ticker(_tick: int, search: object, shown: str | None, linked: object):
        links = tape_links(search)
        items = ticker_items(current_board())
        text = tape_text(items)
        if text == shown and links is (linked is True):
            raise PreventUpdate  # 204: nothing sent
        return tape_sent(items, links=links), text, links

    # A click on a linked graph's cell (a treemap box, a heatmap cell) opens its instrument in
    # the page; the browser does it all (37l_links.js), nothing reaches the server.
    app.clientside_callback(
        ClientsideFunction(namespace="wallboard", function_name="openClicked"),
        Input(linked_graph_id(ALL), "clickData"),
        prevent_initial_call=True,
    )
    register_share_callbacks(app)
