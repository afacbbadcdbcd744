"""How old data is, in words: one rule for every badge, tile, alert and status line.

The engine writes ages into reasons and alerts ("stale 2 d 3 h: ..."), and components show them
on tiles; both use these two, so an age reads the same wherever it appears.
"""

from __future__ import annotations

import math

_UNITS = ((86400, "d"), (3600, "h"), (60, "min"), (1, "s"))


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


def age_words(seconds: float | None) -> str:
    """'45 s', '12 min 5 s', '2 d 3 h', '1,008 d 18 h': an age in its two largest whole units,
    truncated like format_age, for reasons and alerts where '2 d' alone hides a day."""
    if seconds is None:
        return "no data"
    whole = max(0, math.floor(seconds))
    parts = []
    for size, unit in _UNITS:
        if whole >= size or (size == 1 and not parts):
            parts.append(f"{whole // size:,} {unit}")
            whole %= size
        if len(parts) == 2 or (parts and whole == 0):
            break
    return " ".join(parts)
