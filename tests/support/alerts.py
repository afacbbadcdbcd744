"""An active alert as the keeper stores it, for tests of what screens show of alerts."""

from __future__ import annotations

from datetime import datetime

from analytics.alert_rules import Alert


def spx_move(as_of: datetime | None, seen: datetime, **fields) -> Alert:
    """The S&P 500 up 2.1 % against a 2 % limit, seen at `seen`, its data as of `as_of`."""
    return Alert(
        key="0:indices:spx",
        kind="move",
        dataset="indices",
        symbol="spx",
        name="S&P 500",
        message="S&P 500 ▲ +2.1% since the previous close (limit 2%)",
        value=2.1,
        raised_at=seen,
        last_seen=seen,
        as_of=as_of,
        source="yahoo" if as_of else None,
        **fields,
    )
