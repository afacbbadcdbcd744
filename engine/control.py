"""The operators' actions on the walls, kept in the shared cache for the whole fleet.

An action (broadcast, pin, skip, scene dwell and order, reload, forced refresh) is validated,
written into one `ControlState` (`wallboard:<ns>:control`) and appended to the audit log
(`wallboard:<ns>:audit`), both under a lock held for the whole fleet, so two operators acting at
once never lose each other's action. Every screen reads its share at its next beat
(`for_screen`), whichever instance serves it; an action lasts until it expires, across restarts
(the state has no cache expiry of its own, and the host-local copy is on disk).

Nothing here calls an upstream: a forced refresh is a request the leading refresher's screen
watch (engine.screen_watch) carries out.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from config.schema import Settings
from engine.leadership import process_only
from engine.screens import SCREEN_ID, SCREEN_NAME
from engine.store import CacheBackend
from providers.models import UtcTime

SEVERITIES = ("info", "warning", "critical")
MAX_TEXT = 280
MAX_TTL_S = 7 * 86_400
MAX_MINUTES = 7 * 24 * 60
MAX_TARGETS = 200
AUDIT_KEPT = 500
RELOADS_KEPT = 20
REFRESHES_KEPT = 50
ROLES = ("admin", "viewer")

Targets = tuple[str, ...] | None  # None: every screen; else screen ids or names


class ActionRefused(ValueError):
    """An action that cannot be taken; the message says why (a 400's reason)."""


class Broadcast(BaseModel):
    """A message shown as a banner on its screens until it expires."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    severity: Literal["info", "warning", "critical"]
    created_at: UtcTime
    expires_at: UtcTime
    screens: Targets = None


class SceneHold(BaseModel):
    """A pin (the scene held on its screens) or a skip (the scene left out of their rotation),
    until it expires."""

    model_config = ConfigDict(frozen=True)

    id: str
    scene: str
    created_at: UtcTime
    expires_at: UtcTime
    screens: Targets = None


class SceneSetting(BaseModel):
    """A scene's dwell and place in the rotation as the console set them (None: as configured)."""

    model_config = ConfigDict(frozen=True)

    dwell_s: float | None = None
    order: int | None = None


class Request(BaseModel):
    """A one-off: a reload of screens, or a forced refresh of a dataset (`subject`)."""

    model_config = ConfigDict(frozen=True)

    id: str
    at: UtcTime
    subject: str = ""
    screens: Targets = None


class ControlState(BaseModel):
    """Every action in force, and a serial that changes with each one."""

    serial: int = 0
    broadcasts: list[Broadcast] = []
    pins: list[SceneHold] = []
    skips: list[SceneHold] = []
    scenes: dict[str, SceneSetting] = {}
    reloads: list[Request] = []
    refreshes: list[Request] = []

    def current(self, now: datetime) -> ControlState:
        """The state without what expired by `now`."""
        return self.model_copy(
            update={
                "broadcasts": [b for b in self.broadcasts if b.expires_at > now],
                "pins": [p for p in self.pins if p.expires_at > now],
                "skips": [s for s in self.skips if s.expires_at > now],
            }
        )


def targets(screens: object) -> Targets:
    """None (every screen) or the screen ids / names listed; ActionRefused when malformed."""
    if screens is None:
        return None
    if not isinstance(screens, list | tuple) or not screens or len(screens) > MAX_TARGETS:
        raise ActionRefused(
            f"screens is a list of 1 to {MAX_TARGETS} screen ids or names (omit it for all)."
        )
    for screen in screens:
        if not isinstance(screen, str) or not (
            SCREEN_ID.fullmatch(screen) or SCREEN_NAME.fullmatch(screen)
        ):
            raise ActionRefused("A screen is named by its id or its name (letters, digits, . - _).")
    return tuple(dict.fromkeys(screens))


def aims_at(screens: Targets, screen_id: str, name: str | None) -> bool:
    """Whether an action for `screens` applies to this screen."""
    return screens is None or screen_id in screens or (name is not None and name in screens)


def _number(value: object, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ActionRefused(f"{what} is a number from {low:g} to {high:g}.")
    return float(value)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _ms(until: datetime, now: datetime) -> int:
    return max(0, int((until - now).total_seconds() * 1000))


class ControlDesk:
    """The actions (each validated, stored and audited) and what each screen gets of them."""

    def __init__(
        self,
        cache: CacheBackend,
        namespace: str,
        settings: Settings,
        clock: Callable[[], datetime],
        exclusive: Callable[[], AbstractContextManager[bool]] = process_only,
    ) -> None:
        self.cache = cache
        self.namespace = namespace
        self.settings = settings
        self.clock = clock
        self.exclusive = exclusive

    @property
    def state_key(self) -> str:
        """Where the actions in force live."""
        return f"wallboard:{self.namespace}:control"

    @property
    def audit_key(self) -> str:
        """Where the audit log lives (newest last, the last AUDIT_KEPT entries)."""
        return f"wallboard:{self.namespace}:audit"

    # -- reading ---------------------------------------------------------------------------------
    def _stored(self) -> ControlState:
        try:
            value = self.cache.get(self.state_key)
        except Exception:  # a cache outage: no actions in force, rather than a failed beat
            return ControlState()
        return value if isinstance(value, ControlState) else ControlState()

    def state(self, now: datetime | None = None) -> ControlState:
        """The actions in force now."""
        return self._stored().current(now or self.clock())

    def audit(self, limit: int = 200) -> list[dict[str, Any]]:
        """The audit log, newest first: when, role, action, targets, detail."""
        try:
            log = self.cache.get(self.audit_key)
        except Exception:
            return []
        return list(reversed(log))[:limit] if isinstance(log, list) else []

    def rotation(self, state: ControlState) -> list[tuple[str, float, int]]:
        """Every enabled scene as (name, dwell_s, order), console settings applied, in order."""
        rows = []
        for name, scene in self.settings.enabled_scenes():
            setting = state.scenes.get(name, SceneSetting())
            dwell = setting.dwell_s if setting.dwell_s is not None else scene.dwell_s
            order = setting.order if setting.order is not None else scene.order
            rows.append((name, dwell, order))
        return sorted(rows, key=lambda row: (row[2], row[0]))

    def version(self, state: ControlState | None = None) -> str:
        """Changes with every action and with a configuration change a screen would see."""
        state = state or self._stored()
        scenes = [
            (name, scene.dwell_s, scene.order, scene.hours.model_dump() if scene.hours else None)
            for name, scene in self.settings.enabled_scenes()
        ]
        digest = hashlib.sha256(json.dumps(scenes, sort_keys=True).encode()).hexdigest()[:8]
        return f"{state.serial}-{digest}"

    def for_screen(
        self, screen_id: str, name: str | None, now: datetime | None = None
    ) -> dict[str, Any]:
        """What one screen gets at its beat: its broadcasts, its pin, its rotation (skips left
        out) and the latest reload aimed at it; times as milliseconds remaining, so the page
        needs no clock agreeing with the server's."""
        now = now or self.clock()
        state = self.state(now)
        mine = [b for b in state.broadcasts if aims_at(b.screens, screen_id, name)]
        pins = [p for p in state.pins if aims_at(p.screens, screen_id, name)]
        skipped = {s.scene for s in state.skips if aims_at(s.screens, screen_id, name)}
        reloads = [r for r in state.reloads if aims_at(r.screens, screen_id, name)]
        pin = pins[-1] if pins else None
        hours = {n: s.hours for n, s in self.settings.scenes.items()}
        return {
            "broadcasts": [
                {
                    "id": b.id,
                    "text": b.text,
                    "severity": b.severity,
                    "remaining_ms": _ms(b.expires_at, now),
                }
                for b in mine
            ],
            "pin": None
            if pin is None
            else {
                "scene": pin.scene,
                "path": f"/{pin.scene}",
                "remaining_ms": _ms(pin.expires_at, now),
            },
            "scenes": [
                {
                    "name": scene,
                    "path": f"/{scene}",
                    "dwell_ms": int(dwell * 1000),
                    "hours": hours[scene].model_dump() if hours.get(scene) else None,
                }
                for scene, dwell, _ in self.rotation(state)
                if scene not in skipped
            ],
            "reload": reloads[-1].id if reloads else None,
        }

    # -- acting ------------------------------------------------------------------------------------
    def _act(
        self,
        actor: str,
        action: str,
        screens: Targets,
        detail: str,
        change: Callable[[ControlState, datetime], ControlState],
    ) -> dict[str, Any]:
        """Apply `change` to the state under the fleet's lock, bump the serial, audit it."""
        if actor != "admin":
            raise PermissionError("only an admin acts on the screens")
        now = self.clock()
        with self.exclusive() as held:
            if not held:
                raise ActionRefused("Another action is being applied; try again in a moment.")
            state = change(self._stored().current(now), now)
            state = state.model_copy(update={"serial": state.serial + 1})
            self.cache.set(self.state_key, state, timeout=0)
            entry = {
                "at": _iso(now),
                "role": actor,
                "action": action,
                "targets": "all screens" if screens is None else ", ".join(screens),
                "detail": detail,
            }
            try:
                log = self.cache.get(self.audit_key)
            except Exception:
                log = None
            log = [*(log if isinstance(log, list) else []), entry][-AUDIT_KEPT:]
            self.cache.set(self.audit_key, log, timeout=0)
        return {"ok": True, "action": action, "version": self.version(state), **entry}

    def _scene(self, scene: object) -> str:
        enabled = [name for name, _ in self.settings.enabled_scenes()]
        if not isinstance(scene, str) or scene not in enabled:
            raise ActionRefused(f"scene is one of the enabled scenes: {', '.join(enabled)}.")
        return scene

    def broadcast(
        self,
        *,
        text: object,
        ttl_s: object,
        severity: object = "info",
        screens: object = None,
        actor: str,
    ) -> dict[str, Any]:
        """Show `text` (plain text, at most 280 characters) as a banner for `ttl_s` seconds."""
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise ActionRefused(f"text is plain text of 1 to {MAX_TEXT} characters.")
        if any(ord(c) < 32 and c not in "\t" for c in text):
            raise ActionRefused("text is one line: no line breaks or control characters.")
        ttl = _number(ttl_s, "ttl_s", 1, MAX_TTL_S)
        if severity not in SEVERITIES:
            raise ActionRefused(f"severity is one of {', '.join(SEVERITIES)}.")
        aimed = targets(screens)
        made = Broadcast(
            id=f"b{secrets.token_hex(4)}",
            text=text.strip(),
            severity=severity,
            created_at=self.clock(),
            expires_at=self.clock() + timedelta(seconds=ttl),
            screens=aimed,
        )
        detail = f"{severity} for {ttl:g} s: {made.text}"

        def change(state: ControlState, _now: datetime) -> ControlState:
            return state.model_copy(update={"broadcasts": [*state.broadcasts, made]})

        return {**self._act(actor, "broadcast", aimed, detail, change), "id": made.id}

    def clear_broadcast(self, *, screens: object = None, actor: str) -> dict[str, Any]:
        """End the broadcasts aimed at `screens` (all of them when None)."""
        aimed = targets(screens)

        def change(state: ControlState, _now: datetime) -> ControlState:
            kept = [b for b in state.broadcasts if aimed is not None and b.screens != aimed]
            return state.model_copy(update={"broadcasts": kept})

        return self._act(actor, "clear broadcast", aimed, "", change)

    def pin(
        self, *, scene: object, minutes: object, screens: object = None, actor: str
    ) -> dict[str, Any]:
        """Hold `scene` on the rotating screens for `minutes`."""
        name = self._scene(scene)
        span = _number(minutes, "minutes", 0.05, MAX_MINUTES)
        aimed = targets(screens)
        now = self.clock()
        made = SceneHold(
            id=f"p{secrets.token_hex(4)}",
            scene=name,
            created_at=now,
            expires_at=now + timedelta(minutes=span),
            screens=aimed,
        )

        def change(state: ControlState, _now: datetime) -> ControlState:
            return state.model_copy(update={"pins": [*state.pins, made]})

        result = self._act(actor, "pin", aimed, f"{name} for {span:g} min", change)
        return {**result, "id": made.id}

    def unpin(self, *, screens: object = None, actor: str) -> dict[str, Any]:
        """End the pins aimed at `screens` (all pins when None): rotation resumes."""
        aimed = targets(screens)

        def change(state: ControlState, _now: datetime) -> ControlState:
            kept = [p for p in state.pins if aimed is not None and p.screens != aimed]
            return state.model_copy(update={"pins": kept})

        return self._act(actor, "unpin", aimed, "", change)

    def skip(
        self,
        *,
        scene: object,
        until: object = None,
        minutes: object = None,
        screens: object = None,
        actor: str,
    ) -> dict[str, Any]:
        """Leave `scene` out of the rotation until a time (UTC) or for `minutes`."""
        name = self._scene(scene)
        now = self.clock()
        if (until is None) == (minutes is None):
            raise ActionRefused("A skip lasts until a time (until) or for some minutes (minutes).")
        if minutes is not None:
            expires = now + timedelta(minutes=_number(minutes, "minutes", 0.05, MAX_MINUTES))
        else:
            expires = _until(until, now)
        aimed = targets(screens)
        made = SceneHold(
            id=f"s{secrets.token_hex(4)}",
            scene=name,
            created_at=now,
            expires_at=expires,
            screens=aimed,
        )
        if len(self.settings.enabled_scenes()) < 2:
            raise ActionRefused("The only scene cannot be skipped.")

        def change(state: ControlState, _now: datetime) -> ControlState:
            return state.model_copy(update={"skips": [*state.skips, made]})

        result = self._act(actor, "skip", aimed, f"{name} until {_iso(expires)}", change)
        return {**result, "id": made.id}

    def unskip(self, *, scene: object, actor: str) -> dict[str, Any]:
        """Put `scene` back in every rotation."""
        name = self._scene(scene)

        def change(state: ControlState, _now: datetime) -> ControlState:
            return state.model_copy(update={"skips": [s for s in state.skips if s.scene != name]})

        return self._act(actor, "unskip", None, name, change)

    def set_scene(
        self, *, scene: object, dwell_s: object = None, order: object = None, actor: str
    ) -> dict[str, Any]:
        """Change a scene's dwell and/or its place in the rotation (both None: as configured)."""
        name = self._scene(scene)
        dwell = None if dwell_s is None else _number(dwell_s, "dwell_s", 1, 3600)
        if order is not None and (
            isinstance(order, bool) or not isinstance(order, int) or not -1000 <= order <= 1000
        ):
            raise ActionRefused("order is a whole number from -1000 to 1000.")
        setting = SceneSetting(dwell_s=dwell, order=order)
        words = [f"dwell {dwell:g} s" if dwell is not None else "configured dwell"]
        words.append(f"order {order}" if order is not None else "configured order")

        def change(state: ControlState, _now: datetime) -> ControlState:
            scenes = {k: v for k, v in state.scenes.items() if k != name}
            if setting != SceneSetting():
                scenes[name] = setting
            return state.model_copy(update={"scenes": scenes})

        return self._act(actor, "scene", None, f"{name}: {', '.join(words)}", change)

    def reload(self, *, screens: object = None, actor: str) -> dict[str, Any]:
        """Make the screens reload their page (after a deploy); their URL, so mode, is kept."""
        aimed = targets(screens)
        made = Request(id=f"r{secrets.token_hex(4)}", at=self.clock(), screens=aimed)

        def change(state: ControlState, _now: datetime) -> ControlState:
            return state.model_copy(update={"reloads": [*state.reloads, made][-RELOADS_KEPT:]})

        return {**self._act(actor, "reload", aimed, "", change), "id": made.id}

    def refresh(self, *, dataset: object, actor: str) -> dict[str, Any]:
        """Ask the leading refresher to refresh `dataset` now (engine.screen_watch does it)."""
        if not isinstance(dataset, str) or dataset not in self.settings.datasets:
            raise ActionRefused(f"dataset is one of: {', '.join(sorted(self.settings.datasets))}.")
        made = Request(id=f"f{secrets.token_hex(4)}", at=self.clock(), subject=dataset)

        def change(state: ControlState, _now: datetime) -> ControlState:
            asked = [*state.refreshes, made][-REFRESHES_KEPT:]
            return state.model_copy(update={"refreshes": asked})

        return {**self._act(actor, "refresh", None, dataset, change), "id": made.id}


def _until(until: object, now: datetime) -> datetime:
    """An ISO time (UTC when it has no zone) in the future, within a week."""
    if not isinstance(until, str):
        raise ActionRefused("until is an ISO time, e.g. 2026-12-05T16:00:00Z.")
    try:
        when = datetime.fromisoformat(until)
    except ValueError:
        raise ActionRefused("until is an ISO time, e.g. 2026-12-05T16:00:00Z.") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=now.tzinfo)
    if not now < when <= now + timedelta(minutes=MAX_MINUTES):
        raise ActionRefused("until is a time in the next 7 days.")
    return when
