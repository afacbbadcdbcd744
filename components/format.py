"""Number and age formatting, consistent per asset class, for reading across a room."""

from __future__ import annotations

import math

from config.schema import Instrument


def price_decimals(price: float, instrument: Instrument | None = None) -> int:
    """Decimals for a price: rates 2, JPY pairs 3, other FX and small prices 4, indices 2."""
    unit = instrument.unit if instrument else None
    if unit == "%":
        return 2
    if instrument is not None and "JPY" in instrument.name.upper():
        return 3
    if abs(price) < 10:
        return 4
    return 2


def format_price(price: float, instrument: Instrument | None = None) -> str:
    """A price with thousands separators and asset-class decimals (and % for rates)."""
    text = f"{price:,.{price_decimals(price, instrument)}f}"
    return text + "%" if instrument is not None and instrument.unit == "%" else text


def _arrow(change: float) -> str:
    return "▲" if change > 0 else "▼" if change < 0 else "■"


def format_change(
    change: float | None, pct: float | None, price: float, instrument: Instrument | None
) -> str:
    """'▲ +12.30 (+0.21%)' — the arrow keeps direction readable without colour.

    The change takes the price's decimals; a rate's change is in basis points.
    """
    if change is None:
        return "—"
    if instrument is not None and instrument.unit == "%":
        bp = round(change * 100)  # the arrow follows what is shown: +0 bp is flat
        return f"{_arrow(bp)} {bp:+d} bp"
    arrow = _arrow(change)
    text = f"{change:+,.{price_decimals(price, instrument)}f}"
    if pct is not None:
        text += f" ({pct:+.2f}%)"
    return f"{arrow} {text}"


def direction(change: float | None) -> str:
    """'up', 'down' or 'flat', for colour classes."""
    if not change:
        return "flat"
    return "up" if change > 0 else "down"


def format_age(seconds: float | None) -> str:
    """'8 s', '5 min', '3 h', '2 d': how old the data is, in whole units elapsed.

    One rule, shared with the browser's age counter (formatAge in assets/31_ages.js) and
    tested against one table (tests/components/age_cases.json): ages are truncated, never
    rounded up to the next unit, and the unit changes exactly at 60 s, 60 min and 24 h, so
    '2 min' always means two full minutes have passed (150 s is '2 min', 9,000 s is '2 h') and
    a counting age never steps back. Data timed ahead of the clock (skew) reads '0 s'.
    """
    if seconds is None:
        return "no data"
    whole = max(0, math.floor(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min"
    if whole < 86400:
        return f"{whole // 3600} h"
    return f"{whole // 86400} d"
