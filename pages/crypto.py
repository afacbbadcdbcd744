"""Crypto scene: the largest coins against the dollar, each with its 24 h range and where the
price sits in it.

The range is the source's own 24 h low and high where it gives them (CoinGecko's `low_24h` and
`high_24h`, the low and high of Binance's last 24 hourly candles), else the low and high of the
quote's sparkline closes (the demo's 48 points); the price itself always lies within it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dash import html

from components.format import format_number, format_pct, format_price
from components.scene import SceneView
from components.sections import reason
from components.static import static
from components.tiles import links_shown, quote_tile
from config.schema import Instrument
from providers.models import Quote

SCENE = "crypto"
EN_DASH = "\u2013"


@dataclass(frozen=True)
class DayRange:
    """A 24 h range and where the price sits in it (0 at the low, 100 at the high)."""

    low: float
    high: float
    position_pct: float


def day_range(quote: Quote) -> DayRange | None:
    """The source's 24 h range, else the sparkline's, widened to the price; None when the source
    gives none and the sparkline has fewer than two points."""
    if quote.day_low is not None and quote.day_high is not None:
        points: tuple[float, ...] = (quote.day_low, quote.day_high, quote.price)
    elif len(quote.sparkline) >= 2:
        points = (*quote.sparkline, quote.price)
    else:
        return None
    low, high = min(points), max(points)
    position = 50.0 if high == low else (quote.price - low) / (high - low) * 100
    return DayRange(low, high, position)


def range_value(value: float, instrument: Instrument) -> str:
    """A range bound: whole units from 1,000 up (89,912), the price's decimals below."""
    return format_number(value, 0) if abs(value) >= 1000 else format_price(value, instrument)


def range_line(instrument: Instrument, quote: Quote) -> html.Div:
    """'24h 89,912 to 92,140 USD' (with an en dash) and a bar with a marker where the price sits."""
    currency = instrument.currency or quote.currency or ""
    span = day_range(quote)
    if span is None:
        return html.Div(
            [html.Span("24h", className="wb-crypto__range-label"), " range not available"],
            className="wb-crypto__range wb-crypto__range--missing",
        )
    where = format_pct(span.position_pct, 0)
    low, high = range_value(span.low, instrument), range_value(span.high, instrument)
    return html.Div(
        [
            html.Div(
                [
                    html.Span("24h", className="wb-crypto__range-label"),
                    html.Span(f"{low} {EN_DASH} {high}", className="wb-crypto__range-values"),
                    html.Span(currency, className="wb-crypto__range-label") if currency else None,
                ],
                className="wb-crypto__range-text",
            ),
            html.Div(
                [
                    # Drawn for the eye; the words beside it say the same to everyone. No other
                    # copy of the position (a label, a tooltip): each would travel to every
                    # screen with every price move.
                    html.Div(
                        html.Span(className="wb-crypto__range-marker", style={"left": where}),
                        className="wb-crypto__range-track",
                        **{"aria-hidden": "true"},
                    ),
                    html.Span(f"{where} of range", className="wb-crypto__range-pos"),
                ],
                className="wb-crypto__range-bar",
            ),
        ],
        className="wb-crypto__range",
    )


def render(view: SceneView) -> list:
    """Tiles with sparklines, each with its 24 h range line."""
    body, link = [], links_shown(view.query)
    for name, snapshot in view.snapshots.items():
        tiles = []
        for instrument, quote in view.quoted(name):
            # The range line only shows: one component (components/static.py), not nine.
            extra = [static(range_line(instrument, quote))] if quote is not None else []
            tiles.append(quote_tile(instrument, quote, snapshot, extra=extra, link=link))
        body += [
            reason(snapshot),
            html.Div(
                html.Div(tiles, className="wb-tiles wb-quotes__tiles"),
                className="wb-quotes wb-crypto",
                **{"data-dataset": name},
            ),
        ]
    return body
