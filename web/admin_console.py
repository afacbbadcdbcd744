"""The operators' console at /admin: sign in with a token, see every screen, act on them.

Server-rendered HTML (web/admin/console.html, Jinja with autoescaping; no Dash), refreshed by
one small script (web/admin/static/admin.js) that reads /admin/screens.json every 5 s and
rebuilds the screens table with text only. Who may do what is web.auth's decision; every
action goes through board.control, which validates, applies it fleet-wide and audits it with the
role as actor. A result is shown once, as a flash message (escaped like everything else).

Routes: GET /admin, POST /admin/login, POST /admin/logout, GET /admin/screens.json,
POST /admin/action, and the script and style under /admin/static/.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import flask

from config import ADMIN_ENV
from engine.board import Board
from engine.control import SEVERITIES, ActionRefused
from engine.screens import summary_line
from web.auth import (
    SECRET_KEY_ENV,
    Refused,
    check_console_post,
    client_address,
    configured_tokens,
    csrf_token,
    gate_of,
    install_console_session,
    role_of_token,
    secret_key,
    session_role,
    sign_in,
    sign_out,
)

log = logging.getLogger("wallboard.console")
HERE = Path(__file__).with_name("admin")
AUDIT_SHOWN = 100
TARGET_SPLIT = re.compile(r"[\s,]+")
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
DONE = {
    "broadcast": "Broadcast sent",
    "clear_broadcast": "Broadcasts cleared",
    "pin": "Scene pinned",
    "unpin": "Pin removed",
    "skip": "Scene skipped",
    "unskip": "Scene no longer skipped",
    "set_scene": "Scene changed",
    "reload": "Reload sent",
    "refresh": "Refresh asked",
}


def ago(seconds: float | None) -> str:
    """A duration as people read it on a console: "12 s", "3 min", "2 h", "4 d"."""
    if seconds is None:
        return "?"
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 86_400:
        return f"{seconds // 3600:.0f} h"
    return f"{seconds // 86_400:.0f} d"


def targets_text(targets: Any) -> str:
    """An audit entry's targets as text ("all screens" when none were named)."""
    if not targets:
        return "all screens"
    if isinstance(targets, list | tuple):
        return ", ".join(str(t) for t in targets)
    return str(targets)


def detail_text(detail: Any) -> str:
    """An audit entry's detail as one line of text."""
    if not detail:
        return ""
    if isinstance(detail, dict):
        return ", ".join(f"{key}: {value}" for key, value in detail.items())
    return str(detail)


def chosen_screens(form: Any) -> list[str] | None:
    """The screens an action is for: the ticked rows and the typed ids or names; None (all
    screens) when neither names any."""
    chosen = [s for s in form.getlist("screen") if s]
    chosen += [s for s in TARGET_SPLIT.split(form.get("targets", "")) if s]
    return list(dict.fromkeys(chosen)) or None


def number(form: Any, field: str, label: str, *, whole: bool = False) -> float | int | None:
    """A form's number field (None when empty); ActionRefused when it is no number."""
    text = form.get(field, "").strip()
    if not text:
        return None
    try:
        return int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ActionRefused(f"{label} must be {kind}.") from None


def next_time_of_day(text: str, tz: str, now: datetime) -> datetime:
    """The next HH:MM in the wall's time zone after `now` (today, or tomorrow when passed)."""
    match = TIME_OF_DAY.match(text.strip())
    if match is None:
        raise ActionRefused("The time to skip until is HH:MM.")
    local_now = now.astimezone(ZoneInfo(tz))
    hour, minute = int(match.group(1)), int(match.group(2))
    until = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return until if until > local_now else until + timedelta(days=1)


def perform(board: Board, form: Any, role: str) -> tuple[str, dict]:
    """Run the form's action through board.control; (action, its result). ActionRefused for
    a bad form or an action the engine refuses."""
    action = form.get("action", "")
    control = board.control
    screens = chosen_screens(form)
    if action == "broadcast":
        ttl_min = number(form, "broadcast_ttl_min", "The time to show it")
        if ttl_min is None:
            raise ActionRefused("Say how many minutes to show the message.")
        result = control.broadcast(
            text=form.get("broadcast_text", ""),
            ttl_s=ttl_min * 60,
            severity=form.get("broadcast_severity", "info"),
            screens=screens,
            actor=role,
        )
    elif action == "clear_broadcast":
        result = control.clear_broadcast(screens=screens, actor=role)
    elif action == "pin":
        minutes = number(form, "pin_minutes", "The minutes to pin")
        if minutes is None:
            raise ActionRefused("Say for how many minutes to pin the scene.")
        result = control.pin(
            scene=form.get("pin_scene", ""), minutes=minutes, screens=screens, actor=role
        )
    elif action == "unpin":
        result = control.unpin(screens=screens, actor=role)
    elif action == "skip":
        result = skip(board, form, screens, role)
    elif action == "unskip":
        result = control.unskip(scene=form.get("skip_scene", ""), actor=role)
    elif action == "set_scene":
        dwell = number(form, "scene_dwell_s", "The dwell")
        order = number(form, "scene_order", "The order", whole=True)
        if dwell is None and order is None:
            raise ActionRefused("Give a dwell, an order or both.")
        result = control.set_scene(
            scene=form.get("scene_name", ""), dwell_s=dwell, order=order, actor=role
        )
    elif action == "reload":
        result = control.reload(screens=screens, actor=role)
    elif action == "refresh":
        result = control.refresh(dataset=form.get("refresh_dataset", ""), actor=role)
    else:
        raise ActionRefused("Unknown action.")
    return action, result


def skip(board: Board, form: Any, screens: list[str] | None, role: str) -> dict:
    """The skip action: until a time of day in the wall's time zone, or for some minutes."""
    until_text = form.get("skip_until", "").strip()
    minutes = number(form, "skip_minutes", "The minutes to skip")
    if bool(until_text) == (minutes is not None):
        raise ActionRefused("Give either a time to skip until or a number of minutes.")
    until = (
        next_time_of_day(until_text, board.settings.wall_tz, board.clock()).isoformat()
        if until_text
        else None
    )
    return board.control.skip(
        scene=form.get("skip_scene", ""), until=until, minutes=minutes, screens=screens, actor=role
    )


def done_message(action: str, screens: list[str] | None) -> str:
    """The flash message for a done action."""
    scope = "all screens" if screens is None else ", ".join(screens)
    untargeted = action in ("unskip", "set_scene", "refresh")
    return DONE.get(action, "Done") + ("." if untargeted else f" ({scope}).")


def register_admin_console(server: flask.Flask, board: Board) -> None:
    """Add the console's routes, script and style to `server`."""
    install_console_session(server)
    gate = gate_of(server, board)
    console = flask.Blueprint(
        "admin_console",
        __name__,
        url_prefix="/admin",
        template_folder=str(HERE),
        static_folder=str(HERE / "static"),
    )

    def page(status: int = 200, *, disabled: str | None = None) -> tuple[str, int]:
        """The console page for this request's session (or the sign-in form)."""
        role = None if disabled else session_role()
        context: dict[str, Any] = {
            "theme": board.settings.theme,
            "role": role,
            "disabled": disabled,
            "csrf": csrf_token() if not disabled else "",
            "messages": flask.get_flashed_messages(with_categories=True) if not disabled else [],
            "ago": ago,
            "targets": targets_text,
            "detail": detail_text,
        }
        if role is not None:
            summary = board.screens.summary()
            context |= {
                "rows": board.screens.rows(),
                "summary_line": summary_line(summary, board.settings.wall_tz),
                "audit": board.control.audit(AUDIT_SHOWN),
                "scenes": [name for name, _ in board.settings.enabled_scenes()],
                "datasets": sorted(board.settings.datasets),
                "severities": SEVERITIES,
                "wall_tz": board.settings.wall_tz,
            }
        html = flask.render_template("console.html", **context)
        return html, status

    def unavailable() -> str | None:
        """Why the console cannot be used at all (no token, no session key), or None."""
        if not configured_tokens():
            return f"The console is disabled: set {ADMIN_ENV}."
        if not secret_key():
            return (
                f"Sign-in is disabled: set {SECRET_KEY_ENV} (the API with a Bearer token works "
                "without it)."
            )
        return None

    @console.get("")
    def home() -> tuple[str, int]:
        reason = unavailable()
        if reason is not None:
            return page(404 if not configured_tokens() else 503, disabled=reason)
        return page()

    @console.post("/login")
    def login() -> Any:
        reason = unavailable()
        if reason is not None:
            return page(404 if not configured_tokens() else 503, disabled=reason)
        try:
            check_console_post()
        except Refused as refused:
            return refused.text_response()
        role = role_of_token(flask.request.form.get("token", ""))
        if role is None:
            log.warning("console: sign-in refused (wrong token) from %s", client_address())
            flask.flash("That token is not valid.", "error")
            return page(401)
        sign_in(role)
        log.info("console: signed in as %s from %s", role, client_address())
        return flask.redirect(flask.url_for("admin_console.home"), code=303)

    @console.post("/logout")
    def logout() -> Any:
        if secret_key():
            try:
                check_console_post()
            except Refused as refused:
                return refused.text_response()
            sign_out()
        return flask.redirect(flask.url_for("admin_console.home"), code=303)

    @console.get("/screens.json")
    def screens_json() -> flask.Response:
        try:
            gate.console_role(act=False)
        except Refused as refused:
            return refused.json_response()
        summary = board.screens.summary()
        return flask.jsonify(
            {
                "screens": board.screens.rows(),
                "summary": summary,
                "summary_line": summary_line(summary, board.settings.wall_tz),
            }
        )

    @console.post("/action")
    def action() -> Any:
        try:
            role = gate.console_role(act=True)
        except Refused as refused:
            return refused.text_response()
        form = flask.request.form
        try:
            done, _ = perform(board, form, role)
        except ActionRefused as exc:
            flask.flash(f"Refused: {exc}", "error")
        else:
            flask.flash(done_message(done, chosen_screens(form)), "ok")
        return flask.redirect(flask.url_for("admin_console.home"), code=303)

    server.register_blueprint(console)
