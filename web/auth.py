"""Who may do what, decided in one place: the operators' API (web.screens_api) and console
(web.admin_console) both ask this module.

Two roles: "admin" (`WALLBOARD_ADMIN_TOKEN`) acts; "viewer" (`WALLBOARD_VIEWER_TOKEN`, optional)
only reads. A request proves its role one of two ways, never both:
- the API: `Authorization: Bearer <token>`. A request with that header is judged on it alone
  (a wrong token is a 401 even when the browser also holds a console cookie), and needs no CSRF
  token, as no cookie is involved.
- the console: a sign-in with the token gives a session in Flask's signed cookie, keyed by
  `WALLBOARD_SECRET_KEY`, HttpOnly, SameSite=Strict, Secure over https, for /admin only, for
  8 hours. The session keeps the role and a fingerprint of the token it was opened with, so a
  changed token ends the sessions opened with the old one. Every console POST carries the
  session's CSRF token and comes from this host (Origin, else Referer).

Actions (anything that changes what the screens show) are limited to
`screens.actions_per_minute` per role in each web process (a sliding minute).

No token or key is ever logged, echoed or stored: tokens are compared with
`hmac.compare_digest`, and only a role name leaves this module.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from config import ADMIN_ENV, SECRET_KEY_ENV, VIEWER_ENV

ADMIN, VIEWER = "admin", "viewer"
TOKEN_ENVS = {ADMIN: ADMIN_ENV, VIEWER: VIEWER_ENV}
CONSOLE_PATH = "/admin"
SESSION_COOKIE = "wallboard_console"
SESSION_LIFETIME = timedelta(hours=8)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
DEFAULT_ACTIONS_PER_MINUTE = 30
WINDOW_S = 60.0
# gunicorn's own setting (deploy/gunicorn.conf.py): the proxies whose X-Forwarded-* are believed.
FORWARDED_ALLOW_ENV = "FORWARDED_ALLOW_IPS"
DEFAULT_FORWARDED_ALLOW = "127.0.0.1,::1"


class Refused(Exception):
    """A request this module turns away: the HTTP status, a reason safe to show, headers."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}

    def json_response(self) -> flask.Response:
        """The refusal as JSON {"error": reason} (the API's and the console's data routes)."""
        response = flask.jsonify({"error": self.reason})
        response.status_code = self.status
        response.headers.update(self.headers)
        return response

    def text_response(self) -> flask.Response:
        """The refusal as plain text (the console's form posts): nothing in it is markup."""
        response = flask.Response(self.reason + "\n", status=self.status, mimetype="text/plain")
        response.headers.update(self.headers)
        return response


# Tokens and roles ---------------------------------------------------------------------------


def configured_tokens(env: dict[str, str] | None = None) -> dict[str, str]:
    """The role of each configured token (an empty or unset variable gives no role)."""
    env = os.environ if env is None else env
    return {role: token for role, name in TOKEN_ENVS.items() if (token := env.get(name, ""))}


def role_of_token(given: str, env: dict[str, str] | None = None) -> str | None:
    """The role the token gives, or None. Compared in constant time with every configured token."""
    found = None
    for role, token in configured_tokens(env).items():
        # Every token is compared (no early return), so timing does not say which one matched.
        if hmac.compare_digest(given.encode(), token.encode()) and given:
            found = found or role
    return found


def bearer_token() -> str | None:
    """The token of this request's `Authorization: Bearer` header; None without the header."""
    header = flask.request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def role_of_request() -> str | None:
    """The role this request proves: by its Bearer token when it has an Authorization header
    (never falling back to the cookie), else by its console session."""
    token = bearer_token()
    if token is not None:
        return role_of_token(token)
    return session_role()


# The console's session ------------------------------------------------------------------------


def secret_key() -> str:
    """The console's session key ("" when unset: the console's sign-in is then disabled)."""
    return os.environ.get(SECRET_KEY_ENV, "")


def token_fingerprint(role: str) -> str:
    """A keyed digest of the role's current token: a session opened with it stays valid only
    while the token is unchanged (the token itself is never stored)."""
    token = configured_tokens().get(role, "")
    message = f"{role}:{token}".encode()
    return hmac.new(secret_key().encode(), message, hashlib.sha256).hexdigest()[:32]


def session_role() -> str | None:
    """The role of the console session, if it is signed in, recent and its token unchanged."""
    if not secret_key():
        return None
    session = flask.session
    role, signed_in = session.get("role"), session.get("signed_in_at")
    if role not in TOKEN_ENVS or not isinstance(signed_in, int | float):
        return None
    if time.time() - signed_in > SESSION_LIFETIME.total_seconds():
        return None
    if role not in configured_tokens():
        return None
    if not hmac.compare_digest(str(session.get("token_fp", "")), token_fingerprint(role)):
        return None
    return role


def sign_in(role: str) -> None:
    """Open a console session for the role (a fresh session: a new CSRF token too)."""
    session = flask.session
    session.clear()
    session.permanent = True
    session["role"] = role
    session["signed_in_at"] = int(time.time())
    session["token_fp"] = token_fingerprint(role)
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def sign_out() -> None:
    """End the console session."""
    flask.session.clear()


def csrf_token() -> str:
    """This session's CSRF token, made on first use (the console puts it in every form)."""
    token = flask.session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = flask.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_console_post() -> None:
    """Refused (403) unless this POST comes from this host and carries the session's CSRF token."""
    request = flask.request
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parts = urlsplit(source)
    if not parts.scheme or parts.netloc.lower() not in own_hosts():
        raise Refused(403, "This form must be sent from the console's own page.")
    expected = flask.session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not isinstance(expected, str) or not expected:
        raise Refused(403, "The form expired: reload the console and try again.")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Refused(403, "The form expired: reload the console and try again.")


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, for the console only: keyed by WALLBOARD_SECRET_KEY (read
    per request: no key, no session), HttpOnly, SameSite=Strict, Secure over https, scoped to
    /admin (the Dash pages and the API never see it) and short-lived."""

    def get_signing_serializer(self, app: flask.Flask) -> URLSafeTimedSerializer | None:
        """The serializer for the current key, or None without one."""
        key = secret_key()
        if not key:
            return None
        return URLSafeTimedSerializer(
            key,
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )

    def open_session(self, app: flask.Flask, request: flask.Request):
        """The request's session; an unsigned, tampered or old cookie gives an empty one."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data = serializer.loads(value, max_age=int(SESSION_LIFETIME.total_seconds()))
        except BadSignature:
            return self.session_class()
        return self.session_class(data)

    def get_cookie_name(self, app: flask.Flask) -> str:
        """The cookie's own name (not Flask's generic "session")."""
        return SESSION_COOKIE

    def get_cookie_path(self, app: flask.Flask) -> str:
        """Only the console's paths receive the cookie."""
        return CONSOLE_PATH

    def get_cookie_httponly(self, app: flask.Flask) -> bool:
        """Scripts never read the cookie."""
        return True

    def get_cookie_samesite(self, app: flask.Flask) -> str:
        """No other site's page sends it, not even a link."""
        return "Strict"

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        """Secure whenever the browser reached us over https (directly or through nginx)."""
        return request_is_https()

    def get_expiration_time(self, app: flask.Flask, session: Any) -> datetime | None:
        """A signed-in session's cookie expires with the session."""
        return datetime.now(UTC) + SESSION_LIFETIME if session.permanent else None


def install_console_session(server: flask.Flask) -> None:
    """Give the server the console's session (once; the Dash pages never touch the session)."""
    if not isinstance(server.session_interface, ConsoleSessionInterface):
        server.session_interface = ConsoleSessionInterface()


# What the proxy in front says ---------------------------------------------------------------


def trusted_proxy() -> bool:
    """Whether the peer is a proxy whose X-Forwarded-* headers are believed (gunicorn's rule:
    FORWARDED_ALLOW_IPS, by default the loopback addresses, nginx on the same host)."""
    allowed = os.environ.get(FORWARDED_ALLOW_ENV, DEFAULT_FORWARDED_ALLOW)
    peer = flask.request.remote_addr or ""
    entries = [a.strip() for a in allowed.split(",") if a.strip()]
    if "*" in entries:
        return True
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    for entry in entries:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def request_is_https() -> bool:
    """Whether the browser's connection is https: this one, or the one nginx received."""
    if flask.request.is_secure:
        return True
    proto = flask.request.headers.get("X-Forwarded-Proto", "")
    return trusted_proxy() and proto.split(",")[0].strip().lower() == "https"


def own_hosts() -> set[str]:
    """The host[:port] names this server is reached by: Host, and nginx's X-Forwarded-Host
    (nginx passes Host without the port; the browser's Origin has it)."""
    hosts = {flask.request.host.lower()}
    forwarded = flask.request.headers.get("X-Forwarded-Host", "")
    if forwarded and trusted_proxy():
        hosts.add(forwarded.split(",")[0].strip().lower())
    return hosts


def client_address() -> str:
    """The screen's address: the peer, or behind a trusted proxy the one nginx saw (X-Real-IP,
    else the last X-Forwarded-For entry: the one nginx appended, not one a client sent)."""
    request = flask.request
    peer = request.remote_addr or ""
    if not trusted_proxy():
        return peer
    real = request.headers.get("X-Real-IP", "").strip()
    if real:
        return real
    forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
    return next((a for a in reversed(forwarded) if a), peer)


# The rate of actions --------------------------------------------------------------------------


class ActionLimiter:
    """At most `per_minute()` actions per role in any sliding minute, in this process."""

    def __init__(
        self, per_minute: Callable[[], int], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, role: str) -> float | None:
        """Count one action of the role: None when admitted, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            times = self._times.setdefault(role, deque())
            while times and now - times[0] >= WINDOW_S:
                times.popleft()
            if len(times) >= max(1, self.per_minute()):
                return WINDOW_S - (now - times[0])
            times.append(now)
            return None


def actions_per_minute(board: Any) -> int:
    """The configured limit (screens.actions_per_minute), read now so a reload changes it."""
    screens = getattr(board.settings, "screens", None)
    return int(getattr(screens, "actions_per_minute", DEFAULT_ACTIONS_PER_MINUTE))


class Gate:
    """The one decision of who may do what, for the API and the console of one server."""

    def __init__(self, limiter: ActionLimiter) -> None:
        self.limiter = limiter

    def api_role(self, *, act: bool) -> str:
        """The role of an API request allowed to read (act=False) or act; Refused otherwise."""
        tokens = configured_tokens()
        if not tokens:
            raise Refused(404, f"the operators' API is disabled (set {ADMIN_ENV})")
        token = bearer_token()
        role = role_of_token(token) if token else None
        if role is None:
            raise Refused(
                401,
                "a valid token is required (Authorization: Bearer <token>)",
                {"WWW-Authenticate": 'Bearer realm="wallboard"'},
            )
        return self._allowed(role, act=act)

    def console_role(self, *, act: bool) -> str:
        """The role of a console request (session) allowed to read or act; Refused otherwise.
        An action also needs the CSRF token and this host as its origin."""
        if flask.request.method not in ("GET", "HEAD"):
            check_console_post()
        role = session_role()
        if role is None:
            raise Refused(401, "Sign in to the console first.")
        return self._allowed(role, act=act)

    def _allowed(self, role: str, *, act: bool) -> str:
        if not act:
            return role
        if role != ADMIN:
            raise Refused(403, "the viewer token is read-only: actions need the admin token")
        wait = self.limiter.admit(role)
        if wait is not None:
            seconds = max(1, int(wait + 0.999))
            raise Refused(
                429,
                f"too many actions: at most {self.limiter.per_minute()} a minute; "
                f"try again in {seconds} s",
                {"Retry-After": str(seconds)},
            )
        return role


GATE_EXTENSION = "wallboard.gate"


def gate_of(server: flask.Flask, board: Any) -> Gate:
    """The server's gate (one per server, shared by the API and the console, so a role's
    actions count once whichever way they come)."""
    gate = server.extensions.get(GATE_EXTENSION)
    if gate is None:
        gate = server.extensions[GATE_EXTENSION] = Gate(
            ActionLimiter(lambda: actions_per_minute(board))
        )
    return gate


def api_route(gate: Gate, *, act: bool) -> Callable:
    """A view decorator: the view runs with `role=` when the API request may read or act, else
    the refusal is the answer (JSON)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                role = gate.api_role(act=act)
            except Refused as refused:
                return refused.json_response()
            return view(*args, role=role, **kwargs)

        return guarded

    return decorate
