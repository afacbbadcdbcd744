"""The instrument page, `/instrument/<ident>`: one instrument's price, chart and key statistics,
for a configured instrument id (`spx`) or an ad-hoc symbol (`yahoo:AAPL`, `stooq:aapl.us`).

Not a scene (no carousel, no scene frame): app.py registers it with a path template. Everything
the page shows is a function of its URL and the board: the path names the instrument, the query
its view (`range`, `style`, `overlays`, `compare`, `kiosk`). Every control is a link to the URL
of the view it shows (or, for compare, a callback that writes one), so back and forward work and
a copied URL opens the same view elsewhere; a query value the page does not know gets a note
and its default.

History comes from on-demand lookups (engine.lookups): the page never fetches. Its poll asks
the board for the lookups it shows (`board.ask_lookup`, in the request table the leading
refresher's lookup worker reads), with the screen's own id, kept in the browser's localStorage
(assets/38_search_keys.js makes it); every second while one is fetching, then every minute.
The price line of a configured instrument is its quote dataset's, judged as its tile judges it
(engine.freshness.state_shown); an ad-hoc symbol's is its last daily bar's.

On a kiosk (`?kiosk=1`) nothing is a link or a control, and the chart is a static picture.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote, urlencode

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from analytics.instrument_stats import (
    DEFAULT_RANGE,
    RANGES,
    key_stats,
    series_of,
    window,
)
from components.badges import LOOK
from components.figures import chart_theme
from components.format import format_change, format_number, format_pct, format_price
from components.instrument_chart import (
    OVERLAYS,
    STYLES,
    Compare,
    graph_config,
    make_instrument_figure,
)
from components.mode import kiosk as is_kiosk
from components.tiles import status_words
from config.schema import Instrument, RecordKind, Settings
from engine.board import Board
from engine.freshness import Shown, state_shown
from engine.lookups import Lookup, LookupRefused, LookupResult, check_screen, lookup_for
from providers.models import Quote, Status
from web.boards import current_board
from web.callback_guard import refuse

PATH = "/instrument/"
PATH_TEMPLATE = PATH + "<ident>"
PENDING_POLL_MS = 1000
SETTLED_POLL_MS = 60_000
DEFAULT_STYLE = "candles"
QUERY_KEYS = ("range", "style", "overlays", "compare", "kiosk")

IDS = {
    "url": "instrument-url",
    "screen": "instrument-screen",
    "state": "instrument-state",
    "poll": "instrument-poll",
    "version": "instrument-version",
    "live": "instrument-live",
    "chart": "instrument-chart",
    "compare_input": "instrument-compare-input",
    "compare_go": "instrument-compare-go",
    "compare_note": "instrument-compare-note",
}


# --- the URL ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """The view the URL's query asks for, every value checked (notes say what was not)."""

    range: str = DEFAULT_RANGE
    style: str = DEFAULT_STYLE
    overlays: tuple[str, ...] = ()
    compare: str | None = None  # the compared instrument's ident, as the URL carries it
    kiosk: bool = False
    notes: tuple[str, ...] = ()

    def query(self, **changes: Any) -> dict[str, str]:
        """The query of this view with some choices changed, defaults left out (short URLs)."""
        values = {
            "range": self.range,
            "style": self.style,
            "overlays": ",".join(self.overlays),
            "compare": self.compare or "",
            "kiosk": "1" if self.kiosk else "",
        }
        values.update({k: v if isinstance(v, str) else "" for k, v in changes.items()})
        defaults = {"range": DEFAULT_RANGE, "style": DEFAULT_STYLE}
        return {k: v for k, v in values.items() if v and v != defaults.get(k)}


def href(ident: str, query: dict[str, str] | None = None) -> str:
    """The page's URL for an instrument and a query ('^' and '=' of a symbol %-encoded)."""
    path = PATH + quote(ident, safe=":")
    if not query:
        return path
    ordered = {k: query[k] for k in QUERY_KEYS if k in query}
    return path + "?" + urlencode(ordered, safe=",:", quote_via=quote)


def _text(value: object) -> str | None:
    """A query value as one string (Dash gives a list for a repeated key: not one value)."""
    return value if isinstance(value, str) else None


def read_choices(settings: Settings, query: dict[str, Any], own: Lookup | None) -> Choices:
    """The view a query asks for; each value the page does not know becomes a note and its
    default. Notes never repeat what the URL said (it could be anything)."""
    notes: list[str] = []
    asked = _text(query.get("range"))
    range_ = DEFAULT_RANGE
    if asked is not None:
        if asked.upper() in RANGES:
            range_ = asked.upper()
        else:
            notes.append(
                f"Unknown range in the URL: showing {DEFAULT_RANGE} ({', '.join(RANGES)})."
            )
    elif "range" in query:
        notes.append(f"Give the range once: showing {DEFAULT_RANGE}.")
    style = _text(query.get("style"))
    if style is None or style not in STYLES:
        if "style" in query:
            notes.append(
                f"Unknown chart style in the URL: showing {DEFAULT_STYLE} (candles or line)."
            )
        style = DEFAULT_STYLE
    overlays: list[str] = []
    listed = _text(query.get("overlays"))
    if listed is None and "overlays" in query:
        notes.append("Give the overlays once, as a comma list.")
    unknown = False
    for name in (listed or "").split(","):
        name = name.strip().lower()
        if name in OVERLAYS:
            if name not in overlays:
                overlays.append(name)
        elif name:
            unknown = True
    if unknown:
        notes.append(f"Unknown overlays in the URL left out (known: {', '.join(OVERLAYS)}).")
    compare = None
    wanted = _text(query.get("compare"))
    if wanted is None and "compare" in query:
        notes.append("Give one instrument to compare with.")
    elif wanted:
        try:
            other = lookup_for(settings, wanted, series_of(range_))
        except LookupRefused as exc:
            notes.append(f"Not compared: {exc}")
        else:
            if own is not None and other.ident == own.ident:
                notes.append("Not compared: that is the instrument shown.")
            else:
                compare = other.ident
    kiosk = is_kiosk(query)
    return Choices(
        range_, style, tuple(o for o in OVERLAYS if o in overlays), compare, kiosk, tuple(notes)
    )


# --- the view -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Quoted:
    """A configured instrument's quote as its tile shows it."""

    instrument: Instrument
    quote: Quote | None
    seen: Shown


@dataclass(frozen=True)
class InstrumentView:
    """What the page renders: the lookups the URL names and their results as read (or asked
    for) now, the configured quote, and the choices."""

    settings: Settings
    ident: str  # the path's ident, decoded, as the URL gave it
    now: datetime
    choices: Choices
    refused: str | None = None  # why the ident is no instrument the board can look up
    daily: Lookup | None = None  # statistics, the price of an ad-hoc symbol, daily ranges
    chart: Lookup | None = None  # the range's series (the daily lookup for daily ranges)
    compare: Lookup | None = None
    results: dict[str, LookupResult | None] = field(default_factory=dict)  # by lookup key
    quoted: Quoted | None = None
    ask_error: str | None = None  # a cap reached: the board would not look it up

    def result(self, lookup: Lookup | None) -> LookupResult | None:
        """A lookup's result as read, None when there is none (yet)."""
        return None if lookup is None else self.results.get(lookup.key)

    @property
    def lookups(self) -> list[Lookup]:
        """Every lookup the page shows, once each."""
        found: dict[str, Lookup] = {}
        for lookup in (self.daily, self.chart, self.compare):
            if lookup is not None:
                found.setdefault(lookup.key, lookup)
        return list(found.values())

    @property
    def pending(self) -> bool:
        """Whether a lookup shown is still being fetched (the page then polls every second)."""
        if self.refused or self.ask_error:
            return False
        return any(
            (r := self.result(lookup)) is None or r.status == "fetching" for lookup in self.lookups
        )


def _quoted(board: Board, instrument_id: str, now: datetime) -> Quoted | None:
    """The first quote dataset holding the instrument: its quote and state, as its tile."""
    for name, dataset in board.settings.datasets.items():
        if dataset.kind is not RecordKind.QUOTE:
            continue
        for instrument in dataset.instruments:
            if instrument.id == instrument_id:
                snapshot = board.snapshot(name, now)
                quote_ = snapshot.quotes_by_id().get(instrument_id)
                return Quoted(instrument, quote_, state_shown(snapshot, instrument_id, now))
    return None


def view_of(
    board: Board, ident: object, query: dict[str, Any] | None = None, screen: str | None = None
) -> InstrumentView:
    """The page's view as of now: with `screen`, each lookup is asked for (board.ask_lookup,
    the poll); without, only read (the first render)."""
    settings, now, query = board.settings, board.clock(), dict(query or {})
    text = unquote(ident).strip() if isinstance(ident, str) else ""
    try:
        daily = lookup_for(settings, text, "daily")
    except LookupRefused as exc:
        return InstrumentView(settings, text, now, read_choices(settings, query, None), str(exc))
    choices = read_choices(settings, query, daily)
    series = series_of(choices.range)
    chart = daily if series == "daily" else lookup_for(settings, daily.ident, series)
    compare = lookup_for(settings, choices.compare, series) if choices.compare else None
    view = InstrumentView(settings, text, now, choices, None, daily, chart, compare)
    results: dict[str, LookupResult | None] = {}
    ask_error = None
    for lookup in view.lookups:
        if screen is not None:
            try:
                results[lookup.key] = board.ask_lookup(lookup, screen)
            except LookupRefused as exc:
                ask_error = ask_error or str(exc)
                results[lookup.key] = board.lookup_result(lookup)
        else:
            results[lookup.key] = board.lookup_result(lookup)
    quoted = _quoted(board, daily.instrument_id, now) if daily.instrument_id else None
    return InstrumentView(
        settings, text, now, choices, None, daily, chart, compare, results, quoted, ask_error
    )


def version(view: InstrumentView) -> str:
    """Changes whenever what the live part shows would change (a result, the quote, a refusal)."""
    parts = [view.refused or "", view.ask_error or ""]
    for lookup in view.lookups:
        r = view.result(lookup)
        parts.append(
            f"{lookup.key}:{r.status}:{r.fetched_at}:{r.attempted_at}:{r.error}"
            if r
            else f"{lookup.key}:-"
        )
    if view.quoted is not None:
        q, seen = view.quoted.quote, view.quoted.seen
        parts.append(f"{q.price if q else None}:{q.as_of if q else None}:{seen.status.value}")
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()


def poll_ms(view: InstrumentView) -> int:
    """Every second while a lookup is fetching, else every minute."""
    return PENDING_POLL_MS if view.pending else SETTLED_POLL_MS


# --- the live part: price, statistics, chart ----------------------------------------------


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else f"{moment:%a %d %b %Y %H:%M} UTC"


def _label(view: InstrumentView) -> str:
    return view.daily.label if view.daily is not None else "Instrument"


def price_line(view: InstrumentView) -> html.Div:
    """The price with its change, source, as-of and status: a configured instrument's quote as
    its tile shows it; an ad-hoc symbol's last daily close, against the close before."""
    instrument = view.quoted.instrument if view.quoted else None
    quoted = view.quoted
    if quoted is not None and quoted.quote is not None:
        price, change, pct = quoted.quote.price, quoted.quote.change, quoted.quote.change_pct
        source, as_of, status = quoted.seen.source, quoted.seen.as_of, quoted.seen.status
        why = quoted.seen.reason
    else:
        result = view.result(view.daily)
        bars = result.bars if result is not None and result.status == "ok" else []
        if not bars:
            return html.Div(
                html.Span("—", className="wb-instrument__price"),
                className="wb-instrument__quote",
                **{"data-status": "pending" if view.pending else "empty"},
            )
        price = bars[-1].close
        before = bars[-2].close if len(bars) > 1 else None
        change = None if before is None else price - before
        pct = None if not before else change / before * 100
        source, as_of = result.source, result.as_of
        status, why = (Status.OK if not result.error else Status.STALE), result.error
    direction = "flat" if not change else ("up" if change > 0 else "down")
    state = status_words(status) or f"{LOOK[status][0]} {LOOK[status][1].lower()}"
    return html.Div(
        [
            html.Span(format_price(price, instrument), className="wb-instrument__price"),
            html.Span(
                format_change(change, pct, price, instrument),
                className=f"wb-instrument__change wb-{direction}",
            ),
            html.Span(
                f"{source or 'unknown source'} · as of {_when(as_of)} · {state}",
                className="wb-instrument__asof",
                **({"title": why} if why else {}),
            ),
        ],
        className="wb-instrument__quote",
        **{"data-status": status.value, "data-source": source or ""},
    )


def stats_list(view: InstrumentView) -> html.Dl | None:
    """Previous close, day range, 52-week range, YTD % and average volume, from daily bars."""
    result = view.result(view.daily)
    if result is None or result.status != "ok" or not result.bars:
        return None
    instrument = view.quoted.instrument if view.quoted else None
    stats = key_stats(result.bars)

    def price(value: float | None) -> str:
        return "—" if value is None else format_price(value, instrument)

    rows = [
        ("Previous close", price(stats.previous_close)),
        ("Day range", f"{price(stats.day_low)} to {price(stats.day_high)}"),
        ("52-week range", f"{price(stats.week52_low)} to {price(stats.week52_high)}"),
        ("YTD", format_pct(stats.ytd_pct, sign=True)),
        ("Avg. volume (3 mo)", format_number(stats.average_volume, 0)),
    ]
    return html.Dl(
        [
            # A div per term and value, as HTML allows in a <dl>: one grid cell each.
            html.Div(
                [
                    html.Dt(term, className="wb-instrument__term"),
                    html.Dd(value, className="wb-instrument__value"),
                ]
            )
            for term, value in rows
        ],
        className="wb-instrument__stats",
        id="instrument-stats",
        **{"aria-label": "Key statistics"},
    )


def _fetching(label: str) -> html.P:
    return html.P(
        f"{label}: fetching…",
        className="wb-instrument__fetching",
        role="status",
        **{"aria-live": "polite"},
    )


def chart_panel(view: InstrumentView) -> list:
    """The chart of the range, or why there is none (fetching…, the lookup's error)."""
    result, label = view.result(view.chart), _label(view)
    if view.ask_error and (result is None or result.status != "ok"):
        return [html.P(view.ask_error, className="wb-instrument__error", role="alert")]
    if result is None or result.status == "fetching":
        return [_fetching(label)]
    if result.status == "error" or not result.bars:
        return [
            html.P(
                result.error or f"No history for {label}.",
                className="wb-instrument__error",
                role="alert",
            )
        ]
    choices = view.choices
    shown = window(result.bars, choices.range)
    compare, notes = None, []
    if view.compare is not None:
        other = view.result(view.compare)
        if other is not None and other.status == "ok" and other.bars:
            compare = Compare(view.compare.label, other.bars)
        elif other is None or other.status == "fetching":
            notes.append(_fetching(view.compare.label))
        else:
            notes.append(
                html.P(
                    other.error or f"No history for {view.compare.label}.",
                    className="wb-instrument__error",
                    role="alert",
                )
            )
    if view.ask_error:
        notes.append(html.P(view.ask_error, className="wb-instrument__error", role="alert"))
    if result.error:  # kept bars: the last fetch failed
        notes.append(
            html.P(
                f"Last fetch failed: {result.error}", className="wb-instrument__note", role="note"
            )
        )
    figure = make_instrument_figure(
        result.bars,
        len(shown),
        label,
        style=choices.style,
        overlays=choices.overlays,
        compare=compare,
        theme=chart_theme(view.settings),
        interactive=not choices.kiosk,
        revision=f"{view.chart.key}:{choices.range}:{view.compare.key if view.compare else ''}",
    )
    kind = "intraday" if view.chart.series == "intraday" else "daily"
    drawn = "line" if compare or choices.style == "line" else "candles"
    against = f", against {compare.label} (both as % from the first bar)" if compare else ""
    caption = (
        f"{label}: {kind} {drawn}, {choices.range}, {len(shown)} bars "
        f"({shown[0].time:%d %b %Y} to {shown[-1].time:%d %b %Y}){against}; "
        f"{result.source or 'unknown source'}, last bar {_when(result.as_of)}."
    )
    filename = "".join(c if c.isalnum() else "-" for c in view.chart.ident)
    return [
        *notes,
        html.Figure(
            [
                html.Div(
                    dcc.Graph(
                        id=IDS["chart"],
                        figure=figure,
                        config=graph_config(not choices.kiosk, f"{filename}-{choices.range}"),
                        className="wb-graph wb-instrument__graph",
                    ),
                    className="wb-instrument__plot",
                ),
                html.Figcaption(caption, className="wb-instrument__caption"),
            ],
            className="wb-instrument__figure",
            **{
                "aria-label": f"{label} chart, {choices.range}",
                "data-range": choices.range,
                "data-series": kind,
                "data-compare": compare.label if compare else "",
            },
        ),
    ]


def live(view: InstrumentView) -> list:
    """What the poll redraws: the price line, the statistics and the chart."""
    return [
        price_line(view),
        stats_list(view),
        html.Div(chart_panel(view), className="wb-instrument__chart"),
    ]


# --- the controls -------------------------------------------------------------------------


def _choice(text: str, target: str, chosen: bool) -> dcc.Link:
    # A link per choice: the URL is the state, so back, forward and a copied URL just work.
    return dcc.Link(
        [text, html.Span(" (shown)", className="visually-hidden")] if chosen else text,
        href=target,
        className="wb-instrument__choice" + (" is-chosen" if chosen else ""),
    )


def controls(view: InstrumentView) -> html.Div:
    """Range, style and overlay links, and the compare box (the navbar copies the link)."""
    ident, choices = view.daily.ident, view.choices
    ranges = [_choice(r, href(ident, choices.query(range=r)), r == choices.range) for r in RANGES]
    styles = [
        _choice(s.capitalize(), href(ident, choices.query(style=s)), s == choices.style)
        for s in STYLES
    ]
    toggles = []
    for name, title in OVERLAYS.items():
        on = name in choices.overlays
        listed = [o for o in OVERLAYS if (o in choices.overlays) != (o == name)]
        toggles.append(
            _choice(
                ("✓ " if on else "") + title,
                href(ident, choices.query(overlays=",".join(listed))),
                on,
            )
        )
    compare = [
        html.Label("Compare with", htmlFor=IDS["compare_input"], className="wb-instrument__label"),
        dcc.Input(
            id=IDS["compare_input"],
            type="text",
            placeholder="an id or symbol, e.g. ndx or AAPL",
            maxLength=40,
            debounce=True,
            className="wb-instrument__input",
            autoComplete="off",
        ),
        html.Button("Compare", id=IDS["compare_go"], n_clicks=0, className="wb-instrument__button"),
    ]
    if choices.compare and view.compare is not None:
        compare += [
            html.Span(f"Comparing with {view.compare.label}", className="wb-instrument__comparing"),
            dcc.Link(
                "Remove compare",
                href=href(ident, choices.query(compare="")),
                className="wb-instrument__choice",
            ),
        ]
    group = "wb-instrument__group"
    return html.Div(
        [
            html.Div(
                [html.Span("Range", className="wb-instrument__label"), *ranges],
                className=group,
                role="group",
                **{"aria-label": "Range"},
            ),
            html.Div(
                [html.Span("Style", className="wb-instrument__label"), *styles],
                className=group,
                role="group",
                **{"aria-label": "Chart style"},
            ),
            html.Div(
                [html.Span("Overlays", className="wb-instrument__label"), *toggles],
                className=group,
                role="group",
                **{"aria-label": "Overlays"},
            ),
            html.Div(
                [
                    *compare,
                    html.Span(
                        id=IDS["compare_note"], className="wb-instrument__error", role="status"
                    ),
                ],
                className=group,
            ),
        ],
        className="wb-instrument__controls",
    )


def kiosk_line(view: InstrumentView) -> html.P:
    """On a kiosk, the view in words instead of controls (nothing there is a link)."""
    choices = view.choices
    parts = [choices.range, choices.style]
    parts += [OVERLAYS[o] for o in choices.overlays]
    if view.compare is not None:
        parts.append(f"compared with {view.compare.label}")
    return html.P(" · ".join(parts), className="wb-instrument__view")


# --- the page -----------------------------------------------------------------------------


def render(view: InstrumentView) -> list:
    """The page's content: title, notes, controls (analysts) and the live part."""
    notes = [html.P(n, className="wb-instrument__note", role="status") for n in view.choices.notes]
    if view.refused is not None:
        return [
            html.H1("Instrument", className="wb-instrument__title"),
            html.P(
                view.refused,
                className="wb-instrument__error",
                role="alert",
                id="instrument-refused",
            ),
            html.P(
                "Type an instrument id of the board (e.g. spx) or a Yahoo or Stooq symbol in "
                "the search box.",
                className="wb-instrument__note",
            ),
        ]
    head = [
        html.H1(_label(view), className="wb-instrument__title"),
        html.Span(view.daily.ident, className="wb-instrument__ident"),
    ]
    return [
        html.Header(head, className="wb-instrument__head"),
        *notes,
        kiosk_line(view) if view.choices.kiosk else controls(view),
        html.Div(live(view), id=IDS["live"], className="wb-instrument__live"),
    ]


def page(view: InstrumentView, query: dict[str, Any]) -> html.Div:
    """The page with its poll, the screen's id store and the state the callbacks read."""
    parts: list = [dcc.Location(id=IDS["url"], refresh="callback-nav"), *render(view)]
    if view.refused is None:
        parts += [
            dcc.Store(id=IDS["screen"], storage_type="local"),
            dcc.Store(
                id=IDS["state"],
                data={
                    "ident": view.daily.ident,
                    "query": {k: v for k, v in query.items() if isinstance(v, str)},
                },
            ),
            dcc.Store(id=IDS["version"], data=version(view)),
            dcc.Interval(id=IDS["poll"], interval=poll_ms(view)),
        ]
    return html.Div(
        parts,
        className="wb-instrument" + (" wb-instrument--kiosk" if view.choices.kiosk else ""),
        **{
            "data-page": "instrument",
            "data-ident": view.daily.ident if view.daily else "",
        },
    )


def layout(ident: object = None, **query: Any) -> html.Div:
    """What Dash serves at /instrument/<ident>: the page as the cache holds it now (read only;
    the first poll asks for what is missing)."""
    return page(view_of(current_board(), ident, query), query)


# --- callbacks ----------------------------------------------------------------------------


def page_state(state: object) -> tuple[str, dict[str, str]]:
    """The page's ident and query as a callback received them; a hand-made shape is a 400."""
    if not isinstance(state, dict):
        refuse("the page state must be an object")
    ident, query = state.get("ident"), state.get("query") or {}
    if not isinstance(ident, str) or not isinstance(query, dict):
        refuse("the page state needs an ident and a query object")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in query.items()):
        refuse("the page query holds strings only")
    return ident, query


def on_poll(board: Board, state: object, screen: object, shown: object) -> tuple:
    """The poll's answer: the live part, its version and the next interval; nothing (204)
    when nothing changed. Each lookup shown is asked for in the screen's name."""
    if screen is None:
        raise PreventUpdate  # the browser has not made its screen id yet
    ident, query = page_state(state)
    try:
        check_screen(screen)
    except LookupRefused as exc:
        refuse(str(exc))
    view = view_of(board, ident, query, screen)
    now = version(view)
    if now == shown:
        raise PreventUpdate
    return live(view), now, poll_ms(view)


def compare_target(settings: Settings, state: object, text: object) -> tuple[object, str]:
    """Where the compare box leads (the same view with `compare` set), or why not (a sentence
    that never repeats what was typed)."""
    if state is None:
        raise PreventUpdate  # the page has not rendered its state yet: nothing to compare
    ident, query = page_state(state)
    if not isinstance(text, str) or not text.strip():
        return no_update, "Type an instrument id or a symbol to compare with."
    try:
        own = lookup_for(settings, ident)
        choices = read_choices(settings, query, own)
        other = lookup_for(settings, text.strip(), series_of(choices.range))
    except LookupRefused as exc:
        return no_update, str(exc)
    if other.ident == own.ident:
        return no_update, "That is the instrument shown: choose another one."
    return href(own.ident, choices.query(compare=other.ident)), ""


def register(app: Dash) -> None:
    """The screen id (in the browser), the poll, and the compare box."""
    app.clientside_callback(
        # assets/38_search_keys.js: the stored id, or a new random one when there is none.
        ClientsideFunction(namespace="wallboard", function_name="screenId"),
        Output(IDS["screen"], "data"),
        Input(IDS["state"], "data"),
        State(IDS["screen"], "data"),
    )

    @app.callback(
        Output(IDS["live"], "children"),
        Output(IDS["version"], "data"),
        Output(IDS["poll"], "interval"),
        Input(IDS["poll"], "n_intervals"),
        Input(IDS["screen"], "data"),
        State(IDS["state"], "data"),
        State(IDS["version"], "data"),
    )
    def _poll(_tick: int | None, screen: object, state: object, shown: object):
        return on_poll(current_board(), state, screen, shown)

    @app.callback(
        Output(IDS["url"], "href"),
        Output(IDS["compare_note"], "children"),
        Input(IDS["compare_go"], "n_clicks"),
        Input(IDS["compare_input"], "n_submit"),
        State(IDS["compare_input"], "value"),
        State(IDS["state"], "data"),
        prevent_initial_call=True,
    )
    def _compare(_clicks: int | None, _submits: int | None, text: object, state: object):
        return compare_target(current_board().settings, state, text)
