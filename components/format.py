"""Number and age formatting, consistent per asset class, for reading across a room."""

from __future__ import annotations

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
    """'8 s', '5 min', '3 h', '2 d' — how old the data is."""
    if seconds is None:
        return "no data"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"
