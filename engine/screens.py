"""The screens registry: every screen on the floor, as it last reported, in the shared cache.

A screen beats every `screens.beat_ms` (the operators' actions ride on the answer, see
engine.control) and sends its full report only on its first beat, when something in it changed
(a scene change, an error), and at least every `screens.report_every_s`. Only a report is written,
so a screen costs the cache about one write per `report_every_s` plus one per scene change, and
a beat without a report costs none. A screen not heard from for `dark_after_s` is "dark"
(config forces `report_every_s` to a third of that at most, so a live screen never looks dark).

Keys: `wallboard:<ns>:screen:<id>` one screen's entry (expiring `forget_after_s` after its last
report), `wallboard:<ns>:screens` the index of ids. The index is read-modify-written only when a
new screen appears; two new screens at the same instant may lose one's id, which its next report
puts back. No lock is taken on the request path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from config.schema import Screens
from engine.release import release_id
from engine.store import CacheBackend
from providers.models import UtcTime

SCREEN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
SCREEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
VIEWPORT = r"^\d{1,5}x\d{1,5}$"
ERRORS_SHOWN = 1  # a screen with more console errors than this since its load has a problem


class ScreenRefused(ValueError):
    """A beat the registry will not record; the message says why (safe to show)."""


class ScreenReport(BaseModel):
    """What a screen says of itself (strict: unknown fields and wrong types are refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=SCREEN_NAME.pattern + "$")] | None = None
    kiosk: StrictBool
    # The page's path: a scene, or an instrument's page with an ad-hoc symbol in it
    # (/instrument/yahoo:EURUSD=X): the characters a URL path may hold (RFC 3986), no more.
    scene: Annotated[str, Field(pattern=r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,199}$")]
    release: Annotated[str, Field(max_length=64)]
    loaded_at: UtcTime
    viewport: Annotated[str, Field(pattern=VIEWPORT)]
    user_agent: Annotated[str, Field(max_length=300)]
    errors: Annotated[StrictInt, Field(ge=0, le=1_000_000)] = 0
    last_error: Annotated[str, Field(max_length=300)] | None = None
    # Counted per browser tab (sessionStorage): a recovery reloads the page.
    offline_episodes: Annotated[StrictInt, Field(ge=0, le=1_000_000)] = 0


class ScreenEntry(BaseModel):
    """One screen in the registry: its last report, where it came from and when it was seen."""

    model_config = ConfigDict(frozen=True)

    id: str
    report: ScreenReport
    address: str
    first_seen: UtcTime
    seen_at: UtcTime


def check_screen_id(screen_id: object) -> str:
    """The id as given when it is one ([A-Za-z0-9_-], 1 to 64); ScreenRefused otherwise."""
    if not isinstance(screen_id, str) or not SCREEN_ID.fullmatch(screen_id):
        raise ScreenRefused("A screen id is 1 to 64 letters, digits, - or _.")
    return screen_id


def parse_report(report: object) -> ScreenReport:
    """A screen's report, validated; ScreenRefused naming the first bad field."""
    if not isinstance(report, dict):
        raise ScreenRefused("A screen's report is a JSON object.")
    try:
        return ScreenReport.model_validate(report)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "report"
        raise ScreenRefused(f"report.{where}: {first['msg']}") from None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


class ScreenRegistry:
    """Records screens' reports (`beat`) and lists them with their state (`rows`, `summary`)."""

    def __init__(
        self,
        cache: CacheBackend,
        namespace: str,
        config: Screens,
        clock: Callable[[], datetime],
    ) -> None:
        self.cache = cache
        self.namespace = namespace
        self.config = config
        self.clock = clock

    @property
    def index_key(self) -> str:
        """Where the ids of the known screens live."""
        return f"wallboard:{self.namespace}:screens"

    def entry_key(self, screen_id: str) -> str:
        """Where one screen's entry lives."""
        return f"wallboard:{self.namespace}:screen:{screen_id}"

    def _index(self) -> list[str]:
        try:
            index = self.cache.get(self.index_key)
        except Exception:  # a cache outage: no screens known, rather than a failed page
            return []
        return [i for i in index if isinstance(i, str)] if isinstance(index, list) else []

    def entry(self, screen_id: str) -> ScreenEntry | None:
        """One screen's entry, or None."""
        try:
            value = self.cache.get(self.entry_key(screen_id))
        except Exception:
            return None
        return value if isinstance(value, ScreenEntry) else None

    def beat(self, screen_id: object, report: object, address: str) -> None:
        """Record a screen's beat: with a report, write its entry (seen now); without one, do
        nothing (the screen reports again within `report_every_s`). ScreenRefused for a bad id
        or report, or a new screen beyond `max_screens`."""
        screen_id = check_screen_id(screen_id)
        if report is None:
            return
        parsed = parse_report(report)
        now = self.clock()
        old = self.entry(screen_id)
        index = self._index()
        if screen_id not in index:
            if len(index) >= self.config.max_screens:
                index = self._forget_gone(index, now)
            if len(index) >= self.config.max_screens:
                raise ScreenRefused(
                    f"The registry already lists {len(index)} screens, the most it may "
                    f"(screens.max_screens); a dark one is forgotten after forget_after_s."
                )
            self.cache.set(self.index_key, [*index, screen_id], timeout=0)
        entry = ScreenEntry(
            id=screen_id,
            report=parsed,
            address=address[:64],
            first_seen=old.first_seen if old is not None else now,
            seen_at=now,
        )
        self.cache.set(self.entry_key(screen_id), entry, timeout=int(self.config.forget_after_s))

    def _forget_gone(self, index: list[str], now: datetime) -> list[str]:
        """The index without screens whose entry expired or is past `forget_after_s`."""
        cutoff = now - timedelta(seconds=self.config.forget_after_s)
        kept = [i for i in index if (e := self.entry(i)) is not None and e.seen_at > cutoff]
        if kept != index:
            self.cache.set(self.index_key, kept, timeout=0)
        return kept

    def entries(self, now: datetime | None = None) -> list[ScreenEntry]:
        """Every screen still remembered, most recently seen first."""
        now = now or self.clock()
        cutoff = now - timedelta(seconds=self.config.forget_after_s)
        found = [e for i in self._index() if (e := self.entry(i)) is not None]
        found = [e for e in found if e.seen_at > cutoff]
        return sorted(found, key=lambda e: e.seen_at, reverse=True)

    def dark_since(self, entry: ScreenEntry, now: datetime) -> datetime | None:
        """When the screen went dark (its last report plus `dark_after_s`), None while live."""
        since = entry.seen_at + timedelta(seconds=self.config.dark_after_s)
        return since if since <= now else None

    def rows(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """The console's table (and GET /api/screens): one JSON-ready row per screen."""
        now = now or self.clock()
        current = release_id()
        return [self._row(e, now, current) for e in self.entries(now)]

    def _row(self, entry: ScreenEntry, now: datetime, current: str) -> dict[str, Any]:
        report = entry.report
        dark = self.dark_since(entry, now)
        problems = []
        if dark is not None:
            problems.append(f"dark since {dark:%H:%M} UTC")
        if report.errors >= ERRORS_SHOWN:
            plural = "s" if report.errors != 1 else ""
            problems.append(f"{report.errors} console error{plural} since load")
        if report.offline_episodes:
            plural = "s" if report.offline_episodes != 1 else ""
            problems.append(f"offline {report.offline_episodes} time{plural} in this browser tab")
        if report.release != current:
            problems.append("runs an earlier release: reload it")
        return {
            "id": entry.id,
            "name": report.name,
            "label": report.name or entry.id[:8],
            "kiosk": report.kiosk,
            "scene": report.scene,
            "release": report.release,
            "release_current": report.release == current,
            "loaded_at": _iso(report.loaded_at),
            "loaded_ago_s": round((now - report.loaded_at).total_seconds(), 1),
            "viewport": report.viewport,
            "user_agent": report.user_agent,
            "errors": report.errors,
            "last_error": report.last_error,
            "offline_episodes": report.offline_episodes,
            "address": entry.address,
            "first_seen": _iso(entry.first_seen),
            "seen_at": _iso(entry.seen_at),
            "seen_ago_s": round((now - entry.seen_at).total_seconds(), 1),
            "state": "live" if dark is None else "dark",
            "dark_since": _iso(dark),
            "problems": problems,
        }

    def summary(self, now: datetime | None = None) -> dict[str, Any]:
        """How many screens are live, and which are dark since when (the status scene's line)."""
        now = now or self.clock()
        entries = self.entries(now)
        dark = [(e, since) for e in entries if (since := self.dark_since(e, now)) is not None]
        return {
            "total": len(entries),
            "live": len(entries) - len(dark),
            "dark": [
                {"id": e.id, "label": e.report.name or e.id[:8], "since": _iso(since)}
                for e, since in sorted(dark, key=lambda item: item[1])
            ],
        }


def summary_line(summary: dict[str, Any], tz: str = "UTC") -> str:
    """'Screens: 12 live, 1 dark (lobby-2, since 10:42)': the floor in one line, from
    `ScreenRegistry.summary`, its times on the wall's clock (`tz`). The status scene opens with
    it and the console shows it."""
    if not summary.get("total"):
        return "Screens: none reporting yet."
    dark = summary.get("dark", [])
    line = f"Screens: {summary.get('live', 0)} live, {len(dark)} dark"
    if dark:
        named = ", ".join(f"{d['label']}, since {_clock(d['since'], tz)}" for d in dark[:5])
        more = f", and {len(dark) - 5} more" if len(dark) > 5 else ""
        line += f" ({named}{more})"
    return line


def _clock(iso: str, tz: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%H:%M")
