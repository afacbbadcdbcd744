"""Rates scene: the US Treasury curve now, a week and a month ago; the 2s10s and 3m10y spreads;
policy rates; the policy path the fed funds futures imply for the next FOMC meetings.

The scene's datasets come from its configuration (`scenes.rates.datasets`), told apart by what
they hold: the curve is its curve dataset; the fed funds futures the quote dataset whose
instrument ids are contract months (`zq_YYYY_MM`); the policy rates its other quote dataset.

The curve provider sends one curve per date it has (Treasury and the demo three: the latest and
the latest at least 7 and 28 days older); the scene draws whatever dates are present.
The implied path (analytics/fedwatch.py, the CME FedWatch method) reads the futures quotes
(their instrument ids give the contract month), the FOMC dates from the `fomc` schedule of the
board's event dataset (the macro calendar), and the effective rate (`effr`) from the policy
rates when it is there. Odds are only as good as their inputs: the panel says when the EFFR and
the futures it used are from, and shows no odds at all when either is not from the latest
session (an EFFR years old would price a move that happened long ago).

Every %, bp and sign is written by components/format.py: '4.60%', '+12 bp', '78%'.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from dash import dcc, html

from analytics.derived import SPREADS, curve_spreads
from analytics.fedwatch import MeetingOdds, contract_month, implied_path
from components.badges import LOOK, chart_caption
from components.figures import DARK, GRAPH_CONFIG, ChartTheme, chart_theme
from components.format import age_words, arrow, direction, format_bp, format_pct, rounded, signed
from components.scene import SceneView
from components.sections import reason
from components.static import static
from components.tiles import quote_tile
from config.schema import Instrument, RecordKind
from engine.freshness import is_from_latest_session
from providers import markets
from providers.models import CurvePoint, Quote, Snapshot, Status

SCENE = "rates"
FOMC, EFFR = "fomc", "effr"  # the instruments holding the meeting dates and the rate
IDS = {
    "curve": f"{SCENE}-curve",
    "spreads": f"{SCENE}-spreads",
    "policy": f"{SCENE}-policy",
}
NEW_YORK = ZoneInfo("America/New_York")  # FOMC decisions are dated in New York
PATH_ROWS = 3  # the next meetings shown: what fits under the policy rates on a 1080p wall
# The EFFR is fixed for each US business day (NYSE's calendar is close: it also shuts on Good
# Friday) and published at 09:00 New York the next one, on FRED by that afternoon: the newest
# to be had may be of the session two before the latest, never older.
EFFR_MARKET = "XNYS"
EFFR_LAG_SESSIONS = 2

# Newest curve bright, solid and thick; older ones thinner, dashed and faded (colours: the
# theme's first series colours, then its flat colour).
CURVE_STYLES = (
    {"width": 5, "dash": "solid", "opacity": 1.0, "marker": 11},
    {"width": 2.5, "dash": "dash", "opacity": 0.75, "marker": 7},
    {"width": 2.5, "dash": "dot", "opacity": 0.75, "marker": 7},
)
OLDER_STYLE = {"width": 2, "dash": "dot", "opacity": 0.6, "marker": 6}


def curve_style(rank: int, theme: ChartTheme = DARK) -> dict:
    """The look of the curve `rank` dates back (0: the newest)."""
    if rank < len(CURVE_STYLES):
        return {**CURVE_STYLES[rank], "color": theme.series[rank]}
    return {**OLDER_STYLE, "color": theme.flat}


def roles(view: SceneView) -> tuple[str, str | None, str | None]:
    """The scene's curve, policy-rate and futures datasets (see the module's docstring); a scene
    configured without policy rates or futures draws the rest, without those panels."""
    quotes = view.of_kind(RecordKind.QUOTE)
    futures = [
        name for name in quotes if any(contract_month(i.id) for i in view.dataset(name).instruments)
    ]
    policy = [name for name in quotes if name not in futures]
    return view.first(RecordKind.CURVE), next(iter(policy), None), next(iter(futures), None)


def lookback_label(days: int) -> str:
    """How far back an older curve is, as a wall reads it: '1w', '1m', '3d'."""
    if days >= 28:
        return f"{max(1, round(days / 30.4))}m"
    if days >= 7:
        return f"{days // 7}w"
    return f"{days}d"


def curve_dates(points: list[CurvePoint]) -> list[date]:
    """The curve dates present, newest first."""
    return sorted({p.as_of.date() for p in points}, reverse=True)


def bp_change(value: float | None) -> str:
    """A change in basis points with its arrow, as shown in whole bp: '▼ -4 bp', '■ 0 bp'."""
    if value is None:
        return "—"
    return f"{arrow(value, 0)} {format_bp(value)}"


def make_curve_figure(points: list[CurvePoint], theme: ChartTheme = DARK) -> go.Figure:
    """The yield curve, one line per curve date (newest bold), x = tenor on a log axis."""
    dates = curve_dates(points)
    fig = go.Figure()
    tenors: dict[float, str] = {}
    for rank, day in enumerate(dates):
        curve = sorted((p for p in points if p.as_of.date() == day), key=lambda p: p.years)
        tenors.update({p.years: p.tenor for p in curve})
        style = curve_style(rank, theme)
        when = "latest" if rank == 0 else f"{lookback_label((dates[0] - day).days)} before"
        fig.add_trace(
            go.Scatter(
                x=[p.years for p in curve],
                y=[p.yield_pct for p in curve],
                text=[p.tenor for p in curve],
                name=f"{day:%d %b %Y} · {when}",
                mode="lines+markers",
                line={"color": style["color"], "width": style["width"], "dash": style["dash"]},
                marker={"size": style["marker"], "color": style["color"]},
                opacity=style["opacity"],
                hovertemplate="%{text}: %{y:.2f}%<extra>" + f"{day:%d %b %Y}" + "</extra>",
            )
        )
    # Draw the older curves first so the newest is on top; the legend keeps newest first.
    fig.data = tuple(reversed(fig.data))
    ticks = sorted(tenors)
    fig.update_layout(
        template=theme.template,
        showlegend=True,
        legend={"traceorder": "reversed", "font": {"size": 20}},
        margin={"l": 80, "r": 24, "t": 56, "b": 56},
        xaxis={
            "type": "log",
            "tickvals": ticks,
            "ticktext": [tenors[y] for y in ticks],
            "tickfont": {"size": 20},
            "title": {"text": "Tenor"},
            "showgrid": True,
        },
        yaxis={"ticksuffix": "%", "tickformat": ".2f", "tickfont": {"size": 20}, "nticks": 6},
    )
    return fig


def caption(what: str, snapshot: Snapshot) -> html.Figcaption:
    """A chart's caption: what it shows, its data's time and its status in words."""
    return chart_caption(what, snapshot, class_name="rates-caption")


def no_data(what: str, snapshot: Snapshot | None = None) -> html.Div:
    """What stands in for a widget without data: 'no data' and the reason (if given)."""
    return html.Div(
        [
            html.P(f"{what}: no data", className="rates-nodata__title"),
            reason(snapshot) if snapshot is not None else None,
        ],
        className="rates-nodata",
        role="status",
    )


def _bp_cell(change: float | None) -> str:
    """A yield change in whole bp with its arrow, for the table ('▲ +7', '■ 0')."""
    if change is None:
        return "—"
    return f"{arrow(change, 0)} {signed(change, 0)}"


def _yield_row(label: str, values: list[str], classes: list[str] | None = None) -> html.Tr:
    classes = classes or [""] * len(values)
    return html.Tr(
        [html.Th(label, scope="row")]
        + [html.Td(v, className=c) for v, c in zip(values, classes, strict=True)]
    )


def yield_table(instruments: list[Instrument], points: list[CurvePoint]) -> html.Table:
    """Yields per tenor (names as configured) for each curve date, then the changes in bp."""
    dates = curve_dates(points)
    by_key = {(p.tenor, p.as_of.date()): p.yield_pct for p in points}
    rows = [
        _yield_row(
            f"{day:%d %b}" + (" (latest)" if rank == 0 else ""),
            [
                f"{rounded(by_key[(i.id, day)], 2):.2f}" if (i.id, day) in by_key else "—"
                for i in instruments
            ],
        )
        for rank, day in enumerate(dates)
    ]
    for day in dates[1:]:
        changes = [
            (by_key[(i.id, dates[0])] - by_key[(i.id, day)]) * 100
            if (i.id, dates[0]) in by_key and (i.id, day) in by_key
            else None
            for i in instruments
        ]
        rows.append(
            _yield_row(
                f"Δ {lookback_label((dates[0] - day).days)}, bp",
                [_bp_cell(c) for c in changes],
                [f"wb-{direction(c, 0)}" for c in changes],
            )
        )
    return html.Table(
        [
            html.Caption("Yields in %, by tenor", className="visually-hidden"),
            html.Thead(
                html.Tr(
                    [html.Th("Yield %", scope="col")]
                    + [html.Th(i.name, scope="col") for i in instruments]
                )
            ),
            html.Tbody(rows),
        ],
        className="wb-table rates-table",
    )


def spread_tile(
    name: str, spreads: dict[date, dict[str, float]], instruments: list[Instrument]
) -> html.Div:
    """One spread: its level in bp, 'inverted' when negative, and its change vs older curves."""
    short, long = SPREADS[name]
    names = {i.id.upper(): i.name for i in instruments}
    legs = f"{names.get(long, long)} \u2212 {names.get(short, short)}"
    dates = list(spreads)  # newest first
    value = spreads[dates[0]].get(name) if dates else None
    head = html.Div(
        [html.Span(name, className="rates-spread__name"), html.Span(legs, className="wb-muted")],
        className="rates-spread__head",
    )
    if value is None:
        return html.Div(
            [head, html.Div("—", className="rates-spread__value"), html.Div("no data")],
            className="rates-spread rates-spread--missing",
            **{"data-spread": name},
        )
    changes = []
    for day in dates[1:]:
        before = spreads[day].get(name)
        if before is None:
            continue
        change = value - before
        changes.append(
            html.Div(
                f"{bp_change(change)} vs {lookback_label((dates[0] - day).days)}",
                className=f"rates-spread__change wb-{direction(change, 0)}",
            )
        )
    if len(dates) < 2:
        changes.append(html.Div("no earlier curve", className="rates-spread__change wb-flat"))
    inverted = rounded(value, 0) < 0  # as shown: a spread that reads 0 bp is not inverted
    return html.Div(
        [
            head,
            html.Div(
                [signed(value, 0), html.Span("bp", className="rates-spread__unit")],
                className="rates-spread__value",
            ),
            html.Div("⚠ inverted", className="rates-spread__inverted") if inverted else None,
            *changes,
        ],
        className="rates-spread" + (" rates-spread--inverted" if inverted else ""),
        **{"data-spread": name, "data-inverted": "true" if inverted else "false"},
    )


def curve_section(view: SceneView, name: str) -> html.Section:
    """The curve chart with its caption and the yield table under it."""
    snapshot, dataset = view.snapshot(name), view.dataset(name)
    points = [p for p in snapshot.records if isinstance(p, CurvePoint)]
    title = dataset.title
    if points:
        graph = dcc.Graph(
            id=IDS["curve"],
            figure=make_curve_figure(points, chart_theme(view.settings)),
            config=GRAPH_CONFIG,
            className="wb-graph rates-curve__graph",
        )
        body = [
            reason(snapshot),
            html.Figure(
                [graph, caption("Par yields, % · log tenor axis", snapshot)],
                className=f"rates-figure rates-figure--{snapshot.status.value}",
                **{"aria-label": f"{title}: yield by tenor for each curve date"},
            ),
            static(yield_table(dataset.instruments, points)),  # only shown: one component
        ]
    else:
        body = [no_data(title, snapshot), static(yield_table(dataset.instruments, []))]
    return html.Section(
        [html.H2(title, className="wb-section__title"), *body],
        className="rates-panel rates-curve",
        **{"data-dataset": name, "data-status": snapshot.status.value},
    )


def spreads_section(view: SceneView, name: str) -> html.Section:
    """2s10s and 3m10y in bp, with their changes (from the curve dataset `name`)."""
    snapshot, instruments = view.snapshot(name), view.dataset(name).instruments
    points = [p for p in snapshot.records if isinstance(p, CurvePoint)]
    spreads = curve_spreads(points)
    body = (
        [spread_tile(spread, spreads, instruments) for spread in SPREADS]
        if spreads
        else [no_data("Spreads")]  # the curve panel beside it gives the reason
    )
    return html.Section(
        [
            html.H2("Curve spreads", className="wb-section__title"),
            html.Div(body, className="rates-spreads", id=IDS["spreads"]),
        ],
        className="rates-panel",
        **{"data-dataset": name, "data-status": snapshot.status.value},
    )


def policy_section(view: SceneView, name: str) -> html.Section:
    """A tile per policy rate (change in bp)."""
    snapshot, dataset = view.snapshot(name), view.dataset(name)
    return html.Section(
        [
            html.H2(dataset.title, className="wb-section__title"),
            reason(snapshot),
            html.Div(
                [quote_tile(i, quote, snapshot) for i, quote in view.quoted(name)],
                className="wb-tiles rates-policy",
                id=IDS["policy"],
            ),
        ],
        className="rates-panel",
        **{"data-dataset": name, "data-status": snapshot.status.value},
    )


def fomc_dates(view: SceneView) -> list[date]:
    """The FOMC decision dates (New York) in the `fomc` schedule of the board's event datasets
    (the macro calendar), in order."""
    schedule = [
        moment
        for dataset in view.settings.datasets.values()
        if dataset.kind is RecordKind.EVENT
        for instrument in dataset.instruments
        if instrument.id == FOMC
        for moment in instrument.schedule
    ]
    return sorted({t.astimezone(NEW_YORK).date() for t in schedule})


def futures_quotes(records: Iterable) -> dict[date, Quote]:
    """Fed funds futures quotes by contract month, from quotes with ids like `zq_2026_12`."""
    quotes = {}
    for record in records:
        month = contract_month(record.symbol) if isinstance(record, Quote) else None
        if month is not None:
            quotes[month] = record
    return quotes


def futures_prices(records: Iterable) -> dict[date, float]:
    """Fed funds futures prices by contract month, from quotes with ids like `zq_2026_12`."""
    return {month: quote.price for month, quote in futures_quotes(records).items()}


def effr_quote(snapshot: Snapshot) -> Quote | None:
    """The fed funds effective rate's quote (price in %) in the policy rates, when they hold it."""
    return snapshot.quotes_by_id().get(EFFR)


def effective_rate(snapshot: Snapshot) -> float | None:
    """The fed funds effective rate in % from the policy rates, when they hold it."""
    quote = effr_quote(snapshot)
    return None if quote is None else quote.price


def effr_is_current(as_of: datetime, now: datetime) -> bool:
    """Whether an EFFR dated `as_of` is of the latest session it can be out for at `now`: the
    session EFFR_LAG_SESSIONS before the latest one (New York dates) or later."""
    oldest_open, _ = markets.recent_sessions(EFFR_MARKET, now, EFFR_LAG_SESSIONS + 1)[0]
    return as_of.astimezone(NEW_YORK).date() >= oldest_open.astimezone(NEW_YORK).date()


def priced_months(upcoming: list[date], today: date) -> tuple[date, date]:
    """The first and last contract month the shown meetings are priced from: this month's to
    the month after the last meeting shown (whose contract can give the rate after it)."""
    last = upcoming[:PATH_ROWS][-1]
    following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return today.replace(day=1), following


def futures_time(quotes: dict[date, Quote], months: tuple[date, date]) -> datetime | None:
    """When the futures the odds are priced from are as of: the oldest of them (any quote, when
    none is of those months); None without quotes."""
    first, last = months
    used = [q.as_of for month, q in quotes.items() if first <= month <= last]
    return min(used or [q.as_of for q in quotes.values()], default=None)


def when_text(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """A time on the wall's clock: '15:00 UTC' today, 'Fri 15:00 UTC' on the six days before,
    else '03 Jun 2023 15:00 UTC'."""
    local = moment.astimezone(tz)
    days = (now.astimezone(tz).date() - local.date()).days
    if days == 0:
        return f"{local:%H:%M %Z}"
    if 0 < days < 7:
        return f"{local:%a %H:%M %Z}"
    return f"{local:%d %b %Y %H:%M %Z}"


def not_current(
    view: SceneView, name: str, effr: Quote | None, futures_as_of: datetime | None
) -> list[str]:
    """Why the odds cannot be shown: each input not from the latest session of its market
    ('EFFR is from 06 Jun 2023 (1,277 d 11 h old)'); empty when both are current."""
    now, why = view.now, []
    if effr is not None and not effr_is_current(effr.as_of, now):
        age = age_words((now - effr.as_of).total_seconds())
        why.append(f"EFFR is from {effr.as_of.astimezone(NEW_YORK):%d %b %Y} ({age} old)")
    if futures_as_of is not None and not is_from_latest_session(
        futures_as_of, view.dataset(name), now
    ):
        age = age_words((now - futures_as_of).total_seconds())
        when = when_text(futures_as_of, now, ZoneInfo(view.settings.wall_tz))
        why.append(f"futures are from {when} ({age} old)")
    return why


def inputs_text(view: SceneView, effr: Quote | None, futures_as_of: datetime | None) -> str:
    """What the odds are worked out from, and when each is from: 'from EFFR 4.33% as of Wed
    03 Dec · futures as of 15:00 UTC' (the EFFR is dated by its New York day)."""
    start = "the first contract"
    if effr is not None:
        start = f"EFFR {format_pct(effr.price)} as of {effr.as_of.astimezone(NEW_YORK):%a %d %b}"
    if futures_as_of is None:
        return f"from {start}"
    when = when_text(futures_as_of, view.now, ZoneInfo(view.settings.wall_tz))
    return f"from {start} · futures as of {when}"


def percent(p: float | None) -> str:
    """A probability for the wall: '78%', '<1%' and '>99%' at the ends, '—' when unknown."""
    if p is None:
        return "—"
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 < p < 1:
        return ">99%"
    return format_pct(p * 100, 0)


def _size(item: tuple[int, float]) -> int:
    return abs(item[0])


def _odds_cell(total: float | None, sizes: list[tuple[int, float]], top: bool) -> html.Td:
    """One outcome's probability, with its split by size under it when several are priced."""
    detail = None
    if len(sizes) > 1:
        split = " · ".join(f"{abs(m)} bp {percent(p)}" for m, p in sorted(sizes, key=_size))
        detail = html.Span(split, className="rates-path__split")
    return html.Td(
        [percent(total), detail],
        className="rates-path__odds" + (" rates-path__odds--top" if top else ""),
    )


def path_row(odds: MeetingOdds) -> html.Tr:
    """One meeting: date, implied rate after it, P(cut) / P(hold) / P(hike), likeliest marked."""
    when = html.Th(f"{odds.meeting:%d %b %Y}", scope="row")
    if not odds.moves:
        return html.Tr(
            [when, html.Td("—"), html.Td(odds.reason, colSpan=3, className="rates-path__reason")],
            className="rates-path__row rates-path__row--missing",
        )
    outcomes = {"cut": odds.cut, "hold": odds.hold, "hike": odds.hike}
    likeliest = max(outcomes, key=lambda name: outcomes[name] or 0)
    return html.Tr(
        [
            when,
            html.Td(format_pct(odds.rate_after)),
            _odds_cell(odds.cut, [(m, p) for m, p in odds.moves if m < 0], likeliest == "cut"),
            _odds_cell(odds.hold, [], likeliest == "hold"),
            _odds_cell(odds.hike, [(m, p) for m, p in odds.moves if m > 0], likeliest == "hike"),
        ],
        className="rates-path__row",
        **{"data-meeting": odds.meeting.isoformat(), "data-likeliest": likeliest},
    )


def path_table(rows: list[MeetingOdds]) -> html.Table:
    """The next meetings as a table: date, implied rate after, the odds of each outcome."""
    heads = ["Meeting", "Rate after", "Cut", "Hold", "Hike"]
    return html.Table(
        [
            html.Caption(
                "Next FOMC meetings: implied rate after and the odds of a cut, hold or hike",
                className="visually-hidden",
            ),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in heads])),
            html.Tbody([path_row(odds) for odds in rows]),
        ],
        className="wb-table rates-table rates-path",
    )


def path_section(view: SceneView, name: str, policy: Snapshot) -> html.Section:
    """Next FOMC meetings: the implied rate after each and P(cut) / P(hold) / P(hike), from the
    futures dataset `name` and the policy rates."""
    snapshot = view.snapshot(name)
    today = view.now.astimezone(NEW_YORK).date()
    meetings = fomc_dates(view)
    upcoming = [day for day in meetings if day >= today]
    quotes = futures_quotes(snapshot.records)
    prices = {month: quote.price for month, quote in quotes.items()}
    effr = effr_quote(policy)
    as_of = futures_time(quotes, priced_months(upcoming, today)) if upcoming else None
    stale = not_current(view, name, effr, as_of)
    note = None  # beside the title: the method, its inputs' times, the status unless live/closed
    if not meetings:
        body = [
            no_data_box("no meeting dates configured", "add them to the calendar's fomc schedule")
        ]
    elif not upcoming:
        last = f"the last was {meetings[-1]:%d %b %Y}"
        body = [no_data_box("no upcoming meeting dates configured", last)]
    elif not prices:
        body = [no_data_box("no futures data"), reason(snapshot)]
    elif stale:  # odds from an old rate or old prices would read as today's
        detail = "the odds need the EFFR and futures of the latest session"
        body = [no_data_box(f"No FedWatch: {'; '.join(stale)}", detail)]
    else:
        rate = None if effr is None else effr.price
        try:
            odds = implied_path(prices, upcoming, rate, as_of=today)
        except ValueError as exc:  # two meetings in one month in the config
            body = [no_data_box("meeting dates cannot be priced", str(exc))]
        else:
            icon, label = LOOK[snapshot.status]
            quiet = snapshot.status in (Status.OK, Status.CLOSED)
            note = html.Span(
                [
                    f"CME FedWatch {inputs_text(view, effr, as_of)}",
                    None
                    if quiet
                    else html.Span(
                        f" · {icon} {label}", className=f"wb-badge--{snapshot.status.value}"
                    ),
                ],
                className="rates-path__note",
            )
            body = [reason(snapshot), static(path_table(odds[:PATH_ROWS]))]
    return html.Section(
        [
            html.Div(
                [html.H2("Next FOMC meetings", className="wb-section__title"), note],
                className="rates-path__head",
            ),
            *body,
        ],
        className=f"rates-panel rates-path-panel rates-path-panel--{snapshot.status.value}",
        **{"data-dataset": name, "data-status": snapshot.status.value},
    )


def no_data_box(title: str, detail: str | None = None) -> html.Div:
    """A short 'no data' box with an optional line saying what to do or why."""
    return html.Div(
        [
            html.P(title, className="rates-nodata__title"),
            html.P(detail, className="rates-nodata__detail") if detail else None,
        ],
        className="rates-nodata rates-nodata--short",
        role="status",
    )


def render(view: SceneView) -> list:
    """Curve and table on the left; spreads, policy rates and the implied path on the right."""
    curve, policy, futures = roles(view)
    return [
        html.Div(
            [
                curve_section(view, curve),
                html.Div(
                    [
                        spreads_section(view, curve),
                        *([policy_section(view, policy)] if policy else []),
                        *(
                            [path_section(view, futures, view.snapshot(policy or ""))]
                            if futures
                            else []
                        ),
                    ],
                    className="rates-side",
                ),
            ],
            className="rates-grid",
        )
    ]
