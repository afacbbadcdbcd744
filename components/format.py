"""Number and age formatting, consistent per asset class, for reading across a room."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from config.schema import Instrument

# Re-exported: components format ages through this module, the engine through engine.ages.
from engine.ages import age_words as age_words
from engine.ages import format_age as format_age


def price_decimals(price: float, instrument: Instrument | None = None) -> int:
    """Decimals for a price: rates and index points 2 (a VIX of 9.80 reads like one of 19.80),
    JPY pairs 3, other FX and small prices 4."""
    unit = instrument.unit if instrument else None
    if unit in ("%", "pts"):
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


def rounded(value: float, decimals: int) -> float:
    """`value` as shown with `decimals`: a value that rounds to zero is zero, never -0.0, so the
    sign, arrow and colour of what is shown follow what is shown."""
    shown = round(value, decimals)
    return 0.0 if shown == 0 else shown


def signed(value: float, decimals: int = 2) -> str:
    """'+1,234.50', '-0.04', '0.00': rounded first, so nothing reads '-0.00' or '+0.00'."""
    shown = rounded(value, decimals)
    return f"{shown:+,.{decimals}f}" if shown else f"{0:.{decimals}f}"


def format_pct(value: float | None, decimals: int = 2, *, sign: bool = False) -> str:
    """'4.60%' (a level), or with `sign` '+0.21%' / '-1.50%' / '0.00%' (a change); '—' for None.
    The one way a percentage is written on the wall: no space, rounded before the sign."""
    if value is None:
        return "—"
    if sign:
        return f"{signed(value, decimals)}%"
    return f"{rounded(value, decimals):,.{decimals}f}%"


def format_bp(value_bp: float | None, decimals: int = 0) -> str:
    """'+12 bp', '-3.5 bp', '0 bp': a change or spread in basis points; '—' for None."""
    if value_bp is None:
        return "—"
    return f"{signed(value_bp, decimals)} bp"


def arrow(value: float | None, decimals: int = 2) -> str:
    """'▲', '▼' or '■' for a change as shown with `decimals`, so a move readable without colour
    never points down at '0.00'."""
    if value is None:
        return ""
    shown = rounded(value, decimals)
    return "▲" if shown > 0 else "▼" if shown < 0 else "■"


def direction(change: float | None, decimals: int | None = None) -> str:
    """'up', 'down' or 'flat', for colour classes; with `decimals`, of the change as shown
    (a change that rounds to zero is flat, the same grey everywhere)."""
    if change is None:
        return "flat"
    shown = change if decimals is None else rounded(change, decimals)
    if not shown:
        return "flat"
    return "up" if shown > 0 else "down"


def change_decimals(price: float, instrument: Instrument | None) -> int:
    """Decimals a change is shown with: a rate's in whole bp (as a % change: 2), else the
    price's."""
    if instrument is not None and instrument.unit == "%":
        return 2
    return price_decimals(price, instrument)


def quote_direction(
    change: float | None, price: float, instrument: Instrument | None = None
) -> str:
    """A quote's direction as its tile shows it: of the change rounded like format_change."""
    return direction(change, change_decimals(price, instrument))


def format_change(
    change: float | None, pct: float | None, price: float, instrument: Instrument | None
) -> str:
    """'▲ +12.30 (+0.21%)' — the arrow keeps direction readable without colour.

    The change takes the price's decimals; a rate's change is in basis points. Everything is
    rounded before its sign is decided: a -0.04 index move with a -0.001 % change reads
    '▼ -0.04 (0.00%)', a -0.001 move '■ 0.00 (0.00%)'.
    """
    if change is None:
        return "—"
    if instrument is not None and instrument.unit == "%":
        bp = change * 100
        return f"{arrow(bp, 0)} {format_bp(bp)}"
    decimals = price_decimals(price, instrument)
    text = signed(change, decimals)
    if pct is not None:
        text += f" ({format_pct(pct, sign=True)})"
    return f"{arrow(change, decimals)} {text}"


def format_number(value: float | None, decimals: int = 2) -> str:
    """A plain level or ratio: '15.40', '89,912', '0.00' (rounded first: never '-0.00'); '—'
    for None. For numbers without an instrument (index points on a chart, a range bound)."""
    if value is None:
        return "—"
    return f"{rounded(value, decimals):,.{decimals}f}"


def format_significant(value: float | None, digits: int = 5) -> str:
    """A value to `digits` significant figures, for rates spanning magnitudes (a cross rate:
    '0.0060606', '165.02', '1.1'); '—' for None, '0' for zero (never '-0')."""
    if value is None:
        return "—"
    if value == 0:
        return "0"
    return f"{value:,.{digits}g}"


# Fixed English names, not the locale's (%a / %b): the browser's copy (assets/36_dates.js)
# writes the same, whatever its ICU calls September.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_wall_date(moment: datetime, tz: str) -> str:
    """'Wed 05 Mar 2025': the weekday and date at `moment` (aware) in the wall's time zone.

    The header renders it once per page; the browser then keeps it true across midnight with
    the same rule (assets/36_dates.js formatWallDate, tested on tests/components/date_cases.json
    by pytest and by node)."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{WEEKDAYS[local.weekday()]} {local.day:02d} {MONTHS[local.month - 1]} {local.year}"
