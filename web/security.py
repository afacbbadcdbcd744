"""HTTP security for the board's Flask server: headers, CSP, CORS.

Every response carries the security headers that mean something on it, so the board is
protected without nginx too (deploy/nginx adds the same headers only to answers the app did not
make: its own error pages). Pages get the policy below, the referrer and permissions policies;
every other answer (callbacks, API, assets) a policy that allows nothing but its frame
ancestors, as it loads nothing, and stylesheets the referrer policy their fetches follow. Every
answer gets nosniff and, where it can say what frame-ancestors says, X-Frame-Options.

The Content-Security-Policy allows no inline script except Dash's own, by hash: the renderer
bootstrap and the clientside callbacks Dash inlines (`Dash.csp_hashes`). The board's own
clientside code is in files (assets/*.js), so 'self' covers it. No 'unsafe-eval': neither
Dash's renderer nor the plotly.js traces the board draws (SVG, no WebGL) evaluate strings; the
browser tests (tests/e2e/test_csp.py) render every scene under the policy and fail on any
violation.

CORS is for /api/* only, and only for the configured origins (`security.cors_origins`): Dash's
callback endpoint and the admin endpoints never answer another site's page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import flask
from dash import Dash, _callback

from config.schema import Settings

API_PREFIX = "/api/"
CORS_METHODS = "GET, HEAD"
CORS_MAX_AGE_S = 600

# Headers that do not depend on the configuration, by the answers they mean something on.
# Every answer: a browser must not guess a type (a JSON answer sniffed as a script or a page).
EVERY_ANSWER_HEADERS = {"X-Content-Type-Options": "nosniff"}
# A page, and a stylesheet, whose url() fetches follow its own policy; the requests a script
# or a JSON answer leads to follow the page's. Permissions-Policy governs documents only.
REFERRER_HEADERS = {"Referrer-Policy": "same-origin"}
PAGE_HEADERS = {
    **REFERRER_HEADERS,
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def _source(ancestor: str) -> str:
    return f"'{ancestor}'" if ancestor in ("self", "none") else ancestor


@lru_cache(maxsize=16)
def content_security_policy(
    script_hashes: tuple[str, ...], frame_ancestors: tuple[str, ...]
) -> str:
    """The policy for Dash's inline-script hashes and the configured frame ancestors."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        # 'unsafe-inline' for styles only: Dash's renderer and dcc inject <style> elements
        # (their components' CSS-in-JS, a different hash each), and plotly.js adds its rules
        # in a <style> it creates and writes style attributes into the SVG it draws. Without it
        # the graphs and the loading states lose their layout. Inline style cannot run code.
        "style-src": ["'self'", "'unsafe-inline'"],
        # data: for Bootstrap's icons, data:image/svg+xml in its CSS: the admin console's
        # select arrows. The sparklines are canvases now, not data: images.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": [_source(a) for a in frame_ancestors],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


@lru_cache(maxsize=16)
def resource_policy(frame_ancestors: tuple[str, ...]) -> str:
    """The policy for an answer that is no HTML page (JSON, scripts, styles, images, text)."""
    # A policy only governs a document (or a worker, which the board has none of): on anything
    # else it matters only if that answer is opened as a document itself, and then it may load
    # and run nothing. nginx's own error pages get the same (deploy/nginx/maps.conf). Every
    # screen's tick is such an answer, and the page's policy (its script hashes) was 300 of
    # the ~600 bytes of headers a 204 tick is made of.
    return f"default-src 'none'; frame-ancestors {' '.join(_source(a) for a in frame_ancestors)}"


def frame_options(frame_ancestors: Sequence[str]) -> str | None:
    """X-Frame-Options for browsers without frame-ancestors; None when it cannot say it."""
    # The header knows only "same origin" and "nowhere"; for a list of origins, CSP's
    # frame-ancestors alone decides (a DENY or SAMEORIGIN here would contradict it).
    if list(frame_ancestors) == ["self"]:
        return "SAMEORIGIN"
    if list(frame_ancestors) == ["none"]:
        return "DENY"
    return None


def cors_headers(path: str, method: str, origin: str | None, allowed: Sequence[str]) -> dict:
    """The CORS headers for one request: only /api/*, only an exactly configured origin."""
    if not path.startswith(API_PREFIX) or not origin or origin not in allowed:
        return {}
    headers = {"Access-Control-Allow-Origin": origin}
    if method == "OPTIONS":  # a preflight: the API is read-only and needs no custom headers
        headers["Access-Control-Allow-Methods"] = CORS_METHODS
        headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE_S)
    return headers


def inline_script_hashes(app: Dash) -> Callable[[], tuple[str, ...]]:
    """Dash's inline-script hashes (`Dash.csp_hashes`), worked out again only when Dash has
    inlined more scripts: it adds the clientside callbacks registered after start when it
    serves its first request, so the hashes are never frozen at start, and never hashed anew
    for every answer either."""
    known: dict[tuple, tuple[str, ...]] = {}

    def hashes() -> tuple[str, ...]:
        # Dash only ever appends to these lists (app._inline_scripts, and the global list that
        # csp_hashes moves into it), so their lengths tell when the hashes change.
        inlined = (
            len(getattr(app, "_inline_scripts", ())),
            len(_callback.GLOBAL_INLINE_SCRIPTS),
            app.renderer,
        )
        if inlined not in known:
            known.clear()
            known[inlined] = tuple(app.csp_hashes())
        return known[inlined]

    return hashes


def security_headers(
    app: Dash, settings: Callable[[], Settings]
) -> Callable[[flask.Response], flask.Response]:
    """The after-request hook that puts the security headers and CORS on a response (web.hooks
    installs it so that it runs on every answer, refusals and errors included).

    `settings` is read per response, so a configuration reload changes them too.
    """

    hashes = inline_script_hashes(app)

    def secure_response(response: flask.Response) -> flask.Response:
        config = settings().security
        ancestors = tuple(config.frame_ancestors)
        headers = response.headers
        if response.status_code == 204:
            # Every idle tick: no content, so no type (Flask's default, text/html, is no page).
            headers.pop("Content-Type", None)
        is_page = response.mimetype == "text/html"
        # Every screen ticks once or twice a second, and a tick's headers are most of its
        # bytes: an answer carries only the headers that mean something on it.
        if is_page:
            headers["Content-Security-Policy"] = content_security_policy(hashes(), ancestors)
            headers.update(PAGE_HEADERS)
        else:
            headers["Content-Security-Policy"] = resource_policy(ancestors)
            if response.mimetype == "text/css":
                headers.update(REFERRER_HEADERS)
        if (frame := frame_options(ancestors)) is not None:
            headers["X-Frame-Options"] = frame
        headers.update(EVERY_ANSWER_HEADERS)
        request = flask.request
        if request.path.startswith(API_PREFIX):
            # The answer depends on Origin whenever CORS may apply: caches must keep them apart.
            response.vary.add("Origin")
            origin = request.headers.get("Origin")
            response.headers.update(
                cors_headers(request.path, request.method, origin, config.cors_origins)
            )
        return response

    return secure_response
