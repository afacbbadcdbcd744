"""Figures derived from canonical records: FX cross rates and yield-curve spreads.

Pure functions on records, so every source (Yahoo, ECB, Wind, demo) gets the same maths.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from providers.models import CurvePoint, Quote

_PAIR = re.compile(r"^([A-Z]{3})/([A-Z]{3})$")


@dataclass(frozen=True)
class CrossMatrix:
    """% change of every cross rate: `pct[i][j]` is the change of currencies[i]/currencies[j]."""

    currencies: tuple[str, ...]
    rate: tuple[tuple[float | None, ...], ...]
    pct: tuple[tuple[float | None, ...], ...]


def _usd_value(quote: Quote) -> tuple[str, float, float | None] | None:
    """(currency, USD per unit now, USD per unit at the previous close) from a USD pair quote."""
    match = _PAIR.match(quote.name.strip().upper())
    if match is None:
        return None
    base, counter = match.groups()
    prev = quote.prev_close
    if counter == "USD":  # EUR/USD: 1 EUR buys `price` USD
        return base, quote.price, prev
    if base == "USD":  # USD/JPY: 1 JPY buys 1/price USD
        return counter, 1 / quote.price, None if prev is None else 1 / prev
    return None


def fx_cross_matrix(quotes: list[Quote]) -> CrossMatrix:
    """Every cross between the currencies quoted against USD (USD included)."""
    now: dict[str, float] = {"USD": 1.0}
    before: dict[str, float | None] = {"USD": 1.0}
    for quote in quotes:
        value = _usd_value(quote)
        if value is not None:
            currency, now[currency], before[currency] = value
    currencies = tuple(now)
    rates, changes = [], []
    for a in currencies:
        rate_row, pct_row = [], []
        for b in currencies:
            if a == b:
                rate_row.append(None)
                pct_row.append(None)
                continue
            cross = now[a] / now[b]
            prev_a, prev_b = before[a], before[b]
            rate_row.append(cross)
            if prev_a is None or prev_b is None:
                pct_row.append(None)
            else:
                pct_row.append((cross / (prev_a / prev_b) - 1) * 100)
        rates.append(tuple(rate_row))
        changes.append(tuple(pct_row))
    return CrossMatrix(currencies, tuple(rates), tuple(changes))


def fx_legs(quotes: list[Quote]) -> dict[str, Quote]:
    """The quote each currency of `fx_cross_matrix` takes its USD value from (USD has none).

    A cross rate is as fresh as the two quotes it is made of: EUR/JPY is only as live as
    EUR/USD and USD/JPY, so a page marks a cell by its legs' states.
    """
    legs: dict[str, Quote] = {}
    for quote in quotes:
        value = _usd_value(quote)
        if value is not None:  # the matrix keeps the last quote of a currency: so do its legs
            legs[value[0]] = quote
    return legs


SPREADS = {"2s10s": ("2Y", "10Y"), "3m10y": ("3M", "10Y")}


def curve_spreads(points: list[CurvePoint]) -> dict[date, dict[str, float]]:
    """Spreads in basis points (long minus short) for each curve date in the records."""
    by_date: dict[date, dict[str, float]] = defaultdict(dict)
    for point in points:
        by_date[point.as_of.date()][point.tenor.upper()] = point.yield_pct
    spreads: dict[date, dict[str, float]] = {}
    for day, curve in sorted(by_date.items(), reverse=True):
        spreads[day] = {
            name: round((curve[long] - curve[short]) * 100, 1)
            for name, (short, long) in SPREADS.items()
            if short in curve and long in curve
        }
    return spreads
